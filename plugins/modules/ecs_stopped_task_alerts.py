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
    and a C(stopCode) other than C(UserInitiated) and C(ServiceSchedulerInitiated) (deployments and
    scale-in), targeting the topic.
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

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

EXPECTED_STOP_CODES = ["UserInitiated", "ServiceSchedulerInitiated"]


def event_pattern(cluster_arn):
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "lastStatus": ["STOPPED"],
            "stopCode": [{"anything-but": EXPECTED_STOP_CODES}],
        },
    }


def topic_policy(topic_arn, rule_arn, account_id):
    partition = topic_arn.split(":")[1]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Owner", "Effect": "Allow",
             "Principal": {"AWS": "arn:%s:iam::%s:root" % (partition, account_id)},
             "Action": ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
                        "sns:ListSubscriptionsByTopic", "sns:Publish", "sns:DeleteTopic"],
             "Resource": topic_arn},
            {"Sid": "EventBridgeRule", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
             "Action": "sns:Publish", "Resource": topic_arn,
             "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}},
        ],
    }


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
    sns = module.client("sns", retry_decorator=AWSRetry.jittered_backoff())
    events = module.client("events", retry_decorator=AWSRetry.jittered_backoff())
    params = module.params
    name = params["name"]
    changes = []
    try:
        # Topic ARN without creating: the partition, region and account come from the cluster ARN.
        topic_arn = None
        paginator_topics = sns.get_paginator("list_topics")
        for page in paginator_topics.paginate():
            for topic in page.get("Topics", []):
                if topic["TopicArn"].rsplit(":", 1)[1] == name:
                    topic_arn = topic["TopicArn"]
        try:
            rule = events.describe_rule(Name=name, aws_retry=True)
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            rule = None

        if params["state"] == "absent":
            if rule is not None:
                changes.append("rule")
                if not module.check_mode:
                    targets = events.list_targets_by_rule(Rule=name, aws_retry=True).get("Targets", [])
                    if targets:
                        events.remove_targets(Rule=name, Ids=[t["Id"] for t in targets], aws_retry=True)
                    events.delete_rule(Name=name, aws_retry=True)
            if topic_arn is not None:
                changes.append("topic")
                if not module.check_mode:
                    sns.delete_topic(TopicArn=topic_arn, aws_retry=True)
            module.exit_json(changed=bool(changes), changes=changes)

        cluster_arn = params["cluster_arn"]
        arn_parts = cluster_arn.split(":")
        partition, region, account_id = arn_parts[1], arn_parts[3], arn_parts[4]
        pattern = event_pattern(cluster_arn)
        tags = params["tags"] or {}
        expected_topic_arn = topic_arn or "arn:%s:sns:%s:%s:%s" % (partition, region, account_id, name)
        expected_rule_arn = (rule or {}).get("Arn") or "arn:%s:events:%s:%s:rule/%s" % (
            partition, region, account_id, name)
        policy = topic_policy(expected_topic_arn, expected_rule_arn, account_id)

        if topic_arn is None:
            changes.append("topic created")
            if not module.check_mode:
                topic_arn = sns.create_topic(
                    Name=name, Attributes={"KmsMasterKeyId": params["kms_key_id"], "Policy": json.dumps(policy)},
                    Tags=[{"Key": k, "Value": str(v)} for k, v in tags.items()], aws_retry=True,
                )["TopicArn"]
        else:
            attributes = sns.get_topic_attributes(TopicArn=topic_arn, aws_retry=True)["Attributes"]
            if attributes.get("KmsMasterKeyId") != params["kms_key_id"]:
                changes.append("topic encryption key")
                if not module.check_mode:
                    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="KmsMasterKeyId",
                                             AttributeValue=params["kms_key_id"], aws_retry=True)
            if json.loads(attributes.get("Policy") or "{}") != policy:
                changes.append("topic policy")
                if not module.check_mode:
                    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy",
                                             AttributeValue=json.dumps(policy), aws_retry=True)

        if params["email"] and topic_arn:
            subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic_arn, aws_retry=True).get(
                "Subscriptions", [])
            if not any(s.get("Protocol") == "email" and s.get("Endpoint") == params["email"] for s in subscriptions):
                changes.append("e-mail subscription")
                if not module.check_mode:
                    sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=params["email"], aws_retry=True)
        elif params["email"]:
            changes.append("e-mail subscription")

        if rule is None or json.loads(rule.get("EventPattern") or "{}") != pattern or rule.get("State") != "ENABLED":
            changes.append("rule created" if rule is None else "rule pattern")
            if not module.check_mode:
                request = dict(Name=name, EventPattern=json.dumps(pattern), State="ENABLED",
                               Description="ECS tasks of %s stopped unexpectedly" % cluster_arn.split("/")[-1])
                if rule is None and tags:
                    request["Tags"] = [{"Key": k, "Value": str(v)} for k, v in tags.items()]
                expected_rule_arn = events.put_rule(aws_retry=True, **request)["RuleArn"]
        targets = []
        if rule is not None or not module.check_mode:
            targets = events.list_targets_by_rule(Rule=name, aws_retry=True).get("Targets", [])
        if [t.get("Arn") for t in targets] != [topic_arn or expected_topic_arn]:
            changes.append("rule target")
            if not module.check_mode:
                stale = [t["Id"] for t in targets if t.get("Arn") != topic_arn]
                if stale:
                    events.remove_targets(Rule=name, Ids=stale, aws_retry=True)
                events.put_targets(Rule=name, Targets=[{"Id": "sns", "Arn": topic_arn}], aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="Could not manage stopped-task alerts %s" % name, changes=changes)

    result = dict(changed=bool(changes), changes=changes, topic_arn=topic_arn or expected_topic_arn,
                  rule_arn=expected_rule_arn, event_pattern=pattern)
    if module._diff:
        result["diff"] = dict(before={}, after={"changes": changes}) if changes else dict(before={}, after={})
    module.exit_json(**result)


if __name__ == "__main__":
    main()
