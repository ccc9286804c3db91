# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS task definitions: a semantic normaliser so that a task definition read back from
DescribeTaskDefinition and the one a playbook asks for compare equal whenever ECS would run the same
thing. AWS fills defaults (essential, protocol, hostPort, health-check timings, network mode), turns
numbers into strings, drops empty lists or adds them, and reorders nothing we can rely on; without this
every run registers a new revision.

Pure functions, no I/O: unit-tested on plain dicts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

# DescribeTaskDefinition keys that are state, not content.
READ_ONLY_KEYS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
)

# Booleans whose absence means false.
FALSE_DEFAULTS = (
    "privileged",
    "readonlyRootFilesystem",
    "disableNetworking",
    "interactive",
    "pseudoTerminal",
)

# Container list fields whose order carries no meaning, and the key to sort them by.
UNORDERED_LISTS = {
    "environment": "name",
    "secrets": "name",
    "environmentFiles": "value",
    "ulimits": "name",
    "extraHosts": "hostname",
    "systemControls": "namespace",
    "mountPoints": "containerPath",
    "volumesFrom": "sourceContainer",
    "dependsOn": "containerName",
    "resourceRequirements": "type",
}

HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}


def _is_empty(value):
    return value is None or value == [] or value == {} or value == ""


def _prune(value):
    """Recursively drop None, empty lists, empty dicts and empty strings."""
    if isinstance(value, dict):
        pruned = {}
        for key, item in value.items():
            item = _prune(item)
            if not _is_empty(item):
                pruned[key] = item
        return pruned
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value


def _sort_by(items, key):
    return sorted(items, key=lambda item: (str(item.get(key, "")) if isinstance(item, dict) else str(item)))


def normalize_port_mapping(mapping, network_mode):
    mapping = dict(mapping)
    mapping.setdefault("protocol", "tcp")
    mapping["protocol"] = str(mapping["protocol"]).lower()
    if "containerPort" in mapping:
        mapping["containerPort"] = int(mapping["containerPort"])
    if network_mode in ("awsvpc", "host"):
        # hostPort must equal containerPort here; AWS fills it in.
        if "containerPort" in mapping:
            mapping["hostPort"] = mapping["containerPort"]
    else:
        mapping["hostPort"] = int(mapping.get("hostPort") or 0)
    return mapping


def normalize_container(container, network_mode="bridge"):
    """One containerDefinitions item, in canonical form."""
    container = copy.deepcopy(container)
    container.setdefault("essential", True)
    if not container.get("cpu"):
        container.pop("cpu", None)
    for key in ("cpu", "memory", "memoryReservation"):
        if container.get(key) is not None:
            container[key] = int(container[key])
    for key in FALSE_DEFAULTS:
        if container.get(key) is False:
            container.pop(key)
    if container.get("portMappings"):
        container["portMappings"] = sorted(
            (normalize_port_mapping(m, network_mode) for m in container["portMappings"]),
            key=lambda m: (m.get("containerPort", 0), m.get("protocol", ""), m.get("hostPort", 0)),
        )
    for key in ("environment", "secrets"):
        if container.get(key):
            container[key] = [dict(item, value=str(item["value"])) if "value" in item else dict(item)
                              for item in container[key]]
    for key, sort_key in UNORDERED_LISTS.items():
        if container.get(key):
            container[key] = _sort_by(container[key], sort_key)
    for mount in container.get("mountPoints") or []:
        mount.setdefault("readOnly", False)
    for source in container.get("volumesFrom") or []:
        source.setdefault("readOnly", False)
    health = container.get("healthCheck")
    if health:
        health = dict(health)
        for key, default in HEALTH_CHECK_DEFAULTS.items():
            health[key] = int(health.get(key) or default)
        if not health.get("startPeriod"):
            health.pop("startPeriod", None)
        container["healthCheck"] = health
    log = container.get("logConfiguration")
    if log and log.get("options"):
        log["options"] = dict((k, str(v)) for k, v in log["options"].items())
    if container.get("dockerLabels"):
        container["dockerLabels"] = dict((k, str(v)) for k, v in container["dockerLabels"].items())
    return _prune(container)


def normalize_task_definition(task_definition):
    """A RegisterTaskDefinition request or a DescribeTaskDefinition `taskDefinition`, canonical:
    read-only keys and tags dropped, defaults filled, lists sorted where order has no meaning."""
    definition = copy.deepcopy(task_definition)
    for key in READ_ONLY_KEYS + ("tags",):
        definition.pop(key, None)
    network_mode = definition.get("networkMode") or "bridge"
    definition["networkMode"] = network_mode
    for key in ("cpu", "memory"):
        if definition.get(key) not in (None, ""):
            definition[key] = str(definition[key])
    if definition.get("requiresCompatibilities"):
        definition["requiresCompatibilities"] = sorted(definition["requiresCompatibilities"])
    definition["containerDefinitions"] = sorted(
        (normalize_container(c, network_mode) for c in definition.get("containerDefinitions") or []),
        key=lambda c: c.get("name", ""),
    )
    if definition.get("volumes"):
        definition["volumes"] = _sort_by(definition["volumes"], "name")
    if definition.get("placementConstraints"):
        definition["placementConstraints"] = sorted(
            definition["placementConstraints"], key=lambda c: (c.get("type", ""), c.get("expression", ""))
        )
    return _prune(definition)


def task_definition_differences(current, desired):
    """Top-level and per-container keys whose normalised values differ: [] when ECS would run the
    same thing. `current` may be None (no ACTIVE revision yet)."""
    if current is None:
        return ["(new family)"]
    before = normalize_task_definition(current)
    after = normalize_task_definition(desired)
    differences = []
    for key in sorted(set(before) | set(after)):
        if key == "containerDefinitions":
            continue
        if before.get(key) != after.get(key):
            differences.append(key)
    before_containers = dict((c.get("name"), c) for c in before.get("containerDefinitions", []))
    after_containers = dict((c.get("name"), c) for c in after.get("containerDefinitions", []))
    for name in sorted(set(before_containers) | set(after_containers)):
        old, new = before_containers.get(name), after_containers.get(name)
        if old is None or new is None:
            differences.append("containerDefinitions[%s]%s" % (name, " added" if old is None else " removed"))
            continue
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                differences.append("containerDefinitions[%s].%s" % (name, key))
    return differences


def revisions_to_deregister(active_arns, keep):
    """Given the ACTIVE revision ARNs of a family (any order) and how many to keep, the ARNs to
    deregister: all but the `keep` highest revisions. keep < 1 keeps one (the latest is in use)."""
    keep = max(int(keep), 1)

    def revision(arn):
        return int(arn.rsplit(":", 1)[1])

    ordered = sorted(active_arns, key=revision, reverse=True)
    return sorted(ordered[keep:], key=revision)


def parse_task_definition_reference(reference):
    """family | family:revision | ARN -> (family, revision or None, is_arn)."""
    if reference.startswith("arn:"):
        resource = reference.split(":", 5)[5]
        name = resource.split("/", 1)[1] if "/" in resource else resource
        family, _sep, revision = name.rpartition(":")
        return family, int(revision), True
    if ":" in reference:
        family, _sep, revision = reference.rpartition(":")
        return family, int(revision), False
    return reference, None, False
