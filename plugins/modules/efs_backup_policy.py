#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_backup_policy
short_description: Turn automatic AWS Backup of an EFS file system on or off
version_added: 0.1.0
description:
  - Reads the backup policy of an EFS file system and sets it only when it differs (one describe call
    when nothing changes). Check mode and C(--diff) report the change.
  - community.aws.efs cannot manage the backup policy.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  file_system_id:
    description: Id of the file system.
    type: str
    required: true
  enabled:
    description: Whether automatic backups (the AWS Backup default plan) are on.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Back up the shared file system automatically
  cloudops.ecs.efs_backup_policy:
    file_system_id: "{{ efs.efs.file_system_id }}"
    enabled: true
"""

RETURN = r"""
status:
  description: Backup policy status after the run (ENABLED, ENABLING, DISABLED, DISABLING).
  returned: always
  type: str
  sample: ENABLED
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.efs import BackupPolicy


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(file_system_id=dict(type="str", required=True), enabled=dict(type="bool", default=True)),
        supports_check_mode=True,
    )
    run_service(module, BackupPolicy.from_module(module))


if __name__ == "__main__":
    main()
