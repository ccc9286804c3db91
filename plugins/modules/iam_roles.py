#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: iam_roles
short_description: A set of IAM roles with their trust, managed and inline policies and tags, in one call
version_added: 0.1.0
description:
  - Ensures each role of I(roles) exists with its trust policy, description, exactly the managed policies listed
    (others are detached), the inline policies named (null ones deleted; inline policies not named are left alone) and
    exactly its tags.
  - One module process for a whole set of roles, reading each with C(GetRole), C(ListAttachedRolePolicies) and one
    C(GetRolePolicy) per named inline policy; C(amazon.aws.iam_role) and C(amazon.aws.iam_policy) take a process and
    five to seven calls per role and policy.
  - Roles not listed are never touched, and nothing is deleted (the teardown removes a stack's roles).
  - Check mode and C(--diff) report what would be created or changed.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  roles:
    description: The roles to converge.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Role name.
        type: str
        required: true
      assume_role_policy:
        description: Trust policy (a dict or JSON text).
        type: raw
        required: true
      description:
        description: Role description (left as it is when unset).
        type: str
      managed_policies:
        description: ARNs of the managed policies attached to the role; any other is detached.
        type: list
        elements: str
        default: []
      inline_policies:
        description: Inline policies the role has, by name (each a dict or JSON text; null deletes a policy of that name).
        type: dict
        default: {}
      tags:
        description: Tags of the role; tags not listed are removed.
        type: dict
        default: {}
      path:
        description: Path of a role created by this module.
        type: str
        default: /
      instance_profile:
        description:
          - Also converge an instance profile of the same name that holds exactly this role, with the role's
            tags (for EC2 instances; one GetInstanceProfile read when nothing changes).
        type: bool
        default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Execution and task roles of two services
  cloudops.ecs.iam_roles:
    roles:
      - name: shop-web-execution
        assume_role_policy:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}]
        managed_policies: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
        tags: {cloudops:stack: shop}
      - name: shop-web-task
        assume_role_policy:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}]
        inline_policies:
          service-permissions:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::shop-assets/*"}]
"""

RETURN = r"""
roles:
  description:
    - Each role by name, with C(arn), C(role_id) (both empty in check mode for a role not created yet) and C(changed);
      with O(roles[].instance_profile), C(instance_profile_arn) (empty in check mode before it exists).
  returned: always
  type: dict
  sample: {"shop-web-task": {"arn": "arn:aws:iam::123456789012:role/shop-web-task", "role_id": "AROA...", "changed": false}}
changes:
  description: One line per role created or changed.
  returned: always
  type: list
  elements: str
api_calls:
  description: Number of IAM API calls made.
  returned: always
  type: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.iam_roles import IamRoles


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            roles=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                assume_role_policy=dict(type="raw", required=True),
                description=dict(type="str"),
                managed_policies=dict(type="list", elements="str", default=[]),
                inline_policies=dict(type="dict", default={}),
                tags=dict(type="dict", default={}),
                path=dict(type="str", default="/"),
                instance_profile=dict(type="bool", default=False),
            )),
        ),
        supports_check_mode=True,
    )
    run_service(module, IamRoles.from_module(module), description="manage IAM roles")


if __name__ == "__main__":
    main()
