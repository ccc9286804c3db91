import datetime

from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.modules import acm_demo_certificate

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
TAGS = {"cloudops:stack": "demo"}


ISSUED_BY_ACM = ARN.replace("12345678-1234", "87654321-1234")


def listed(stubs, not_after, in_summary=True):
    """The account lists an ACM-issued certificate (its tags are not read) and the imported one."""
    acm = stubs["acm"]
    imported = dict({"CertificateArn": ARN, "DomainName": "demo.test", "Type": "IMPORTED"},
                    **({"NotAfter": not_after} if in_summary else {}))
    acm.add_response("list_certificates", {"CertificateSummaryList": [
        {"CertificateArn": ISSUED_BY_ACM, "DomainName": "app.example.com", "Type": "AMAZON_ISSUED"}, imported]},
        {"CertificateStatuses": ANY})
    acm.add_response("list_tags_for_certificate", {"Tags": [{"Key": "cloudops:stack", "Value": "demo"}]}, {"CertificateArn": ARN})
    if not in_summary:
        acm.add_response("describe_certificate", {"Certificate": {"CertificateArn": ARN, "NotAfter": not_after}},
                         {"CertificateArn": ARN})


def test_valid_certificate_is_no_change(stubs, run_module):
    listed(stubs, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=200))
    result, failed = run_module(acm_demo_certificate, {"domain_name": "demo.test", "tags": TAGS})
    assert not failed and result["changed"] is False and result["certificate_arn"] == ARN


def test_expiry_is_read_from_the_certificate_when_the_listing_lacks_it(stubs, run_module):
    listed(stubs, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=200), in_summary=False)
    result, failed = run_module(acm_demo_certificate, {"domain_name": "demo.test", "tags": TAGS})
    assert not failed and result["changed"] is False  # the stubs answer exactly the three reads


def test_expiring_certificate_in_check_mode_reports_a_renewal(stubs, run_module):
    listed(stubs, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3))
    result, failed = run_module(acm_demo_certificate, {"domain_name": "demo.test", "tags": TAGS}, check_mode=True)
    assert not failed and result == {"changed": True, "certificate_arn": ARN}


def test_missing_certificate_is_imported_with_the_tags(stubs, run_module):
    acm = stubs["acm"]
    acm.add_response("list_certificates", {"CertificateSummaryList": []})
    acm.add_response("import_certificate", {"CertificateArn": ARN},
                     {"Certificate": ANY, "PrivateKey": ANY, "Tags": [{"Key": "cloudops:stack", "Value": "demo"}]})
    acm.add_response("describe_certificate", {"Certificate": {"CertificateArn": ARN}}, {"CertificateArn": ARN})
    result, failed = run_module(acm_demo_certificate, {"domain_name": "demo.test", "tags": TAGS})
    assert not failed and result["changed"] is True and result["certificate_arn"] == ARN


def test_absent_deletes_what_matches(stubs, run_module):
    listed(stubs, datetime.datetime.now(datetime.timezone.utc))
    stubs["acm"].add_client_error("delete_certificate", "ResourceInUseException", "in use")
    result, failed = run_module(acm_demo_certificate, {"domain_name": "demo.test", "tags": TAGS, "state": "absent"})
    assert failed and "still used by a listener" in result["msg"]


def test_empty_tags_are_refused(stubs, run_module):
    result, failed = run_module(acm_demo_certificate, {"domain_name": "demo.test", "tags": {}})
    assert failed and "tags must not be empty" in result["msg"]
