#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: encrypted_log_groups
short_description: CloudWatch Logs groups with a retention, encrypted with a KMS key the stack owns
version_added: 0.1.0
description:
  - Creates the log groups with their retention and KMS key, or converges the retention, the key (associating it
    with a group created without one) and, with O(tags), the tags of existing groups.
  - Without O(kms_key_arn) the groups are encrypted with a customer managed key found by O(key_alias), created
    when missing with rotation on and a key policy that lets the account administer it and the region's CloudWatch
    Logs service principal (derived from the caller's partition) use it only for the log groups of
    O(key_log_groups). An existing key gets rotation and that policy back, a disabled one is enabled, one pending
    deletion is restored.
  - With O(kms_key_arn) that key is used as is; no key is created, changed or deleted.
  - O(state=absent) deletes the listed log groups and schedules the deletion of the owned key.
  - The same key and log group handling as the VPC flow log destination of M(cloudops.ecs.vpc_network).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  log_groups:
    description: Names of the log groups.
    type: list
    elements: str
    required: true
  retention_days:
    description: Days CloudWatch Logs keeps the events of every group (a value PutRetentionPolicy accepts).
    type: int
    default: 30
  kms_key_arn:
    description: ARN of a key to encrypt with, used as is. Empty to use the key of O(key_alias).
    type: str
    default: ""
  key_alias:
    description:
      - Alias of the key the module owns (C(alias/) is added when missing). Required without O(kms_key_arn).
    type: str
  key_description:
    description: Description of the key when the module creates it.
    type: str
    default: CloudWatch Logs encryption
  key_log_groups:
    description:
      - Log group names or patterns (C(*), C(?)) CloudWatch Logs may use the owned key for, in its key policy.
        Defaults to O(log_groups). A pattern such as C(/shop/services/*) keeps the policy unchanged when groups
        come and go.
    type: list
    elements: str
  key_deletion_window_days:
    description: Days before a key scheduled for deletion (O(state=absent)) is deleted, 7 to 30.
    type: int
    default: 7
  state:
    description: C(present) to converge, C(absent) to delete the log groups and schedule the owned key's deletion.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cloudops.ecs.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Container log groups, encrypted with the stack's key
  cloudops.ecs.encrypted_log_groups:
    log_groups: [/shop/services/web, /shop/services/api]
    retention_days: 30
    key_alias: alias/shop-service-logs
    key_log_groups: [/shop/services/*]
    tags:
      cloudops:stack: shop
"""

RETURN = r"""
key_arn:
  description: ARN of the key the groups are encrypted with (empty in check mode while the owned key does not exist).
  returned: state is present
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
log_group_arns:
  description: ARNs of the log groups, in the order of O(log_groups).
  returned: state is present
  type: list
  elements: str
changes:
  description: What the run changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: ["create KMS key alias/shop-service-logs (rotation on)", "create log group /shop/services/web (KMS, 30 days)"]
api_calls:
  description: Number of AWS calls the run made.
  returned: always
  type: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import LogGroups
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            log_groups=dict(type="list", elements="str", required=True),
            retention_days=dict(type="int", default=30),
            kms_key_arn=dict(type="str", default="", no_log=False),
            key_alias=dict(type="str", no_log=False),
            key_description=dict(type="str", default="CloudWatch Logs encryption", no_log=False),
            key_log_groups=dict(type="list", elements="str", no_log=False),
            key_deletion_window_days=dict(type="int", default=7, no_log=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            **tags_argument_spec(),
        ),
        supports_check_mode=True,
    )
    run_service(module, LogGroups.from_module(module))


if __name__ == "__main__":
    main()
