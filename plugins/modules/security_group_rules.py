#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: security_group_rules
short_description: Add or remove a role's own rules on a security group other roles share
version_added: 0.1.0
description:
  - Ensures the given ingress (or egress) rules exist on an existing security group, or revokes
    them, leaving every other rule alone. One describe call and at most one authorize and one
    revoke call per run; no fixed sleeps.
  - With I(owner_marker), rules of this direction whose description starts with the marker and that
    are no longer listed are revoked, so a role can drop ports it stopped using.
  - With I(security_groups), converges the rules of several security groups in one module process.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  group_id:
    description: The security group. Required unless I(security_groups) is given.
    type: str
  security_groups:
    description:
      - Several security groups, each a dict of the options of one (I(group_id), I(rules), I(owner_marker), ...),
        converged in order in one module process; the other options are then ignored.
    type: list
    elements: dict
  egress:
    description: Manage egress rules instead of ingress rules.
    type: bool
    default: false
  rules:
    description: Rules.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: IP protocol.
        type: str
        default: tcp
      from_port:
        description: First port.
        type: int
        required: true
      to_port:
        description: Last port (default I(from_port)).
        type: int
      cidr_ip:
        description: IPv4 CIDR peer (or I(source_group_id)).
        type: str
      source_group_id:
        description: Security group peer (or I(cidr_ip)).
        type: str
      description:
        description: Rule description (start it with I(owner_marker)).
        type: str
  owner_marker:
    description: Description prefix of the rules this caller owns (see description).
    type: str
  state:
    description: C(present) adds missing rules; C(absent) revokes the listed rules.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let the ALB reach bridge-mode tasks on the instances
  cloudops.ecs.security_group_rules:
    group_id: "{{ cloudops_network.security_groups.ecs_instances }}"
    owner_marker: "cloudops:load_balancer"
    rules:
      - from_port: 32768
        to_port: 65535
        source_group_id: "{{ cloudops_network.security_groups.alb }}"
        description: "cloudops:load_balancer dynamic host ports from the ALB"
"""

RETURN = r"""
authorized:
  description: Rules added (or that would be in check mode).
  returned: always
  type: list
  elements: dict
revoked:
  description: Security group rule ids revoked (or that would be).
  returned: always
  type: list
  elements: str
security_groups:
  description: With I(security_groups), the result of each group in the same order (the keys above).
  returned: with I(security_groups)
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import batch_argument_spec, run_one_or_many
from ansible_collections.cloudops.ecs.plugins.module_utils.sg_rules import RULE_OPTIONS, SecurityGroupRules

OPTIONS = dict(
    group_id=dict(type="str", required=True),
    egress=dict(type="bool", default=False),
    rules=dict(type="list", elements="dict", default=[], options=RULE_OPTIONS),
    owner_marker=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def main():
    module = AnsibleAWSModule(argument_spec=batch_argument_spec(OPTIONS, "security_groups", key="group_id"),
                              supports_check_mode=True, mutually_exclusive=[("group_id", "security_groups")])
    run_one_or_many(module, SecurityGroupRules, OPTIONS, "security_groups", key="group_id")


if __name__ == "__main__":
    main()
