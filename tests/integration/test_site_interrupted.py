"""playbooks/site.yml killed at several points on an empty account (SIGKILL to ansible-playbook and every process it
started, its workers and modules included: a lost controller, nothing gets to finish or clean up), run again after
each kill, converges to what a clean run makes: one VPC, one key per KMS alias, one NAT gateway per AZ and an
Elastic IP per NAT gateway, one launch template per instance group at the version a clean run makes, one task
definition revision per family, and a run after it changes nothing. Each point is detected by polling AWS for the
resource that marks it, never by time; a run must still be running when its point is reached (the kill lands in
the middle of its work), and no process of a killed run may outlive the kill."""
import os
import re
import signal
import sys

import pytest

from local_aws.polling import wait_for

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from processes import alive, kill_tree, tree  # noqa: E402
from stack_inventory import STACK_TAG, duplicates  # noqa: E402

SITE = "playbooks/site.yml"
STACK = "demo"
# the budget of one site.yml run (conftest.PLAYBOOK_TIMEOUT): a point not reached by then is a failure
POINT_TIMEOUT = 900
TAGGED = [{"Name": "tag:" + STACK_TAG, "Values": [STACK]}]
# Five interrupted runs, each going further than the last, then two whole ones: above one test's default budget.
pytestmark = pytest.mark.timeout(3600)


def _vpc(aws):
    return aws("ec2").describe_vpcs(Filters=TAGGED)["Vpcs"]


def _nat_gateway(aws):
    return [n for n in aws("ec2").describe_nat_gateways(Filters=TAGGED)["NatGateways"] if n["State"] != "deleted"]


def _database_key(aws):
    return [a for a in aws("kms").list_aliases()["Aliases"] if a["AliasName"] == f"alias/{STACK}-database"]


def _launch_template(aws):
    return aws("ec2").describe_launch_templates(Filters=[
        {"Name": "launch-template-name", "Values": [f"{STACK}-ondemand", f"{STACK}-spot"]}])["LaunchTemplates"]


def _service_rolling_out(aws):
    """A service created, its first deployment not yet COMPLETED (the module is waiting for the rollout)."""
    ecs = aws("ecs")
    if not any(c["status"] == "ACTIVE" for c in ecs.describe_clusters(clusters=[STACK])["clusters"]):
        return []
    arns = ecs.list_services(cluster=STACK)["serviceArns"]
    services = ecs.describe_services(cluster=STACK, services=arns)["services"] if arns else []
    return [s for s in services if any(d.get("rolloutState") == "IN_PROGRESS" for d in s["deployments"])]


# In site.yml's order; each marks a point later than the one before, so each run gets further than the last.
POINTS = [
    ("the VPC exists (network role, subnets and NAT gateways still to come)", _vpc),
    ("the first NAT gateway exists (the other AZs' still to come)", _nat_gateway),
    ("the database KMS key has its alias (database role)", _database_key),
    ("a launch template exists (ecs_instances role)", _launch_template),
    ("a service is rolling out (services role)", _service_rolling_out),
]


def test_site_killed_at_several_points_converges_without_duplicates(start_playbook, playbook, aws):
    kills, passed = [], []
    for index, (point, reached) in enumerate(POINTS):
        if reached(aws):
            # The kill for the point before landed after this one too (they can be milliseconds apart inside one
            # module): the run that would reach it has nothing left to reach, so the next point takes over.
            assert index > 0, f"already there before any run: {point}"
            passed.append(point)
            continue
        proc = start_playbook(SITE)
        members = []
        try:
            wait_for(lambda reached=reached, proc=proc: reached(aws) or proc.poll() is not None, timeout=POINT_TIMEOUT,
                     step=0.05, what=point)
        finally:
            if proc.poll() is None:
                members = tree(proc.pid)  # the playbook, its workers, their module processes
                kill_tree(proc.pid)
            proc.wait()
        output = proc.output.read_text()
        assert proc.returncode == -signal.SIGKILL, f"the run ended (exit {proc.returncode}) before {point}:\n" \
                                                   f"{output[-6000:]}"
        wait_for(lambda members=members: not any(alive(pid) for pid in members), timeout=30, step=0.05,
                 what=f"every process of the run killed when {point} to end")
        tasks = re.findall(r"^TASK \[(.*?)\] \**$", output, re.M)
        kills.append((point, len(members), len(tasks), tasks[-1] if tasks else "none yet"))

    final = playbook(SITE)
    assert final.rc == 0, final.output[-6000:]
    after = playbook(SITE)
    assert after.rc == 0, after.output[-6000:]

    figures, problems = duplicates(aws, STACK)
    print(f"\nsite.yml killed {len(kills)} times, then converged (final run changed={final.changed}, "
          f"the run after changed={after.changed}):")
    for point, processes, count, task in kills:
        print(f"  killed when {point}: {processes} processes, in task {count} of the run, {task!r}")
    for point in passed:
        print(f"  already passed by the kill before: {point}")
    for kind, value in figures.items():
        print(f"  {kind}: {value}")
    print(f"  duplicates or missing: {len(problems)}")
    assert problems == [], problems
    # every role that creates something was interrupted at least once before the whole runs
    assert len(kills) >= len(POINTS) - 1, kills
    assert after.changed == 0, after.changed_tasks
