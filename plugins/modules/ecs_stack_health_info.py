#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_stack_health_info
short_description: Verify the health of one ECS-on-EC2 stack in one call
version_added: 0.1.0
description:
  - Reads one environment, found by its stack tag C(cloudops:stack) and its ECS cluster, with batched
    describes (services by 10, tasks and container instances by 100, one target-health call per target
    group) and evaluates these checks.
  - C(services) every service steady - running equals desired, one PRIMARY deployment with rolloutState
    COMPLETED, no "unable to place" events in the last O(event_window) seconds.
  - C(targets) every registered target healthy in the services' target groups, and at least as many
    healthy targets as the services want tasks.
  - C(container_instances) container instances ACTIVE with the agent connected, and every in-service
    instance of the stack's Auto Scaling groups registered.
  - C(az_coverage) an active container instance in every Availability Zone of the stack's Auto Scaling groups.
  - C(spare_capacity) the tasks of any one instance fit into the other instances' remaining CPU and memory
    (packed task by task), so one instance can be replaced or lost.
  - C(ami) (warning) instance AMIs against the recommended ECS-optimized AMI of their own AMI family (Amazon Linux
    2023, Amazon Linux 2 and its kernel 5.10, GPU and Inferentia variants, Bottlerocket; read from the image name)
    and CPU architecture (arm64 instances against the arm64 parameter), from the SSM public parameters, with their
    age in days. Images of no known family are compared with Amazon Linux 2023.
  - C(database) Aurora clusters tagged with the stack available, with an available writer, and an available reader
    when O(database_ha=true).
  - C(network) NAT gateways and VPC endpoints tagged with the stack available.
  - C(stopped_tasks) (warning) tasks stopped in the last O(stopped_window) seconds, with their reasons; failed
    tasks (essential container exited, failed health checks, failed to start) make it fail.
  - C(alarms) (warning) CloudWatch alarms named after the stack (C(<stack>-)) in the ALARM state, with their
    state reason.
  - Read-only; safe in check mode. Fails naming each failing check unless O(fail_on_unhealthy=false).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description: Name or ARN of the ECS cluster. Default is the cluster tagged with the stack.
    type: str
  checks:
    description: Checks to run. Default is all of them.
    type: list
    elements: str
    choices: [services, targets, container_instances, az_coverage, spare_capacity, ami, database, network, stopped_tasks,
              alarms]
  availability_zones:
    description: Availability Zones the instances must cover. Default is the zones of the stack's Auto Scaling groups.
    type: list
    elements: str
  database_ha:
    description:
      - V(true) requires an available reader besides the writer. V(false) or unset requires a writer and every
        configured member available.
    type: bool
  ami_parameters:
    description:
      - SSM parameter holding the recommended AMI ID per CPU architecture (C(x86_64), C(arm64)), instead of the
        parameter of each instance's AMI family, for example
        C(x86_64) mapped to C(/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id).
    type: dict
  ami_max_age_days:
    description: An instance whose AMI is not the recommended one is only reported as outdated when its AMI is older than this.
    type: int
  event_window:
    description: Seconds of service events searched for placement failures.
    type: int
    default: 600
  stopped_window:
    description: Seconds of stopped tasks reported.
    type: int
    default: 3600
  min_container_instances:
    description: Fewest ACTIVE container instances that count as healthy.
    type: int
    default: 1
  fail_on_unhealthy:
    description: Fail when a critical check fails. With V(false) the result only reports.
    type: bool
    default: true
  fail_on_warnings:
    description: Also fail when a warning check (C(ami), C(stopped_tasks)) fails.
    type: bool
    default: false
  wait:
    description: Re-check until every check that would fail passes, or O(wait_timeout) expires.
extends_documentation_fragment:
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - cloudops.ecs.stack
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Verify the stack, waiting up to 5 minutes for it to settle
  cloudops.ecs.ecs_stack_health_info:
    stack_name: shop-prod
    database_ha: true
    wait: true
    wait_timeout: 300
  register: health

- name: Show the summary
  ansible.builtin.debug:
    var: health.summary

- name: Only the gates a deployment needs, reported without failing
  cloudops.ecs.ecs_stack_health_info:
    stack_name: shop-prod
    checks: [services, targets]
    fail_on_unhealthy: false
  register: gates
"""

RETURN = r"""
healthy:
  description: Whether every check that makes the module fail passed.
  returned: always
  type: bool
  sample: true
checks:
  description: One entry per check with its name, result, severity (critical or warning) and detail lines.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "targets", "ok": false, "severity": "critical",
            "details": ["web: target i-0abc:32768 is unhealthy (Target.FailedHealthChecks)"]}]
failed_checks:
  description: Names of the checks that failed (critical, and warnings with O(fail_on_warnings=true)).
  returned: always
  type: list
  elements: str
  sample: ["targets"]
summary:
  description: A readable report, one line per check and detail.
  returned: always
  type: list
  elements: str
  sample: ["OK   services: 3 services steady", "FAIL targets: web: target i-0abc:32768 is unhealthy"]
cluster:
  description: Name of the cluster checked, or null when the stack has none.
  returned: always
  type: str
  sample: shop-prod
elapsed:
  description: Seconds spent, waits included.
  returned: always
  type: float
  sample: 1.2
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.health import CHECK_NAMES
from ansible_collections.cloudops.ecs.plugins.module_utils.stack_health import StackHealth


def main():
    argument_spec = dict(
        stack_name=dict(type="str", required=True),
        cluster=dict(type="str"),
        checks=dict(type="list", elements="str", choices=list(CHECK_NAMES)),
        availability_zones=dict(type="list", elements="str"),
        database_ha=dict(type="bool"),
        ami_parameters=dict(type="dict"),
        ami_max_age_days=dict(type="int"),
        event_window=dict(type="int", default=600),
        stopped_window=dict(type="int", default=3600),
        min_container_instances=dict(type="int", default=1),
        fail_on_unhealthy=dict(type="bool", default=True),
        fail_on_warnings=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, StackHealth.from_module(module))


if __name__ == "__main__":
    main()
