# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The services role's inputs (services_list items, snake_case) turned into ECS payloads: task
definitions (the main container, sidecars, a FireLens log router, tmpfs, bind, EFS and EBS volumes,
placement from the CPU architecture), ecs_service items, IAM policies, EFS access points and task
security groups; and every input checked, with errors that name the variable, the value and the fix.

Pure functions over plain dicts, no I/O. `settings` carries the role's own inputs and what earlier
roles published (see `SETTINGS_DEFAULTS`); the filter plugin `cloudops.ecs.services` exposes them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cloudops.ecs.plugins.module_utils.arn import partition_of_region

SETTINGS_DEFAULTS = {
    "state": "present",
    "stack_name": "",
    "region": "",
    "partition": "aws",
    "account_id": "",
    "cluster_name": "",
    "vpc_id": "",
    "subnet_ids": [],
    "security_group_ids": [],
    "listener_arn": "",
    # The load balancer's test listener (blue/green test traffic); empty: none.
    "test_listener_arn": "",
    "name_prefix": "",
    "family_prefix": "",
    "log_group_prefix": "",
    "tags": {},
    "default_desired_count": 1,
    "default_min_percent": 100,
    "default_max_percent": 200,
    "default_health_check_grace_period": 30,
    "placement_strategy": [],
    "capacity_provider_strategy": [],
    # The cluster's default strategy (used when neither the service nor the role sets one).
    "cluster_capacity_provider_strategy": [],
    # capacity provider -> CPU architectures its instances can have (x86_64, arm64); empty: unknown.
    "capacity_provider_architectures": {},
    "efs_file_system_id": "",
    # The stack's file system will exist (it is not created yet in check mode on an empty account).
    "efs_enabled": False,
    "firelens_image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
    "target_groups": {},
    # The role's cloudops.ecs.ecs_task_definition results: a service runs the revision they name (no lookup of the
    # family's latest revision); a family they do not name yet (check mode) is looked up by the service module.
    "task_definitions": [],
    "default_deregistration_delay": 30,
    "load_balancer_arn": "",
    # CloudWatch alarm on the target group's 5XX responses of every load-balanced service, failing (and rolling
    # back) its deployments; and its threshold (responses per minute).
    "deployment_alarms_enabled": False,
    "deployment_alarm_5xx_threshold": 10,
    # service name -> id of the security group the role made for its awsvpc tasks.
    "task_security_groups": {},
    # Default KMS key of the ECR repositories the role makes (empty: the AWS managed key aws/ecr).
    "ecr_kms_key_arn": "",
    # The cluster's ECS Exec configuration (the ecs_cluster role's facts): the KMS key of the exec data channel and
    # the log group of the session logs, which the task role of a service with ECS Exec must be able to use.
    "exec_kms_key_arn": "",
    "exec_log_group_name": "",
    # Deployments: the strategy and bake time of services that set none; service name -> ARN of its alternate
    # target group and of its production (and test) listener rule (traffic-shifting services).
    "default_deployment_strategy": "rolling",
    "default_bake_time": 5,
    # KMS key of the services' EBS task volumes that name none (empty: the account's EBS key, aws/ebs).
    "ebs_kms_key_arn": "",
    "alternate_target_groups": {},
    # service name -> the target group its listener rule forwards all traffic to (rule_target_groups()): a rolling
    # service whose rule keeps serving from its alternate group serves from that group.
    "serving_target_groups": {},
    "production_listener_rules": {},
    "test_listener_rules": {},
}

# services_list deployment_strategy -> ECS deploymentConfiguration.strategy.
DEPLOYMENT_STRATEGIES = {"rolling": "ROLLING", "blue_green": "BLUE_GREEN", "linear": "LINEAR", "canary": "CANARY"}
HOOK_STAGES = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
               "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT")
HOOK_TYPES = ("lambda", "pause")
LAMBDA_FUNCTION_RE = re.compile(r"^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$")
IAM_ROLE_RE = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
# The role ECS assumes to shift traffic on the load balancer (the AWS managed policy for it) and the one it assumes to
# invoke the lifecycle hooks' functions, one each per stack.
LOAD_BALANCER_ROLE_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")
SERVICE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$")
SECRET_ARN_RE = re.compile(r"^arn:[^:]+:(secretsmanager|ssm):")
SECRETS_MANAGER_ARN_RE = re.compile(r"^arn:[^:]+:secretsmanager:")
SSM_ARN_RE = re.compile(r"^arn:[^:]+:ssm:")

# ECS's cpuArchitecture -> the container-instance attribute ecs.cpu-architecture.
ARCHITECTURES = {"X86_64": "x86_64", "ARM64": "arm64"}
DEPENDS_ON_CONDITIONS = ("START", "COMPLETE", "SUCCESS", "HEALTHY")
VOLUME_TYPES = ("bind", "efs", "ebs")
# EBS volume types ECS attaches to tasks: size range (GiB), IOPS range (None: not settable; io1/io2 require it) and
# throughput range (MiB/s, gp3 only), as the EBS user guide gives them.
EBS_VOLUME_TYPES = {
    "gp3": {"size": (1, 16384), "iops": (3000, 16000), "throughput": (125, 1000)},
    "gp2": {"size": (1, 16384), "iops": None, "throughput": None},
    "io1": {"size": (4, 16384), "iops": (100, 64000), "throughput": None},
    "io2": {"size": (4, 65536), "iops": (100, 256000), "throughput": None},
    "st1": {"size": (125, 16384), "iops": None, "throughput": None},
    "sc1": {"size": (125, 16384), "iops": None, "throughput": None},
    "standard": {"size": (1, 1024), "iops": None, "throughput": None},
}
EBS_FILESYSTEM_TYPES = ("ext3", "ext4", "xfs")
# The role ECS creates, attaches and deletes the tasks' EBS volumes with (one per stack) and its AWS managed policy.
VOLUME_ROLE_POLICY = "AmazonECSInfrastructureRolePolicyForVolumes"
FIRELENS_TYPES = ("fluentbit", "fluentd")
LOG_ROUTER = "log-router"
PLACEMENT_STRATEGY_TYPES = ("spread", "binpack", "random")
PLACEMENT_CONSTRAINT_TYPES = ("distinctInstance", "memberOf")
ADJUSTMENT_TYPES = ("ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity")
METRIC_AGGREGATION_TYPES = ("Average", "Minimum", "Maximum")
ALARM_STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
ALARM_ABOVE = ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold")
ALARM_BELOW = ("LessThanThreshold", "LessThanOrEqualToThreshold")
MISSING_DATA = ("missing", "notBreaching", "breaching", "ignore")
SCALING_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Application Auto Scaling schedules: at(yyyy-mm-ddThh:mm:ss), rate(value unit), cron(6 fields).
AT_RE = re.compile(r"^at\((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\)$")
RATE_RE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON_RE = re.compile(r"^cron\((.*)\)$")
CRON_FIELD_RE = re.compile(r"^[0-9A-Za-z*?,/#L W-]+$")
ISO_TIME_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(Z|[+-]00:?00)?$")
ECR_NAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
ECR_TAG_MUTABILITY = ("IMMUTABLE", "MUTABLE")
DEFAULT_ECR_KEEP_IMAGES = 30
DEFAULT_ECR_UNTAGGED_DAYS = 7
TIMEZONE_RE = re.compile(r"^(UTC|[A-Za-z][A-Za-z_+-]*(/[A-Za-z0-9_+-]+){0,2})$")
DEFAULT_TMPFS_SIZE = 64
DEFAULT_POSIX_ID = 1000
ECS_EXEC_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
# A logged ECS Exec session (the cluster's executeCommandConfiguration with a log group): the SSM agent in the task
# checks the log group (DescribeLogGroups is authorized on the account's log groups, never on one group) and writes
# the session to a stream of it.
ECS_EXEC_LOG_LOOKUP_ACTIONS = ["logs:DescribeLogGroups"]
ECS_EXEC_LOG_ACTIONS = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
# An encrypted session (the cluster's executeCommandConfiguration with a KMS key).
ECS_EXEC_KMS_ACTIONS = ["kms:Decrypt"]


def _settings(settings):
    merged = dict(SETTINGS_DEFAULTS)
    merged.update(dict((k, v) for k, v in (settings or {}).items() if v is not None))
    return merged


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _as_list(value):
    if value in (None, ""):
        return []
    return [value] if isinstance(value, str) else list(value)


# -- containers -------------------------------------------------------------------------------------


def containers(svc, settings=None):
    """The container inputs of a service, in task order: the main container (named after the service,
    from the service-level container keys, always essential), then the sidecars, then the FireLens
    log router when `firelens` is set."""
    settings = _settings(settings)
    main = dict((k, v) for k, v in svc.items() if k not in ("sidecars", "name"))
    main["name"] = svc.get("name")
    main["essential"] = True
    out = [main] + [dict(sidecar) for sidecar in svc.get("sidecars") or []]
    firelens = svc.get("firelens")
    if firelens:
        out.append({
            "name": LOG_ROUTER,
            "image": firelens.get("image") or settings["firelens_image"],
            "essential": True,
            "memory_reservation": _int(firelens.get("memory_reservation"), 50),
            "read_only_root_filesystem": False,
            "_firelens": firelens,
        })
    return out


def _port_mappings(container):
    mappings = []
    if container.get("container_port"):
        mappings.append({"containerPort": _int(container["container_port"]), "protocol": "tcp"})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            mapping = {"containerPort": _int(port.get("container_port")),
                       "protocol": str(port.get("protocol") or "tcp").lower()}
            if port.get("host_port") is not None:
                mapping["hostPort"] = _int(port["host_port"])
            if port.get("name"):
                mapping["name"] = port["name"]
        else:
            mapping = {"containerPort": _int(port), "protocol": "tcp"}
        mappings.append(mapping)
    return mappings


def _log_configuration(svc, container, settings):
    firelens = svc.get("firelens")
    if firelens and container["name"] != LOG_ROUTER:
        options = dict((k, str(v)) for k, v in (firelens.get("log_options") or {}).items())
        if not options:
            # Route to the service's log group through the router (Fluent Bit's cloudwatch_logs output).
            options = {
                "Name": "cloudwatch_logs",
                "region": settings["region"],
                "log_group_name": settings["log_group_prefix"] + svc["name"],
                "log_stream_prefix": container["name"] + "/",
                "auto_create_group": "false",
            }
        return {"logDriver": "awsfirelens", "options": options}
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": settings["log_group_prefix"] + svc["name"],
            "awslogs-region": settings["region"],
            "awslogs-stream-prefix": container["name"],
        },
    }


def container_definition(svc, container, settings=None):
    """One containerDefinitions item (ECS API shape) of `container` (an item of `containers(svc)`)."""
    settings = _settings(settings)
    definition = {
        "name": container["name"],
        "image": container.get("image"),
        "essential": bool(container.get("essential", True)),
        "readonlyRootFilesystem": bool(container.get("read_only_root_filesystem", True)),
        "logConfiguration": _log_configuration(svc, container, settings),
    }
    for key, api in (("cpu", "cpu"), ("memory", "memory"), ("memory_reservation", "memoryReservation"),
                     ("stop_timeout", "stopTimeout"), ("start_timeout", "startTimeout")):
        if container.get(key) is not None:
            definition[api] = _int(container[key])
    if container.get("user") is not None:
        definition["user"] = str(container["user"])
    for key, api in (("command", "command"), ("entry_point", "entryPoint")):
        if container.get(key):
            definition[api] = [str(item) for item in container[key]]
    if container.get("working_directory"):
        definition["workingDirectory"] = container["working_directory"]
    mappings = _port_mappings(container)
    if mappings:
        definition["portMappings"] = mappings
    if container.get("environment"):
        definition["environment"] = [{"name": k, "value": str(v)} for k, v in sorted(container["environment"].items())]
    if container.get("secrets"):
        definition["secrets"] = [{"name": k, "valueFrom": v} for k, v in sorted(container["secrets"].items())]
    health = container.get("health_check")
    if health:
        check = {"command": list(health.get("command") or [])}
        for key, api in (("interval", "interval"), ("timeout", "timeout"), ("retries", "retries"),
                         ("start_period", "startPeriod")):
            if health.get(key) is not None:
                check[api] = _int(health[key])
        definition["healthCheck"] = check
    if container.get("depends_on"):
        definition["dependsOn"] = [
            {"containerName": item.get("container"), "condition": str(item.get("condition") or "START").upper()}
            for item in container["depends_on"]
        ]
    if container.get("links"):
        definition["links"] = list(container["links"])
    if container.get("mount_points"):
        definition["mountPoints"] = [
            {"sourceVolume": mount.get("volume"), "containerPath": mount.get("path"),
             "readOnly": bool(mount.get("read_only", False))}
            for mount in container["mount_points"]
        ]
    if container.get("tmpfs"):
        definition["linuxParameters"] = {"tmpfs": [
            dict({"containerPath": item.get("path"), "size": _int(item.get("size"), DEFAULT_TMPFS_SIZE)},
                 **({"mountOptions": list(item["mount_options"])} if item.get("mount_options") else {}))
            for item in container["tmpfs"]
        ]}
    if container.get("repository_credentials"):
        definition["repositoryCredentials"] = {"credentialsParameter": container["repository_credentials"]}
    if container.get("docker_labels"):
        definition["dockerLabels"] = dict((k, str(v)) for k, v in container["docker_labels"].items())
    if container.get("_firelens"):
        firelens = container["_firelens"]
        config = {"type": str(firelens.get("type") or "fluentbit")}
        if firelens.get("options"):
            config["options"] = dict((k, str(v)) for k, v in firelens["options"].items())
        definition["firelensConfiguration"] = config
    return definition


# -- task definitions -------------------------------------------------------------------------------


def efs_access_point_name(svc, volume, settings=None):
    settings = _settings(settings)
    return "%s%s-%s" % (settings["name_prefix"], svc["name"], volume["name"])


def efs_access_points(services, settings=None):
    """The EFS access points the role creates: one per EFS volume of a service (its own directory,
    owned by the volume's POSIX user), on the volume's file system or the stack's."""
    settings = _settings(settings)
    points = []
    for svc in services:
        for volume in svc.get("volumes") or []:
            if volume.get("type") != "efs":
                continue
            uid = _int(volume.get("uid"), DEFAULT_POSIX_ID)
            gid = _int(volume.get("gid"), uid)
            points.append({
                "service": svc["name"],
                "volume": volume["name"],
                "name": efs_access_point_name(svc, volume, settings),
                "file_system_id": volume.get("file_system_id") or settings["efs_file_system_id"],
                "root_directory": volume.get("root_directory") or "/%s/%s" % (svc["name"], volume["name"]),
                "uid": uid,
                "gid": gid,
                "read_only": bool(volume.get("read_only", False)),
            })
    return points


def task_volumes(svc, settings=None, access_points=None):
    """The task definition's volumes. `access_points`: access point name -> id (created by the role)."""
    settings = _settings(settings)
    access_points = access_points or {}
    volumes = []
    for volume in svc.get("volumes") or []:
        if volume.get("type") == "efs":
            config = {
                "fileSystemId": volume.get("file_system_id") or settings["efs_file_system_id"],
                "transitEncryption": "ENABLED",
                "authorizationConfig": {"iam": "ENABLED"},
            }
            point = access_points.get(efs_access_point_name(svc, volume, settings))
            if point:
                config["authorizationConfig"]["accessPointId"] = point
            volumes.append({"name": volume["name"], "efsVolumeConfiguration": config})
        elif volume.get("type") == "ebs":
            # The volume itself comes with the service's volumeConfigurations (one per task).
            volumes.append({"name": volume["name"], "configuredAtLaunch": True})
        elif volume.get("host_path"):
            volumes.append({"name": volume["name"], "host": {"sourcePath": volume["host_path"]}})
        else:
            # A task-scoped Docker volume the task's containers share (empty at start).
            volumes.append({"name": volume["name"]})
    return volumes


def architecture_constraints(svc):
    arch = svc.get("cpu_architecture")
    if not arch:
        return []
    return [{"type": "memberOf",
             "expression": "attribute:ecs.cpu-architecture == %s" % ARCHITECTURES.get(str(arch).upper(), arch)}]


def task_definition(svc, settings=None, execution_role_arn=None, task_role_arn=None, access_points=None):
    """The cloudops.ecs.ecs_task_definition arguments of a service."""
    settings = _settings(settings)
    args = {
        "family": settings["family_prefix"] + svc["name"],
        "network_mode": svc.get("network_mode") or "bridge",
        "container_definitions": [container_definition(svc, c, settings) for c in containers(svc, settings)],
        "volumes": task_volumes(svc, settings, access_points),
        "placement_constraints": architecture_constraints(svc),
        "tags": dict(settings["tags"], Name=settings["family_prefix"] + svc["name"]),
    }
    if svc.get("cpu_architecture"):
        args["runtime_platform"] = {"cpuArchitecture": str(svc["cpu_architecture"]).upper(),
                                    "operatingSystemFamily": "LINUX"}
    if execution_role_arn:
        args["execution_role_arn"] = execution_role_arn
    if task_role_arn:
        args["task_role_arn"] = task_role_arn
    return args


def task_definitions(services, settings=None, access_points=None, roles=None, keep_revisions=None):
    """The task_definitions items of one cloudops.ecs.ecs_task_definition call for every service, with the ARNs of
    its roles from a cloudops.ecs.iam_roles result's `roles` (none while they do not exist, in check mode)."""
    roles = roles or {}
    items = []
    for svc in services or []:
        names = role_names(svc, settings)
        item = task_definition(svc, settings, (roles.get(names["execution"]) or {}).get("arn"),
                               (roles.get(names["task"]) or {}).get("arn"), access_points)
        if keep_revisions is not None:
            item["keep_revisions"] = int(keep_revisions)
        items.append(item)
    return items


# -- services ---------------------------------------------------------------------------------------


def effective_capacity_provider_strategy(svc, settings=None):
    settings = _settings(settings)
    return list(svc.get("capacity_provider_strategy") or settings["capacity_provider_strategy"]
                or settings["cluster_capacity_provider_strategy"] or [])


def service_item(svc, settings=None):
    """The cloudops.ecs.ecs_service item of a service (settings["target_groups"]: name -> ARN)."""
    settings = _settings(settings)
    if settings["state"] == "absent":
        return {"name": svc["name"], "state": "absent"}
    strategy = svc.get("scheduling_strategy") or "REPLICA"
    daemon = strategy == "DAEMON"
    min_default = 0 if daemon else settings["default_min_percent"]
    max_default = 100 if daemon else settings["default_max_percent"]
    spec = {
        "name": svc["name"],
        "state": settings["state"],
        "task_definition": registered_task_definitions(settings["task_definitions"], settings).get(
            svc["name"], {}).get("task_definition_arn") or settings["family_prefix"] + svc["name"],
        "scheduling_strategy": strategy,
        "deployment_configuration": dict(deployment_settings(svc, settings), **{
            "minimum_healthy_percent": _int(svc.get("min_percent", min_default)),
            "maximum_percent": _int(svc.get("max_percent", max_default)),
            "circuit_breaker": {"enable": True, "rollback": True},
        }),
        "placement_constraints": [dict(c) for c in svc.get("placement_constraints") or []],
        "enable_execute_command": bool(svc.get("enable_execute_command", False)),
        "propagate_tags": "SERVICE",
        "tags": dict(settings["tags"], Name=settings["name_prefix"] + svc["name"]),
    }
    if not daemon:
        strategy_items = svc.get("placement_strategy") or settings["placement_strategy"] or []
        spec["placement_strategy"] = [dict(item) for item in strategy_items]
        if svc.get("autoscaling") is not None:
            scaling = svc["autoscaling"] or {}
            spec["desired_count"] = _int(svc.get("desired_count", scaling.get("min", 1)))
            spec["desired_count_owner"] = "autoscaling"
        else:
            spec["desired_count"] = _int(svc.get("desired_count", settings["default_desired_count"]))
    alarm_names = deployment_alarm_names(svc, settings)
    if alarm_names:
        spec["deployment_configuration"]["alarms"] = {
            "alarm_names": alarm_names, "enable": True,
            "rollback": bool((svc.get("deployment_alarms") or {}).get("rollback", True))}
    capacity = svc.get("capacity_provider_strategy") or settings["capacity_provider_strategy"]
    if capacity:
        spec["capacity_provider_strategy"] = [dict(item) for item in capacity]
    target_group = settings["target_groups"].get(svc["name"])
    if svc.get("listener_rule") is not None and target_group:
        spec["load_balancers"] = [{"target_group_arn": target_group, "container_name": svc["name"],
                                   "container_port": _int(svc.get("container_port"))}]
        if shifts_traffic(svc, settings):
            # Check mode before the alternate group and the rule exist: what they will be called.
            advanced = {
                "alternate_target_group_arn": settings["alternate_target_groups"].get(svc["name"]) or (
                    "(target group %s, to be created)" % alternate_target_group_name(svc, settings)),
                "production_listener_rule": settings["production_listener_rules"].get(svc["name"]) or (
                    "(listener rule %s, to be created)" % _int((svc.get("listener_rule") or {}).get("priority"))),
                "role_arn": _role_arn(load_balancer_role_name(settings), settings),
            }
            if settings["test_listener_rules"].get(svc["name"]):
                advanced["test_listener_rule"] = settings["test_listener_rules"][svc["name"]]
            spec["load_balancers"][0]["advanced_configuration"] = advanced
        spec["health_check_grace_period_seconds"] = _int(
            svc.get("health_check_grace_period", settings["default_health_check_grace_period"]))
    else:
        spec["load_balancers"] = []
    volume_configurations = ebs_volume_configurations(svc, settings)
    if volume_configurations:
        spec["volume_configurations"] = volume_configurations
    if (svc.get("network_mode") or "bridge") == "awsvpc":
        groups = list(svc.get("security_group_ids") or settings["security_group_ids"]
                      or _as_list(settings["task_security_groups"].get(svc["name"])))
        spec["network_configuration"] = {"subnets": list(svc.get("subnet_ids") or settings["subnet_ids"]),
                                         "security_groups": groups, "assign_public_ip": False}
    return spec


def deployment_strategy(svc, settings=None):
    """The ECS strategy of a service (ROLLING, BLUE_GREEN, LINEAR, CANARY)."""
    settings = _settings(settings)
    if svc.get("deployment_strategy") is None and svc.get("listener_rule") is None:
        return "ROLLING"  # the default strategy is for load-balanced services
    return DEPLOYMENT_STRATEGIES.get(str(svc.get("deployment_strategy") or settings["default_deployment_strategy"]),
                                     "ROLLING")


def shifts_traffic(svc, settings=None):
    """A load-balanced service whose deployments shift traffic between two target groups."""
    return svc.get("listener_rule") is not None and deployment_strategy(svc, settings) != "ROLLING"


def alternate_target_group_name(svc, settings=None):
    settings = _settings(settings)
    return "%s-alt" % (settings["name_prefix"] + svc["name"])[:28].rstrip("-")


def load_balancer_role_name(settings=None):
    return "%s-ecs-load-balancers" % _settings(settings)["stack_name"]


def hook_role_name(settings=None):
    return "%s-ecs-lifecycle-hooks" % _settings(settings)["stack_name"]


def _role_arn(name, settings):
    return "arn:%s:iam::%s:role/%s" % (settings["partition"], settings["account_id"], name)


def load_balancer_role_policy_arn(settings=None):
    """The AWS managed policy of the role ECS shifts load balancer traffic with, in this partition."""
    return "arn:%s:iam::aws:policy/%s" % (_settings(settings)["partition"], LOAD_BALANCER_ROLE_POLICY)


def volume_role_name(settings=None):
    return "%s-ecs-volumes" % _settings(settings)["stack_name"]


def volume_role_policy_arn(settings=None):
    """The AWS managed policy of the role ECS manages task EBS volumes with, in this partition."""
    return "arn:%s:iam::aws:policy/service-role/%s" % (_settings(settings)["partition"], VOLUME_ROLE_POLICY)


def ebs_volumes(svc):
    return [v for v in svc.get("volumes") or [] if v.get("type") == "ebs"]


def uses_ebs(services):
    return any(ebs_volumes(svc) for svc in services or [])


def ebs_kms_key(volume, settings=None):
    """The KMS key of an encrypted EBS volume: its own, else the role's (empty: the account's EBS key)."""
    return volume.get("kms_key_id") or _settings(settings)["ebs_kms_key_arn"]


def ebs_volume_configurations(svc, settings=None):
    """The ecs_service volume_configurations of a service: one managed EBS volume per task for its EBS volume."""
    settings = _settings(settings)
    items = []
    for volume in ebs_volumes(svc):
        managed = {
            "role_arn": _role_arn(volume_role_name(settings), settings),
            "volume_type": volume.get("volume_type") or "gp3",
            "encrypted": bool(volume.get("encrypted", True)),
            "filesystem_type": volume.get("filesystem_type") or "xfs",
            "tag_specifications": [{"resource_type": "volume", "propagate_tags": "SERVICE",
                                    "tags": dict(settings["tags"], Name="%s%s-%s" % (
                                        settings["name_prefix"], svc["name"], volume["name"]))}],
        }
        if volume.get("size_gib") is not None:
            managed["size_in_gib"] = _int(volume["size_gib"])
        for key, option in (("iops", "iops"), ("throughput", "throughput"), ("snapshot_id", "snapshot_id"),
                            ("volume_initialization_rate", "volume_initialization_rate")):
            if volume.get(key) is not None:
                managed[option] = volume[key] if key == "snapshot_id" else _int(volume[key])
        if managed["encrypted"] and ebs_kms_key(volume, settings):
            managed["kms_key_id"] = ebs_kms_key(volume, settings)
        items.append({"name": volume["name"], "managed_ebs_volume": managed})
    return items


def hook_functions(services, settings=None):
    """The Lambda functions of the lifecycle hooks that use the stack's hook role (no role_arn of their own)."""
    functions = set()
    for svc in services or []:
        if deployment_strategy(svc, settings) == "ROLLING":
            continue
        for hook in svc.get("lifecycle_hooks") or []:
            if (hook.get("type") or "lambda") == "lambda" and not hook.get("role_arn") and hook.get("function_arn"):
                functions.add(hook["function_arn"])
    return sorted(functions)


def hook_role_policy(services, settings=None):
    """The stack's hook role's policy: lambda:InvokeFunction on exactly the hooks' functions."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "InvokeLifecycleHooks", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
        "Resource": hook_functions(services, settings)}]}


def deployment_roles(services, settings=None, trust_policy=None):
    """The cloudops.ecs.iam_roles items of the roles ECS itself assumes for the services, those they need: shifting
    load balancer traffic (blue_green, linear, canary), invoking the lifecycle hooks' functions, managing EBS task
    volumes. Converged in the same call as the services' task roles."""
    settings = _settings(settings)
    services = services or []
    wanted = []
    if any(shifts_traffic(svc, settings) for svc in services):
        wanted.append((load_balancer_role_name(settings), "ECS modifies the %s listener rules and target groups in "
                       "deployments" % settings["stack_name"], [load_balancer_role_policy_arn(settings)], {}))
    if hook_functions(services, settings):
        wanted.append((hook_role_name(settings), "ECS invokes the %s deployment lifecycle hooks" % settings["stack_name"],
                       [], {"invoke-lifecycle-hooks": hook_role_policy(services, settings)}))
    if uses_ebs(services):
        wanted.append((volume_role_name(settings), "ECS manages the EBS volumes of the %s service tasks"
                       % settings["stack_name"], [volume_role_policy_arn(settings)], {}))
    return [{"name": name, "assume_role_policy": trust_policy, "description": description, "managed_policies": managed,
             "inline_policies": inline, "tags": dict(settings["tags"], Name=name)}
            for name, description, managed, inline in wanted]


def deployment_settings(svc, settings=None):
    """The strategy part of the service's ecs_service deployment_configuration."""
    settings = _settings(settings)
    strategy = deployment_strategy(svc, settings)
    config = {"strategy": strategy}
    if strategy == "ROLLING":
        return config
    config["bake_time_in_minutes"] = _int(svc.get("bake_time", settings["default_bake_time"]))
    if strategy == "LINEAR":
        linear = svc.get("linear") or {}
        config["linear"] = {"step_percent": float(linear.get("step_percent", 10.0)),
                            "step_bake_time_in_minutes": _int(linear.get("step_bake_time", 6))}
    if strategy == "CANARY":
        canary = svc.get("canary") or {}
        config["canary"] = {"canary_percent": float(canary.get("percent", 5.0)),
                            "canary_bake_time_in_minutes": _int(canary.get("bake_time", 10))}
    hooks = []
    for hook in svc.get("lifecycle_hooks") or []:
        item = {"lifecycle_stages": list(_as_list(hook.get("stages")))}
        if (hook.get("type") or "lambda") == "pause":
            item["target_type"] = "PAUSE"
        else:
            item["target_type"] = "AWS_LAMBDA"
            item["hook_target_arn"] = hook.get("function_arn")
            item["role_arn"] = hook.get("role_arn") or _role_arn(hook_role_name(settings), settings)
        if hook.get("timeout_minutes") is not None:
            item["timeout_in_minutes"] = _int(hook["timeout_minutes"])
        if hook.get("timeout_action"):
            item["timeout_action"] = str(hook["timeout_action"]).upper()
        hooks.append(item)
    config["lifecycle_hooks"] = hooks
    return config


def service_items(services, settings=None):
    return [service_item(svc, settings) for svc in services]


def deployment_alarm_names(svc, settings=None):
    """The alarms that fail a deployment of the service: its own `deployment_alarms.alarm_names` and, when
    enabled and load balanced, the role's 5XX alarm."""
    settings = _settings(settings)
    names = list((svc.get("deployment_alarms") or {}).get("alarm_names") or [])
    if settings["deployment_alarms_enabled"] and svc.get("listener_rule") is not None:
        names.append("%s%s-target-5xx" % (settings["name_prefix"], svc["name"]))
    return sorted(set(names))


def deployment_alarms(services, settings=None):
    """The CloudWatch alarms the role makes: the target group's 5XX responses of each load-balanced service
    (cloudops.ecs.cloudwatch_stack_alarms alarms items; dimensions empty until the target group exists)."""
    settings = _settings(settings)
    if not settings["deployment_alarms_enabled"] or settings["state"] != "present":
        return []
    alarms = []
    for svc in services:
        if svc.get("listener_rule") is None:
            continue
        label = request_count_label(settings["load_balancer_arn"], settings["target_groups"].get(svc["name"]))
        dimensions = {}
        if label:
            load_balancer, target_group = label.split("/targetgroup/", 1)
            dimensions = {"LoadBalancer": load_balancer, "TargetGroup": "targetgroup/" + target_group}
        alarms.append({
            "name": "%s%s-target-5xx" % (settings["name_prefix"], svc["name"]),
            "description": "5XX responses of the %s targets: fails and rolls back its deployments" % (
                settings["name_prefix"] + svc["name"]),
            "namespace": "AWS/ApplicationELB",
            "metric_name": "HTTPCode_Target_5XX_Count",
            "statistic": "Sum",
            "period": 60,
            "evaluation_periods": 1,
            "threshold": float(_int((svc.get("deployment_alarms") or {}).get(
                "target_5xx_threshold", settings["deployment_alarm_5xx_threshold"]), 10)),
            "comparison": "GreaterThanThreshold",
            "treat_missing_data": "notBreaching",
            "dimensions": dimensions,
        })
    return alarms


# -- IAM --------------------------------------------------------------------------------------------


def all_secrets(svc):
    """Every secret ARN the service's containers read: their `secrets` and private registry credentials."""
    found = []
    for container in containers(svc):
        found.extend((container.get("secrets") or {}).values())
        if container.get("repository_credentials"):
            found.append(container["repository_credentials"])
    return sorted(set(found))


def secrets_policy(svc):
    """The execution role's policy: read exactly the secrets and parameters the containers name."""
    arns = all_secrets(svc)
    statements = []
    secret_arns = [a for a in arns if SECRETS_MANAGER_ARN_RE.match(a)]
    parameter_arns = [a for a in arns if SSM_ARN_RE.match(a)]
    if secret_arns:
        statements.append({"Sid": "ReadServiceSecrets", "Effect": "Allow",
                           "Action": ["secretsmanager:GetSecretValue"], "Resource": secret_arns})
    if parameter_arns:
        statements.append({"Sid": "ReadServiceParameters", "Effect": "Allow",
                           "Action": ["ssm:GetParameters"], "Resource": parameter_arns})
    return {"Version": "2012-10-17", "Statement": statements}


def task_policy(svc, settings=None, access_points=None):
    """The task role's policy: the statements the service lists, ECS Exec, and EFS access through
    exactly its access points (IAM authorization)."""
    settings = _settings(settings)
    access_points = access_points or {}
    statements = [dict(s) for s in svc.get("task_role_statements") or []]
    if svc.get("enable_execute_command"):
        statements.extend(exec_statements(settings))
    for index, point in enumerate(p for p in efs_access_points([svc], settings)):
        actions = ["elasticfilesystem:ClientMount"]
        if not point["read_only"]:
            actions.append("elasticfilesystem:ClientWrite")
        statement = {
            "Sid": "MountVolume%d" % index, "Effect": "Allow", "Action": actions,
            "Resource": "arn:%s:elasticfilesystem:%s:%s:file-system/%s" % (
                settings["partition"], settings["region"], settings["account_id"], point["file_system_id"]),
        }
        point_id = access_points.get(point["name"])
        if point_id:
            statement["Condition"] = {"StringEquals": {"elasticfilesystem:AccessPointArn": (
                "arn:%s:elasticfilesystem:%s:%s:access-point/%s" % (
                    settings["partition"], settings["region"], settings["account_id"], point_id))}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def exec_statements(settings=None):
    """The task role statements of ECS Exec (AWS ECS developer guide, "ECS Exec" IAM permissions): the SSM
    channels; with the cluster's exec KMS key, decrypting with exactly that key; with its exec log group, writing
    session logs to exactly that group (and finding it among the account's log groups)."""
    settings = _settings(settings)
    statements = [{"Sid": "EcsExec", "Effect": "Allow", "Action": list(ECS_EXEC_ACTIONS), "Resource": "*"}]
    if settings["exec_kms_key_arn"]:
        statements.append({"Sid": "EcsExecDecrypt", "Effect": "Allow", "Action": list(ECS_EXEC_KMS_ACTIONS),
                           "Resource": settings["exec_kms_key_arn"]})
    if settings["exec_log_group_name"]:
        prefix = "arn:%s:logs:%s:%s:log-group:" % (settings["partition"], settings["region"], settings["account_id"])
        statements.append({"Sid": "EcsExecFindLogGroup", "Effect": "Allow",
                           "Action": list(ECS_EXEC_LOG_LOOKUP_ACTIONS), "Resource": prefix + "*"})
        statements.append({"Sid": "EcsExecWriteSessionLogs", "Effect": "Allow", "Action": list(ECS_EXEC_LOG_ACTIONS),
                           "Resource": "%s%s:*" % (prefix, settings["exec_log_group_name"])})
    return statements


def needs_task_policy(svc):
    return bool(svc.get("task_role_statements") or svc.get("enable_execute_command")
                or any(v.get("type") == "efs" for v in svc.get("volumes") or []))


def role_names(svc, settings=None):
    """{"execution": name, "task": name} of the service's IAM roles (within IAM's 64 characters)."""
    base = _settings(settings)["name_prefix"] + svc["name"]
    return {"execution": base[:50] + "-execution", "task": base[:55] + "-task"}


def iam_roles(services, settings=None, trust_policy=None, access_points=None):
    """The cloudops.ecs.iam_roles items of the services: each service's task execution role (the ECS execution
    managed policy, and reading exactly its secrets) and task role (only the permissions it asks for)."""
    settings = _settings(settings)
    execution_policy = "arn:%s:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" % settings["partition"]
    roles = []
    for svc in services or []:
        names = role_names(svc, settings)
        full_name = settings["name_prefix"] + svc["name"]
        execution = {"name": names["execution"], "assume_role_policy": trust_policy,
                     "description": "ECS task execution role of %s" % full_name,
                     "managed_policies": [execution_policy], "inline_policies": {},
                     "tags": dict(settings["tags"], Name=full_name + "-execution")}
        if all_secrets(svc):
            execution["inline_policies"]["read-service-secrets"] = secrets_policy(svc)
        task = {"name": names["task"], "assume_role_policy": trust_policy,
                "description": "ECS task role of %s" % full_name, "managed_policies": [], "inline_policies": {},
                "tags": dict(settings["tags"], Name=full_name + "-task")}
        if needs_task_policy(svc):
            task["inline_policies"]["service-permissions"] = task_policy(svc, settings, access_points)
        roles.extend([execution, task])
    return roles


# -- autoscaling ------------------------------------------------------------------------------------


def autoscaling_policies(svc, settings=None):
    """The target-tracking policies of a service with `autoscaling` (ecs_service_scaling's
    target_tracking_policies): CPU (the default when neither another target nor a step policy is given), memory
    and ALB requests per target."""
    settings = _settings(settings)
    scaling = svc.get("autoscaling")
    if scaling is None:
        return []
    wanted = []
    others = scaling.get("memory_target") or scaling.get("requests_per_target") or scaling.get("step_policies")
    if scaling.get("cpu_target") is not None or not others:
        wanted.append(("cpu", "ECSServiceAverageCPUUtilization", scaling.get("cpu_target", 50), None))
    if scaling.get("memory_target") is not None:
        wanted.append(("memory", "ECSServiceAverageMemoryUtilization", scaling["memory_target"], None))
    if scaling.get("requests_per_target") is not None:
        label = request_count_label(settings.get("load_balancer_arn"), settings["target_groups"].get(svc["name"]))
        wanted.append(("requests", "ALBRequestCountPerTarget", scaling["requests_per_target"], label))
    policies = []
    for suffix, metric, target, label in wanted:
        policy = {"name": "%s%s-%s" % (settings["name_prefix"], svc["name"], suffix),
                  "predefined_metric_type": metric, "target_value": float(target),
                  "scale_in_cooldown": _int(scaling.get("scale_in_cooldown"), 300),
                  "scale_out_cooldown": _int(scaling.get("scale_out_cooldown"), 60),
                  "disable_scale_in": bool(scaling.get("disable_scale_in"))}
        if label is not None:
            policy["resource_label"] = label
        policies.append(policy)
    return policies


def step_policy_name(svc, policy, settings=None):
    """Name of a step scaling policy, and of the CloudWatch alarm that triggers it."""
    settings = _settings(settings)
    return "%s%s-step-%s" % (settings["name_prefix"], svc["name"], policy.get("name"))


def scheduled_action_name(svc, action, settings=None):
    settings = _settings(settings)
    return "%s%s-schedule-%s" % (settings["name_prefix"], svc["name"], action.get("name"))


def _bound(value):
    return None if value is None or value == "" else float(value)


def scaling_target(svc, settings=None):
    """The cloudops.ecs.ecs_service_scaling arguments of a REPLICA service: with `autoscaling`, its scalable
    target (min..max; left to the scheduled actions once registered when it has some), target-tracking and step
    scaling policies and scheduled actions; without, nothing registered, but the policies and scheduled actions the
    role made before (names `<stack>-<service>-`) removed. With state absent the role's own are deleted and the
    target of an autoscaled service deregistered."""
    settings = _settings(settings)
    scaling = svc.get("autoscaling")
    args = {
        "service": svc["name"],
        "cluster": settings["cluster_name"],
        "state": settings["state"],
        "purge_prefix": "%s%s-" % (settings["name_prefix"], svc["name"]),
        "target_tracking_policies": [],
        "step_policies": [],
        "scheduled_actions": [],
    }
    if settings["state"] == "absent":
        args["deregister"] = scaling is not None
        return args
    if scaling is None:
        return args
    args["min_capacity"] = _int(scaling.get("min", 1))
    args["max_capacity"] = _int(scaling.get("max", 1))
    args["keep_capacity"] = bool(scaling.get("scheduled_actions"))
    args["target_tracking_policies"] = autoscaling_policies(svc, settings)
    for policy in scaling.get("step_policies") or []:
        kind = policy.get("adjustment_type") or "ChangeInCapacity"
        item = {
            "name": step_policy_name(svc, policy, settings),
            "adjustment_type": kind,
            "cooldown": _int(policy.get("cooldown"), 300),
            "metric_aggregation_type": policy.get("metric_aggregation_type") or "Average",
            "steps": [{"lower": _bound(step.get("lower")), "upper": _bound(step.get("upper")),
                       "adjustment": _int(step.get("adjustment"))} for step in policy.get("steps") or []],
        }
        if kind == "PercentChangeInCapacity" and policy.get("min_adjustment_magnitude") is not None:
            item["min_adjustment_magnitude"] = _int(policy["min_adjustment_magnitude"])
        args["step_policies"].append(item)
    for action in scaling.get("scheduled_actions") or []:
        item = {"name": scheduled_action_name(svc, action, settings), "schedule": action.get("schedule"),
                "timezone": action.get("timezone") or "UTC"}
        for key, api in (("min", "min_capacity"), ("max", "max_capacity")):
            if action.get(key) is not None:
                item[api] = _int(action[key])
        for key in ("start_time", "end_time"):
            if action.get(key):
                item[key] = str(action[key])
        args["scheduled_actions"].append(item)
    return args


def scaling_targets(services, settings=None):
    """ecs_service_scaling arguments of every REPLICA service (DAEMON services cannot scale)."""
    return [scaling_target(svc, settings) for svc in services
            if (svc.get("scheduling_strategy") or "REPLICA") == "REPLICA"]


def step_alarms(services, settings=None, policy_arns=None):
    """The CloudWatch alarm of every step scaling policy (cloudops.ecs.cloudwatch_stack_alarms alarms items), named
    after its policy, whose action is the policy (`policy_arns`: policy name -> ARN; alarm_actions empty until
    the policy exists). AWS/ECS metrics default to the service's ClusterName and ServiceName dimensions."""
    settings = _settings(settings)
    policy_arns = policy_arns or {}
    alarms = []
    for svc in services:
        for policy in (svc.get("autoscaling") or {}).get("step_policies") or []:
            alarm = policy.get("alarm") or {}
            name = step_policy_name(svc, policy, settings)
            namespace = alarm.get("namespace") or "AWS/ECS"
            dimensions = alarm.get("dimensions")
            if dimensions is None:
                dimensions = ({"ClusterName": settings["cluster_name"], "ServiceName": svc["name"]}
                              if namespace == "AWS/ECS" else {})
            alarms.append({
                "name": name,
                "description": "Triggers the step scaling policy %s of %s" % (name, settings["name_prefix"] + svc["name"]),
                "namespace": namespace,
                "metric_name": alarm.get("metric_name"),
                "statistic": alarm.get("statistic") or "Average",
                "period": _int(alarm.get("period"), 60),
                "evaluation_periods": _int(alarm.get("evaluation_periods"), 1),
                "threshold": float(alarm.get("threshold") or 0),
                "comparison": alarm.get("comparison") or "GreaterThanOrEqualToThreshold",
                "treat_missing_data": alarm.get("treat_missing_data") or "missing",
                "dimensions": dict((k, str(v)) for k, v in dimensions.items()),
                "alarm_actions": [policy_arns[name]] if policy_arns.get(name) else [],
            })
    return alarms


def request_count_label(load_balancer_arn, target_group_arn):
    """ALBRequestCountPerTarget's ResourceLabel: app/<lb>/<id>/targetgroup/<tg>/<id> ('' when not known yet)."""
    if not load_balancer_arn or not target_group_arn:
        return ""
    return "%s/%s" % (load_balancer_arn.split(":loadbalancer/", 1)[-1], target_group_arn.split(":", 5)[-1])


# -- ECR --------------------------------------------------------------------------------------------


def ecr_repository_name(repo, settings=None):
    settings = _settings(settings)
    return "%s/%s" % (settings["stack_name"], repo.get("name"))


def ecr_lifecycle_policy(repo):
    """The repository's lifecycle policy: its own `lifecycle_policy`, else untagged images expire after
    `untagged_days` and only the newest `keep_images` images are kept."""
    if repo.get("lifecycle_policy") is not None:
        return repo["lifecycle_policy"]
    days = _int(repo.get("untagged_days"), DEFAULT_ECR_UNTAGGED_DAYS)
    keep = _int(repo.get("keep_images"), DEFAULT_ECR_KEEP_IMAGES)
    return {"rules": [
        {"rulePriority": 1, "description": "untagged images expire after %d days" % days,
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": days},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": "only the newest %d images are kept" % keep,
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
         "action": {"type": "expire"}},
    ]}


def ecr_repositories(repos, settings=None):
    """The cloudops.ecs.ecr_repository arguments of `services_ecr_repositories`: `<stack>/<name>`, immutable
    tags, scan on push, KMS encryption (the repository's key, the role's, else the AWS managed key), the
    lifecycle policy and the stack's tags (teardown finds the repositories by them)."""
    settings = _settings(settings)
    out = []
    for repo in repos or []:
        name = ecr_repository_name(repo, settings)
        item = {
            "name": name,
            "image_tag_mutability": str(repo.get("image_tag_mutability") or "IMMUTABLE").upper(),
            "scan_on_push": bool(repo.get("scan_on_push", True)),
            "encryption_type": "KMS",
            "lifecycle_policy": ecr_lifecycle_policy(repo),
            "tags": dict(settings["tags"], Name=name),
        }
        key = repo.get("kms_key_arn") or settings["ecr_kms_key_arn"]
        if key:
            item["kms_key"] = key
        out.append(item)
    return out


def ecr_input_errors(repos, settings=None):
    """Every problem in services_ecr_repositories, as "services_ecr_repositories[i].field: problem; fix"."""
    settings = _settings(settings)
    errors, seen = [], []
    if repos is not None and not isinstance(repos, list):
        return ["services_ecr_repositories: %s; give a list of repositories (name, ...)" % (repos,)]
    for index, repo in enumerate(repos or []):
        at = "services_ecr_repositories[%d]" % index
        if not isinstance(repo, dict):
            errors.append("%s: %s; give name and optional scan_on_push, image_tag_mutability, kms_key_arn, keep_images, "
                          "untagged_days or lifecycle_policy" % (at, repo))
            continue
        name = repo.get("name")
        full = ecr_repository_name(repo, settings)
        if not name or not ECR_NAME_RE.match(str(name)):
            errors.append("%s.name: %s; use lowercase letters, digits and . _ - (/ between parts), for example api or "
                          "team/api (the repository is <stack>/<name>)" % (at, name or "missing"))
        elif len(full) > 256:
            errors.append("%s.name: %s gives the repository %s, longer than 256 characters; shorten it" % (at, name, full))
        elif name in seen:
            errors.append("%s.name: %s is listed twice; repository names are unique" % (at, name))
        seen.append(name)
        mutability = str(repo.get("image_tag_mutability") or "IMMUTABLE").upper()
        if mutability not in ECR_TAG_MUTABILITY:
            errors.append("%s.image_tag_mutability: %s; use IMMUTABLE (a tag names one image for good) or MUTABLE"
                          % (at, repo.get("image_tag_mutability")))
        if "scan_on_push" in repo and not isinstance(repo["scan_on_push"], bool):
            errors.append("%s.scan_on_push: %s; use true or false" % (at, repo["scan_on_push"]))
        key = repo.get("kms_key_arn")
        if key and not re.match(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+$", str(key)):
            errors.append("%s.kms_key_arn: %s; give a KMS key ARN, or leave it out for services_ecr_kms_key_arn (empty: "
                          "the AWS managed key aws/ecr)" % (at, key))
        for field in ("keep_images", "untagged_days"):
            if repo.get(field) is not None and (isinstance(repo[field], bool) or _int(repo[field], 0) < 1):
                errors.append("%s.%s: %s; use %s (1 or more)" % (
                    at, field, repo[field], "images" if field == "keep_images" else "days"))
        policy = repo.get("lifecycle_policy")
        if policy is not None:
            if not isinstance(policy, dict) or not isinstance(policy.get("rules"), list) or not policy["rules"]:
                errors.append("%s.lifecycle_policy: give an ECR lifecycle policy ({rules: [{rulePriority, selection, "
                              "action}]}), or leave it out for keep_images and untagged_days" % at)
            elif repo.get("keep_images") is not None or repo.get("untagged_days") is not None:
                errors.append("%s.lifecycle_policy: given with keep_images/untagged_days; use one or the other" % at)
    return errors


# -- load balancing ---------------------------------------------------------------------------------


def target_group_name(svc, settings=None):
    settings = _settings(settings)
    return (settings["name_prefix"] + svc["name"])[:32].rstrip("-")


def target_groups(services, settings=None):
    """The cloudops.ecs.elb_target_groups items of the load-balanced services: each one's group `<stack>-<service>`
    and the alternate group `<stack>-<service>-alt` of each traffic-shifting one, with the service's health check and
    deregistration delay. With state absent, both groups of every load-balanced service (any of them may have
    deployed with traffic shifting)."""
    settings = _settings(settings)
    items = []
    for svc in services:
        if svc.get("listener_rule") is None:
            continue
        names = [(target_group_name(svc, settings), settings["name_prefix"] + svc["name"])]
        if settings["state"] == "absent" or shifts_traffic(svc, settings):
            names.append((alternate_target_group_name(svc, settings), alternate_target_group_name(svc, settings)))
        if settings["state"] == "absent":
            items.extend({"name": name, "state": "absent"} for name, _tag_name in names)
            continue
        check = svc.get("target_group_health_check") or {}
        for name, tag_name in names:
            items.append({
                "name": name,
                "protocol": "HTTP",
                "port": _int(svc.get("container_port")),
                "vpc_id": settings["vpc_id"],
                "target_type": "ip" if (svc.get("network_mode") or "bridge") == "awsvpc" else "instance",
                "health_check": {
                    "protocol": "HTTP", "path": check.get("path") or "/", "interval": _int(check.get("interval"), 15),
                    "timeout": _int(check.get("timeout"), 5), "healthy_threshold": _int(check.get("healthy_threshold"), 2),
                    "unhealthy_threshold": _int(check.get("unhealthy_threshold"), 3),
                    "matcher": str(check.get("matcher") or "200-399")},
                "deregistration_delay": _int(svc.get("deregistration_delay"), settings["default_deregistration_delay"]),
                "tags": dict(settings["tags"], Name=tag_name),
            })
    return items


def listener_rules(services, settings=None):
    """The cloudops.ecs.elb_listener_rules items (settings["target_groups"]: name -> ARN); with state
    present only the rules whose target group exists."""
    settings = _settings(settings)
    rules = []
    for svc in services:
        rule_input = svc.get("listener_rule")
        if rule_input is None:
            continue
        rule = {"priority": _int(rule_input.get("priority")), "state": settings["state"]}
        if rule_input.get("host"):
            rule["host_headers"] = _as_list(rule_input["host"])
        if rule_input.get("path"):
            rule["path_patterns"] = _as_list(rule_input["path"])
        if settings["target_groups"].get(svc["name"]):
            rule["target_group_arn"] = settings["target_groups"][svc["name"]]
            alternate = settings["alternate_target_groups"].get(svc["name"])
            if settings["state"] == "absent":
                if alternate:  # whichever of its groups the rule forwards to
                    rule["alternate_target_group_arn"] = alternate
            elif shifts_traffic(svc, settings):
                # Production and alternate group; ECS owns the weights after creation. In check mode before the
                # alternate group exists: what it will be called (the rule will change).
                rule["alternate_target_group_arn"] = alternate or (
                    "(target group %s, to be created)" % alternate_target_group_name(svc, settings))
            elif alternate:
                # A rolling service that has an alternate group: the rule forwards to the one of the two that serves.
                rule["alternate_target_group_arn"] = alternate
                rule["forward_to"] = "serving"
        if settings["state"] == "absent" or "target_group_arn" in rule:
            rules.append(rule)
    return rules


def existing_target_groups(services, target_groups, settings=None):
    """service name -> ARN of its existing target group, from elb_target_group_info's target_groups."""
    by_name = dict((g.get("target_group_name"), g.get("target_group_arn")) for g in target_groups or [])
    found = {}
    for svc in services:
        if svc.get("listener_rule") is not None and by_name.get(target_group_name(svc, settings)):
            found[svc["name"]] = by_name[target_group_name(svc, settings)]
    return found


def test_listener_rules(services, settings=None):
    """The cloudops.ecs.elb_listener_rules items of the test listener: the production rule's conditions and priority,
    forwarding to both target groups, for each traffic-shifting service (state absent: for every load-balanced one)."""
    settings = _settings(settings)
    if settings["state"] == "absent":
        return listener_rules(services, settings)
    return listener_rules([svc for svc in services if shifts_traffic(svc, settings)], settings)


def existing_alternate_target_groups(services, target_groups, settings=None, every=False):
    """service name -> ARN of the existing alternate target group of each traffic-shifting service (`every`: of each
    load-balanced service, for the teardown of a service that switched back to rolling)."""
    by_name = dict((g.get("target_group_name"), g.get("target_group_arn")) for g in target_groups or [])
    found = {}
    for svc in services:
        wanted = svc.get("listener_rule") is not None if every else shifts_traffic(svc, settings)
        if wanted and by_name.get(alternate_target_group_name(svc, settings)):
            found[svc["name"]] = by_name[alternate_target_group_name(svc, settings)]
    return found


def _target_group_name_of(arn):
    """The name in a target group ARN (`...:targetgroup/<name>/<id>`); "" for anything else."""
    resource = str(arn or "").rsplit(":", 1)[-1].split("/")
    return resource[1] if len(resource) == 3 and resource[0] == "targetgroup" else ""


def alternate_target_groups_in_use(services, current_services, settings=None):
    """service name -> ARN of the alternate target group `<stack>-<service>-alt` of each load-balanced service whose
    ECS load balancer (`current_services`, DescribeServices items) names that group, as production or alternate group:
    a traffic-shifting service, or one that switched back to rolling and serves from it."""
    current = dict((s.get("serviceName"), s) for s in current_services or [] if s.get("status") == "ACTIVE")
    found = {}
    for svc in services or []:
        if svc.get("listener_rule") is None:
            continue
        for balancer in (current.get(svc["name"]) or {}).get("loadBalancers") or []:
            advanced = balancer.get("advancedConfiguration") or {}
            for arn in (balancer.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")):
                if arn and _target_group_name_of(arn) == alternate_target_group_name(svc, settings):
                    found[svc["name"]] = arn
    return found


def rule_target_groups(services, rule_results, settings=None):
    """service name -> the target group its listener rule forwards all traffic to, from cloudops.ecs.elb_listener_rules'
    rules (keyed by priority): for a rolling service, the group of its two that serves (forward_to=serving)."""
    by_priority = dict((str(r.get("priority")), r.get("target_group_arn")) for r in rule_results or []
                       if r.get("target_group_arn"))
    found = {}
    for svc in services or []:
        priority = str(_int((svc.get("listener_rule") or {}).get("priority")))
        if svc.get("listener_rule") is not None and by_priority.get(priority):
            found[svc["name"]] = by_priority[priority]
    return found


def production_target_groups(services, target_groups, settings=None):
    """service name -> the target group the service's ECS load balancer, alarms, autoscaling and published fact name:
    its first group `<stack>-<service>` (`target_groups`), except for a rolling service whose listener rule keeps
    serving from its alternate group (settings["serving_target_groups"], rule_target_groups()): the service serves from
    that group too, as moving it to the first group would point its traffic at a group without tasks. A traffic-shifting
    service keeps its first group here (ECS's order of the pair is kept by the ecs_service module)."""
    settings = _settings(settings)
    result = dict(target_groups or {})
    for svc in services or []:
        serving = settings["serving_target_groups"].get(svc["name"])
        if serving and svc.get("listener_rule") is not None and not shifts_traffic(svc, settings):
            result[svc["name"]] = serving
    return result


def rules_by_service(services, rule_results, settings=None):
    """service name -> ARN of its listener rule, from cloudops.ecs.elb_listener_rules' rules (keyed by priority)."""
    by_priority = dict((str(r.get("priority")), r.get("rule_arn")) for r in rule_results or [] if r.get("rule_arn"))
    found = {}
    for svc in services:
        priority = str(_int((svc.get("listener_rule") or {}).get("priority")))
        if svc.get("listener_rule") is not None and by_priority.get(priority):
            found[svc["name"]] = by_priority[priority]
    return found


def registered_task_definitions(task_definitions, settings=None):
    """service name -> its result among cloudops.ecs.ecs_task_definition `task_definitions` results (one call for
    every family, or a loop over the services)."""
    settings = _settings(settings)
    registered = {}
    for result in task_definitions or []:
        if "item" not in result:  # one ecs_task_definition call for all: found by family
            registered.setdefault(result.get("family", "")[len(settings["family_prefix"]):], result)
            continue
        item = result["item"] or {}
        if isinstance(item, (list, tuple)):  # a loop over zipped lists: the service first
            item = item[0] if item else {}
        registered.setdefault(item.get("name"), result)
    return registered


def published(services, settings=None, deployed=None, task_definitions=None):
    """cloudops_services, the fact the services role publishes: per service its name, service ARN (from the
    cloudops.ecs.ecs_service result `deployed`), task definition ARN (from the role's ecs_task_definition results
    `task_definitions`, else the service's), target group ARN (settings' target_groups) and log group.
    What a run did not produce is empty (check mode on a new account)."""
    settings = _settings(settings)
    by_name = dict((result.get("name"), result) for result in (deployed or {}).get("services") or [])
    registered = registered_task_definitions(task_definitions, settings)
    entries = []
    for svc in services or []:
        name = svc["name"]
        service = by_name.get(name, {})
        task_definition_arn = registered.get(name, {}).get("task_definition_arn", service.get("task_definition_arn", ""))
        entries.append({
            "name": name,
            "service_arn": service.get("service_arn", ""),
            "task_definition_arn": task_definition_arn,
            "target_group_arn": (settings["target_groups"] or {}).get(name, ""),
            "log_group": settings["log_group_prefix"] + name,
        })
    return entries


# -- networking -------------------------------------------------------------------------------------


def task_security_group_name(svc, settings=None):
    settings = _settings(settings)
    return "%s%s-tasks" % (settings["name_prefix"], svc["name"])


# Everything out, as the rule EC2 gives a new VPC security group (no description, so an existing one is not changed)
ALL_OUT = {"protocol": "-1", "from_port": -1, "cidr_ip": "0.0.0.0/0"}


def task_security_groups(services, settings=None, load_balancer_security_group_id="", vpc_id="", tags=None):
    """The cloudops.ecs.security_group items of the awsvpc services' tasks (unless a service names its own groups), in
    `vpc_id` with `tags` and Name: ingress on the container port from the load balancer when it is load balanced,
    nothing else in; everything out (tasks pull images, read secrets and reach the database and AWS APIs)."""
    settings = _settings(settings)
    groups = []
    for svc in services:
        if ((svc.get("network_mode") or "bridge") != "awsvpc" or svc.get("security_group_ids")
                or settings["security_group_ids"]):
            continue
        rules = []
        if svc.get("listener_rule") is not None and svc.get("container_port") and load_balancer_security_group_id:
            rules.append({"from_port": _int(svc["container_port"]), "source_group_id": load_balancer_security_group_id,
                          "description": "container port from the load balancer"})
        name = task_security_group_name(svc, settings)
        groups.append({"name": name, "description": "Tasks of the %s service" % (settings["name_prefix"] + svc["name"]),
                       "vpc_id": vpc_id, "rules": rules, "egress_rules": [ALL_OUT], "tags": dict(tags or {}, Name=name)})
    return groups


def task_security_group_ids(services, settings=None, groups=None):
    """Service name -> the id of its task security group, from a cloudops.ecs.security_group result's
    security_groups (a group created in check mode has no id yet and is left out)."""
    settings = _settings(settings)
    ids = dict((g.get("name"), g.get("group_id")) for g in groups or [] if g.get("group_id"))
    names = dict((svc["name"], task_security_group_name(svc, settings)) for svc in services)
    return dict((service, ids[name]) for service, name in names.items() if name in ids)


def efs_client_rules(services, settings=None):
    """Ingress rules for the security group of the stack file system's mount targets: NFS from the
    tasks of every awsvpc service with an EFS volume on it (bridge tasks use the instances' group)."""
    settings = _settings(settings)
    groups = []
    for svc in services:
        if (svc.get("network_mode") or "bridge") != "awsvpc":
            continue
        if not any(v.get("type") == "efs" and (v.get("file_system_id") or settings["efs_file_system_id"])
                   == settings["efs_file_system_id"] for v in svc.get("volumes") or []):
            continue
        groups.extend(svc.get("security_group_ids") or settings["security_group_ids"]
                      or _as_list(settings["task_security_groups"].get(svc["name"])))
    return [{"from_port": 2049, "to_port": 2049, "source_group_id": group, "description": "cloudops:services NFS from awsvpc tasks"}
            for group in sorted(set(groups))]


# -- architectures ----------------------------------------------------------------------------------

_GRAVITON = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)\.", re.I)


def instance_type_architecture(instance_type):
    """x86_64 or arm64 for an EC2 instance type (Graviton families carry a `g` after the generation)."""
    return "arm64" if _GRAVITON.match(instance_type or "") else "x86_64"


def capacity_provider_architectures(groups):
    """capacity provider -> sorted CPU architectures its group's instance types give, from the
    ecs_instances groups (cloudops_instances.groups or ecs_instances_groups with capacity_provider)."""
    out = {}
    for group in groups or []:
        provider = group.get("capacity_provider")
        types = _as_list(group.get("instance_types")) or _as_list(group.get("instance_type"))
        if provider and types:
            out[provider] = sorted(set(instance_type_architecture(t) for t in types))
    return out


def planned_groups(groups, stack_name):
    """The capacity providers ecs_instances will make for its `ecs_instances_groups` inputs (before they exist:
    the pre-flight), in the shape of cloudops_instances.groups: capacity_provider, instance_types, weight, base."""
    out = []
    for group in groups or []:
        if not isinstance(group, dict) or not group.get("name"):
            continue
        name = "%s-%s" % (stack_name, group["name"])
        out.append({
            "capacity_provider": ("cp-" + name) if re.match(r"(?i)(aws|ecs|fargate)", name) else name,
            "instance_types": _as_list(group.get("instance_types")) or _as_list(group.get("instance_type")),
            "weight": _int(group.get("weight"), 1),
            "base": _int(group.get("base"), 0),
        })
    return out


def group_capacity_provider_strategy(groups):
    """The cluster's default strategy the ecs_cluster role sets from the instance groups."""
    return [{"capacity_provider": g["capacity_provider"], "weight": _int(g.get("weight"), 1),
             "base": _int(g.get("base"), 0)}
            for g in groups or [] if g.get("capacity_provider")]


# -- validation -------------------------------------------------------------------------------------


def _container_errors(at, container, names, network_mode, errors, volume_names, health_checked):
    label = "%s" % at
    memory = container.get("memory")
    reservation = container.get("memory_reservation")
    cpu = _int(container.get("cpu"), 0)
    if not container.get("image"):
        errors.append(label + ".image: missing; set the container image (for example public.ecr.aws/nginx/nginx:1.27)")
    if memory is None and reservation is None:
        errors.append(label + ".memory: missing; EC2 tasks need memory (hard limit, MiB) or memory_reservation")
    if (memory is not None and _int(memory) < 6) or (reservation is not None and _int(reservation) < 6):
        errors.append("%s.memory: %s MiB is below the 6 MiB a container needs; raise it"
                      % (label, memory if memory is not None else reservation))
    if memory is not None and reservation is not None and _int(reservation) > _int(memory):
        errors.append("%s.memory: %s MiB is below memory_reservation %s MiB; raise memory or lower memory_reservation"
                      % (label, memory, reservation))
    if cpu < 0 or cpu > 10240:
        errors.append("%s.cpu: %s is out of range; use 0-10240 CPU units (1024 = 1 vCPU)" % (label, cpu))
    elif cpu and (memory or reservation):
        least = int(cpu / 1024.0 * 128)
        have = _int(memory or reservation)
        if have < least:
            errors.append("%s.memory: %s MiB is too little for cpu %s (at least %s MiB, 128 MiB per vCPU); "
                          "raise memory or lower cpu" % (label, have, cpu, least))
    for key in ("stop_timeout", "start_timeout"):
        if container.get(key) is not None and not 2 <= _int(container[key], -1) <= 120:
            errors.append("%s.%s: %s is out of range; use 2-120 seconds" % (label, key, container[key]))
    credentials = container.get("repository_credentials")
    if credentials is not None and not SECRETS_MANAGER_ARN_RE.match(str(credentials)):
        errors.append("%s.repository_credentials: %s is not a Secrets Manager secret ARN; store the registry's "
                      "username and password as a secret and give its ARN" % (label, credentials))
    for key, value in (container.get("secrets") or {}).items():
        if not SECRET_ARN_RE.match(str(value)):
            errors.append("%s.secrets.%s: %s is not a Secrets Manager secret or SSM parameter ARN" % (label, key, value))
    health = container.get("health_check")
    if health is not None:
        command = health.get("command") or []
        if not command or command[0] not in ("CMD", "CMD-SHELL"):
            errors.append("%s.health_check.command: %s; start it with CMD or CMD-SHELL, for example "
                          "[CMD-SHELL, 'curl -f http://localhost/ || exit 1']" % (label, command or "missing"))
        for key, low, high in (("interval", 5, 300), ("timeout", 2, 60), ("retries", 1, 10), ("start_period", 0, 300)):
            if health.get(key) is not None and not low <= _int(health[key], -1) <= high:
                errors.append("%s.health_check.%s: %s is out of range; use %s-%s"
                              % (label, key, health[key], low, high))
    for index, port in enumerate(container.get("ports") or []):
        value = port.get("container_port") if isinstance(port, dict) else port
        if not 1 <= _int(value, 0) <= 65535:
            errors.append("%s.ports[%d]: %s is not a port; use 1-65535" % (label, index, value))
        elif isinstance(port, dict) and port.get("host_port") is not None and network_mode == "awsvpc" \
                and _int(port["host_port"]) != _int(value):
            errors.append("%s.ports[%d].host_port: %s differs from container_port %s; awsvpc needs them equal "
                          "(or leave host_port out)" % (label, index, port["host_port"], value))
        if isinstance(port, dict) and str(port.get("protocol") or "tcp").lower() not in ("tcp", "udp"):
            errors.append("%s.ports[%d].protocol: %s; use tcp or udp" % (label, index, port.get("protocol")))
    for index, item in enumerate(container.get("depends_on") or []):
        target = item.get("container")
        condition = str(item.get("condition") or "START").upper()
        if target not in names or target == container.get("name"):
            errors.append("%s.depends_on[%d].container: %s is not another container of this task (%s)"
                          % (label, index, target, ", ".join(n for n in names if n != container.get("name"))))
        if condition not in DEPENDS_ON_CONDITIONS:
            errors.append("%s.depends_on[%d].condition: %s; use one of %s"
                          % (label, index, condition, ", ".join(DEPENDS_ON_CONDITIONS)))
        elif condition == "HEALTHY" and target in names and target not in health_checked:
            errors.append("%s.depends_on[%d].condition: HEALTHY needs a health_check on container %s; add one or "
                          "use START" % (label, index, target))
    if container.get("links"):
        if network_mode != "bridge":
            errors.append("%s.links: links work in bridge mode only; in awsvpc the task's containers reach each "
                          "other on localhost" % label)
        for link in container["links"]:
            if str(link).split(":", 1)[0] not in names:
                errors.append("%s.links: %s is not a container of this task" % (label, link))
    for index, mount in enumerate(container.get("mount_points") or []):
        if mount.get("volume") not in volume_names:
            errors.append("%s.mount_points[%d].volume: %s is not a volume of the service (%s); add it to volumes"
                          % (label, index, mount.get("volume"), ", ".join(sorted(volume_names)) or "none declared"))
        if not str(mount.get("path") or "").startswith("/"):
            errors.append("%s.mount_points[%d].path: %s; give the absolute path in the container"
                          % (label, index, mount.get("path") or "missing"))
    for index, item in enumerate(container.get("tmpfs") or []):
        if not str(item.get("path") or "").startswith("/"):
            errors.append("%s.tmpfs[%d].path: %s; give the absolute path in the container"
                          % (label, index, item.get("path") or "missing"))
        if item.get("size") is not None and _int(item["size"], 0) < 1:
            errors.append("%s.tmpfs[%d].size: %s; give the size in MiB (1 or more)" % (label, index, item["size"]))
    paths = [m.get("path") for m in container.get("mount_points") or []] + [
        t.get("path") for t in container.get("tmpfs") or []]
    for path in sorted(set(p for p in paths if p and paths.count(p) > 1)):
        errors.append("%s: %s is mounted twice (mount_points and tmpfs); mount each path once" % (label, path))


def _volume_errors(at, svc, settings, errors):
    seen = []
    for index, volume in enumerate(svc.get("volumes") or []):
        where = "%s.volumes[%d]" % (at, index)
        name = volume.get("name")
        if not name or not NAME_RE.match(str(name)):
            errors.append("%s.name: %s; name every volume (letters, digits, hyphens, underscores)"
                          % (where, name or "missing"))
        elif name in seen:
            errors.append("%s.name: %s is declared twice; volume names are unique per service" % (where, name))
        seen.append(name)
        kind = volume.get("type") or "bind"
        if kind not in VOLUME_TYPES:
            errors.append("%s.type: %s is not supported; use %s" % (where, kind, " or ".join(VOLUME_TYPES)))
        elif kind == "efs":
            if not (volume.get("file_system_id") or settings["efs_file_system_id"] or settings["efs_enabled"]):
                errors.append("%s: an EFS volume needs a file system; set ecs_instances_efs_enabled (the stack's "
                              "file system) or the volume's file_system_id" % where)
            root = volume.get("root_directory")
            if root is not None and not (str(root).startswith("/") and str(root) != "/"):
                errors.append("%s.root_directory: %s; use a directory below / for the service's access point"
                              % (where, root))
            for key in ("uid", "gid"):
                if volume.get(key) is not None and _int(volume[key], -1) < 0:
                    errors.append("%s.%s: %s; use a POSIX id (0 or more)" % (where, key, volume[key]))
            if volume.get("host_path"):
                errors.append("%s.host_path: an EFS volume has no host path; remove it or use type bind" % where)
        elif kind == "ebs":
            _ebs_volume_errors(where, volume, errors)
        elif volume.get("host_path") is not None and not str(volume["host_path"]).startswith("/"):
            errors.append("%s.host_path: %s; give an absolute path on the instance" % (where, volume["host_path"]))
    return [n for n in seen if n]


def _range_error(where, key, value, bounds, what, errors):
    number = _int(value, None)
    if number is None or not bounds[0] <= number <= bounds[1]:
        errors.append("%s.%s: %s is out of range for %s; use %d-%d" % (where, key, value, what, bounds[0], bounds[1]))


def _ebs_volume_errors(where, volume, errors):
    kind = volume.get("volume_type") or "gp3"
    limits = EBS_VOLUME_TYPES.get(kind)
    if limits is None:
        errors.append("%s.volume_type: %s is not an EBS volume type ECS attaches; use %s"
                      % (where, kind, ", ".join(EBS_VOLUME_TYPES)))
        return
    if volume.get("size_gib") is not None:
        _range_error(where, "size_gib", volume["size_gib"], limits["size"], "a %s volume (GiB)" % kind, errors)
    elif not volume.get("snapshot_id"):
        errors.append("%s.size_gib: missing; give the size of each task's volume (GiB, %d-%d for %s) or a snapshot_id"
                      % (where, limits["size"][0], limits["size"][1], kind))
    if volume.get("iops") is not None:
        if limits["iops"] is None:
            errors.append("%s.iops: %s volumes have no provisioned IOPS; remove iops or use gp3, io1 or io2"
                          % (where, kind))
        else:
            _range_error(where, "iops", volume["iops"], limits["iops"], "a %s volume" % kind, errors)
    elif kind in ("io1", "io2"):
        errors.append("%s.iops: missing; an %s volume needs provisioned IOPS (%d-%d)"
                      % (where, kind, limits["iops"][0], limits["iops"][1]))
    if volume.get("throughput") is not None:
        if limits["throughput"] is None:
            errors.append("%s.throughput: only gp3 volumes take a throughput; remove it or use volume_type gp3" % where)
        else:
            _range_error(where, "throughput", volume["throughput"], limits["throughput"], "a gp3 volume (MiB/s)",
                         errors)
    if volume.get("filesystem_type") is not None and volume["filesystem_type"] not in EBS_FILESYSTEM_TYPES:
        errors.append("%s.filesystem_type: %s is not supported on Linux tasks; use %s"
                      % (where, volume["filesystem_type"], ", ".join(EBS_FILESYSTEM_TYPES)))
    if volume.get("snapshot_id") is not None and not str(volume["snapshot_id"]).startswith("snap-"):
        errors.append("%s.snapshot_id: %s is not a snapshot id; use snap-..." % (where, volume["snapshot_id"]))
    if volume.get("volume_initialization_rate") is not None:
        if not volume.get("snapshot_id"):
            errors.append("%s.volume_initialization_rate: only a volume from a snapshot is initialized; set "
                          "snapshot_id or remove it" % where)
        else:
            _range_error(where, "volume_initialization_rate", volume["volume_initialization_rate"], (100, 300),
                         "the rate a volume is initialized from its snapshot (MiB/s)", errors)
    if volume.get("kms_key_id") and not volume.get("encrypted", True):
        errors.append("%s.kms_key_id: the volume is not encrypted; remove kms_key_id or set encrypted true" % where)
    for key in ("host_path", "file_system_id", "root_directory"):
        if volume.get(key) is not None:
            errors.append("%s.%s: an EBS volume has none; remove it" % (where, key))


def _ebs_service_errors(at, svc, errors):
    """What ECS allows of volumes configured at launch: one per task, REPLICA services only."""
    indexes = [i for i, v in enumerate(svc.get("volumes") or []) if v.get("type") == "ebs"]
    if len(indexes) > 1:
        errors.append("%s.volumes[%d]: a task gets one EBS volume only (ECS attaches one volume configured at "
                      "launch per task); keep one of the type ebs volumes" % (at, indexes[1]))
    if indexes and (svc.get("scheduling_strategy") or "REPLICA") == "DAEMON":
        errors.append("%s.volumes[%d]: EBS volumes are for REPLICA services only; use scheduling_strategy REPLICA "
                      "or an efs or bind volume" % (at, indexes[0]))


def _placement_errors(at, svc, settings, errors):
    strategy = svc.get("scheduling_strategy") or "REPLICA"
    for index, item in enumerate(svc.get("placement_strategy") or []):
        where = "%s.placement_strategy[%d]" % (at, index)
        kind = item.get("type")
        if strategy == "DAEMON":
            errors.append("%s: a DAEMON service has no placement strategy (one task per instance); remove it" % where)
            break
        if kind not in PLACEMENT_STRATEGY_TYPES:
            errors.append("%s.type: %s; use spread, binpack or random" % (where, kind))
        elif kind == "binpack" and item.get("field") not in ("cpu", "memory"):
            errors.append("%s.field: %s; binpack works on cpu or memory" % (where, item.get("field")))
        elif kind == "spread" and not item.get("field"):
            errors.append("%s.field: missing; spread over instanceId or an attribute such as "
                          "attribute:ecs.availability-zone" % where)
    constraints = svc.get("placement_constraints") or []
    if len(constraints) + (1 if svc.get("cpu_architecture") else 0) > 10:
        errors.append("%s.placement_constraints: %d constraints; ECS allows 10 per task" % (at, len(constraints)))
    for index, item in enumerate(constraints):
        where = "%s.placement_constraints[%d]" % (at, index)
        kind = item.get("type")
        if kind not in PLACEMENT_CONSTRAINT_TYPES:
            errors.append("%s.type: %s; use memberOf or distinctInstance" % (where, kind))
        elif kind == "memberOf":
            problem = query_language_error(item.get("expression"))
            if problem:
                errors.append("%s.expression: %s" % (where, problem))
        elif item.get("expression"):
            errors.append("%s.expression: distinctInstance takes no expression; remove it" % where)
    arch = svc.get("cpu_architecture")
    if arch is None:
        return
    if str(arch).upper() not in ARCHITECTURES:
        errors.append("%s.cpu_architecture: %s; use X86_64 or ARM64 (the architecture of a single-arch image), "
                      "or leave it out for a multi-arch image" % (at, arch))
        return
    wanted = ARCHITECTURES[str(arch).upper()]
    known = settings["capacity_provider_architectures"] or {}
    if not known:
        return
    used = [item for item in effective_capacity_provider_strategy(svc, settings)
            if _int(item.get("weight"), 0) > 0 or _int(item.get("base"), 0) > 0]
    wrong = [item["capacity_provider"] for item in used
             if known.get(item.get("capacity_provider")) and wanted not in known[item["capacity_provider"]]]
    right = sorted(p for p, archs in known.items() if wanted in archs)
    if wrong:
        if right:
            fix = "set its capacity_provider_strategy to providers of %s instances (%s)" % (wanted, ", ".join(right))
        else:
            fix = "add an instance group of %s instance types, or use an image built for %s" % (
                wanted, " or ".join(sorted(set(a for archs in known.values() for a in archs))))
        errors.append("%s.cpu_architecture: %s, but capacity provider %s can only give %s instances, so its "
                      "tasks could not be placed; %s" % (
                          at, str(arch).upper(), ", ".join(wrong),
                          " or ".join(sorted(set(a for p in wrong for a in known[p]))), fix))


_QUERY_TERM = re.compile(
    r"^\s*(attribute:[A-Za-z0-9_.:-]+|instanceId|ec2InstanceId|agentVersion|agentConnected|runningTasksCount"
    r"|pendingTasksCount|registeredAt)\s*(==|!=|=~|>=|<=|>|<|\bin\b|\bnot in\b|\bexists\b|\bnot_exists\b)")


def query_language_error(expression):
    """None when `expression` looks like cluster query language, else the problem and the fix."""
    if not expression or not str(expression).strip():
        return "missing; memberOf needs a cluster query language expression, for example " \
               "attribute:ecs.instance-type =~ m6i.*"
    text = str(expression)
    if text.count("(") != text.count(")") or text.count("[") != text.count("]"):
        return "%s has unbalanced brackets" % text
    for term in re.split(r"\b(?:and|or)\b|&&|\|\|", text):
        term = re.sub(r"^(?:\s*(?:not\b|!|\())*", "", term).rstrip(") ")
        if term and not _QUERY_TERM.match(term):
            return ("%s: %s is not a cluster query language term; use <attribute> <operator> <value>, "
                    "for example attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" % (text, term))
    return None


def _sidecar_errors(at, svc, errors):
    for index, sidecar in enumerate(svc.get("sidecars") or []):
        where = "%s.sidecars[%d]" % (at, index)
        name = sidecar.get("name")
        if not name or not NAME_RE.match(str(name)):
            errors.append("%s.name: %s; name every sidecar (letters, digits, hyphens, underscores)"
                          % (where, name or "missing"))
        for key in ("listener_rule", "autoscaling", "desired_count", "sidecars", "volumes", "network_mode"):
            if key in sidecar:
                errors.append("%s.%s: a service setting, not a container one; set it on the service" % (where, key))


def _firelens_errors(at, svc, errors):
    firelens = svc.get("firelens")
    if firelens is None:
        return
    kind = str(firelens.get("type") or "fluentbit")
    if kind not in FIRELENS_TYPES:
        errors.append("%s.firelens.type: %s; use fluentbit or fluentd" % (at, kind))
    if any(s.get("name") == LOG_ROUTER for s in svc.get("sidecars") or []):
        errors.append("%s.sidecars: a sidecar is named %s, the FireLens router's name; rename it" % (at, LOG_ROUTER))


def _autoscaling_errors(at, svc, errors):
    scaling = svc.get("autoscaling")
    if scaling is None:
        return
    low, high = _int(scaling.get("min", 1), -1), _int(scaling.get("max", 1), -1)
    if low < 0 or low > high:
        errors.append("%s.autoscaling: min %s must be between 0 and max %s"
                      % (at, scaling.get("min", 1), scaling.get("max", 1)))
    for key in ("cpu_target", "memory_target"):
        target = scaling.get(key, 50)
        try:
            bad = not 0 < float(target) <= 100
        except (TypeError, ValueError):
            bad = True
        if bad:
            errors.append("%s.autoscaling.%s: %s is out of range; use 1-100 (percent)" % (at, key, target))
    requests = scaling.get("requests_per_target")
    if requests is not None:
        if _int(requests, 0) < 1:
            errors.append("%s.autoscaling.requests_per_target: %s; use the number of requests per target and "
                          "minute to hold (1 or more)" % (at, requests))
        if svc.get("listener_rule") is None:
            errors.append("%s.autoscaling.requests_per_target: the service is not behind the load balancer; add a "
                          "listener_rule or scale on cpu_target / memory_target" % at)
    for key in ("scale_in_cooldown", "scale_out_cooldown"):
        if scaling.get(key) is not None and _int(scaling[key], -1) < 0:
            errors.append("%s.autoscaling.%s: %s; use seconds (0 or more)" % (at, key, scaling[key]))
    names = []
    for index, policy in enumerate(scaling.get("step_policies") or []):
        where = "%s.autoscaling.step_policies[%d]" % (at, index)
        if not isinstance(policy, dict):
            errors.append("%s: %s; give name, steps and alarm" % (where, policy))
            continue
        _scaling_name_error(where, policy.get("name"), names, "step policy", errors)
        _step_policy_errors(where, policy, errors)
    names = []
    for index, action in enumerate(scaling.get("scheduled_actions") or []):
        where = "%s.autoscaling.scheduled_actions[%d]" % (at, index)
        if not isinstance(action, dict):
            errors.append("%s: %s; give name, schedule and min and/or max" % (where, action))
            continue
        _scaling_name_error(where, action.get("name"), names, "scheduled action", errors)
        _scheduled_action_errors(where, action, errors)


def _scaling_name_error(where, name, seen, what, errors):
    if not name or not SCALING_NAME_RE.match(str(name)):
        errors.append("%s.name: %s; name every %s (1-64 letters, digits, hyphens, underscores)"
                      % (where, name or "missing", what))
    elif name in seen:
        errors.append("%s.name: %s is used by another %s of the service; names are unique per service"
                      % (where, name, what))
    seen.append(name)


def _number(value):
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _step_policy_errors(where, policy, errors):
    """A step scaling policy as Application Auto Scaling accepts it (StepAdjustments rules of the API reference),
    and steps its alarm can reach: an alarm above the threshold only ever gives breaches of 0 or more."""
    kind = policy.get("adjustment_type") or "ChangeInCapacity"
    if kind not in ADJUSTMENT_TYPES:
        errors.append("%s.adjustment_type: %s; use %s" % (where, kind, ", ".join(ADJUSTMENT_TYPES)))
    aggregation = policy.get("metric_aggregation_type") or "Average"
    if aggregation not in METRIC_AGGREGATION_TYPES:
        errors.append("%s.metric_aggregation_type: %s; use %s" % (where, aggregation, ", ".join(METRIC_AGGREGATION_TYPES)))
    if policy.get("cooldown") is not None and _int(policy["cooldown"], -1) < 0:
        errors.append("%s.cooldown: %s; use seconds (0 or more)" % (where, policy["cooldown"]))
    if policy.get("min_adjustment_magnitude") is not None:
        if kind != "PercentChangeInCapacity":
            errors.append("%s.min_adjustment_magnitude: only for adjustment_type PercentChangeInCapacity; remove it"
                          % where)
        elif _int(policy["min_adjustment_magnitude"], 0) < 1:
            errors.append("%s.min_adjustment_magnitude: %s; use tasks (1 or more)" % (where, policy["min_adjustment_magnitude"]))
    alarm = policy.get("alarm")
    comparison = None
    if not isinstance(alarm, dict):
        errors.append("%s.alarm: missing; a step policy acts when its CloudWatch alarm fires: give metric_name, "
                      "threshold and comparison (and namespace, dimensions, statistic, period for other metrics "
                      "than the service's AWS/ECS ones)" % where)
    else:
        comparison = alarm.get("comparison") or "GreaterThanOrEqualToThreshold"
        if comparison not in ALARM_ABOVE + ALARM_BELOW:
            errors.append("%s.alarm.comparison: %s; use %s" % (where, comparison, ", ".join(ALARM_ABOVE + ALARM_BELOW)))
            comparison = None
        if not alarm.get("metric_name"):
            errors.append("%s.alarm.metric_name: missing; name the metric the alarm watches (for example "
                          "CPUUtilization in AWS/ECS)" % where)
        if _number(alarm.get("threshold")) is None:
            errors.append("%s.alarm.threshold: %s; give the metric value at which the alarm fires"
                          % (where, alarm.get("threshold", "missing")))
        statistic = alarm.get("statistic") or "Average"
        if statistic not in ALARM_STATISTICS:
            errors.append("%s.alarm.statistic: %s; use %s" % (where, statistic, ", ".join(ALARM_STATISTICS)))
        period = _int(alarm.get("period", 60), 0)
        if period not in (10, 30) and (period < 60 or period % 60):
            errors.append("%s.alarm.period: %s; use 10, 30 or a multiple of 60 seconds" % (where, alarm.get("period")))
        if _int(alarm.get("evaluation_periods", 1), 0) < 1:
            errors.append("%s.alarm.evaluation_periods: %s; use 1 or more" % (where, alarm.get("evaluation_periods")))
        if (alarm.get("treat_missing_data") or "missing") not in MISSING_DATA:
            errors.append("%s.alarm.treat_missing_data: %s; use %s"
                          % (where, alarm.get("treat_missing_data"), ", ".join(MISSING_DATA)))
        dimensions = alarm.get("dimensions")
        if dimensions is not None and not isinstance(dimensions, dict):
            errors.append("%s.alarm.dimensions: %s; give a mapping of dimension name to value" % (where, dimensions))
        elif dimensions is None and (alarm.get("namespace") or "AWS/ECS") != "AWS/ECS":
            errors.append("%s.alarm.dimensions: missing; a metric outside AWS/ECS needs its dimensions (AWS/ECS "
                          "metrics default to the service's ClusterName and ServiceName)" % where)
    steps = policy.get("steps")
    if not isinstance(steps, list) or not steps:
        errors.append("%s.steps: missing; give steps with lower and/or upper (relative to the alarm threshold) and "
                      "adjustment, for example [{lower: 0, upper: 20, adjustment: 1}, {lower: 20, adjustment: 2}]"
                      % where)
        return
    bounds = []
    for index, step in enumerate(steps):
        at = "%s.steps[%d]" % (where, index)
        if not isinstance(step, dict):
            errors.append("%s: %s; give lower and/or upper and adjustment" % (at, step))
            return
        adjustment = step.get("adjustment")
        if adjustment is None or _int(adjustment, None) is None or isinstance(adjustment, bool):
            errors.append("%s.adjustment: %s; give the tasks to add (negative: remove)%s"
                          % (at, adjustment if adjustment is not None else "missing",
                             ", or the count to set with ExactCapacity" if kind == "ExactCapacity" else ""))
        elif kind == "ExactCapacity" and _int(adjustment) < 0:
            errors.append("%s.adjustment: %s; ExactCapacity sets the count: use 0 or more" % (at, adjustment))
        elif kind != "ExactCapacity" and _int(adjustment) == 0:
            errors.append("%s.adjustment: 0 changes nothing; add (positive) or remove (negative) tasks" % at)
        lower, upper = step.get("lower"), step.get("upper")
        low, high = _number(lower), _number(upper)
        if (lower is not None and low is None) or (upper is not None and high is None):
            errors.append("%s: lower %s, upper %s; bounds are numbers (metric value minus threshold)" % (at, lower, upper))
            return
        if low is None and high is None:
            errors.append("%s: neither lower nor upper; a step has at least one bound" % at)
            return
        if low is not None and high is not None and low >= high:
            errors.append("%s: lower %s is not below upper %s" % (at, lower, upper))
            return
        bounds.append((low, high))
    for index in range(1, len(bounds)):
        previous, current = bounds[index - 1], bounds[index]
        if previous[1] is None or current[0] is None or previous[1] != current[0]:
            errors.append("%s.steps[%d].lower: %s; steps go upwards without gaps or overlaps: each lower is the "
                          "upper of the step before (%s)"
                          % (where, index, _show_bound(current[0]), _show_bound(previous[1])))
            return
    if any(bound[0] is not None and bound[0] < 0 for bound in bounds) and bounds[0][0] is not None:
        errors.append("%s.steps[0].lower: %s; with a negative bound the first step must have no lower bound "
                      "(minus infinity)" % (where, _show_bound(bounds[0][0])))
    if any(bound[1] is not None and bound[1] > 0 for bound in bounds) and bounds[-1][1] is not None:
        errors.append("%s.steps[%d].upper: %s; with a positive bound the last step must have no upper bound "
                      "(infinity)" % (where, len(bounds) - 1, _show_bound(bounds[-1][1])))
    if comparison in ALARM_ABOVE and (bounds[0][0] is None or bounds[0][0] < 0):
        errors.append("%s.steps[0].lower: %s; the alarm fires above its threshold (%s), so a step below it never "
                      "applies: start the steps at lower 0" % (where, _show_bound(bounds[0][0]), comparison))
    elif comparison in ALARM_BELOW and (bounds[-1][1] is None or bounds[-1][1] > 0):
        errors.append("%s.steps[%d].upper: %s; the alarm fires below its threshold (%s), so a step above it never "
                      "applies: end the steps at upper 0"
                      % (where, len(bounds) - 1, _show_bound(bounds[-1][1]), comparison))


def _show_bound(value):
    if value is None:
        return "none"
    return ("%d" % value) if float(value).is_integer() else ("%s" % value)


def schedule_error(schedule):
    """None when `schedule` is an Application Auto Scaling schedule, else the problem and the fix."""
    text = str(schedule or "").strip()
    fix = "use at(yyyy-mm-ddThh:mm:ss), rate(<n> minutes|hours|days) or cron(<minutes> <hours> <day-of-month> " \
          "<month> <day-of-week> <year>)"
    if not text:
        return "missing; " + fix
    match = AT_RE.match(text)
    if match:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 59):
            return "%s is not a date and time; %s" % (text, fix)
        return None
    match = RATE_RE.match(text)
    if match:
        value, unit = int(match.group(1)), match.group(2)
        if value < 1:
            return "%s: the rate is 1 or more" % text
        if (value == 1) != (not unit.endswith("s")):
            return "%s: use the singular unit for 1 and the plural otherwise, for example rate(1 hour), rate(6 hours)" \
                % text
        return None
    match = CRON_RE.match(text)
    if match:
        fields = match.group(1).split()
        if len(fields) != 6 or not all(CRON_FIELD_RE.match(f) for f in fields):
            return "%s: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year); %s" \
                % (text, fix)
        if (fields[2] == "?") == (fields[4] == "?"):
            return "%s: exactly one of day-of-month and day-of-week is ?, for example cron(0 8 ? * MON-FRI *)" % text
        return None
    return "%s; %s" % (text, fix)


def iso_time_error(value):
    text = str(value)
    match = ISO_TIME_RE.match(text)
    if not match:
        return "%s; give a UTC time as yyyy-mm-ddThh:mm:ssZ" % text
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59):
        return "%s is not a date and time; give a UTC time as yyyy-mm-ddThh:mm:ssZ" % text
    return None


def _scheduled_action_errors(where, action, errors):
    problem = schedule_error(action.get("schedule"))
    if problem:
        errors.append("%s.schedule: %s" % (where, problem))
    timezone = action.get("timezone")
    if timezone is not None and not TIMEZONE_RE.match(str(timezone)):
        errors.append("%s.timezone: %s; use an IANA time zone name such as Europe/Berlin (default UTC)"
                      % (where, timezone))
    low, high = action.get("min"), action.get("max")
    if low is None and high is None:
        errors.append("%s: neither min nor max; a scheduled action sets the scalable target's min and/or max tasks"
                      % where)
    for key, value in (("min", low), ("max", high)):
        if value is not None and (isinstance(value, bool) or _int(value, -1) < 0):
            errors.append("%s.%s: %s; use tasks (0 or more)" % (where, key, value))
    if low is not None and high is not None and 0 <= _int(high, -1) < _int(low, -1):
        errors.append("%s.max: %s is below min %s" % (where, high, low))
    for key in ("start_time", "end_time"):
        if action.get(key) is not None:
            problem = iso_time_error(action[key])
            if problem:
                errors.append("%s.%s: %s" % (where, key, problem))
    start, end = action.get("start_time"), action.get("end_time")
    if start and end and not iso_time_error(start) and not iso_time_error(end) and \
            _iso_key(start) >= _iso_key(end):
        errors.append("%s.end_time: %s is not after start_time %s" % (where, end, start))


def _iso_key(value):
    match = ISO_TIME_RE.match(str(value))
    return tuple(int(g or 0) for g in match.groups()[:6])


def _minutes_error(where, value, errors):
    if value is not None and not (_number(value) is not None and float(_number(value)).is_integer()
                                  and 0 <= _number(value) <= 1440):
        errors.append("%s: %s is out of range; use whole minutes 0-1440" % (where, value))


def _percent_error(where, value, low, errors):
    number = _number(value)
    if value is not None and (number is None or not low <= number <= 100 or abs(round(number * 10) - number * 10) > 1e-6):
        errors.append("%s: %s is out of range; use %s-100 in steps of 0.1" % (where, value, low))


def _deployment_errors(at, svc, settings, errors):
    """deployment_strategy and its settings: values in the ECS API's ranges, hooks' ARNs in this partition and region,
    traffic shifting only for load-balanced replica services."""
    given = svc.get("deployment_strategy")
    if given is not None and given not in DEPLOYMENT_STRATEGIES:
        errors.append("%s.deployment_strategy: %s is not valid; use %s" % (at, given, ", ".join(DEPLOYMENT_STRATEGIES)))
        return
    strategy = deployment_strategy(svc, settings)
    keys = [k for k in ("bake_time", "linear", "canary", "lifecycle_hooks") if svc.get(k) is not None]
    if strategy == "ROLLING":
        for key in keys:
            errors.append("%s.%s: only blue_green, linear and canary deployments use it; set deployment_strategy or "
                          "remove %s" % (at, key, key))
        return
    if svc.get("listener_rule") is None:
        errors.append("%s.deployment_strategy: %s shifts traffic between two target groups and needs a load-balanced "
                      "service; add a listener_rule or use rolling" % (at, given or settings["default_deployment_strategy"]))
    if (svc.get("scheduling_strategy") or "REPLICA") == "DAEMON":
        errors.append("%s.deployment_strategy: a DAEMON service deploys rolling only; use rolling" % at)
    _minutes_error(at + ".bake_time", svc.get("bake_time", settings["default_bake_time"]), errors)
    for key, other in (("linear", "LINEAR"), ("canary", "CANARY")):
        if svc.get(key) is not None and strategy != other:
            errors.append("%s.%s: only a %s deployment uses it; remove it or set deployment_strategy: %s"
                          % (at, key, key, key))
    linear, canary = svc.get("linear") or {}, svc.get("canary") or {}
    _percent_error(at + ".linear.step_percent", linear.get("step_percent"), 3, errors)
    _minutes_error(at + ".linear.step_bake_time", linear.get("step_bake_time"), errors)
    _percent_error(at + ".canary.percent", canary.get("percent"), 0.1, errors)
    _minutes_error(at + ".canary.bake_time", canary.get("bake_time"), errors)
    partition = partition_of_region(settings["region"]) if settings["region"] else None
    for index, hook in enumerate(svc.get("lifecycle_hooks") or []):
        where = "%s.lifecycle_hooks[%d]" % (at, index)
        kind = hook.get("type") or "lambda"
        if kind not in HOOK_TYPES:
            errors.append("%s.type: %s is not valid; use lambda or pause" % (where, kind))
            continue
        stages = _as_list(hook.get("stages"))
        if not stages:
            errors.append(where + ".stages: missing; name the lifecycle stages the hook runs at (%s)" % ", ".join(HOOK_STAGES))
        for stage in stages:
            if stage not in HOOK_STAGES:
                errors.append("%s.stages: %s is not a lifecycle stage; use %s" % (where, stage, ", ".join(HOOK_STAGES)))
        if kind == "pause":
            if hook.get("function_arn"):
                errors.append(where + ".function_arn: a pause hook runs no function; remove it or use type lambda")
        else:
            match = LAMBDA_FUNCTION_RE.match(str(hook.get("function_arn") or ""))
            if not match:
                errors.append("%s.function_arn: %s is not a Lambda function ARN; use "
                              "arn:<partition>:lambda:<region>:<account>:function:<name>" % (where, hook.get("function_arn")))
            elif (partition and match.group(1) != partition) or (settings["region"] and match.group(2) != settings["region"]):
                errors.append("%s.function_arn: %s is not in this partition and region (%s, %s); use a function in %s"
                              % (where, hook["function_arn"], partition, settings["region"], settings["region"]))
            if hook.get("role_arn"):
                role = IAM_ROLE_RE.match(str(hook["role_arn"]))
                if not role or (partition and role.group(1) != partition):
                    errors.append("%s.role_arn: %s is not an IAM role ARN of partition %s; fix it or leave it out (the "
                                  "role's own hook role is used)" % (where, hook["role_arn"], partition))
        if hook.get("timeout_action") is not None and str(hook["timeout_action"]).upper() not in ("CONTINUE", "ROLLBACK"):
            errors.append("%s.timeout_action: %s is not valid; use continue or rollback" % (where, hook["timeout_action"]))
        if hook.get("timeout_minutes") is not None:
            _minutes_error(where + ".timeout_minutes", hook["timeout_minutes"], errors)


def input_errors(services, settings=None):
    """Every problem in services_list, as "services_list[i].field: problem; fix" strings ([] when fine)."""
    settings = _settings(settings)
    services = services or []
    errors = []
    present = settings["state"] == "present"
    names = [svc.get("name") for svc in services]
    priorities = []
    for position, svc in enumerate(services):
        at = "services_list[%d]" % position
        name = svc.get("name")
        if not name:
            errors.append(at + ".name: missing; give every service a unique name")
        elif names.count(name) > 1 and names.index(name) != position:
            errors.append("%s.name: %s is listed more than once; service names must be unique" % (at, name))
        elif not SERVICE_NAME_RE.match(str(name)):
            errors.append("%s.name: %s may hold letters, digits, hyphens and underscores only" % (at, name))
        if not present:
            continue
        mode = svc.get("network_mode") or "bridge"
        if mode not in ("bridge", "awsvpc"):
            errors.append("%s.network_mode: %s is not supported; use bridge or awsvpc" % (at, mode))
        elif mode == "awsvpc" and not (svc.get("subnet_ids") or settings["subnet_ids"]):
            errors.append(at + ".network_mode: awsvpc needs subnets; set services_subnet_ids (or run the network "
                          "role first)")
        _sidecar_errors(at, svc, errors)
        _firelens_errors(at, svc, errors)
        volume_names = _volume_errors(at, svc, settings, errors)
        _ebs_service_errors(at, svc, errors)
        task_containers = containers(svc, settings) if name else []
        container_names = [c.get("name") for c in task_containers]
        health_checked = [c.get("name") for c in task_containers if c.get("health_check")]
        for index, container in enumerate(task_containers):
            if index == 0:
                where = at
            elif container.get("_firelens"):
                continue
            else:
                where = "%s.sidecars[%d]" % (at, index - 1)
                if container_names.count(container.get("name")) > 1:
                    errors.append("%s.name: %s is used by another container of the task; container names are "
                                  "unique per task (the main container is named after the service)"
                                  % (where, container.get("name")))
            _container_errors(where, container, container_names, mode, errors, volume_names, health_checked)
        if mode == "awsvpc":
            ports = [p.get("containerPort") for c in task_containers for p in _port_mappings(c)]
            for port in sorted(set(p for p in ports if ports.count(p) > 1)):
                errors.append("%s: container port %s is used by two containers; in awsvpc the task's containers "
                              "share one network namespace" % (at, port))
        strategy = svc.get("scheduling_strategy") or "REPLICA"
        if strategy not in ("REPLICA", "DAEMON"):
            errors.append("%s.scheduling_strategy: %s is not valid; use REPLICA or DAEMON" % (at, strategy))
        elif strategy == "DAEMON":
            if svc.get("desired_count") is not None:
                errors.append(at + ".desired_count: a DAEMON service runs one task per instance; remove desired_count")
            if svc.get("autoscaling") is not None:
                errors.append(at + ".autoscaling: a DAEMON service cannot autoscale; remove autoscaling or use REPLICA")
        if svc.get("desired_count") is not None and _int(svc["desired_count"], -1) < 0:
            errors.append(at + ".desired_count: must be 0 or more")
        min_percent = _int(svc.get("min_percent", settings["default_min_percent"]), -1)
        max_percent = _int(svc.get("max_percent", settings["default_max_percent"]), -1)
        if not 0 <= min_percent <= 100:
            errors.append("%s.min_percent: %s is out of range; use 0-100" % (at, min_percent))
        if strategy == "REPLICA" and not 100 <= max_percent <= 200:
            errors.append("%s.max_percent: %s is out of range; use 100-200" % (at, max_percent))
        _placement_errors(at, svc, settings, errors)
        rule = svc.get("listener_rule")
        if rule is not None:
            if not svc.get("container_port"):
                errors.append(at + ".container_port: a service with a listener_rule needs the port its container "
                              "listens on")
            if not rule.get("host") and not rule.get("path"):
                errors.append(at + ".listener_rule: set host and/or path")
            priority = _int(rule.get("priority"), 0)
            if not 1 <= priority <= 50000:
                errors.append("%s.listener_rule.priority: %s; use a unique number 1-50000"
                              % (at, rule.get("priority", "missing")))
            elif priority in priorities:
                errors.append("%s.listener_rule.priority: %s is already used by another service; pick a unique "
                              "priority" % (at, priority))
            else:
                priorities.append(priority)
            if not settings["listener_arn"]:
                errors.append(at + ".listener_rule: no listener; set services_listener_arn (or run the "
                              "load_balancer role first)")
        _autoscaling_errors(at, svc, errors)
        _deployment_errors(at, svc, settings, errors)
    if present and services and not settings["cluster_name"]:
        errors.append("services_cluster_name: empty; set it (or run the ecs_cluster role first)")
    if present and any(svc.get("listener_rule") is not None for svc in services) and not settings["vpc_id"]:
        errors.append("services_vpc_id: empty; target groups need the VPC (or run the network role first)")
    if present and any(svc.get("network_mode") == "awsvpc" and not svc.get("security_group_ids")
                       for svc in services) and not settings["vpc_id"]:
        errors.append("services_vpc_id: empty; the security groups of awsvpc tasks need the VPC (or run the "
                      "network role first)")
    return errors


# The name the whole-platform pre-flight calls.
service_input_errors = input_errors
