# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-versus-current logic for the Auto Scaling groups behind ECS capacity providers.

Pure functions over module parameters and DescribeAutoScalingGroups items. Order never matters
(subnets, tags, instance types are compared as sets or by key) and the desired capacity is compared only
when the module owns it, so a group whose size a capacity provider manages is not reset on every run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def desired_group(params):
    """Module parameters -> the UpdateAutoScalingGroup-shaped fields the user set (None = not managed)."""
    group = {
        "MinSize": params.get("min_size"),
        "MaxSize": params.get("max_size"),
        "DesiredCapacity": params.get("desired_capacity"),
        "HealthCheckType": params.get("health_check_type"),
        "HealthCheckGracePeriod": params.get("health_check_grace_period"),
        "NewInstancesProtectedFromScaleIn": params.get("new_instances_protected_from_scale_in"),
        "CapacityRebalance": params.get("capacity_rebalance"),
        "TerminationPolicies": params.get("termination_policies"),
        "DefaultInstanceWarmup": params.get("default_instance_warmup"),
        "MaxInstanceLifetime": params.get("max_instance_lifetime"),
    }
    if params.get("subnet_ids") is not None:
        group["VPCZoneIdentifier"] = ",".join(params["subnet_ids"])
    template = launch_template_spec(params.get("launch_template"))
    mixed = params.get("mixed_instances_policy")
    if mixed and mixed.get("instance_types"):
        distribution = dict((k, v) for k, v in {
            "OnDemandBaseCapacity": mixed.get("on_demand_base_capacity"),
            "OnDemandPercentageAboveBaseCapacity": mixed.get("on_demand_percentage_above_base_capacity"),
            "SpotAllocationStrategy": mixed.get("spot_allocation_strategy"),
            "OnDemandAllocationStrategy": mixed.get("on_demand_allocation_strategy"),
        }.items() if v is not None)
        group["MixedInstancesPolicy"] = {
            "LaunchTemplate": {
                "LaunchTemplateSpecification": template,
                "Overrides": [{"InstanceType": t} for t in mixed["instance_types"]],
            },
            "InstancesDistribution": distribution,
        }
    elif template is not None:
        group["LaunchTemplate"] = template
    return dict((k, v) for k, v in group.items() if v is not None)


def live(groups):
    """The groups that are not being deleted (a group being deleted is gone for every purpose of the collection)."""
    return [g for g in groups if g.get("Status") != "Delete in progress"]


def launch_template_spec(option):
    if not option:
        return None
    spec = {"Version": str(option.get("version") or "$Default")}
    if option.get("id"):
        spec["LaunchTemplateId"] = option["id"]
    else:
        spec["LaunchTemplateName"] = option["name"]
    return spec


def _same_template(want, have):
    if not have:
        return False
    if want.get("LaunchTemplateId") and want["LaunchTemplateId"] != have.get("LaunchTemplateId"):
        return False
    if want.get("LaunchTemplateName") and want["LaunchTemplateName"] != have.get("LaunchTemplateName"):
        return False
    return str(want.get("Version")) == str(have.get("Version"))


def _same_mixed(want, have):
    if not have:
        return False
    want_lt, have_lt = want["LaunchTemplate"], have.get("LaunchTemplate") or {}
    if not _same_template(want_lt["LaunchTemplateSpecification"], have_lt.get("LaunchTemplateSpecification")):
        return False
    want_types = [o["InstanceType"] for o in want_lt["Overrides"]]
    have_types = [o.get("InstanceType") for o in have_lt.get("Overrides") or []]
    # The order of overrides is the on-demand priority: it matters.
    if want_types != have_types:
        return False
    have_dist = have.get("InstancesDistribution") or {}
    return all(have_dist.get(k) == v for k, v in want["InstancesDistribution"].items())


def group_changes(desired, current, manage_desired_capacity=True):
    """Fields of `desired` (desired_group()) that differ from the DescribeAutoScalingGroups item
    `current`; returns the UpdateAutoScalingGroup keyword arguments that fix them (empty = in sync)."""
    update = {}
    for key, value in desired.items():
        if key == "DesiredCapacity" and not manage_desired_capacity:
            continue
        have = current.get(key)
        if key == "VPCZoneIdentifier":
            same = set(value.split(",")) == set(filter(None, (have or "").split(",")))
        elif key == "TerminationPolicies":
            same = list(value) == list(have or ["Default"])
        elif key == "LaunchTemplate":
            same = _same_template(value, have) and not current.get("MixedInstancesPolicy")
        elif key == "MixedInstancesPolicy":
            same = _same_mixed(value, have)
        elif key in ("NewInstancesProtectedFromScaleIn", "CapacityRebalance"):
            same = bool(have) == bool(value)
        else:
            same = have == value
        if not same:
            update[key] = value
    if not manage_desired_capacity and "DesiredCapacity" in desired:
        # Keep the size a capacity provider chose, unless it now falls outside the new bounds.
        size = current.get("DesiredCapacity")
        low = desired.get("MinSize", current.get("MinSize"))
        high = desired.get("MaxSize", current.get("MaxSize"))
        if size is not None and low is not None and high is not None and not low <= size <= high:
            # Raising to a new minimum goes to the configured capacity when that is larger.
            update["DesiredCapacity"] = min(max(size, low, (desired.get("DesiredCapacity") or 0) if size < low else 0), high)
    return update


def group_tags(tags, propagate_at_launch=True):
    """dict -> {key: (value, propagate)}."""
    return dict((str(k), ("" if v is None else str(v), bool(propagate_at_launch))) for k, v in (tags or {}).items())


def current_tags(group):
    return dict((t["Key"], (t.get("Value", ""), bool(t.get("PropagateAtLaunch")))) for t in group.get("Tags") or [])


def tag_changes(current, desired, purge=True):
    """(to_set: {key: (value, propagate)}, to_remove: [key]) comparing by key, never by position."""
    if desired is None:
        return {}, []
    to_set = dict((k, v) for k, v in desired.items() if current.get(k) != v)
    to_remove = sorted(k for k in current if k not in desired and not k.startswith("aws:")) if purge else []
    return to_set, to_remove


def tag_requests(group_name, to_set, to_remove):
    """CreateOrUpdateTags / DeleteTags tag lists in the shape the API wants."""
    base = {"ResourceId": group_name, "ResourceType": "auto-scaling-group"}
    set_list = [dict(base, Key=k, Value=v[0], PropagateAtLaunch=v[1]) for k, v in sorted(to_set.items())]
    remove_list = [dict(base, Key=k) for k in to_remove]
    return set_list, remove_list


def validate_group(desired, creating):
    """Errors (list of str) naming the option and the fix."""
    errors = []
    low, high, size = desired.get("MinSize"), desired.get("MaxSize"), desired.get("DesiredCapacity")
    if low is not None and high is not None and low > high:
        errors.append("min_size (%s) is greater than max_size (%s): lower min_size or raise max_size" % (low, high))
    if size is not None:
        if low is not None and size < low:
            errors.append("desired_capacity (%s) is below min_size (%s)" % (size, low))
        if high is not None and size > high:
            errors.append("desired_capacity (%s) is above max_size (%s)" % (size, high))
    if creating:
        for key, option in (("MinSize", "min_size"), ("MaxSize", "max_size"), ("VPCZoneIdentifier", "subnet_ids")):
            if not desired.get(key) and desired.get(key) != 0:
                errors.append("%s is required to create the group" % option)
        if "LaunchTemplate" not in desired and "MixedInstancesPolicy" not in desired:
            errors.append("launch_template is required to create the group")
    if desired.get("VPCZoneIdentifier") == "":
        errors.append("subnet_ids is empty: give at least one (private) subnet id")
    mixed = desired.get("MixedInstancesPolicy")
    if mixed:
        pct = mixed["InstancesDistribution"].get("OnDemandPercentageAboveBaseCapacity")
        if pct is not None and not 0 <= pct <= 100:
            errors.append("mixed_instances_policy.on_demand_percentage_above_base_capacity must be 0-100")
    return errors


def group_view(group):
    """The comparable part of a group for --diff."""
    if not group:
        return {}
    view = dict((k, group.get(k)) for k in (
        "MinSize", "MaxSize", "DesiredCapacity", "HealthCheckType", "HealthCheckGracePeriod",
        "NewInstancesProtectedFromScaleIn", "CapacityRebalance", "TerminationPolicies", "DefaultInstanceWarmup",
        "MaxInstanceLifetime", "LaunchTemplate", "MixedInstancesPolicy",
    ) if group.get(k) is not None)
    view["VPCZoneIdentifier"] = sorted(filter(None, (group.get("VPCZoneIdentifier") or "").split(",")))
    view["Tags"] = dict((k, v[0]) for k, v in current_tags(group).items())
    return view
