#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ecs_service_deployment
short_description: Deploy an ECS service, or continue or roll back its deployment in progress
version_added: 0.1.0
description:
- I(action=deploy) deploys a new image (a new revision of the service's task definition with the image of I(container)
  replaced; none when it already runs that image) or another task definition, with the service's own strategy
  (C(ROLLING), C(BLUE_GREEN), C(LINEAR), C(CANARY)), and with I(wait=true) waits as cloudops.ecs.ecs_service does -
  for a traffic-shifting service until its service deployment is C(SUCCESSFUL), all production traffic is on the new
  revision and its targets are healthy, or until it pauses at a C(PAUSE) lifecycle hook (reported in C(paused_hook)).
  A deployment that rolls back fails the task with the reason.
- I(action=continue) continues the deployment paused at a C(PAUSE) hook (ContinueServiceDeployment C(CONTINUE)) and
  waits for it as a deploy.
- I(action=rollback) rolls the deployment in progress back - at a C(PAUSE) hook with ContinueServiceDeployment
  C(ROLLBACK), otherwise with StopServiceDeployment C(ROLLBACK) - and waits until the previous revision serves again.
- Fails, changing nothing, for an unknown service, an unknown container, or no deployment to continue or roll back.
- Check mode says what would be deployed (the strategy, the lifecycle stages and the traffic steps) or acted on.
author:
- cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description: Name or ARN of the cluster.
    required: true
    type: str
  service:
    description: Name of the service.
    required: true
    type: str
  action:
    description: C(deploy), C(continue) or C(rollback).
    type: str
    choices: [deploy, continue, rollback]
    default: deploy
  image:
    description: I(action=deploy) - the image to deploy (a new revision of the service's task definition).
    type: str
  container:
    description: The container whose image I(image) replaces; default the container named after the service.
    type: str
  task_definition:
    description: I(action=deploy) - C(family), C(family:revision) or ARN to deploy instead of I(image).
    type: str
  force_new_deployment:
    description: I(action=deploy) - deploy even when the service already runs that revision.
    type: bool
    default: false
  wait:
    description: Wait until the deployment is done, paused at a C(PAUSE) hook, or rolled back.
    default: true
  wait_timeout:
    default: 1800
  wait_interval:
    description: Seconds between polls while waiting (the first polls are faster).
    type: float
    default: 5
extends_documentation_fragment:
- cloudops.ecs.wait
- cloudops.ecs.wait.timeout
- cloudops.ecs.progress
- amazon.aws.common.modules
- amazon.aws.region.modules
- amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deploy a new image of web (blue/green, as the service is configured)
  cloudops.ecs.ecs_service_deployment:
    cluster: shop-prod
    service: web
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.4.2
  register: deployed

- name: Approve the deployment paused at its PAUSE hook
  cloudops.ecs.ecs_service_deployment:
    cluster: shop-prod
    service: web
    action: continue
  when: deployed.service.paused_hook

- name: Roll it back instead
  cloudops.ecs.ecs_service_deployment:
    cluster: shop-prod
    service: web
    action: rollback
"""

RETURN = r"""
service:
  description: What was done, as a cloudops.ecs.ecs_service services item.
  returned: always
  type: dict
  contains:
    name:
      description: Service name.
      type: str
    action:
      description: C(deploy), C(continue), C(rollback) or C(none) (already on that revision).
      type: str
    task_definition_arn:
      description: Task definition deployed.
      type: str
    deployment_strategy:
      description: Strategy of the deployment.
      type: str
    stages:
      description: Lifecycle stages a deploy passes, each with its hooks.
      type: list
      elements: dict
    traffic_steps:
      description: Percent of production traffic on the new revision after each shift.
      type: list
      elements: float
    service_deployment_arn:
      description: The service deployment deployed, continued or rolled back.
      type: str
    service_deployment_status:
      description: Its status after the wait.
      type: str
    lifecycle_stage:
      description: Its lifecycle stage after the wait.
      type: str
    paused_hook:
      description: The PAUSE hook the deployment waits at (C(hook_id), C(lifecycle_stage)), if it does.
      type: dict
summary:
  description: One line on where the deployment stands (strategy, stages, traffic steps, status, a paused hook).
  returned: always
  type: str
waited_seconds:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.service_deployment import ServiceDeployment


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        service=dict(type="str", required=True),
        action=dict(type="str", choices=["deploy", "continue", "rollback"], default="deploy"),
        image=dict(type="str"),
        container=dict(type="str"),
        task_definition=dict(type="str"),
        force_new_deployment=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        wait_interval=dict(type="float", default=5),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              mutually_exclusive=[("image", "task_definition")])
    # Service events newer than the start of this run explain a failed rollout (wall-clock time).
    run_service(module, ServiceDeployment.from_module(module, started_at=time.time()))


if __name__ == "__main__":
    main()
