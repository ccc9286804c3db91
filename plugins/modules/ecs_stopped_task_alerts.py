#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ecs_stopped_task_alerts
short_description: Alert on ECS tasks that stop unexpectedly (EventBridge rule to a KMS-encrypted SNS topic)
version_added: 0.1.0
description:
  - Manages, in one call, an SNS topic encrypted with a KMS key, its policy (the owning account, and
    C(events.amazonaws.com) publishing only from the rule), an optional e-mail subscription, and an
    EventBridge rule matching C(ECS Task State Change) events of one cluster with C(lastStatus) C(STOPPED)
    and either a C(stopCode) other than C(UserInitiated) and C(ServiceSchedulerInitiated), or
    C(ServiceSchedulerInitiated) with a C(stoppedReason) beginning C(Task failed ELB health checks) or
    C(Task failed container health checks), targeting the topic. The scheduler's other stops (deployments,
    scale-in, drains) and users' stops do not match.
  - A rule with another pattern (such as the one of earlier versions, which left out every
    C(ServiceSchedulerInitiated) stop) is updated in place.
  - The KMS key policy must let C(events.amazonaws.com) use the key (C(kms:GenerateDataKey*), C(kms:Decrypt)).
  - Idempotent; check mode and diff supported. I(state=absent) removes the rule and the topic.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Name of the topic and of the rule.
    required: true
    type: str
  cluster_arn:
    description: ARN of the cluster whose tasks are watched. Required when I(state=present).
    type: str
  kms_key_id:
    description: KMS key (ARN, id or alias) encrypting the topic. Required when I(state=present).
    type: str
  email:
    description: E-mail address subscribed to the topic (the subscription waits for confirmation).
    type: str
  tags:
    description: Tags on the topic and the rule.
    type: dict
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Alert on unexpectedly stopped tasks
  cloudops.ecs.ecs_stopped_task_alerts:
    name: shop-prod-stopped-tasks
    cluster_arn: "{{ cloudops_cluster.cluster_arn }}"
    kms_key_id: "{{ alerts_key.key_arn }}"
    email: oncall@example.com
    tags:
      cloudops:stack: shop-prod
"""

RETURN = r"""
topic_arn:
  description: ARN of the SNS topic.
  returned: when state=present
  type: str
rule_arn:
  description: ARN of the EventBridge rule.
  returned: when state=present
  type: str
event_pattern:
  description: The rule's event pattern.
  returned: when state=present
  type: dict
changes:
  description: What was (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
"""


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.stopped_task_alerts import StoppedTaskAlerts


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            cluster_arn=dict(type="str"),
            kms_key_id=dict(type="str"),
            email=dict(type="str"),
            tags=dict(type="dict"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["cluster_arn", "kms_key_id"])],
        supports_check_mode=True,
    )
    run_service(module, StoppedTaskAlerts.from_module(module))


if __name__ == "__main__":
    main()
