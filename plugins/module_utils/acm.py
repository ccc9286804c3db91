# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACM: a self-signed demo certificate imported once, found again by its tags, renewed before expiry; and a
certificate validated through DNS records in a Route 53 zone, waited for until ISSUED."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import importlib.util
import uuid

# cryptography is imported only to make a certificate: importing it costs about 0.2 s of CPU, which every run that
# finds its certificate current would otherwise pay
HAS_CRYPTOGRAPHY = importlib.util.find_spec("cryptography") is not None

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.route53 import Route53
from ansible_collections.cloudops.ecs.plugins.module_utils.route53 import describe_change
from ansible_collections.cloudops.ecs.plugins.module_utils.route53 import plan_changes

STATUSES = ["ISSUED", "EXPIRED", "INACTIVE", "PENDING_VALIDATION", "FAILED"]


def generate(domain_name, days):
    """A fresh RSA key and a self-signed certificate for `domain_name`, both PEM bytes."""
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

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


def certificates_tagged(owner, certificate_type, tags):
    """The ListCertificates summaries of the certificates of `certificate_type` (IMPORTED, AMAZON_ISSUED) carrying every
    tag: only their tags are read, one request per certificate of that type."""
    found = []
    for summary in owner.paginate("acm", "list_certificates", "CertificateSummaryList", "list ACM certificates",
                                  CertificateStatuses=STATUSES):
        if summary.get("Type", certificate_type) != certificate_type:
            continue
        current = tagging.to_dict(owner.call("acm", "list_tags_for_certificate", "list ACM certificates",
                                             CertificateArn=summary["CertificateArn"]).get("Tags"))
        if all(current.get(k) == v for k, v in tags.items()):
            found.append(summary)
    return found


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
        for summary in certificates_tagged(self, "IMPORTED", self.tags):
            arn = summary["CertificateArn"]
            not_after = summary.get("NotAfter") or self.call(
                "acm", "describe_certificate", "list ACM certificates", CertificateArn=arn)["Certificate"].get("NotAfter")
            found.append((arn, not_after))
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


# -- DNS-validated certificates ---------------------------------------------------------------------------------------

LIVE_STATUSES = ("ISSUED", "PENDING_VALIDATION")


def wanted_names(domain_name, alternative_names):
    """The certificate's names: the domain first, then the other names, each once, lower case."""
    names = [domain_name.lower().rstrip(".")]
    for name in alternative_names or []:
        name = name.lower().rstrip(".")
        if name not in names:
            names.append(name)
    return names


def covers(pattern, name):
    """Whether a certificate name covers a host name: equal, or `*.zone` for exactly one label under zone."""
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern == name:
        return True
    return pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]


def matches(certificate, names):
    """Whether a described certificate is the one asked for: same domain, same set of names."""
    have = [certificate.get("DomainName", "").lower()] + [n.lower() for n in certificate.get("SubjectAlternativeNames") or []]
    return have[0] == names[0] and set(have) == set(names)


def validation_changes(certificate, action="UPSERT"):
    """The CNAME changes that validate a certificate, one per distinct record (a domain and its wildcard share
    one)."""
    seen, changes = set(), []
    for option in certificate.get("DomainValidationOptions") or []:
        record = option.get("ResourceRecord")
        if not record or record["Name"] in seen:
            continue
        seen.add(record["Name"])
        changes.append({"Action": action, "ResourceRecordSet": {"Name": record["Name"], "Type": record["Type"], "TTL": 300,
                                                                "ResourceRecords": [{"Value": record["Value"]}]}})
    return changes


def idempotency_token(stack_name, names, run_id):
    """One token per module run: a request retried within the run returns the certificate the first attempt made,
    while a run after a teardown requests a new one (ACM keeps tokens for an hour, also for deleted certificates). A
    run after an interruption finds the first run's certificate by its tags (set with the request)."""
    return hashlib.sha256(("%s|%s|%s" % (stack_name, ",".join(names), run_id)).encode("utf-8")).hexdigest()[:32]


class DnsValidatedCertificate(Route53):
    """The acm_certificate module: a certificate requested with DNS validation, its validation records in a hosted
    zone (one change batch, INSYNC), and the wait for ISSUED."""

    SERVICES = ("acm", "route53")

    def __init__(self, *args, **kwargs):
        super(DnsValidatedCertificate, self).__init__(*args, **kwargs)
        self.changes = []
        self.names = wanted_names(self.params["domain_name"], self.params.get("alternative_names"))
        self.tags = tagging.stack_tags(self.params["stack_name"], self.params.get("tags"),
                                       name="%s-%s" % (self.params["stack_name"], self.names[0]))

    def tagged(self):
        """The described certificates carrying every tag of the stack's certificate for these names."""
        return [self.describe(summary["CertificateArn"])
                for summary in certificates_tagged(self, "AMAZON_ISSUED", self.tags)]

    def describe(self, arn):
        return self.call("acm", "describe_certificate", "read certificate %s" % arn, CertificateArn=arn)["Certificate"]

    def present(self):
        p = self.params
        live = [c for c in self.tagged() if matches(c, self.names) and c.get("Status") in LIVE_STATUSES]
        live.sort(key=lambda c: (c.get("Status") != "ISSUED", str(c.get("CreatedAt") or "")))
        certificate = live[0] if live else None
        if certificate is None:
            self.changes.append("requested a certificate for %s (DNS validation)" % ", ".join(self.names))
            if self.check_mode:
                return self._result(None)
            request = {"DomainName": self.names[0], "ValidationMethod": "DNS", "Tags": tagging.to_list(self.tags),
                       "IdempotencyToken": idempotency_token(p["stack_name"], self.names, uuid.uuid4().hex)}
            if len(self.names) > 1:
                request["SubjectAlternativeNames"] = self.names
            arn = self.call("acm", "request_certificate", "request a certificate for %s" % self.names[0], **request)["CertificateArn"]
            certificate = self.describe(arn)
        arn = certificate["CertificateArn"]
        if certificate.get("Status") != "ISSUED":
            certificate = self._validate(certificate)
        return self._result(certificate)

    def _validate(self, certificate):
        """Validation records in the zone (ACM names them a few seconds after the request), then ISSUED."""
        p = self.params
        arn = certificate["CertificateArn"]

        def named():
            current = self.describe(arn)
            options = current.get("DomainValidationOptions") or []
            waiting = [o.get("DomainName") for o in options if not o.get("ResourceRecord")]
            return bool(options) and not waiting, ["validation record of %s not named yet" % n for n in waiting], current

        certificate = self.wait(named, "ACM to name the validation records of %s" % arn).value
        if p.get("validation_zone_id"):
            wanted = [c["ResourceRecordSet"] for c in validation_changes(certificate)]
            changes = plan_changes(self.record_sets(p["validation_zone_id"]), wanted)
            self.changes.extend(describe_change(c) for c in changes)
            if self.progress and changes:
                self.progress("certificate %s: writing %d validation record(s) in hosted zone %s"
                              % (self.names[0], len(changes), p["validation_zone_id"]))
            self.change_records(p["validation_zone_id"], changes, "validation of %s" % self.names[0], wait=p["wait"])
        if not p["wait"] or self.check_mode:
            return certificate

        def issued():
            current = self.describe(arn)
            status = current.get("Status")
            if status not in LIVE_STATUSES:
                raise CloudopsError(message="certificate %s for %s is %s%s" % (
                    arn, self.names[0], status, ": %s" % current["FailureReason"] if current.get("FailureReason") else ""),
                    certificate_arn=arn)
            pending = [o["DomainName"] for o in current.get("DomainValidationOptions") or []
                       if o.get("ValidationStatus") != "SUCCESS"]
            return status == "ISSUED", ["%s is %s (validation pending for %s)" % (arn, status, ", ".join(pending) or "-")], current

        return self.wait(issued, "certificate %s to be ISSUED" % self.names[0]).value

    def absent(self):
        p = self.params
        for certificate in self.tagged():
            if p.get("validation_zone_id"):
                wanted = [c["ResourceRecordSet"] for c in validation_changes(certificate)]
                changes = plan_changes(self.record_sets(p["validation_zone_id"]), wanted, "absent")
                self.changes.extend(describe_change(c) for c in changes)
                self.change_records(p["validation_zone_id"], changes, "validation of %s removed" % self.names[0], wait=p["wait"])
            self.changes.append("deleted certificate %s" % certificate["CertificateArn"])
            if not self.check_mode:
                self.call("acm", "delete_certificate", "delete certificate %s (still used by a listener?)"
                          % certificate["CertificateArn"], CertificateArn=certificate["CertificateArn"])
        return self._result(None)

    def _result(self, certificate):
        return dict(changed=bool(self.changes), changes=self.changes, names=self.names,
                    certificate_arn=(certificate or {}).get("CertificateArn", ""),
                    status=(certificate or {}).get("Status", ""))

    def run(self):
        return self.run_by_state("certificate %s" % self.names[0])
