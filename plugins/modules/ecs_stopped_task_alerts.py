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
    C(events.amazonaws.com) publishing only from the rule, C(cloudwatch.amazonaws.com) only from the account's
    alarms; principals of the topic's partition), its subscriptions, and an
    EventBridge rule matching C(ECS Task State Change) events of one cluster with C(lastStatus) C(STOPPED)
    and either a C(stopCode) other than C(UserInitiated) and C(ServiceSchedulerInitiated), or
    C(ServiceSchedulerInitiated) with a C(stoppedReason) beginning C(Task failed ELB health checks) or
    C(Task failed container health checks), targeting the topic. The scheduler's other stops (deployments,
    scale-in, drains) and users' stops do not match.
  - A rule with another pattern (such as the one of earlier versions, which left out every
    C(ServiceSchedulerInitiated) stop) is updated in place.
  - The KMS key policy must let C(events.amazonaws.com) and C(cloudwatch.amazonaws.com) use the key
    (C(kms:GenerateDataKey*), C(kms:Decrypt)).
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
    description: KMS key (ARN, id or alias) encrypting the topic. With I(state=present), this or I(kms_key) is required.
    type: str
  email:
    description: E-mail address subscribed to the topic (the subscription waits for confirmation).
    type: str
  subscriptions:
    description:
      - The topic's subscriptions, each with C(protocol) (C(email), C(email-json), C(https), C(sqs) or C(lambda)) and
        C(endpoint) (address, URL, queue ARN or function ARN). Missing ones are subscribed; with
        O(purge_subscriptions) the others are unsubscribed. Unset leaves the subscriptions alone (but O(email)).
      - A subscription pending confirmation (e-mail, HTTPS) counts as present and is reported in a warning and in
        RV(pending_confirmation); it cannot be unsubscribed until confirmed (AWS drops it after three days).
      - The subscriber's side is not managed here. An SQS queue needs a queue policy allowing C(sns.amazonaws.com)
        C(sqs:SendMessage) with C(aws:SourceArn) the topic (and, the topic being KMS-encrypted, the queue's key usable
        by SNS); a Lambda function needs a resource policy (lambda add-permission) allowing C(sns.amazonaws.com)
        C(lambda:InvokeFunction) from the topic.
    type: list
    elements: dict
    suboptions:
      protocol:
        description: Delivery protocol.
        type: str
        required: true
        choices: [email, email-json, https, sqs, lambda]
      endpoint:
        description: Where to deliver.
        type: str
        required: true
  purge_subscriptions:
    description: With O(subscriptions), unsubscribe the confirmed subscriptions that are not in it.
    type: bool
    default: true
  tags:
    description: Tags on the topic and the rule.
    type: dict
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cloudops.ecs.owned_key
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
key_arn:
  description: ARN of the key encrypting the topic (with I(kms_key); its alias in check mode before it exists).
  returned: when state=present
  type: str
pending_confirmation:
  description: Endpoints whose subscription waits for confirmation.
  returned: when state=present
  type: list
  elements: str
changes:
  description: What was (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
"""


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.kms import owned_key_argument_spec
from ansible_collections.cloudops.ecs.plugins.module_utils.stopped_task_alerts import StoppedTaskAlerts


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            cluster_arn=dict(type="str"),
            kms_key_id=dict(type="str"),
            **owned_key_argument_spec(),
            email=dict(type="str"),
            subscriptions=dict(type="list", elements="dict", options=dict(
                protocol=dict(type="str", required=True, choices=["email", "email-json", "https", "sqs", "lambda"]),
                endpoint=dict(type="str", required=True))),
            purge_subscriptions=dict(type="bool", default=True),
            tags=dict(type="dict"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["cluster_arn"]), ("state", "present", ["kms_key_id", "kms_key"], True)],
        mutually_exclusive=[("kms_key_id", "kms_key")],
        supports_check_mode=True,
    )
    run_service(module, StoppedTaskAlerts.from_module(module))


if __name__ == "__main__":
    main()
