"""The README's journey through `make`, as a user types it, on one local AWS of its own:

    make local-aws; make site; make site (same endpoint, changed=0); make verify; make site ARGS="--check"
    (changed=0); an AMI release, then make site (a new launch template version) and make roll; make teardown
    (dry run: nothing deleted); make teardown ARGS="-e teardown_confirm=true" (nothing tagged left); the same again
    (a no-op) and make teardown (nothing left to list); make local-aws-stop

`make` runs as make_runs.py describes: LOCAL_AWS_STATE_DIR is this test's own folder, never the checkout's
`.local-aws/`. The journey runs once, in order, in the `journey` fixture; each test asserts on its record of one or
two steps. `make demo` twice: test_make_demo.py."""
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_runs import clients, make  # noqa: E402
from processes import alive  # noqa: E402
from stack_inventory import STACK_TAG, stack_inventory  # noqa: E402

from local_aws.cli import LocalAws  # noqa: E402
from local_aws.controls import Controls  # noqa: E402

STACK = "demo"
# Four site.yml runs (create, re-run, check, after an AMI release), verify, a roll and four teardowns, one after the
# other in the setup of the first test: above one test's default budget (26 min on a 2-core machine at load 11).
pytestmark = [pytest.mark.timeout(3600), pytest.mark.long]
CHECKS = ["services", "targets", "container_instances", "az_coverage", "spare_capacity", "ami", "database",
          "network", "stopped_tasks"]
# The parameters the ecs_instances role reads the ECS-optimized AMI from, per architecture.
RECOMMENDED_AMI = {"x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
                   "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"}


def _groups(aws):
    groups = aws("autoscaling").describe_auto_scaling_groups(
        Filters=[{"Name": "tag:" + STACK_TAG, "Values": [STACK]}])["AutoScalingGroups"]
    return {g["AutoScalingGroupName"]: g for g in groups}


def _in_service(group):
    return sorted(i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "InService")


def _template_of(group):
    spec = group.get("LaunchTemplate") or group["MixedInstancesPolicy"]["LaunchTemplate"]["LaunchTemplateSpecification"]
    return spec["LaunchTemplateId"], spec["Version"]


def _templates(aws):
    """{launch template id: (latest version, image id of the latest version)} of the stack."""
    ec2 = aws("ec2")
    out = {}
    for template in ec2.describe_launch_templates(Filters=[{"Name": "tag:" + STACK_TAG, "Values": [STACK]}])[
            "LaunchTemplates"]:
        [latest] = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"],
                                                         Versions=["$Latest"])["LaunchTemplateVersions"]
        out[template["LaunchTemplateId"]] = (latest["VersionNumber"], latest["LaunchTemplateData"]["ImageId"])
    return out


def _services(aws):
    ecs = aws("ecs")
    arns = ecs.list_services(cluster=STACK)["serviceArns"]
    return ecs.describe_services(cluster=STACK, services=arns)["services"] if arns else []


def _release_amis(aws, endpoint):
    """What an AMI release does: AWS publishes another image of the same architecture as the recommended one.
    Returns {architecture: new image id}."""
    ec2, ssm = aws("ec2"), aws("ssm")
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    released = {}
    for architecture, parameter in RECOMMENDED_AMI.items():
        current = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
        released[architecture] = next(i["ImageId"] for i in images
                                      if i.get("Architecture") == architecture and i["ImageId"] != current)
        Controls(endpoint).call("ssm/publish-public-parameter", {"name": parameter, "value": released[architecture]})
    return released


class Journey:
    """The record of the journey: each step's Step, and what AWS held around it."""

    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.server = LocalAws(str(state_dir))
        self.steps, self.seen = {}, {}
        self.failed = None  # (step, reason) that ended the journey early

    def run(self, name, *args):
        """Run one step, unless an earlier one failed (the journey stops there)."""
        if self.failed:
            return None
        step = make(self.state_dir, *args)
        self.steps[name] = step
        self.seen.setdefault("endpoints", []).append((name, self.server.endpoint(), self.server.pid()))
        if step.rc != 0:
            self.failed = (name, step.tail())
        return step

    def step(self, name):
        if name not in self.steps:
            pytest.fail(f"the journey ended before `{name}`: `{self.failed[0]}` failed:\n{self.failed[1]}")
        return self.steps[name]


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    record = Journey(tmp_path_factory.mktemp("journey") / "local-aws")
    try:
        _walk(record)
    finally:
        record.server.stop()  # whatever happened; a no-op after `make local-aws-stop`
        print("\njourney (wall time of each step):")
        for name, step in record.steps.items():
            print(f"  {step.seconds:6.0f}s  {step.command}  ({name}: exit {step.rc}, {step.recaps})")
    return record


def _walk(j):
    j.run("local-aws", "local-aws")
    if j.failed:
        return
    endpoint = j.server.endpoint()
    aws = clients(endpoint)
    j.run("site", "site")
    j.run("site again", "site")
    j.run("verify", "verify")
    j.run("site --check", "site", "ARGS=--check")
    if j.failed:
        return
    j.seen["groups before roll"] = _groups(aws)
    j.seen["templates before release"] = _templates(aws)
    j.seen["released"] = _release_amis(aws, endpoint)
    j.run("site after an AMI release", "site")
    if j.failed:
        return
    j.seen["groups after site"] = _groups(aws)
    j.seen["templates after release"] = _templates(aws)
    j.run("roll", "roll")
    if j.failed:
        return
    j.seen["groups after roll"] = _groups(aws)
    j.seen["services after roll"] = _services(aws)
    j.seen["stack before teardown"] = stack_inventory(aws, STACK)
    j.run("teardown dry run", "teardown")
    j.seen["stack after dry run"] = stack_inventory(aws, STACK)
    j.run("teardown", "teardown", "ARGS=-e teardown_confirm=true")
    j.seen["stack after teardown"] = stack_inventory(aws, STACK)
    j.run("teardown again", "teardown", "ARGS=-e teardown_confirm=true")
    j.run("teardown dry run again", "teardown")
    j.seen["stack at the end"] = stack_inventory(aws, STACK)
    j.seen["pid before stop"] = j.server.pid()
    j.run("local-aws-stop", "local-aws-stop")


# -- the journey -------------------------------------------------------------------------------------------------

def test_site_builds_the_platform_on_the_started_local_aws(journey):
    started = journey.step("local-aws")
    assert started.rc == 0, started.tail()
    site = journey.step("site")
    assert site.rc == 0, site.tail()
    assert site.changed > 0 and site.recaps[0].get("failed", 0) == 0, site.tail()
    # the local AWS of this test's state folder, not the checkout's .local-aws/
    endpoint = dict((name, url) for name, url, _ in journey.seen["endpoints"])["local-aws"]
    assert endpoint and endpoint in started.output, started.tail()


def test_site_again_keeps_the_endpoint_and_changes_nothing(journey):
    again = journey.step("site again")
    assert again.rc == 0, again.tail()
    assert again.changed == 0, (again.changed_tasks, again.tail())
    # one server through the whole journey: the same endpoint and process after every step
    servers = {(url, pid) for name, url, pid in journey.seen["endpoints"] if name != "local-aws-stop"}
    assert len(servers) == 1 and None not in next(iter(servers)), journey.seen["endpoints"]


def test_verify_reports_every_check_ok_and_only_reads(journey):
    verify = journey.step("verify")
    assert verify.rc == 0, verify.tail()
    for name in CHECKS:
        assert f"OK   {name}:" in verify.output, (name, verify.tail())
    assert not re.search(r"\b(WARN|FAIL) +[a-z_]+:", verify.output), verify.tail()  # a check not OK
    assert verify.writes == [], verify.writes


def test_site_check_mode_on_the_converged_stack_changes_nothing(journey):
    check = journey.step("site --check")
    assert check.rc == 0, check.tail()
    assert check.changed == 0, (check.changed_tasks, check.tail())
    assert check.writes == [], check.writes


def test_site_after_an_ami_release_makes_a_launch_template_version_and_roll_moves_every_instance_onto_it(journey):
    site = journey.step("site after an AMI release")
    assert site.rc == 0, site.tail()
    assert site.changed > 0, site.tail()
    before, after = journey.seen["templates before release"], journey.seen["templates after release"]
    released = set(journey.seen["released"].values())
    assert before and set(after) == set(before), (before, after)
    for template, (version, image) in after.items():
        assert version == before[template][0] + 1 and image in released, (template, before[template], after[template])
    # site.yml points each group at its template's new version and leaves the instances to the roll
    old = journey.seen["groups before roll"]
    assert set(journey.seen["groups after site"]) == set(old)
    for name, group in journey.seen["groups after site"].items():
        template, version = _template_of(group)
        assert version == str(after[template][0]), (name, version, after[template])
        assert _in_service(group) == _in_service(old[name]), name

    roll = journey.step("roll")
    assert roll.rc == 0, roll.tail()
    rolled = journey.seen["groups after roll"]
    moved = 0
    for name, group in rolled.items():
        version = _template_of(journey.seen["groups after site"][name])[1]
        live = [i for i in group["Instances"] if i["LifecycleState"] == "InService"]
        assert {i["LaunchTemplate"]["Version"] for i in live} <= {version}, (name, live)
        assert not set(_in_service(group)) & set(_in_service(old[name])), name
        assert len(live) == len(_in_service(old[name])), name
        moved += len(live)
    assert moved > 0, rolled
    for service in journey.seen["services after roll"]:
        assert service["runningCount"] == service["desiredCount"] > 0, service["serviceName"]
        assert [(d["status"], d["rolloutState"]) for d in service["deployments"]] == [("PRIMARY", "COMPLETED")]


def test_teardown_dry_run_deletes_nothing(journey):
    dry = journey.step("teardown dry run")
    assert dry.rc == 0, dry.tail()
    assert "DRY RUN: nothing deleted" in dry.output, dry.tail()
    assert dry.writes == [], dry.writes
    before = journey.seen["stack before teardown"]
    assert {"vpc", "nat_gateway", "launch_template", "ecs_cluster", "ecs_service", "db_cluster", "kms_key"} <= set(before)
    assert journey.seen["stack after dry run"] == before


def test_teardown_confirmed_leaves_nothing_tagged_and_again_is_a_no_op(journey):
    teardown = journey.step("teardown")
    assert teardown.rc == 0, teardown.tail()
    assert teardown.changed == 1, teardown.tail()
    assert journey.seen["stack after teardown"] == {}

    again = journey.step("teardown again")
    assert again.rc == 0, again.tail()
    assert again.changed == 0, again.tail()
    assert "Deleted 0 resources" in again.output, again.tail()
    assert again.writes == [], again.writes
    listed = journey.step("teardown dry run again")
    assert listed.rc == 0 and "deletes these 0 resources" in listed.output, listed.tail()
    assert journey.seen["stack at the end"] == {}


def test_local_aws_stop_ends_the_server(journey):
    stop = journey.step("local-aws-stop")
    assert stop.rc == 0, stop.tail()
    pid = journey.seen["pid before stop"]
    assert pid and not alive(pid)
    assert journey.server.endpoint() is None and not journey.server.ready()
