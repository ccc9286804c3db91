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
      alternate_target_group_arn:
        description:
          - Second target group of an ECS blue/green, linear or canary service. The rule is created forwarding all
            traffic to I(target_group_arn) and none to this one; afterwards ECS owns the weights, and the rule is
            compared by its conditions and the set of its two groups only (either may hold the traffic).
          - A rule that changes (another condition, a second group added) keeps all traffic on the group of the two
            that the existing rule sends more traffic to, so a change never moves traffic to a group without targets.
        type: str
      forward_to:
        description:
          - With I(alternate_target_group_arn), C(both) forwards to the two groups; C(serving) forwards to one of
            them only, the one the existing rule sends more traffic to (I(target_group_arn) for a new rule, or when
            neither gets more), for a service that rolls again after traffic-shifting deployments.
          - The group chosen is returned in C(target_group_arn).
        type: str
        choices: [both, serving]
        default: both
      state:
        description:
          - C(absent) deletes the rule at this priority (only if it forwards to I(target_group_arn) or
            I(alternate_target_group_arn) when either is given).
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
    target_group_arn:
      description:
        - The group that gets all traffic of a rule created or changed, and the one chosen with
          O(rules[].forward_to=serving) (absent for a rule deleted or left alone by O(rules[].state=absent)).
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.listener_rules import ListenerRules
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            listener_arn=dict(type="str", required=True),
            rules=dict(type="list", elements="dict", required=True, options=dict(
                priority=dict(type="int", required=True),
                host_headers=dict(type="list", elements="str"),
                path_patterns=dict(type="list", elements="str"),
                target_group_arn=dict(type="str"),
                alternate_target_group_arn=dict(type="str"),
                forward_to=dict(type="str", choices=["both", "serving"], default="both"),
                state=dict(type="str", choices=["present", "absent"], default="present"),
            )),
            tags=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    run_service(module, ListenerRules.from_module(module))


if __name__ == "__main__":
    main()
