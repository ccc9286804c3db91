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
  - With O(auto_scaling_groups), converges several groups in one module process.
notes:
  - C(amazon.aws.autoscaling_group) always sends an update and a metrics call, reports a change in check mode
    on any existing group, compares tags by position, resets the desired capacity a capacity provider chose,
    and cannot set capacity rebalancing or new-instance scale-in protection. This module exists for those
    reasons.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description:
      - Name of the Auto Scaling group.
      - Required unless O(auto_scaling_groups) is given.
    type: str
  auto_scaling_groups:
    description:
      - Several groups, each a dict of the options of one (O(name), O(launch_template), O(min_size), ...),
        converged in order in one module process; the other options are then ignored.
    type: list
    elements: dict
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
  propagate_at_launch:
    description: Copy O(tags) to the instances the group launches.
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
  - cloudops.ecs.tags
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
auto_scaling_groups:
  description: With O(auto_scaling_groups), the result of each group in the same order (the keys above).
  returned: with O(auto_scaling_groups)
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.auto_scaling_group import AutoScalingGroup
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import batch_argument_spec, run_one_or_many


OPTIONS = dict(
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


def main():
    module = AnsibleAWSModule(argument_spec=batch_argument_spec(OPTIONS, "auto_scaling_groups"), supports_check_mode=True,
                              mutually_exclusive=[("name", "auto_scaling_groups")])
    run_one_or_many(module, AutoScalingGroup, OPTIONS, "auto_scaling_groups")


if __name__ == "__main__":
    main()
