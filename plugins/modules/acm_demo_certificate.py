#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: acm_demo_certificate
short_description: Import a generated self-signed certificate into ACM for demos and tests
version_added: 0.1.0
description:
  - Generates an RSA 2048 key and a self-signed certificate inside the module and imports them into
    ACM, so a demo load balancer can serve HTTPS without a domain. The private key exists only in
    memory and in ACM; it is never written to disk, returned or logged.
  - The certificate is found again by its tags; it is re-imported under the same ARN (listeners keep
    working) only when it expires within I(renew_before_days).
  - Browsers and clients will not trust it. Use a real ACM certificate (DNS validated) outside demos.
author:
  - cloudops.ecs maintainers (@cloudops)
requirements:
  - cryptography
options:
  domain_name:
    description: Common name and DNS subject alternative name of the certificate.
    type: str
    required: true
  tags:
    description: Tags identifying the certificate (all must match); also applied on import.
    type: dict
    required: true
  state:
    description: C(present) imports when missing or expiring; C(absent) deletes the matching certificates.
    type: str
    choices: [present, absent]
    default: present
  validity_days:
    description: Validity of a generated certificate.
    type: int
    default: 365
  renew_before_days:
    description: Re-import when the certificate expires within this many days.
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Self-signed certificate for the local demo's HTTPS listener
  cloudops.ecs.acm_demo_certificate:
    domain_name: demo.cloudops.internal
    tags:
      Name: demo-demo-certificate
      cloudops:stack: demo
  register: demo_certificate
"""

RETURN = r"""
certificate_arn:
  description: ARN of the imported certificate (absent in check mode before the first import).
  returned: when state=present
  type: str
not_after:
  description: Expiry of the certificate (ISO 8601).
  returned: when state=present
  type: str
deleted:
  description: ARNs deleted.
  returned: when state=absent
  type: list
  elements: str
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.acm import HAS_CRYPTOGRAPHY
from ansible_collections.cloudops.ecs.plugins.module_utils.acm import DemoCertificate
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            domain_name=dict(type="str", required=True),
            tags=dict(type="dict", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            validity_days=dict(type="int", default=365),
            renew_before_days=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"))
    if not module.params["tags"]:
        module.fail_json(msg="tags must not be empty: they are how the certificate is found again")
    run_service(module, DemoCertificate.from_module(module))


if __name__ == "__main__":
    main()
