# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-versus-current logic for ECS clusters and capacity providers.

Pure functions over module parameters and DescribeClusters / DescribeCapacityProviders items: no I/O,
so every comparison the modules make is unit-tested on plain dicts. Comparisons only look at what the
user asked for: a field left unset is never a difference (AWS fills defaults the user did not choose).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging


# ---------------------------------------------------------------------------------------------- tags
def ecs_tags_to_dict(tags):
    """ECS tag list ([{key, value}]) -> dict."""
    return tagging.to_dict(tags, "key", "value")


def dict_to_ecs_tags(tags):
    """dict -> ECS tag list, sorted by key so requests are stable."""
    return tagging.to_list(tags, "key", "value")


tag_changes = tagging.changes


# ------------------------------------------------------------------------------------------- cluster
def _scrub(value):
    """Drop None values (recursively) so absent options never reach the API or the comparison."""
    if isinstance(value, dict):
        return dict((k, _scrub(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def execute_command_request(option):
    """Module option `execute_command_configuration` (snake case) -> API executeCommandConfiguration."""
    if option is None:
        return None
    log = option.get("log_configuration") or {}
    request = {
        "kmsKeyId": option.get("kms_key_id"),
        "logging": option.get("logging"),
    }
    if log:
        request["logConfiguration"] = _scrub({
            "cloudWatchLogGroupName": log.get("cloud_watch_log_group_name"),
            "cloudWatchEncryptionEnabled": log.get("cloud_watch_encryption_enabled"),
            "s3BucketName": log.get("s3_bucket_name"),
            "s3EncryptionEnabled": log.get("s3_encryption_enabled"),
            "s3KeyPrefix": log.get("s3_key_prefix"),
        })
    return _scrub(request)


def strategy_request(strategy):
    """Module option `default_capacity_provider_strategy` -> API list (base/weight default 0)."""
    if strategy is None:
        return None
    return [
        {
            "capacityProvider": item["capacity_provider"],
            "weight": int(item.get("weight") or 0),
            "base": int(item.get("base") or 0),
        }
        for item in strategy
    ]


def validate_strategy(capacity_providers, strategy):
    """Errors (list of str) in a capacity-provider set and default strategy, as ECS would report them."""
    errors = []
    if strategy is None:
        return errors
    names = [s["capacityProvider"] for s in strategy]
    if len(set(names)) != len(names):
        errors.append("default_capacity_provider_strategy names a capacity provider more than once")
    if capacity_providers is not None:
        missing = [n for n in names if n not in capacity_providers]
        if missing:
            errors.append(
                "default_capacity_provider_strategy uses %s, which capacity_providers does not list: add them"
                % ", ".join(missing)
            )
    if sum(1 for s in strategy if s["base"]) > 1:
        errors.append("only one entry of default_capacity_provider_strategy may have a base greater than 0")
    for item in strategy:
        if not 0 <= item["weight"] <= 1000:
            errors.append("weight of %s must be 0-1000" % item["capacityProvider"])
        if not 0 <= item["base"] <= 100000:
            errors.append("base of %s must be 0-100000" % item["capacityProvider"])
    if strategy and not any(s["weight"] for s in strategy):
        errors.append("at least one entry of default_capacity_provider_strategy needs a weight greater than 0")
    return errors


def current_cluster_view(cluster):
    """The comparable part of a DescribeClusters item (fields moto or AWS omit become empty)."""
    if not cluster:
        return None
    configuration = cluster.get("configuration") or {}
    return {
        "settings": dict((s["name"], s.get("value")) for s in cluster.get("settings") or []),
        "executeCommandConfiguration": configuration.get("executeCommandConfiguration") or {},
        "serviceConnectNamespace": (cluster.get("serviceConnectDefaults") or {}).get("namespace"),
        "capacityProviders": sorted(cluster.get("capacityProviders") or []),
        "defaultCapacityProviderStrategy": sort_strategy(cluster.get("defaultCapacityProviderStrategy") or []),
        "tags": ecs_tags_to_dict(cluster.get("tags")),
    }


def sort_strategy(strategy):
    return sorted(
        ({"capacityProvider": s["capacityProvider"], "weight": int(s.get("weight") or 0), "base": int(s.get("base") or 0)}
         for s in strategy),
        key=lambda s: s["capacityProvider"],
    )


def _normalise_exec(config):
    """executeCommandConfiguration with AWS's implicit defaults made explicit (logging DEFAULT,
    encryption flags false) so a described configuration equals the requested one."""
    config = copy.deepcopy(config or {})
    config.setdefault("logging", "DEFAULT")
    log = config.get("logConfiguration")
    if log is not None:
        log.setdefault("cloudWatchEncryptionEnabled", False)
        log.setdefault("s3EncryptionEnabled", False)
        for key in [k for k, v in log.items() if v in ("", None)]:
            del log[key]
        if not log or log == {"cloudWatchEncryptionEnabled": False, "s3EncryptionEnabled": False}:
            del config["logConfiguration"]
    if not config.get("kmsKeyId"):
        config.pop("kmsKeyId", None)
    return config


def desired_cluster_view(desired, current):
    """What the cluster should look like: `current` (a current_cluster_view, or None) with every
    option the user set (`desired`, see cluster_desired()) applied on top."""
    view = copy.deepcopy(current) if current else {
        "settings": {}, "executeCommandConfiguration": {}, "serviceConnectNamespace": None,
        "capacityProviders": [], "defaultCapacityProviderStrategy": [], "tags": {},
    }
    if desired.get("containerInsights") is not None:
        view["settings"]["containerInsights"] = desired["containerInsights"]
    if desired.get("executeCommandConfiguration") is not None:
        view["executeCommandConfiguration"] = desired["executeCommandConfiguration"]
    if desired.get("serviceConnectNamespace") is not None:
        view["serviceConnectNamespace"] = desired["serviceConnectNamespace"] or None
    providers = desired.get("capacityProviders")
    strategy = desired.get("defaultCapacityProviderStrategy")
    if providers is not None:
        view["capacityProviders"] = sorted(providers)
        if strategy is None:
            strategy = [s for s in view["defaultCapacityProviderStrategy"] if s["capacityProvider"] in providers]
    if strategy is not None:
        view["defaultCapacityProviderStrategy"] = sort_strategy(strategy)
    to_set, to_remove = tag_changes(view["tags"], desired.get("tags"), desired.get("purgeTags", True))
    view["tags"].update(to_set)
    for key in to_remove:
        del view["tags"][key]
    return view


def cluster_desired(params, namespace_arn=None):
    """Module parameters -> the desired-state dict desired_cluster_view() and cluster_changes() use."""
    settings = params.get("settings") or {}
    return {
        "containerInsights": settings.get("container_insights"),
        "executeCommandConfiguration": execute_command_request(params.get("execute_command_configuration")),
        "serviceConnectNamespace": namespace_arn,
        "capacityProviders": params.get("capacity_providers"),
        "defaultCapacityProviderStrategy": strategy_request(params.get("default_capacity_provider_strategy")),
        "tags": params.get("tags"),
        "purgeTags": params.get("purge_tags", True),
    }


def cluster_changes(current, wanted):
    """Which API updates turn `current` into `wanted` (both views): a set of
    'settings', 'configuration', 'service_connect', 'capacity_providers', 'tags'."""
    changes = set()
    if current["settings"].get("containerInsights") != wanted["settings"].get("containerInsights"):
        if wanted["settings"].get("containerInsights") is not None:
            changes.add("settings")
    if _normalise_exec(current["executeCommandConfiguration"]) != _normalise_exec(wanted["executeCommandConfiguration"]):
        changes.add("configuration")
    if current["serviceConnectNamespace"] != wanted["serviceConnectNamespace"]:
        changes.add("service_connect")
    if (current["capacityProviders"] != wanted["capacityProviders"]
            or current["defaultCapacityProviderStrategy"] != wanted["defaultCapacityProviderStrategy"]):
        changes.add("capacity_providers")
    if current["tags"] != wanted["tags"]:
        changes.add("tags")
    return changes


# --------------------------------------------------------------------------------- capacity provider
def capacity_provider_desired(params):
    """Module parameters -> API autoScalingGroupProvider (only the fields the user set)."""
    scaling = params.get("managed_scaling")
    provider = {
        "autoScalingGroupArn": params.get("auto_scaling_group_arn"),
        "managedTerminationProtection": _enabled(params.get("managed_termination_protection")),
        "managedDraining": _enabled(params.get("managed_draining")),
    }
    if scaling is not None:
        provider["managedScaling"] = _scrub({
            "status": _enabled(scaling.get("status")),
            "targetCapacity": scaling.get("target_capacity"),
            "minimumScalingStepSize": scaling.get("minimum_scaling_step_size"),
            "maximumScalingStepSize": scaling.get("maximum_scaling_step_size"),
            "instanceWarmupPeriod": scaling.get("instance_warmup_period"),
        })
    return _scrub(provider)


def _enabled(value):
    """Accept ENABLED/DISABLED, enabled/disabled or booleans."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "ENABLED" if value else "DISABLED"
    return str(value).upper()


def validate_capacity_provider(desired):
    errors = []
    scaling = desired.get("managedScaling") or {}
    target = scaling.get("targetCapacity")
    if target is not None and not 1 <= target <= 100:
        errors.append("managed_scaling.target_capacity must be 1-100 (percent of the group kept in use), got %s" % target)
    low, high = scaling.get("minimumScalingStepSize"), scaling.get("maximumScalingStepSize")
    for name, value in (("minimum_scaling_step_size", low), ("maximum_scaling_step_size", high)):
        if value is not None and not 1 <= value <= 10000:
            errors.append("managed_scaling.%s must be 1-10000, got %s" % (name, value))
    if low is not None and high is not None and low > high:
        errors.append("managed_scaling.minimum_scaling_step_size (%s) is greater than maximum_scaling_step_size (%s)"
                      % (low, high))
    warmup = scaling.get("instanceWarmupPeriod")
    if warmup is not None and not 0 <= warmup <= 10000:
        errors.append("managed_scaling.instance_warmup_period must be 0-10000 seconds, got %s" % warmup)
    return errors


def capacity_provider_changes(desired, current_provider):
    """Differences between the desired autoScalingGroupProvider and a DescribeCapacityProviders item.

    Returns (updatable, immutable): lists of dotted field names. Only fields set in `desired` count.
    """
    current = current_provider.get("autoScalingGroupProvider") or {}
    updatable, immutable = [], []
    if desired.get("autoScalingGroupArn") and desired["autoScalingGroupArn"] != current.get("autoScalingGroupArn"):
        immutable.append("autoScalingGroupArn")
    for key in ("managedTerminationProtection", "managedDraining"):
        if key in desired and desired[key] != current.get(key):
            updatable.append(key)
    current_scaling = current.get("managedScaling") or {}
    for key, value in (desired.get("managedScaling") or {}).items():
        if current_scaling.get(key) != value:
            updatable.append("managedScaling." + key)
    return updatable, immutable


def capacity_provider_update_request(desired, current_provider):
    """UpdateCapacityProvider's autoScalingGroupProvider: the desired fields over the current ones
    (managedScaling is sent whole, so unchanged sub-fields keep their values)."""
    current = current_provider.get("autoScalingGroupProvider") or {}
    request = {}
    scaling = dict(current.get("managedScaling") or {})
    scaling.update(desired.get("managedScaling") or {})
    if scaling:
        request["managedScaling"] = scaling
    for key in ("managedTerminationProtection", "managedDraining"):
        value = desired.get(key, current.get(key))
        if value is not None:
            request[key] = value
    return request


def capacity_provider_view(provider):
    """What diff/return values show for a capacity provider item."""
    if not provider:
        return {}
    group = provider.get("autoScalingGroupProvider") or {}
    return {
        "name": provider.get("name"),
        "auto_scaling_group_arn": group.get("autoScalingGroupArn"),
        "managed_scaling": dict(group.get("managedScaling") or {}),
        "managed_termination_protection": group.get("managedTerminationProtection"),
        "managed_draining": group.get("managedDraining"),
        "tags": ecs_tags_to_dict(provider.get("tags")),
    }


def strategy_without(cluster, provider_name):
    """(capacityProviders, defaultCapacityProviderStrategy) of a cluster with one provider removed."""
    providers = [p for p in cluster.get("capacityProviders") or [] if p != provider_name]
    strategy = [s for s in cluster.get("defaultCapacityProviderStrategy") or [] if s["capacityProvider"] != provider_name]
    return providers, strategy
