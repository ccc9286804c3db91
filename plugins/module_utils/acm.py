# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACM: a self-signed demo certificate imported once, found again by its tags, renewed before expiry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service

STATUSES = ["ISSUED", "EXPIRED", "INACTIVE", "PENDING_VALIDATION", "FAILED"]


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


def as_utc(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


class DemoCertificate(Service):
    """The imported certificates carrying every tag of the tags option."""

    SERVICES = ("acm",)

    def __init__(self, *args, **kwargs):
        self.now = kwargs.pop("now", None)
        super(DemoCertificate, self).__init__(*args, **kwargs)
        self.tags = dict((k, str(v)) for k, v in self.params["tags"].items())

    def matching(self):
        """(arn, NotAfter) of the imported certificates carrying every tag."""
        found = []
        for summary in self.paginate("acm", "list_certificates", "CertificateSummaryList",
                                     "list ACM certificates", CertificateStatuses=STATUSES):
            arn = summary["CertificateArn"]
            current = tagging.to_dict(self.call("acm", "list_tags_for_certificate", "list ACM certificates",
                                                CertificateArn=arn).get("Tags"))
            if all(current.get(k) == v for k, v in self.tags.items()):
                detail = self.call("acm", "describe_certificate", "list ACM certificates", CertificateArn=arn)["Certificate"]
                found.append((arn, detail.get("NotAfter")))
        return found

    def absent(self, found):
        if not self.check_mode:
            for arn, _expiry in found:
                self.call("acm", "delete_certificate", "delete certificate %s (still used by a listener?)" % arn,
                          CertificateArn=arn)
        return dict(changed=bool(found), deleted=[arn for arn, _expiry in found])

    def present(self, found):
        arn, not_after = found[0] if found else (None, None)
        now = self.now or datetime.datetime.now(datetime.timezone.utc)
        horizon = now + datetime.timedelta(days=self.params["renew_before_days"])
        not_after = as_utc(not_after)
        if arn and not_after and not_after > horizon:
            return dict(changed=False, certificate_arn=arn, not_after=not_after.isoformat())
        if self.check_mode:
            return dict(changed=True, certificate_arn=arn)
        cert_pem, key_pem = generate(self.params["domain_name"], self.params["validity_days"])
        request = {"Certificate": cert_pem, "PrivateKey": key_pem}
        if arn:
            request["CertificateArn"] = arn
        else:
            request["Tags"] = tagging.to_list(self.tags)
        arn = self.call("acm", "import_certificate", "import the demo certificate", **request)["CertificateArn"]
        detail = self.call("acm", "describe_certificate", "import the demo certificate", CertificateArn=arn)["Certificate"]
        not_after = detail.get("NotAfter")
        return dict(changed=True, certificate_arn=arn, not_after=not_after.isoformat() if not_after else None)

    def run(self):
        found = self.matching()
        if self.params["state"] == "absent":
            return self.absent(found)
        return self.present(found)
