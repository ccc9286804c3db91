"""ACM DNS validation on the local AWS, against the ACM User Guide (DNS validation): a requested certificate stays
PENDING_VALIDATION until the CNAME record each DomainValidationOptions entry names exists in a hosted zone, is
ISSUED once they all do, and times out (VALIDATION_TIMED_OUT) after 72 hours without them. The clock is frozen:
nothing happens unless the test moves plane time."""
import uuid

EARLY = 0.01  # plane seconds short of a transition


def _zone(route53, name):
    return route53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]


def _status(acm, arn):
    return acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]


def _records(acm, arn):
    options = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"]
    return {o["DomainName"]: o["ResourceRecord"] for o in options}


def _upsert(route53, zone, records):
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": r["Name"], "Type": r["Type"], "TTL": 300,
                                                   "ResourceRecords": [{"Value": r["Value"]}]}} for r in records]})


def test_issued_only_once_every_validation_record_exists(client, clock):
    acm, route53 = client("acm"), client("route53")
    domain = f"dns-{uuid.uuid4().hex[:6]}.example.test"
    zone = _zone(route53, domain)
    arn = acm.request_certificate(DomainName=f"app.{domain}", SubjectAlternativeNames=[f"app.{domain}", f"*.{domain}"],
                                  ValidationMethod="DNS")["CertificateArn"]
    records = _records(acm, arn)
    assert set(records) == {f"app.{domain}", f"*.{domain}"}
    assert all(r["Type"] == "CNAME" for r in records.values())
    clock.advance(clock.scaled(3600), step=1)  # an hour without records: moto alone would have issued it after a minute
    assert _status(acm, arn) == "PENDING_VALIDATION"

    _upsert(route53, zone, [records[f"app.{domain}"]])  # one of two names
    clock.advance(clock.scaled(3600), step=1)
    assert _status(acm, arn) == "PENDING_VALIDATION"

    _upsert(route53, zone, [records[f"*.{domain}"]])
    clock.advance(0)  # a tick sees the records now
    clock.advance(clock.delay("acm_dns_validation") - EARLY)
    assert _status(acm, arn) == "PENDING_VALIDATION"
    clock.advance(2 * EARLY)
    certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert certificate["Status"] == "ISSUED"
    assert {o["ValidationStatus"] for o in certificate["DomainValidationOptions"]} == {"SUCCESS"}
    assert arn in {c["CertificateArn"] for c in acm.list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"]}


def test_a_record_with_another_value_does_not_validate(client, clock):
    acm, route53 = client("acm"), client("route53")
    domain = f"dns-{uuid.uuid4().hex[:6]}.example.test"
    zone = _zone(route53, domain)
    arn = acm.request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]
    record = dict(_records(acm, arn)[domain], Value="_something-else.example.test.")
    _upsert(route53, zone, [record])
    clock.advance(clock.scaled(3600), step=1)
    assert _status(acm, arn) == "PENDING_VALIDATION"


def test_pending_validation_times_out_after_72_hours(client, clock):
    acm = client("acm")
    arn = acm.request_certificate(DomainName=f"dns-{uuid.uuid4().hex[:6]}.example.test",
                                  ValidationMethod="DNS")["CertificateArn"]
    timeout = clock.delay("acm_validation_timeout")
    clock.advance(timeout - 1, step=timeout / 4)
    assert _status(acm, arn) == "PENDING_VALIDATION"
    clock.advance(2, step=2)
    assert _status(acm, arn) == "VALIDATION_TIMED_OUT"


def test_imported_certificates_are_issued_at_once(client):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imported.example.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    acm = client("acm")
    arn = acm.import_certificate(Certificate=cert.public_bytes(serialization.Encoding.PEM), PrivateKey=key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))[
        "CertificateArn"]
    assert _status(acm, arn) == "ISSUED"
