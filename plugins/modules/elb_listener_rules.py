#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: elb_listener_rules
short_description: Forward rules on an existing ALB listener, one per priority
version_added: 0.1.0
description:
  - Creates, updates or deletes forward rules (host-header and/or path-pattern conditions to one target
    group) on an existing Application Load Balancer listener, without touching the listener itself or any
    rule at a priority not listed. Several rules in one call (one DescribeRules).
  - A rule is identified by its priority. An existing rule at that priority with other conditions or
    another target group is modified in place.
  - Supports check mode and diff mode.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  listener_arn:
    description: ARN of the listener.
    required: true
    type: str
  rules:
    description: Rules to manage.
    required: true
    type: list
    elements: dict
    suboptions:
      priority:
        description: Rule priority (1-50000), unique on the listener.
        required: true
        type: int
      host_headers:
        description: Host names (C(host-header) condition).
        type: list
        elements: str
      path_patterns:
        description: Path patterns (C(path-pattern) condition).
        type: list
        elements: str
      target_group_arn:
        description: Target group the rule forwards to. Required when I(state=present).
        type: str
      state:
        description: C(absent) deletes the rule at this priority (only if it forwards to I(target_group_arn) when that is given).
        type: str
        choices: [present, absent]
        default: present
  tags:
    description: Tags for rules this module creates.
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Route api.example.com/* to the api target group
  cloudops.ecs.elb_listener_rules:
    listener_arn: "{{ cloudops_load_balancer.https_listener_arn }}"
    rules:
      - priority: 10
        host_headers: [api.example.com]
        path_patterns: ["/*"]
        target_group_arn: "{{ api_tg_arn }}"
    tags:
      cloudops:stack: shop-prod
"""

RETURN = r"""
rules:
  description: One entry per requested rule.
  returned: always
  type: list
  elements: dict
  contains:
    priority:
      description: Priority.
      type: int
    rule_arn:
      description: ARN of the rule (absent for a rule created in check mode or deleted).
      type: str
    action:
      description: C(create), C(modify), C(delete) or C(none).
      type: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def desired_conditions(rule):
    conditions = []
    if rule.get("host_headers"):
        conditions.append({"Field": "host-header", "HostHeaderConfig": {"Values": list(rule["host_headers"])}})
    if rule.get("path_patterns"):
        conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": list(rule["path_patterns"])}})
    return conditions


def canonical_conditions(conditions):
    result = []
    for condition in conditions or []:
        field = condition.get("Field")
        config = condition.get("HostHeaderConfig") if field == "host-header" else condition.get("PathPatternConfig")
        values = (config or {}).get("Values") or condition.get("Values") or []
        result.append((field, tuple(sorted(values))))
    return sorted(result)


def forward_target(actions):
    for action in actions or []:
        if action.get("Type") == "forward":
            if action.get("TargetGroupArn"):
                return action["TargetGroupArn"]
            groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
            if len(groups) == 1:
                return groups[0].get("TargetGroupArn")
    return None


@AWSRetry.jittered_backoff()
def _describe_rules_page(client, **kwargs):
    return client.describe_rules(**kwargs)


def describe_rules(client, listener_arn):
    rules, marker = [], None
    while True:
        kwargs = {"ListenerArn": listener_arn}
        if marker:
            kwargs["Marker"] = marker
        page = _describe_rules_page(client, **kwargs)
        rules.extend(page.get("Rules", []))
        marker = page.get("NextMarker")
        if not marker:
            return rules


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            listener_arn=dict(type="str", required=True),
            rules=dict(type="list", elements="dict", required=True, options=dict(
                priority=dict(type="int", required=True),
                host_headers=dict(type="list", elements="str"),
                path_patterns=dict(type="list", elements="str"),
                target_group_arn=dict(type="str"),
                state=dict(type="str", choices=["present", "absent"], default="present"),
            )),
            tags=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    listener_arn = module.params["listener_arn"]
    for index, rule in enumerate(module.params["rules"]):
        if rule["state"] == "present" and not rule.get("target_group_arn"):
            module.fail_json(msg="rules[%d].target_group_arn is required when state=present" % index)
        if rule["state"] == "present" and not (rule.get("host_headers") or rule.get("path_patterns")):
            module.fail_json(msg="rules[%d]: set host_headers and/or path_patterns" % index)
        if not 1 <= rule["priority"] <= 50000:
            module.fail_json(msg="rules[%d].priority=%d is out of range: use 1-50000" % (index, rule["priority"]))
    try:
        existing = describe_rules(client, listener_arn)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="Could not describe rules of listener %s" % listener_arn)
    by_priority = dict((str(r.get("Priority")), r) for r in existing if not r.get("IsDefault"))

    results, before, after = [], {}, {}
    tags = [{"Key": k, "Value": str(v)} for k, v in (module.params["tags"] or {}).items()]
    try:
        for rule in module.params["rules"]:
            priority = str(rule["priority"])
            current = by_priority.get(priority)
            view = None
            if current is not None:
                view = {"conditions": canonical_conditions(current.get("Conditions")),
                        "target_group_arn": forward_target(current.get("Actions"))}
            if rule["state"] == "absent":
                if current is None or (rule.get("target_group_arn") and view["target_group_arn"] != rule["target_group_arn"]):
                    results.append(dict(priority=rule["priority"], action="none"))
                    continue
                before[priority], after[priority] = view, None
                if not module.check_mode:
                    client.delete_rule(RuleArn=current["RuleArn"], aws_retry=True)
                results.append(dict(priority=rule["priority"], action="delete"))
                continue
            conditions = desired_conditions(rule)
            actions = [{"Type": "forward", "TargetGroupArn": rule["target_group_arn"]}]
            wanted = {"conditions": canonical_conditions(conditions), "target_group_arn": rule["target_group_arn"]}
            if current is None:
                before[priority], after[priority] = None, wanted
                arn = None
                if not module.check_mode:
                    request = dict(ListenerArn=listener_arn, Priority=rule["priority"], Conditions=conditions,
                                   Actions=actions)
                    if tags:
                        request["Tags"] = tags
                    arn = client.create_rule(aws_retry=True, **request)["Rules"][0]["RuleArn"]
                results.append(dict(priority=rule["priority"], action="create", rule_arn=arn))
            elif view != wanted:
                before[priority], after[priority] = view, wanted
                if not module.check_mode:
                    client.modify_rule(RuleArn=current["RuleArn"], Conditions=conditions, Actions=actions,
                                       aws_retry=True)
                results.append(dict(priority=rule["priority"], action="modify", rule_arn=current["RuleArn"]))
            else:
                results.append(dict(priority=rule["priority"], action="none", rule_arn=current["RuleArn"]))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="Could not manage rules of listener %s" % listener_arn, rules=results)

    output = dict(changed=any(r["action"] != "none" for r in results), rules=results)
    if module._diff:
        output["diff"] = dict(before=before, after=after)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
