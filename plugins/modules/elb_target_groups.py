#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: elb_target_groups
short_description: Target groups of an Application Load Balancer, converged together in one call
version_added: 0.1.0
description:
  - Creates, updates in place or deletes several target groups. Registered targets are never touched (ECS registers
    and deregisters the targets of its services).
  - Reads every group with one DescribeTargetGroups by name (a listing when one of them does not exist yet), their
    tags with one DescribeTags per 20 groups, and the attributes of a group only when
    O(target_groups[].deregistration_delay) is given. Only the settings given are compared.
  - What a target group is created with and cannot change (protocol, VPC, target type) fails with the group's
    name and the fix; another port only warns, as ECS registers each target with its own port.
  - Idempotent; check mode and diff supported. In check mode a group that does not exist yet has an empty ARN.
notes:
  - community.aws.elb_target_group converges one group per module process, reads it with three calls, and cannot
    leave the targets alone and report them in check mode at the same time.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  target_groups:
    description: The target groups.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the target group (at most 32 characters).
        type: str
        required: true
      state:
        description: C(absent) deletes the group (which fails while a listener rule or a service uses it).
        type: str
        choices: [present, absent]
        default: present
      protocol:
        description: Protocol of the targets.
        type: str
        choices: [HTTP, HTTPS]
        default: HTTP
      port:
        description: Default port of the targets. Required with O(target_groups[].state=present).
        type: int
      vpc_id:
        description: VPC of the targets. Required with O(target_groups[].state=present).
        type: str
      target_type:
        description: C(instance) for bridge and host network tasks, C(ip) for awsvpc tasks.
        type: str
        choices: [instance, ip]
        default: instance
      health_check:
        description: Health check settings; the ones left out are not compared.
        type: dict
        suboptions:
          protocol:
            description: Protocol of the health check.
            type: str
            choices: [HTTP, HTTPS]
          port:
            description: Port of the health check, or C(traffic-port).
            type: str
          path:
            description: Path of the health check.
            type: str
          interval:
            description: Seconds between two checks.
            type: int
          timeout:
            description: Seconds before a check fails.
            type: int
          healthy_threshold:
            description: Successful checks before a target is healthy.
            type: int
          unhealthy_threshold:
            description: Failed checks before a target is unhealthy.
            type: int
          matcher:
            description: HTTP codes of a healthy response, such as C(200-399).
            type: str
      deregistration_delay:
        description: Seconds a deregistering target keeps its connections; not compared when left out.
        type: int
      tags:
        description: Tags of the group; not compared when left out.
        type: dict
      purge_tags:
        description: Remove the tags not in O(target_groups[].tags).
        type: bool
        default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The target groups of a blue/green service
  cloudops.ecs.elb_target_groups:
    target_groups:
      - name: shop-prod-web
        port: 8080
        vpc_id: vpc-0123456789abcdef0
        health_check: {path: /health, interval: 15, matcher: 200-399}
        deregistration_delay: 30
        tags: {cloudops:stack: shop-prod}
      - name: shop-prod-web-alt
        port: 8080
        vpc_id: vpc-0123456789abcdef0
        health_check: {path: /health, interval: 15, matcher: 200-399}
        deregistration_delay: 30
        tags: {cloudops:stack: shop-prod}
  register: groups

- name: Delete a group nothing forwards to any more
  cloudops.ecs.elb_target_groups:
    target_groups:
      - {name: shop-prod-old, state: absent}
"""

RETURN = r"""
target_groups:
  description: One entry per group, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    target_group_name:
      description: Name.
      type: str
    target_group_arn:
      description: ARN; empty for a group deleted, or created in check mode.
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
from ansible_collections.cloudops.ecs.plugins.module_utils.target_groups import TargetGroups

HEALTH_CHECK = dict(
    protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
    port=dict(type="str"),
    path=dict(type="str"),
    interval=dict(type="int"),
    timeout=dict(type="int"),
    healthy_threshold=dict(type="int"),
    unhealthy_threshold=dict(type="int"),
    matcher=dict(type="str"),
)
TARGET_GROUP = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    protocol=dict(type="str", choices=["HTTP", "HTTPS"], default="HTTP"),
    port=dict(type="int"),
    vpc_id=dict(type="str"),
    target_type=dict(type="str", choices=["instance", "ip"], default="instance"),
    health_check=dict(type="dict", options=HEALTH_CHECK),
    deregistration_delay=dict(type="int"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(target_groups=dict(type="list", elements="dict", required=True, options=TARGET_GROUP,
                                              required_if=[("state", "present", ("port", "vpc_id"))])),
        supports_check_mode=True,
    )
    run_service(module, TargetGroups.from_module(module), description="converge the target groups")


if __name__ == "__main__":
    main()
