"""Rolling instance replacement on the local AWS: every instance replaced after a launch template
change while healthy targets never drop below the service's minimumHealthyPercent (the local AWS records
the minimum on every state change: tools/local_aws invariant recorder); check mode
changes nothing; a fully rolled fleet is a no-op; a health gate stops the roll; an interrupted roll
resumes (killed while the local AWS holds its drain, so always mid-roll); scale-in through a capacity provider
with managed draining drains first (asserted on the recorded container-instance transitions)."""
import json
import math
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import day2_stack as d  # noqa: E402
from processes import kill_tree  # noqa: E402

from local_aws.controls import Controls  # noqa: E402
from local_aws.polling import wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = "playbooks/roll_instances.yml"
ROLL_TAG = "cloudops:roll"


def _build(aws):
    built = d.build(aws, capacity_provider=True, min_healthy=100, max_percent=200)
    d.start_service(aws, built)
    return built


@pytest.fixture(scope="module")
def shared(shared_stack, aws):
    return shared_stack(lambda: _build(aws))


@pytest.fixture
def stack(shared, request):
    """A steady stack of 3 instances (one per AZ) on one launch template version, 6 tasks behind the ALB. Rolls
    leave it so; the scale-in test does not (destructive), and a failed test may not: the next test gets a new one."""
    yield from shared.use(request)


def _group(aws, stack):
    return d.group_instances(aws, stack)


def _versions(group):
    return sorted(i["LaunchTemplate"]["Version"] for i in group["Instances"] if i["LifecycleState"] == "InService")


def _assert_fully_rolled(aws, stack, version):
    group = _group(aws, stack)
    assert _versions(group) == [version] * stack["instances"]
    assert group["DesiredCapacity"] == stack["instances"] and group["MaxSize"] == stack["instances"]
    assert ROLL_TAG not in {t["Key"] for t in group["Tags"]}
    in_service = [i for i in group["Instances"] if i["LifecycleState"] == "InService"]
    assert sorted(i["AvailabilityZone"] for i in in_service) == d.AZS  # still one per AZ
    active = {c["ec2InstanceId"] for c in d.active_instances(aws, stack)}
    assert active == {i["InstanceId"] for i in in_service}
    assert d.service_steady(aws, stack)
    assert d.healthy_targets(aws, stack) == stack["tasks"]


def test_roll_replaces_every_instance_keeping_minimum_healthy(playbook, aws, stack, endpoint):
    before = _group(aws, stack)
    old_ids = {i["InstanceId"] for i in before["Instances"]}
    version = d.new_launch_template_version(aws, stack)

    checked = playbook(PLAYBOOK, check=True)
    assert checked.rc == 0, checked.output
    assert "CHECK MODE, nothing changes: would roll 3 instances in 3 batches" in checked.output
    assert checked.writes == [], checked.writes
    after_check = _group(aws, stack)
    assert {i["InstanceId"] for i in after_check["Instances"]} == old_ids
    assert after_check["DesiredCapacity"] == 3 and ROLL_TAG not in {t["Key"] for t in after_check["Tags"]}

    controls = Controls(endpoint)
    controls.mark()
    rolled = playbook(PLAYBOOK)
    report = controls.report()
    assert rolled.rc == 0, rolled.output
    for instance_id in old_ids:  # one task per instance, named with its id
        assert instance_id in rolled.output
    _assert_fully_rolled(aws, stack, version)
    assert not old_ids & {i["InstanceId"] for i in _group(aws, stack)["Instances"]}

    # recorded on every state change during the roll, not sampled: the desired count stayed, and neither the
    # healthy targets nor the healthy running tasks ever fell below minimumHealthyPercent of it
    web = report.service(stack["cluster"], "web")
    assert (web["min_desired"], web["max_desired"]) == (stack["tasks"], stack["tasks"]), web
    floor = math.ceil(stack["tasks"] * stack["min_healthy"] / 100)
    group = report.target_group(stack["target_group_arn"])
    assert group["min_healthy"] >= floor, group
    assert web["min_healthy"] >= floor and web["min_running"] >= floor, web
    assert group["max_registered"] > stack["tasks"], group  # replacements came up before old tasks left

    again = playbook(PLAYBOOK)
    assert again.rc == 0, again.output
    assert again.changed == 0
    assert "Rolling 0 instances in 0 batches" in again.output


def test_health_gate_stops_then_interrupted_roll_resumes(playbook, aws, stack, endpoint):
    version = d.new_launch_template_version(aws, stack)
    target = aws("elbv2").describe_target_health(TargetGroupArn=stack["target_group_arn"])["TargetHealthDescriptions"][0]
    d.control(endpoint, "elbv2/set-target-health", {"target_group_arn": stack["target_group_arn"],
                                                     "target_id": target["Target"]["Id"], "state": "unhealthy"})
    wait_for(lambda: d.healthy_targets(aws, stack) < stack["tasks"], timeout=60, step=0.2, what="an unhealthy target")
    gated = playbook(PLAYBOOK, extra_vars={"roll_health_timeout": 2})
    assert gated.rc != 0
    assert "health gate before" in gated.output and "healthy targets" in gated.output, gated.output
    assert gated.output.count("health gate before") <= 2, "the roll went on after the first failing batch"
    group = _group(aws, stack)
    assert group["DesiredCapacity"] == 3 and ROLL_TAG not in {t["Key"] for t in group["Tags"]}  # nothing changed
    d.control(endpoint, "elbv2/set-target-health", {"target_group_arn": stack["target_group_arn"],
                                                     "target_id": target["Target"]["Id"], "state": "healthy"})
    wait_for(lambda: d.healthy_targets(aws, stack) == stack["tasks"] and d.service_steady(aws, stack),
             timeout=60, step=0.2, what="healthy again")

    # start a roll (the whole group in one batch of 3) and kill it while it waits on a drain: the local AWS holds
    # the drain (a DRAINING instance keeps its service tasks until released), so the kill always lands mid-roll
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
           os.path.join(ROOT, "inventories", "local"), os.path.join(ROOT, PLAYBOOK),
           "-e", json.dumps({"cloudops_aws_endpoint_url": endpoint, "roll_batch_size": 3})]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    ecs = aws("ecs")
    controls = Controls(endpoint)
    with controls.drains_held(stack["cluster"]):
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

        def draining():
            arns = ecs.list_container_instances(cluster=stack["cluster"], status="DRAINING")["containerInstanceArns"]
            return arns or proc.poll() is not None

        try:
            wait_for(draining, timeout=300, step=0.2, what="an instance draining")
            assert proc.poll() is None, f"the roll ended before it drained (rc {proc.returncode})"
        finally:
            kill_tree(proc.pid)  # the playbook, its workers and the roll module
            proc.wait()
    interrupted = _group(aws, stack)
    assert ROLL_TAG in {t["Key"] for t in interrupted["Tags"]}, "the roll finished before it could be interrupted"
    assert interrupted["DesiredCapacity"] >= 3

    controls.mark()
    resumed = playbook(PLAYBOOK, extra_vars={"roll_batch_size": 3})
    assert resumed.rc == 0, resumed.output
    assert "resuming" in resumed.output  # the plan says it continues a roll
    _assert_fully_rolled(aws, stack, version)
    _assert_minimums_kept(controls.report(), stack)


def _assert_minimums_kept(report, stack):
    """Recorded on every state change since the mark, not sampled: neither the healthy targets nor the running
    tasks of the service fell below its minimumHealthyPercent."""
    floor = math.ceil(stack["tasks"] * stack["min_healthy"] / 100)
    web = report.service(stack["cluster"], "web")
    group = report.target_group(stack["target_group_arn"])
    assert web["min_running"] >= floor and web["min_healthy"] >= floor, web
    assert group["min_healthy"] >= floor, group


def test_drain_module_check_mode_drain_and_reactivate(playbook, aws, stack, endpoint):
    """cloudops.ecs.ecs_container_instance on its own: check mode changes nothing, a drain moves the
    service tasks away and keeps the service whole, a second drain is a no-op, state=active undoes it."""
    ecs = aws("ecs")
    instance = max(d.active_instances(aws, stack), key=lambda i: i["runningTasksCount"])
    assert instance["runningTasksCount"] > 0
    controls = Controls(endpoint)
    controls.mark()
    run = playbook("tests/integration/playbooks/day2_drain.yml", diff=True,
                   extra_vars={"drain_cluster": stack["cluster"], "drain_instance_id": instance["ec2InstanceId"]})
    assert run.rc == 0, run.output
    assert run.changed == 3  # check-mode drain, drain, reactivation; the second drain is a no-op
    after = ecs.describe_container_instances(cluster=stack["cluster"],
                                             containerInstances=[instance["containerInstanceArn"]])["containerInstances"][0]
    assert after["status"] == "ACTIVE"
    assert after["runningTasksCount"] == 0  # its tasks moved and stay where they went
    assert d.service_steady(aws, stack) and d.healthy_targets(aws, stack) == stack["tasks"]
    report = controls.report()
    # one drain and one reactivation: check mode and the second drain changed nothing
    assert [(t["from"], t["to"]) for t in report.transitions(stack["cluster"], instance["ec2InstanceId"])] == [
        ("ACTIVE", "DRAINING"), ("DRAINING", "ACTIVE")]
    _assert_minimums_kept(report, stack)


@pytest.mark.destructive
def test_scale_in_drains_through_managed_draining(aws, stack, endpoint):
    """A plain scale-in (no roll) drains through the capacity provider's managed draining hook: the
    instance turns DRAINING, its tasks move, then it terminates; the service stays whole. Every container
    instance transition is recorded by the local AWS, so a DRAINING shorter than any polling interval counts."""
    autoscaling = aws("autoscaling")
    hooks = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=stack["auto_scaling_group_name"])
    assert "ecs-managed-draining-termination-hook" in {h["LifecycleHookName"] for h in hooks["LifecycleHooks"]}
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=stack["auto_scaling_group_name"], MinSize=2)
    victim = _group(aws, stack)["Instances"][0]["InstanceId"]
    controls = Controls(endpoint)
    controls.mark()
    autoscaling.terminate_instance_in_auto_scaling_group(InstanceId=victim, ShouldDecrementDesiredCapacity=True)

    wait_for(lambda: victim not in {i["InstanceId"] for i in _group(aws, stack)["Instances"]},
             timeout=60, step=0.2, what="the scaled-in instance to leave the group")
    wait_for(lambda: controls.report().container_instance(stack["cluster"], victim)["status"] == "INACTIVE",
             timeout=60, step=0.2, what="the scaled-in container instance to deregister")
    wait_for(lambda: d.service_steady(aws, stack) and d.healthy_targets(aws, stack) == stack["tasks"],
             timeout=60, step=0.2, what="service steady on the remaining instances")
    report = controls.report()
    assert [(t["from"], t["to"]) for t in report.transitions(stack["cluster"], victim)] == [
        ("ACTIVE", "DRAINING"), ("DRAINING", "INACTIVE")]
    for other in _group(aws, stack)["Instances"]:  # the others were never drained
        assert report.transitions(stack["cluster"], other["InstanceId"]) == [], other["InstanceId"]
    _assert_minimums_kept(report, stack)
