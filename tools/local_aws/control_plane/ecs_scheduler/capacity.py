"""Capacity providers: the Auto Scaling groups behind them, managed draining, managed termination
protection and managed scaling."""
import math

from moto.autoscaling.models import autoscaling_backends

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
        scaling = group["managedScaling"]
        if scaling["status"] != "ENABLED" or autoscaling is None:
            return
        if now < provider.get("_next_scale", 0):
            return
        provider["_next_scale"] = now + self.plane.scaled(60)
        unplaced = sum(s.get("_unplaced", 0) for s in store.services.values() if s["status"] == "ACTIVE"
                       and any(i["capacityProvider"] == provider["name"] for i in self._service_strategy(store, s)))
        needed = len(busy) + (min(max(unplaced, scaling["minimumScalingStepSize"]),
                                  scaling["maximumScalingStepSize"]) if unplaced else 0)
        desired = math.ceil(needed * 100 / scaling["targetCapacity"])
        try:
            asg = self._asg_backend(store).autoscaling_groups[provider["_asg"]]
        except KeyError:
            return
        desired = max(asg.min_size, min(asg.max_size, desired))
        current = asg.desired_capacity
        registered = len([c for c in cis if c["status"] == "ACTIVE"])
        if desired > current or (desired < current and registered >= current):
            try:
                autoscaling.set_desired_capacity(provider["_asg"], desired, region=store.region,
                                                 account=store.account_id)
            except ValueError:
                pass

    @staticmethod
    def _service_strategy(store, service):
        cluster = store.clusters.get(service["_cluster"])
        return service.get("capacityProviderStrategy") or (
            cluster["defaultCapacityProviderStrategy"] if cluster and not service.get("launchType") else [])

