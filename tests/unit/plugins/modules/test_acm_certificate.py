from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.modules import acm_certificate

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
ARGS = {"domain_name": "app.example.com", "alternative_names": ["*.app.example.com"], "validation_zone_id": "Z9",
        "stack_name": "demo"}
TAGS = [{"Key": "Name", "Value": "demo-app.example.com"}, {"Key": "cloudops:stack", "Value": "demo"}]
RECORD = {"Name": "_x.app.example.com.", "Type": "CNAME", "Value": "_y.acm-validations.aws."}


def described(status, record=True):
    validation = "SUCCESS" if status == "ISSUED" else "PENDING_VALIDATION"
    options = [dict({"DomainName": name, "ValidationStatus": validation}, **({"ResourceRecord": RECORD} if record else {}))
               for name in ("app.example.com", "*.app.example.com")]
    return {"Certificate": {"CertificateArn": ARN, "DomainName": "app.example.com", "Status": status,
                            "SubjectAlternativeNames": ["app.example.com", "*.app.example.com"],
                            "DomainValidationOptions": options}}


def test_issued_certificate_of_the_stack_is_no_change(stubs, run_module):
    acm = stubs["acm"]
    acm.add_response("list_certificates", {"CertificateSummaryList": [{"CertificateArn": ARN}]}, {"CertificateStatuses": ANY})
    acm.add_response("list_tags_for_certificate", {"Tags": TAGS}, {"CertificateArn": ARN})
    acm.add_response("describe_certificate", described("ISSUED"), {"CertificateArn": ARN})
    result, failed = run_module(acm_certificate, ARGS)
    assert not failed, result
    assert result["changed"] is False and result["certificate_arn"] == ARN and result["status"] == "ISSUED"


def test_missing_certificate_is_requested_validated_in_one_batch_and_waited_for(stubs, run_module):
    acm, route53 = stubs["acm"], stubs["route53"]
    acm.add_response("list_certificates", {"CertificateSummaryList": []}, {"CertificateStatuses": ANY})
    acm.add_response("request_certificate", {"CertificateArn": ARN}, {
        "DomainName": "app.example.com", "ValidationMethod": "DNS", "Tags": ANY, "IdempotencyToken": ANY,
        "SubjectAlternativeNames": ["app.example.com", "*.app.example.com"]})
    acm.add_response("describe_certificate", described("PENDING_VALIDATION", record=False), {"CertificateArn": ARN})
    acm.add_response("describe_certificate", described("PENDING_VALIDATION"), {"CertificateArn": ARN})
    route53.add_response("list_resource_record_sets", {"ResourceRecordSets": [], "IsTruncated": False, "MaxItems": "300"},
                         {"HostedZoneId": "Z9"})
    route53.add_response("change_resource_record_sets", {"ChangeInfo": {
        "Id": "/change/C1", "Status": "INSYNC", "SubmittedAt": "2026-01-01T00:00:00Z"}},
        {"HostedZoneId": "Z9", "ChangeBatch": {"Comment": ANY, "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": RECORD["Name"], "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": RECORD["Value"]}]}}]}})
    route53.add_response("get_change", {"ChangeInfo": {"Id": "/change/C1", "Status": "INSYNC",
                                                       "SubmittedAt": "2026-01-01T00:00:00Z"}}, {"Id": "/change/C1"})
    acm.add_response("describe_certificate", described("ISSUED"), {"CertificateArn": ARN})
    result, failed = run_module(acm_certificate, ARGS)
    assert not failed, result
    assert result["changed"] is True and result["status"] == "ISSUED"
    assert result["changes"][0] == "requested a certificate for app.example.com, *.app.example.com (DNS validation)"


def test_check_mode_reports_the_request_and_makes_nothing(stubs, run_module):
    stubs["acm"].add_response("list_certificates", {"CertificateSummaryList": []}, {"CertificateStatuses": ANY})
    result, failed = run_module(acm_certificate, ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["certificate_arn"] == ""


def test_a_failed_validation_fails_naming_the_certificate(stubs, run_module):
    acm = stubs["acm"]
    acm.add_response("list_certificates", {"CertificateSummaryList": [{"CertificateArn": ARN}]}, {"CertificateStatuses": ANY})
    acm.add_response("list_tags_for_certificate", {"Tags": TAGS}, {"CertificateArn": ARN})
    acm.add_response("describe_certificate", described("PENDING_VALIDATION"), {"CertificateArn": ARN})
    acm.add_response("describe_certificate", described("PENDING_VALIDATION"), {"CertificateArn": ARN})
    stubs["route53"].add_response("list_resource_record_sets", {"ResourceRecordSets": [
        {"Name": RECORD["Name"], "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": RECORD["Value"]}]}],
        "IsTruncated": False, "MaxItems": "300"}, {"HostedZoneId": "Z9"})
    failed_answer = described("PENDING_VALIDATION")
    failed_answer["Certificate"].update(Status="FAILED", FailureReason="CAA_ERROR")
    acm.add_response("describe_certificate", failed_answer, {"CertificateArn": ARN})
    result, failed = run_module(acm_certificate, ARGS)
    assert failed and "is FAILED: CAA_ERROR" in result["msg"]
