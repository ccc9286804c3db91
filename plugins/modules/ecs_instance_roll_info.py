#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_instance_roll_info
short_description: Plan a rolling replacement of ECS container instances
version_added: 0.1.0
description:
  - Lists, per Auto Scaling group of the stack, the instances not on the group's current launch template version
    (or all instances launched before the roll started, with O(roll_all=true)), in roll order and in batches.
  - Reads the roll state a previous, interrupted roll left on a group (the C(cloudops:roll) tag with the original
    desired and maximum capacity and the start time); instances already DRAINING come first, and the original
    capacity is the one the roll returns to.
  - Names each group's scaling policies (C(scaling_policies)); the roll pauses them while it rolls the group.
  - Groups the batches into C(steps). With O(parallel_groups=true) a step takes the next batch of each group, to be
    replaced together, as long as the cluster can take the tasks of all of them at once (the CPU and memory their
    tasks reserve against the remaining CPU and memory of the ACTIVE instances that stay plus what the replacements
    register, estimated from the instance type the group launches, the steps before counted). A group whose batch does
    not fit waits for a later step, and the step says why (C(summary), C(deferred)). Batches that finish an
    interrupted drain form the first step on their own. Without it, every step holds one batch.
  - Read-only; the plan feeds M(cloudops.ecs.ecs_instance_roll).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  stack_name:
    description: Value of the C(cloudops:stack) tag; finds the groups and, without O(cluster), the cluster.
    type: str
    required: true
  cluster:
    description: Name or ARN of the ECS cluster. Default is the cluster tagged with the stack.
    type: str
  auto_scaling_group_names:
    description: Groups to roll. Default is every group tagged with the stack.
    type: list
    elements: str
  roll_all:
    description: Roll every instance, not only those on another launch template version.
    type: bool
    default: false
  batch_size:
    description: Instances replaced at once per group.
    type: int
    default: 1
  parallel_groups:
    description: Replace a batch of several groups at once where the spare capacity allows (see C(steps)).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What would a roll replace?
  cloudops.ecs.ecs_instance_roll_info:
    stack_name: shop-prod
    batch_size: 2
    parallel_groups: true
  register: roll_plan
"""

RETURN = r"""
groups:
  description: The plan per Auto Scaling group.
  returned: always
  type: list
  elements: dict
  sample: [{"auto_scaling_group_name": "shop-prod-instances", "launch_template_version": "4",
            "instance_ids": ["i-0a", "i-0b"], "batches": [["i-0a"], ["i-0b"]], "resuming": false,
            "original_desired_capacity": 3, "original_max_size": 3, "needs_finish": false,
            "scaling_policies": ["ECSManagedAutoScalingPolicy-5d6c"]}]
batches:
  description: Every batch of every group in roll order, with the group name and a position label.
  returned: always
  type: list
  elements: dict
  sample: [{"auto_scaling_group_name": "shop-prod-instances", "instance_ids": ["i-0a"], "label": "1/2"}]
steps:
  description:
    - The batches grouped into the steps of the roll, in order; each step's batches (at most one per group) are
      replaced together. C(needed) and C(spare) are the CPU units and MiB of memory the step's drain moves and the
      cluster is estimated to have for them; C(deferred) names the groups whose next batch waits for a later step
      and why; C(summary) is a line for the plan.
  returned: always
  type: list
  elements: dict
  sample: [{"label": "1/2", "auto_scaling_group_names": ["shop-prod-ondemand", "shop-prod-spot"],
            "batches": [{"auto_scaling_group_name": "shop-prod-ondemand", "instance_ids": ["i-0a"]},
                        {"auto_scaling_group_name": "shop-prod-spot", "instance_ids": ["i-0c"]}],
            "instance_ids": ["i-0a", "i-0c"], "resuming": false, "fits": true,
            "needed": {"CPU": 1024, "MEMORY": 1024}, "spare": {"CPU": 4096, "MEMORY": 14745}, "deferred": [],
            "summary": "step 1/2: shop-prod-ondemand i-0a with shop-prod-spot i-0c together (...)"}]
instance_ids:
  description: Every instance to replace.
  returned: always
  type: list
  elements: str
  sample: ["i-0a", "i-0b"]
cluster:
  description: The cluster name.
  returned: always
  type: str
  sample: shop-prod
"""


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.roll import RollPlan


def main():
    argument_spec = dict(
        stack_name=dict(type="str", required=True),
        cluster=dict(type="str"),
        auto_scaling_group_names=dict(type="list", elements="str"),
        roll_all=dict(type="bool", default=False),
        batch_size=dict(type="int", default=1),
        parallel_groups=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, RollPlan.from_module(module))


if __name__ == "__main__":
    main()
