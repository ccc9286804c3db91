"""Day 2 on the stack playbooks/site.yml builds from inventories/local with its defaults (capacity providers with
managed scaling at target capacity 100, managed termination protection, managed draining): verify reports every
check OK right after the build; a launch template change followed by the roll playbook replaces every instance in
one run, never below the services' minimum healthy, and a second roll changes nothing; the same with the roll
killed half-way (while the local AWS holds a drain, so always mid-roll) and run again. The minimums are the local
AWS invariant recorder's. One site.yml stack for the whole module."""
import json
import math
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import day2_stack as d  # noqa: E402
from processes import kill_tree  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = "playbooks/site.yml"
ROLL = "playbooks/roll_instances.yml"
VERIFY = "playbooks/verify.yml"
CLUSTER = "demo"
ROLL_TAG = "cloudops:roll"
CHECKS = ["services", "targets", "container_instances", "az_coverage", "spare_capacity", "ami", "database",
          "network", "stopped_tasks"]


@pytest.fixture(scope="module")
def site(playbook, local_aws):
    run = playbook(SITE)
    assert run.rc == 0, run.output[-6000:]
    return run


def _groups(aws):
    groups = aws("autoscaling").describe_auto_scaling_groups(
        Filters=[{"Name": "tag:" + d.STACK_TAG, "Values": [CLUSTER]}])["AutoScalingGroups"]
    return {g["AutoScalingGroupName"]: g for g in groups}


def _in_service(group):
    return [i for i in group["Instances"] if i["LifecycleState"] == "InService"]


# The ecs_instances role's defaults: the recommended ECS-optimized AMI per architecture.
RECOMMENDED_AMI = {"x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
                   "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"}


def _new_launch_template_versions(aws, endpoint):
    """What an AMI update does: AWS publishes another image of the same architecture as the recommended one,
    a new launch template version takes it, each group then launches it. Returns {group: version} for the
    groups that have instances. After the roll every instance runs the recommended AMI again, so verify is
    all OK whichever test ran first."""
    from local_aws.controls import Controls

    ec2, autoscaling = aws("ec2"), aws("autoscaling")
    versions, published = {}, {}
    for name, group in _groups(aws).items():
        if not _in_service(group):
            continue
        spec = group.get("LaunchTemplate") or group["MixedInstancesPolicy"]["LaunchTemplate"]["LaunchTemplateSpecification"]
        current = ec2.describe_launch_template_versions(LaunchTemplateId=spec["LaunchTemplateId"],
                                                        Versions=[spec["Version"]])["LaunchTemplateVersions"][0]
        image = ec2.describe_images(ImageIds=[current["LaunchTemplateData"]["ImageId"]])["Images"][0]
        architecture = image["Architecture"]
        if architecture not in published:
            published[architecture] = next(
                i["ImageId"] for i in ec2.describe_images(Owners=["amazon"])["Images"]
                if i.get("Architecture") == architecture and i["ImageId"] != image["ImageId"])
            Controls(endpoint).call("ssm/publish-public-parameter", {"name": RECOMMENDED_AMI[architecture],
                                                                     "value": published[architecture]})
        other = published[architecture]
        created = ec2.create_launch_template_version(LaunchTemplateId=spec["LaunchTemplateId"],
                                                     SourceVersion=str(current["VersionNumber"]),
                                                     LaunchTemplateData={"ImageId": other})
        version = str(created["LaunchTemplateVersion"]["VersionNumber"])
        template = {"LaunchTemplateId": spec["LaunchTemplateId"], "Version": version}
        if group.get("LaunchTemplate"):
            autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, LaunchTemplate=template)
        else:
            policy = group["MixedInstancesPolicy"]
            policy["LaunchTemplate"]["LaunchTemplateSpecification"] = template
            autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, MixedInstancesPolicy={
                "LaunchTemplate": policy["LaunchTemplate"], "InstancesDistribution": policy["InstancesDistribution"]})
        versions[name] = version
    return versions


def _replica_services(aws):
    ecs = aws("ecs")
    services = ecs.describe_services(cluster=CLUSTER, services=ecs.list_services(cluster=CLUSTER)["serviceArns"])
    return [s for s in services["services"] if s["schedulingStrategy"] == "REPLICA"]


def _assert_rolled(aws, before, versions):
    groups = _groups(aws)
    for name, version in versions.items():
        group = groups[name]
        live = _in_service(group)
        assert {i["LaunchTemplate"]["Version"] for i in live} == {version}, (name, live)
        assert not {i["InstanceId"] for i in live} & {i["InstanceId"] for i in _in_service(before[name])}
        assert (group["DesiredCapacity"], group["MaxSize"]) == (before[name]["DesiredCapacity"], before[name]["MaxSize"])
        assert ROLL_TAG not in {t["Key"] for t in group["Tags"]}
        # managed scaling is back: its policy is on the group and acts again
        assert "AlarmNotification" not in {p["ProcessName"] for p in group["SuspendedProcesses"]}
        assert [p["PolicyName"] for p in aws("autoscaling").describe_policies(AutoScalingGroupName=name)[
            "ScalingPolicies"]][0].startswith("ECSManagedAutoScalingPolicy-")
        zones = [i["AvailabilityZone"] for i in live]
        assert max(zones.count(z) for z in set(zones)) - min(zones.count(z) for z in group["AvailabilityZones"]) <= 1
    for service in _replica_services(aws):
        assert service["runningCount"] == service["desiredCount"], service["serviceName"]
        assert [(x["status"], x["rolloutState"]) for x in service["deployments"]] == [("PRIMARY", "COMPLETED")]


class Minimums:
    """The fewest running tasks and healthy targets per REPLICA service while a roll runs, from the local AWS
    invariant recorder: marked on entry, every state change until the report recorded (nothing sampled)."""

    def __init__(self, aws, endpoint):
        from local_aws.controls import Controls

        self.aws, self.controls = aws, Controls(endpoint)

    def __enter__(self):
        self.controls.mark()
        return self

    def __exit__(self, *exc):
        return False

    def assert_kept(self):
        report = self.controls.report()
        services = _replica_services(self.aws)
        assert services
        for service in services:
            name = service["serviceName"]
            floor = math.ceil(service["desiredCount"] * service["deploymentConfiguration"]["minimumHealthyPercent"] / 100)
            recorded = report.service(CLUSTER, name)
            assert recorded["min_running"] >= floor, (name, recorded)
            for balancer in service["loadBalancers"]:
                group = report.target_group(balancer["targetGroupArn"])
                assert group["min_healthy"] >= floor, (name, group)
        return report


def test_verify_reports_every_check_ok_after_the_build(site, playbook):
    run = playbook(VERIFY, check=True)
    assert run.rc == 0, run.output[-6000:]
    for name in CHECKS:
        assert f"OK   {name}:" in run.output, (name, [line for line in run.output.splitlines() if name in line])
    assert not re.search(r"\b(WARN|FAIL) +[a-z_]+:", run.output), run.output[-4000:]  # a check not OK
    assert "arm64 instances on the recommended AMI" in run.output  # the Graviton spot group, on its own parameter


def test_roll_after_a_launch_template_change_replaces_every_instance(site, playbook, aws, endpoint):
    before = _groups(aws)
    versions = _new_launch_template_versions(aws, endpoint)
    assert versions
    old_ids = {i["InstanceId"] for name in versions for i in _in_service(before[name])}

    planned = playbook(ROLL, check=True)
    assert planned.rc == 0, planned.output[-6000:]
    assert f"would roll {len(old_ids)} instances" in planned.output
    assert "scaling policies (ECSManagedAutoScalingPolicy-" in planned.output

    with Minimums(aws, endpoint) as minimums:
        rolled = playbook(ROLL)
    assert rolled.rc == 0, rolled.output[-6000:]
    for instance_id in old_ids:
        assert instance_id in rolled.output
    _assert_rolled(aws, before, versions)
    minimums.assert_kept()

    again = playbook(ROLL)
    assert again.rc == 0, again.output[-6000:]
    assert again.changed == 0, again.output[-6000:]
    assert "Rolling 0 instances in 0 batches" in again.output


def test_roll_killed_half_way_resumes_and_restores_managed_scaling(site, playbook, aws, endpoint):
    from local_aws.controls import Controls

    before = _groups(aws)
    versions = _new_launch_template_versions(aws, endpoint)
    ecs = aws("ecs")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
           os.path.join(ROOT, "inventories", "local"), os.path.join(ROOT, ROLL),
           "-e", json.dumps({"cloudops_aws_endpoint_url": endpoint})]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), AWS_ENDPOINT_URL=endpoint,
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    # the local AWS holds the drain (a DRAINING instance keeps its service tasks until released): the roll waits on
    # it, so the kill always lands mid-roll, however fast or slow this machine is
    controls = Controls(endpoint)
    with controls.drains_held(CLUSTER):
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

        def draining():
            return ecs.list_container_instances(cluster=CLUSTER, status="DRAINING")["containerInstanceArns"] or \
                proc.poll() is not None

        try:
            d.wait_for(draining, timeout=600, step=0.2, what="an instance draining")
            assert proc.poll() is None, f"the roll ended before it drained (rc {proc.returncode})"
        finally:
            kill_tree(proc.pid)  # the playbook, its workers and the roll module
            proc.wait()
    interrupted = [g for g in _groups(aws).values() if ROLL_TAG in {t["Key"] for t in g["Tags"]}]
    assert interrupted, "the roll finished before it could be interrupted"
    assert all("AlarmNotification" in {p["ProcessName"] for p in g["SuspendedProcesses"]} for g in interrupted)

    with Minimums(aws, endpoint) as minimums:
        resumed = playbook(ROLL)
    assert resumed.rc == 0, resumed.output[-6000:]
    assert "resuming" in resumed.output  # the plan says it continues a roll
    _assert_rolled(aws, before, versions)
    minimums.assert_kept()
