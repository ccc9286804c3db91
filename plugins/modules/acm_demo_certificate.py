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

import datetime

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def generate(domain_name, days):
    """A fresh RSA key and a self-signed certificate for `domain_name`, both PEM bytes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def matching(module, client, tags):
    """(arn, NotAfter) of the imported certificates carrying every tag in `tags`."""
    found = []
    try:
        paginator = client.get_paginator("list_certificates")
        summaries = paginator.paginate(CertificateStatuses=["ISSUED", "EXPIRED", "INACTIVE", "PENDING_VALIDATION", "FAILED"]).build_full_result()
        for summary in summaries.get("CertificateSummaryList", []):
            arn = summary["CertificateArn"]
            current = boto3_tag_list_to_ansible_dict(client.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags", []))
            if all(current.get(k) == v for k, v in tags.items()):
                detail = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
                found.append((arn, detail.get("NotAfter")))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Unable to list ACM certificates")
    return found


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
    client = module.client("acm", retry_decorator=AWSRetry.jittered_backoff())
    tags = dict((k, str(v)) for k, v in module.params["tags"].items())
    found = matching(module, client, tags)

    if module.params["state"] == "absent":
        if not module.check_mode:
            for arn, _expiry in found:
                try:
                    client.delete_certificate(aws_retry=True, CertificateArn=arn)
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    module.fail_json_aws(e, msg="Unable to delete certificate %s (still used by a listener?)" % arn)
        module.exit_json(changed=bool(found), deleted=[arn for arn, _expiry in found])

    arn, not_after = found[0] if found else (None, None)
    horizon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=module.params["renew_before_days"])
    if not_after is not None and not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=datetime.timezone.utc)
    if arn and not_after and not_after > horizon:
        module.exit_json(changed=False, certificate_arn=arn, not_after=not_after.isoformat())
    if module.check_mode:
        module.exit_json(changed=True, certificate_arn=arn)
    cert_pem, key_pem = generate(module.params["domain_name"], module.params["validity_days"])
    request = {"Certificate": cert_pem, "PrivateKey": key_pem}
    if arn:
        request["CertificateArn"] = arn
    else:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    try:
        arn = client.import_certificate(aws_retry=True, **request)["CertificateArn"]
        detail = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Unable to import the demo certificate")
    not_after = detail.get("NotAfter")
    module.exit_json(changed=True, certificate_arn=arn, not_after=not_after.isoformat() if not_after else None)


if __name__ == "__main__":
    main()
