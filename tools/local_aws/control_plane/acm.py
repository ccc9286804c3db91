"""ACM certificates validated through DNS, as the ACM User Guide (DNS validation) describes them.

moto issues a requested certificate when a wall-clock minute has passed, whether or not anyone created the
validation record. Here an AMAZON_ISSUED certificate stays PENDING_VALIDATION until every CNAME its
DescribeCertificate names in DomainValidationOptions[].ResourceRecord exists (name and value) in a Route 53 hosted
zone of the account; it is ISSUED `acm_dns_validation` (plane time) after they all exist, and VALIDATION_TIMED_OUT
when they are still missing `acm_validation_timeout` (72 hours on AWS) after the request. A record removed before
issue starts the wait again.
"""
from moto import settings as moto_settings
from moto.acm.models import acm_backends
from moto.route53.models import route53_backends

from local_aws.control_plane.core import Component
from local_aws.control_plane.moto_patch import backends

# moto's own wall-clock issue never happens: this component decides
NEVER = 10 ** 12


def _fqdn(name):
    return (name or "").rstrip(".").lower() + "."


def validation_records(cert):
    """{(name, value)} of the CNAMEs a certificate waits for."""
    options = cert.describe()["Certificate"].get("DomainValidationOptions") or []
    return {(_fqdn(o["ResourceRecord"]["Name"]), _fqdn(o["ResourceRecord"]["Value"]))
            for o in options if o.get("ResourceRecord")}


def zone_cnames(account_id):
    """{(name, value)} of every CNAME in the account's hosted zones."""
    found = set()
    backend = dict.get(route53_backends, account_id)
    if not backend:
        return found
    for regional in list(dict.values(backend)):
        for zone in list(regional.zones.values()):
            for rrset in zone.rrsets:
                if (rrset.type or "").upper() == "CNAME":
                    found.update((_fqdn(rrset.name), _fqdn(value)) for value in rrset.records)
    return found


class Acm(Component):
    name = "acm"

    def __init__(self, plane):
        super().__init__(plane)
        moto_settings.ACM_VALIDATION_WAIT = NEVER
        self.requested = {}  # arn -> plane time first seen pending
        self.validated = {}  # arn -> plane time every record was first seen

    def reset(self):
        self.requested.clear()
        self.validated.clear()

    def tick(self, now):
        cnames = {}
        for account, _region, backend in backends(acm_backends):
            for arn, cert in list(backend._certificates.items()):
                if cert.type != "AMAZON_ISSUED" or cert.status != "PENDING_VALIDATION":
                    self.requested.pop(arn, None)
                    self.validated.pop(arn, None)
                    continue
                requested = self.requested.setdefault(arn, now)
                if account not in cnames:
                    cnames[account] = zone_cnames(account)
                if validation_records(cert) <= cnames[account]:
                    since = self.validated.setdefault(arn, now)
                    if now - since >= self.plane.delay("acm_dns_validation"):
                        cert.status = "ISSUED"
                else:
                    self.validated.pop(arn, None)
                    if now - requested >= self.plane.delay("acm_validation_timeout"):
                        cert.status = "VALIDATION_TIMED_OUT"
