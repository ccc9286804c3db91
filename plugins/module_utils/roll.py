# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rolling instance replacement: which instances to roll, in what order, and how much capacity to
add, as pure functions over DescribeAutoScalingGroups / DescribeLaunchTemplates / ECS items.

Resumability: the roll keeps no local state. Before it first raises a group's capacity it records
the original desired and maximum capacity and the start time in one tag on the group
(`cloudops:roll` = `desired=3,max=3,started=1700000000`). A later run that finds the tag continues
that roll: instances already DRAINING are finished first, replacements already launched are
adopted, and the tag's capacity is what the group returns to at the end.

Dynamic scaling: a group with scaling policies (an ECS capacity provider's managed scaling is a
target tracking policy on CapacityProviderReservation) would undo the roll's capacity raise: the
replacement runs no task yet, so the metric drops below the target and the policy scales in the
unprotected replacement. The roll suspends the group's AlarmNotification process (policies are not
executed; launches, terminations and lifecycle hooks carry on) and records that in the tag
(`...,scaling=paused`), so the process is resumed at the end, when a batch fails, and by the next run
after an interruption; a suspension the roll did not make is left as it was.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.cloudops.ecs.plugins.module_utils import container_instance as ci_utils
from ansible_collections.cloudops.ecs.plugins.module_utils import health
from ansible_collections.cloudops.ecs.plugins.module_utils import stack_reads
from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, paginate
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

ROLL_TAG = "cloudops:roll"
SCALING_PROCESS = "AlarmNotification"
GONE_STATES = ("Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated", "Detaching", "Detached")


def encode_state(desired, maximum, started, scaling_paused=False):
    value = "desired=%d,max=%d,started=%d" % (int(desired), int(maximum), int(started))
    return value + (",scaling=paused" if scaling_paused else "")


def decode_state(value):
    """The roll state recorded on a group, or None when the tag is absent or unreadable."""
    if not value:
        return None
    try:
        fields = dict(part.split("=", 1) for part in value.split(","))
        return {"desired": int(fields["desired"]), "max": int(fields["max"]), "started": int(fields["started"]),
                "scaling_paused": fields.get("scaling") == "paused"}
    except (KeyError, ValueError):
        return None


def group_tags(group):
    return {t.get("Key"): t.get("Value") for t in group.get("Tags") or []}


def suspended_processes(group):
    return {p.get("ProcessName") for p in group.get("SuspendedProcesses") or []}


def launch_template_spec(group):
    """(template id or None, template name or None, version string) the group launches with."""
    spec = group.get("LaunchTemplate")
    if not spec:
        policy = group.get("MixedInstancesPolicy") or {}
        spec = (policy.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification")
    if not spec:
        return None, None, None
    return spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName"), spec.get("Version") or "$Default"


def resolve_version(version, template):
    """A launch template version string ($Latest, $Default or a number) as a number string."""
    if version == "$Latest":
        return str(template.get("LatestVersionNumber"))
    if version in ("$Default", None, ""):
        return str(template.get("DefaultVersionNumber"))
    return str(version)


def in_service(group):
    return [i for i in group.get("Instances") or [] if i.get("LifecycleState") not in GONE_STATES]


def outdated(instance, template_id, version, roll_all=False, started=None, launch_times=None):
    """Whether an Auto Scaling instance must be replaced: another template or version than the group's,
    or (roll_all) launched before the roll started."""
    spec = instance.get("LaunchTemplate") or {}
    if template_id and spec.get("LaunchTemplateId") and spec.get("LaunchTemplateId") != template_id:
        return True
    if str(spec.get("Version")) != str(version):
        return True
    if roll_all:
        launched = (launch_times or {}).get(instance.get("InstanceId"))
        return started is None or launched is None or launched < started
    return False


def order_for_roll(instances, draining_ids=()):
    """Instances already DRAINING first (an interrupted roll continues there), then round-robin over
    the AZs so capacity stays spread while the group is rolled."""
    draining = [i for i in instances if i["InstanceId"] in draining_ids]
    rest = [i for i in instances if i["InstanceId"] not in draining_ids]
    by_az = {}
    for instance in sorted(rest, key=lambda i: i["InstanceId"]):
        by_az.setdefault(instance.get("AvailabilityZone") or "", []).append(instance)
    ordered = []
    while any(by_az.values()):
        for az in sorted(by_az):
            if by_az[az]:
                ordered.append(by_az[az].pop(0))
    return [i["InstanceId"] for i in sorted(draining, key=lambda i: i["InstanceId"])] + [i["InstanceId"] for i in ordered]


def plan_group(group, template, container_instances=(), roll_all=False, batch_size=1, now=0, launch_times=None):
    """What rolling one Auto Scaling group means right now.

    `template`: the DescribeLaunchTemplates item of the group's template; `container_instances`: ECS
    items for the group's instances; `launch_times`: {instance id: epoch seconds}."""
    tags = group_tags(group)
    state = decode_state(tags.get(ROLL_TAG))
    template_id, template_name, version = launch_template_spec(group)
    current = resolve_version(version, template or {}) if template else version
    started = state["started"] if state else int(now)
    draining = {ci.get("ec2InstanceId") for ci in container_instances if ci.get("status") == "DRAINING"}
    live = in_service(group)
    to_roll = [
        i for i in live
        if outdated(i, (template or {}).get("LaunchTemplateId") or template_id, current, roll_all, started, launch_times)
    ]
    ids = order_for_roll(to_roll, draining)
    size = max(1, int(batch_size))
    original_desired = state["desired"] if state else int(group.get("DesiredCapacity") or 0)
    original_max = state["max"] if state else int(group.get("MaxSize") or 0)
    return {
        "auto_scaling_group_name": group.get("AutoScalingGroupName"),
        "launch_template_id": (template or {}).get("LaunchTemplateId") or template_id,
        "launch_template_name": (template or {}).get("LaunchTemplateName") or template_name,
        "launch_template_version": current,
        "desired_capacity": int(group.get("DesiredCapacity") or 0),
        "max_size": int(group.get("MaxSize") or 0),
        "original_desired_capacity": original_desired,
        "original_max_size": original_max,
        "resuming": state is not None,
        "started": started,
        "instances": len(live),
        "instance_ids": ids,
        "draining_instance_ids": sorted(draining & {i["InstanceId"] for i in to_roll}),
        "batches": [ids[k:k + size] for k in range(0, len(ids), size)],
        "needs_finish": state is not None or int(group.get("DesiredCapacity") or 0) != original_desired,
    }


def replacement_capacity(original_desired, original_max, batch_count, current_desired, current_max):
    """(desired, max) while a batch of `batch_count` instances is replaced: the original desired
    plus the batch, never lower than what the group already has (a surplus from an interrupted run
    is adopted, not scaled in blindly), with max raised only when needed."""
    desired = max(int(current_desired), int(original_desired) + int(batch_count))
    maximum = max(int(current_max), int(original_max), desired)
    return desired, maximum


def surplus_to_remove(group, container_instances, original_desired):
    """Instances to drain and terminate so the group returns to its original desired capacity:
    the ones running the fewest tasks (newest first on a tie)."""
    live = in_service(group)
    extra = len(live) - int(original_desired)
    if extra <= 0:
        return []
    tasks = {ci.get("ec2InstanceId"): int(ci.get("runningTasksCount") or 0) for ci in container_instances}
    draining = {ci.get("ec2InstanceId") for ci in container_instances if ci.get("status") == "DRAINING"}
    ordered = sorted(live, key=lambda i: (i["InstanceId"] not in draining, tasks.get(i["InstanceId"], 0), i["InstanceId"]))
    return [i["InstanceId"] for i in ordered[:extra]]


def choose_victims(live_instances, candidates, count, draining=(), preferred=()):
    """Which `count` of the outdated `candidates` to terminate once the replacements are up.

    Instances already DRAINING go first (an interrupted roll finishes them); then, one at a time,
    a candidate in the AZ that has the most live instances, preferring the planned batch
    (`preferred`), so the group stays balanced over its AZs whichever AZ the Auto Scaling group
    launched the replacements in."""
    az = {i["InstanceId"]: i.get("AvailabilityZone") or "" for i in live_instances}
    counts = {}
    for instance_id in az:
        counts[az[instance_id]] = counts.get(az[instance_id], 0) + 1
    candidates = [c for c in candidates if c in az]
    chosen = [c for c in candidates if c in set(draining)][:count]
    for instance_id in chosen:
        counts[az[instance_id]] -= 1
    remaining = [c for c in candidates if c not in chosen]
    while len(chosen) < count and remaining:
        best = max(remaining, key=lambda c: (counts[az[c]], c in set(preferred), -remaining.index(c)))
        chosen.append(best)
        remaining.remove(best)
        counts[az[best]] -= 1
    return chosen


def rebalance_victim(live_instances, zones, container_instances=()):
    """The instance to replace so the group gets back to an even spread over `zones` (the AZ with the
    most instances, its instance running the fewest tasks), or None when the spread is even (the AZ
    counts differ by at most one)."""
    counts = {zone: 0 for zone in zones}
    for instance in live_instances:
        zone = instance.get("AvailabilityZone") or ""
        counts[zone] = counts.get(zone, 0) + 1
    if not counts or max(counts.values()) - min(counts.values()) <= 1:
        return None
    crowded = max(sorted(counts), key=lambda zone: counts[zone])
    tasks = {ci.get("ec2InstanceId"): int(ci.get("runningTasksCount") or 0) for ci in container_instances}
    members = [i["InstanceId"] for i in live_instances if (i.get("AvailabilityZone") or "") == crowded]
    return min(members, key=lambda instance_id: (tasks.get(instance_id, 0), instance_id))


def capacity_ready(live_instances, container_instances, desired, draining=()):
    """(ready, reasons): the group has its desired number of live instances and every one of them
    that is not being drained is an ACTIVE container instance with its agent connected."""
    by_id = {ci.get("ec2InstanceId"): ci for ci in container_instances}
    reasons = []
    if len(live_instances) < desired:
        reasons.append("%d of %d instances launched" % (len(live_instances), desired))
    for instance in live_instances:
        instance_id = instance["InstanceId"]
        if instance_id in draining:
            continue
        ci = by_id.get(instance_id)
        if ci is None:
            reasons.append("%s is not registered in the cluster yet" % instance_id)
        elif ci.get("status") != "ACTIVE" or not ci.get("agentConnected"):
            reasons.append("%s is %s%s" % (instance_id, ci.get("status"), "" if ci.get("agentConnected") else ", agent not connected"))
    return not reasons, reasons


# -- the roll against AWS (I/O) ---------------------------------------------------------------------------

class RollError(CloudopsError):
    pass


def describe_groups(autoscaling, names=None, stack_name=None):
    """The named groups, or those tagged with the stack."""
    if names:
        groups = autoscaling.describe_auto_scaling_groups(aws_retry=True, AutoScalingGroupNames=list(names)).get(
            "AutoScalingGroups") or []
        missing = sorted(set(names) - {g["AutoScalingGroupName"] for g in groups})
        if missing:
            raise RollError("no Auto Scaling group %s" % ", ".join(missing))
        return groups
    return stack_reads.stack_auto_scaling_groups(autoscaling, stack_name)


def describe_templates(ec2, groups):
    """{template id and name: DescribeLaunchTemplates item} for the groups' templates."""
    ids, names = set(), set()
    for group in groups:
        template_id, template_name, _version = launch_template_spec(group)
        if template_id:
            ids.add(template_id)
        elif template_name:
            names.add(template_name)
    found = {}
    if ids:
        for item in ec2.describe_launch_templates(aws_retry=True, LaunchTemplateIds=sorted(ids)).get("LaunchTemplates") or []:
            found[item["LaunchTemplateId"]] = found[item["LaunchTemplateName"]] = item
    if names:
        for item in ec2.describe_launch_templates(aws_retry=True, LaunchTemplateNames=sorted(names)).get("LaunchTemplates") or []:
            found[item["LaunchTemplateId"]] = found[item["LaunchTemplateName"]] = item
    return found


def template_of(group, templates):
    template_id, template_name, _version = launch_template_spec(group)
    return templates.get(template_id) or templates.get(template_name)


def launch_times(ec2, instance_ids):
    return {
        iid: health.as_datetime(item.get("LaunchTime")).timestamp()
        for iid, item in stack_reads.ec2_instances(ec2, instance_ids).items() if item.get("LaunchTime")
    }


def plan(clients, cluster, groups, roll_all=False, batch_size=1, now=None):
    """plan_group() for every group, reading what it needs in a few batched calls."""
    now = time.time() if now is None else now
    templates = describe_templates(clients["ec2"], groups)
    cis = ci_utils.container_instances(clients["ecs"], cluster) if cluster else []
    times = {}
    if roll_all:
        times = launch_times(clients["ec2"], [i["InstanceId"] for g in groups for i in in_service(g)])
    names = {g["AutoScalingGroupName"] for g in groups}
    policies = {}
    if groups:
        for policy in paginate(clients["autoscaling"], "describe_policies", "ScalingPolicies"):
            if policy.get("AutoScalingGroupName") in names:
                policies.setdefault(policy["AutoScalingGroupName"], []).append(policy.get("PolicyName"))
    plans = []
    for group in groups:
        ids = {i["InstanceId"] for i in group.get("Instances") or []}
        planned = plan_group(group, template_of(group, templates), [c for c in cis if c.get("ec2InstanceId") in ids],
                             roll_all=roll_all, batch_size=batch_size, now=now, launch_times=times)
        planned["scaling_policies"] = sorted(policies.get(group["AutoScalingGroupName"], []))
        plans.append(planned)
    return plans


class Roller:
    """Replaces one batch of instances of one group, or returns a group to its original capacity.

    Every wait has a timeout and fails with the reasons still open; each step is appended to `log`
    with its duration, so progress and timing are visible per instance."""

    def __init__(self, clients, cluster, group_name, boot_timeout=600, drain_timeout=900, health_timeout=300,
                 clock=None, sleep=None, wall=time.time, progress=None):
        self.clients = clients
        self.cluster = cluster
        self.group_name = group_name
        self.boot_timeout = boot_timeout
        self.drain_timeout = drain_timeout
        self.health_timeout = health_timeout
        self.clock = waiter.Clock(now=clock, sleep=sleep)
        self.wall = wall
        self.log = []
        self.changed = False
        self.progress = progress
        self._seen = set()
        self._registered = set()

    def say(self, line):
        """One progress line (an instance launched, registered, drained, terminated; a wait still open)."""
        if self.progress is not None:
            self.progress("%s: %s" % (self.group_name, line))

    # -- reads -------------------------------------------------------------------------------------------
    def group(self):
        groups = self.clients["autoscaling"].describe_auto_scaling_groups(
            aws_retry=True, AutoScalingGroupNames=[self.group_name]).get("AutoScalingGroups") or []
        if not groups:
            raise RollError("no Auto Scaling group %s" % self.group_name)
        return groups[0]

    def container_instances(self, ec2_ids=None):
        return ci_utils.container_instances(self.clients["ecs"], self.cluster, ec2_ids)

    def gates(self, exclude_ids=()):
        """(healthy, reasons): services steady and targets healthy (the roll's health gates)."""
        ecs = self.clients["ecs"]
        services = ci_utils.services(ecs, self.cluster)
        groups = health.service_target_groups(services)
        target_health = ci_utils.target_health(self.clients["elbv2"], groups) if groups else {}
        checks = [health.check_services(services, health.as_datetime(self.wall()), 120),
                  health.check_targets(services, target_health)]
        reasons = [d for c in checks if not c["ok"] for d in c["details"]]
        return not reasons, reasons

    def _wait(self, what, predicate, timeout):
        result = waiter.wait(predicate, timeout, what=what, clock=self.clock, interval=0.5, progress=self.say)
        if not result.satisfied:
            raise RollError("%s: not done after %ds: %s" % (what, timeout, "; ".join(result.reasons[:5])))
        self.log.append({"step": what, "seconds": round(result.elapsed, 1)})
        return result.value

    # -- steps --------------------------------------------------------------------------------------------
    def original_capacity(self, group):
        state = decode_state(group_tags(group).get(ROLL_TAG))
        if state:
            return state
        return {"desired": int(group["DesiredCapacity"]), "max": int(group["MaxSize"]), "started": int(self.wall()),
                "scaling_paused": False}

    def record(self, group, state):
        value = encode_state(state["desired"], state["max"], state["started"], state.get("scaling_paused"))
        if group_tags(group).get(ROLL_TAG) == value:
            return
        self.clients["autoscaling"].create_or_update_tags(aws_retry=True, Tags=[{
            "ResourceId": self.group_name, "ResourceType": "auto-scaling-group", "Key": ROLL_TAG,
            "Value": value, "PropagateAtLaunch": False}])
        self.changed = True

    def pause_scaling(self, group, state):
        """Suspend the group's dynamic scaling for the roll when it has scaling policies (ECS managed
        scaling's target tracking policy would scale in the replacements), recorded in the roll tag first
        so that an interruption right after still resumes it."""
        if state.get("scaling_paused") or SCALING_PROCESS in suspended_processes(group):
            self.record(group, state)
            return
        policies = self.clients["autoscaling"].describe_policies(
            aws_retry=True, AutoScalingGroupName=self.group_name).get("ScalingPolicies") or []
        if not policies:
            self.record(group, state)
            return
        state["scaling_paused"] = True
        self.record(group, state)
        self.clients["autoscaling"].suspend_processes(aws_retry=True, AutoScalingGroupName=self.group_name,
                                                      ScalingProcesses=[SCALING_PROCESS])
        self.changed = True
        step = "scaling policies %s paused for the roll (%s suspended)" % (
            ", ".join(sorted(p.get("PolicyName", "") for p in policies)), SCALING_PROCESS)
        self.log.append({"step": step, "seconds": 0})
        self.say(step)

    def resume_scaling(self, keep_tag=True):
        """Resume the dynamic scaling the roll suspended (a suspension it did not make stays). With
        `keep_tag` the roll state stays on the group (the roll is not finished) without the pause."""
        group = self.group()
        state = decode_state(group_tags(group).get(ROLL_TAG))
        if not state or not state.get("scaling_paused"):
            return False
        if SCALING_PROCESS in suspended_processes(group):
            self.clients["autoscaling"].resume_processes(aws_retry=True, AutoScalingGroupName=self.group_name,
                                                         ScalingProcesses=[SCALING_PROCESS])
        self.log.append({"step": "scaling policies resumed (%s)" % SCALING_PROCESS, "seconds": 0})
        self.say("scaling policies resumed (%s)" % SCALING_PROCESS)
        self.changed = True
        if keep_tag:
            state["scaling_paused"] = False
            self.record(group, state)
        return True

    def health_gate(self, label):
        def predicate():
            ok, reasons = self.gates()
            return ok, reasons, None

        try:
            self._wait("%s: health gate" % label, predicate, self.health_timeout)
        except RollError as error:
            raise RollError("health gate before %s failed, nothing was changed for it: %s" % (label, error)) from error

    def raise_capacity(self, group, state, count):
        desired, maximum = replacement_capacity(state["desired"], state["max"], count, group["DesiredCapacity"],
                                                group["MaxSize"])
        if (desired, maximum) != (int(group["DesiredCapacity"]), int(group["MaxSize"])):
            step = "desired %s -> %d, max %s -> %d" % (group["DesiredCapacity"], desired, group["MaxSize"], maximum)
            self.clients["autoscaling"].update_auto_scaling_group(
                aws_retry=True, AutoScalingGroupName=self.group_name, DesiredCapacity=desired, MaxSize=maximum)
            self.changed = True
            self.log.append({"step": step, "seconds": 0})
            self.say(step)

    def wait_capacity(self, desired, draining, label, known=()):
        """Wait until the group has `desired` live instances, every one not draining ACTIVE; `known`: the
        instances before the raise (the others are reported as launched and registered)."""
        def predicate():
            live = in_service(self.group())
            cis = self.container_instances()
            for instance in live:
                if instance["InstanceId"] not in self._seen:
                    self._seen.add(instance["InstanceId"])
                    if instance["InstanceId"] not in known:
                        self.say("launched %s in %s" % (instance["InstanceId"], instance.get("AvailabilityZone")))
            live_ids = {i["InstanceId"] for i in live}
            for ci in cis:
                instance_id = ci.get("ec2InstanceId")
                if instance_id not in live_ids:
                    continue
                if ci.get("status") == "ACTIVE" and ci.get("agentConnected") and instance_id not in self._registered:
                    self._registered.add(instance_id)
                    if instance_id not in known:
                        self.say("registered %s: ACTIVE, agent connected" % instance_id)
            ready, reasons = capacity_ready(live, cis, desired, draining)
            return ready, reasons, live

        known = set(known)

        return self._wait("%s: replacement ACTIVE" % label, predicate, self.boot_timeout)

    def drain(self, batch, label):
        cis = self.container_instances(batch)
        to_drain = [c["containerInstanceArn"] for c in cis if c.get("status") == "ACTIVE"]
        starting = ["draining %s (%d running tasks)" % (c.get("ec2InstanceId"), int(c.get("runningTasksCount") or 0))
                    for c in cis]
        if to_drain:
            failures = ci_utils.set_state(self.clients["ecs"], self.cluster, to_drain, "DRAINING")
            if failures:
                raise RollError("could not drain %s: %s" % (label, failures))
            self.changed = True
        for line in starting:
            self.say(line)
        arns = [c["containerInstanceArn"] for c in cis]

        def predicate():
            reasons = []
            if arns:
                _drained, why, _items = ci_utils.drain_progress(self.clients["ecs"], self.cluster, arns)
                reasons.extend(why)
            if not reasons:
                _ok, why = self.gates()
                reasons.extend(why)
            return not reasons, reasons, None

        self._wait("%s: drained, services steady, targets healthy" % label, predicate, self.drain_timeout)
        self.say("drained %s; services steady, targets healthy" % label)
        return arns

    def terminate(self, batch, label):
        autoscaling = self.clients["autoscaling"]
        group = self.group()
        protected = [i["InstanceId"] for i in in_service(group) if i["InstanceId"] in batch and i.get("ProtectedFromScaleIn")]
        if protected:
            autoscaling.set_instance_protection(aws_retry=True, AutoScalingGroupName=self.group_name,
                                                InstanceIds=protected, ProtectedFromScaleIn=False)
        live = {i["InstanceId"] for i in in_service(group)}
        for instance_id in batch:
            if instance_id in live:
                autoscaling.terminate_instance_in_auto_scaling_group(
                    aws_retry=True, InstanceId=instance_id, ShouldDecrementDesiredCapacity=True)
                self.changed = True
                self.say("terminating %s" % instance_id)
        # The container instances are not deregistered here: ECS deregisters them once their EC2 instances
        # have terminated, and a capacity provider with managed draining completes its termination lifecycle
        # hook only for instances it still knows (deregistering first would hold them in Terminating:Wait
        # until the hook times out).

        def predicate():
            left = sorted(set(batch) & {i["InstanceId"] for i in in_service(self.group())})
            return not left, ["%s still in the group" % i for i in left], None

        self._wait("%s: terminated" % label, predicate, self.boot_timeout)
        self.say("terminated %s" % label)

    # -- the two entry points ---------------------------------------------------------------------------------
    def candidates(self, group, state, roll_all=False):
        """The group's outdated instances now, in roll order (DRAINING first)."""
        templates = describe_templates(self.clients["ec2"], [group])
        times = launch_times(self.clients["ec2"], [i["InstanceId"] for i in in_service(group)]) if roll_all else {}
        ids = {i["InstanceId"] for i in group.get("Instances") or []}
        cis = [c for c in self.container_instances() if c.get("ec2InstanceId") in ids]
        planned = plan_group(group, template_of(group, templates), cis, roll_all=roll_all, now=state["started"],
                             launch_times=times)
        return planned["instance_ids"], set(planned["draining_instance_ids"])

    def replace(self, instance_ids, roll_all=False):
        """Replace as many outdated instances as `instance_ids` has (that batch preferred, AZ balance
        first): replacements ACTIVE first, then drain, then terminate. Returns the instances replaced."""
        group = self.group()
        state = self.original_capacity(group)
        candidates, draining = self.candidates(group, state, roll_all)
        count = min(len(instance_ids), len(candidates))
        if not count:
            self.log.append({"step": "nothing left to replace", "seconds": 0})
            return []
        if not draining:
            self.health_gate(", ".join(instance_ids))
        self.pause_scaling(group, state)
        before = {i["InstanceId"] for i in in_service(group)}
        self.raise_capacity(group, state, count)
        live = self.wait_capacity(state["desired"] + count, draining, "batch " + ", ".join(instance_ids), before)
        batch = choose_victims(live, candidates, count, draining, instance_ids)
        label = ", ".join(batch)
        self.drain(batch, label)
        self.terminate(batch, label)
        return batch

    def finish(self):
        """Back to the original capacity: surplus instances drained and terminated, the group spread
        evenly over its AZs again (the Auto Scaling group picks the AZ of each replacement, which can
        leave it uneven), max restored, tag removed."""
        group = self.group()
        state = decode_state(group_tags(group).get(ROLL_TAG))
        if not state:
            return False
        surplus = surplus_to_remove(group, self.container_instances(), state["desired"])
        for instance_id in surplus:
            self.drain([instance_id], instance_id + " (surplus)")
            self.terminate([instance_id], instance_id + " (surplus)")
        zones = sorted(self.group().get("AvailabilityZones") or [])
        for _attempt in range(len(in_service(self.group())) + 1):
            group = self.group()
            if rebalance_victim(in_service(group), zones) is None:
                break
            self.pause_scaling(group, state)
            before = {i["InstanceId"] for i in in_service(group)}
            self.raise_capacity(group, state, 1)
            live = self.wait_capacity(state["desired"] + 1, (), "AZ rebalance", before)
            victim = rebalance_victim(live, zones, self.container_instances())
            if victim is None:  # the new instance evened it out: drop the one in the most crowded AZ anyway
                victim = choose_victims(live, sorted(i["InstanceId"] for i in live), 1)[0]
            label = victim + " (AZ rebalance)"
            self.drain([victim], label)
            self.terminate([victim], label)
        group = self.group()
        if int(group["DesiredCapacity"]) != state["desired"] or int(group["MaxSize"]) != state["max"]:
            self.clients["autoscaling"].update_auto_scaling_group(
                aws_retry=True, AutoScalingGroupName=self.group_name, DesiredCapacity=state["desired"],
                MaxSize=state["max"])
            self.log.append({"step": "desired %s -> %d, max %s -> %d" % (
                group["DesiredCapacity"], state["desired"], group["MaxSize"], state["max"]), "seconds": 0})
        self.resume_scaling(keep_tag=False)
        self.clients["autoscaling"].delete_tags(aws_retry=True, Tags=[{
            "ResourceId": self.group_name, "ResourceType": "auto-scaling-group", "Key": ROLL_TAG}])
        self.changed = True
        return True


# -- the modules' services ------------------------------------------------------------------------------
class RollPlan(Service):
    """The batches a roll of the stack's groups takes (ecs_instance_roll_info); reads only."""

    SERVICES = ("ecs", "autoscaling", "ec2")

    def run(self):
        params = self.params
        if params["batch_size"] < 1:
            raise CloudopsError(message="batch_size must be at least 1, got %d" % params["batch_size"])
        try:
            cluster = ci_utils.find_cluster(self.clients["ecs"], params["cluster"], params["stack_name"])
            if cluster is None:
                raise CloudopsError(message="No ECS cluster %s" % (
                    params["cluster"] or "tagged cloudops:stack=" + params["stack_name"]))
            groups = describe_groups(self.clients["autoscaling"], params["auto_scaling_group_names"], params["stack_name"])
            plans = plan(self.clients, cluster["clusterArn"], groups, params["roll_all"], params["batch_size"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Could not plan the roll of stack %s" % params["stack_name"], exception=e) from e
        batches = [
            {"auto_scaling_group_name": p["auto_scaling_group_name"], "instance_ids": batch}
            for p in plans for batch in p["batches"]
        ]
        for index, batch in enumerate(batches):
            batch["label"] = "%d/%d" % (index + 1, len(batches))
        return dict(changed=False, groups=plans, batches=batches, cluster=cluster["clusterName"],
                    instance_ids=[i for p in plans for i in p["instance_ids"]])


class InstanceRoll(Service):
    """One step of a roll of one group (ecs_instance_roll): replace a batch, finish, or restore scaling."""

    SERVICES = ("ecs", "autoscaling", "ec2", "elbv2")

    def __init__(self, *args, **kwargs):
        super(InstanceRoll, self).__init__(*args, **kwargs)
        params = self.params
        self.roller = Roller(self.clients, params["cluster"], params["auto_scaling_group_name"], params["boot_timeout"],
                             params["drain_timeout"], params["health_timeout"], progress=self.progress,
                             **(dict(clock=self.clock.now, sleep=self.clock.sleep) if self.clock else {}))

    def todo(self, group):
        params, roller = self.params, self.roller
        state = decode_state(group_tags(group).get(ROLL_TAG))
        if params["step"] == "replace":
            candidates, _draining = roller.candidates(group, roller.original_capacity(group), params["roll_all"])
            return candidates[:len(params["instance_ids"])]
        if params["step"] == "restore":
            return ["restore"] if state and state["scaling_paused"] else []
        return [] if state is None else ["finish"]

    def run(self):
        params, roller = self.params, self.roller
        started = roller.clock.now()
        name = params["auto_scaling_group_name"]

        def elapsed():
            return round(roller.clock.now() - started, 1)
        try:
            todo = self.todo(roller.group())
            if self.check_mode or not todo:
                return dict(changed=bool(todo), steps=[], instance_ids=todo if params["step"] == "replace" else [],
                            elapsed=0.0)
            if params["step"] == "replace":
                todo = roller.replace(params["instance_ids"], params["roll_all"])
            elif params["step"] == "restore":
                roller.resume_scaling(keep_tag=True)
            else:
                roller.finish()
        except RollError as e:
            raise CloudopsError(message="Roll of %s stopped: %s (a re-run continues from here)" % (name, e),
                                changed=roller.changed, steps=roller.log, elapsed=elapsed()) from e
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Roll of %s stopped" % name, exception=e, changed=roller.changed,
                                steps=roller.log) from e
        return dict(changed=roller.changed, steps=roller.log, instance_ids=todo if params["step"] == "replace" else [],
                    elapsed=elapsed())
