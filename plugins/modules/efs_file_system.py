#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_file_system
short_description: Encrypted EFS file system with one mount target per subnet
version_added: 0.1.0
description:
  - Creates, converges or deletes an EFS file system identified by its creation token, with its mount targets
    (one per subnet, each with the given security groups) and tags.
  - Reads tags from DescribeFileSystems and changes them with the current EFS tagging API (TagResource, UntagResource).
  - Waits (with a deadline, no fixed sleep) until the file system and its mount targets are available, or gone.
notes:
  - community.aws.efs still calls the deprecated DescribeTags/CreateTags EFS actions and cannot manage the backup
    policy; this module converges it with the file system (C(cloudops.ecs.efs_backup_policy) does it alone).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Creation token of the file system (also its C(Name) tag unless O(tags) sets one).
    type: str
    required: true
  state:
    description: Whether the file system should exist.
    type: str
    choices: [present, absent]
    default: present
  kms_key_id:
    description: KMS key of the (always encrypted) file system; omitted = the AWS managed key. Fixed at creation.
    type: str
  performance_mode:
    description: Performance mode, fixed at creation.
    type: str
    choices: [generalPurpose, maxIO]
    default: generalPurpose
  throughput_mode:
    description: Throughput mode.
    type: str
    choices: [bursting, elastic]
    default: elastic
  backup:
    description: Automatic backups (the AWS Backup default plan), set at creation and converged on an existing file system.
    type: bool
    default: true
  mount_targets:
    description: One entry per subnet; mount targets in other subnets are deleted.
    type: list
    elements: dict
    default: []
    suboptions:
      subnet_id:
        description: Subnet of the mount target.
        type: str
        required: true
      security_groups:
        description: Security groups of the mount target.
        type: list
        elements: str
        required: true
extends_documentation_fragment:
  - cloudops.ecs.tags
  - cloudops.ecs.wait.timeout
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Shared file system in every private subnet
  cloudops.ecs.efs_file_system:
    name: shop-prod-shared
    mount_targets:
      - subnet_id: subnet-0a
        security_groups: [sg-efs]
      - subnet_id: subnet-0b
        security_groups: [sg-efs]
    tags:
      Environment: prod
"""

RETURN = r"""
file_system:
  description: The file system (snake case), empty when absent.
  returned: always
  type: dict
  contains:
    file_system_id:
      description: Id.
      type: str
    life_cycle_state:
      description: State.
      type: str
mount_targets:
  description: Mount targets (subnet_id, mount_target_id, ip_address, security_groups).
  returned: always
  type: list
  elements: dict
changes:
  description: What was (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.efs import FileSystem
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            kms_key_id=dict(type="str"),
            performance_mode=dict(type="str", choices=["generalPurpose", "maxIO"], default="generalPurpose"),
            throughput_mode=dict(type="str", choices=["bursting", "elastic"], default="elastic"),
            backup=dict(type="bool", default=True),
            mount_targets=dict(type="list", elements="dict", default=[], options=dict(
                subnet_id=dict(type="str", required=True),
                security_groups=dict(type="list", elements="str", required=True),
            )),
            **tags_argument_spec(),
            wait_timeout=dict(type="int", default=600),
        ),
        supports_check_mode=True,
    )
    run_service(module, FileSystem.from_module(module))


if __name__ == "__main__":
    main()
