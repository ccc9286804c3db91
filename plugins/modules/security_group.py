#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: security_group
short_description: Security groups a role owns, with their rules and tags, one or several in one call
version_added: 0.1.0
description:
  - Creates a VPC security group with its description, tags and rules, converges an existing one, or deletes it.
    O(security_groups) converges several groups in one module process.
  - Ingress rules are converged to O(rules); with O(purge_rules=false) missing rules are only added, for a group
    another role adds its own rules to (see M(cloudops.ecs.security_group_rules)). Egress rules are always converged
    to O(egress_rules), which is empty by default, so a new group's allow-all egress rule is revoked.
  - A rule's description is updated in place when it differs. A group's description cannot change in EC2; a
    different one only warns.
  - Every group of a call is read with one DescribeSecurityGroups and one DescribeSecurityGroupRules.
  - Idempotent; check mode and diff supported. In check mode a group that does not exist yet has an empty id.
notes:
  - amazon.aws.ec2_security_group makes five to six requests per group on a run that changes nothing (the caller
    identity and the group's tags among them) and converges one group per module process.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Name of the group. Required unless O(security_groups) is given.
    type: str
  description:
    description: Description of the group; required to create it.
    type: str
  vpc_id:
    description:
      - The VPC of the group; required with O(state=present).
      - With O(state=absent) and no VPC, the group is looked up by name in every VPC.
    type: str
  rules:
    description: Ingress rules.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: IP protocol (C(tcp), C(udp), C(icmp) or C(-1) for all).
        type: str
        default: tcp
      from_port:
        description: First port.
        type: int
        required: true
      to_port:
        description: Last port (default O(rules[].from_port)).
        type: int
      cidr_ip:
        description: IPv4 CIDR peer (or O(rules[].source_group_id)).
        type: str
      source_group_id:
        description: Security group peer (or O(rules[].cidr_ip)).
        type: str
      description:
        description: Rule description.
        type: str
  egress_rules:
    description: Egress rules; the default (none) lets nothing out.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: IP protocol (C(tcp), C(udp), C(icmp) or C(-1) for all).
        type: str
        default: tcp
      from_port:
        description: First port.
        type: int
        required: true
      to_port:
        description: Last port (default O(egress_rules[].from_port)).
        type: int
      cidr_ip:
        description: IPv4 CIDR peer (or O(egress_rules[].source_group_id)).
        type: str
      source_group_id:
        description: Security group peer (or O(egress_rules[].cidr_ip)).
        type: str
      description:
        description: Rule description.
        type: str
  purge_rules:
    description: Revoke ingress rules not in O(rules). Egress rules are always converged.
    type: bool
    default: true
  tags:
    description: Tags of the group. Omitted (null) = tags are left alone.
    type: dict
  security_groups:
    description:
      - Several groups, each a dict of the options of one group above (O(name), O(description), O(vpc_id),
        O(rules), O(egress_rules), O(purge_rules), O(tags); O(name) required, O(description) to create it),
        converged in order in one module process; the options of a single group are then not given.
    type: list
    elements: dict
  purge_tags:
    description: Remove tags not listed in a group's tags (never C(aws:) tags). No effect when its tags are omitted.
    type: bool
    default: true
  state:
    description: C(present) creates or converges the groups; C(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Security group of the database, MySQL from the ECS instances only, nothing out
  cloudops.ecs.security_group:
    name: shop-database
    description: Aurora MySQL of shop
    vpc_id: "{{ cloudops_network.vpc_id }}"
    rules:
      - from_port: 3306
        source_group_id: "{{ cloudops_network.security_groups.ecs_instances }}"
        description: MySQL from the ECS instances
    tags:
      cloudops:stack: shop
      Name: shop-database

- name: The task security groups of two services in one call
  cloudops.ecs.security_group:
    security_groups:
      - name: shop-web-tasks
        description: Tasks of the shop-web service
        vpc_id: "{{ cloudops_network.vpc_id }}"
        rules:
          - from_port: 8080
            source_group_id: "{{ cloudops_network.security_groups.alb }}"
      - name: shop-worker-tasks
        description: Tasks of the shop-worker service
        vpc_id: "{{ cloudops_network.vpc_id }}"

- name: Delete a group
  cloudops.ecs.security_group:
    name: shop-database
    vpc_id: "{{ cloudops_network.vpc_id }}"
    state: absent
"""

RETURN = r"""
group_id:
  description: The group's id (single group); empty when deleted, or created in check mode.
  returned: always
  type: str
security_groups:
  description: Each group in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name.
      type: str
    vpc_id:
      description: VPC.
      type: str
    group_id:
      description: Id; empty for a group created in check mode.
      type: str
    changed:
      description: Whether this group changed.
      type: bool
changes:
  description: What changed, one line each.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.security_groups import GROUP_OPTIONS, SecurityGroups


def main():
    spec = dict((name, dict(option, required=False)) for name, option in GROUP_OPTIONS.items())
    spec.update(security_groups=dict(type="list", elements="dict"),
                purge_tags=dict(type="bool", default=True),
                state=dict(type="str", choices=["present", "absent"], default="present"))
    module = AnsibleAWSModule(argument_spec=spec, supports_check_mode=True,
                              mutually_exclusive=[("name", "security_groups")],
                              required_one_of=[("name", "security_groups")])
    run_service(module, SecurityGroups.from_module(module), description="converge the security groups")


if __name__ == "__main__":
    main()
