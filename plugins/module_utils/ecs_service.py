# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS services: turn a service spec (module options, snake_case) into CreateService/UpdateService
requests and compute exactly what differs from a DescribeServices item, with AWS defaults normalised
so that a converged service reports no change.

Pure functions, no I/O: unit-tested on plain dicts. A field the spec leaves out (None) is not managed
and never reported as a difference.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Fields UpdateService cannot change: a difference here needs the service to be recreated.
IMMUTABLE = ("schedulingStrategy", "launchType")

# ECS's deployment strategies; all but ROLLING shift traffic between two target groups (a load balancer's
# advancedConfiguration) and run lifecycle hooks.
STRATEGIES = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
TRAFFIC_SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")
HOOK_STAGES = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
               "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT")
# The stages of a service deployment in order (ServiceDeployment.lifecycleStage), and those a strategy passes.
DEPLOYMENT_STAGES = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
                     "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT",
                     "BAKE_TIME", "CLEAN_UP")
# The documented defaults of LinearConfiguration and CanaryConfiguration.
LINEAR_DEFAULTS = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6}
CANARY_DEFAULTS = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10}


def _lower(value):
    return str(value).lower() if value is not None else None


def capacity_provider_strategy(items):
    if items is None:
        return None
    return [
        {"capacityProvider": item["capacity_provider"], "weight": int(item.get("weight") or 0),
         "base": int(item.get("base") or 0)}
        for item in items
    ]


def deployment_configuration(config, scheduling_strategy="REPLICA"):
    """The full deploymentConfiguration for a spec's (possibly partial) deployment_configuration,
    with the AWS defaults (REPLICA 100/200, DAEMON 0/100, circuit breaker off, no alarms)."""
    if config is None:
        return None
    daemon = scheduling_strategy == "DAEMON"
    minimum = config.get("minimum_healthy_percent")
    maximum = config.get("maximum_percent")
    result = {
        "minimumHealthyPercent": int(minimum if minimum is not None else (0 if daemon else 100)),
        "maximumPercent": int(maximum if maximum is not None else (100 if daemon else 200)),
    }
    breaker = config.get("circuit_breaker") or {}
    result["deploymentCircuitBreaker"] = {
        "enable": bool(breaker.get("enable", False)),
        "rollback": bool(breaker.get("rollback", False)),
    }
    alarms = config.get("alarms")
    if alarms and alarms.get("alarm_names"):
        result["alarms"] = {
            "alarmNames": sorted(alarms["alarm_names"]),
            "enable": bool(alarms.get("enable", True)),
            "rollback": bool(alarms.get("rollback", True)),
        }
    result.update(strategy_configuration(config))
    return result


def _hook(hook):
    """A DeploymentLifecycleHook from a module hook item."""
    result = {"targetType": hook.get("target_type") or "AWS_LAMBDA",
              "lifecycleStages": list(hook.get("lifecycle_stages") or [])}
    if hook.get("hook_target_arn"):
        result["hookTargetArn"] = hook["hook_target_arn"]
    if hook.get("role_arn"):
        result["roleArn"] = hook["role_arn"]
    if hook.get("timeout_in_minutes") is not None or hook.get("timeout_action"):
        timeout = {}
        if hook.get("timeout_in_minutes") is not None:
            timeout["timeoutInMinutes"] = int(hook["timeout_in_minutes"])
        if hook.get("timeout_action"):
            timeout["action"] = hook["timeout_action"]
        result["timeoutConfiguration"] = timeout
    return result


def strategy_configuration(config):
    """The strategy part of a deploymentConfiguration (strategy, bake time, linear/canary steps, lifecycle
    hooks) for a module deployment_configuration; {} when the spec leaves the strategy unmanaged."""
    strategy = (config or {}).get("strategy")
    if strategy is None:
        return {}
    result = {"strategy": strategy}
    if strategy == "ROLLING":
        return result
    if config.get("bake_time_in_minutes") is not None:
        result["bakeTimeInMinutes"] = int(config["bake_time_in_minutes"])
    if strategy == "LINEAR":
        linear = config.get("linear") or {}
        result["linearConfiguration"] = {
            "stepPercent": float(linear.get("step_percent") if linear.get("step_percent") is not None
                                 else LINEAR_DEFAULTS["stepPercent"]),
            "stepBakeTimeInMinutes": int(linear.get("step_bake_time_in_minutes")
                                         if linear.get("step_bake_time_in_minutes") is not None
                                         else LINEAR_DEFAULTS["stepBakeTimeInMinutes"])}
    if strategy == "CANARY":
        canary = config.get("canary") or {}
        result["canaryConfiguration"] = {
            "canaryPercent": float(canary.get("canary_percent") if canary.get("canary_percent") is not None
                                   else CANARY_DEFAULTS["canaryPercent"]),
            "canaryBakeTimeInMinutes": int(canary.get("canary_bake_time_in_minutes")
                                           if canary.get("canary_bake_time_in_minutes") is not None
                                           else CANARY_DEFAULTS["canaryBakeTimeInMinutes"])}
    result["lifecycleHooks"] = [_hook(h) for h in config.get("lifecycle_hooks") or []]
    return result


def _canon_hooks(hooks):
    return sorted(
        (h.get("targetType") or "AWS_LAMBDA", h.get("hookTargetArn") or "", h.get("roleArn") or "",
         tuple(sorted(h.get("lifecycleStages") or [])),
         int((h.get("timeoutConfiguration") or {}).get("timeoutInMinutes") or 0),
         (h.get("timeoutConfiguration") or {}).get("action") or "")
        for h in hooks or [])


def canonical_strategy(config, desired=None):
    """What differs between strategies, comparable: the current (DescribeServices) or desired strategy
    fields; only the fields `desired` manages are kept (None: the desired view itself)."""
    config = config or {}
    desired = config if desired is None else desired
    if "strategy" not in desired:
        return None
    strategy = config.get("strategy") or "ROLLING"
    view = {"strategy": strategy}
    if strategy == "ROLLING" or desired.get("strategy") == "ROLLING":
        return view
    if "bakeTimeInMinutes" in desired:
        view["bakeTimeInMinutes"] = int(config.get("bakeTimeInMinutes") or 0)
    if strategy == "LINEAR":
        linear = dict(LINEAR_DEFAULTS, **(config.get("linearConfiguration") or {}))
        view["linear"] = (round(float(linear["stepPercent"]), 1), int(linear["stepBakeTimeInMinutes"]))
    if strategy == "CANARY":
        canary = dict(CANARY_DEFAULTS, **(config.get("canaryConfiguration") or {}))
        view["canary"] = (round(float(canary["canaryPercent"]), 1), int(canary["canaryBakeTimeInMinutes"]))
    view["hooks"] = _canon_hooks(config.get("lifecycleHooks"))
    return view


def deployment_stages(config):
    """The lifecycle stages a deployment with this deploymentConfiguration passes, in order, each with the hooks
    that run there ({"stage", "hooks": [PAUSE or the function name]}); ROLLING has none. RECONCILE_SERVICE (only
    with more than one active revision) and PRE_PRODUCTION_TRAFFIC_SHIFT are listed when a hook runs there."""
    strategy = (config or {}).get("strategy") or "ROLLING"
    if strategy == "ROLLING":
        return []
    hooks = {}
    for hook in (config or {}).get("lifecycleHooks") or []:
        label = "PAUSE" if hook.get("targetType") == "PAUSE" else (hook.get("hookTargetArn") or "").split(":")[-1]
        for stage in hook.get("lifecycleStages") or []:
            hooks.setdefault(stage, []).append(label)
    stages = []
    for stage in DEPLOYMENT_STAGES:
        if stage == "PRODUCTION_TRAFFIC_SHIFT" and "PRE_PRODUCTION_TRAFFIC_SHIFT" in hooks:
            stages.append("PRE_PRODUCTION_TRAFFIC_SHIFT")
        if stage != "RECONCILE_SERVICE" or stage in hooks:
            stages.append(stage)
    return [{"stage": stage, "hooks": hooks.get(stage, [])} for stage in stages]


def traffic_steps(config):
    """The production traffic weights (percent on the new revision) a deployment passes: BLUE_GREEN [100],
    LINEAR step by step, CANARY [canary, 100]; ROLLING []."""
    strategy = (config or {}).get("strategy") or "ROLLING"
    if strategy == "BLUE_GREEN":
        return [100.0]
    if strategy == "LINEAR":
        step = float(dict(LINEAR_DEFAULTS, **(config.get("linearConfiguration") or {}))["stepPercent"])
        steps, weight = [], 0.0
        while weight < 100.0:
            weight = min(100.0, round(weight + step, 1))
            steps.append(weight)
        return steps
    if strategy == "CANARY":
        canary = float(dict(CANARY_DEFAULTS, **(config.get("canaryConfiguration") or {}))["canaryPercent"])
        return [canary, 100.0] if canary < 100.0 else [100.0]
    return []


def normalize_deployment_configuration(config, scheduling_strategy="REPLICA"):
    """A DescribeServices deploymentConfiguration with defaults filled and disabled alarms dropped."""
    config = dict(config or {})
    daemon = scheduling_strategy == "DAEMON"
    breaker = config.get("deploymentCircuitBreaker") or {}
    result = {
        "minimumHealthyPercent": int(config.get("minimumHealthyPercent", 0 if daemon else 100)),
        "maximumPercent": int(config.get("maximumPercent", 100 if daemon else 200)),
        "deploymentCircuitBreaker": {
            "enable": bool(breaker.get("enable", False)),
            "rollback": bool(breaker.get("rollback", False)),
        },
    }
    alarms = config.get("alarms")
    if alarms and alarms.get("alarmNames"):
        result["alarms"] = {
            "alarmNames": sorted(alarms["alarmNames"]),
            "enable": bool(alarms.get("enable", False)),
            "rollback": bool(alarms.get("rollback", False)),
        }
    return result


def deployment_configuration_differs(desired, current, scheduling_strategy="REPLICA"):
    """Whether a desired deploymentConfiguration (deployment_configuration()) differs from a DescribeServices one."""
    rolling_keys = ("minimumHealthyPercent", "maximumPercent", "deploymentCircuitBreaker", "alarms")
    desired_rolling = dict((k, v) for k, v in desired.items() if k in rolling_keys)
    if desired_rolling != normalize_deployment_configuration(current, scheduling_strategy):
        return True
    wanted = canonical_strategy(desired)
    return wanted is not None and wanted != canonical_strategy(current, desired)


def placement_strategy(items):
    if items is None:
        return None
    result = []
    for item in items:
        entry = {"type": item["type"]}
        if item.get("field"):
            entry["field"] = item["field"]
        result.append(entry)
    return result


def placement_constraints(items):
    if items is None:
        return None
    result = []
    for item in items:
        entry = {"type": item["type"]}
        if item.get("expression"):
            entry["expression"] = item["expression"]
        result.append(entry)
    return result


def _advanced_configuration(config):
    result = {"alternateTargetGroupArn": config["alternate_target_group_arn"],
              "productionListenerRule": config["production_listener_rule"], "roleArn": config["role_arn"]}
    if config.get("test_listener_rule"):
        result["testListenerRule"] = config["test_listener_rule"]
    return result


def load_balancers(items):
    if items is None:
        return None
    result = []
    for item in items:
        entry = {"targetGroupArn": item["target_group_arn"], "containerName": item["container_name"],
                 "containerPort": int(item["container_port"])}
        if item.get("advanced_configuration"):
            entry["advancedConfiguration"] = _advanced_configuration(item["advanced_configuration"])
        result.append(entry)
    return result


def network_configuration(config):
    if config is None:
        return None
    return {
        "awsvpcConfiguration": {
            "subnets": list(config.get("subnets") or []),
            "securityGroups": list(config.get("security_groups") or []),
            "assignPublicIp": "ENABLED" if config.get("assign_public_ip") else "DISABLED",
        }
    }


def volume_configurations(items):
    """ServiceVolumeConfiguration list for the module's volume_configurations (managed EBS volumes)."""
    if items is None:
        return None
    keys = (("role_arn", "roleArn"), ("encrypted", "encrypted"), ("kms_key_id", "kmsKeyId"),
            ("volume_type", "volumeType"), ("size_in_gib", "sizeInGiB"), ("snapshot_id", "snapshotId"),
            ("volume_initialization_rate", "volumeInitializationRate"), ("iops", "iops"),
            ("throughput", "throughput"), ("filesystem_type", "filesystemType"))
    result = []
    for item in items:
        managed = dict((api, item["managed_ebs_volume"][key]) for key, api in keys
                       if (item.get("managed_ebs_volume") or {}).get(key) is not None)
        specs = []
        for spec in (item.get("managed_ebs_volume") or {}).get("tag_specifications") or []:
            entry = {"resourceType": spec.get("resource_type") or "volume"}
            if spec.get("tags"):
                entry["tags"] = [{"key": k, "value": str(v)} for k, v in sorted(spec["tags"].items())]
            if spec.get("propagate_tags"):
                entry["propagateTags"] = spec["propagate_tags"]
            specs.append(entry)
        if specs:
            managed["tagSpecifications"] = specs
        result.append({"name": item["name"], "managedEBSVolume": managed})
    return result


def current_volume_configurations(service):
    """The volumeConfigurations of a DescribeServices item: ECS keeps them on its PRIMARY deployment."""
    for deployment in (service or {}).get("deployments") or []:
        if deployment.get("status") == "PRIMARY":
            return deployment.get("volumeConfigurations") or []
    return []


def _canon_volumes(items):
    result = []
    for item in items or []:
        managed = dict(item.get("managedEBSVolume") or {})
        managed["tagSpecifications"] = sorted(
            (s.get("resourceType") or "", s.get("propagateTags") or "NONE",
             tuple(sorted((t.get("key"), t.get("value")) for t in s.get("tags") or [])))
            for s in managed.get("tagSpecifications") or [])
        managed["encrypted"] = bool(managed.get("encrypted", False))
        result.append((item.get("name"), sorted(managed.items())))
    return sorted(result)


# -- canonical forms for comparison ----------------------------------------------------------------
def _canon_strategy(items):
    # Field names are case-insensitive for binpack (cpu/memory) and the instanceId spread.
    return [(_lower(i.get("type")), _lower(i.get("field"))) for i in (items or [])]


def _canon_constraints(items):
    return sorted((i.get("type"), i.get("expression") or "") for i in (items or []))


def _canon_load_balancers(items):
    """Load balancers, comparable. A traffic-shifting service's two target groups are a pair in no order: ECS
    swaps the production and alternate groups at each deployment, which is no difference."""
    result = []
    for i in items or []:
        advanced = i.get("advancedConfiguration") or {}
        groups = tuple(sorted(g for g in (i.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")) if g))
        result.append((groups, i.get("loadBalancerName") or "", i.get("containerName") or "",
                       int(i.get("containerPort") or 0), advanced.get("productionListenerRule") or "",
                       advanced.get("testListenerRule") or "", advanced.get("roleArn") or ""))
    return sorted(result)


def _keep_swapped_groups(wanted, current):
    """The load balancers to send, with each target group pair in the order ECS has it now (after a traffic-shifting
    deployment the alternate group is production; a service that switched back to rolling since serves from that
    group alone): sending the configured order would shift traffic back to a group without tasks."""
    swapped = {}
    serving = set()
    for item in current or []:
        advanced = item.get("advancedConfiguration") or {}
        if advanced.get("alternateTargetGroupArn"):
            swapped[(advanced["alternateTargetGroupArn"], item.get("targetGroupArn"))] = True
        elif item.get("targetGroupArn"):
            serving.add(item["targetGroupArn"])
    result = []
    for item in wanted:
        advanced = item.get("advancedConfiguration")
        if advanced and (swapped.get((item["targetGroupArn"], advanced["alternateTargetGroupArn"])) or (
                advanced["alternateTargetGroupArn"] in serving and item["targetGroupArn"] not in serving)):
            item = dict(item, targetGroupArn=advanced["alternateTargetGroupArn"],
                        advancedConfiguration=dict(advanced, alternateTargetGroupArn=item["targetGroupArn"]))
        result.append(item)
    return result


def _canon_capacity(items):
    return sorted((i["capacityProvider"], int(i.get("weight") or 0), int(i.get("base") or 0)) for i in (items or []))


def _canon_network(config):
    vpc = (config or {}).get("awsvpcConfiguration") or {}
    if not vpc:
        return None
    return (tuple(sorted(vpc.get("subnets") or [])), tuple(sorted(vpc.get("securityGroups") or [])),
            vpc.get("assignPublicIp") or "DISABLED")


def desired_fields(spec, task_definition_arn):
    """API-shaped desired values for every field the spec manages (None = unmanaged)."""
    strategy = spec.get("scheduling_strategy") or "REPLICA"
    return {
        "taskDefinition": task_definition_arn,
        "desiredCount": spec.get("desired_count") if strategy == "REPLICA" else None,
        "schedulingStrategy": strategy,
        "launchType": spec.get("launch_type"),
        "capacityProviderStrategy": capacity_provider_strategy(spec.get("capacity_provider_strategy")),
        "deploymentConfiguration": deployment_configuration(spec.get("deployment_configuration"), strategy),
        "placementStrategy": placement_strategy(spec.get("placement_strategy")),
        "placementConstraints": placement_constraints(spec.get("placement_constraints")),
        "loadBalancers": load_balancers(spec.get("load_balancers")),
        "healthCheckGracePeriodSeconds": spec.get("health_check_grace_period_seconds"),
        "enableExecuteCommand": spec.get("enable_execute_command"),
        "enableECSManagedTags": spec.get("enable_ecs_managed_tags"),
        "propagateTags": spec.get("propagate_tags"),
        "networkConfiguration": network_configuration(spec.get("network_configuration")),
        "volumeConfigurations": volume_configurations(spec.get("volume_configurations")),
    }


def create_request(spec, cluster, task_definition_arn):
    """The CreateService request for a spec."""
    fields = desired_fields(spec, task_definition_arn)
    request = {"cluster": cluster, "serviceName": spec["name"]}
    for key, value in fields.items():
        if value is not None:
            request[key] = value
    if fields["schedulingStrategy"] == "REPLICA" and fields["desiredCount"] is None:
        request["desiredCount"] = 1
    if spec.get("tags"):
        request["tags"] = [{"key": k, "value": str(v)} for k, v in sorted(spec["tags"].items())]
    return request


def service_differences(current, spec, task_definition_arn):
    """(differences, update_request_fields, immutable_differences) for an existing service.

    differences: names of the API fields that differ. update_request_fields: what UpdateService must
    send to converge. immutable_differences: fields UpdateService cannot change.
    A desired count owned by autoscaling (desired_count_owner=autoscaling) is never compared.
    """
    fields = desired_fields(spec, task_definition_arn)
    strategy = current.get("schedulingStrategy") or "REPLICA"
    differences, update, immutable = [], {}, []

    def differ(key, before, after, send):
        differences.append(key)
        update[key] = send

    if fields["taskDefinition"] is not None and fields["taskDefinition"] != current.get("taskDefinition"):
        differ("taskDefinition", current.get("taskDefinition"), fields["taskDefinition"], fields["taskDefinition"])
    if (fields["desiredCount"] is not None and spec.get("desired_count_owner", "module") != "autoscaling"
            and strategy == "REPLICA" and int(fields["desiredCount"]) != current.get("desiredCount")):
        differ("desiredCount", current.get("desiredCount"), fields["desiredCount"], int(fields["desiredCount"]))
    if fields["schedulingStrategy"] != strategy:
        immutable.append("schedulingStrategy")
    if fields["launchType"] is not None and fields["capacityProviderStrategy"] is None and \
            fields["launchType"] != current.get("launchType"):
        if current.get("capacityProviderStrategy") and fields["capacityProviderStrategy"] is None:
            # Back from a capacity provider to a launch type: an empty strategy, new deployment.
            differ("launchType", None, None, None)
            update.pop("launchType")
            update["capacityProviderStrategy"] = []
            update["forceNewDeployment"] = True
        else:
            immutable.append("launchType")
    if fields["capacityProviderStrategy"] is not None and _canon_capacity(fields["capacityProviderStrategy"]) != \
            _canon_capacity(current.get("capacityProviderStrategy")):
        differ("capacityProviderStrategy", None, None, fields["capacityProviderStrategy"])
        # A new strategy applies to tasks started by a new deployment only.
        update["forceNewDeployment"] = True
    if fields["deploymentConfiguration"] is not None and deployment_configuration_differs(
            fields["deploymentConfiguration"], current.get("deploymentConfiguration"), strategy):
        differ("deploymentConfiguration", None, None, fields["deploymentConfiguration"])
    if fields["placementStrategy"] is not None and _canon_strategy(fields["placementStrategy"]) != \
            _canon_strategy(current.get("placementStrategy")):
        differ("placementStrategy", None, None, fields["placementStrategy"])
    if fields["placementConstraints"] is not None and _canon_constraints(fields["placementConstraints"]) != \
            _canon_constraints(current.get("placementConstraints")):
        differ("placementConstraints", None, None, fields["placementConstraints"])
    if fields["loadBalancers"] is not None and _canon_load_balancers(fields["loadBalancers"]) != \
            _canon_load_balancers(current.get("loadBalancers")):
        differ("loadBalancers", None, None, _keep_swapped_groups(fields["loadBalancers"], current.get("loadBalancers")))
    if fields["healthCheckGracePeriodSeconds"] is not None and int(fields["healthCheckGracePeriodSeconds"]) != \
            int(current.get("healthCheckGracePeriodSeconds") or 0):
        differ("healthCheckGracePeriodSeconds", None, None, int(fields["healthCheckGracePeriodSeconds"]))
    if fields["enableExecuteCommand"] is not None and bool(fields["enableExecuteCommand"]) != \
            bool(current.get("enableExecuteCommand", False)):
        differ("enableExecuteCommand", None, None, bool(fields["enableExecuteCommand"]))
    if fields["enableECSManagedTags"] is not None and bool(fields["enableECSManagedTags"]) != \
            bool(current.get("enableECSManagedTags", False)):
        differ("enableECSManagedTags", None, None, bool(fields["enableECSManagedTags"]))
    if fields["propagateTags"] is not None and fields["propagateTags"] != (current.get("propagateTags") or "NONE"):
        differ("propagateTags", None, None, fields["propagateTags"])
    if fields["networkConfiguration"] is not None and _canon_network(fields["networkConfiguration"]) != \
            _canon_network(current.get("networkConfiguration")):
        differ("networkConfiguration", None, None, fields["networkConfiguration"])
    if fields["volumeConfigurations"] is not None and _canon_volumes(fields["volumeConfigurations"]) != \
            _canon_volumes(current_volume_configurations(current)):
        # New volume settings apply to the tasks of a new deployment.
        differ("volumeConfigurations", None, None, fields["volumeConfigurations"])
    return differences, update, immutable


def comparable_view(service):
    """The managed fields of a DescribeServices item, for --diff output."""
    if not service:
        return {}
    keys = ("taskDefinition", "desiredCount", "schedulingStrategy", "launchType", "capacityProviderStrategy",
            "deploymentConfiguration", "placementStrategy", "placementConstraints", "loadBalancers",
            "healthCheckGracePeriodSeconds", "enableExecuteCommand", "enableECSManagedTags", "propagateTags",
            "networkConfiguration")
    view = dict((k, service.get(k)) for k in keys if service.get(k) not in (None, [], {}))
    if current_volume_configurations(service):
        view["volumeConfigurations"] = current_volume_configurations(service)
    return view


def planned_view(current, update):
    """What comparable_view would show after UpdateService sends `update`."""
    view = comparable_view(current)
    view.update(dict((k, v) for k, v in update.items() if k != "forceNewDeployment"))
    return view
