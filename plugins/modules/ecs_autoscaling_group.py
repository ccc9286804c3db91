#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_autoscaling_group
short_description: Auto Scaling group for ECS container instances, idempotent and capacity-provider aware
version_added: 0.1.0
description:
  - Creates, converges or deletes an EC2 Auto Scaling group meant to back an ECS capacity provider.
  - Compares subnets, tags and settings by content (never by order) and only sends an update when something
    differs, so a run with nothing to do makes one describe call and reports no change; check mode and
    C(--diff) tell the truth.
  - With O(desired_capacity_policy=initial) the desired capacity is set at creation only and afterwards left
    to whoever scales the group (an ECS capacity provider with managed scaling), except when it falls outside
    new min/max bounds.
  - Supports protecting new instances from scale-in (needed by managed termination protection), capacity
    rebalancing and mixed instances policies for spot groups.
  - Deletion clears scale-in protection from every instance, force-deletes the group and waits until it is gone.
notes:
  - C(amazon.aws.autoscaling_group) always sends an update and a metrics call, reports a change in check mode
    on any existing group, compares tags by position, resets the desired capacity a capacity provider chose,
    and cannot set capacity rebalancing or new-instance scale-in protection. This module exists for those
    reasons.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Name of the Auto Scaling group.
    type: str
    required: true
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  launch_template:
    description: Launch template of the group (also used by O(mixed_instances_policy)).
    type: dict
    suboptions:
      id:
        description: Launch template id (preferred).
        type: str
      name:
        description: Launch template name when no id is given.
        type: str
      version:
        description: Version number, V($Latest) or V($Default).
        type: str
        default: $Default
  mixed_instances_policy:
    description: Several instance types and an on-demand/spot split (spot groups).
    type: dict
    suboptions:
      instance_types:
        description: Instance types in priority order (they override the launch template's type).
        type: list
        elements: str
        required: true
      on_demand_base_capacity:
        description: Instances that are always on-demand.
        type: int
      on_demand_percentage_above_base_capacity:
        description: Percentage of on-demand instances above the base (0 = all spot).
        type: int
      spot_allocation_strategy:
        description: How spot capacity is chosen.
        type: str
        choices: [lowest-price, capacity-optimized, capacity-optimized-prioritized, price-capacity-optimized]
      on_demand_allocation_strategy:
        description: How on-demand capacity is chosen.
        type: str
        choices: [prioritized, lowest-price]
  subnet_ids:
    description: Subnets of the group (private subnets). Required to create it.
    type: list
    elements: str
  min_size:
    description: Minimum size. Required to create the group.
    type: int
  max_size:
    description: Maximum size. Required to create the group.
    type: int
  desired_capacity:
    description: Desired capacity (defaults to O(min_size) at creation).
    type: int
  desired_capacity_policy:
    description:
      - V(enforce) keeps the group at O(desired_capacity) on every run. V(initial) sets it at creation only,
        for groups a capacity provider scales.
    type: str
    choices: [enforce, initial]
    default: enforce
  create_empty:
    description:
      - Create a new group with no instances (minimum and desired capacity 0); the next call without this
        option applies O(min_size) and O(desired_capacity). Instances that register with ECS before their
        group's capacity provider exists are not part of the provider, so the ecs_instances role creates
        groups empty and sizes them once the providers are attached.
      - Ignored when the group exists.
    type: bool
    default: false
  health_check_type:
    description: EC2 or ELB health checks.
    type: str
    choices: [EC2, ELB]
  health_check_grace_period:
    description: Seconds after launch before health checks count.
    type: int
  new_instances_protected_from_scale_in:
    description: Protect new instances from scale-in (required by ECS managed termination protection).
    type: bool
  capacity_rebalance:
    description: Replace spot instances proactively when they are at elevated risk of interruption.
    type: bool
  termination_policies:
    description: Termination policies in order.
    type: list
    elements: str
  default_instance_warmup:
    description: Seconds until a new instance counts towards the group's metrics.
    type: int
  max_instance_lifetime:
    description: Seconds an instance may live (0 = unlimited, else at least 86400).
    type: int
  metrics_collection:
    description: Collect all group metrics at one-minute granularity. Omitted = left alone.
    type: bool
  tags:
    description: Tags of the group. Omitted = left alone.
    type: dict
  propagate_at_launch:
    description: Copy O(tags) to the instances the group launches.
    type: bool
    default: true
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  delete_launch_template:
    description:
      - With O(state=absent), also delete the group's launch template (all its versions) once the group is
        gone; the template is the one the group used, or O(launch_template) when the group no longer exists.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the group to be deleted.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: On-demand group scaled by an ECS capacity provider
  cloudops.ecs.ecs_autoscaling_group:
    name: shop-prod-ondemand
    launch_template:
      id: "{{ lt.template.launch_template_id }}"
      version: "{{ lt.latest_version | string }}"
    subnet_ids: "{{ cloudops_network.private_subnet_ids }}"
    min_size: 1
    max_size: 6
    desired_capacity: 2
    desired_capacity_policy: initial
    health_check_grace_period: 120
    new_instances_protected_from_scale_in: true
    tags:
      Name: shop-prod-ondemand
      Environment: prod

- name: Spot group with several instance types
  cloudops.ecs.ecs_autoscaling_group:
    name: shop-prod-spot
    launch_template:
      id: "{{ lt.template.launch_template_id }}"
      version: "{{ lt.latest_version | string }}"
    mixed_instances_policy:
      instance_types: [m7g.large, m6g.large, c7g.xlarge]
      on_demand_base_capacity: 0
      on_demand_percentage_above_base_capacity: 0
      spot_allocation_strategy: price-capacity-optimized
    capacity_rebalance: true
    subnet_ids: "{{ cloudops_network.private_subnet_ids }}"
    min_size: 0
    max_size: 10

- name: Delete a group and its launch template (clears scale-in protection, force delete, waits)
  cloudops.ecs.ecs_autoscaling_group:
    name: shop-prod-spot
    state: absent
    delete_launch_template: true
    launch_template:
      name: shop-prod-spot
"""

RETURN = r"""
auto_scaling_group:
  description: The group as DescribeAutoScalingGroups returns it (snake case), empty when absent.
  returned: always
  type: dict
  contains:
    auto_scaling_group_name:
      description: Name.
      type: str
    auto_scaling_group_arn:
      description: ARN.
      type: str
    min_size:
      description: Minimum size.
      type: int
    max_size:
      description: Maximum size.
      type: int
    desired_capacity:
      description: Desired capacity.
      type: int
changes:
  description: Fields that were (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import (
    current_tags,
    desired_group,
    group_changes,
    group_tags,
    group_view,
    launch_template_spec,
    tag_changes,
    tag_requests,
    validate_group,
)

ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) if "botocore" in globals() else ()


def describe(module, client, name):
    try:
        groups = client.describe_auto_scaling_groups(AutoScalingGroupNames=[name], aws_retry=True)
    except ERRORS as e:
        module.fail_json_aws(e, msg="Failed to describe Auto Scaling group %s" % name)
    for group in groups.get("AutoScalingGroups") or []:
        if group.get("Status") != "Delete in progress":
            return group
    return None


def result_group(group):
    if not group:
        return {}
    out = camel_dict_to_snake_dict(dict((k, v) for k, v in group.items() if k != "Tags"))
    out["tags"] = dict((k, v[0]) for k, v in current_tags(group).items())
    return out


def metrics_wanted(module, group):
    """None when in sync, else True (enable) or False (disable)."""
    wanted = module.params.get("metrics_collection")
    if wanted is None:
        return None
    enabled = bool((group or {}).get("EnabledMetrics"))
    return None if enabled == wanted else wanted


def ensure_present(module, client):
    name = module.params["name"]
    desired = desired_group(module.params)
    group = describe(module, client, name)
    errors = validate_group(desired, creating=group is None)
    if errors:
        module.fail_json(msg="Auto Scaling group %s: %s" % (name, "; ".join(errors)))
    tags = group_tags(module.params.get("tags"), module.params["propagate_at_launch"]) \
        if module.params.get("tags") is not None else None

    if group is None:
        request = dict(desired, AutoScalingGroupName=name)
        request.setdefault("DesiredCapacity", desired["MinSize"])
        if module.params["create_empty"]:
            request.update(MinSize=0, DesiredCapacity=0)
        if tags:
            request["Tags"] = tag_requests(name, tags, [])[0]
        after = group_view(dict(request, Tags=request.get("Tags", [])))
        diff = {"before": {}, "after": after}
        if module.check_mode:
            module.exit_json(changed=True, changes=["created"], auto_scaling_group={}, diff=diff)
        try:
            client.create_auto_scaling_group(aws_retry=True, **request)
            if module.params.get("metrics_collection"):
                client.enable_metrics_collection(AutoScalingGroupName=name, Granularity="1Minute", aws_retry=True)
        except ERRORS as e:
            module.fail_json_aws(e, msg="Failed to create Auto Scaling group %s" % name)
        module.exit_json(changed=True, changes=["created"], auto_scaling_group=result_group(describe(module, client, name)),
                         diff=diff)

    update = group_changes(desired, group, module.params["desired_capacity_policy"] == "enforce")
    to_set, to_remove = tag_changes(current_tags(group), tags, module.params["purge_tags"])
    metrics = metrics_wanted(module, group)
    changes = sorted(update) + (["Tags"] if to_set or to_remove else []) + (["EnabledMetrics"] if metrics is not None else [])
    before = group_view(group)
    after = group_view(dict(group, **update))
    if to_set or to_remove:
        merged = dict((k, v[0]) for k, v in current_tags(group).items() if k not in to_remove)
        merged.update((k, v[0]) for k, v in to_set.items())
        after["Tags"] = merged
    diff = {"before": before, "after": after}
    if not changes or module.check_mode:
        module.exit_json(changed=bool(changes), changes=changes, auto_scaling_group=result_group(group), diff=diff)
    try:
        if update:
            request = dict(update, AutoScalingGroupName=name)
            if "MixedInstancesPolicy" in request:
                request.pop("LaunchTemplate", None)
            client.update_auto_scaling_group(aws_retry=True, **request)
        set_list, remove_list = tag_requests(name, to_set, to_remove)
        if remove_list:
            client.delete_tags(Tags=remove_list, aws_retry=True)
        if set_list:
            client.create_or_update_tags(Tags=set_list, aws_retry=True)
        if metrics is True:
            client.enable_metrics_collection(AutoScalingGroupName=name, Granularity="1Minute", aws_retry=True)
        elif metrics is False:
            client.disable_metrics_collection(AutoScalingGroupName=name, aws_retry=True)
    except ERRORS as e:
        module.fail_json_aws(e, msg="Failed to update Auto Scaling group %s (%s)" % (name, ", ".join(changes)))
    module.exit_json(changed=True, changes=changes, auto_scaling_group=result_group(describe(module, client, name)),
                     diff=diff)


def group_template(group):
    """The launch template spec a group uses (plain or through its mixed instances policy)."""
    if group.get("LaunchTemplate"):
        return group["LaunchTemplate"]
    mixed = group.get("MixedInstancesPolicy") or {}
    return (mixed.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification")


def delete_template(module, spec):
    """Delete a launch template with all its versions; True when one was deleted."""
    if not spec or not module.params["delete_launch_template"]:
        return False
    ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    ref = {"LaunchTemplateId": spec["LaunchTemplateId"]} if spec.get("LaunchTemplateId") else \
        {"LaunchTemplateName": spec["LaunchTemplateName"]}
    try:
        ec2.describe_launch_templates(aws_retry=True, **dict((k + "s", [v]) for k, v in ref.items()))
    except is_boto3_error_code(["InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound",
                                "InvalidLaunchTemplateId.Malformed"]):
        return False
    except ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Failed to describe launch template %s" % ref)
    if module.check_mode:
        return True
    try:
        ec2.delete_launch_template(aws_retry=True, **ref)
    except is_boto3_error_code(["InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound"]):
        return False
    except ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Failed to delete launch template %s" % ref)
    return True


def ensure_absent(module, client):
    name = module.params["name"]
    group = describe(module, client, name)
    if group is None:
        spec = launch_template_spec(module.params.get("launch_template"))
        deleted = delete_template(module, spec)
        module.exit_json(changed=deleted, changes=["launch_template_deleted"] if deleted else [],
                         auto_scaling_group={}, diff={"before": {}, "after": {}})
    diff = {"before": group_view(group), "after": {}}
    if module.check_mode:
        changes = ["deleted"] + (["launch_template_deleted"] if delete_template(module, group_template(group)) else [])
        module.exit_json(changed=True, changes=changes, auto_scaling_group=result_group(group), diff=diff)
    protected = [i["InstanceId"] for i in group.get("Instances") or [] if i.get("ProtectedFromScaleIn")]
    try:
        for start in range(0, len(protected), 50):
            client.set_instance_protection(AutoScalingGroupName=name, InstanceIds=protected[start:start + 50],
                                           ProtectedFromScaleIn=False, aws_retry=True)
        client.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True, aws_retry=True)
    except ERRORS as e:
        module.fail_json_aws(e, msg="Failed to delete Auto Scaling group %s" % name)
    deadline = time.time() + module.params["wait_timeout"]
    delay = 2
    while True:
        try:
            groups = client.describe_auto_scaling_groups(AutoScalingGroupNames=[name], aws_retry=True)
        except ERRORS as e:
            module.fail_json_aws(e, msg="Failed to describe Auto Scaling group %s" % name)
        if not groups.get("AutoScalingGroups"):
            break
        if time.time() > deadline:
            module.fail_json(msg="Auto Scaling group %s still deleting after %ss" % (name, module.params["wait_timeout"]))
        time.sleep(delay)
        delay = min(delay * 2, 15)
    changes = ["deleted"] + (["launch_template_deleted"] if delete_template(module, group_template(group)) else [])
    module.exit_json(changed=True, changes=changes, auto_scaling_group={}, unprotected_instances=protected, diff=diff)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        launch_template=dict(
            type="dict",
            options=dict(id=dict(type="str"), name=dict(type="str"), version=dict(type="str", default="$Default")),
            required_one_of=[("id", "name")],
        ),
        mixed_instances_policy=dict(
            type="dict",
            options=dict(
                instance_types=dict(type="list", elements="str", required=True),
                on_demand_base_capacity=dict(type="int"),
                on_demand_percentage_above_base_capacity=dict(type="int"),
                spot_allocation_strategy=dict(
                    type="str",
                    choices=["lowest-price", "capacity-optimized", "capacity-optimized-prioritized",
                             "price-capacity-optimized"],
                ),
                on_demand_allocation_strategy=dict(type="str", choices=["prioritized", "lowest-price"]),
            ),
        ),
        subnet_ids=dict(type="list", elements="str"),
        min_size=dict(type="int"),
        max_size=dict(type="int"),
        desired_capacity=dict(type="int"),
        desired_capacity_policy=dict(type="str", choices=["enforce", "initial"], default="enforce"),
        create_empty=dict(type="bool", default=False),
        health_check_type=dict(type="str", choices=["EC2", "ELB"]),
        health_check_grace_period=dict(type="int"),
        new_instances_protected_from_scale_in=dict(type="bool"),
        capacity_rebalance=dict(type="bool"),
        termination_policies=dict(type="list", elements="str"),
        default_instance_warmup=dict(type="int"),
        max_instance_lifetime=dict(type="int"),
        metrics_collection=dict(type="bool"),
        tags=dict(type="dict"),
        propagate_at_launch=dict(type="bool", default=True),
        purge_tags=dict(type="bool", default=True),
        delete_launch_template=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
