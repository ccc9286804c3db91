"""Application Auto Scaling of ECS services: scalable targets see the control plane's services, and their
policies move the service's desired count, as the Application Auto Scaling user guide describes.

moto stores scalable targets, policies and scheduled actions but validates ECS targets against its own
(unused) ECS backend and never scales. This component makes RegisterScalableTarget accept an ACTIVE
service of the ECS component, and on every tick, per ECS scalable target (dimension
ecs:service:DesiredCount) whose scaling is not suspended:
- the desired count is kept within [MinCapacity, MaxCapacity] (a new range scales to the nearest bound);
- target tracking: the latest datapoint of the policy's metric (predefined ECSServiceAverageCPUUtilization /
  ECSServiceAverageMemoryUtilization in AWS/ECS by ClusterName and ServiceName, ALBRequestCountPerTarget in
  AWS/ApplicationELB by TargetGroup, or a customized metric) gives desired = ceil(current x value / target);
  scale-out when above the target (after ScaleOutCooldown), scale-in when below (after ScaleInCooldown,
  unless DisableScaleIn);
- step scaling: a CloudWatch alarm in state ALARM whose AlarmActions name the policy applies the step
  adjustment matching (metric value - threshold) (ChangeInCapacity, PercentChangeInCapacity with
  MinAdjustmentMagnitude, ExactCapacity), once per Cooldown;
- scheduled actions (`at(...)`, `rate(...)` and `cron(...)` in their Timezone, within StartTime/EndTime; see
  schedules.py) set the target's min/max when a time of their schedule comes in plane time (a schedule runs
  from when the plane first sees it; after a clock jump only the latest time passed is applied, once).
As on AWS (and unlike moto): DescribeScalingPolicies filters by PolicyNames and by the exact ResourceId;
deregistering a scalable target deletes its scaling policies and scheduled actions,
and PutScalingPolicy on an existing policy keeps its ARN (so the alarms that name it keep working).
Metric data and alarm states come from moto's CloudWatch (PutMetricData, SetAlarmState). Cooldowns are
scaled by the profile. Every change is a successful scaling activity (DescribeScalingActivities).
"""
import math
import time
import uuid

from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, applicationautoscaling_backends
from moto.applicationautoscaling.responses import _build_policy
from moto.cloudwatch.models import cloudwatch_backends

from local_aws.control_plane import schedules
from local_aws.control_plane.core import Component
from local_aws.control_plane.moto_patch import backends, patch

DIMENSION = "ecs:service:DesiredCount"
PREDEFINED = {
    "ECSServiceAverageCPUUtilization": ("AWS/ECS", "CPUUtilization"),
    "ECSServiceAverageMemoryUtilization": ("AWS/ECS", "MemoryUtilization"),
    "ALBRequestCountPerTarget": ("AWS/ApplicationELB", "RequestCountPerTarget"),
}
SCALE_IN_BAND = 0.9  # target tracking scales in only once the metric is clearly below the target


class AppAutoScaling(Component):
    name = "appautoscaling"

    def __init__(self, plane):
        super().__init__(plane)
        self.last_scaled = {}  # (account, region, resource id, direction or policy) -> monotonic time
        self.activities = {}  # (account, region) -> [activity]
        self.schedule_seen = {}  # (account, region, arn, schedule, zone) -> (first seen, last looked), epoch
        component = self

        def ecs_service_exists(original):
            def check(backend, r_id):
                ecs = component.plane.component("ecs")
                if ecs is None:
                    return original(backend, r_id)
                if component._service(backend.account_id, backend.region_name, r_id) is None:
                    raise AWSValidationException(f"ECS service doesn't exist: {r_id}")
                return True
            return check

        patch(ApplicationAutoscalingBackend, "_ecs_service_exists_for_target", ecs_service_exists)
        patch(ApplicationAutoscalingBackend, "deregister_scalable_target", _deregister_deletes_what_hangs_on_it)
        patch(ApplicationAutoscalingBackend, "put_scaling_policy", _update_keeps_the_policy_arn)

    def reset(self):
        self.last_scaled.clear()
        self.activities.clear()
        self.schedule_seen.clear()

    # -- lookups ----------------------------------------------------------------------------------------
    def _store(self, account, region):
        ecs = self.plane.component("ecs")
        return ecs.stores.get((account, region)) if ecs is not None else None

    def _service(self, account, region, resource_id):
        parts = resource_id.split("/")
        store = self._store(account, region)
        if store is None or len(parts) != 3:
            return None
        service = store.services.get((parts[1], parts[2]))
        return service if service is not None and service["status"] == "ACTIVE" else None

    def _latest(self, account, region, namespace, name, dimensions):
        backends_for = cloudwatch_backends.get(account, {})
        if region not in backends_for:
            return None
        wanted = sorted((d["Name"], d["Value"]) for d in dimensions)
        latest = None
        for datum in backends_for[region].metric_data:
            if datum.namespace != namespace or datum.name != name:
                continue
            if sorted((d.name, d.value) for d in datum.dimensions) != wanted:
                continue
            if latest is None or datum.timestamp >= latest.timestamp:
                latest = datum
        return float(latest.value) if latest is not None and latest.value is not None else None

    # -- tick -------------------------------------------------------------------------------------------
    def tick(self, now):
        for account, region, backend in backends(applicationautoscaling_backends):
            for resource_id, target in list(backend.targets.get(DIMENSION, {}).items()):
                if target.service_namespace != "ecs":
                    continue
                service = self._service(account, region, resource_id)
                if service is None:
                    continue
                self._scheduled(account, region, backend, target)
                suspended = target.suspended_state or {}
                policies = [p for p in backend.policies.values()
                            if p.resource_id == resource_id and p.scalable_dimension == DIMENSION]
                desired, cause = self._bounded(target, service["desiredCount"])
                if not suspended.get("DynamicScalingOutSuspended") or not suspended.get("DynamicScalingInSuspended"):
                    for policy in policies:
                        if policy.policy_type == "TargetTrackingScaling":
                            desired, cause = self._target_tracking(account, region, policy, service, desired,
                                                                   cause, now, suspended)
                        elif policy.policy_type == "StepScaling":
                            desired, cause = self._step(account, region, policy, desired, cause, now, suspended)
                desired, bound_cause = self._bounded(target, desired)
                if desired != service["desiredCount"]:
                    self._set_desired(account, region, resource_id, service, desired, bound_cause or cause)

    def _bounded(self, target, desired):
        low, high = target.min_capacity, target.max_capacity
        if low is not None and desired < low:
            return low, f"minimum capacity was set to {low}"
        if high is not None and desired > high:
            return high, f"maximum capacity was set to {high}"
        return desired, None

    def _cooled(self, key, seconds, now):
        last = self.last_scaled.get(key)
        return last is None or now - last >= self.plane.scaled(seconds)

    def _target_tracking(self, account, region, policy, service, desired, cause, now, suspended):
        config = policy.target_tracking_scaling_policy_configuration or {}
        target = float(config.get("TargetValue") or 0)
        if target <= 0:
            return desired, cause
        value = self._metric(account, region, config, service)
        if value is None:
            return desired, cause
        wanted = max(1, math.ceil(service["desiredCount"] * value / target)) if service["desiredCount"] else 1
        key = (account, region, policy.resource_id)
        if value > target and wanted > desired and not suspended.get("DynamicScalingOutSuspended"):
            if self._cooled(key + ("out",), config.get("ScaleOutCooldown", 300), now):
                self.last_scaled[key + ("out",)] = now
                return wanted, f"monitor alarm TargetTracking-{policy.resource_id}-AlarmHigh in state ALARM " \
                               f"triggered policy {policy.policy_name}"
        if value < target * SCALE_IN_BAND and wanted < desired and not config.get("DisableScaleIn") \
                and not suspended.get("DynamicScalingInSuspended"):
            if self._cooled(key + ("in",), config.get("ScaleInCooldown", 300), now) and \
                    self._cooled(key + ("out",), config.get("ScaleInCooldown", 300), now):
                self.last_scaled[key + ("in",)] = now
                return wanted, \
                    f"monitor alarm TargetTracking-{policy.resource_id}-AlarmLow in state ALARM " \
                    f"triggered policy {policy.policy_name}"
        return desired, cause

    def _metric(self, account, region, config, service):
        predefined = config.get("PredefinedMetricSpecification")
        if predefined:
            namespace, name = PREDEFINED.get(predefined.get("PredefinedMetricType"), (None, None))
            if namespace is None:
                return None
            if namespace == "AWS/ApplicationELB":
                label = predefined.get("ResourceLabel") or ""
                dimensions = [{"Name": "TargetGroup", "Value": label.split("/", 3)[-1] if label else ""}]
            else:
                cluster = service["clusterArn"].rsplit("/", 1)[1]
                dimensions = [{"Name": "ClusterName", "Value": cluster},
                              {"Name": "ServiceName", "Value": service["serviceName"]}]
            return self._latest(account, region, namespace, name, dimensions)
        custom = config.get("CustomizedMetricSpecification")
        if custom:
            return self._latest(account, region, custom.get("Namespace"), custom.get("MetricName"),
                                custom.get("Dimensions") or [])
        return None

    def _step(self, account, region, policy, desired, cause, now, suspended):
        config = policy.step_scaling_policy_configuration or {}
        backend = cloudwatch_backends.get(account, {}).get(region) if region in cloudwatch_backends.get(
            account, {}) else None
        if backend is None:
            return desired, cause
        for alarm in backend.alarms.values():
            if alarm.state_value != "ALARM" or policy.policy_arn not in (alarm.alarm_actions or []):
                continue
            key = (account, region, policy.policy_arn)
            if not self._cooled(key, config.get("Cooldown", 300), now):
                continue
            dimensions = [{"Name": d.name, "Value": d.value} for d in alarm.dimensions or []]
            value = self._latest(account, region, alarm.namespace, alarm.metric_name, dimensions)
            breach = (value - float(alarm.threshold)) if value is not None else 0.0
            step = _matching_step(config.get("StepAdjustments") or [], breach)
            if step is None:
                continue
            wanted = _adjusted(desired, config.get("AdjustmentType") or "ChangeInCapacity",
                               int(step.get("ScalingAdjustment") or 0), config.get("MinAdjustmentMagnitude"))
            if (wanted > desired and suspended.get("DynamicScalingOutSuspended")) or \
                    (wanted < desired and suspended.get("DynamicScalingInSuspended")):
                continue
            self.last_scaled[key] = now
            return max(0, wanted), f"monitor alarm {alarm.name} in state ALARM triggered policy {policy.policy_name}"
        return desired, cause

    def _scheduled(self, account, region, backend, target):
        if (target.suspended_state or {}).get("ScheduledScalingSuspended"):
            return
        now = self.plane.epoch()
        for action in backend.scheduled_actions:
            if action.resource_id != target.resource_id or action.scalable_dimension != DIMENSION:
                continue
            key = (account, region, action.arn, action.schedule, action.timezone)
            # first seen: a schedule runs from its creation (or change) on, never for times before it
            first_seen, last_looked = self.schedule_seen.setdefault(key, (now, now))
            try:
                due = schedules.latest_due(action.schedule or "", action.timezone, last_looked, now,
                                           action.start_time or first_seen, action.end_time)
            except ValueError:
                continue
            self.schedule_seen[key] = (first_seen, now)
            if due is None:
                continue
            bounds = action.scalable_target_action or {}
            if bounds.get("MinCapacity") is not None:
                target.min_capacity = int(bounds["MinCapacity"])
            if bounds.get("MaxCapacity") is not None:
                target.max_capacity = int(bounds["MaxCapacity"])

    def _set_desired(self, account, region, resource_id, service, desired, cause):
        ecs = self.plane.component("ecs")
        store = self._store(account, region)
        cluster = service["clusterArn"].rsplit("/", 1)[1]
        before = service["desiredCount"]
        ecs.op_UpdateService(store, {"cluster": cluster, "service": service["serviceName"], "desiredCount": desired})
        self.activities.setdefault((account, region), []).insert(0, {
            "ActivityId": str(uuid.uuid4()), "ServiceNamespace": "ecs", "ResourceId": resource_id,
            "ScalableDimension": DIMENSION,
            "Description": f"Setting desired count to {desired}.",
            "Cause": cause or f"desired count changed from {before}",
            "StartTime": time.time(), "EndTime": time.time(), "StatusCode": "Successful",
            "StatusMessage": f"Successfully set desired count to {desired}. Change successfully fulfilled by ecs.",
        })

    # -- API --------------------------------------------------------------------------------------------
    def intercepts(self):
        return {("application-autoscaling", "DescribeScalingActivities"): self._describe_activities,
                ("application-autoscaling", "DescribeScalingPolicies"): self._describe_policies}

    def _describe_policies(self, request):
        from local_aws.control_plane.core import Response

        body = request.json or {}
        backend = applicationautoscaling_backends[request.account_id][request.region]
        names = body.get("PolicyNames") or []
        found = [p for p in backend.policies.values()
                 if p.service_namespace == body.get("ServiceNamespace")
                 and (not body.get("ResourceId") or p.resource_id == body["ResourceId"])
                 and (not body.get("ScalableDimension") or p.scalable_dimension == body["ScalableDimension"])
                 and (not names or p.policy_name in names)]
        start = int(body.get("NextToken") or 0)
        end = start + int(body.get("MaxResults") or 50)
        answer = {"ScalingPolicies": [_build_policy(p) for p in found[start:end]]}
        if end < len(found):
            answer["NextToken"] = str(end)
        return Response.json(answer)

    def _describe_activities(self, request):
        from local_aws.control_plane.core import Response

        body = request.json or {}
        found = [a for a in self.activities.get((request.account_id, request.region), [])
                 if a["ServiceNamespace"] == body.get("ServiceNamespace")
                 and (not body.get("ResourceId") or a["ResourceId"] == body["ResourceId"])
                 and (not body.get("ScalableDimension") or a["ScalableDimension"] == body["ScalableDimension"])]
        return Response.json({"ScalingActivities": found[:int(body.get("MaxResults") or 50)]})


def _deregister_deletes_what_hangs_on_it(original):
    def deregister(backend, namespace, r_id, dimension):
        original(backend, namespace, r_id, dimension)
        for key, policy in list(backend.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
                policy.delete_alarms(backend.account_id, backend.region_name)
                del backend.policies[key]
        backend.scheduled_actions = [
            a for a in backend.scheduled_actions
            if (a.service_namespace, a.resource_id, a.scalable_dimension) != (namespace, r_id, dimension)]
    return deregister


def _update_keeps_the_policy_arn(original):
    def put(backend, policy_name, service_namespace, resource_id, scalable_dimension, policy_body, policy_type):
        key = (service_namespace, resource_id, scalable_dimension, policy_name)
        old = next((p for p in backend.policies.values()
                    if (p.service_namespace, p.resource_id, p.scalable_dimension, p.policy_name) == key), None)
        policy = original(backend, policy_name, service_namespace, resource_id, scalable_dimension, policy_body,
                          policy_type)
        if old is not None and old is not policy:
            policy._guid, policy.policy_arn = old._guid, old.policy_arn
        return policy
    return put


def _matching_step(steps, breach):
    """The step whose [lower, upper) interval (relative to the alarm threshold) holds `breach`."""
    for step in steps:
        lower = step.get("MetricIntervalLowerBound")
        upper = step.get("MetricIntervalUpperBound")
        if (lower is None or breach >= float(lower)) and (upper is None or breach < float(upper)):
            return step
    return None


def _adjusted(current, adjustment_type, adjustment, min_magnitude=None):
    if adjustment_type == "ExactCapacity":
        return adjustment
    if adjustment_type == "PercentChangeInCapacity":
        change = current * adjustment / 100.0
        change = math.floor(change) if change > 0 else math.ceil(change)
        if min_magnitude and abs(change) < int(min_magnitude):
            change = int(min_magnitude) if adjustment > 0 else -int(min_magnitude)
        return current + int(change)
    return current + adjustment
