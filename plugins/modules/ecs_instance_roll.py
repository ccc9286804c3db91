#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_instance_roll
short_description: Replace ECS container instances one batch at a time, ECS-aware
version_added: 0.1.0
description:
  - With O(step=replace), replaces the given instances of one Auto Scaling group. Health gate first (services steady,
    targets healthy; stops with the reasons when not); then raises the group's desired capacity by the batch size
    (and the maximum only when needed) and waits until the replacements are ACTIVE container instances with the agent
    connected; then sets the old instances DRAINING and waits until their service tasks have moved, every service is
    steady and every target healthy; then clears their scale-in protection and terminates them with
    C(ShouldDecrementDesiredCapacity=true), so capacity is never short.
  - Before it first changes a group it records the original desired and maximum capacity and the start time in the
    C(cloudops:roll) tag on the group; an interrupted roll continues from AWS state on the next run (instances
    already DRAINING are finished, replacements already launched are adopted).
  - A group with scaling policies (an ECS capacity provider's managed scaling is a target tracking policy on the
    C(CapacityProviderReservation) metric) would scale in the replacements while they run no task yet. Before it
    raises the capacity the module therefore suspends the group's C(AlarmNotification) process (scaling policies are
    not executed; launches, terminations and lifecycle hooks carry on) and records that in the tag.
  - With O(step=finish), returns the group to the recorded capacity (surplus instances drained and terminated the
    same way, maximum restored), resumes the scaling it suspended and removes the tag. Without the tag there is
    nothing to do.
  - With O(step=restore), resumes the scaling the roll suspended and keeps the rest of the roll state, so that a
    failed batch does not leave the group without dynamic scaling; a re-run suspends it again and continues.
  - Every wait has a timeout (O(boot_timeout), O(drain_timeout), O(health_timeout)), so a roll never hangs for hours.
  - In check mode nothing is changed; the result says whether something would be.
notes:
  - Scale-in through a capacity provider with managed draining ENABLED drains instances on its own through a lifecycle
    hook; this module drains explicitly before terminating, so either way tasks move before an instance goes.
  - A suspension of C(AlarmNotification) the roll did not make (the user's own) is left as it was.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description: Name or ARN of the ECS cluster.
    type: str
    required: true
  auto_scaling_group_name:
    description: The group the instances belong to.
    type: str
    required: true
  step:
    description:
      - C(replace) replaces O(instance_ids); C(finish) restores the group's original capacity and scaling;
        C(restore) only resumes the scaling the roll suspended.
    type: str
    choices: [replace, finish, restore]
    default: replace
  instance_ids:
    description:
      - The planned batch (with O(step=replace)). As many outdated instances as it names are replaced; once the
        replacements are up, the ones to terminate are chosen so the group stays balanced over its Availability Zones
        (instances already DRAINING first, then the AZ with the most instances, the planned ones on a tie).
    type: list
    elements: str
    default: []
  roll_all:
    description: Instances launched before the roll started count as outdated too (see M(cloudops.ecs.ecs_instance_roll_info)).
    type: bool
    default: false
  boot_timeout:
    description: Seconds to wait for replacements to become ACTIVE container instances, and for old ones to terminate.
    type: int
    default: 600
  drain_timeout:
    description: Seconds to wait for the drained instances' tasks to move and services and targets to settle.
    type: int
    default: 900
  health_timeout:
    description: Seconds the health gate waits for services and targets to be healthy before failing.
    type: int
    default: 300
extends_documentation_fragment:
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Plan
  cloudops.ecs.ecs_instance_roll_info:
    stack_name: shop-prod
  register: roll_plan

- name: Replace one batch at a time
  cloudops.ecs.ecs_instance_roll:
    cluster: "{{ roll_plan.cluster }}"
    auto_scaling_group_name: "{{ item.auto_scaling_group_name }}"
    instance_ids: "{{ item.instance_ids }}"
  loop: "{{ roll_plan.batches }}"
  loop_control:
    label: "{{ item.label }} {{ item.instance_ids | join(', ') }}"

- name: Restore the original capacity
  cloudops.ecs.ecs_instance_roll:
    cluster: "{{ roll_plan.cluster }}"
    auto_scaling_group_name: "{{ item.auto_scaling_group_name }}"
    step: finish
  loop: "{{ roll_plan.groups }}"
"""

RETURN = r"""
steps:
  description: The steps done, each with its duration in seconds.
  returned: always
  type: list
  elements: dict
  sample: [{"step": "i-0a: replacement ACTIVE", "seconds": 95.2}, {"step": "i-0a: terminated", "seconds": 20.1}]
instance_ids:
  description: The instances this call replaced (in check mode, would replace).
  returned: always
  type: list
  elements: str
  sample: ["i-0a"]
elapsed:
  description: Seconds the call took.
  returned: always
  type: float
  sample: 180.4
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.roll import InstanceRoll


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        auto_scaling_group_name=dict(type="str", required=True),
        step=dict(type="str", default="replace", choices=["replace", "finish", "restore"]),
        instance_ids=dict(type="list", elements="str", default=[]),
        roll_all=dict(type="bool", default=False),
        boot_timeout=dict(type="int", default=600),
        drain_timeout=dict(type="int", default=900),
        health_timeout=dict(type="int", default=300),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, InstanceRoll.from_module(module))


if __name__ == "__main__":
    main()
