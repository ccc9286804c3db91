#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: platform_preflight
short_description: Check every role's inputs, and what they name in AWS, before anything changes
version_added: 0.1.0
description:
  - Runs first in C(site.yml), C(verify.yml), C(roll_instances.yml) and C(teardown.yml), and at the start of each
    role used alone. Its action plugin reads the inputs of the roles in I(roles) (their variables, role defaults
    applied; facts a role earlier in the run will publish stand in as planned values), validates them against each
    role's C(meta/argument_specs.yml) and the role's own rules (C(plugins/module_utils/validation.py)), and fails
    listing every bad input with the variable, its value and the fix, before any AWS call.
  - Then, unless I(aws_checks=false), this module makes read-only AWS calls to check that the region and AZs exist; each
    instance type exists, is offered in the chosen AZs and matches the AMI architecture; the DB instance class
    is orderable for the engine version; a given certificate is ISSUED and covers the listener hosts; given KMS
    keys, secrets, subnets (with enough free addresses) and an existing VPC exist; an existing VPC has DNS support
    and hostnames on when private-DNS endpoints go in it; the endpoint services are offered in the region.
  - Never changes anything; check mode runs the same checks.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  roles:
    description:
      - Roles (entry points as C(role:entry), e.g. C(ecs_cluster:capacity_providers)) whose inputs to check, in the
        order the play runs them. Read by the action plugin.
    type: list
    elements: str
    default: []
  playbook:
    description: Inputs of a day-2 playbook to check as well (C(verify), C(instance_roll), C(teardown), C(deploy)).
    type: str
  aws_checks:
    description: Make the read-only AWS checks after the input rules passed.
    type: bool
    default: true
  checks:
    description: The read-only checks to make (built by the action plugin from the inputs; internal).
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Pre-flight of the whole platform (no change anywhere unless every input is right)
  cloudops.ecs.platform_preflight:
    roles: [network, endpoints, database, load_balancer, ecs_cluster, ecs_instances, "ecs_cluster:capacity_providers",
            services]

- name: Pre-flight of one role used alone, without the AWS checks
  cloudops.ecs.platform_preflight:
    roles: [database]
    aws_checks: false
"""

RETURN = r"""
problems:
  description: Every bad input found (empty when the pre-flight passed); each has C(variable), C(value), C(fix), C(message).
  returned: always
  type: list
  elements: dict
api_calls:
  description: Number of AWS API calls the checks made.
  returned: always
  type: int
seconds:
  description: Time the pre-flight took (input rules and AWS checks).
  returned: always
  type: float
caller:
  description:
  - The identity the checks ran as (GetCallerIdentity) - C(account), C(arn), C(user_id) as
    amazon.aws.aws_caller_info returns them, and C(partition) - so a playbook reads it once, here.
  returned: when the AWS checks ran and the region exists
  type: dict
  sample: {"account": "123456789012", "arn": "arn:aws:iam::123456789012:user/deployer", "user_id": "AIDA...", "partition": "aws"}
facts:
  description: What the checks learned, e.g. C(azs) (the AZs the network will use) and C(vpc_cidr) of an existing VPC.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.preflight import PreflightChecks


def main():
    argument_spec = dict(
        roles=dict(type="list", elements="str", default=[]),
        playbook=dict(type="str"),
        aws_checks=dict(type="bool", default=True),
        checks=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, PreflightChecks.from_module(module), description="run the read-only pre-flight checks")


if __name__ == "__main__":
    main()
