"""playbooks/site.yml on inventories/local: the whole platform really runs, a re-run and check mode change
nothing, and check mode reports an inventory edit without making it. Then playbooks/teardown.yml: its dry run lists
every kind of resource site.yml built and deletes nothing, a confirmed teardown leaves nothing carrying the stack tag
in any service site.yml touches, and a second one changes nothing.

The tests share one stack, built by the first test that needs it; the teardown test destroys it (it runs last in
the module; run alone, or in any order, it gets the stack built first)."""
import base64
import json
import os
import re
import shutil
import sys

import pytest

from local_aws import polling

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import day2_stack as d  # noqa: E402
from stack_inventory import STACK_TAG, stack_inventory, tag_map  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.long
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


def test_drift_behind_the_tools_back_is_repaired_by_a_run(created, playbook, aws):
    """A converged re-run still reads what it owns: changes made outside the tool (IAM, KMS, logs, Auto Scaling,
    security groups) are reported as changes and put back, so no speed-up may skip work just because its inputs did
    not change."""
    iam, kms, logs, asg, ec2 = aws("iam"), aws("kms"), aws("logs"), aws("autoscaling"), aws("ec2")
    execution_role = f"{CLUSTER}-web-execution"
    managed = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=execution_role)["AttachedPolicies"]]
    assert managed
    for arn in managed:
        iam.detach_role_policy(RoleName=execution_role, PolicyArn=arn)
    key_id = kms.describe_key(KeyId=f"alias/{CLUSTER}-database")["KeyMetadata"]["KeyId"]
    kms.disable_key_rotation(KeyId=key_id)
    log_group = f"/{CLUSTER}/services/web"
    logs.put_retention_policy(logGroupName=log_group, retentionInDays=1)
    group = next(g for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]
                 if tag_map(g.get("Tags", [])).get(STACK_TAG) == CLUSTER)
    asg.update_auto_scaling_group(AutoScalingGroupName=group["AutoScalingGroupName"], MaxSize=group["MaxSize"] + 3)
    database_group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{CLUSTER}-database"]}])[
        "SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=database_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=database_group, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    run = playbook(SITE)
    assert run.rc == 0, run.output[-6000:]
    assert run.changed >= 5, run.changed_tasks
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [database_group]}])
    assert [(r["IsEgress"], r["FromPort"]) for r in rules["SecurityGroupRules"]] == [(False, 3306)]
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=execution_role)["AttachedPolicies"]]
    assert sorted(attached) == sorted(managed)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
    retention = logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"][0]["retentionInDays"]
    assert retention == 7
    repaired = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group["AutoScalingGroupName"]])
    assert repaired["AutoScalingGroups"][0]["MaxSize"] == group["MaxSize"]


# -- what a scanner of the stack checks ----------------------------------------------------------------------------

def _stack_keys_and_log_groups(aws, stack=CLUSTER):
    """({key id: (KeyMetadata, where)} , {log group name: group}) of the stack: every KMS key tagged with the stack or
    that one of its resources is encrypted with (log groups, the database, its secret, topics, file systems,
    instance volumes, the cluster's ECS Exec configuration), and every log group tagged with the stack or named
    under /<stack>/."""
    kms, logs = aws("kms"), aws("logs")
    flt = [{"Name": "tag:" + STACK_TAG, "Values": [stack]}]

    def tagged(tags, key="Key", value="Value"):
        return tag_map(tags, key, value).get(STACK_TAG) == stack

    groups = {g["logGroupName"]: g for page in logs.get_paginator("describe_log_groups").paginate() for g in page["logGroups"]
              if g["logGroupName"].startswith(f"/{stack}/")
              or logs.list_tags_log_group(logGroupName=g["logGroupName"])["tags"].get(STACK_TAG) == stack}
    uses = [(g.get("kmsKeyId"), "log group " + name) for name, g in groups.items()]
    for key in kms.list_keys()["Keys"]:
        if tagged(kms.list_resource_tags(KeyId=key["KeyId"])["Tags"], "TagKey", "TagValue"):
            uses.append((key["KeyId"], "tagged"))
    rds = aws("rds")
    uses += [(c.get("KmsKeyId"), "DB cluster " + c["DBClusterIdentifier"]) for c in rds.describe_db_clusters()["DBClusters"]
             if tagged(c.get("TagList"))]
    uses += [(c["MasterUserSecret"].get("KmsKeyId"), "master user secret") for c in rds.describe_db_clusters()["DBClusters"]
             if tagged(c.get("TagList")) and c.get("MasterUserSecret")]
    sns = aws("sns")
    uses += [(sns.get_topic_attributes(TopicArn=t["TopicArn"])["Attributes"].get("KmsMasterKeyId"), "topic " + t["TopicArn"])
             for t in sns.list_topics()["Topics"] if tagged(sns.list_tags_for_resource(ResourceArn=t["TopicArn"])["Tags"])]
    uses += [(f.get("KmsKeyId"), "file system " + f["FileSystemId"]) for f in aws("efs").describe_file_systems()["FileSystems"]
             if tagged(f.get("Tags"))]
    ec2 = aws("ec2")
    instance_ids = [i["InstanceId"] for r in ec2.describe_instances(Filters=flt)["Reservations"] for i in r["Instances"]
                    if i["State"]["Name"] != "terminated"]
    if instance_ids:
        uses += [(v.get("KmsKeyId"), "volume " + v["VolumeId"]) for v in ec2.describe_volumes(Filters=[
            {"Name": "attachment.instance-id", "Values": instance_ids}])["Volumes"] if v.get("Encrypted")]
    ecs = aws("ecs")
    for cluster in ecs.describe_clusters(clusters=[stack], include=["CONFIGURATIONS", "TAGS"])["clusters"]:
        exec_config = cluster.get("configuration", {}).get("executeCommandConfiguration", {})
        uses.append((exec_config.get("kmsKeyId"), "ECS Exec of cluster " + cluster["clusterName"]))
    keys = {}
    for key_id, where in uses:
        if key_id:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
            keys.setdefault(meta["KeyId"], (meta, []))[1].append(where)
    return keys, groups


def test_every_customer_key_rotates_and_every_log_group_is_encrypted_with_retention(created, aws):
    kms = aws("kms")
    keys, groups = _stack_keys_and_log_groups(aws)

    customer = {k: (meta, where) for k, (meta, where) in keys.items() if meta["KeyManager"] == "CUSTOMER"}
    aliases = {a["AliasName"] for k in customer for a in kms.list_aliases(KeyId=k)["Aliases"]}
    assert {f"alias/{CLUSTER}-{name}" for name in ("service-logs", "vpc-flow-logs", "database", "service-alerts",
                                                   "instance-logs")} <= aliases
    not_rotating = [(meta["Arn"], where) for meta, where in customer.values()
                    if meta["KeyState"] != "PendingDeletion"
                    and not kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"]]
    assert not_rotating == []
    # the keys AWS manages for the stack's services (the instances' root volumes: alias/aws/ebs) are AWS managed
    # and rotated by AWS, as DescribeKey says on AWS
    managed = {k: where for k, (meta, where) in keys.items() if meta["KeyManager"] != "CUSTOMER"}
    assert {meta["KeyManager"] for meta, _ in keys.values()} <= {"CUSTOMER", "AWS"}
    assert any(w.startswith("volume ") for where in managed.values() for w in where), keys
    assert all(kms.get_key_rotation_status(KeyId=k)["KeyRotationEnabled"] for k in managed)

    assert {f"/{CLUSTER}/services/{name}" for name in ("web", "api", "log-agent")} <= set(groups)
    assert f"/{CLUSTER}/vpc-flow-logs" in groups
    assert f"/{CLUSTER}/instances/journal" in groups
    unencrypted = sorted(name for name, group in groups.items() if not group.get("kmsKeyId"))
    without_retention = sorted(name for name, group in groups.items() if not group.get("retentionInDays"))
    assert (unencrypted, without_retention) == ([], [])
    # with a key of the stack that CloudWatch Logs may use (customer managed, rotating: checked above)
    assert all(kms.describe_key(KeyId=g["kmsKeyId"])["KeyMetadata"]["KeyManager"] == "CUSTOMER" for g in groups.values())


def test_the_stopped_task_rule_alerts_on_health_check_kills_not_on_deployments_or_drains(created, aws):
    events = aws("events")
    pattern = events.describe_rule(Name=f"{CLUSTER}-stopped-tasks")["EventPattern"]
    cluster_arn = aws("ecs").describe_clusters(clusters=[CLUSTER])["clusters"][0]["clusterArn"]
    target_group = next(lb["targetGroupArn"] for service in _services(aws("ecs")) for lb in service["loadBalancers"])

    def stopped(stop_code, reason):
        return json.dumps({
            "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "ECS Task State Change",
            "source": "aws.ecs", "account": cluster_arn.split(":")[4], "time": "2025-01-01T00:00:00Z",
            "region": cluster_arn.split(":")[3], "resources": [],
            "detail": {"clusterArn": cluster_arn, "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
                       "stopCode": stop_code, "stoppedReason": reason}})

    def alerts(stop_code, reason):
        return events.test_event_pattern(EventPattern=pattern, Event=stopped(stop_code, reason))["Result"]

    assert alerts("ServiceSchedulerInitiated", f"Task failed ELB health checks in (target-group {target_group})")
    assert alerts("ServiceSchedulerInitiated", "Task failed container health checks")
    assert alerts("EssentialContainerExited", "Essential container in task exited")
    assert not alerts("ServiceSchedulerInitiated", "Scaling activity initiated by (deployment ecs-svc/1234567890123456789)")
    assert not alerts("ServiceSchedulerInitiated", "Task stopped because the container instance is being drained")
    assert not alerts("UserInitiated", "Task stopped by the operator")


# -- alarms, notifications, instance system logs ------------------------------------------------------------------

ALARM_PREFIX = f"{CLUSTER}-alarm-"


def _stack_alarms(aws):
    pages = aws("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=ALARM_PREFIX)
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def test_alarms_watch_every_part_of_the_stack_and_notify_its_topic(created, aws):
    topic = aws("sns").list_topics()["Topics"]
    [topic_arn] = [t["TopicArn"] for t in topic if t["TopicArn"].endswith(f":{CLUSTER}-stopped-tasks")]
    alarms = _stack_alarms(aws)
    nats = [n["NatGatewayId"] for n in aws("ec2").describe_nat_gateways(
        Filters=[{"Name": "tag:" + STACK_TAG, "Values": [CLUSTER]}])["NatGateways"] if n["State"] == "available"]
    providers = aws("ecs").describe_clusters(clusters=[CLUSTER])["clusters"][0]["capacityProviders"]
    expected = {"alb-5xx-rate", "alb-response-time", "tg-web-unhealthy-hosts", "tg-api-unhealthy-hosts",
                "db-cpu", "db-freeable-memory", "db-replica-lag"}
    expected |= {f"service-{s}-{m}" for s in ("web", "api", "log-agent") for m in ("cpu", "memory")}
    expected |= {f"cp-{p}-reservation" for p in providers}
    expected |= {f"nat-{n}-{m}" for n in nats for m in ("port-allocation", "packets-dropped")}
    assert len(nats) == 3 and len(providers) == 2
    assert set(alarms) == {ALARM_PREFIX + name for name in expected}
    assert all(a["AlarmActions"] == a["OKActions"] == [topic_arn] for a in alarms.values())

    # what each watches: CloudWatch's names for the resources
    lb_arn = aws("elbv2").describe_load_balancers(Names=[f"{CLUSTER}-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    unhealthy = alarms[ALARM_PREFIX + "tg-web-unhealthy-hosts"]
    assert {d["Name"]: d["Value"] for d in unhealthy["Dimensions"]}["LoadBalancer"] == lb_arn.split("loadbalancer/")[1]
    reservation = alarms[f"{ALARM_PREFIX}cp-{providers[0]}-reservation"]
    assert (reservation["Namespace"], reservation["MetricName"], reservation["Threshold"]) == (
        "AWS/ECS/ManagedScaling", "CapacityProviderReservation", 100.0)
    assert reservation["EvaluationPeriods"] == 30
    lag = alarms[ALARM_PREFIX + "db-replica-lag"]
    assert lag["Dimensions"] == [{"Name": "DBClusterIdentifier", "Value": aws("rds").describe_db_clusters()[
        "DBClusters"][0]["DBClusterIdentifier"]}]

    # the topic lets the account's alarms publish (and use its key), through the partition's service principal
    policy = json.loads(aws("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"])
    [statement] = [s for s in policy["Statement"] if s.get("Sid") == "CloudWatchAlarms"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and statement["Action"] == "sns:Publish"
    key_id = aws("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]["KmsMasterKeyId"]
    key_policy = json.loads(aws("kms").get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert {"Service": "cloudwatch.amazonaws.com"} in [s["Principal"] for s in key_policy["Statement"]]


def test_an_alarm_in_alarm_shows_in_verify(created, playbook, aws):
    cloudwatch = aws("cloudwatch")
    name = ALARM_PREFIX + "db-cpu"
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: forced by the test")
    try:
        warned = playbook("playbooks/verify.yml", check=True)
        assert warned.rc == 0, warned.output[-6000:]  # a warning check: reported, not failing by default
        assert f"WARN alarms: {name}: Threshold Crossed: forced by the test" in warned.output, warned.output[-6000:]
        assert warned.writes == [], warned.writes
        failed = playbook("playbooks/verify.yml", extra_vars={"verify_fail_on_warnings": True})
        assert failed.rc != 0
        assert "alarms" in failed.output.split("failing checks:", 1)[1].split(".", 1)[0]
    finally:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="restored by the test")
    assert "OK   alarms:" in playbook("playbooks/verify.yml", check=True).output


def test_every_instance_ships_its_system_logs_to_encrypted_groups_only_it_may_write(created, aws):
    logs, iam = aws("logs"), aws("iam")
    prefix = f"/{CLUSTER}/instances/"
    names = [prefix + n for n in ("ecs-agent", "ecs-init", "docker", "containerd", "cloud-init", "journal")]
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]}
    assert sorted(groups) == sorted(names)
    [alias] = [a for a in aws("kms").list_aliases()["Aliases"] if a["AliasName"] == f"alias/{CLUSTER}-instance-logs"]
    key = aws("kms").describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]
    assert all(g["kmsKeyId"] == key["Arn"] and g["retentionInDays"] == 30 for g in groups.values()), groups
    assert aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]

    # the role may create streams and put events in exactly those groups, nothing else of CloudWatch Logs
    document = iam.get_role_policy(RoleName=f"{CLUSTER}-ecs-instance", PolicyName="system-logs")["PolicyDocument"]
    [statement] = document["Statement"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert {r.split(":log-group:", 1)[1].split(":log-stream:")[0] for r in statement["Resource"]} == set(names)

    # every launch template's user data configures the CloudWatch agent with those groups
    ec2 = aws("ec2")
    for template in ec2.describe_launch_templates(Filters=[{"Name": "tag:" + STACK_TAG, "Values": [CLUSTER]}])[
            "LaunchTemplates"]:
        data = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Latest"])[
            "LaunchTemplateVersions"][0]["LaunchTemplateData"]
        user_data = base64.b64decode(data["UserData"]).decode()
        config = json.loads(user_data.split("<<'AGENT_CONFIG'\n", 1)[1].split("\nAGENT_CONFIG", 1)[0])
        shipped = {f["log_group_name"] for f in config["logs"]["logs_collected"]["files"]["collect_list"]}
        assert shipped == set(names), template["LaunchTemplateName"]
        assert "amazon-cloudwatch-agent-ctl -a fetch-config" in user_data


def _subscriptions(aws):
    sns = aws("sns")
    [topic_arn] = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(f":{CLUSTER}-stopped-tasks")]
    return sorted((s["Protocol"], s["Endpoint"]) for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"])


def test_topic_subscriptions_follow_the_inventory_list(created, playbook, aws, endpoint):
    """Through site.yml: the list is subscribed (the e-mail one pending until confirmed, and reported), and an empty
    list removes the confirmed ones. Convergence step by step: test_alert_subscriptions.py."""
    queue = aws("sqs").create_queue(QueueName=f"{CLUSTER}-alerts-test")["QueueUrl"]
    queue_arn = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    [topic_arn] = [t["TopicArn"] for t in aws("sns").list_topics()["Topics"]
                   if t["TopicArn"].endswith(f":{CLUSTER}-stopped-tasks")]
    listed = [{"protocol": "email", "endpoint": "oncall@example.com"}, {"protocol": "sqs", "endpoint": queue_arn}]
    try:
        run = playbook(SITE, extra_vars={"services_alert_subscriptions": listed})
        assert run.rc == 0, run.output[-6000:]
        assert _subscriptions(aws) == [("email", "oncall@example.com"), ("sqs", queue_arn)]
        assert sorted(c.split(" ", 1)[1] for c in run.writes) == ["Subscribe", "Subscribe"], run.writes
        assert "pending confirmation" in run.output and "oncall@example.com" in run.output
        d.control(endpoint, "sns/confirm-subscription", {"topic_arn": topic_arn, "endpoint": "oncall@example.com"})
    finally:
        run = playbook(SITE)  # back to the inventory's list (none): the stack as the other tests expect it
        aws("sqs").delete_queue(QueueUrl=queue)
    assert run.rc == 0, run.output[-6000:]
    assert _subscriptions(aws) == []
    assert sorted(c.split(" ", 1)[1] for c in run.writes) == ["Unsubscribe", "Unsubscribe"], run.writes


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
            "events_rule", "cloudwatch_alarm"} <= set(before), before
    assert {f"/{CLUSTER}/instances/journal", f"/{CLUSTER}/instances/ecs-agent"} <= set(before["log_group"])
    assert sum(1 for name in before["cloudwatch_alarm"] if name.startswith(ALARM_PREFIX)) >= 20

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
    # the topic's subscriptions went with it, and no alarm of the stack is left (by name or by what it watches)
    assert [s for s in aws("sns").list_subscriptions()["Subscriptions"] if f":{CLUSTER}-" in s["TopicArn"]] == []
    assert _stack_alarms(aws) == {}

    again = playbook(TEARDOWN, extra_vars={"teardown_confirm": True, "teardown_skip_final_snapshot": True})
    assert again.rc == 0, again.output[-6000:]
    assert again.changed == 0, again.output[-6000:]
    assert "Deleted 0 resources" in again.output
    assert again.writes == [], again.writes
    assert stack_inventory(aws) == {}
