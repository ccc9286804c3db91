# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The services role's input rules (pure, no AWS): every problem of services_list as a
"services_list[i].field: problem; fix" string. Used by the role and by the platform pre-flight."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$")
SECRET_ARN = re.compile(r"^arn:[^:]+:(secretsmanager|ssm):")
NETWORK_MODES = ("bridge", "awsvpc")
STRATEGIES = ("REPLICA", "DAEMON")
TARGET_GROUP_NAME_MAX = 32


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _number(value, default=0.0):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def target_group_name(name_prefix, service_name):
    """The target group name the role gives a service: <prefix><name> cut to 32 characters, no trailing hyphen."""
    return (name_prefix + service_name)[:TARGET_GROUP_NAME_MAX].rstrip("-")


def service_input_errors(services_list, settings):
    """Every problem of services_list. settings: state, cluster_name, vpc_id, subnet_ids, listener_arn,
    default_min_percent, default_max_percent, name_prefix (optional)."""
    errors = []
    services_list = list(services_list or [])
    state = settings.get("state", "present")
    named = [s for s in services_list if isinstance(s, dict) and s.get("name")]
    names = [s["name"] for s in named] if len(named) == len(services_list) else []
    priorities = []
    target_groups = {}
    for index, svc in enumerate(services_list):
        at = "services_list[%d]" % index
        if not isinstance(svc, dict):
            errors.append("%s: %r is not a service; give a mapping with at least name and image" % (at, svc))
            continue
        name = svc.get("name")
        if not name:
            errors.append(at + ".name: missing; give every service a unique name")
        elif names.count(name) > 1:
            errors.append("%s.name: %s is listed more than once; service names must be unique" % (at, name))
        elif not NAME.match(str(name)):
            errors.append("%s.name: %s may hold letters, digits, hyphens and underscores only" % (at, name))
        if state != "present":
            continue
        if not svc.get("image"):
            errors.append(at + ".image: missing; set the container image (for example public.ecr.aws/nginx/nginx:1.27)")
        memory = _int(svc.get("memory"))
        reservation = _int(svc.get("memory_reservation"))
        cpu = _int(svc.get("cpu"))
        if not memory and not reservation:
            errors.append(at + ".memory: missing; EC2 tasks need memory (hard limit, MiB) or memory_reservation")
        if ("memory" in svc and memory < 6) or ("memory_reservation" in svc and reservation < 6):
            errors.append("%s.memory: %s MiB is below the 6 MiB a container needs; raise it"
                          % (at, svc.get("memory", svc.get("memory_reservation"))))
        if memory and reservation and reservation > memory:
            errors.append("%s.memory: %d MiB is below memory_reservation %d MiB; raise memory or lower memory_reservation"
                          % (at, memory, reservation))
        if cpu < 0 or cpu > 10240:
            errors.append("%s.cpu: %d is out of range; use 0-10240 CPU units (1024 = 1 vCPU)" % (at, cpu))
        elif cpu and (memory or reservation) and (memory or reservation) < int(cpu / 1024.0 * 128):
            needed = int(cpu / 1024.0 * 128)
            errors.append("%s.memory: %d MiB is too little for cpu %d (at least %d MiB, 128 MiB per vCPU); raise memory "
                          "or lower cpu" % (at, memory or reservation, cpu, needed))
        if "container_port" in svc and svc.get("container_port") is not None:
            port = _int(svc.get("container_port"), -1)
            if port < 1 or port > 65535:
                errors.append("%s.container_port: %s is not a port; use 1-65535 (the port the container listens on)"
                              % (at, svc.get("container_port")))
        mode = svc.get("network_mode") or "bridge"
        if mode not in NETWORK_MODES:
            errors.append("%s.network_mode: %s is not supported; use bridge or awsvpc" % (at, mode))
        elif mode == "awsvpc" and not settings.get("subnet_ids"):
            errors.append(at + ".network_mode: awsvpc needs subnets; set services_subnet_ids (or run the network role first)")
        strategy = svc.get("scheduling_strategy") or "REPLICA"
        if strategy not in STRATEGIES:
            errors.append("%s.scheduling_strategy: %s is not valid; use REPLICA or DAEMON" % (at, strategy))
        elif strategy == "DAEMON":
            if "desired_count" in svc:
                errors.append(at + ".desired_count: a DAEMON service runs one task per instance; remove desired_count")
            if "autoscaling" in svc:
                errors.append(at + ".autoscaling: a DAEMON service cannot autoscale; remove autoscaling or use REPLICA")
        if "desired_count" in svc and _int(svc.get("desired_count")) < 0:
            errors.append(at + ".desired_count: must be 0 or more")
        daemon = strategy == "DAEMON"
        min_percent = _int(svc.get("min_percent", 0 if daemon else settings.get("default_min_percent", 100)))
        max_percent = _int(svc.get("max_percent", 100 if daemon else settings.get("default_max_percent", 200)))
        if min_percent < 0 or min_percent > 100:
            errors.append("%s.min_percent: %d is out of range; use 0-100" % (at, min_percent))
        if daemon and max_percent != 100:
            errors.append("%s.max_percent: %d; a DAEMON service runs at most one task per instance, use 100 (or remove it)"
                          % (at, max_percent))
        if not daemon and (max_percent < 100 or max_percent > 200):
            errors.append("%s.max_percent: %d is out of range; use 100-200" % (at, max_percent))
        if min_percent >= max_percent and 0 <= min_percent <= 100 and (daemon or 100 <= max_percent <= 200):
            errors.append("%s.min_percent: %d is not below max_percent %d, so a deployment could neither start nor stop "
                          "a task; lower min_percent or raise max_percent" % (at, min_percent, max_percent))
        if "listener_rule" in svc:
            rule = svc.get("listener_rule") or {}
            if not svc.get("container_port"):
                errors.append(at + ".container_port: a service with a listener_rule needs the port its container listens on")
            if not rule.get("host") and not rule.get("path"):
                errors.append(at + ".listener_rule: set host and/or path")
            priority = rule.get("priority")
            if priority is None or _int(priority) < 1 or _int(priority) > 50000:
                errors.append("%s.listener_rule.priority: %s; use a unique number 1-50000"
                              % (at, "missing" if priority is None else priority))
            elif _int(priority) in priorities:
                errors.append("%s.listener_rule.priority: %s is already used by another service; pick a unique priority"
                              % (at, priority))
            else:
                priorities.append(_int(priority))
            if not settings.get("listener_arn"):
                errors.append(at + ".listener_rule: no listener; set services_listener_arn (or run the load_balancer role first)")
            if name and settings.get("name_prefix") is not None:
                tg_name = target_group_name(settings["name_prefix"], str(name))
                if tg_name in target_groups:
                    errors.append("%s.name: %s gives the target group name %s (32 characters at most), as %s does; "
                                  "make the first 32 characters of the names differ" % (at, name, tg_name, target_groups[tg_name]))
                target_groups.setdefault(tg_name, name)
        if "autoscaling" in svc:
            scaling = svc.get("autoscaling") or {}
            low, high = _int(scaling.get("min", 1), 1), _int(scaling.get("max", 1), 1)
            if low > high or low < 0:
                errors.append("%s.autoscaling: min %s must be between 0 and max %s" % (at, scaling.get("min", 1), scaling.get("max", 1)))
            target = _number(scaling.get("cpu_target", 50), 50)
            if target <= 0 or target > 100:
                errors.append("%s.autoscaling.cpu_target: %s is out of range; use 1-100 (percent)" % (at, scaling.get("cpu_target")))
        for key, arn in sorted((svc.get("secrets") or {}).items()):
            if not SECRET_ARN.match(str(arn)):
                errors.append("%s.secrets.%s: %s is not a Secrets Manager secret or SSM parameter ARN" % (at, key, arn))
    if state == "present" and services_list and not settings.get("cluster_name"):
        errors.append("services_cluster_name: empty; set it (or run the ecs_cluster role first)")
    if state == "present" and any(isinstance(s, dict) and "listener_rule" in s for s in services_list) and not settings.get("vpc_id"):
        errors.append("services_vpc_id: empty; target groups need the VPC (or run the network role first)")
    return errors
