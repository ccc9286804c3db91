#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_container_instance
short_description: Drain, reactivate or deregister an ECS container instance
version_added: 0.1.0
description:
  - Sets an ECS container instance C(ACTIVE) or C(DRAINING), or deregisters it, found by its container
    instance ARN (or ID) or by its EC2 instance ID.
  - With O(wait=true) and O(state=draining) the module waits until every service task has left the
    instance (ECS starts replacements elsewhere first, within the services' deployment configuration),
    and fails after O(wait_timeout) seconds naming the tasks still there, instead of hanging.
  - Standalone tasks (not started by a service) are not stopped by draining and are not waited for.
  - Supports check mode and diff mode (the status before and after).
notes:
  - Scale-in through a capacity provider with managed draining enabled drains instances the same way
    on its own; this module is for manual drains and for the rolling replacement.
  - community.aws has no module for container-instance draining.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description: Name or ARN of the ECS cluster.
    type: str
    required: true
  container_instance:
    description: ARN or ID of the container instance. One of O(container_instance) and O(ec2_instance_id) is required.
    type: str
  ec2_instance_id:
    description: EC2 instance ID of the container instance.
    type: str
  state:
    description:
      - C(active) makes the instance take tasks again, C(draining) moves its service tasks away,
        C(deregistered) removes it from the cluster.
    type: str
    choices: [active, draining, deregistered]
    default: draining
  force:
    description: With O(state=deregistered), deregister even while tasks still run on the instance.
    type: bool
    default: false
  wait:
    description: With O(state=draining), wait until the service tasks have left the instance.
    default: true
extends_documentation_fragment:
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Drain one instance and wait until its service tasks have moved
  cloudops.ecs.ecs_container_instance:
    cluster: shop-prod
    ec2_instance_id: i-0123456789abcdef0
    state: draining
    wait_timeout: 900

- name: Put it back into service
  cloudops.ecs.ecs_container_instance:
    cluster: shop-prod
    ec2_instance_id: i-0123456789abcdef0
    state: active
"""

RETURN = r"""
container_instance:
  description: The container instance after the change (DescribeContainerInstances item, snake_case keys).
  returned: when the instance exists
  type: dict
  sample: {"container_instance_arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/web/abc",
           "ec2_instance_id": "i-0123456789abcdef0", "status": "DRAINING", "running_tasks_count": 0}
elapsed:
  description: Seconds spent waiting for the drain.
  returned: always
  type: float
  sample: 42.5
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.container_instance import ContainerInstanceState


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        container_instance=dict(type="str"),
        ec2_instance_id=dict(type="str"),
        state=dict(type="str", default="draining", choices=["active", "draining", "deregistered"]),
        force=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[["container_instance", "ec2_instance_id"]],
        mutually_exclusive=[["container_instance", "ec2_instance_id"]],
    )
    run_service(module, ContainerInstanceState.from_module(module))


if __name__ == "__main__":
    main()
