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
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the drain before failing.
    type: int
    default: 600
extends_documentation_fragment:
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

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cloudops.ecs.plugins.module_utils import container_instance as ci_utils

STATUS = {"active": "ACTIVE", "draining": "DRAINING"}


def find_instance(ecs, cluster, arn=None, ec2_instance_id=None):
    if arn:
        try:
            items = ecs.describe_container_instances(aws_retry=True, cluster=cluster, containerInstances=[arn]).get(
                "containerInstances") or []
        except botocore.exceptions.ClientError:
            items = []
        return items[0] if items else None
    items = ci_utils.container_instances(ecs, cluster, [ec2_instance_id])
    return items[0] if items else None


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
    ecs = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    cluster = module.params["cluster"]
    state = module.params["state"]
    label = module.params["container_instance"] or module.params["ec2_instance_id"]
    try:
        instance = find_instance(ecs, cluster, module.params["container_instance"], module.params["ec2_instance_id"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not describe container instance %s in cluster %s" % (label, cluster))

    before = instance.get("status") if instance else "absent"
    if instance is None or before == "INACTIVE":
        if state == "deregistered":
            module.exit_json(changed=False, elapsed=0.0, diff=dict(before={"status": before}, after={"status": before}))
        module.fail_json(msg="No container instance %s in cluster %s" % (label, cluster))
    after = "absent" if state == "deregistered" else STATUS[state]
    changed = before != after
    arn = instance["containerInstanceArn"]
    diff = dict(before={"status": before}, after={"status": after})

    if state == "deregistered" and changed and not module.params["force"]:
        busy = int(instance.get("runningTasksCount") or 0) + int(instance.get("pendingTasksCount") or 0)
        if busy:
            module.fail_json(msg="%s still runs %d tasks: drain it first (state=draining) or set force=true" % (label, busy))

    if module.check_mode:
        module.exit_json(changed=changed, elapsed=0.0, diff=diff,
                         container_instance=camel_dict_to_snake_dict(dict(instance, status=after)))
    try:
        if changed and state == "deregistered":
            ecs.deregister_container_instance(aws_retry=True, cluster=cluster, containerInstance=arn,
                                              force=module.params["force"])
            module.exit_json(changed=True, elapsed=0.0, diff=diff)
        if changed:
            failures = ci_utils.set_state(ecs, cluster, [arn], STATUS[state])
            if failures:
                module.fail_json(msg="Could not set %s to %s: %s" % (label, STATUS[state], failures))
        elapsed = 0.0
        if state == "draining" and module.params["wait"]:
            done, reasons, items, elapsed = ci_utils.poll(
                lambda: ci_utils.drain_progress(ecs, cluster, [arn]), module.params["wait_timeout"])
            if not done:
                module.fail_json(
                    msg="%s did not drain within %ss: %s" % (label, module.params["wait_timeout"], "; ".join(reasons)),
                    changed=changed, elapsed=elapsed, diff=diff)
        instance = find_instance(ecs, cluster, arn) or instance
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not change container instance %s" % label)
    module.exit_json(changed=changed, elapsed=round(elapsed, 1), diff=diff,
                     container_instance=camel_dict_to_snake_dict(instance))


if __name__ == "__main__":
    main()
