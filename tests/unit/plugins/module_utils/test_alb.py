"""ALB planning: attribute drift with AWS defaults, listener plans that ignore AWS-added defaults."""
from ansible_collections.cloudops.ecs.plugins.module_utils import alb

NOT_FOUND = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "Not Found"}}
REDIRECT = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def test_missing_attributes_compare_with_aws_defaults():
    current = [{"Key": "deletion_protection.enabled", "Value": "false"}]
    assert alb.attribute_changes(current, {"deletion_protection.enabled": False, "idle_timeout.timeout_seconds": 60}) == []
    assert alb.attribute_changes(current, {"routing.http.drop_invalid_header_fields.enabled": True}) == [
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}]


def test_attribute_drift_is_reported_as_strings():
    current = [{"Key": "deletion_protection.enabled", "Value": "true"}, {"Key": "idle_timeout.timeout_seconds", "Value": "60"}]
    assert alb.attribute_changes(current, {"deletion_protection.enabled": False, "idle_timeout.timeout_seconds": 120}) == [
        {"Key": "deletion_protection.enabled", "Value": "false"}, {"Key": "idle_timeout.timeout_seconds", "Value": "120"}]


def aws_listener(port, protocol, actions, arn, **extra):
    listener = {"Port": port, "Protocol": protocol, "DefaultActions": actions, "ListenerArn": arn}
    listener.update(extra)
    return listener


def test_aws_added_redirect_defaults_are_not_drift():
    current = [aws_listener(80, "HTTP", [{"Type": "redirect", "Order": 1, "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}", "StatusCode": "HTTP_301"}}], "l80")]
    desired = [{"Port": 80, "Protocol": "HTTP", "DefaultActions": [REDIRECT]}]
    assert alb.listener_plan(current, desired) == {"create": [], "modify": [], "delete": []}


def test_listener_plan_creates_modifies_and_purges_by_port():
    current = [
        aws_listener(80, "HTTP", [NOT_FOUND], "l80"),
        aws_listener(443, "HTTPS", [NOT_FOUND], "l443", SslPolicy="ELBSecurityPolicy-2016-08", Certificates=[{"CertificateArn": CERT}]),
        aws_listener(8080, "HTTP", [NOT_FOUND], "l8080"),
    ]
    https = {"Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
             "Certificates": [{"CertificateArn": CERT}], "DefaultActions": [NOT_FOUND]}
    http = {"Port": 80, "Protocol": "HTTP", "DefaultActions": [REDIRECT]}
    plan = alb.listener_plan(current, [http, https])
    assert plan["create"] == []
    assert [arn for arn, _spec in plan["modify"]] == ["l80", "l443"]
    assert plan["delete"] == ["l8080"]
    assert alb.listener_plan(current, [http, https], purge=False)["delete"] == []
    assert alb.listener_plan([], [http])["create"] == [http]


def test_certificate_and_status_code_types():
    current = [aws_listener(443, "HTTPS", [NOT_FOUND], "l", SslPolicy="p", Certificates=[{"CertificateArn": "other"}])]
    desired = {"Port": 443, "Protocol": "HTTPS", "SslPolicy": "p", "Certificates": [{"CertificateArn": CERT}], "DefaultActions": [NOT_FOUND]}
    assert alb.listener_plan(current, [desired])["modify"][0][0] == "l"
    numeric = {"Port": "443", "Protocol": "HTTPS", "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": 404}}]}
    assert alb.listener_matches(current[0], numeric)


def test_certificate_arn_checks():
    assert alb.certificate_arn_problem(CERT, "aws", "us-east-1") is None
    assert "not an ACM certificate ARN" in alb.certificate_arn_problem("arn:aws:iam::123456789012:server-certificate/x")
    assert "partition aws, not aws-cn" in alb.certificate_arn_problem(CERT, "aws-cn")
    assert "region us-east-1, not eu-west-1" in alb.certificate_arn_problem(CERT, "aws", "eu-west-1")
