# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rolling instance replacement: which instances to roll, in what order, and how much capacity to
add, as pure functions over DescribeAutoScalingGroups / DescribeLaunchTemplates / ECS items.

Resumability: the roll keeps no local state. Before it first raises a group's capacity it records
the original desired and maximum capacity and the start time in one tag on the group
(`cloudops:roll` = `desired=3,max=3,started=1700000000`). A later run that finds the tag continues
that roll: instances already DRAINING are finished first, replacements already launched are
adopted, and the tag's capacity is what the group returns to at the end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ROLL_TAG = "cloudops:roll"
GONE_STATES = ("Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated", "Detaching", "Detached")


def encode_state(desired, maximum, started):
    return "desired=%d,max=%d,started=%d" % (int(desired), int(maximum), int(started))


def decode_state(value):
    """The roll state recorded on a group, or None when the tag is absent or unreadable."""
    if not value:
        return None
    try:
        fields = dict(part.split("=", 1) for part in value.split(","))
        return {"desired": int(fields["desired"]), "max": int(fields["max"]), "started": int(fields["started"])}
    except (KeyError, ValueError):
        return None


def group_tags(group):
    return {t.get("Key"): t.get("Value") for t in group.get("Tags") or []}


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


def replacements_ready(container_instances, group_instance_ids, batch_ids, needed):
    """(ready, reasons): at least `needed` ACTIVE, connected container instances on the group's
    instances outside the batch."""
    batch = set(batch_ids)
    members = set(group_instance_ids) - batch
    active = [
        ci for ci in container_instances
        if ci.get("ec2InstanceId") in members and ci.get("status") == "ACTIVE" and ci.get("agentConnected")
    ]
    if len(active) >= needed:
        return True, []
    return False, ["%d of %d instances outside the batch are ACTIVE container instances" % (len(active), needed)]


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
