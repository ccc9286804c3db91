"""playbooks/site.yml on an empty account through the fault-injecting proxy (tools/local_aws/fault_proxy.py): a
seeded fraction of the AWS requests is answered with throttling, 500 or 503 without reaching the local AWS. The run
succeeds (every call, paginators and waiters included, is retried), faults of every kind were injected, nothing was
made twice, and a run after it, through the same faults, changes nothing."""
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from local_aws.polling import wait_for

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack_inventory import duplicates  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = "playbooks/site.yml"
STACK = "demo"
RATE = 0.05  # one AWS request in twenty
SEED = 7
KINDS = ("throttle", "500", "503")


@pytest.fixture
def proxy(endpoint, tmp_path):
    """The fault proxy's URL, in front of this session's local AWS."""
    endpoint_file = tmp_path / "proxy-endpoint"
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "local_aws.fault_proxy", "--upstream", endpoint, "--rate", str(RATE), "--seed",
         str(SEED), "--endpoint-file", str(endpoint_file)],
        env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")))
    try:
        yield wait_for(lambda: endpoint_file.exists() and endpoint_file.read_text().strip(), timeout=30,
                       what="fault proxy endpoint")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _stats(proxy):
    with urllib.request.urlopen(proxy + "/_proxy/stats", timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def _delta(after, before):
    return {key: after.get(key, 0) - before.get(key, 0) for key in ("requests", "forwarded", "faults")
            } | {kind: after.get("fault_" + kind, 0) - before.get("fault_" + kind, 0) for kind in KINDS}


def test_site_through_throttling_and_5xx_converges_without_duplicates(proxy, playbook, aws):
    built = playbook(SITE, endpoint=proxy)
    assert built.rc == 0, built.output[-6000:]
    first = _stats(proxy)
    again = playbook(SITE, endpoint=proxy)
    second = _delta(_stats(proxy), first)
    assert again.rc == 0, again.output[-6000:]

    figures, problems = duplicates(aws, STACK)
    faulted = sorted(first["by_action"].items(), key=lambda item: -item[1])
    print(f"\nsite.yml through the fault proxy (rate {RATE}, seed {SEED}):")
    print(f"  create run (changed={built.changed}, {len(built.calls)} AWS calls): {_delta(first, {})}")
    print(f"  run after (changed={again.changed}, {len(again.calls)} AWS calls): {second}")
    print(f"  most faulted in the create run: {faulted[:8]}")
    for kind, value in figures.items():
        print(f"  {kind}: {value}")
    print(f"  duplicates or missing: {len(problems)}")

    assert first["requests"] == first["forwarded"] + first["faults"], first
    # every AWS call of the runs went through the proxy and ended in one forwarded request (faults were retried)
    assert (first["forwarded"], second["forwarded"]) == (len(built.calls), len(again.calls)), (first, second)
    assert all(first.get("fault_" + kind, 0) > 0 for kind in KINDS), first
    assert second["faults"] > 0, second
    assert problems == [], problems
    assert again.changed == 0, again.changed_tasks
