#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ssm_parameters_info
short_description: Read the values of SSM parameters, ten per request
version_added: 0.1.0
description:
  - Reads the named SSM parameters with GetParameters (up to ten names a request), AWS's public parameters such as
    the recommended ECS-optimized AMI ids included. Read-only; runs in check mode.
  - Fails naming every parameter that does not exist.
  - The amazon.aws.ssm_parameter lookup reads one parameter per request, on the controller, with a new AWS session
    for each lookup.
  - For String and StringList parameters; SecureString values are returned as stored (not decrypted).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  names:
    description: Names (or ARNs) of the parameters; a name given twice is read once.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The recommended ECS-optimized Amazon Linux 2023 AMIs, x86_64 and arm64
  cloudops.ecs.ssm_parameters_info:
    names:
      - /aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id
      - /aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id
  register: amis
"""

RETURN = r"""
values:
  description: Name -> value of every parameter read.
  returned: success
  type: dict
  sample: {"/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id": "ami-0123456789abcdef0"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.ssm import ParameterValues


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(names=dict(type="list", elements="str", required=True)),
        supports_check_mode=True,
    )
    run_service(module, ParameterValues.from_module(module))


if __name__ == "__main__":
    main()
