"""The services role end to end on the local control plane: services really running (running == desired,
rollout COMPLETED, targets healthy), idempotent re-run and check mode, an image change rolled out, a failing
image stopped by the circuit breaker and rolled back, a desired count moved by a step scaling policy left alone, a
DAEMON service with one task per instance, ECS Exec with the cluster's KMS key and log group, an ECR repository of
the stack, bad inputs refused before any change, and teardown."""
import json
import urllib.request

import pytest

from local_aws.polling import wait_for

PLAYBOOK = "tests/integration/playbooks/services_role.yml"
CLUSTER = "svc-test"
STACK = "demo"  # cloudops_stack_name of inventories/local
SECRET = ""  # the ARN of the database secret the prerequisites create (the pre-flight checks that it exists)
EXEC_LOG_GROUP = f"/{CLUSTER}/ecs-exec"
ACCOUNT = "123456789012"
STEP_POLICY = f"{STACK}-web-step-backlog"


def _services(image="public.ecr.aws/nginx/nginx:1.27"):
    return [
        {"name": "web", "image": image, "memory": 128, "container_port": 80, "enable_execute_command": True,
         "autoscaling": {
             "min": 2, "max": 4, "cpu_target": 50,
             "step_policies": [{"name": "backlog", "cooldown": 3600, "steps": [{"lower": 0, "adjustment": 1}],
                                "alarm": {"namespace": "Demo", "metric_name": "Backlog", "dimensions": {"Queue": "jobs"},
                                          "threshold": 10}}],
             "scheduled_actions": [{"name": "mornings", "schedule": "cron(0 7 ? * MON-FRI *)",
                                    "timezone": "Europe/Berlin", "min": 2, "max": 4}]},
         "listener_rule": {"path": "/web*", "priority": 10}, "environment": {"MODE": "web"},
         "secrets": {"DB_PASSWORD": SECRET}, "tmpfs": [{"path": "/var/cache/nginx"}, {"path": "/var/run", "size": 1}],
         "links": ["exporter"],
         "sidecars": [{"name": "exporter", "image": "public.ecr.aws/nginx/nginx-prometheus-exporter:1.3",
                       "memory": 32, "essential": False, "ports": [9113], "stop_timeout": 5,
                       "health_check": {"command": ["CMD", "/usr/bin/nginx-prometheus-exporter", "--version"]}}]},
        {"name": "agent", "image": "public.ecr.aws/docker/library/busybox:1.36", "memory_reservation": 32,
         "scheduling_strategy": "DAEMON", "command": ["sleep", "infinity"]},
    ]


@pytest.fixture(scope="module")
def prerequisites(aws):
    """VPC, three subnets in three AZs, an internal ALB with an HTTP listener, the cluster and three instances
    whose user data joins them to it (the control plane registers them as container instances)."""
    ec2, elbv2, ecs = aws("ec2"), aws("elbv2"), aws("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone="us-east-1" + az)["Subnet"][
            "SubnetId"]
        for i, az in enumerate("abc")
    ]
    sg = ec2.create_security_group(GroupName="svc-test", Description="services test", VpcId=vpc)["GroupId"]
    lb = elbv2.create_load_balancer(Name="svc-test", Subnets=subnets[:2], SecurityGroups=[sg], Scheme="internal")[
        "LoadBalancers"][0]["LoadBalancerArn"]
    listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])["Listeners"][0]["ListenerArn"]
    # The cluster as the ecs_cluster role makes it: ECS Exec sessions encrypted with a KMS key and logged.
    key = aws("kms").create_key(Description="ECS Exec")["KeyMetadata"]["Arn"]
    aws("logs").create_log_group(logGroupName=EXEC_LOG_GROUP, kmsKeyId=key)
    ecs.create_cluster(clusterName=CLUSTER, configuration={"executeCommandConfiguration": {
        "kmsKeyId": key, "logging": "OVERRIDE",
        "logConfiguration": {"cloudWatchLogGroupName": EXEC_LOG_GROUP, "cloudWatchEncryptionEnabled": True}}})
    global SECRET
    SECRET = aws("secretsmanager").create_secret(Name="demo-db", SecretString="not-a-real-password")["ARN"]
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    for subnet in subnets:
        ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.medium", SubnetId=subnet,
                          UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    wait_for(lambda: len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) >= 3, timeout=60,
             step=0.2, what="the instances registered as container instances")
    return {
        "services_vpc_id": vpc, "services_subnet_ids": subnets, "services_security_group_ids": [sg],
        "services_listener_arn": listener, "services_cluster_name": CLUSTER,
        "services_wait_interval": 1, "services_wait_timeout": 120, "services_log_retention_days": 14,
        # what the ecs_cluster role publishes; the services role takes the exec key and log group from it
        "cloudops_cluster": {"cluster_name": CLUSTER, "exec_kms_key_arn": key, "exec_log_group_name": EXEC_LOG_GROUP},
        "services_ecr_repositories": [{"name": "web", "keep_images": 10}], "services_ecr_kms_key_arn": key,
    }


def _describe(aws, names=("web", "agent")):
    return {s["serviceName"]: s for s in aws("ecs").describe_services(cluster=CLUSTER, services=list(names))["services"]}


def _assert_rolled_out(aws, service, revision):
    primary = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
    assert len(service["deployments"]) == 1, service["deployments"]
    assert primary[0]["rolloutState"] == "COMPLETED"
    assert service["runningCount"] == service["desiredCount"] and service["pendingCount"] == 0
    assert service["taskDefinition"].endswith(f":{revision}"), service["taskDefinition"]
    for lb in service["loadBalancers"]:
        health = aws("elbv2").describe_target_health(TargetGroupArn=lb["targetGroupArn"])["TargetHealthDescriptions"]
        current = [t for t in health if t["TargetHealth"]["State"] != "draining"]
        assert len(current) == service["desiredCount"]
        assert all(t["TargetHealth"]["State"] == "healthy" for t in current), health


def wait_rolled_out(aws, name, timeout=60):
    def rolled_out():
        service = _describe(aws, [name])[name]
        return service["runningCount"] == service["desiredCount"] and len(service["deployments"]) == 1

    wait_for(rolled_out, timeout=timeout, step=0.2, what=f"service {name} rolled out")


def _active_revisions(aws, family):
    return aws("ecs").list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]


def _control(endpoint, name, payload):
    request = urllib.request.Request(endpoint + "/_local/" + name, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _service_resources(aws):
    """What the role creates, by kind (whatever another test left is compared, not assumed away)."""
    return {"log_groups": [g["logGroupName"] for g in aws("logs").describe_log_groups(
                logGroupNamePrefix=f"/{STACK}/services/")["logGroups"]],
            "target_groups": [g["TargetGroupArn"] for g in aws("elbv2").describe_target_groups()["TargetGroups"]],
            "services": aws("ecs").list_services(cluster=CLUSTER)["serviceArns"],
            "task_definitions": aws("ecs").list_task_definitions(familyPrefix=STACK)["taskDefinitionArns"]}


def test_bad_inputs_are_refused_before_any_change(playbook, aws, prerequisites):
    bad = [
        {"name": "web", "image": "nginx", "memory": 128, "container_port": 80,
         "listener_rule": {"path": "/a*", "priority": 10}},
        {"name": "web", "image": "nginx", "container_port": 80, "listener_rule": {"path": "/b*", "priority": 10}},
        {"name": "vpc", "image": "nginx", "memory": 64, "network_mode": "awsvpc"},
        {"name": "agent", "image": "nginx", "memory": 64, "scheduling_strategy": "DAEMON", "desired_count": 2},
        {"name": "pct", "image": "nginx", "memory": 64, "min_percent": 150, "max_percent": 50},
        {"name": "small", "image": "nginx", "memory": 64, "cpu": 2048},
        {"name": "two", "image": "nginx", "memory": 64, "mount_points": [{"volume": "data", "path": "/data"}],
         "depends_on": [{"container": "side", "condition": "HEALTHY"}],
         "sidecars": [{"name": "side", "image": "busybox", "memory": 16}]},
    ]
    before = _service_resources(aws)
    run = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=bad, services_subnet_ids=[]))
    assert run.rc != 0
    for message in (
        "services_list[1].name: web is listed more than once",
        "services_list[1].memory: missing",
        "services_list[2].network_mode: awsvpc needs subnets",
        "services_list[1].listener_rule.priority: 10 is already used",
        "services_list[3].desired_count: a DAEMON service",
        "services_list[4].min_percent: 150 is out of range",
        "services_list[4].max_percent: 50 is out of range",
        "services_list[5].memory: 64 MiB is too little for cpu 2048",
        "services_list[6].mount_points[0].volume: data is not a volume of the service",
        "services_list[6].depends_on[0].condition: HEALTHY needs a health_check on container side",
    ):
        assert message in run.output, message
    assert run.writes == [], run.writes
    assert _service_resources(aws) == before


def _task_stopped(stop_code, reason):
    """An ECS Task State Change event as EventBridge delivers it."""
    return {"version": "0", "id": "3317b2af-7005-947d-b652-f55e762e571a", "detail-type": "ECS Task State Change",
            "source": "aws.ecs", "account": "123456789012", "time": "2025-01-01T00:00:00Z", "region": "us-east-1",
            "resources": [f"arn:aws:ecs:us-east-1:123456789012:task/{CLUSTER}/0123456789abcdef0123456789abcdef"],
            "detail": {"clusterArn": f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}", "lastStatus": "STOPPED",
                       "desiredStatus": "STOPPED", "stopCode": stop_code, "stoppedReason": reason,
                       "group": "service:web"}}


def test_services_lifecycle(playbook, aws, endpoint, prerequisites):
    ecs, elbv2, iam, logs, kms = aws("ecs"), aws("elbv2"), aws("iam"), aws("logs"), aws("kms")

    # A log group left by a version without encryption: the run encrypts it and sets its retention.
    old_group = f"/{STACK}/services/agent"
    if logs.describe_log_groups(logGroupNamePrefix=old_group)["logGroups"]:
        logs.delete_log_group(logGroupName=old_group)
    logs.create_log_group(logGroupName=old_group)

    # Create: every service really runs, rolled out and healthy behind the listener.
    created = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_services()))
    assert created.rc == 0, created.output
    # progress while the module waits (its action plugin shows the lines as they come)
    assert "localhost | waiting for services agent, web to roll out (at most 120s)" in created.output
    assert "localhost | web: rolled out: running 2/2, targets healthy 2/2" in created.output, created.output
    assert "localhost | agent: rolled out: running 3/3" in created.output
    services = _describe(aws)
    _assert_rolled_out(aws, services["web"], 1)
    assert services["web"]["desiredCount"] == 2
    assert services["web"]["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert [p["type"] for p in services["web"]["placementStrategy"]] == ["spread", "binpack"]
    assert services["web"]["healthCheckGracePeriodSeconds"] == 30
    _assert_rolled_out(aws, services["agent"], 1)
    assert services["agent"]["schedulingStrategy"] == "DAEMON"
    agent_tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=ecs.list_tasks(cluster=CLUSTER, serviceName="agent")[
        "taskArns"])["tasks"]
    assert len({t["containerInstanceArn"] for t in agent_tasks if t["lastStatus"] == "RUNNING"}) == 3
    rules = elbv2.describe_rules(ListenerArn=prerequisites["services_listener_arn"])["Rules"]
    assert sorted(r["Priority"] for r in rules if not r["IsDefault"]) == ["10"]
    td = ecs.describe_task_definition(taskDefinition=f"{STACK}-web")["taskDefinition"]
    container, exporter = td["containerDefinitions"]
    assert container["readonlyRootFilesystem"] is True and container["links"] == ["exporter"]
    assert [t["containerPath"] for t in container["linuxParameters"]["tmpfs"]] == ["/var/cache/nginx", "/var/run"]
    assert exporter["essential"] is False and exporter["stopTimeout"] == 5
    assert exporter["logConfiguration"]["options"]["awslogs-stream-prefix"] == "exporter"
    target = aws("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{CLUSTER}/web"])["ScalableTargets"]
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in target] == [(2, 4)]
    assert container["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": SECRET}]
    assert container["logConfiguration"]["options"]["awslogs-group"] == f"/{STACK}/services/web"
    role = td["executionRoleArn"].rsplit("/", 1)[1]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
    secrets_policy = iam.get_role_policy(RoleName=role, PolicyName="read-service-secrets")["PolicyDocument"]
    assert secrets_policy["Statement"][0]["Resource"] == [SECRET]
    # ECS Exec: enabled on web only; its task role may decrypt with exactly the cluster's exec key and write sessions
    # to exactly its exec log group.
    assert services["web"]["enableExecuteCommand"] is True and services["agent"]["enableExecuteCommand"] is False
    task_role = td["taskRoleArn"].rsplit("/", 1)[1]
    task_policy = iam.get_role_policy(RoleName=task_role, PolicyName="service-permissions")["PolicyDocument"]
    assert task_policy["Statement"] == [
        {"Sid": "EcsExec", "Effect": "Allow", "Resource": "*", "Action": [
            "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel"]},
        {"Sid": "EcsExecDecrypt", "Effect": "Allow", "Action": ["kms:Decrypt"],
         "Resource": prerequisites["cloudops_cluster"]["exec_kms_key_arn"]},
        {"Sid": "EcsExecFindLogGroup", "Effect": "Allow", "Action": ["logs:DescribeLogGroups"],
         "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"},
        {"Sid": "EcsExecWriteSessionLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{EXEC_LOG_GROUP}:*"}]

    # Step scaling with its alarm, target tracking next to it, a scheduled action.
    scaling, cloudwatch = aws("application-autoscaling"), aws("cloudwatch")
    policies = {p["PolicyName"]: p for p in scaling.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/web")["ScalingPolicies"]}
    assert sorted(policies) == [f"{STACK}-web-cpu", STEP_POLICY]
    assert policies[STEP_POLICY]["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[STEP_POLICY])["MetricAlarms"]
    assert alarm["AlarmActions"] == [policies[STEP_POLICY]["PolicyARN"]]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == ("Demo", "Backlog", 10.0)
    [action] = scaling.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/web")[
        "ScheduledActions"]
    assert (action["ScheduledActionName"], action["Schedule"], action["Timezone"], action["ScalableTargetAction"]) == (
        f"{STACK}-web-schedule-mornings", "cron(0 7 ? * MON-FRI *)", "Europe/Berlin", {"MinCapacity": 2, "MaxCapacity": 4})

    # The stack's ECR repository: immutable tags, scan on push, the KMS key, its lifecycle policy, the stack tag.
    ecr = aws("ecr")
    [repository] = ecr.describe_repositories(repositoryNames=[f"{STACK}/web"])["repositories"]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["encryptionConfiguration"] == {"encryptionType": "KMS",
                                                     "kmsKey": prerequisites["services_ecr_kms_key_arn"]}
    rules = json.loads(ecr.get_lifecycle_policy(repositoryName=f"{STACK}/web")["lifecyclePolicyText"])["rules"]
    assert [(r["selection"]["tagStatus"], r["selection"]["countNumber"]) for r in rules] == [("untagged", 7), ("any", 10)]
    repository_tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(
        resourceArn=repository["repositoryArn"])["tags"]}
    assert repository_tags["cloudops:stack"] == STACK

    groups = logs.describe_log_groups(logGroupNamePrefix=f"/{STACK}/services/")["logGroups"]
    assert {g["logGroupName"]: g["retentionInDays"] for g in groups} == {
        f"/{STACK}/services/{n}": 14 for n in ("web", "agent")}
    # every group encrypted with the stack's own key: customer managed, rotation on, usable by the region's
    # CloudWatch Logs for the services' groups only
    log_key = kms.describe_key(KeyId=f"alias/{STACK}-service-logs")["KeyMetadata"]
    assert log_key["KeyManager"] == "CUSTOMER" and log_key["KeyState"] == "Enabled"
    assert kms.get_key_rotation_status(KeyId=log_key["KeyId"])["KeyRotationEnabled"] is True
    assert {g["logGroupName"]: g.get("kmsKeyId") for g in groups} == {
        f"/{STACK}/services/{n}": log_key["Arn"] for n in ("web", "agent")}
    key_policy = json.loads(kms.get_key_policy(KeyId=log_key["KeyId"], PolicyName="default")["Policy"])
    [for_logs] = [s for s in key_policy["Statement"] if "Service" in s["Principal"]]
    assert for_logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert for_logs["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                                 f"arn:aws:logs:us-east-1:123456789012:log-group:/{STACK}/services/*"}}
    tags = logs.list_tags_log_group(logGroupName=old_group)["tags"]
    assert tags["cloudops:stack"] == STACK and tags["Name"] == old_group

    sns, events = aws("sns"), aws("events")
    topic = f"arn:aws:sns:us-east-1:123456789012:{STACK}-stopped-tasks"
    key = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    assert aws("kms").get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    rule = events.describe_rule(Name=f"{STACK}-stopped-tasks")
    assert json.loads(rule["EventPattern"])["detail"] == {
        "clusterArn": [f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}"], "lastStatus": ["STOPPED"],
        "$or": [{"stopCode": [{"anything-but": ["UserInitiated", "ServiceSchedulerInitiated"]}]},
                {"stopCode": ["ServiceSchedulerInitiated"],
                 "stoppedReason": [{"prefix": "Task failed ELB health checks"},
                                   {"prefix": "Task failed container health checks"}]}]}
    # the deployed rule alerts on health-check kills and failures, not on the scheduler's deployments and drains
    stops = {
        ("ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:"
                                      "us-east-1:123456789012:targetgroup/demo-web/0123456789abcdef)"): True,
        ("ServiceSchedulerInitiated", "Task failed container health checks"): True,
        ("EssentialContainerExited", "Essential container in task exited"): True,
        ("ServiceSchedulerInitiated", "Scaling activity initiated by (deployment ecs-svc/1234567890123456789)"): False,
        ("ServiceSchedulerInitiated", "Task stopped because the container instance is being drained"): False,
        ("UserInitiated", "Task stopped by the operator"): False,
    }
    for (stop_code, reason), alert in stops.items():
        assert events.test_event_pattern(EventPattern=rule["EventPattern"], Event=json.dumps(
            _task_stopped(stop_code, reason)))["Result"] is alert, reason
    assert [t["Arn"] for t in events.list_targets_by_rule(Rule=f"{STACK}-stopped-tasks")["Targets"]] == [topic]
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    assert {"Service": "events.amazonaws.com"} in [st["Principal"] for st in policy["Statement"]]

    # Converged: a second run and check mode change nothing (no new task-definition revision).
    again = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_services()))
    assert again.rc == 0 and again.changed == 0, again.output
    checked = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_services()), check=True, diff=True)
    assert checked.rc == 0 and checked.changed == 0, checked.output
    assert checked.writes == [], checked.writes
    assert len(_active_revisions(aws, f"{STACK}-web")) == 1

    # The step policy's alarm fires: autoscaling moves web to 3 (within its scalable target's 2-4); an image change:
    # a new revision rolled out, the count left alone.
    cloudwatch.put_metric_data(Namespace="Demo", MetricData=[
        {"MetricName": "Backlog", "Value": 20, "Dimensions": [{"Name": "Queue", "Value": "jobs"}]}])
    cloudwatch.set_alarm_state(AlarmName=STEP_POLICY, StateValue="ALARM", StateReason="backlog")
    wait_for(lambda: _describe(aws, ["web"])["web"]["desiredCount"] == 3, timeout=60, step=0.2,
             what="the step policy moved web to 3 tasks")
    cloudwatch.set_alarm_state(AlarmName=STEP_POLICY, StateValue="OK", StateReason="drained")
    wait_rolled_out(aws, "web")
    updated = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_services(
        "public.ecr.aws/nginx/nginx:1.28")))
    assert updated.rc == 0, updated.output
    services = _describe(aws)
    _assert_rolled_out(aws, services["web"], 2)
    assert services["web"]["desiredCount"] == 3

    # A failing image: the circuit breaker fails the rollout, the module says so, the service rolls back.
    _control(endpoint, "ecs/fail-task-starts", {"cluster": CLUSTER, "family": f"{STACK}-web", "forever": True})
    failed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_services(
        "public.ecr.aws/nginx/nginx:broken")))
    _control(endpoint, "ecs/fail-task-starts", {"cluster": CLUSTER, "family": f"{STACK}-web", "count": 0})
    assert failed.rc != 0
    assert "circuit breaker" in failed.output.lower(), failed.output
    def rolled_back():
        web = _describe(aws, ["web"])["web"]
        primary = [d for d in web["deployments"] if d["status"] == "PRIMARY"][0]
        return primary["taskDefinition"].endswith(":2") and primary.get("rolloutState") == "COMPLETED"

    wait_for(rolled_back, timeout=60, step=0.2, what="web rolled back to revision 2")

    # Teardown: services deleted, then target groups, rules, task definitions and roles; with
    # services_remove_log_groups the log groups too, and the stack's key for them is scheduled for deletion.
    removed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_services(), services_state="absent",
                                                 services_remove_log_groups=True,
                                                 services_remove_ecr_repositories=True))
    assert removed.rc == 0, removed.output
    assert "localhost | waiting for services agent, web to be deleted" in removed.output
    assert "localhost | web: deleted" in removed.output and "localhost | agent: deleted" in removed.output
    assert all(s["status"] == "INACTIVE" for s in _describe(aws).values())
    assert not elbv2.describe_target_groups()["TargetGroups"]
    rules = elbv2.describe_rules(ListenerArn=prerequisites["services_listener_arn"])["Rules"]
    assert [r for r in rules if not r["IsDefault"]] == []
    assert not _active_revisions(aws, f"{STACK}-web")
    assert topic not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert f"{STACK}-stopped-tasks" not in [r["Name"] for r in events.list_rules()["Rules"]]
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert not [r for r in roles if r.startswith(f"{STACK}-")], roles
    assert logs.describe_log_groups(logGroupNamePrefix=f"/{STACK}/services/")["logGroups"] == []
    assert kms.describe_key(KeyId=log_key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert not scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[f"service/{CLUSTER}/web"])[
        "ScalableTargets"]
    assert not scaling.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/web")[
        "ScheduledActions"]
    assert not cloudwatch.describe_alarms(AlarmNames=[STEP_POLICY])["MetricAlarms"]
    assert f"{STACK}/web" not in [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
