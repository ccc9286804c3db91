"""Auto Scaling behaviour moto lacks: AZ spread, lifecycle hooks, termination policy, activities.

- Launches spread evenly over the group's subnets/AZs (each new instance goes to the AZ with the fewest).
- An instance records the launch template version it was launched from ($Latest/$Default resolved);
  DescribeAutoScalingGroups/Instances report it. Mixed instances policies launch the first override type.
- Lifecycle hooks hold instances in Pending:Wait / Terminating:Wait until CompleteLifecycleAction
  (CONTINUE/ABANDON) or the heartbeat timeout (scaled) and then the hook's DefaultResult;
  RecordLifecycleActionHeartbeat restarts the timeout. An abandoned launch is terminated and replaced.
  After the terminating hooks the instance terminates in EC2 and leaves the group.
- Scale-in honours instance protection and the default termination policy: the AZ with the most
  instances first, then the oldest launch template version, then the oldest instance.
- TerminateInstanceInAutoScalingGroup with ShouldDecrementDesiredCapacity false launches a replacement.
- Desired capacity outside min..max is rejected with AWS's ValidationError; DeleteAutoScalingGroup
  without ForceDelete refuses a group that still has instances (ForceDelete skips the hooks).
- DescribeScalingActivities returns the launches and terminations; DisableMetricsCollection works.
- Instance refresh (StartInstanceRefresh, DescribeInstanceRefreshes, CancelInstanceRefresh; Rolling strategy, the
  group's own launch template): minimum and maximum healthy percentage, instance warm-up, checkpoints,
  ScaleInProtectedInstances Refresh|Ignore|Wait, status Pending/InProgress/Cancelling/Cancelled/Baking/
  Successful/Failed, PercentageComplete and InstancesToUpdate (InstanceRefresh below says how).

Python interface (for other components): lifecycle_state(instance_id), group_of(instance_id),
instances(group_name), complete_lifecycle_action(group_name, hook_name, instance_id, result),
set_desired_capacity(group_name, n), set_instance_protection(group_name, ids, protected),
subscribe(callback(event, group_name, instance_id)) with events launching, in_service, terminating,
terminated.
"""
import itertools
import math
import uuid
from collections import Counter

from moto.autoscaling import models as asg_models
from moto.elbv2 import models as elbv2_models

from local_aws.control_plane.core import Component, Response
from local_aws.control_plane.moto_patch import backends, iso, patch, xml

NAMESPACE = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
OUT_OF_CAPACITY = ("Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated", "Detaching", "Detached",
                   "Standby", "EnteringStandby")


class Wait:
    """An instance held by lifecycle hooks of one transition."""

    def __init__(self, group, state, transition, hooks, now, scaled):
        self.group = group
        self.state = state
        self.transition = transition
        self.hooks = {
            hook.name: {"hook": hook, "token": str(uuid.uuid4()), "deadline": now + scaled(hook.heartbeat_timeout),
                        "result": None}
            for hook in hooks
        }


class AutoScaling(Component):
    name = "autoscaling"

    def __init__(self, plane):
        super().__init__(plane)
        self.waits = {}        # instance id -> Wait
        self.activities = {}   # group ARN -> [activity dict], oldest first
        self.listeners = []
        self.refreshes = {}    # group ARN -> [InstanceRefresh], oldest first
        self._sequence = itertools.count()
        self._install()

    # -- Python interface -----------------------------------------------------------------------------
    def subscribe(self, callback):
        """callback(event, group_name, instance_id); events: launching, in_service, terminating, terminated."""
        self.listeners.append(callback)

    def lifecycle_state(self, instance_id):
        found = self._find(instance_id)
        return found[1].lifecycle_state if found else None

    def group_of(self, instance_id):
        found = self._find(instance_id)
        return found[0].name if found else None

    def instances(self, group_name, region="us-east-1", account=None):
        """[{InstanceId, LifecycleState, AvailabilityZone, ProtectedFromScaleIn, HealthStatus, LaunchTemplate}]."""
        group = self._group(group_name, region, account)
        return [
            {"InstanceId": s.instance.id, "LifecycleState": s.lifecycle_state, "AvailabilityZone": s.availability_zone,
             "ProtectedFromScaleIn": bool(s.protected_from_scale_in), "HealthStatus": s.health_status,
             "LaunchTemplate": s.launch_template}
            for s in group.instance_states
        ]

    def complete_lifecycle_action(self, group_name, hook_name, instance_id, result="CONTINUE"):
        wait = self.waits.get(instance_id)
        if wait is None or wait.group.name != group_name or hook_name not in wait.hooks:
            raise ValueError(f"No active Lifecycle Action found with instance ID {instance_id}")
        if result not in ("CONTINUE", "ABANDON"):
            raise ValueError("LifecycleActionResult must be CONTINUE or ABANDON")
        wait.hooks[hook_name]["result"] = result
        self._resolve(instance_id, wait)

    def set_desired_capacity(self, group_name, desired, region="us-east-1", account=None):
        group = self._group(group_name, region, account)
        error = _check_desired(desired, group.min_size, group.max_size, "set")
        if error:
            raise ValueError(error)
        group.autoscaling_backend.set_desired_capacity(group_name, desired)

    def set_instance_protection(self, group_name, instance_ids, protected, region="us-east-1", account=None):
        group = self._group(group_name, region, account)
        group.autoscaling_backend.set_instance_protection(group_name, list(instance_ids), bool(protected))

    # -- component ------------------------------------------------------------------------------------------
    def tick(self, now):
        for instance_id, wait in list(self.waits.items()):
            for entry in wait.hooks.values():
                if entry["result"] is None and now >= entry["deadline"]:
                    entry["result"] = entry["hook"].default_result
            self._resolve(instance_id, wait)
        for refreshes in list(self.refreshes.values()):
            for refresh in refreshes:
                if refresh.group.name in refresh.group.autoscaling_backend.autoscaling_groups:
                    refresh.tick(self, now)

    def reset(self):
        self.waits.clear()
        self.activities.clear()
        self.refreshes.clear()

    def intercepts(self):
        return {
            ("autoscaling", "CompleteLifecycleAction"): self._api_complete,
            ("autoscaling", "RecordLifecycleActionHeartbeat"): self._api_heartbeat,
            ("autoscaling", "DisableMetricsCollection"): self._api_disable_metrics,
            ("autoscaling", "DescribeScalingActivities"): self._api_activities,
            ("autoscaling", "TerminateInstanceInAutoScalingGroup"): self._api_terminate,
            ("autoscaling", "SetDesiredCapacity"): self._api_validate_set,
            ("autoscaling", "CreateAutoScalingGroup"): self._api_validate_sizes,
            ("autoscaling", "UpdateAutoScalingGroup"): self._api_validate_sizes,
            ("autoscaling", "DeleteAutoScalingGroup"): self._api_delete,
            ("autoscaling", "StartInstanceRefresh"): self._api_start_refresh,
            ("autoscaling", "DescribeInstanceRefreshes"): self._api_describe_refreshes,
            ("autoscaling", "CancelInstanceRefresh"): self._api_cancel_refresh,
        }

    # -- lookups ----------------------------------------------------------------------------------------------
    @staticmethod
    def _group(group_name, region="us-east-1", account=None):
        for acc, reg, backend in backends(asg_models.autoscaling_backends):
            if reg == region and (account is None or acc == account) and group_name in backend.autoscaling_groups:
                return backend.autoscaling_groups[group_name]
        raise KeyError(f"AutoScalingGroup name not found - AutoScalingGroup '{group_name}' not found")

    @staticmethod
    def _find(instance_id):
        for _, _, backend in backends(asg_models.autoscaling_backends):
            for group in backend.autoscaling_groups.values():
                for state in group.instance_states:
                    if state.instance.id == instance_id:
                        return group, state
        return None

    def _emit(self, event, group, instance_id):
        for callback in self.listeners:
            callback(event, group.name, instance_id)

    # -- capacity -----------------------------------------------------------------------------------------------
    @staticmethod
    def _capacity(group):
        return [s for s in group.instance_states if s.lifecycle_state not in OUT_OF_CAPACITY]

    def _converge(self, group, cause=None):
        capacity = self._capacity(group)
        desired = group.desired_capacity or 0
        before = len(capacity)
        if desired > before:
            self._launch(group, desired - before, cause or _capacity_cause("increasing", before, desired))
        elif desired < before:
            self._scale_in(group, capacity, before - desired, cause or _capacity_cause("shrinking", before, desired))

    def _launch(self, group, count, cause):
        template, version = _resolved_version(group)
        subnets = group.vpc_zone_identifier.split(",") if group.vpc_zone_identifier else []
        ec2 = group.autoscaling_backend.ec2_backend
        zone_of = {subnet.id: subnet.availability_zone for subnet in ec2.describe_subnets(subnet_ids=subnets)} \
            if subnets else {}
        zones = [zone_of[s] for s in subnets] if subnets else list(group.availability_zones)
        hooks = [h for h in group.autoscaling_backend.describe_lifecycle_hooks(group.name)
                 if h.lifecycle_transition == LAUNCHING]
        for _ in range(count):
            counts = Counter(s.availability_zone for s in self._capacity(group))
            index = min(range(len(zones)), key=lambda i: (counts[zones[i]], i))
            tags = group.get_propagated_tags()
            tags[asg_models.ASG_NAME_TAG] = group.name
            kwargs = {
                "instance_type": _instance_type(group, version),
                "tags": {"instance": tags},
                "placement": zones[index],
                "launch_config": group.launch_config,
                "is_instance_type_default": False,
                "associate_public_ip": group.launch_config.associate_public_ip_address if group.launch_config else None,
            }
            if subnets:
                kwargs["subnet_id"] = subnets[index]
            if template is not None:
                kwargs["launch_template"] = {"LaunchTemplateId": template.id, "Version": str(version.number)}
            reservation = ec2.run_instances(group.image_id if template is None else version.image_id, 1,
                                            group.user_data if template is None else version.user_data,
                                            group.security_groups if template is None else version.security_groups,
                                            **kwargs)
            instance = reservation.instances[0]
            instance.autoscaling_group = group
            state = asg_models.InstanceState(
                instance, lifecycle_state="Pending", protected_from_scale_in=group.new_instances_protected_from_scale_in)
            state.lp_version = str(version.number) if version is not None else None
            group.instance_states.append(state)
            activity = self._activity(group, f"Launching a new EC2 instance: {instance.id}", cause, instance.id)
            self._emit("launching", group, instance.id)
            if hooks:
                state.lifecycle_state = "Pending:Wait"
                activity["StatusCode"], activity["Progress"] = "MidLifecycleAction", 30
                self.waits[instance.id] = Wait(group, state, LAUNCHING, hooks, self.plane.now(), self.plane.scaled)
            else:
                self._in_service(group, state)

    def _in_service(self, group, state):
        state.lifecycle_state = "InService"
        if group.name in group.autoscaling_backend.autoscaling_groups:
            group.autoscaling_backend.update_attached_target_groups(group.name)
        self._finish_activity(state.instance.id, "Successful")
        self._emit("in_service", group, state.instance.id)

    def _scale_in(self, group, capacity, count, cause):
        eligible = [s for s in capacity if not s.protected_from_scale_in]
        current = _resolved_version(group)[1]
        for _ in range(count):
            if not eligible:
                return
            per_zone = Counter(s.availability_zone for s in capacity)
            zone = max({s.availability_zone for s in eligible}, key=lambda z: (per_zone[z], z))
            candidates = [s for s in eligible if s.availability_zone == zone]
            victim = min(candidates, key=lambda s: (_version_rank(s, current), s.instance.launch_time, s.instance.id))
            capacity.remove(victim)
            eligible.remove(victim)
            self._terminate(group, victim, cause)

    def _terminate(self, group, state, cause, force=False):
        instance_id = state.instance.id
        self.waits.pop(instance_id, None)
        state.lifecycle_state = "Terminating"
        activity = self._activity(group, f"Terminating EC2 instance: {instance_id}", cause, instance_id)
        self._deregister_targets(group, instance_id)
        self._emit("terminating", group, instance_id)
        hooks = [] if force else [h for h in group.autoscaling_backend.describe_lifecycle_hooks(group.name)
                                  if h.lifecycle_transition == TERMINATING]
        if hooks:
            state.lifecycle_state = "Terminating:Wait"
            activity["StatusCode"], activity["Progress"] = "MidLifecycleAction", 50
            self.waits[instance_id] = Wait(group, state, TERMINATING, hooks, self.plane.now(), self.plane.scaled)
        else:
            self._terminated(group, state)

    def _terminated(self, group, state):
        instance_id = state.instance.id
        state.lifecycle_state = "Terminating:Proceed"
        ec2 = group.autoscaling_backend.ec2_backend
        ec2.terminate_instances([instance_id])
        elbv2_models.elbv2_backends[group.account_id][group.region].notify_terminate_instances([instance_id])
        group.instance_states = [s for s in group.instance_states if s.instance.id != instance_id]
        self._finish_activity(instance_id, "Successful")
        self._emit("terminated", group, instance_id)

    def _deregister_targets(self, group, instance_id):
        elbv2 = elbv2_models.elbv2_backends[group.account_id][group.region]
        for arn in group.target_group_arns:
            target_group = elbv2.target_groups.get(arn)
            if target_group is not None and instance_id in target_group.targets:
                elbv2.deregister_targets(arn, [{"Id": instance_id, "Port": target_group.port}])

    def _resolve(self, instance_id, wait):
        results = [entry["result"] for entry in wait.hooks.values()]
        if None in results:
            return
        del self.waits[instance_id]
        group, state = wait.group, wait.state
        if state not in group.instance_states:
            return
        if wait.transition == TERMINATING:
            self._terminated(group, state)
        elif "ABANDON" in results:
            self._finish_activity(instance_id, "Cancelled")
            self._terminate(group, state, f"At {iso()} an instance was taken out of service because its launch "
                                          "was abandoned by a lifecycle hook.", force=True)
            self._converge(group)
        else:
            self._in_service(group, state)

    # -- activities -------------------------------------------------------------------------------------------
    def _activity(self, group, description, cause, instance_id):
        activity = {
            "ActivityId": str(uuid.uuid4()), "AutoScalingGroupName": group.name, "AutoScalingGroupARN": group.arn,
            "Description": description, "Cause": cause, "StartTime": iso(), "EndTime": None,
            "StatusCode": "InProgress", "Progress": 0, "Details": "{}", "_instance": instance_id,
            "_seq": next(self._sequence),
        }
        self.activities.setdefault(group.arn, []).append(activity)
        return activity

    def _finish_activity(self, instance_id, status):
        for activities in self.activities.values():
            for activity in reversed(activities):
                if activity["_instance"] == instance_id and activity["EndTime"] is None:
                    activity["StatusCode"], activity["Progress"], activity["EndTime"] = status, 100, iso()
                    return

    # -- API ------------------------------------------------------------------------------------------------------
    def _backend(self, request):
        return asg_models.autoscaling_backends[request.account_id][request.region]

    def _api_complete(self, request):
        wait = self._wait_for(request)
        if isinstance(wait, Response):
            return wait
        result = request.params.get("LifecycleActionResult")
        if result not in ("CONTINUE", "ABANDON"):
            return Response.xml_error("ValidationError", "LifecycleActionResult must be CONTINUE or ABANDON")
        wait.hooks[request.params["LifecycleHookName"]]["result"] = result
        self._resolve(wait.state.instance.id, wait)
        return Response.xml("CompleteLifecycleAction", "", NAMESPACE)

    def _api_heartbeat(self, request):
        wait = self._wait_for(request)
        if isinstance(wait, Response):
            return wait
        entry = wait.hooks[request.params["LifecycleHookName"]]
        entry["deadline"] = self.plane.now() + self.plane.scaled(entry["hook"].heartbeat_timeout)
        return Response.xml("RecordLifecycleActionHeartbeat", "", NAMESPACE)

    def _wait_for(self, request):
        params = request.params
        instance_id, token = params.get("InstanceId"), params.get("LifecycleActionToken")
        hook_name, group_name = params.get("LifecycleHookName"), params.get("AutoScalingGroupName")
        for waiting_id, wait in self.waits.items():
            entry = wait.hooks.get(hook_name)
            if entry is None or wait.group.name != group_name or entry["result"] is not None:
                continue
            if (instance_id and waiting_id == instance_id) or (token and entry["token"] == token):
                return wait
        if instance_id:
            return Response.xml_error("ValidationError", f"No active Lifecycle Action found with instance ID {instance_id}")
        return Response.xml_error("ValidationError", f"No active Lifecycle Action found with token {token}")

    def _api_disable_metrics(self, request):
        group = self._backend(request).autoscaling_groups.get(request.params.get("AutoScalingGroupName"))
        if group is None:
            return Response.xml_error("ValidationError", "Group not found")
        metrics = request.query_list("Metrics")
        group.metrics = [m for m in group.metrics if metrics and m not in metrics]
        return Response.xml("DisableMetricsCollection", "", NAMESPACE)

    def _api_activities(self, request):
        backend = self._backend(request)
        name = request.params.get("AutoScalingGroupName")
        ids = set(request.query_list("ActivityIds"))
        if name and name not in backend.autoscaling_groups:
            return Response.xml("DescribeScalingActivities", "<Activities/>", NAMESPACE)
        arns = {g.arn for g in backend.autoscaling_groups.values() if not name or g.name == name}
        found = [a for arn, items in self.activities.items() if arn in arns for a in items]
        found = [a for a in sorted(found, key=lambda a: a["_seq"], reverse=True) if not ids or a["ActivityId"] in ids]
        start = int(request.params.get("NextToken") or 0)
        size = int(request.params.get("MaxRecords") or 100)
        page = found[start:start + size]
        members = "".join(
            "<member>" + "".join(xml(k, v) for k, v in a.items() if not k.startswith("_")) + "</member>" for a in page)
        token = xml("NextToken", start + size) if start + size < len(found) else ""
        return Response.xml("DescribeScalingActivities", f"<Activities>{members}</Activities>{token}", NAMESPACE)

    def _api_terminate(self, request):
        instance_id = request.params.get("InstanceId")
        decrement = request.params.get("ShouldDecrementDesiredCapacity", "").lower() == "true"
        found = self._find(instance_id)
        if found is None:
            return Response.xml_error("ValidationError", f"Instance Id not found - No managed instance found for instance ID: {instance_id}")
        group, state = found
        before = group.desired_capacity
        if state.lifecycle_state in OUT_OF_CAPACITY[:4]:
            activity = next(a for a in reversed(self.activities.get(group.arn, [])) if a["_instance"] == instance_id)
        else:
            if decrement:
                if before - 1 < (group.min_size or 0):
                    return Response.xml_error(
                        "ValidationError",
                        f"Currently, desiredCapacity={before} and minSize={group.min_size}. Terminating the instance "
                        "with ShouldDecrementDesiredCapacity=true would violate the minSize constraint.")
                group.desired_capacity = before - 1
            cause = f"At {iso()} instance {instance_id} was taken out of service in response to a user request"
            cause += f", shrinking the capacity from {before} to {group.desired_capacity}." if decrement else "."
            self._terminate(group, state, cause)
            activity = next(a for a in reversed(self.activities[group.arn]) if a["_instance"] == instance_id)
            self._converge(group)
        body = "<Activity>" + "".join(xml(k, v) for k, v in activity.items() if not k.startswith("_")) + "</Activity>"
        return Response.xml("TerminateInstanceInAutoScalingGroup", body, NAMESPACE)

    def _api_validate_set(self, request):
        group = self._backend(request).autoscaling_groups.get(request.params.get("AutoScalingGroupName"))
        if group is not None and request.params.get("DesiredCapacity"):
            error = _check_desired(int(request.params["DesiredCapacity"]), group.min_size, group.max_size, "set")
            if error:
                return Response.xml_error("ValidationError", error)
        return None

    def _api_validate_sizes(self, request):
        params = request.params
        group = self._backend(request).autoscaling_groups.get(params.get("AutoScalingGroupName"))
        current = (group.min_size, group.max_size, group.desired_capacity) if group is not None else (None, None, None)
        low = int(params["MinSize"]) if params.get("MinSize") else current[0]
        high = int(params["MaxSize"]) if params.get("MaxSize") else current[1]
        if low is not None and high is not None and low > high:
            return Response.xml_error("ValidationError", f"Max bound, {high}, must be greater than or equal to min bound, {low}")
        if params.get("DesiredCapacity"):
            error = _check_desired(int(params["DesiredCapacity"]), low, high, "update")
            if error:
                return Response.xml_error("ValidationError", error)
        return None

    def _api_delete(self, request):
        group = self._backend(request).autoscaling_groups.get(request.params.get("AutoScalingGroupName"))
        if group is None:
            return None
        if request.params.get("ForceDelete", "").lower() == "true":
            group.lp_force = True
        elif group.instance_states:
            return Response.xml_error(
                "ResourceInUse",
                "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) "
                "still in the group.")
        return None

    def _active_refresh(self, group):
        return next((r for r in self.refreshes.get(group.arn, []) if r.status in ACTIVE_REFRESH), None)

    def _api_start_refresh(self, request):
        params = request.params
        name = params.get("AutoScalingGroupName")
        group = self._backend(request).autoscaling_groups.get(name)
        if group is None:
            return Response.xml_error("ValidationError", f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
        if params.get("Strategy") not in (None, "", "Rolling"):
            return Response.xml_error("ValidationError", "The local AWS models the Rolling strategy only.")
        if any(k.startswith("DesiredConfiguration.") for k in params):
            return Response.xml_error("ValidationError", "The local AWS does not model a DesiredConfiguration: update the "
                                                         "group's launch template, then start the instance refresh.")
        if self._active_refresh(group) is not None:
            return Response.xml_error("InstanceRefreshInProgress", "An Instance Refresh is already in progress and "
                                                                   "blocks the execution of this Instance Refresh.")
        preferences, error = refresh_preferences(params, group)
        if error:
            return Response.xml_error("ValidationError", error)
        refresh = InstanceRefresh(group, preferences, self.plane.now(), self.plane.scaled)
        self.refreshes.setdefault(group.arn, []).append(refresh)
        return Response.xml("StartInstanceRefresh", xml("InstanceRefreshId", refresh.id), NAMESPACE)

    def _api_describe_refreshes(self, request):
        name = request.params.get("AutoScalingGroupName")
        group = self._backend(request).autoscaling_groups.get(name)
        found = list(reversed(self.refreshes.get(group.arn, []))) if group is not None else []
        ids = set(request.query_list("InstanceRefreshIds"))
        found = [r for r in found if not ids or r.id in ids]
        start = int(request.params.get("NextToken") or 0)
        size = int(request.params.get("MaxRecords") or 50)
        now = self.plane.now()
        members = "".join(xml_struct("member", r.describe(now)) for r in found[start:start + size])
        token = xml("NextToken", start + size) if start + size < len(found) else ""
        return Response.xml("DescribeInstanceRefreshes", f"<InstanceRefreshes>{members}</InstanceRefreshes>{token}",
                            NAMESPACE)

    def _api_cancel_refresh(self, request):
        name = request.params.get("AutoScalingGroupName")
        group = self._backend(request).autoscaling_groups.get(name)
        refresh = self._active_refresh(group) if group is not None else None
        if refresh is None or refresh.status == "Cancelling":
            return Response.xml_error("ActiveInstanceRefreshNotFound",
                                      f"No in progress or pending Instance Refresh found for Auto Scaling group {name}")
        refresh.cancel()
        return Response.xml("CancelInstanceRefresh", xml("InstanceRefreshId", refresh.id), NAMESPACE)

    # -- moto patches ---------------------------------------------------------------------------------------------
    def _install(self):
        component = self

        def set_desired_capacity(original):
            def _set_desired_capacity(group, new_capacity):
                group.desired_capacity = group.min_size if new_capacity is None else new_capacity
                if getattr(group, "lp_force", False):
                    for state in list(group.instance_states):
                        component._terminate(group, state, f"At {iso()} the group was deleted.", force=True)
                else:
                    component._converge(group)
                if group.name in group.autoscaling_backend.autoscaling_groups:
                    group.autoscaling_backend.update_attached_elbs(group.name)
                    group.autoscaling_backend.update_attached_target_groups(group.name)
            return _set_desired_capacity

        def replace_instances(original):
            def _replace(group, count_needed, propagated_tags):
                component._converge(group)
            return _replace

        def launch_template(original):
            def _launch_template(state):
                value = original.fget(state)
                version = getattr(state, "lp_version", None)
                if value is not None and version is not None:
                    value["Version"] = version
                return value
            return property(_launch_template)

        def update_target_groups(original):
            def _update_attached_target_groups(backend, group_name):
                group = backend.autoscaling_groups[group_name]
                elbv2 = backend.elbv2_backend
                for arn in group.target_group_arns:
                    target_group = elbv2.target_groups.get(arn)
                    ids = [s.instance.id for s in group.instance_states if s.lifecycle_state == "InService"]
                    if target_group is not None:
                        missing = [{"Id": i, "Port": target_group.port} for i in ids if i not in target_group.targets]
                        if missing:
                            elbv2.register_targets(arn, missing)
            return _update_attached_target_groups

        def update_group(original):
            def _update(group, **kwargs):
                # UpdateAutoScalingGroup without a template or policy keeps the group's own (moto drops
                # the mixed instances policy).
                keep = None if kwargs.get("launch_template") or kwargs.get("launch_config_name") else \
                    group.mixed_instances_policy
                original(group, **kwargs)
                if kwargs.get("mixed_instances_policy") is None and keep is not None:
                    group.mixed_instances_policy = keep
            return _update

        patch(asg_models.FakeAutoScalingGroup, "update", update_group)
        patch(asg_models.AutoScalingBackend, "update_attached_target_groups", update_target_groups)
        patch(asg_models.FakeAutoScalingGroup, "set_desired_capacity", set_desired_capacity)
        patch(asg_models.FakeAutoScalingGroup, "replace_autoscaling_group_instances", replace_instances)
        patch(asg_models.InstanceState, "launch_template", launch_template)


def _check_desired(desired, low, high, kind):
    if kind == "set":
        if high is not None and desired > high:
            return f"New SetDesiredCapacity value {desired} is above max value {high} for the AutoScalingGroup."
        if low is not None and desired < low:
            return f"New SetDesiredCapacity value {desired} is below min value {low} for the AutoScalingGroup."
        return None
    if (high is not None and desired > high) or (low is not None and desired < low):
        return f"Desired capacity:{desired} must be between the specified min size:{low} and max size:{high}"
    return None


def _capacity_cause(direction, before, desired):
    return (f"At {iso()} an instance was {'started' if direction == 'increasing' else 'taken out of service'} in "
            f"response to a difference between desired and actual capacity, {direction} the capacity from "
            f"{before} to {desired}.")


def _resolved_version(group):
    """(template, LaunchTemplateVersion) the group launches now; (None, None) with a launch configuration."""
    template = group.ec2_launch_template
    if template is None:
        return None, None
    return template, template.get_version(group.launch_template_version)


def _version_rank(state, current):
    version = getattr(state, "lp_version", None)
    if current is None or version is None:
        return (1, 0)
    return (0 if version != str(current.number) else 1, int(version))


def _instance_type(group, version):
    policy = group.mixed_instances_policy or {}
    overrides = (policy.get("LaunchTemplate") or {}).get("Overrides") or []
    if overrides and overrides[0].get("InstanceType"):
        return overrides[0]["InstanceType"]
    if version is not None:
        return version.instance_type or "m1.small"
    return group.instance_type


# -- instance refresh ----------------------------------------------------------------------------------------------
ACTIVE_REFRESH = ("Pending", "InProgress", "Cancelling", "Baking")
REFRESH_PROTECTED = ("Refresh", "Ignore", "Wait")
REFRESH_STANDBY = ("Terminate", "Ignore", "Wait")
PROTECTION_WAIT = 3600  # AWS seconds: ScaleInProtectedInstances Wait gives up after one hour


class InstanceRefresh:
    """One instance refresh of a group (Rolling strategy), as the Auto Scaling API reference and user guide
    describe it:

    - the instances to update are the group's InService instances when it starts (SkipMatching: only those
      not on the group's launch template version);
    - it keeps at least ceil(desired x MinHealthyPercentage / 100) healthy instances (InService, healthy, and
      for a new one its InstanceWarmup passed) and at most floor(desired x MaxHealthyPercentage / 100)
      instances in service or pending: above 100 it launches replacements first and terminates old instances
      once the new ones are warm; at 100 it terminates first and the group launches the replacement; it always
      replaces at least one instance at a time;
    - old instances are terminated without decrementing the desired capacity, through the group's termination
      lifecycle hooks (an ECS capacity provider's managed draining hook drains them), the AZ with the most
      instances first, then the oldest;
    - ScaleInProtectedInstances: Refresh replaces protected instances too; Ignore leaves them (they no longer
      count as to update); Wait (default) replaces the others and waits for the protection to be removed, and
      fails after one hour;
    - CheckpointPercentages: when PercentageComplete reaches a checkpoint and no replacement is warming up,
      it pauses for CheckpointDelay (default 3600 s), then continues by itself;
    - PercentageComplete and InstancesToUpdate count the replacements that are InService, healthy and warm;
    - CancelInstanceRefresh: Cancelling until the replacements already launched are warm, then Cancelled;
      nothing is rolled back (instances above the desired capacity are scaled in as usual);
    - a suspended InstanceRefresh process holds it; BakeTime (Baking) before Successful.
    """

    def __init__(self, group, preferences, now, scaled):
        self.id = str(uuid.uuid4())
        self.group = group
        self.preferences = preferences
        self.scaled = scaled
        self.status = "Pending"
        self.reason = None
        self.start_time, self.end_time = iso(), None
        self.started = now
        self.warmup = scaled(preferences["InstanceWarmup"])
        current = _resolved_version(group)[1]
        live = [s for s in group.instance_states if s.lifecycle_state == "InService"]
        if preferences["SkipMatching"] and current is not None:
            live = [s for s in live if getattr(s, "lp_version", None) != str(current.number)]
        self.initial = {s.instance.id for s in group.instance_states}
        self.to_update = [s.instance.id for s in live]
        self.total = len(self.to_update)
        self.warm_since = {}       # new instance id -> plane time it was first seen InService
        self.ignored = set()
        self.protection_wait = None
        self.checkpoint = 0        # index of the next checkpoint
        self.paused_until = None
        self.bake_until = None

    # -- counts ------------------------------------------------------------------------------------------------------
    def _new(self, capacity):
        return [s for s in capacity if s.instance.id not in self.initial]

    def _warm(self, state, now):
        if state.lifecycle_state != "InService" or state.health_status != "Healthy":
            return False
        if state.instance.id in self.initial:
            return True
        since = self.warm_since.setdefault(state.instance.id, now)
        return now - since >= self.warmup

    def updated(self, now):
        capacity = [s for s in self.group.instance_states if s.lifecycle_state not in OUT_OF_CAPACITY]
        return min(self.total, sum(1 for s in self._new(capacity) if self._warm(s, now)))

    def percentage(self, now):
        return 100 if not self.total else int(self.updated(now) * 100 / self.total)

    # -- progress ----------------------------------------------------------------------------------------------------
    def tick(self, component, now):
        group = self.group
        if self.status not in ACTIVE_REFRESH:
            return
        if "InstanceRefresh" in {p["ProcessName"] for p in group.suspended_processes}:
            return
        capacity = component._capacity(group)
        in_flight = [s for s in self._new(capacity) if not self._warm(s, now)]
        if self.status == "Cancelling":
            if not in_flight:
                self._end("Cancelled", None)
                component._converge(group)
            return
        if self.status == "Baking":
            if now >= self.bake_until:
                self._end("Successful", None)
            return
        if self.status == "Pending":
            if now <= self.started:  # it starts on the first tick after the request
                return
            self.status = "InProgress"
        old = [s for s in capacity if s.instance.id in set(self.to_update) and s.instance.id not in self.ignored]
        if self.preferences["ScaleInProtectedInstances"] == "Ignore":
            for state in old:
                if state.protected_from_scale_in:
                    self.ignored.add(state.instance.id)
            self.total = len([i for i in self.to_update if i not in self.ignored])
            old = [s for s in old if s.instance.id not in self.ignored]
        if not old:
            if not in_flight:
                if self.preferences["BakeTime"]:
                    self.status, self.bake_until = "Baking", now + self.scaled(self.preferences["BakeTime"])
                else:
                    self._end("Successful", None)
            return
        # checkpoints: pause once the percentage reached the next one and nothing is warming up
        checkpoints = self.preferences["CheckpointPercentages"]
        if self.paused_until is not None:
            if now < self.paused_until:
                return
            self.paused_until, self.reason = None, None
            self.checkpoint += 1
        elif self.checkpoint < len(checkpoints) and not in_flight and self.percentage(now) >= checkpoints[self.checkpoint]:
            self.paused_until = now + self.scaled(self.preferences["CheckpointDelay"])
            self.reason = (f"Waiting for checkpoint: {self.percentage(now)}% complete, continuing after "
                           f"{self.preferences['CheckpointDelay']} seconds.")
            return
        replace_protected = self.preferences["ScaleInProtectedInstances"] == "Refresh"
        candidates = [s for s in old if replace_protected or not s.protected_from_scale_in]
        if not candidates:  # Wait: every instance left to update is protected from scale in
            if self.protection_wait is None:
                self.protection_wait = now
            waited = now - self.protection_wait
            ids = ", ".join(sorted(s.instance.id for s in old))
            if waited >= self.scaled(PROTECTION_WAIT):
                self._end("Failed", f"Instance refresh failed: instances protected from scale in were not "
                                    f"unprotected within one hour: {ids}.")
            else:
                self.reason = f"Waiting for instances protected from scale in to be unprotected: {ids}."
            return
        self.protection_wait, self.reason = None, None
        desired = group.desired_capacity or 0
        least = math.ceil(desired * self.preferences["MinHealthyPercentage"] / 100.0)
        most = max(desired, math.floor(desired * self.preferences["MaxHealthyPercentage"] / 100.0))
        acted = False
        # launch first, up to the maximum healthy percentage, as many as there are old instances to replace
        while len(capacity) < most and len(in_flight) < len(candidates):
            component._launch(group, 1, f"At {iso()} an instance was launched in response to an instance refresh.")
            capacity = component._capacity(group)
            in_flight = [s for s in self._new(capacity) if not self._warm(s, now)]
            acted = True
        healthy = [s for s in capacity if self._warm(s, now)]
        allowed = len(healthy) - least
        if allowed <= 0 and not in_flight and not acted:
            allowed = 1  # at least one instance at a time
        for _ in range(min(allowed, len(candidates))):
            per_zone = Counter(s.availability_zone for s in capacity)
            victim = min(candidates, key=lambda s: (-per_zone[s.availability_zone],
                                                    str(getattr(s.instance, "launch_time", "")), s.instance.id))
            candidates.remove(victim)
            capacity.remove(victim)
            component._terminate(group, victim, f"At {iso()} an instance was taken out of service in response to an "
                                                 "instance refresh.")
        if len(component._capacity(group)) < desired:
            component._converge(group, f"At {iso()} an instance was launched in response to an instance refresh.")

    def _end(self, status, reason):
        self.status, self.reason, self.end_time = status, reason, iso()

    def cancel(self):
        self.status, self.reason = "Cancelling", None

    def describe(self, now):
        done = self.updated(now)
        progress = {"PercentageComplete": self.percentage(now), "InstancesToUpdate": max(0, self.total - done)}
        return {"InstanceRefreshId": self.id, "AutoScalingGroupName": self.group.name, "Status": self.status,
                "StatusReason": self.reason, "StartTime": self.start_time, "EndTime": self.end_time,
                "PercentageComplete": progress["PercentageComplete"], "InstancesToUpdate": progress["InstancesToUpdate"],
                "ProgressDetails": {"LivePoolProgress": progress}, "Preferences": self.preferences, "Strategy": "Rolling"}


def refresh_preferences(params, group):
    """RefreshPreferences of a StartInstanceRefresh request with AWS's defaults, or an error message."""
    def number(name):
        value = params.get("Preferences." + name)
        return int(value) if value not in (None, "") else None

    def flag(name):
        return (params.get("Preferences." + name) or "").lower() == "true"

    minimum, maximum = number("MinHealthyPercentage"), number("MaxHealthyPercentage")
    if maximum is not None and minimum is None:
        return None, "If you specify MaxHealthyPercentage, you must also specify MinHealthyPercentage."
    minimum = 90 if minimum is None else minimum
    maximum = 100 if maximum is None else maximum
    if not 0 <= minimum <= 100:
        return None, "MinHealthyPercentage must be between 0 and 100."
    if not 100 <= maximum <= 200:
        return None, "MaxHealthyPercentage must be between 100 and 200."
    if maximum - minimum > 100:
        return None, "The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100."
    checkpoints = [int(v) for v in _members(params, "Preferences.CheckpointPercentages")]
    delay = number("CheckpointDelay")
    if delay is not None and not checkpoints:
        return None, "If you specify CheckpointDelay, you must also specify CheckpointPercentages."
    if checkpoints and (checkpoints != sorted(set(checkpoints)) or not 1 <= checkpoints[0] or checkpoints[-1] > 100):
        return None, "CheckpointPercentages must be unique values from 1 to 100 in ascending order."
    protected = params.get("Preferences.ScaleInProtectedInstances") or "Wait"
    standby = params.get("Preferences.StandbyInstances") or "Wait"
    if protected not in REFRESH_PROTECTED or standby not in REFRESH_STANDBY:
        return None, "ScaleInProtectedInstances must be Refresh, Ignore or Wait; StandbyInstances Terminate, Ignore or Wait."
    if flag("AutoRollback"):
        return None, ("AutoRollback is not supported when there is no desired configuration specified for the "
                      "instance refresh.")
    warmup = number("InstanceWarmup")
    if warmup is None:
        warmup = getattr(group, "default_instance_warmup", None) or group.health_check_grace_period or 0
    preferences = {"MinHealthyPercentage": minimum, "MaxHealthyPercentage": maximum, "InstanceWarmup": int(warmup),
                   "CheckpointPercentages": checkpoints, "CheckpointDelay": 3600 if delay is None and checkpoints else delay,
                   "SkipMatching": flag("SkipMatching"), "AutoRollback": False, "ScaleInProtectedInstances": protected,
                   "StandbyInstances": standby, "BakeTime": number("BakeTime") or 0}
    return preferences, None


def _members(params, prefix):
    items = []
    for key, value in params.items():
        if key.startswith(prefix + ".member."):
            items.append((int(key.rsplit(".", 1)[1]), value))
    return [v for _, v in sorted(items)]


def xml_struct(tag, value):
    """Query-protocol XML of a value: dicts as nested elements, lists as <member>s; None is left out."""
    if value is None or value == []:
        return ""
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(xml_struct(k, v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list):
        return f"<{tag}>" + "".join(xml_struct("member", v) for v in value) + f"</{tag}>"
    return xml(tag, value)
