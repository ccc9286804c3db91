"""`make demo` twice in a row, as a user types it: each exits 0, builds the whole platform from nothing, verifies
it, prints the summary and stops its local AWS; the second one replaces a server left running in the same folder
(and says so) instead of building on what it holds. `make` runs as make_runs.py describes, on this test's own
LOCAL_AWS_STATE_DIR."""
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_runs import MAKE_TIMEOUT, clients, make  # noqa: E402
from processes import alive  # noqa: E402
from stack_inventory import STACK_TAG  # noqa: E402

from local_aws.cli import LocalAws  # noqa: E402

STACK = "demo"
# `make demo` runs two playbooks (site.yml on an empty account, verify.yml): two playbook runs' budget.
DEMO_TIMEOUT = 2 * MAKE_TIMEOUT
# Two demos, each a site.yml build from nothing: above one test's default budget (13 min on a 2-core machine at
# load 11).
pytestmark = pytest.mark.timeout(3600)


def test_demo_twice_in_a_row_starts_from_nothing_each_time(tmp_path):
    state = tmp_path / "local-aws"
    server = LocalAws(str(state))
    try:
        first = make(state, "demo", timeout=DEMO_TIMEOUT, record_calls=False)
        assert first.rc == 0, first.tail()
        assert "make demo: starting a fresh local AWS" in first.output
        assert len(first.recaps) == 2, first.tail()  # site.yml, verify.yml
        built, verified = first.recaps
        assert built["changed"] > 0 and built.get("failed", 0) == 0 and verified.get("failed", 0) == 0
        assert not server.ready() and server.endpoint() is None  # stopped at the end

        # a server left running in the same folder, holding a VPC that looks like the demo's: the demo replaces it
        # (and says so) instead of building on it
        started = make(state, "local-aws", record_calls=False)
        assert started.rc == 0, started.tail()
        left, left_pid = server.endpoint(), server.pid()
        stale = clients(left)("ec2").create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{
            "ResourceType": "vpc", "Tags": [{"Key": STACK_TAG, "Value": STACK}, {"Key": "Name", "Value": "demo-vpc"}]}])[
            "Vpc"]["VpcId"]

        second = make(state, "demo", timeout=DEMO_TIMEOUT, record_calls=False)
        print(f"\nmake demo: {first.seconds:.0f}s, then {second.seconds:.0f}s over a server left running")
        assert second.rc == 0, second.tail()
        assert f"stopping the running server at {left} (pid {left_pid}) to start afresh" in second.output, second.tail()
        assert not alive(left_pid)
        assert len(second.recaps) == 2, second.tail()
        assert second.recaps[0]["changed"] == built["changed"], (first.recaps, second.recaps)
        # the summary shows the new stack's one VPC, not the stale one
        assert len(re.findall(r"\bVPC vpc-", second.output)) == 1 and stale not in second.output, second.tail()
        assert not server.ready() and server.endpoint() is None
    finally:
        server.stop()
