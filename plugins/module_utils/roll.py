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


# -- groups in parallel: what the spare capacity allows ----------------------------------------------------
RESOURCES = ("CPU", "MEMORY")


def resources(ci, which="registeredResources"):
    """{"CPU": units, "MEMORY": MiB} of a container instance's registered or remaining resources."""
    found = {r.get("name"): int(r.get("integerValue") or 0) for r in ci.get(which) or [] if r.get("name") in RESOURCES}
    return {name: found.get(name, 0) for name in RESOURCES}


def used_resources(ci):
    """CPU and memory the tasks on a container instance reserve (registered - remaining)."""
    registered, remaining = resources(ci), resources(ci, "remainingResources")
    return {name: max(0, registered[name] - remaining[name]) for name in RESOURCES}


def _add(total, more, sign=1):
    return {name: total.get(name, 0) + sign * more.get(name, 0) for name in RESOURCES}


def type_resources(item, registered=()):
    """What one instance of a DescribeInstanceTypes `item` registers in ECS: as a container instance of that
    type already in the cluster registered (the smallest), else its vCPUs x 1024 CPU units and 90% of its
    memory (the agent and the OS keep the rest), so an estimate errs on the small side."""
    of_type = [resources(ci) for ci in registered if instance_type_of(ci) == item.get("InstanceType")]
    if of_type:
        return {name: min(r[name] for r in of_type) for name in RESOURCES}
    return {"CPU": int((item.get("VCpuInfo") or {}).get("DefaultVCpus") or 0) * 1024,
            "MEMORY": int(int((item.get("MemoryInfo") or {}).get("SizeInMiB") or 0) * 0.9)}


def instance_type_of(ci):
    for attribute in ci.get("attributes") or []:
        if attribute.get("name") == "ecs.instance-type":
            return attribute.get("value")
    return None


def drain_capacity(container_instances, drain_ids, replacements=(), rolled=()):
    """(fits, needed, spare) for draining the instances `drain_ids` at once.

    needed: the CPU and memory their tasks reserve. spare: the remaining CPU and memory of the ACTIVE
    container instances that stay, plus the registered resources of the `replacements` not launched yet
    ([{"CPU", "MEMORY"}], one per instance to drain) and, for instances replaced in an earlier step of the
    plan (`rolled`: [(old container instance, its replacement's resources)]), what the replacement has
    left after taking over the old instance's tasks. Summed over the cluster: placement constraints,
    capacity-provider strategies and the packing of single tasks are not modelled (the drain's own wait,
    under the services' deployment limits, still guards those)."""
    drain = set(drain_ids)
    gone = {old.get("ec2InstanceId") for old, _new in rolled}
    needed = {name: 0 for name in RESOURCES}
    spare = {name: 0 for name in RESOURCES}
    for ci in container_instances:
        instance_id = ci.get("ec2InstanceId")
        if instance_id in drain:
            needed = _add(needed, used_resources(ci))
        elif instance_id not in gone and ci.get("status") == "ACTIVE":
            spare = _add(spare, resources(ci, "remainingResources"))
    for replacement in replacements:
        spare = _add(spare, replacement)
    for old, new in rolled:
        spare = _add(_add(spare, new), used_resources(old), -1)
    return all(needed[name] <= spare[name] for name in RESOURCES), needed, spare


def describe_capacity(needed, spare):
    return "tasks to move %d CPU units, %d MiB; spare %d CPU units, %d MiB" % (
        needed["CPU"], needed["MEMORY"], spare["CPU"], spare["MEMORY"])


def plan_steps(plans, container_instances=(), replacements=None, parallel=True):
    """The steps of a roll: each step replaces at most one batch of each group, the groups' batches
    together (replacements launched in all of them, then drained together, then terminated together).

    `plans`: plan_group() results in roll order; `replacements`: {group name: {"CPU", "MEMORY"}} one of its
    replacements registers (default: as much as the instance it replaces). Without `parallel` every step
    holds one batch, group after group. With it, a step takes the next batch of each group while the spare
    capacity lets the cluster take the tasks of all of them at once (drain_capacity(), counting the
    replacements and the steps before); a group whose batch would not fit waits for a later step (it goes
    first there) and the step says why. Batches finishing an interrupted drain form the first step alone,
    so every other step is preceded by the health gate."""
    replacements = replacements or {}
    by_id = {ci.get("ec2InstanceId"): ci for ci in container_instances}
    queues = [[p["auto_scaling_group_name"], list(p["batches"]), set(p.get("draining_instance_ids") or ())]
              for p in plans if p["batches"]]
    rolled = []
    steps = []

    def estimate(name, instance_id):
        return replacements.get(name) or resources(by_id.get(instance_id) or {})

    while any(queue[1] for queue in queues):
        resuming = [q for q in queues if q[1] and set(q[1][0]) & q[2]]
        candidates = resuming or [q for q in queues if q[1]]
        chosen, deferred = [], []
        fits, needed, spare = True, None, None
        for queue in candidates:
            name, batch = queue[0], queue[1][0]
            trial = chosen + [(name, batch)]
            ids = [i for _n, b in trial for i in b]
            ok, trial_needed, trial_spare = drain_capacity(
                container_instances, ids, [estimate(n, i) for n, b in trial for i in b], rolled)
            if not chosen or (parallel and ok):
                chosen, fits, needed, spare = trial, ok, trial_needed, trial_spare
                queue[1].pop(0)
            elif parallel:
                deferred.append({"auto_scaling_group_name": name, "instance_ids": batch,
                                 "reason": "with it the step would need more than the spare capacity: %s"
                                 % describe_capacity(trial_needed, trial_spare)})
            if not parallel:
                break
        for name, batch in chosen:
            rolled.extend((by_id.get(i) or {"ec2InstanceId": i}, estimate(name, i)) for i in batch)
        # a group that waited goes first in the next step
        waited = {d["auto_scaling_group_name"] for d in deferred}
        queues.sort(key=lambda q: q[0] not in waited)
        steps.append({
            "batches": [{"auto_scaling_group_name": name, "instance_ids": batch} for name, batch in chosen],
            "auto_scaling_group_names": [name for name, _batch in chosen],
            "instance_ids": [i for _name, batch in chosen for i in batch],
            "resuming": bool(resuming),
            "fits": fits,
            "needed": needed,
            "spare": spare,
            "deferred": deferred,
        })
    for index, step in enumerate(steps):
        step["label"] = "%d/%d" % (index + 1, len(steps))
        step["summary"] = step_summary(step)
    return steps


def step_summary(step):
    """One line of the plan for a step: which groups roll together, and why others wait."""
    parts = " with ".join("%s %s" % (b["auto_scaling_group_name"], ", ".join(b["instance_ids"])) for b in step["batches"])
    line = "step %s: %s" % (step["label"], parts)
    if len(step["batches"]) > 1:
        line += " together"
    if step.get("resuming"):
        line += " (finishing an interrupted drain)"
    if step.get("needed") is not None and (len(step["batches"]) > 1 or step.get("deferred") or not step["fits"]):
        line += " (%s%s)" % (describe_capacity(step["needed"], step["spare"]),
                             "" if step["fits"] else ": short, the drain may wait for capacity")
    for waiting in step.get("deferred") or ():
        line += "; %s waits: %s" % (waiting["auto_scaling_group_name"], waiting["reason"])
    return line


def next_drain_set(container_instances, parts):
    """The runtime check before a step's drain, once its replacements are ACTIVE: which of `parts`
    [(key, instance ids)] to drain together now, read from the cluster as it is: all of them when the
    remaining CPU and memory of the ACTIVE instances that stay take their tasks, else as many as do, in
    order (at least the first); the others are drained after these have gone, on a fresh read."""
    chosen, ids = [], []
    for key, part_ids in parts:
        if not chosen or drain_capacity(container_instances, ids + list(part_ids))[0]:
            chosen.append(key)
            ids.extend(part_ids)
    return chosen


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


def launch_instance_types(ec2, groups, templates):
    """{group name: [instance types it launches now]}: the overrides of a mixed instances policy, else the
    instance type of the launch template version the group uses (one DescribeLaunchTemplateVersions call
    per template); a group whose type is not known is left out."""
    found, wanted = {}, {}
    for group in groups:
        name = group["AutoScalingGroupName"]
        overrides = ((group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}).get("Overrides") or []
        types = [o["InstanceType"] for o in overrides if o.get("InstanceType")]
        if types:
            found[name] = types
            continue
        template = template_of(group, templates)
        if template:
            version = resolve_version(launch_template_spec(group)[2], template)
            wanted.setdefault(template["LaunchTemplateId"], {}).setdefault(version, []).append(name)
    for template_id, versions in sorted(wanted.items()):
        items = ec2.describe_launch_template_versions(aws_retry=True, LaunchTemplateId=template_id,
                                                      Versions=sorted(versions)).get("LaunchTemplateVersions") or []
        for item in items:
            instance_type = (item.get("LaunchTemplateData") or {}).get("InstanceType")
            for name in versions.get(str(item.get("VersionNumber")), []):
                if instance_type:
                    found[name] = [instance_type]
    return found


def replacement_estimates(ec2, groups, templates, container_instances):
    """{group name: {"CPU", "MEMORY"}} one replacement of the group registers in ECS, the smallest of the types
    it may launch (type_resources()); a group whose types cannot be read is left out (plan_steps() then
    counts a replacement as large as the instance it replaces)."""
    types = launch_instance_types(ec2, groups, templates)
    wanted = sorted({t for names in types.values() for t in names})
    if not wanted:
        return {}
    try:
        items = ec2.describe_instance_types(aws_retry=True, InstanceTypes=wanted).get("InstanceTypes") or []
    except botocore.exceptions.ClientError:
        return {}  # a type the region does not offer refuses the whole call: no estimate then
    by_type = {item["InstanceType"]: type_resources(item, container_instances) for item in items}
    estimates = {}
    for name, names in types.items():
        known = [by_type[t] for t in names if t in by_type]
        if known and len(known) == len(names):
            estimates[name] = {resource: min(k[resource] for k in known) for resource in RESOURCES}
    return estimates


def plan(clients, cluster, groups, roll_all=False, batch_size=1, now=None, parallel=False):
    """(plan_group() for every group, plan_steps() over them), reading what they need in a few batched calls."""
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
    rolling = [g for g, p in zip(groups, plans) if p["batches"]]
    estimates = replacement_estimates(clients["ec2"], rolling, templates, cis) if parallel and len(rolling) > 1 else {}
    return plans, plan_steps(plans, cis, estimates, parallel=parallel)


class Roller:
    """Replaces one batch of instances of one group, or returns a group to its original capacity.

    Every wait has a timeout and fails with the reasons still open; each step is appended to `log`
    with its duration, so progress and timing are visible per instance. Several groups' batches are
    replaced together by a Step over their Rollers (which share `log`)."""

    def __init__(self, clients, cluster, group_name, boot_timeout=600, drain_timeout=900, health_timeout=300,
                 clock=None, sleep=None, wall=time.time, progress=None, log=None):
        self.clients = clients
        self.cluster = cluster
        self.group_name = group_name
        self.boot_timeout = boot_timeout
        self.drain_timeout = drain_timeout
        self.health_timeout = health_timeout
        self.clock = waiter.Clock(now=clock, sleep=sleep)
        self.wall = wall
        self.log = [] if log is None else log
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
        return self.groups([self.group_name])[self.group_name]

    def groups(self, names):
        """{name: DescribeAutoScalingGroups item} of the named groups, in one call."""
        found = self.clients["autoscaling"].describe_auto_scaling_groups(
            aws_retry=True, AutoScalingGroupNames=list(names)).get("AutoScalingGroups") or []
        by_name = {g.get("AutoScalingGroupName"): g for g in found}
        missing = [name for name in names if name not in by_name]
        if missing:
            raise RollError("no Auto Scaling group %s" % ", ".join(missing))
        return by_name

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

    def _wait(self, what, predicate, timeout, say=None):
        result = waiter.wait(predicate, timeout, what=what, clock=self.clock, interval=0.5, progress=say or self.say)
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
        Step([(self, ())]).health_gate(label)

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

    def capacity_check(self, live, cis, desired, draining=(), known=()):
        """capacity_ready() for the group's `live` instances on a fresh read, saying which instances (not in
        `known`, the ones before the raise) were launched and registered since the last check."""
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
        return capacity_ready(live, cis, desired, draining)

    def wait_capacity(self, desired, draining, label, known=()):
        """Wait until the group has `desired` live instances, every one not draining ACTIVE; `known`: the
        instances before the raise (the others are reported as launched and registered)."""
        known = set(known)

        def predicate():
            live = in_service(self.group())
            ready, reasons = self.capacity_check(live, self.container_instances(), desired, draining, known)
            return ready, reasons, live

        return self._wait("%s: replacement ACTIVE" % label, predicate, self.boot_timeout)

    def drain(self, batch, label):
        return Step([(self, batch)]).drain([(self, batch)], label)

    def terminate(self, batch, label):
        Step([(self, batch)]).terminate([(self, batch)], label)

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
        return Step([(self, instance_ids)]).replace(roll_all).get(self.group_name, [])

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


class Step:
    """One batch of each of several groups, replaced together (one group is the plain case).

    Health gate once (unless a batch finishes an interrupted drain); each group's scaling paused (recorded
    in its `cloudops:roll` tag first) and its capacity raised by its batch; one wait until the replacements
    of every group are ACTIVE with their agents connected; the instances to retire chosen per group (AZ
    balance); then, if the remaining capacity of the cluster takes the tasks of all of them (read now, the
    replacements counted as they are), one drain of all and one wait, else as many groups as it takes at a
    time (next_drain_set()); the drained ones terminated together. `planned`: [(Roller, instance ids)]; the
    rollers share clients, cluster, clock, progress and log."""

    def __init__(self, planned):
        self.planned = list(planned)
        self.lead = self.planned[0][0]
        self.names = [roller.group_name for roller, _ids in self.planned]

    def say(self, line):
        if self.lead.progress is not None:
            self.lead.progress("%s: %s" % (" + ".join(self.names), line))

    def _wait(self, what, predicate, timeout):
        return self.lead._wait(what, predicate, timeout, say=self.say)

    def health_gate(self, label):
        def predicate():
            ok, reasons = self.lead.gates()
            return ok, reasons, None

        try:
            self._wait("%s: health gate" % label, predicate, self.lead.health_timeout)
        except RollError as error:
            raise RollError("health gate before %s failed, nothing was changed for it: %s" % (label, error)) from error

    def replace(self, roll_all=False):
        """Returns {group name: instances replaced}."""
        lead = self.lead
        groups = lead.groups(self.names)
        parts = []
        for roller, instance_ids in self.planned:
            group = groups[roller.group_name]
            state = roller.original_capacity(group)
            candidates, draining = roller.candidates(group, state, roll_all)
            count = min(len(instance_ids), len(candidates))
            if not count:
                roller.log.append({"step": "%snothing left to replace" % (
                    "" if len(self.planned) == 1 else roller.group_name + ": "), "seconds": 0})
                continue
            parts.append({"roller": roller, "ids": list(instance_ids), "group": group, "state": state,
                          "candidates": candidates, "draining": draining, "count": count})
        if not parts:
            return {}
        planned_label = ", ".join(i for part in parts for i in part["ids"])
        if not any(part["draining"] for part in parts):
            self.health_gate(planned_label)
        for part in parts:
            part["roller"].pause_scaling(part["group"], part["state"])
            part["before"] = {i["InstanceId"] for i in in_service(part["group"])}
            part["roller"].raise_capacity(part["group"], part["state"], part["count"])
        live = self.wait_capacity(parts, "batch " + planned_label)
        for part in parts:
            part["batch"] = choose_victims(live[part["roller"].group_name], part["candidates"], part["count"],
                                           part["draining"], part["ids"])
        remaining = [(part["roller"], part["batch"]) for part in parts if part["batch"]]
        while remaining:
            now = remaining
            if len(remaining) > 1:
                cis = lead.container_instances()
                keys = next_drain_set(cis, [(roller.group_name, batch) for roller, batch in remaining])
                if len(keys) < len(remaining):
                    _fits, needed, spare = drain_capacity(cis, [i for _roller, batch in remaining for i in batch])
                    self.say("the spare capacity does not take the tasks of %s at once (%s): draining %s first" % (
                        ", ".join(i for _roller, batch in remaining for i in batch), describe_capacity(needed, spare),
                        " + ".join(keys)))
                now = [(roller, batch) for roller, batch in remaining if roller.group_name in keys]
            label = ", ".join(i for _roller, batch in now for i in batch)
            self.drain(now, label)
            self.terminate(now, label)
            remaining = [item for item in remaining if item not in now]
        return {part["roller"].group_name: part["batch"] for part in parts}

    def wait_capacity(self, parts, label):
        """Wait until every group of `parts` has its original desired capacity plus its batch live, every
        instance not draining ACTIVE; {group name: live instances}."""
        lead = self.lead
        names = [part["roller"].group_name for part in parts]

        def predicate():
            groups = lead.groups(names)
            cis = lead.container_instances()
            reasons, live = [], {}
            for part in parts:
                roller = part["roller"]
                live[roller.group_name] = in_service(groups[roller.group_name])
                _ready, why = roller.capacity_check(live[roller.group_name], cis, part["state"]["desired"] + part["count"],
                                                    part["draining"], part["before"])
                reasons.extend(why if len(parts) == 1 else ["%s: %s" % (roller.group_name, w) for w in why])
            return not reasons, reasons, live

        return self._wait("%s: replacement ACTIVE" % label, predicate, lead.boot_timeout)

    def drain(self, parts, label):
        """Set the instances of `parts` [(Roller, instance ids)] DRAINING together and wait until their service
        tasks have moved and every service is steady and every target healthy."""
        lead = self.lead
        batch = [i for _roller, ids in parts for i in ids]
        owner = {i: roller for roller, ids in parts for i in ids}
        cis = lead.container_instances(batch)
        to_drain = [c["containerInstanceArn"] for c in cis if c.get("status") == "ACTIVE"]
        starting = [(owner.get(c.get("ec2InstanceId"), lead), "draining %s (%d running tasks)" % (
            c.get("ec2InstanceId"), int(c.get("runningTasksCount") or 0))) for c in cis]
        if to_drain:
            failures = ci_utils.set_state(lead.clients["ecs"], lead.cluster, to_drain, "DRAINING")
            if failures:
                raise RollError("could not drain %s: %s" % (label, failures))
            for roller, _ids in parts:
                roller.changed = True
        for roller, line in starting:
            roller.say(line)
        arns = [c["containerInstanceArn"] for c in cis]

        def predicate():
            reasons = []
            if arns:
                _drained, why, _items = ci_utils.drain_progress(lead.clients["ecs"], lead.cluster, arns)
                reasons.extend(why)
            if not reasons:
                _ok, why = lead.gates()
                reasons.extend(why)
            return not reasons, reasons, None

        self._wait("%s: drained, services steady, targets healthy" % label, predicate, lead.drain_timeout)
        for roller, ids in parts:
            roller.say("drained %s; services steady, targets healthy" % (label if len(parts) == 1 else ", ".join(ids)))
        return arns

    def terminate(self, parts, label):
        """Terminate the instances of `parts` with decrement (scale-in protection cleared first), then wait
        until they have left their groups."""
        lead = self.lead
        autoscaling = lead.clients["autoscaling"]
        names = [roller.group_name for roller, _ids in parts]
        groups = lead.groups(names)
        for roller, batch in parts:
            live = in_service(groups[roller.group_name])
            protected = [i["InstanceId"] for i in live if i["InstanceId"] in batch and i.get("ProtectedFromScaleIn")]
            if protected:
                autoscaling.set_instance_protection(aws_retry=True, AutoScalingGroupName=roller.group_name,
                                                    InstanceIds=protected, ProtectedFromScaleIn=False)
            live_ids = {i["InstanceId"] for i in live}
            for instance_id in batch:
                if instance_id in live_ids:
                    autoscaling.terminate_instance_in_auto_scaling_group(
                        aws_retry=True, InstanceId=instance_id, ShouldDecrementDesiredCapacity=True)
                    roller.changed = True
                    roller.say("terminating %s" % instance_id)
        # The container instances are not deregistered here: ECS deregisters them once their EC2 instances
        # have terminated, and a capacity provider with managed draining completes its termination lifecycle
        # hook only for instances it still knows (deregistering first would hold them in Terminating:Wait
        # until the hook times out).
        batch = {i for _roller, ids in parts for i in ids}

        def predicate():
            left = sorted(batch & {i["InstanceId"] for g in lead.groups(names).values() for i in in_service(g)})
            return not left, ["%s still in the group" % i for i in left], None

        self._wait("%s: terminated" % label, predicate, lead.boot_timeout)
        for roller, ids in parts:
            roller.say("terminated %s" % (label if len(parts) == 1 else ", ".join(ids)))


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
            plans, steps = plan(self.clients, cluster["clusterArn"], groups, params["roll_all"], params["batch_size"],
                                parallel=params["parallel_groups"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Could not plan the roll of stack %s" % params["stack_name"], exception=e) from e
        batches = [
            {"auto_scaling_group_name": p["auto_scaling_group_name"], "instance_ids": batch}
            for p in plans for batch in p["batches"]
        ]
        for index, batch in enumerate(batches):
            batch["label"] = "%d/%d" % (index + 1, len(batches))
        return dict(changed=False, groups=plans, batches=batches, steps=steps, cluster=cluster["clusterName"],
                    instance_ids=[i for p in plans for i in p["instance_ids"]])


class InstanceRoll(Service):
    """One step of a roll (ecs_instance_roll): replace a batch of one group or one batch of each of several
    groups together (a Step), finish, or restore scaling."""

    SERVICES = ("ecs", "autoscaling", "ec2", "elbv2")

    def __init__(self, *args, **kwargs):
        super(InstanceRoll, self).__init__(*args, **kwargs)
        params = self.params
        progress = self.progress
        if params.get("batches"):
            self.planned = [(b["auto_scaling_group_name"], list(b.get("instance_ids") or [])) for b in params["batches"]]
        else:
            self.planned = [(params["auto_scaling_group_name"], list(params.get("instance_ids") or []))]
        names = [name for name, _ids in self.planned]
        log = []
        self.rollers = [
            Roller(self.clients, params["cluster"], name, params["boot_timeout"], params["drain_timeout"],
                   params["health_timeout"], progress=progress, log=log,
                   **(dict(clock=self.clock.now, sleep=self.clock.sleep) if self.clock else {}))
            for name in names]
        self.roller = self.rollers[0]

    def todo(self, groups):
        params = self.params
        todo = []
        for roller, (_name, ids) in zip(self.rollers, self.planned):
            group = groups[roller.group_name]
            state = decode_state(group_tags(group).get(ROLL_TAG))
            if params["step"] == "replace":
                candidates, _draining = roller.candidates(group, roller.original_capacity(group), params["roll_all"])
                todo.extend(candidates[:len(ids)])
            elif params["step"] == "restore":
                todo.extend(["restore"] if state and state["scaling_paused"] else [])
            else:
                todo.extend([] if state is None else ["finish"])
        return todo

    def run(self):
        params, roller = self.params, self.roller
        started = roller.clock.now()
        names = [r.group_name for r in self.rollers]
        name = ", ".join(names)
        if len(set(names)) != len(names):
            raise CloudopsError(message="batches: one batch per Auto Scaling group, got %s" % name)

        def elapsed():
            return round(roller.clock.now() - started, 1)

        def changed():
            return any(r.changed for r in self.rollers)
        try:
            todo = self.todo(roller.groups(names))
            if self.check_mode or not todo:
                return dict(changed=bool(todo), steps=[], instance_ids=todo if params["step"] == "replace" else [],
                            elapsed=0.0)
            if params["step"] == "replace":
                replaced = Step(list(zip(self.rollers, [ids for _name, ids in self.planned]))).replace(params["roll_all"])
                todo = [i for r in self.rollers for i in replaced.get(r.group_name, [])]
            elif params["step"] == "restore":
                for each in self.rollers:
                    each.resume_scaling(keep_tag=True)
            else:
                for each in self.rollers:
                    each.finish()
        except RollError as e:
            raise CloudopsError(message="Roll of %s stopped: %s (a re-run continues from here)" % (name, e),
                                changed=changed(), steps=roller.log, elapsed=elapsed()) from e
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Roll of %s stopped" % name, exception=e, changed=changed(),
                                steps=roller.log) from e
        return dict(changed=changed(), steps=roller.log, instance_ids=todo if params["step"] == "replace" else [],
                    elapsed=elapsed())
