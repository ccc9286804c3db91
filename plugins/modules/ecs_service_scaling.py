#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_service_scaling
short_description: Scalable target, target-tracking and step scaling policies and scheduled actions of ECS services
version_added: 0.1.0
description:
  - Ensures the Application Auto Scaling scalable target of an ECS service (C(ecs:service:DesiredCount)) has
    O(min_capacity)..O(max_capacity) tasks, its target-tracking policies are O(target_tracking_policies), its step
    scaling policies are O(step_policies) and its scheduled actions are O(scheduled_actions); the policies and
    scheduled actions whose names start with O(purge_prefix) and are not listed are deleted.
  - With O(keep_capacity) the capacity range of an existing target is left alone, so a re-run does not undo what
    a scheduled action set.
  - Without O(min_capacity) and O(max_capacity) no target is registered; when none exists the module makes one
    describe call and changes nothing.
  - Check mode and C(--diff) report what would change without changing anything, target-tracking policies included
    (community.aws.application_autoscaling_policy registers targets and puts policies even in check mode, and has no
    scheduled actions).
  - Step policy ARNs are returned for the CloudWatch alarms that trigger them; the alarms of a target-tracking policy
    are Application Auto Scaling's own.
  - With O(services), converges the scaling of several services in one module process.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description:
      - Cluster of the service.
      - Required unless O(services) is given.
    type: str
  service:
    description:
      - Name of the ECS service.
      - Required unless O(services) is given.
    type: str
  services:
    description:
      - The scaling of several services, each a dict of the options of one (O(cluster), O(service), O(min_capacity),
        ...), converged in order in one module process; the other options are then ignored.
    type: list
    elements: dict
  state:
    description:
      - C(present) converges the target, policies and actions.
      - C(absent) deletes the listed and the O(purge_prefix) policies and scheduled actions, and with
        O(deregister) the target (which deletes every policy and scheduled action it still has).
    type: str
    choices: [present, absent]
    default: present
  min_capacity:
    description: Minimum tasks of the scalable target (with O(max_capacity)).
    type: int
  max_capacity:
    description: Maximum tasks of the scalable target (with O(min_capacity)).
    type: int
  keep_capacity:
    description: Register O(min_capacity)..O(max_capacity) only when the target does not exist yet.
    type: bool
    default: false
  deregister:
    description: With O(state=absent), deregister the scalable target too.
    type: bool
    default: false
  purge_prefix:
    description: Policies and scheduled actions of the target whose names start with this and are not listed are
      deleted; empty deletes none.
    type: str
    default: ""
  target_tracking_policies:
    description: Target-tracking policies of the target, each on a predefined metric.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Policy name.
        type: str
        required: true
      predefined_metric_type:
        description: The metric kept at O(target_tracking_policies[].target_value).
        type: str
        required: true
        choices: [ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget]
      target_value:
        description: The value of the metric to keep.
        type: float
        required: true
      resource_label:
        description: With C(ALBRequestCountPerTarget), C(app/<load-balancer>/<id>/targetgroup/<target-group>/<id>).
        type: str
      scale_in_cooldown:
        description: Seconds after a scale-in before another; left to AWS when not given.
        type: int
      scale_out_cooldown:
        description: Seconds after a scale-out before another; left to AWS when not given.
        type: int
      disable_scale_in:
        description: Only scale out.
        type: bool
        default: false
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
        description: How O(step_policies[].steps[].adjustment) is applied.
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
        description: Step adjustments; bounds relative to the alarm threshold, the adjustment in tasks.
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
    target_tracking_policies:
      - name: shop-prod-worker-cpu
        predefined_metric_type: ECSServiceAverageCPUUtilization
        target_value: 60
        scale_in_cooldown: 300
        scale_out_cooldown: 60
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

- name: The scaling of every service of a stack in one call
  cloudops.ecs.ecs_service_scaling:
    services:
      - {cluster: shop-prod, service: web, min_capacity: 2, max_capacity: 6, purge_prefix: shop-prod-web-,
         target_tracking_policies: [{name: shop-prod-web-cpu, predefined_metric_type: ECSServiceAverageCPUUtilization,
                                     target_value: 50}]}
      - {cluster: shop-prod, service: worker, purge_prefix: shop-prod-worker-}
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
  description: Step policies deleted (or that would be, in check mode); their alarms are the caller's.
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
services:
  description: With O(services), the result of each service in the same order (the keys above).
  returned: with O(services)
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import batch_argument_spec, run_one_or_many
from ansible_collections.cloudops.ecs.plugins.module_utils.service_scaling import ServiceScaling

STEP = dict(lower=dict(type="float"), upper=dict(type="float"), adjustment=dict(type="int", required=True))
STEP_POLICY = dict(
    name=dict(type="str", required=True),
    adjustment_type=dict(type="str", default="ChangeInCapacity",
                         choices=["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"]),
    cooldown=dict(type="int"),
    metric_aggregation_type=dict(type="str", default="Average", choices=["Average", "Minimum", "Maximum"]),
    min_adjustment_magnitude=dict(type="int"),
    steps=dict(type="list", elements="dict", required=True, options=STEP),
)
TRACKING_POLICY = dict(
    name=dict(type="str", required=True),
    predefined_metric_type=dict(type="str", required=True, choices=[
        "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"]),
    target_value=dict(type="float", required=True),
    resource_label=dict(type="str"),
    scale_in_cooldown=dict(type="int"),
    scale_out_cooldown=dict(type="int"),
    disable_scale_in=dict(type="bool", default=False),
)
ACTION = dict(
    name=dict(type="str", required=True),
    schedule=dict(type="str", required=True),
    timezone=dict(type="str", default="UTC"),
    start_time=dict(type="str"),
    end_time=dict(type="str"),
    min_capacity=dict(type="int"),
    max_capacity=dict(type="int"),
)
OPTIONS = dict(
    cluster=dict(type="str", required=True),
    service=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    min_capacity=dict(type="int"),
    max_capacity=dict(type="int"),
    keep_capacity=dict(type="bool", default=False),
    deregister=dict(type="bool", default=False),
    purge_prefix=dict(type="str", default=""),
    target_tracking_policies=dict(type="list", elements="dict", default=[], options=TRACKING_POLICY),
    step_policies=dict(type="list", elements="dict", default=[], options=STEP_POLICY),
    scheduled_actions=dict(type="list", elements="dict", default=[], options=ACTION),
)


def main():
    module = AnsibleAWSModule(argument_spec=batch_argument_spec(OPTIONS, "services", key="service"),
                              supports_check_mode=True, mutually_exclusive=[("service", "services")],
                              required_together=[("min_capacity", "max_capacity")])
    run_one_or_many(module, ServiceScaling, OPTIONS, "services", key="service",
                    description="manage the scaling of the services",
                    required_together=[("min_capacity", "max_capacity")])


if __name__ == "__main__":
    main()
