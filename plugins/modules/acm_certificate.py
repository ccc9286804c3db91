#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: acm_certificate
short_description: An ACM certificate validated through DNS records in a Route 53 zone, waited for until ISSUED
version_added: 0.1.0
description:
  - Requests an ACM certificate for I(domain_name) and I(alternative_names) with DNS validation, unless a certificate
    of the stack for the same names is already ISSUED or pending validation (found by its tags).
  - Writes the validation CNAME records ACM names into the hosted zone I(validation_zone_id) in one change batch,
    waits until they are INSYNC and the certificate is ISSUED, reporting progress while it waits.
  - With I(state=absent) deletes the stack's certificates for these names and their validation records.
  - community.aws.acm_certificate imports certificates only; amazon.aws has no module that requests one, writes its
    validation records and waits for ISSUED.
  - Check mode and C(--diff) report what would change without changing anything.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  domain_name:
    description: The certificate's domain name (may be a wildcard such as C(*.example.com)).
    type: str
    required: true
  alternative_names:
    description: Further names the certificate covers.
    type: list
    elements: str
    default: []
  validation_zone_id:
    description:
      - Public hosted zone that receives the validation records. Without it the records are not written (someone
        else validates) and only the wait for ISSUED is done.
    type: str
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
  tags:
    description: Extra tags of the certificate (on top of Name and the stack tag).
    type: dict
  wait:
    description: Wait until the validation records are INSYNC and the certificate is ISSUED.
    default: true
  wait_timeout:
    default: 1800
extends_documentation_fragment:
  - cloudops.ecs.stack
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Certificate of the application's name, validated in the operator's public zone
  cloudops.ecs.acm_certificate:
    domain_name: app.example.com
    alternative_names: [www.example.com]
    validation_zone_id: Z0123456789ABCDEFGHIJ
    stack_name: shop-prod
  register: certificate
"""

RETURN = r"""
certificate_arn:
  description: ARN of the certificate (empty in check mode before it is requested, and after I(state=absent)).
  returned: always
  type: str
status:
  description: The certificate's status (C(ISSUED) after a wait).
  returned: always
  type: str
names:
  description: The names the certificate covers, the domain name first.
  returned: always
  type: list
  elements: str
changes:
  description: What changed (certificate requested or deleted, validation records written or deleted).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.acm import DnsValidatedCertificate
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service


def main():
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        alternative_names=dict(type="list", elements="str", default=[]),
        validation_zone_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        stack_name=dict(type="str", required=True),
        tags=dict(type="dict"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, DnsValidatedCertificate.from_module(module),
                description="manage the certificate of %s" % module.params["domain_name"])


if __name__ == "__main__":
    main()
