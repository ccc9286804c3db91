# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Application Auto Scaling of one ECS service: its scalable target (min and max tasks), target-tracking and step
scaling policies and scheduled actions, with the policies and scheduled actions of this owner (names starting with
a prefix) that are no longer wanted removed.

Pure views and planners (`tracking_view`, `step_view`, `action_view`, `plan`) over API-shaped dicts, and
`ServiceScaling`, the service class behind the ecs_service_scaling module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"
AAS = "application-autoscaling"
_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(Z|[+-]00:?00)?$")


def resource_id(cluster, service):
    return "service/%s/%s" % (cluster, service)


def _bound(value):
    return None if value is None else float(value)


def step_view(configuration):
    """A StepScalingPolicyConfiguration in comparable form (defaults AWS applies filled in)."""
    configuration = configuration or {}
    steps = [{"lower": _bound(s.get("MetricIntervalLowerBound")), "upper": _bound(s.get("MetricIntervalUpperBound")),
              "adjustment": int(s.get("ScalingAdjustment") or 0)} for s in configuration.get("StepAdjustments") or []]
    steps.sort(key=lambda s: float("-inf") if s["lower"] is None else s["lower"])
    view = {"adjustment_type": configuration.get("AdjustmentType") or "ChangeInCapacity",
            "steps": steps,
            "cooldown": configuration.get("Cooldown"),
            "metric_aggregation_type": configuration.get("MetricAggregationType") or "Average",
            "min_adjustment_magnitude": configuration.get("MinAdjustmentMagnitude")}
    return view


def step_configuration(policy):
    """The StepScalingPolicyConfiguration of a step_policies option item."""
    configuration = {
        "AdjustmentType": policy.get("adjustment_type") or "ChangeInCapacity",
        "StepAdjustments": [],
        "MetricAggregationType": policy.get("metric_aggregation_type") or "Average",
    }
    for step in policy.get("steps") or []:
        item = {"ScalingAdjustment": int(step["adjustment"])}
        if step.get("lower") is not None:
            item["MetricIntervalLowerBound"] = float(step["lower"])
        if step.get("upper") is not None:
            item["MetricIntervalUpperBound"] = float(step["upper"])
        configuration["StepAdjustments"].append(item)
    if policy.get("cooldown") is not None:
        configuration["Cooldown"] = int(policy["cooldown"])
    if policy.get("min_adjustment_magnitude") is not None:
        configuration["MinAdjustmentMagnitude"] = int(policy["min_adjustment_magnitude"])
    return configuration


def utc_text(value):
    """A time (datetime from botocore, or ISO 8601 text) as yyyy-mm-ddThh:mm:ssZ in UTC; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    match = _ISO.match(str(value))
    if not match:
        raise ValueError("%s is not a UTC time (yyyy-mm-ddThh:mm:ssZ)" % value)
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups()[:6])
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (year, month, day, hour, minute, second)


def utc_datetime(text):
    return datetime.datetime.strptime(utc_text(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def action_view(action):
    """A scheduled action (DescribeScheduledActions item) in comparable form."""
    bounds = action.get("ScalableTargetAction") or {}
    return {"schedule": action.get("Schedule"), "timezone": action.get("Timezone") or "UTC",
            "start_time": utc_text(action.get("StartTime")), "end_time": utc_text(action.get("EndTime")),
            "min_capacity": bounds.get("MinCapacity"), "max_capacity": bounds.get("MaxCapacity")}


def wanted_action_view(action):
    return {"schedule": action["schedule"], "timezone": action.get("timezone") or "UTC",
            "start_time": utc_text(action.get("start_time")), "end_time": utc_text(action.get("end_time")),
            "min_capacity": action.get("min_capacity"), "max_capacity": action.get("max_capacity")}


def wanted_step_view(policy):
    return step_view(step_configuration(policy))


def tracking_view(configuration):
    """A TargetTrackingScalingPolicyConfiguration with a predefined metric in comparable form."""
    configuration = configuration or {}
    metric = configuration.get("PredefinedMetricSpecification") or {}
    return {"target_value": float(configuration.get("TargetValue") or 0),
            "predefined_metric_type": metric.get("PredefinedMetricType"),
            "resource_label": metric.get("ResourceLabel") or None,
            "scale_in_cooldown": configuration.get("ScaleInCooldown"),
            "scale_out_cooldown": configuration.get("ScaleOutCooldown"),
            "disable_scale_in": bool(configuration.get("DisableScaleIn"))}


def tracking_configuration(policy):
    """The TargetTrackingScalingPolicyConfiguration of a target_tracking_policies option item."""
    metric = {"PredefinedMetricType": policy["predefined_metric_type"]}
    if policy.get("resource_label"):
        metric["ResourceLabel"] = policy["resource_label"]
    configuration = {"TargetValue": float(policy["target_value"]), "PredefinedMetricSpecification": metric,
                     "DisableScaleIn": bool(policy.get("disable_scale_in"))}
    for key, api in (("scale_in_cooldown", "ScaleInCooldown"), ("scale_out_cooldown", "ScaleOutCooldown")):
        if policy.get(key) is not None:
            configuration[api] = int(policy[key])
    return configuration


def wanted_tracking_view(policy):
    return tracking_view(tracking_configuration(policy))


def _tracking_differs(current, wanted):
    """Cooldowns left out of the input are AWS's to choose: only the ones given are compared."""
    return any(current.get(key) != value for key, value in wanted.items()
               if value is not None or key not in ("scale_in_cooldown", "scale_out_cooldown"))


def plan(params, target, policies, actions):
    """What to change: {"register": (min, max) or None, "put_policies": [step policy names], "put_tracking":
    [target-tracking policy names], "delete_policies": [names], "put_actions": [names], "delete_actions": [names],
    "deregister": bool}.

    `target`: the DescribeScalableTargets item or None; `policies` / `actions`: the target's scaling policies and
    scheduled actions (API items)."""
    prefix = params.get("purge_prefix") or ""
    absent = params.get("state") == "absent"
    wanted_policies = dict((p["name"], p) for p in ([] if absent else params.get("step_policies") or []))
    wanted_tracking = dict((p["name"], p) for p in ([] if absent else params.get("target_tracking_policies") or []))
    wanted_actions = dict((a["name"], a) for a in ([] if absent else params.get("scheduled_actions") or []))
    current_policies = dict((p["PolicyName"], p) for p in policies)
    current_actions = dict((a["ScheduledActionName"], a) for a in actions)
    out = {"register": None, "put_policies": [], "put_tracking": [], "delete_policies": [], "put_actions": [],
           "delete_actions": [], "deregister": False}
    if absent:
        listed = [p["name"] for key in ("step_policies", "target_tracking_policies") for p in params.get(key) or []]
        out["deregister"] = bool(target) and bool(params.get("deregister"))
        out["delete_policies"] = sorted(n for n in current_policies if (prefix and n.startswith(prefix)) or n in listed)
        listed = [a["name"] for a in params.get("scheduled_actions") or []]
        out["delete_actions"] = sorted(n for n in current_actions if (prefix and n.startswith(prefix)) or n in listed)
        return out
    low, high = params.get("min_capacity"), params.get("max_capacity")
    if low is not None and high is not None:
        if target is None:
            out["register"] = (low, high)
        elif not params.get("keep_capacity") and (target.get("MinCapacity"), target.get("MaxCapacity")) != (low, high):
            out["register"] = (low, high)
    if target is None and out["register"] is None:
        return out  # no target and none wanted: nothing can hang on it
    for name, policy in wanted_policies.items():
        current = current_policies.get(name)
        if current is None or current.get("PolicyType") != "StepScaling" or \
                step_view(current.get("StepScalingPolicyConfiguration")) != wanted_step_view(policy):
            out["put_policies"].append(name)
    for name, policy in wanted_tracking.items():
        current = current_policies.get(name)
        if current is None or current.get("PolicyType") != "TargetTrackingScaling" or _tracking_differs(
                tracking_view(current.get("TargetTrackingScalingPolicyConfiguration")), wanted_tracking_view(policy)):
            out["put_tracking"].append(name)
    for name, action in wanted_actions.items():
        current = current_actions.get(name)
        if current is None or action_view(current) != wanted_action_view(action):
            out["put_actions"].append(name)
    if prefix:
        out["delete_policies"] = sorted(n for n in current_policies if n.startswith(prefix)
                                        and n not in wanted_policies and n not in wanted_tracking)
        out["delete_actions"] = sorted(n for n in current_actions if n.startswith(prefix) and n not in wanted_actions)
    return out


class ServiceScaling(Service):
    """The scalable target of one ECS service, its step scaling policies and its scheduled actions."""

    SERVICES = (AAS,)

    @staticmethod
    def read_all(batch, items):
        """service -> its scalable target (None: not registered), 50 services a DescribeScalableTargets."""
        rids = dict((resource_id(item["cluster"], item["service"]), item["service"]) for item in items)
        found = dict((service, None) for service in rids.values())
        for chunk in chunks(sorted(rids), 50):
            for target in batch.paginate(AAS, "describe_scalable_targets", "ScalableTargets",
                                         "describe the scalable targets of %s" % ", ".join(chunk),
                                         ServiceNamespace=NAMESPACE, ResourceIds=chunk, ScalableDimension=DIMENSION):
                if target.get("ResourceId") in rids and target.get("ScalableDimension") == DIMENSION:
                    found[rids[target["ResourceId"]]] = target
        return found

    def scalable_target(self, rid):
        def read():
            targets = self.paginate(AAS, "describe_scalable_targets", "ScalableTargets",
                                    "describe the scalable target of %s" % rid, ServiceNamespace=NAMESPACE,
                                    ResourceIds=[rid], ScalableDimension=DIMENSION)
            return next((t for t in targets if t.get("ResourceId") == rid and t.get("ScalableDimension") == DIMENSION),
                        None)
        return self.read_or_batch_read(read)

    def read(self, rid):
        target = self.scalable_target(rid)
        if target is None:
            return None, [], []
        policies = self.paginate(AAS, "describe_scaling_policies", "ScalingPolicies",
                                 "describe the scaling policies of %s" % rid, ServiceNamespace=NAMESPACE,
                                 ResourceId=rid, ScalableDimension=DIMENSION)
        actions = self.paginate(AAS, "describe_scheduled_actions", "ScheduledActions",
                                "describe the scheduled actions of %s" % rid, ServiceNamespace=NAMESPACE,
                                ResourceId=rid, ScalableDimension=DIMENSION)

        def same(item):
            return item.get("ResourceId") == rid and item.get("ScalableDimension") == DIMENSION

        return target, [p for p in policies if same(p)], [a for a in actions if same(a)]

    def run(self):
        params = self.params
        for action in params.get("scheduled_actions") or []:
            for key in ("start_time", "end_time"):
                try:
                    utc_text(action.get(key))  # a malformed time is refused before any change
                except ValueError as e:
                    raise CloudopsError(message="scheduled action %s: %s %s" % (action["name"], key, e)) from e
        rid = resource_id(params["cluster"], params["service"])
        target, policies, actions = self.read(rid)
        todo = plan(params, target, policies, actions)
        changes = []
        arns = dict((p["PolicyName"], p.get("PolicyARN")) for p in policies if p.get("PolicyType") == "StepScaling")
        wanted_policies = dict((p["name"], p) for p in params.get("step_policies") or [])
        wanted_actions = dict((a["name"], a) for a in params.get("scheduled_actions") or [])
        base = {"ServiceNamespace": NAMESPACE, "ResourceId": rid, "ScalableDimension": DIMENSION}
        if todo["register"]:
            changes.append("registered %s with %d..%d tasks" % ((rid,) + tuple(todo["register"]))
                           if target is None else "capacity of %s %s..%s -> %d..%d" % (
                               rid, target.get("MinCapacity"), target.get("MaxCapacity"), todo["register"][0],
                               todo["register"][1]))
            if not self.check_mode:
                self.call(AAS, "register_scalable_target", "register the scalable target of %s" % rid,
                          MinCapacity=todo["register"][0], MaxCapacity=todo["register"][1], **base)
        for name in todo["put_policies"]:
            changes.append("%s step policy %s" % ("updated" if name in arns else "created", name))
            if not self.check_mode:
                answer = self.call(AAS, "put_scaling_policy", "put the step scaling policy %s" % name,
                                   PolicyName=name, PolicyType="StepScaling",
                                   StepScalingPolicyConfiguration=step_configuration(wanted_policies[name]), **base)
                arns[name] = answer.get("PolicyARN")
        wanted_tracking = dict((p["name"], p) for p in params.get("target_tracking_policies") or [])
        current_types = dict((p["PolicyName"], p.get("PolicyType")) for p in policies)
        for name in todo["put_tracking"]:
            changes.append("%s target-tracking policy %s" % ("updated" if name in current_types else "created", name))
            if not self.check_mode:
                self.call(AAS, "put_scaling_policy", "put the target-tracking policy %s" % name,
                          PolicyName=name, PolicyType="TargetTrackingScaling",
                          TargetTrackingScalingPolicyConfiguration=tracking_configuration(wanted_tracking[name]),
                          **base)
        for name in todo["put_actions"]:
            action = wanted_actions[name]
            exists = any(a["ScheduledActionName"] == name for a in actions)
            changes.append("%s scheduled action %s" % ("updated" if exists else "created", name))
            if not self.check_mode:
                bounds = dict((api, action[key]) for key, api in (("min_capacity", "MinCapacity"),
                                                                  ("max_capacity", "MaxCapacity"))
                              if action.get(key) is not None)
                request = dict(base, ScheduledActionName=name, Schedule=action["schedule"],
                               Timezone=action.get("timezone") or "UTC", ScalableTargetAction=bounds)
                for key, api in (("start_time", "StartTime"), ("end_time", "EndTime")):
                    if action.get(key):
                        request[api] = utc_datetime(action[key])
                self.call(AAS, "put_scheduled_action", "put the scheduled action %s" % name, **request)
        for name in todo["delete_actions"]:
            changes.append("deleted scheduled action %s" % name)
            if not self.check_mode:
                self.call(AAS, "delete_scheduled_action", "delete the scheduled action %s" % name,
                          ScheduledActionName=name, **base)
        for name in todo["delete_policies"]:
            changes.append("deleted %s policy %s" % (
                "target-tracking" if current_types.get(name) == "TargetTrackingScaling" else "step", name))
            arns.pop(name, None)
            if not self.check_mode:
                self.call(AAS, "delete_scaling_policy", "delete the scaling policy %s" % name,
                          PolicyName=name, **base)
        if todo["deregister"]:
            changes.append("deregistered %s" % rid)
            if not self.check_mode:
                self.call(AAS, "deregister_scalable_target", "deregister the scalable target of %s" % rid, **base)
        present = params.get("state") != "absent"
        before = {"target": _target_view(target), "step_policies": sorted(
            (p["PolicyName"], step_view(p.get("StepScalingPolicyConfiguration")))
            for p in policies if p.get("PolicyType") == "StepScaling"),
            "target_tracking_policies": sorted(
                (p["PolicyName"], tracking_view(p.get("TargetTrackingScalingPolicyConfiguration")))
                for p in policies if p.get("PolicyType") == "TargetTrackingScaling"),
            "scheduled_actions": sorted((a["ScheduledActionName"], action_view(a)) for a in actions)}
        after = {"target": None if todo["deregister"] else (
            {"min_capacity": todo["register"][0], "max_capacity": todo["register"][1]} if todo["register"]
            else before["target"]),
            "step_policies": _after(before["step_policies"], todo["delete_policies"], todo["put_policies"],
                                    lambda n: wanted_step_view(wanted_policies[n])),
            "target_tracking_policies": _after(before["target_tracking_policies"], todo["delete_policies"],
                                               todo["put_tracking"], lambda n: wanted_tracking_view(wanted_tracking[n])),
            "scheduled_actions": _after(before["scheduled_actions"], todo["delete_actions"], todo["put_actions"],
                                        lambda n: wanted_action_view(wanted_actions[n]))}
        return dict(
            changed=bool(changes), changes=changes, resource_id=rid,
            policies=dict((n, arns.get(n) or "") for n in wanted_policies) if present else {},
            removed_policies=[n for n in todo["delete_policies"] if current_types.get(n) != "TargetTrackingScaling"],
            removed_scheduled_actions=todo["delete_actions"],
            diff={"before": _diffable(before), "after": _diffable(after)})


def _after(before, deleted, put, wanted_view):
    """(name, view) pairs once the `deleted` names are gone and the `put` ones have their `wanted_view(name)`."""
    return sorted([(n, view) for n, view in before if n not in deleted and n not in put]
                  + [(n, wanted_view(n)) for n in put])


def _target_view(target):
    if not target:
        return None
    return {"min_capacity": target.get("MinCapacity"), "max_capacity": target.get("MaxCapacity")}


def _diffable(view):
    return {"target": view["target"], "step_policies": dict(view["step_policies"]),
            "target_tracking_policies": dict(view["target_tracking_policies"]),
            "scheduled_actions": dict(view["scheduled_actions"])}
