"""playbooks/site.yml on inventories/local: the whole platform really runs, a re-run and check mode change
nothing, and check mode reports an inventory edit without making it. Then playbooks/teardown.yml: its dry run lists
every kind of resource site.yml built and deletes nothing, a confirmed teardown leaves nothing carrying the stack tag
in any service site.yml touches, and a second one changes nothing.

The tests share one stack, built by the first test that needs it; the teardown test destroys it (it runs last in
the module; run alone, or in any order, it gets the stack built first)."""
import os
import re
import shutil
import sys

import pytest

from local_aws import polling

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack_inventory import stack_inventory, tag_map  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLUSTER = "demo"
SITE = "playbooks/site.yml"


def _create(playbook):
    run = playbook(SITE)
    assert run.rc == 0, run.output[-6000:]
    return run


@pytest.fixture(scope="module")
def site(shared_stack, playbook):
    return shared_stack(lambda: _create(playbook))


@pytest.fixture
def created(site, request):
    """The site.yml run that built the stack this test sees."""
    yield from site.use(request)


def _container_instances(ecs):
    arns = ecs.list_container_instances(cluster=CLUSTER, status="ACTIVE")["containerInstanceArns"]
    return ecs.describe_container_instances(cluster=CLUSTER, containerInstances=arns)["containerInstances"]


def _services(ecs):
    arns = ecs.list_services(cluster=CLUSTER)["serviceArns"]
    return ecs.describe_services(cluster=CLUSTER, services=arns)["services"]


def test_create_builds_a_running_platform(created, aws):
    assert created.changed > 0

    ecs = aws("ecs")
    instances = _container_instances(ecs)
    assert all(i["agentConnected"] for i in instances)
    zones = {a["value"] for i in instances for a in i["attributes"] if a["name"] == "ecs.availability-zone"}
    subnets = aws("ec2").describe_subnets(
        Filters=[{"Name": "tag:cloudops:stack", "Values": [CLUSTER]}])["Subnets"]
    assert zones == {s["AvailabilityZone"] for s in subnets}
    assert len(zones) == 3

    services = {s["serviceName"]: s for s in _services(ecs)}
    assert set(services) == {"web", "api", "log-agent"}
    for service in services.values():
        assert service["runningCount"] == service["desiredCount"] > 0, service["serviceName"]
        assert [(d["status"], d["rolloutState"]) for d in service["deployments"]] == [("PRIMARY", "COMPLETED")]
    assert services["log-agent"]["schedulingStrategy"] == "DAEMON"
    assert services["log-agent"]["desiredCount"] == len(instances)

    for name in ("web", "api"):
        health = aws("elbv2").describe_target_health(
            TargetGroupArn=services[name]["loadBalancers"][0]["targetGroupArn"])["TargetHealthDescriptions"]
        assert [t["TargetHealth"]["State"] for t in health] == ["healthy"] * services[name]["desiredCount"], name

    # web: bridge, read-only root file system with tmpfs where nginx writes.
    web_td = ecs.describe_task_definition(taskDefinition=services["web"]["taskDefinition"])["taskDefinition"]
    assert web_td["networkMode"] == "bridge"
    [nginx] = web_td["containerDefinitions"]
    assert nginx["readonlyRootFilesystem"] is True
    assert {t["containerPath"] for t in nginx["linuxParameters"]["tmpfs"]} == {"/var/cache/nginx", "/var/run", "/tmp"}

    # api: awsvpc in the private subnets with its own security group, two containers, an EFS volume through its
    # own access point with transit encryption and IAM authorization.
    api = services["api"]
    api_td = ecs.describe_task_definition(taskDefinition=api["taskDefinition"])["taskDefinition"]
    assert api_td["networkMode"] == "awsvpc"
    assert [c["name"] for c in api_td["containerDefinitions"]] == ["api", "content"]
    assert api_td["containerDefinitions"][0]["dependsOn"] == [{"containerName": "content", "condition": "START"}]
    [volume] = api_td["volumes"]
    efs = volume["efsVolumeConfiguration"]
    assert efs["transitEncryption"] == "ENABLED" and efs["authorizationConfig"]["iam"] == "ENABLED"
    [point] = aws("efs").describe_access_points(AccessPointId=efs["authorizationConfig"]["accessPointId"])[
        "AccessPoints"]
    assert point["FileSystemId"] == efs["fileSystemId"] and point["RootDirectory"]["Path"] == "/api/content"
    network = api["networkConfiguration"]["awsvpcConfiguration"]
    private = {s["SubnetId"] for s in subnets if "private" in tag_map(s.get("Tags")).get("Name", "")}
    assert len(private) == 3
    assert set(network["subnets"]) == private and network["assignPublicIp"] == "DISABLED"
    [group] = aws("ec2").describe_security_groups(GroupIds=network["securityGroups"])["SecurityGroups"]
    assert group["GroupName"] == "demo-api-tasks"
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=ecs.list_tasks(cluster=CLUSTER, serviceName="api")[
        "taskArns"])["tasks"]
    assert all(a["type"] == "ElasticNetworkInterface" for t in tasks for a in t["attachments"])

    cluster = aws("rds").describe_db_clusters()["DBClusters"][0]
    assert cluster["Status"] == "available"
    assert cluster["StorageEncrypted"] and cluster["MasterUserSecret"]["SecretArn"]
    members = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in cluster["DBClusterMembers"]}
    assert sorted(members.values()) == [False, True]
    rds_instances = aws("rds").describe_db_instances()["DBInstances"]
    assert len({i["AvailabilityZone"] for i in rds_instances}) == 2
    assert all(i["DBInstanceStatus"] == "available" and not i["PubliclyAccessible"] for i in rds_instances)


def _desired(aws, name):
    return aws("ecs").describe_services(cluster=CLUSTER, services=[name])["services"][0]["desiredCount"]


def test_second_run_changes_nothing_and_keeps_the_count_autoscaling_chose(created, playbook, aws):
    # The api's CPU is well above its 60 % target: target tracking scales it to its maximum of 4.
    aws("cloudwatch").put_metric_data(Namespace="AWS/ECS", MetricData=[{
        "MetricName": "CPUUtilization", "Value": 95.0, "Unit": "Percent",
        "Dimensions": [{"Name": "ClusterName", "Value": CLUSTER}, {"Name": "ServiceName", "Value": "api"}]}])
    polling.wait_for(lambda: _desired(aws, "api") == 4, timeout=60, what="api scaled out to 4")

    run = playbook(SITE)
    assert run.rc == 0, run.output[-6000:]
    assert run.changed == 0, run.changed_tasks
    api = aws("ecs").describe_services(cluster=CLUSTER, services=["api"])["services"][0]
    assert api["desiredCount"] == api["runningCount"] == 4
    activities = aws("application-autoscaling").describe_scaling_activities(
        ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/api")["ScalingActivities"]
    assert activities[0]["Description"] == "Setting desired count to 4."


def test_check_mode_on_the_converged_stack_reports_no_change(created, playbook):
    run = playbook(SITE, check=True)
    assert run.rc == 0, run.output[-6000:]
    assert run.changed == 0, run.changed_tasks
    assert run.writes == [], run.writes


def test_check_mode_reports_an_inventory_edit_without_making_it(created, playbook, aws, tmp_path):
    inventory = tmp_path / "inventory"
    shutil.copytree(os.path.join(ROOT, "inventories", "local"), inventory)
    services = inventory / "group_vars" / "all" / "services.yml"
    services.write_text(services.read_text().replace("nginx/nginx:1.27", "nginx/nginx:1.28"))
    revisions = aws("ecs").list_task_definitions(familyPrefix="demo-web")["taskDefinitionArns"]

    run = playbook(SITE, inventory=str(inventory), check=True, diff=True)
    assert run.rc == 0, run.output[-6000:]
    assert run.changed >= 1
    assert "nginx/nginx:1.28" in run.output
    assert run.writes == [], run.writes
    assert aws("ecs").list_task_definitions(familyPrefix="demo-web")["taskDefinitionArns"] == revisions


# -- teardown ----------------------------------------------------------------------------------------------------

TEARDOWN = "playbooks/teardown.yml"
# kinds of the stack inventory whose resources the teardown lists under another kind (or with their owner)
LISTED_AS = {"scaling_policy": "scalable_target"}


def _listed_kinds(output):
    """Kinds named by the teardown's listing lines ("<kind>  <name> (<id>)") in the playbook output."""
    return set(re.findall(r'^\s+(?:- |")([a-z0-9_]+) {2,}\S', output, re.M))


def test_teardown_dry_run_lists_every_kind_and_deletes_nothing(created, playbook, aws):
    before = stack_inventory(aws)
    # what site.yml builds on inventories/local, read back from AWS
    assert {"vpc", "subnet", "nat_gateway", "elastic_ip", "vpc_endpoint", "security_group", "flow_log",
            "launch_template", "autoscaling_group", "ecs_cluster", "ecs_service", "ecs_capacity_provider",
            "task_definition", "load_balancer", "target_group", "acm_certificate", "db_cluster", "db_instance",
            "db_subnet_group", "kms_key", "log_group", "iam_role", "instance_profile", "sns_topic",
            "events_rule"} <= set(before), before

    run = playbook(TEARDOWN)
    assert run.rc == 0, run.output[-6000:]
    assert "DRY RUN" in run.output
    listed = _listed_kinds(run.output)
    missing = {LISTED_AS.get(kind, kind) for kind in before} - listed
    assert not missing, (missing, run.output[-6000:])
    # it only read: no call that could change anything, and everything is still there
    assert run.writes == [], run.writes
    assert stack_inventory(aws) == before


@pytest.mark.destructive
def test_teardown_confirmed_leaves_nothing_tagged_and_twice_is_a_no_op(created, playbook, aws):
    assert stack_inventory(aws)
    run = playbook(TEARDOWN, extra_vars={"teardown_confirm": True, "teardown_skip_final_snapshot": True})
    assert run.rc == 0, run.output[-6000:]
    assert run.changed == 1, run.output[-6000:]
    assert stack_inventory(aws) == {}

    again = playbook(TEARDOWN, extra_vars={"teardown_confirm": True, "teardown_skip_final_snapshot": True})
    assert again.rc == 0, again.output[-6000:]
    assert again.changed == 0, again.output[-6000:]
    assert "Deleted 0 resources" in again.output
    assert again.writes == [], again.writes
    assert stack_inventory(aws) == {}
