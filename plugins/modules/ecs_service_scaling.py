#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_service_scaling
short_description: Scalable target, step scaling policies and scheduled actions of an ECS service
version_added: 0.1.0
description:
  - Ensures the Application Auto Scaling scalable target of an ECS service (C(ecs:service:DesiredCount)) has
    I(min_capacity)..I(max_capacity) tasks, its step scaling policies are I(step_policies) and its scheduled
    actions are I(scheduled_actions); the step policies and scheduled actions whose names start with
    I(purge_prefix) and are not listed are deleted.
  - Target-tracking policies are not managed here (community.aws.application_autoscaling_policy does); they are
    never deleted, except by deregistering the target with I(state=absent).
  - With I(keep_capacity) the capacity range of an existing target is left alone, so a re-run does not undo what
    a scheduled action set.
  - Without I(min_capacity) and I(max_capacity) no target is registered; when none exists the module makes one
    describe call and changes nothing.
  - Check mode and C(--diff) report what would change without changing anything (community.aws's module registers
    targets and puts policies even in check mode, and has no scheduled actions).
  - Step policy ARNs are returned for the CloudWatch alarms that trigger them (amazon.aws.cloudwatch_metric_alarm).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description: Cluster of the service.
    type: str
    required: true
  service:
    description: Name of the ECS service.
    type: str
    required: true
  state:
    description:
      - C(present) converges the target, policies and actions.
      - C(absent) deletes the listed and the I(purge_prefix) step policies and scheduled actions, and with
        I(deregister) the target (which deletes every policy and scheduled action it still has).
    type: str
    choices: [present, absent]
    default: present
  min_capacity:
    description: Minimum tasks of the scalable target (with I(max_capacity)).
    type: int
  max_capacity:
    description: Maximum tasks of the scalable target (with I(min_capacity)).
    type: int
  keep_capacity:
    description: Register I(min_capacity)..I(max_capacity) only when the target does not exist yet.
    type: bool
    default: false
  deregister:
    description: With I(state=absent), deregister the scalable target too.
    type: bool
    default: false
  purge_prefix:
    description: Step policies and scheduled actions of the target whose names start with this and are not listed
      are deleted; empty deletes none.
    type: str
    default: ""
  step_policies:
    description: Step scaling policies of the target.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Policy name.
        type: str
        required: true
      adjustment_type:
        description: How C(adjustment) is applied.
        type: str
        choices: [ChangeInCapacity, PercentChangeInCapacity, ExactCapacity]
        default: ChangeInCapacity
      cooldown:
        description: Seconds after a scaling activity before the policy acts again.
        type: int
      metric_aggregation_type:
        description: Aggregation of the alarm's metric.
        type: str
        choices: [Average, Minimum, Maximum]
        default: Average
      min_adjustment_magnitude:
        description: Least tasks a C(PercentChangeInCapacity) adjustment changes.
        type: int
      steps:
        description: Step adjustments; C(lower) and C(upper) relative to the alarm threshold, C(adjustment) the tasks.
        type: list
        elements: dict
        required: true
        suboptions:
          lower:
            description: Lower bound (inclusive); none for minus infinity.
            type: float
          upper:
            description: Upper bound (exclusive); none for infinity.
            type: float
          adjustment:
            description: Tasks to add (negative to remove), percent, or the count with C(ExactCapacity).
            type: int
            required: true
  scheduled_actions:
    description: Scheduled actions of the target.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Action name.
        type: str
        required: true
      schedule:
        description: C(at(yyyy-mm-ddThh:mm:ss)), C(rate(value unit)) or C(cron(fields)).
        type: str
        required: true
      timezone:
        description: Time zone of the schedule.
        type: str
        default: UTC
      start_time:
        description: UTC time (C(yyyy-mm-ddThh:mm:ssZ)) from which the action runs.
        type: str
      end_time:
        description: UTC time after which the action no longer runs.
        type: str
      min_capacity:
        description: Minimum tasks the action sets.
        type: int
      max_capacity:
        description: Maximum tasks the action sets.
        type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Two to eight tasks, one more per 50 queued messages above 100, more tasks on weekday mornings
  cloudops.ecs.ecs_service_scaling:
    cluster: shop-prod
    service: worker
    min_capacity: 2
    max_capacity: 8
    keep_capacity: true
    purge_prefix: shop-prod-worker-
    step_policies:
      - name: shop-prod-worker-step-backlog
        cooldown: 120
        steps:
          - {lower: 0, upper: 50, adjustment: 1}
          - {lower: 50, adjustment: 3}
    scheduled_actions:
      - name: shop-prod-worker-schedule-mornings
        schedule: cron(0 7 ? * MON-FRI *)
        timezone: Europe/Berlin
        min_capacity: 4
        max_capacity: 8
  register: worker_scaling
"""

RETURN = r"""
resource_id:
  description: The target's resource id.
  returned: always
  type: str
  sample: service/shop-prod/worker
policies:
  description: Step policy name to ARN (empty in check mode before the policy exists).
  returned: always
  type: dict
removed_policies:
  description: Step policies deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
removed_scheduled_actions:
  description: Scheduled actions deleted (or that would be).
  returned: always
  type: list
  elements: str
changes:
  description: What changed, one line each.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.service_scaling import ServiceScaling


def main():
    step = dict(lower=dict(type="float"), upper=dict(type="float"), adjustment=dict(type="int", required=True))
    policy = dict(
        name=dict(type="str", required=True),
        adjustment_type=dict(type="str", default="ChangeInCapacity",
                             choices=["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"]),
        cooldown=dict(type="int"),
        metric_aggregation_type=dict(type="str", default="Average", choices=["Average", "Minimum", "Maximum"]),
        min_adjustment_magnitude=dict(type="int"),
        steps=dict(type="list", elements="dict", required=True, options=step),
    )
    action = dict(
        name=dict(type="str", required=True),
        schedule=dict(type="str", required=True),
        timezone=dict(type="str", default="UTC"),
        start_time=dict(type="str"),
        end_time=dict(type="str"),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            service=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            min_capacity=dict(type="int"),
            max_capacity=dict(type="int"),
            keep_capacity=dict(type="bool", default=False),
            deregister=dict(type="bool", default=False),
            purge_prefix=dict(type="str", default=""),
            step_policies=dict(type="list", elements="dict", default=[], options=policy),
            scheduled_actions=dict(type="list", elements="dict", default=[], options=action),
        ),
        required_together=[("min_capacity", "max_capacity")],
        supports_check_mode=True,
    )
    run_service(module, ServiceScaling.from_module(module),
                description="manage the scaling of %s/%s" % (module.params["cluster"], module.params["service"]))


if __name__ == "__main__":
    main()
