#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_access_point
short_description: An EFS access point with its own root directory and POSIX user, found by name
version_added: 0.1.0
description:
  - Ensures one access point named I(name) (its C(Name) tag) exists on a file system, rooted at I(root_directory)
    (created with I(posix_user) as owner and mode C(0750) when missing) and forcing I(posix_user) for every
    client, so each ECS service gets its own directory and identity on a shared file system.
  - Access points cannot be modified; when the root directory or the POSIX user differ, a new access point is
    created and the old one deleted (tasks then need a new task definition revision, which the services role
    registers because the access point id changes).
  - One describe call when nothing changes; check mode and C(--diff) report the change.
  - Neither amazon.aws nor community.aws manage EFS access points.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Name of the access point (its C(Name) tag, and the idempotency token of its creation).
    type: str
    required: true
  file_system_id:
    description: File system of the access point.
    type: str
    required: true
  root_directory:
    description: Directory of the file system the access point exposes as C(/). Required with I(state=present).
    type: str
  posix_user:
    description: The POSIX identity every request through the access point uses (C(uid), C(gid)).
    type: dict
    suboptions:
      uid:
        description: User id.
        type: int
        required: true
      gid:
        description: Group id.
        type: int
        required: true
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The api service's directory on the stack's file system
  cloudops.ecs.efs_access_point:
    name: shop-prod-api-data
    file_system_id: fs-0123456789abcdef0
    root_directory: /api/data
    posix_user: {uid: 1000, gid: 1000}
    tags:
      cloudops:stack: shop-prod
"""

RETURN = r"""
access_point_id:
  description: Id of the access point (empty after I(state=absent), or in check mode before creation).
  returned: always
  type: str
  sample: fsap-0123456789abcdef0
access_point_arn:
  description: ARN of the access point.
  returned: when it exists
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.efs import AccessPoint
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            file_system_id=dict(type="str", required=True),
            root_directory=dict(type="str"),
            posix_user=dict(type="dict", options=dict(uid=dict(type="int", required=True),
                                                      gid=dict(type="int", required=True))),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            **tags_argument_spec(("resource_tags",)),
        ),
        required_if=[("state", "present", ["root_directory"])],
        supports_check_mode=True,
    )
    run_service(module, AccessPoint.from_module(module), description="manage access point %s" % module.params["name"])


if __name__ == "__main__":
    main()
