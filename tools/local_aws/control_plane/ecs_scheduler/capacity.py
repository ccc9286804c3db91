"""Capacity providers: the Auto Scaling groups behind them, managed draining, managed termination
protection and managed scaling.

Managed scaling works as the ECS developer guide describes cluster auto scaling: for a provider with
managed scaling ENABLED that is associated with a cluster, ECS attaches a target tracking scaling policy
(`ECSManagedAutoScalingPolicy-<uuid>`) on the CapacityProviderReservation metric (namespace
AWS/ECS/ManagedScaling, dimensions CapacityProviderName and ClusterName, target = targetCapacity) to the
Auto Scaling group, publishes the metric every minute (M instances needed / N instances in the group x 100),
and the policy's alarms act on the group: above the target for 1 datapoint scales out, below it for 15
consecutive datapoints scales in, to ceil(N x metric / target) within the group's min and max. Alarm
actions are Auto Scaling's AlarmNotification process: while the group has it suspended nothing is
executed. The policy goes when managed scaling is turned off, the provider is disassociated or deleted.
"""
import copy
import math
import uuid

from moto.autoscaling.models import autoscaling_backends
from moto.cloudwatch.models import cloudwatch_backends

from local_aws.control_plane.ecs_scheduler.common import DRAINING_HOOK


class CapacityProviders:
    """Part of the Scheduler; reads services' _unplaced counts (services)."""

    @staticmethod
    def _asg_backend(store):
        return autoscaling_backends[store.account_id][store.region]

    def asg_name(self, store, arn):
        name = arn.split("autoScalingGroupName/", 1)[1] if "autoScalingGroupName/" in arn else (
            arn if not arn.startswith("arn:") else None)
        if name and name in self._asg_backend(store).autoscaling_groups:
            return name
        return None

    def asg_protects_new_instances(self, store, name):
        group = self._asg_backend(store).autoscaling_groups.get(name)
        return bool(group and group.new_instances_protected_from_scale_in)

    def ensure_draining_hook(self, store, name):
        backend = self._asg_backend(store)
        if f"{name}_{DRAINING_HOOK}" not in backend.lifecycle_hooks:
            backend.create_lifecycle_hook(DRAINING_HOOK, name, "autoscaling:EC2_INSTANCE_TERMINATING", 3600,
                                          "CONTINUE")

    def group_of(self, store, instance_id):
        autoscaling = self.plane.component("autoscaling")
        if autoscaling is not None:
            return autoscaling.group_of(instance_id)
        for name, group in self._asg_backend(store).autoscaling_groups.items():
            if any(s.instance.id == instance_id for s in group.instance_states):
                return name
        return None

    def lifecycle_state(self, store, instance_id):
        autoscaling = self.plane.component("autoscaling")
        if autoscaling is not None:
            return autoscaling.lifecycle_state(instance_id)
        for group in self._asg_backend(store).autoscaling_groups.values():
            for state in group.instance_states:
                if state.instance.id == instance_id:
                    return state.lifecycle_state
        return None

    # -- capacity providers: managed draining, termination protection, scaling ------------------------
    def capacity_providers_tick(self, store, now):
        autoscaling = self.plane.component("autoscaling")
        providers = {p["name"]: p for p in store.capacity_providers.values() if p["status"] == "ACTIVE"}
        if not providers:
            return
        for ci in list(store.container_instances.values()):
            provider = providers.get(ci.get("capacityProviderName"))
            if provider is None or ci["status"] == "INACTIVE":
                continue
            group = provider["autoScalingGroupProvider"]
            if group["managedDraining"] == "ENABLED":
                state = self.lifecycle_state(store, ci["_ec2"])
                if state == "Terminating:Wait":
                    if ci["status"] == "ACTIVE":
                        ci["status"] = "DRAINING"
                        ci["_managed_drain"] = True
                    service_tasks = [t for t in store.tasks.values()
                                     if t.get("containerInstanceArn") == ci["containerInstanceArn"]
                                     and t["lastStatus"] != "STOPPED" and t["_service"]]
                    if not service_tasks and not ci.get("_hook_completed") and autoscaling is not None:
                        ci["_hook_completed"] = True
                        try:
                            autoscaling.complete_lifecycle_action(provider["_asg"], DRAINING_HOOK, ci["_ec2"],
                                                                  "CONTINUE")
                        except ValueError:  # the hook was completed or timed out meanwhile
                            pass
        for provider in providers.values():
            self._manage_provider(store, provider, autoscaling, now)
        for provider in store.capacity_providers.values():
            if provider.get("_policy") and not self._scaling_active(provider):
                self._remove_policy(store, provider)

    def _manage_provider(self, store, provider, autoscaling, now):
        group = provider["autoScalingGroupProvider"]
        cis = [c for c in store.container_instances.values()
               if c.get("capacityProviderName") == provider["name"] and c["status"] != "INACTIVE"]
        busy = {c["_ec2"] for c in cis if any(
            t.get("containerInstanceArn") == c["containerInstanceArn"] and t["lastStatus"] != "STOPPED"
            and not (t["_service"] and store.services.get(t["_service"], {}).get("schedulingStrategy") == "DAEMON")
            for t in store.tasks.values())}
        if group["managedTerminationProtection"] == "ENABLED" and autoscaling is not None:
            wanted = {c["_ec2"]: c["_ec2"] in busy for c in cis}
            known = provider.setdefault("_protection", {})
            changes = {}
            for instance_id, protect in wanted.items():
                if known.get(instance_id) != protect:
                    changes.setdefault(protect, []).append(instance_id)
                    known[instance_id] = protect
            for protect, ids in changes.items():
                try:
                    autoscaling.set_instance_protection(provider["_asg"], ids, protect, region=store.region,
                                                        account=store.account_id)
                except Exception:  # noqa: BLE001 - instance already leaving the group
                    pass
        if autoscaling is not None and self._scaling_active(provider):
            self._managed_scaling(store, provider, autoscaling, now, busy)

    # -- managed scaling: target tracking on CapacityProviderReservation ---------------------------------
    METRIC_NAMESPACE = "AWS/ECS/ManagedScaling"
    METRIC_NAME = "CapacityProviderReservation"
    SCALE_OUT_DATAPOINTS = 1
    SCALE_IN_DATAPOINTS = 15

    @staticmethod
    def _scaling_active(provider):
        return provider["status"] == "ACTIVE" and bool(provider.get("_cluster")) and \
            provider["autoScalingGroupProvider"]["managedScaling"]["status"] == "ENABLED"

    def _ensure_policy(self, store, provider):
        backend = self._asg_backend(store)
        scaling = provider["autoScalingGroupProvider"]["managedScaling"]
        name = provider.get("_policy") or f"ECSManagedAutoScalingPolicy-{uuid.uuid4()}"
        policy = backend.policies.get(name)
        config = {
            "CustomizedMetricSpecification": {
                "MetricName": self.METRIC_NAME, "Namespace": self.METRIC_NAMESPACE, "Statistic": "Average",
                "Dimensions": [{"Name": "CapacityProviderName", "Value": provider["name"]},
                               {"Name": "ClusterName", "Value": provider["_cluster"]}]},
            "TargetValue": float(scaling["targetCapacity"]), "DisableScaleIn": False}
        if policy is None or vars(policy.target_tracking_configuration or object()) != config:
            backend.put_scaling_policy(name, "TargetTrackingScaling", None, None, provider["_asg"], None, None, None,
                                       copy.deepcopy(config), None, None, None)
        provider["_policy"] = name
        return config

    def _remove_policy(self, store, provider):
        self._asg_backend(store).delete_policy(provider.pop("_policy"))
        provider.pop("_datapoints", None)

    def _reservation(self, store, provider, busy, group):
        """(CapacityProviderReservation, M): M (instances needed) / N (instances in the group) x 100; with
        tasks that cannot be placed M adds a scaling step; 200 when the group is empty but needed."""
        scaling = provider["autoScalingGroupProvider"]["managedScaling"]
        running = len([s for s in group.instance_states
                       if s.lifecycle_state not in ("Terminating", "Terminating:Wait", "Terminating:Proceed",
                                                    "Terminated", "Detaching", "Detached")])
        unplaced = sum(s.get("_unplaced", 0) for s in store.services.values() if s["status"] == "ACTIVE"
                       and any(i["capacityProvider"] == provider["name"] for i in self._service_strategy(store, s)))
        needed = len(busy)
        if unplaced:  # tasks waiting for capacity: at least the minimum scaling step more (then again if still short)
            needed += scaling["minimumScalingStepSize"]
        if running == 0:
            return (200.0 if needed else 100.0), needed
        return needed * 100.0 / running, needed

    def _publish(self, store, provider, value):
        try:
            cloudwatch_backends[store.account_id][store.region].put_metric_data(self.METRIC_NAMESPACE, [{
                "MetricName": self.METRIC_NAME, "Value": value, "Unit": "Percent",
                "Dimensions": [{"Name": "CapacityProviderName", "Value": provider["name"]},
                               {"Name": "ClusterName", "Value": provider["_cluster"]}]}])
        except Exception:  # noqa: BLE001 - the metric is for observers; scaling does not depend on it
            pass

    def _managed_scaling(self, store, provider, autoscaling, now, busy):
        try:
            group = self._asg_backend(store).autoscaling_groups[provider["_asg"]]
        except KeyError:
            return
        config = self._ensure_policy(store, provider)
        if now < provider.get("_next_scale", 0):
            return
        provider["_next_scale"] = now + self.plane.scaled(60)
        value, needed = self._reservation(store, provider, busy, group)
        self._publish(store, provider, value)
        target = config["TargetValue"]
        points = provider.setdefault("_datapoints", [])
        points.append(value)
        del points[:-self.SCALE_IN_DATAPOINTS]
        if len(points) >= self.SCALE_OUT_DATAPOINTS and all(v > target for v in points[-self.SCALE_OUT_DATAPOINTS:]):
            direction = "out"
        elif len(points) >= self.SCALE_IN_DATAPOINTS and all(v < target for v in points):
            direction = "in"
        else:
            return
        if "AlarmNotification" in {p["ProcessName"] for p in group.suspended_processes}:
            return  # the alarm fires, the group does not act on it
        # target tracking: the capacity that brings the metric to the target, ceil(N x metric / target) = M x 100 / target
        desired = max(group.min_size, min(group.max_size, math.ceil(needed * 100.0 / target)))
        current = group.desired_capacity
        if (direction == "out" and desired > current) or (direction == "in" and desired < current):
            try:
                autoscaling.set_desired_capacity(provider["_asg"], desired, region=store.region,
                                                 account=store.account_id)
            except ValueError:
                return
            points.clear()

    @staticmethod
    def _service_strategy(store, service):
        cluster = store.clusters.get(service["_cluster"])
        return service.get("capacityProviderStrategy") or (
            cluster["defaultCapacityProviderStrategy"] if cluster and not service.get("launchType") else [])

