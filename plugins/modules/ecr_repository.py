#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecr_repository
short_description: An ECR repository with tag immutability, scan on push, KMS encryption, lifecycle policy and tags
version_added: 0.1.0
description:
  - Ensures the ECR repository I(name) exists with I(image_tag_mutability), I(scan_on_push), the encryption it was
    created with (I(encryption_type), I(kms_key)), I(lifecycle_policy) and I(tags); or, with I(state=absent), that it
    does not.
  - Encryption is set when a repository is created and cannot change; a repository encrypted otherwise than asked
    fails the module, naming both, rather than being replaced with its images.
  - Check mode and C(--diff) report what would change without changing anything.
  - community.aws.ecs_ecr has no tags, so the stack's teardown (which finds repositories by the stack tag) would not
    find its repositories.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Repository name.
    type: str
    required: true
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
  image_tag_mutability:
    description: C(IMMUTABLE) refuses a push that would move an existing tag.
    type: str
    choices: [MUTABLE, IMMUTABLE]
    default: IMMUTABLE
  scan_on_push:
    description: Scan every pushed image for vulnerabilities.
    type: bool
    default: true
  encryption_type:
    description: C(KMS) (with I(kms_key), else the AWS managed key C(aws/ecr)) or C(AES256).
    type: str
    choices: [KMS, AES256]
    default: KMS
  kms_key:
    description: KMS key (ARN, id or alias) of a C(KMS) repository.
    type: str
  lifecycle_policy:
    description: Lifecycle policy (the ECR JSON document as a dict or text); not given, the current one is kept.
    type: raw
  force_delete:
    description: With I(state=absent), delete the repository even when it holds images.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The api image repository of the stack
  cloudops.ecs.ecr_repository:
    name: shop-prod/api
    kms_key: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    lifecycle_policy:
      rules:
        - rulePriority: 1
          description: untagged images expire after 7 days
          selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 7}
          action: {type: expire}
    tags:
      cloudops:stack: shop-prod
"""

RETURN = r"""
repository_uri:
  description: URI to push to and pull from (empty in check mode before creation, and after I(state=absent)).
  returned: when state is present
  type: str
  sample: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-prod/api
repository_arn:
  description: ARN of the repository.
  returned: when state is present
  type: str
changes:
  description: What changed (C(created), C(image_tag_mutability), C(scan_on_push), C(lifecycle_policy), C(tags), C(deleted)).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.ecr_repository import EcrRepository
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE"], default="IMMUTABLE"),
            scan_on_push=dict(type="bool", default=True),
            encryption_type=dict(type="str", choices=["KMS", "AES256"], default="KMS"),
            kms_key=dict(type="str", no_log=False),
            lifecycle_policy=dict(type="raw"),
            force_delete=dict(type="bool", default=False),
            **tags_argument_spec(("resource_tags",)),
        ),
        supports_check_mode=True,
    )
    run_service(module, EcrRepository.from_module(module),
                description="manage the ECR repository %s" % module.params["name"])


if __name__ == "__main__":
    main()
