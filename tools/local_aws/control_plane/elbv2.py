"""ELBv2 behaviour moto lacks: target health per (Id, Port) over time, ALB provisioning.

Targets are keyed by (Id, Port), so two ports on one instance are two targets (moto keys by id).
A registered target goes `initial` (Elb.RegistrationInProgress for one health-check interval, then
Elb.InitialHealthChecking) and becomes `healthy` after interval x HealthyThresholdCount; a target marked
unhealthy with the `elbv2/set-target-health` control becomes `unhealthy` after interval x
UnhealthyThresholdCount. A deregistered target is `draining` for the group's
deregistration_delay.timeout_seconds, then gone. Targets of a group no load balancer uses are `unused`
(Target.NotInUse); targets on a stopped or terminated instance are `unused` (Target.InvalidState).
Configured durations are scaled by the profile (plane.scaled).

moto's FakeTargetGroup.register/deregister and ELBv2Backend.describe_target_health are replaced, so the
API (RegisterTargets, DeregisterTargets, DescribeTargetHealth with or without Targets), Auto Scaling
attachments and the Python interface below all see the same state.

Python interface (for other components): register(tg_arn, targets), deregister(tg_arn, targets),
health(tg_arn, targets=None) -> DescribeTargetHealth items.
"""
from moto.ec2 import ec2_backends
from moto.elbv2 import models as elbv2_models
from moto.elbv2.exceptions import InvalidTargetError, TargetGroupNotFoundError, TargetNotRunning

from local_aws.control_plane import moto_patch
from local_aws.control_plane.core import Component
from local_aws.control_plane.moto_patch import TimedStatus, arn_scope, patch

NOT_RUNNING = {"stopped": "stopped", "stopping": "stopped", "terminated": "terminated", "shutting-down": "terminated"}


class Target:
    """One registration: (Id, Port) in one target group."""

    def __init__(self, target_id, port, now):
        self.id = target_id
        self.port = port
        self.registered_at = now
        self.health = "initial"   # initial | healthy | unhealthy
        self.checking_since = None  # when health checks started (the group is in use)
        self.due = None           # (goal, plane time) of the next health change
        self.replan_from = None   # set by the control: plan the next change from that moment
        self.drain_until = None   # plane time a draining target disappears


class ElbV2(Component):
    name = "elbv2"

    def __init__(self, plane):
        super().__init__(plane)
        self.targets = {}    # target group ARN -> {(id, port): Target}, in registration order
        self.overrides = {}  # (tg ARN | "*", id, port | "*") -> "healthy" | "unhealthy"
        self._install()

    # -- Python interface ---------------------------------------------------------------------------
    def register(self, target_group_arn, targets):
        """Register [{"Id", "Port"}] (validated as RegisterTargets is)."""
        self._backend(target_group_arn).register_targets(target_group_arn, targets)

    def deregister(self, target_group_arn, targets):
        self._backend(target_group_arn).deregister_targets(target_group_arn, targets)

    def health(self, target_group_arn, targets=None):
        """DescribeTargetHealth items: [{"Target": {"Id", "Port"}, "HealthCheckPort", "TargetHealth"}]."""
        statuses = self._backend(target_group_arn).describe_target_health(target_group_arn, targets or [])
        items = []
        for status in statuses:
            health = {k: v for k, v in status.target_health.items() if v is not None}
            items.append({"Target": dict(status.target), "HealthCheckPort": status.health_check_port,
                          "TargetHealth": health})
        return items

    def target_counts(self):
        """{target group ARN: (name, {"healthy": n, "registered": n})} now (the invariant recorder reads it)."""
        now = self.plane.now()
        counts, instances, backends = {}, {}, {}
        for arn, table in self.targets.items():
            group = self._group(arn, backends)
            if group is None:
                continue
            live = [t for t in table.values() if t.drain_until is None]
            scope = instances.get((group.account_id, group.region_name))
            if scope is None:
                scope = instances[(group.account_id, group.region_name)] = self._instances(group)
            healthy = sum(1 for t in live if self._describe(group, t, now, scope)[0] == "healthy")
            counts[arn] = (group.name, {"healthy": healthy, "registered": len(live)})
        return counts

    # -- component ----------------------------------------------------------------------------------
    def tick(self, now):
        backends = {}
        for arn in list(self.targets):
            group = self._group(arn, backends)
            if group is None:
                del self.targets[arn]
                continue
            self._advance(group, now)

    def reset(self):
        self.targets.clear()
        self.overrides.clear()

    def controls(self):
        return {"elbv2/set-target-health": self._set_target_health}

    def _set_target_health(self, payload):
        """{target_group_arn?, target_id, port?, state}: sticky until another call for the same target."""
        state = payload["state"]
        if state not in ("healthy", "unhealthy"):
            raise ValueError("state must be healthy or unhealthy")
        key = (payload.get("target_group_arn") or "*", payload["target_id"], int(payload.get("port") or 0) or "*")
        self.overrides[key] = state
        matched = 0
        for arn, table in self.targets.items():
            for (target_id, port), target in table.items():
                if self._matches(key, arn, target_id, port):
                    target.due, target.replan_from = None, self.plane.now()  # re-plan towards the new goal
                    matched += 1
        return {"override": list(key), "matched": matched}

    @staticmethod
    def _matches(key, arn, target_id, port):
        return key[0] in ("*", arn) and key[1] == target_id and key[2] in ("*", port)

    def _goal(self, arn, target):
        for key in ((arn, target.id, target.port), (arn, target.id, "*"), ("*", target.id, target.port),
                    ("*", target.id, "*")):
            if key in self.overrides:
                return self.overrides[key]
        return "healthy"

    # -- state ----------------------------------------------------------------------------------------
    @staticmethod
    def _backend(arn):
        account, region = arn_scope(arn)
        return elbv2_models.elbv2_backends[account][region]

    def _group(self, arn, backends=None):
        """The moto target group of `arn`, or None; `backends` ({scope: backend}) keeps the backends found, for many
        groups (moto's backend lookup scans every registered backend)."""
        try:
            if backends is None:
                return self._backend(arn).target_groups.get(arn)
            scope = arn_scope(arn)
            if scope not in backends:
                backends[scope] = self._backend(arn)
            return backends[scope].target_groups.get(arn)
        except (IndexError, KeyError):
            return None

    def _interval(self, group):
        return self.plane.scaled(group.health_check_interval_seconds or 30)

    def _advance(self, group, now):
        table = self.targets.get(group.arn, {})
        in_use = bool(group.load_balancer_arns)
        for key, target in list(table.items()):
            if target.drain_until is not None:
                if now >= target.drain_until:
                    del table[key]
                continue
            if not in_use:
                target.health, target.checking_since, target.due = "initial", None, None
                continue
            if target.checking_since is None:
                target.checking_since = now
            goal = self._goal(group.arn, target)
            if target.health == goal:
                target.due = None
                continue
            if target.due is None or target.due[0] != goal:
                threshold = group.healthy_threshold_count if goal == "healthy" else group.unhealthy_threshold_count
                start = max(now if target.replan_from is None else target.replan_from, target.checking_since)
                target.due = (goal, start + self._interval(group) * int(threshold))
            target.replan_from = None
            if now >= target.due[1]:
                target.health, target.due = goal, None

    @staticmethod
    def _instances(group):
        """{instance id: moto instance} of the group's account and region, read once for many targets (moto's
        lookup by id copies every reservation on each call; the recorder reads every target on every change)."""
        ec2 = ec2_backends[group.account_id][group.region_name]
        return {i.id: i for reservation in ec2.all_reservations() for i in reservation.instances}

    def _describe(self, group, target, now, instances=None):
        """(State, Reason, Description) of one target now; `instances` as _instances() gives them, for many targets."""
        if target.drain_until is not None:
            return "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
        if group.target_type == "instance":
            if instances is None:
                instances = self._instances(group)
            instance = instances.get(target.id)
            if instance is not None and instance.state in NOT_RUNNING:
                return "unused", "Target.InvalidState", f"Target is in the {NOT_RUNNING[instance.state]} state"
        if not group.load_balancer_arns:
            return ("unused", "Target.NotInUse",
                    "Target group is not configured to receive traffic from the load balancer")
        if not group.health_check_enabled:
            return "unavailable", "Target.HealthCheckDisabled", "Health checks are disabled"
        if target.health == "initial":
            if target.checking_since is None or now < target.checking_since + self._interval(group):
                return "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
            return "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"
        if target.health == "unhealthy":
            if (group.health_check_protocol or "").upper() in ("HTTP", "HTTPS"):
                return "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]"
            return "unhealthy", "Target.FailedHealthChecks", "Health checks failed"
        return "healthy", None, None

    # -- moto patches -------------------------------------------------------------------------------------
    def _install(self):
        component = self

        def register(original):
            def _register(group, targets):
                return component._on_register(group, targets)
            return _register

        def deregister(original):
            def _deregister(group, targets):
                return component._on_deregister(group, targets)
            return _deregister

        def terminated(original):
            def _terminated(group, instance_ids):
                original(group, instance_ids)
                component._on_deregister(group, [t for t in component._listed(group) if t["Id"] in instance_ids],
                                         strict=False)
            return _terminated

        def describe(original):
            def _describe_target_health(backend, target_group_arn, targets):
                return component._on_describe(backend, target_group_arn, targets)
            return _describe_target_health

        patch(elbv2_models.FakeTargetGroup, "register", register)
        patch(elbv2_models.FakeTargetGroup, "deregister", deregister)
        patch(elbv2_models.FakeTargetGroup, "deregister_terminated_instances", terminated)
        patch(elbv2_models.ELBv2Backend, "describe_target_health", describe)
        # ALB: provisioning -> active after alb_provisioning; moto activates on the first describe.
        patch(elbv2_models.FakeLoadBalancer, "activate", lambda original: lambda balancer: None)
        TimedStatus.delays = self.plane.profile["delays"]
        moto_patch.clock = self.plane.now
        TimedStatus(
            lambda lb, old, new: ("provisioning", "alb_provisioning", "active") if new == "provisioning" else None
        ).install(elbv2_models.FakeLoadBalancer, "state")

    def _listed(self, group):
        return [{"Id": target_id, "Port": port} for (target_id, port), target in self.targets.get(group.arn, {}).items()
                if target.drain_until is None]

    def _on_register(self, group, targets):
        ec2 = ec2_backends[group.account_id][group.region_name]
        for item in targets:
            if group.target_type == "instance":
                instance = ec2.get_instance_by_id(item["Id"])
                if instance is None:
                    raise InvalidTargetError()
                if instance.state != "running":
                    raise TargetNotRunning(instance_id=item["Id"])
        now = self.plane.now()
        table = self.targets.setdefault(group.arn, {})
        for item in targets:
            key = (item["Id"], int(item.get("Port") or group.port or 0))
            existing = table.get(key)
            if existing is None or existing.drain_until is not None:
                table.pop(key, None)
                table[key] = Target(key[0], key[1], now)
            group.targets[item["Id"]] = {"Id": item["Id"], "Port": key[1]}  # moto's own view (by id)
            group.deregistered_targets.pop(item["Id"], None)
        self._advance(group, now)

    def _on_deregister(self, group, targets, strict=True):
        now = self.plane.now()
        table = self.targets.setdefault(group.arn, {})
        delay = self.plane.scaled(group.attributes.get("deregistration_delay.timeout_seconds", 300))
        for item in targets:
            key = (item["Id"], int(item.get("Port") or group.port or 0))
            target = table.get(key)
            if target is None or target.drain_until is not None:
                if strict and not any(k[0] == item["Id"] for k in table) and item["Id"] not in group.targets:
                    raise InvalidTargetError()
                continue
            target.drain_until = now + delay
            if not any(k[0] == key[0] and t.drain_until is None for k, t in table.items()):
                moto_view = group.targets.pop(key[0], None)
                if moto_view:
                    group.deregistered_targets[key[0]] = moto_view
        self._advance(group, now)

    def _on_describe(self, backend, target_group_arn, targets):
        group = backend.target_groups.get(target_group_arn)
        if group is None:
            raise TargetGroupNotFoundError()
        now = self.plane.now()
        self._advance(group, now)
        table = self.targets.get(group.arn, {})
        health_port = group.health_check_port
        selected = []
        if not targets:
            selected = list(table.values())
        else:
            for item in targets:
                port = item.get("Port")
                matches = [t for (i, p), t in table.items() if i == item["Id"] and (not port or p == int(port))]
                selected.extend(matches or [(item["Id"], int(port or group.port or 0))])
        result, instances = [], self._instances(group) if group.target_type == "instance" else None
        for target in selected:
            if isinstance(target, tuple):
                state = ("unused", "Target.NotRegistered", "Target is not registered to the target group")
                target_id, port = target
            else:
                state = self._describe(group, target, now, instances)
                target_id, port = target.id, target.port
            check_port = str(port) if health_port in (None, "traffic-port") else health_port
            result.append(elbv2_models.FakeHealthStatus(target_id, port, check_port, *state))
        return result

