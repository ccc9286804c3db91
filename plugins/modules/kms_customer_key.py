#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kms_customer_key
short_description: A customer managed KMS key found by its alias, with rotation always on
version_added: 0.1.0
description:
  - Creates the key with its alias, key policy and tags and turns automatic rotation on, or converges an
    existing one - enables a disabled key, cancels a scheduled deletion, turns rotation back on, and updates
    the description, key policy and tags where they differ. A converged key costs three to four reads
    (DescribeKey, GetKeyRotationStatus, GetKeyPolicy when O(policy) is given, ListResourceTags when O(tags)
    is given) and no write.
  - O(state=absent) schedules the deletion of the key the alias points at (after O(pending_window) days).
  - amazon.aws.kms_key makes about a dozen requests per key on every run (grants, every policy, aliases);
    a platform run converges several keys.
  - Check mode and C(--diff) report each change.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  alias:
    description: Alias of the key, with or without the C(alias/) prefix.
    type: str
    required: true
  description:
    description: Description of the key. Omitted = a new key gets an empty one, an existing one keeps its own.
    type: str
  policy:
    description:
      - Key policy document (JSON text or a dict). Omitted = a new key gets the KMS default key policy (the
        account administers the key), an existing one keeps its policy.
    type: json
  state:
    description: Whether the key should exist (V(absent) schedules its deletion).
    type: str
    choices: [present, absent]
    default: present
  pending_window:
    description: Days before a key scheduled for deletion is deleted (7 to 30).
    type: int
    default: 30
extends_documentation_fragment:
  - cloudops.ecs.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Key of the database, rotating
  cloudops.ecs.kms_customer_key:
    alias: alias/shop-database
    description: Aurora storage encryption of shop
    tags:
      cloudops:stack: shop

- name: Schedule its deletion in 30 days
  cloudops.ecs.kms_customer_key:
    alias: alias/shop-database
    state: absent
"""

RETURN = r"""
key_arn:
  description: ARN of the key (empty in check mode before it exists, and when V(absent) found no key).
  returned: always
  type: str
  sample: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
key_id:
  description: Id of the key (empty when there is none).
  returned: always
  type: str
alias:
  description: The alias, with the C(alias/) prefix.
  returned: always
  type: str
  sample: alias/shop-database
changes:
  description: What changed (or would in check mode), in words.
  returned: always
  type: list
  elements: str
api_calls:
  description: AWS requests the module made.
  returned: always
  type: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.kms import KeyService
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            alias=dict(type="str", required=True),
            description=dict(type="str"),
            policy=dict(type="json"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            pending_window=dict(type="int", default=30),
            **tags_argument_spec()
        ),
        supports_check_mode=True,
    )
    if not 7 <= module.params["pending_window"] <= 30:
        module.fail_json(msg="pending_window = %s: KMS deletes a key after 7 to 30 days; give a number in that range"
                         % module.params["pending_window"])
    run_service(module, KeyService.from_module(module))


if __name__ == "__main__":
    main()
