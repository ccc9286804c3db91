"""The services role's payloads and input checks: what a services_list item becomes in ECS's API shape, and
every bad input refused with the variable, the value and the fix."""
import copy

import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils import service_spec
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import task_definition_differences

SETTINGS = {
    "state": "present", "region": "us-east-1", "partition": "aws-us-gov", "account_id": "123456789012",
    "cluster_name": "demo", "vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"],
    "security_group_ids": ["sg-instances"], "listener_arn": "arn:listener", "name_prefix": "demo-",
    "family_prefix": "demo-", "log_group_prefix": "/demo/services/", "tags": {"cloudops:stack": "demo"},
    "placement_strategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    "efs_file_system_id": "fs-123", "target_groups": {"web": "arn:tg/web", "api": "arn:tg/api"},
    "capacity_provider_architectures": {"demo-ondemand": ["x86_64"], "demo-spot": ["arm64"]},
    "cluster_capacity_provider_strategy": [{"capacity_provider": "demo-ondemand", "weight": 1, "base": 1},
                                           {"capacity_provider": "demo-spot", "weight": 3, "base": 0}],
}

WEB = {"name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 256, "cpu": 256, "container_port": 80,
       "listener_rule": {"path": "/*", "priority": 100},
       "tmpfs": [{"path": "/var/cache/nginx", "size": 64}, {"path": "/var/run", "size": 1}, {"path": "/tmp"}]}

API = {
    "name": "api", "image": "public.ecr.aws/docker/library/httpd:2.4", "memory": 256, "container_port": 8080,
    "network_mode": "awsvpc", "cpu_architecture": "X86_64",
    "capacity_provider_strategy": [{"capacity_provider": "demo-ondemand", "weight": 1}],
    "listener_rule": {"path": "/api/*", "priority": 90},
    "depends_on": [{"container": "cache", "condition": "HEALTHY"}],
    "mount_points": [{"volume": "data", "path": "/srv/data"}],
    "volumes": [{"name": "data", "type": "efs"}, {"name": "scratch"}],
    "secrets": {"TOKEN": "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:api-token"},
    "sidecars": [{
        "name": "cache", "image": "public.ecr.aws/docker/library/redis:7", "memory_reservation": 64, "cpu": 128,
        "essential": False, "stop_timeout": 10, "ports": [6379],
        "health_check": {"command": ["CMD", "redis-cli", "ping"], "interval": 10, "retries": 3},
        "mount_points": [{"volume": "scratch", "path": "/data"}],
        "secrets": {"PASS": "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/cache"},
    }],
}


def test_single_container_service_with_tmpfs_keeps_a_read_only_root():
    args = service_spec.task_definition(WEB, SETTINGS, "arn:exec", "arn:task")
    assert args["family"] == "demo-web" and args["network_mode"] == "bridge"
    assert args["execution_role_arn"] == "arn:exec" and args["task_role_arn"] == "arn:task"
    [web] = args["container_definitions"]
    assert web["readonlyRootFilesystem"] is True and web["essential"] is True
    assert web["portMappings"] == [{"containerPort": 80, "protocol": "tcp"}]
    assert web["linuxParameters"] == {"tmpfs": [
        {"containerPath": "/var/cache/nginx", "size": 64}, {"containerPath": "/var/run", "size": 1},
        {"containerPath": "/tmp", "size": 64}]}
    assert web["logConfiguration"] == {"logDriver": "awslogs", "options": {
        "awslogs-group": "/demo/services/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}}
    assert args["volumes"] == [] and args["placement_constraints"] == [] and "runtime_platform" not in args


def test_two_container_task_with_dependencies_volumes_and_architecture():
    args = service_spec.task_definition(API, SETTINGS, access_points={"demo-api-data": "fsap-1"})
    main, cache = args["container_definitions"]
    assert main["name"] == "api" and main["essential"] is True
    assert main["dependsOn"] == [{"containerName": "cache", "condition": "HEALTHY"}]
    assert main["mountPoints"] == [{"sourceVolume": "data", "containerPath": "/srv/data", "readOnly": False}]
    assert cache["essential"] is False and cache["stopTimeout"] == 10 and cache["cpu"] == 128
    assert cache["memoryReservation"] == 64 and "memory" not in cache
    assert cache["portMappings"] == [{"containerPort": 6379, "protocol": "tcp"}]
    assert cache["healthCheck"] == {"command": ["CMD", "redis-cli", "ping"], "interval": 10, "retries": 3}
    assert cache["logConfiguration"]["options"]["awslogs-stream-prefix"] == "cache"
    assert args["volumes"] == [
        {"name": "data", "efsVolumeConfiguration": {
            "fileSystemId": "fs-123", "transitEncryption": "ENABLED",
            "authorizationConfig": {"iam": "ENABLED", "accessPointId": "fsap-1"}}},
        {"name": "scratch"}]
    assert args["placement_constraints"] == [
        {"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == x86_64"}]
    assert args["runtime_platform"] == {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}


def test_built_task_definition_reads_back_unchanged():
    """What ECS answers (defaults filled in) compares equal to what we build: no new revision per run."""
    args = service_spec.task_definition(API, SETTINGS, access_points={"demo-api-data": "fsap-1"})
    request = {"family": args["family"], "networkMode": args["network_mode"],
               "containerDefinitions": args["container_definitions"], "volumes": args["volumes"],
               "placementConstraints": args["placement_constraints"], "runtimePlatform": args["runtime_platform"]}
    described = copy.deepcopy(request)
    for container in described["containerDefinitions"]:
        container.setdefault("cpu", 0)
        for key in ("environment", "volumesFrom", "systemControls"):
            container.setdefault(key, [])
        for mapping in container.get("portMappings", []):
            mapping["hostPort"] = mapping["containerPort"]
        container["healthCheck"] = dict({"timeout": 5}, **container["healthCheck"]) if "healthCheck" in container \
            else None
        if container["healthCheck"] is None:
            del container["healthCheck"]
    described.update({"revision": 4, "status": "ACTIVE", "compatibilities": ["EC2"]})
    assert task_definition_differences(described, request) == []


def test_firelens_routes_every_container_through_the_log_router():
    svc = dict(WEB, firelens={"type": "fluentbit"})
    args = service_spec.task_definition(svc, SETTINGS)
    web, router = args["container_definitions"]
    assert router["name"] == "log-router" and router["firelensConfiguration"] == {"type": "fluentbit"}
    assert router["logConfiguration"]["logDriver"] == "awslogs"
    assert router["image"] == service_spec.SETTINGS_DEFAULTS["firelens_image"]
    assert web["logConfiguration"] == {"logDriver": "awsfirelens", "options": {
        "Name": "cloudwatch_logs", "region": "us-east-1", "log_group_name": "/demo/services/web",
        "log_stream_prefix": "web/", "auto_create_group": "false"}}
    custom = service_spec.task_definition(dict(svc, firelens={"log_options": {"Name": "stdout"}}), SETTINGS)
    assert custom["container_definitions"][0]["logConfiguration"]["options"] == {"Name": "stdout"}


def test_service_items_carry_placement_capacity_and_network_per_service():
    web, api = service_spec.service_items([WEB, dict(API, placement_strategy=[{"type": "binpack", "field": "cpu"}],
                                                     placement_constraints=[{"type": "distinctInstance"}])],
                                          SETTINGS)
    assert web["placement_strategy"] == SETTINGS["placement_strategy"] and "capacity_provider_strategy" not in web
    assert web["load_balancers"] == [{"target_group_arn": "arn:tg/web", "container_name": "web", "container_port": 80}]
    assert "network_configuration" not in web and web["desired_count"] == 1
    assert api["placement_strategy"] == [{"type": "binpack", "field": "cpu"}]
    assert api["placement_constraints"] == [{"type": "distinctInstance"}]
    assert api["capacity_provider_strategy"] == [{"capacity_provider": "demo-ondemand", "weight": 1}]
    assert api["network_configuration"] == {"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-instances"],
                                            "assign_public_ip": False}
    own = service_spec.service_item(dict(API, security_group_ids=["sg-api"]), SETTINGS)
    assert own["network_configuration"]["security_groups"] == ["sg-api"]
    scaled = service_spec.service_item(dict(WEB, autoscaling={"min": 2, "max": 4}), SETTINGS)
    assert scaled["desired_count"] == 2 and scaled["desired_count_owner"] == "autoscaling"
    daemon = service_spec.service_item({"name": "agent", "scheduling_strategy": "DAEMON"}, SETTINGS)
    assert "desired_count" not in daemon and "placement_strategy" not in daemon
    assert daemon["deployment_configuration"]["minimum_healthy_percent"] == 0


def test_iam_policies_are_scoped_to_the_service():
    policy = service_spec.secrets_policy(API)
    assert policy["Statement"] == [
        {"Sid": "ReadServiceSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": [API["secrets"]["TOKEN"]]},
        {"Sid": "ReadServiceParameters", "Effect": "Allow", "Action": ["ssm:GetParameters"],
         "Resource": [API["sidecars"][0]["secrets"]["PASS"]]}]
    task = service_spec.task_policy(dict(API, enable_execute_command=True), SETTINGS, {"demo-api-data": "fsap-1"})
    exec_statement, mount = task["Statement"]
    assert exec_statement["Sid"] == "EcsExec"
    assert mount["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert mount["Resource"] == "arn:aws-us-gov:elasticfilesystem:us-east-1:123456789012:file-system/fs-123"
    assert mount["Condition"] == {"StringEquals": {"elasticfilesystem:AccessPointArn":
                                                   "arn:aws-us-gov:elasticfilesystem:us-east-1:123456789012:"
                                                   "access-point/fsap-1"}}
    assert service_spec.needs_task_policy(API) and not service_spec.needs_task_policy(WEB)


def test_ecs_exec_task_role_can_use_the_clusters_exec_key_and_log_group_only():
    key = "arn:aws-us-gov:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    settings = dict(SETTINGS, exec_kms_key_arn=key, exec_log_group_name="/demo/ecs-exec")
    statements = service_spec.task_policy(dict(WEB, enable_execute_command=True), settings)["Statement"]
    assert statements == [
        {"Sid": "EcsExec", "Effect": "Allow", "Resource": "*", "Action": [
            "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel"]},
        {"Sid": "EcsExecDecrypt", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key},
        {"Sid": "EcsExecFindLogGroup", "Effect": "Allow", "Action": ["logs:DescribeLogGroups"],
         "Resource": "arn:aws-us-gov:logs:us-east-1:123456789012:log-group:*"},
        {"Sid": "EcsExecWriteSessionLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
         "Resource": "arn:aws-us-gov:logs:us-east-1:123456789012:log-group:/demo/ecs-exec:*"}]
    assert service_spec.needs_task_policy(dict(WEB, enable_execute_command=True))
    # Without exec the key and the log group give nothing; an unlogged, unencrypted cluster needs the channels only.
    assert service_spec.task_policy(WEB, settings)["Statement"] == []
    [channels] = service_spec.task_policy(dict(WEB, enable_execute_command=True), SETTINGS)["Statement"]
    assert channels["Sid"] == "EcsExec"
    # Statements the service lists come first and stay as given.
    own = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws-us-gov:s3:::bucket/*"}
    first = service_spec.task_policy(dict(WEB, enable_execute_command=True, task_role_statements=[own]), settings)
    assert first["Statement"][0] == own and len(first["Statement"]) == 5


def test_access_points_and_task_security_groups():
    assert service_spec.efs_access_points([WEB, API], SETTINGS) == [{
        "service": "api", "volume": "data", "name": "demo-api-data", "file_system_id": "fs-123",
        "root_directory": "/api/data", "uid": 1000, "gid": 1000, "read_only": False}]
    own_groups = dict(SETTINGS, security_group_ids=[])
    assert service_spec.task_security_groups([WEB, API], own_groups, "sg-alb", "vpc-1", {"cloudops:stack": "demo"}) == [{
        "name": "demo-api-tasks", "description": "Tasks of the demo-api service", "vpc_id": "vpc-1",
        "rules": [{"from_port": 8080, "source_group_id": "sg-alb", "description": "container port from the load balancer"}],
        "egress_rules": [{"protocol": "-1", "from_port": -1, "cidr_ip": "0.0.0.0/0"}],
        "tags": {"cloudops:stack": "demo", "Name": "demo-api-tasks"}}]
    assert service_spec.task_security_groups([API], SETTINGS, "sg-alb") == []
    assert service_spec.task_security_group_ids([WEB, API], own_groups, [
        {"name": "demo-api-tasks", "group_id": "sg-api"}, {"name": "demo-web-tasks", "group_id": ""}]) == {"api": "sg-api"}
    assert service_spec.task_security_group_ids([API], own_groups, [{"name": "demo-api-tasks", "group_id": ""}]) == {}
    created = dict(own_groups, task_security_groups={"api": "sg-api"})
    assert service_spec.service_item(API, created)["network_configuration"]["security_groups"] == ["sg-api"]
    assert service_spec.efs_client_rules([WEB, API], created) == [
        {"from_port": 2049, "to_port": 2049, "source_group_id": "sg-api", "description": "cloudops:services NFS from awsvpc tasks"}]
    elsewhere = dict(API, volumes=[{"name": "data", "type": "efs", "file_system_id": "fs-other"}, {"name": "scratch"}])
    assert service_spec.efs_client_rules([elsewhere], created) == []


def test_listener_rules_and_existing_target_groups():
    rules = service_spec.listener_rules([WEB, dict(API, listener_rule={"host": "api.example.com", "priority": 5}),
                                         {"name": "x", "listener_rule": {"path": "/x", "priority": 7}}], SETTINGS)
    assert rules == [
        {"priority": 100, "state": "present", "path_patterns": ["/*"], "target_group_arn": "arn:tg/web"},
        {"priority": 5, "state": "present", "host_headers": ["api.example.com"], "target_group_arn": "arn:tg/api"}]
    found = service_spec.existing_target_groups(
        [WEB, API], [{"target_group_name": "demo-web", "target_group_arn": "arn:1"},
                     {"target_group_name": "other", "target_group_arn": "arn:2"}], SETTINGS)
    assert found == {"web": "arn:1"}


@pytest.mark.parametrize("instance_type, arch", [
    ("m6i.large", "x86_64"), ("m7g.large", "arm64"), ("c7gn.xlarge", "arm64"), ("t4g.micro", "arm64"),
    ("a1.medium", "arm64"), ("g5.xlarge", "x86_64"), ("r6gd.large", "arm64"), ("t3.medium", "x86_64")])
def test_instance_type_architecture(instance_type, arch):
    assert service_spec.instance_type_architecture(instance_type) == arch


def test_capacity_providers_from_instance_groups():
    groups = [{"capacity_provider": "demo-ondemand", "instance_types": ["m6i.large"], "weight": 1, "base": 1},
              {"capacity_provider": "demo-spot", "instance_types": ["m7g.large", "m6i.large"], "weight": 3}]
    assert service_spec.capacity_provider_architectures(groups) == {
        "demo-ondemand": ["x86_64"], "demo-spot": ["arm64", "x86_64"]}
    assert service_spec.group_capacity_provider_strategy(groups) == [
        {"capacity_provider": "demo-ondemand", "weight": 1, "base": 1},
        {"capacity_provider": "demo-spot", "weight": 3, "base": 0}]


def test_good_inputs_have_no_errors():
    assert service_spec.input_errors([WEB, API, {"name": "agent", "image": "busybox", "memory_reservation": 32,
                                                 "scheduling_strategy": "DAEMON"}], SETTINGS) == []


def _errors(svc, settings=None, others=()):
    return service_spec.input_errors(list(others) + [svc], SETTINGS if settings is None else settings)


@pytest.mark.parametrize("change, expected", [
    ({"sidecars": [{"name": "api", "image": "x", "memory": 64}]},
     "services_list[0].sidecars[0].name: api is used by another container"),
    ({"depends_on": [{"container": "nope"}]}, "services_list[0].depends_on[0].container: nope is not another container"),
    ({"depends_on": [{"container": "cache", "condition": "READY"}]}, "depends_on[0].condition: READY; use one of"),
    ({"sidecars": [{"name": "cache", "image": "redis", "memory": 64}]},
     "depends_on[0].condition: HEALTHY needs a health_check on container cache"),
    ({"mount_points": [{"volume": "logs", "path": "/logs"}]},
     "services_list[0].mount_points[0].volume: logs is not a volume of the service (data, scratch)"),
    ({"mount_points": [{"volume": "data", "path": "relative"}]}, "mount_points[0].path: relative; give the absolute"),
    ({"volumes": [{"name": "data", "type": "nfs"}]}, "services_list[0].volumes[0].type: nfs is not supported"),
    ({"volumes": [{"name": "data", "type": "efs", "root_directory": "/"}, {"name": "scratch"}]},
     "volumes[0].root_directory: /; use a directory below /"),
    ({"volumes": [{"name": "data", "type": "efs"}, {"name": "data"}]}, "volumes[1].name: data is declared twice"),
    ({"links": ["cache"]}, "services_list[0].links: links work in bridge mode only"),
    ({"stop_timeout": 600}, "services_list[0].stop_timeout: 600 is out of range; use 2-120"),
    ({"health_check": {"command": ["curl", "-f", "localhost"]}}, "health_check.command: ['curl', '-f', 'localhost']"),
    ({"tmpfs": [{"path": "/srv/data"}]}, "/srv/data is mounted twice"),
    ({"ports": [8080]}, "container port 8080 is used by two containers"),
    ({"ports": [{"container_port": 9000, "host_port": 9001}]}, "ports[0].host_port: 9001 differs from container_port"),
    ({"cpu_architecture": "ARM64"},
     "services_list[0].cpu_architecture: ARM64, but capacity provider demo-ondemand can only give x86_64 instances, "
     "so its tasks could not be placed; set its capacity_provider_strategy to providers of arm64 instances "
     "(demo-spot)"),
    ({"cpu_architecture": "x86"}, "cpu_architecture: x86; use X86_64 or ARM64"),
    ({"placement_constraints": [{"type": "memberOf", "expression": "zone = a"}]},
     "placement_constraints[0].expression: zone = a: zone = a is not a cluster query language term"),
    ({"placement_strategy": [{"type": "binpack", "field": "attribute:x"}]},
     "placement_strategy[0].field: attribute:x; binpack works on cpu or memory"),
    ({"firelens": {"type": "logstash"}}, "services_list[0].firelens.type: logstash; use fluentbit or fluentd"),
    ({"sidecars": [{"name": "cache", "image": "redis", "memory": 64, "listener_rule": {}}]},
     "sidecars[0].listener_rule: a service setting, not a container one"),
])
def test_bad_container_and_task_inputs_name_the_variable_and_the_fix(change, expected):
    errors = _errors(dict(API, **change))
    assert any(expected in e for e in errors), errors


def test_architecture_on_the_default_strategy_names_the_wrong_provider():
    errors = _errors(dict(API, capacity_provider_strategy=[]))
    assert errors == ["services_list[0].cpu_architecture: X86_64, but capacity provider demo-spot can only give "
                      "arm64 instances, so its tasks could not be placed; set its capacity_provider_strategy to "
                      "providers of x86_64 instances (demo-ondemand)"]
    unknown = dict(SETTINGS, capacity_provider_architectures={})
    assert _errors(dict(API, capacity_provider_strategy=[]), unknown) == []


def test_efs_volume_without_a_file_system_says_how_to_get_one():
    errors = _errors(API, dict(SETTINGS, efs_file_system_id=""))
    assert errors == ["services_list[0].volumes[0]: an EFS volume needs a file system; set ecs_instances_efs_enabled "
                      "(the stack's file system) or the volume's file_system_id"]


def test_service_level_checks():
    errors = service_spec.input_errors([
        WEB, dict(WEB, container_port=None),
        {"name": "vpc", "image": "x", "memory": 64, "network_mode": "awsvpc"},
        {"name": "agent", "image": "x", "memory": 64, "scheduling_strategy": "DAEMON", "desired_count": 2,
         "placement_strategy": [{"type": "random"}]},
        {"name": "pct", "image": "x", "memory": 64, "min_percent": 150, "max_percent": 50},
        {"name": "small", "image": "x", "memory": 64, "cpu": 2048, "autoscaling": {"min": 3, "max": 2}},
        {"image": "x", "memory": 64},
    ], dict(SETTINGS, subnet_ids=[]))
    for expected in (
        "services_list[1].name: web is listed more than once",
        "services_list[1].container_port: a service with a listener_rule needs the port",
        "services_list[1].listener_rule.priority: 100 is already used",
        "services_list[2].network_mode: awsvpc needs subnets",
        "services_list[3].desired_count: a DAEMON service",
        "services_list[3].placement_strategy[0]: a DAEMON service has no placement strategy",
        "services_list[4].min_percent: 150 is out of range",
        "services_list[4].max_percent: 50 is out of range",
        "services_list[5].memory: 64 MiB is too little for cpu 2048",
        "services_list[5].autoscaling: min 3 must be between 0 and max 2",
        "services_list[6].name: missing",
    ):
        assert any(expected in e for e in errors), (expected, errors)
    assert service_spec.input_errors([{"name": "web"}], dict(SETTINGS, state="absent")) == []


def test_query_language():
    for good in ("attribute:ecs.instance-type =~ t3.*", "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
                 "attribute:ecs.cpu-architecture == arm64 and not(attribute:ecs.instance-type == t4g.micro)",
                 "attribute:stack exists", "(attribute:a == 1 or attribute:b == 2) and agentConnected == true"):
        assert service_spec.query_language_error(good) is None, good
    assert "unbalanced" in service_spec.query_language_error("attribute:a in [x")
    assert "missing" in service_spec.query_language_error("")


def test_autoscaling_policies_per_metric():
    settings = dict(SETTINGS, load_balancer_arn="arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/demo/abc",
                    target_groups={"web": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/demo-web/def"})
    [cpu] = service_spec.autoscaling_policies(dict(WEB, autoscaling={"min": 2, "max": 4}), settings)
    assert cpu == {"name": "demo-web-cpu", "predefined_metric_type": "ECSServiceAverageCPUUtilization",
                   "target_value": 50.0, "scale_in_cooldown": 300, "scale_out_cooldown": 60, "disable_scale_in": False}
    memory, requests = service_spec.autoscaling_policies(dict(WEB, autoscaling={
        "max": 4, "memory_target": 70, "requests_per_target": 1000, "disable_scale_in": True}), settings)
    assert memory["name"] == "demo-web-memory" and memory["target_value"] == 70.0
    assert memory["disable_scale_in"] is True and "resource_label" not in memory
    assert requests["predefined_metric_type"] == "ALBRequestCountPerTarget"
    assert requests["resource_label"] == "app/demo/abc/targetgroup/demo-web/def"
    assert service_spec.autoscaling_policies(WEB, settings) == []
    errors = _errors(dict(API, listener_rule=None, autoscaling={"max": 3, "memory_target": 0, "requests_per_target": 5,
                                                                "scale_in_cooldown": -1}))
    assert [e.split(":")[0] for e in errors] == [
        "services_list[0].autoscaling.memory_target", "services_list[0].autoscaling.requests_per_target",
        "services_list[0].autoscaling.scale_in_cooldown"]


STEP = {"name": "backlog", "cooldown": 120,
        "steps": [{"lower": 0, "upper": 50, "adjustment": 1}, {"lower": 50, "adjustment": 3}],
        "alarm": {"namespace": "AWS/SQS", "metric_name": "ApproximateNumberOfMessagesVisible",
                  "dimensions": {"QueueName": "jobs"}, "threshold": 100, "evaluation_periods": 2}}
SCALE_IN = {"name": "idle", "adjustment_type": "PercentChangeInCapacity", "min_adjustment_magnitude": 1,
            "steps": [{"upper": 0, "adjustment": -25}],
            "alarm": {"metric_name": "CPUUtilization", "threshold": 20, "comparison": "LessThanThreshold"}}
NIGHTS = {"name": "nights", "schedule": "cron(0 20 ? * MON-FRI *)", "timezone": "Europe/Berlin", "min": 1, "max": 2}
MORNINGS = {"name": "mornings", "schedule": "cron(0 7 ? * MON-FRI *)", "timezone": "Europe/Berlin", "min": 2,
            "max": 6, "start_time": "2030-01-01T00:00:00Z"}


def test_step_policies_and_scheduled_actions_become_the_scaling_target():
    svc = dict(WEB, autoscaling={"min": 2, "max": 6, "step_policies": [STEP, SCALE_IN],
                                 "scheduled_actions": [NIGHTS, MORNINGS]})
    [target] = service_spec.scaling_targets([svc, dict(WEB, name="agent", scheduling_strategy="DAEMON")], SETTINGS)
    assert target == {
        "service": "web", "cluster": "demo", "state": "present", "purge_prefix": "demo-web-",
        "min_capacity": 2, "max_capacity": 6, "keep_capacity": True, "target_tracking_policies": [],
        "step_policies": [
            {"name": "demo-web-step-backlog", "adjustment_type": "ChangeInCapacity", "cooldown": 120,
             "metric_aggregation_type": "Average",
             "steps": [{"lower": 0.0, "upper": 50.0, "adjustment": 1}, {"lower": 50.0, "upper": None, "adjustment": 3}]},
            {"name": "demo-web-step-idle", "adjustment_type": "PercentChangeInCapacity", "cooldown": 300,
             "metric_aggregation_type": "Average", "min_adjustment_magnitude": 1,
             "steps": [{"lower": None, "upper": 0.0, "adjustment": -25}]}],
        "scheduled_actions": [
            {"name": "demo-web-schedule-nights", "schedule": "cron(0 20 ? * MON-FRI *)", "timezone": "Europe/Berlin",
             "min_capacity": 1, "max_capacity": 2},
            {"name": "demo-web-schedule-mornings", "schedule": "cron(0 7 ? * MON-FRI *)", "timezone": "Europe/Berlin",
             "min_capacity": 2, "max_capacity": 6, "start_time": "2030-01-01T00:00:00Z"}]}
    # Step policies replace the default CPU target tracking, which an explicit cpu_target brings back.
    assert service_spec.autoscaling_policies(svc, SETTINGS) == []
    cpu_too = service_spec.scaling_target(dict(svc, autoscaling=dict(svc["autoscaling"], cpu_target=60)), SETTINGS)
    assert [p["name"] for p in cpu_too["target_tracking_policies"]] == ["demo-web-cpu"]
    assert cpu_too["target_tracking_policies"][0]["target_value"] == 60.0
    # A service without autoscaling: nothing registered, what the role made before is removed; absent deregisters.
    assert service_spec.scaling_target(WEB, SETTINGS) == {
        "service": "web", "cluster": "demo", "state": "present", "purge_prefix": "demo-web-",
        "target_tracking_policies": [], "step_policies": [], "scheduled_actions": []}
    absent = service_spec.scaling_target(svc, dict(SETTINGS, state="absent"))
    assert absent["deregister"] is True and absent["step_policies"] == []
    assert service_spec.scaling_target(WEB, dict(SETTINGS, state="absent"))["deregister"] is False


def test_step_alarms_trigger_their_policy():
    svc = dict(WEB, autoscaling={"max": 6, "step_policies": [STEP, SCALE_IN]})
    backlog, idle = service_spec.step_alarms([svc, API], SETTINGS, {"demo-web-step-backlog": "arn:policy/backlog"})
    assert backlog == {
        "name": "demo-web-step-backlog",
        "description": "Triggers the step scaling policy demo-web-step-backlog of demo-web",
        "namespace": "AWS/SQS", "metric_name": "ApproximateNumberOfMessagesVisible", "statistic": "Average",
        "period": 60, "evaluation_periods": 2, "threshold": 100.0, "comparison": "GreaterThanOrEqualToThreshold",
        "treat_missing_data": "missing", "dimensions": {"QueueName": "jobs"}, "alarm_actions": ["arn:policy/backlog"]}
    assert idle["namespace"] == "AWS/ECS" and idle["dimensions"] == {"ClusterName": "demo", "ServiceName": "web"}
    assert idle["comparison"] == "LessThanThreshold" and idle["alarm_actions"] == []  # the policy does not exist yet


def test_good_step_policies_and_schedules_pass():
    svc = dict(WEB, autoscaling={"min": 1, "max": 6, "step_policies": [STEP, SCALE_IN, dict(
        STEP, name="exact", adjustment_type="ExactCapacity", steps=[{"lower": 0, "adjustment": 0}])],
        "scheduled_actions": [NIGHTS, MORNINGS, {"name": "once", "schedule": "at(2030-06-01T12:00:00)", "max": 9},
                              {"name": "hourly", "schedule": "rate(1 hour)", "min": 1},
                              {"name": "often", "schedule": "rate(15 minutes)", "min": 1}]})
    assert service_spec.input_errors([svc], SETTINGS) == []


@pytest.mark.parametrize("change, expected", [
    ({"steps": []}, "step_policies[0].steps: missing"),
    ({"steps": [{"lower": 0, "upper": 10, "adjustment": 1}, {"lower": 20, "adjustment": 2}]},
     "step_policies[0].steps[1].lower: 20; steps go upwards without gaps or overlaps"),
    ({"steps": [{"lower": 0, "upper": 10, "adjustment": 1}]},
     "step_policies[0].steps[0].upper: 10; with a positive bound the last step must have no upper bound"),
    ({"steps": [{"lower": -5, "adjustment": 1}]}, "step_policies[0].steps[0].lower: -5; with a negative bound"),
    ({"steps": [{"adjustment": 1}]}, "step_policies[0].steps[0]: neither lower nor upper"),
    ({"steps": [{"lower": 5, "upper": 5, "adjustment": 1}]}, "step_policies[0].steps[0]: lower 5 is not below upper 5"),
    ({"steps": [{"lower": 0, "adjustment": 0}]}, "step_policies[0].steps[0].adjustment: 0 changes nothing"),
    ({"steps": [{"lower": 0}]}, "step_policies[0].steps[0].adjustment: missing"),
    ({"steps": [{"upper": 0, "adjustment": 1}]},
     "step_policies[0].steps[0].lower: none; the alarm fires above its threshold"),
    ({"alarm": dict(STEP["alarm"], comparison="LessThanThreshold")},
     "step_policies[0].steps[1].upper: none; the alarm fires below its threshold"),
    ({"adjustment_type": "Percent"}, "step_policies[0].adjustment_type: Percent; use ChangeInCapacity"),
    ({"min_adjustment_magnitude": 2}, "step_policies[0].min_adjustment_magnitude: only for adjustment_type"),
    ({"cooldown": -1}, "step_policies[0].cooldown: -1"),
    ({"metric_aggregation_type": "Sum"}, "step_policies[0].metric_aggregation_type: Sum"),
    ({"alarm": None}, "step_policies[0].alarm: missing"),
    ({"alarm": {"threshold": 1}}, "step_policies[0].alarm.metric_name: missing"),
    ({"alarm": dict(STEP["alarm"], threshold="high")}, "step_policies[0].alarm.threshold: high"),
    ({"alarm": dict(STEP["alarm"], period=90)}, "step_policies[0].alarm.period: 90"),
    ({"alarm": dict(STEP["alarm"], statistic="p99")}, "step_policies[0].alarm.statistic: p99"),
    ({"alarm": dict(STEP["alarm"], comparison=">")}, "step_policies[0].alarm.comparison: >"),
    ({"alarm": dict(STEP["alarm"], dimensions=None)}, "step_policies[0].alarm.dimensions: missing"),
    ({"name": "no spaces"}, "step_policies[0].name: no spaces"),
])
def test_bad_step_policies_name_the_variable_and_the_fix(change, expected):
    policy = dict(STEP, **change)
    errors = service_spec.input_errors([dict(WEB, autoscaling={"max": 4, "step_policies": [policy]})], SETTINGS)
    assert any(e.startswith("services_list[0].autoscaling." + expected) for e in errors), (expected, errors)


@pytest.mark.parametrize("change, expected", [
    ({"schedule": "cron(0 8 * * MON-FRI *)"}, "schedule: cron(0 8 * * MON-FRI *): exactly one of day-of-month"),
    ({"schedule": "cron(0 8 * *)"}, "schedule: cron(0 8 * *): a cron expression has 6 fields"),
    ({"schedule": "rate(1 hours)"}, "schedule: rate(1 hours): use the singular unit for 1"),
    ({"schedule": "rate(0 minutes)"}, "schedule: rate(0 minutes): the rate is 1 or more"),
    ({"schedule": "at(2030-13-01T00:00:00)"}, "schedule: at(2030-13-01T00:00:00) is not a date and time"),
    ({"schedule": "every day"}, "schedule: every day; use at("),
    ({"schedule": None}, "schedule: missing"),
    ({"min": None, "max": None}, ": neither min nor max"),
    ({"min": 5, "max": 2}, "max: 2 is below min 5"),
    ({"min": -1}, "min: -1; use tasks"),
    ({"timezone": "Berlin time"}, "timezone: Berlin time; use an IANA time zone name"),
    ({"start_time": "tomorrow"}, "start_time: tomorrow; give a UTC time"),
    ({"start_time": "2030-02-01T00:00:00Z", "end_time": "2030-01-01T00:00:00Z"},
     "end_time: 2030-01-01T00:00:00Z is not after start_time"),
    ({"name": ""}, "name: missing"),
])
def test_bad_scheduled_actions_name_the_variable_and_the_fix(change, expected):
    action = dict(NIGHTS, **change)
    errors = service_spec.input_errors([dict(WEB, autoscaling={"max": 4, "scheduled_actions": [action]})], SETTINGS)
    at = "services_list[0].autoscaling.scheduled_actions[0]" + ("" if expected.startswith(":") else ".")
    assert any(e.startswith(at + expected) for e in errors), (
        expected, errors)


def test_step_policy_and_scheduled_action_names_are_unique_per_service():
    errors = service_spec.input_errors([dict(WEB, autoscaling={
        "max": 4, "step_policies": [STEP, STEP], "scheduled_actions": [NIGHTS, NIGHTS]})], SETTINGS)
    assert "services_list[0].autoscaling.step_policies[1].name: backlog is used by another step policy of the " \
           "service; names are unique per service" in errors
    assert any(e.startswith("services_list[0].autoscaling.scheduled_actions[1].name: nights is used") for e in errors)


def test_planned_groups_name_the_capacity_providers_ecs_instances_makes():
    groups = service_spec.planned_groups([{"name": "ondemand", "instance_type": "m6i.large", "base": 1},
                                          {"name": "spot", "instance_types": ["m7g.large"], "weight": 3}], "demo")
    assert groups == [
        {"capacity_provider": "demo-ondemand", "instance_types": ["m6i.large"], "weight": 1, "base": 1},
        {"capacity_provider": "demo-spot", "instance_types": ["m7g.large"], "weight": 3, "base": 0}]
    assert service_spec.planned_groups([{"name": "x"}], "ecs-prod")[0]["capacity_provider"] == "cp-ecs-prod-x"
    assert service_spec.capacity_provider_architectures(groups) == {"demo-ondemand": ["x86_64"], "demo-spot": ["arm64"]}


def test_deployment_alarms_fail_and_roll_back_deployments():
    settings = dict(SETTINGS, deployment_alarms_enabled=True,
                    load_balancer_arn="arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/demo/abc",
                    target_groups={"web": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/demo-web/def"})
    [alarm] = service_spec.deployment_alarms([WEB, {"name": "agent", "scheduling_strategy": "DAEMON"}], settings)
    assert alarm["name"] == "demo-web-target-5xx" and alarm["threshold"] == 10.0
    assert alarm["dimensions"] == {"LoadBalancer": "app/demo/abc", "TargetGroup": "targetgroup/demo-web/def"}
    web = service_spec.service_item(dict(WEB, deployment_alarms={"alarm_names": ["web-latency"]}), settings)
    assert web["deployment_configuration"]["alarms"] == {
        "alarm_names": ["demo-web-target-5xx", "web-latency"], "enable": True, "rollback": True}
    plain = service_spec.service_item(WEB, SETTINGS)
    assert "alarms" not in plain["deployment_configuration"]
    assert service_spec.deployment_alarms([WEB], SETTINGS) == []


def test_private_registry_credentials_are_read_by_the_execution_role_only():
    token = "arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf"
    svc = dict(WEB, image="registry.example.com/shop/web:1.0", repository_credentials=token)
    [web] = service_spec.task_definition(svc, SETTINGS)["container_definitions"]
    assert web["repositoryCredentials"] == {"credentialsParameter": token}
    assert service_spec.secrets_policy(svc)["Statement"] == [
        {"Sid": "ReadServiceSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": [token]}]
    errors = _errors(dict(svc, repository_credentials="arn:aws:ssm:us-east-1:1:parameter/registry"))
    assert errors == ["services_list[0].repository_credentials: arn:aws:ssm:us-east-1:1:parameter/registry is not a "
                      "Secrets Manager secret ARN; store the registry's username and password as a secret and give "
                      "its ARN"]


def test_published_facts_take_each_arn_from_what_the_run_registered():
    services = [{"name": "web"}, {"name": "api"}, {"name": "worker"}]
    deployed = {"services": [{"name": "web", "service_arn": "arn:svc/web", "task_definition_arn": "arn:td/web:1"},
                             {"name": "api", "service_arn": "arn:svc/api", "task_definition_arn": "arn:td/api:3"}]}
    task_definitions = [{"item": [{"name": "web"}, {}, {}], "task_definition_arn": "arn:td/web:2"},
                        {"item": [{"name": "api"}, {}, {}], "skipped": True},
                        {"item": [{"name": "worker"}, {}, {}], "failed": True}]
    settings = {"target_groups": {"web": "arn:tg/web"}, "log_group_prefix": "/shop/services/"}
    assert service_spec.published(services, settings, deployed, task_definitions) == [
        {"name": "web", "service_arn": "arn:svc/web", "task_definition_arn": "arn:td/web:2",
         "target_group_arn": "arn:tg/web", "log_group": "/shop/services/web"},
        {"name": "api", "service_arn": "arn:svc/api", "task_definition_arn": "arn:td/api:3",
         "target_group_arn": "", "log_group": "/shop/services/api"},
        {"name": "worker", "service_arn": "", "task_definition_arn": "", "target_group_arn": "",
         "log_group": "/shop/services/worker"},
    ]


def test_a_service_runs_the_revision_the_role_registered_and_looks_up_a_family_it_did_not():
    # One ecs_task_definition call for every family; check mode on a new family returns no ARN.
    registered = [{"family": "demo-web", "task_definition_arn": "arn:td/demo-web:4"}, {"family": "demo-api"}]
    settings = dict(SETTINGS, family_prefix="demo-", task_definitions=registered)
    web, api = service_spec.service_items([WEB, API], settings)
    assert web["task_definition"] == "arn:td/demo-web:4"
    assert api["task_definition"] == "demo-api"
    assert service_spec.service_item(WEB, dict(SETTINGS, family_prefix="demo-"))["task_definition"] == "demo-web"


def test_published_facts_of_a_run_that_deployed_nothing_are_empty():
    # Check mode on a new account: ecs_service returns no services and no task definition was registered.
    assert service_spec.published([{"name": "web"}], {"log_group_prefix": "/x/"}, {"changed": True}, None) == [
        {"name": "web", "service_arn": "", "task_definition_arn": "", "target_group_arn": "", "log_group": "/x/web"}]
    assert service_spec.published([], None, None, None) == []


def test_ecr_repositories_are_immutable_scanned_kms_encrypted_and_expire_old_images():
    settings = dict(SETTINGS, stack_name="demo", ecr_kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/default")
    api, worker = service_spec.ecr_repositories([
        {"name": "api"},
        {"name": "team/worker", "image_tag_mutability": "mutable", "scan_on_push": False, "keep_images": 5,
         "untagged_days": 1, "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/own"}], settings)
    assert api == {
        "name": "demo/api", "image_tag_mutability": "IMMUTABLE", "scan_on_push": True, "encryption_type": "KMS",
        "kms_key": "arn:aws:kms:us-east-1:123456789012:key/default",
        "tags": {"cloudops:stack": "demo", "Name": "demo/api"},
        "lifecycle_policy": {"rules": [
            {"rulePriority": 1, "description": "untagged images expire after 7 days",
             "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                           "countNumber": 7}, "action": {"type": "expire"}},
            {"rulePriority": 2, "description": "only the newest 30 images are kept",
             "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
             "action": {"type": "expire"}}]}}
    assert worker["name"] == "demo/team/worker" and worker["image_tag_mutability"] == "MUTABLE"
    assert worker["scan_on_push"] is False and worker["kms_key"].endswith("key/own")
    assert [r["selection"]["countNumber"] for r in worker["lifecycle_policy"]["rules"]] == [1, 5]
    own = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                                       "countNumber": 3}, "action": {"type": "expire"}}]}
    [mine] = service_spec.ecr_repositories([{"name": "x", "lifecycle_policy": own}], dict(SETTINGS, stack_name="demo"))
    assert mine["lifecycle_policy"] == own and "kms_key" not in mine  # the AWS managed key


@pytest.mark.parametrize("repo, expected", [
    ({"name": "API"}, "services_ecr_repositories[0].name: API; use lowercase letters"),
    ({"name": "a//b"}, "services_ecr_repositories[0].name: a//b"),
    ({}, "services_ecr_repositories[0].name: missing"),
    ({"name": "x" * 260}, "gives the repository demo/xxx"),
    ({"name": "api", "image_tag_mutability": "sometimes"}, "services_ecr_repositories[0].image_tag_mutability: sometimes"),
    ({"name": "api", "scan_on_push": "yes"}, "services_ecr_repositories[0].scan_on_push: yes"),
    ({"name": "api", "kms_key_arn": "alias/mine"}, "services_ecr_repositories[0].kms_key_arn: alias/mine"),
    ({"name": "api", "keep_images": 0}, "services_ecr_repositories[0].keep_images: 0; use images"),
    ({"name": "api", "untagged_days": -1}, "services_ecr_repositories[0].untagged_days: -1; use days"),
    ({"name": "api", "lifecycle_policy": {"rules": []}}, "services_ecr_repositories[0].lifecycle_policy: give an ECR"),
    ({"name": "api", "keep_images": 3, "lifecycle_policy": {"rules": [{"rulePriority": 1}]}},
     "services_ecr_repositories[0].lifecycle_policy: given with keep_images/untagged_days"),
])
def test_bad_ecr_repositories_name_the_variable_and_the_fix(repo, expected):
    errors = service_spec.ecr_input_errors([repo], dict(SETTINGS, stack_name="demo"))
    assert any(expected in e for e in errors), (expected, errors)


def test_ecr_repository_names_are_unique():
    assert service_spec.ecr_input_errors([{"name": "api"}, {"name": "api"}], dict(SETTINGS, stack_name="demo")) == [
        "services_ecr_repositories[1].name: api is listed twice; repository names are unique"]
    assert service_spec.ecr_input_errors([{"name": "api"}, {"name": "team/worker"}], SETTINGS) == []


def test_iam_roles_give_each_service_an_execution_and_a_task_role_with_only_what_it_needs():
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
    secret = "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf"
    services = [{"name": "web", "image": "nginx"},
                {"name": "api", "image": "python", "secrets": {"DB": secret}, "enable_execute_command": True}]
    roles = service_spec.iam_roles(services, SETTINGS, trust, {})
    assert [r["name"] for r in roles] == ["demo-web-execution", "demo-web-task", "demo-api-execution", "demo-api-task"]
    assert all(r["assume_role_policy"] == trust for r in roles)
    assert roles[0]["managed_policies"] == [
        "arn:aws-us-gov:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
    assert roles[0]["inline_policies"] == {} and roles[1]["inline_policies"] == {} and roles[1]["managed_policies"] == []
    assert roles[2]["inline_policies"] == {"read-service-secrets": service_spec.secrets_policy(services[1])}
    assert roles[3]["inline_policies"] == {"service-permissions": service_spec.task_policy(services[1], SETTINGS, {})}
    assert roles[2]["tags"] == {"cloudops:stack": "demo", "Name": "demo-api-execution"}
    assert roles[3]["description"] == "ECS task role of demo-api"


def test_role_names_stay_within_iam_limits():
    names = service_spec.role_names({"name": "x" * 80}, SETTINGS)
    assert len(names["execution"]) == 60 and names["execution"].endswith("-execution")
    assert len(names["task"]) == 60 and names["task"].endswith("-task")


def test_published_facts_read_task_definitions_of_a_loop_over_the_services():
    published = service_spec.published([{"name": "web"}], SETTINGS, {},
                                       [{"item": {"name": "web"}, "task_definition_arn": "arn:td/web:3"}])
    assert published[0]["task_definition_arn"] == "arn:td/web:3"


def test_task_definitions_of_every_service_carry_their_roles_arns_when_the_roles_exist():
    roles = {"demo-web-execution": {"arn": "arn:role/demo-web-execution"}, "demo-web-task": {"arn": "arn:role/demo-web-task"},
             "demo-api-execution": {"arn": ""}}
    web, api = service_spec.task_definitions([{"name": "web", "image": "nginx", "memory": 64},
                                              {"name": "api", "image": "python", "memory": 64}], SETTINGS, {}, roles, "5")
    assert web["family"] == "demo-web" and web["keep_revisions"] == 5
    assert web["execution_role_arn"] == "arn:role/demo-web-execution" and web["task_role_arn"] == "arn:role/demo-web-task"
    assert "execution_role_arn" not in api and "task_role_arn" not in api
    assert service_spec.published([{"name": "web"}], SETTINGS, {}, [{"family": "demo-web", "task_definition_arn": "arn:td/demo-web:2"}])[
        0]["task_definition_arn"] == "arn:td/demo-web:2"
