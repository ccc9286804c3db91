from ansible_collections.cloudops.ecs.plugins.module_utils import acm
from ansible_collections.cloudops.ecs.plugins.module_utils import route53
from ansible_collections.cloudops.ecs.plugins.module_utils import route53_records

ALIAS = {"dns_name": "Demo-ALB-1.us-east-1.elb.amazonaws.com", "hosted_zone_id": "Z35SXDOTRQ7X7K"}


def test_names_are_made_absolute_in_the_zone_and_compared_as_route53_returns_them():
    assert route53.fqdn("db", "demo.internal") == "db.demo.internal."
    assert route53.fqdn("DB.demo.internal.", "demo.internal") == "db.demo.internal."
    assert route53.fqdn("demo.internal", "demo.internal.") == "demo.internal."
    assert route53.fqdn("\\052.example.com") == "*.example.com."
    assert route53.zone_id("/hostedzone/Z123") == "Z123"


def test_record_sets_of_values_and_of_an_alias():
    assert route53.record_set({"name": "db", "type": "CNAME", "values": ["w.rds.test"]}, "demo.internal") == {
        "Name": "db.demo.internal.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "w.rds.test"}]}
    assert route53.record_set({"name": "alb", "alias": ALIAS}, "demo.internal") == {
        "Name": "alb.demo.internal.", "Type": "A", "AliasTarget": {
            "HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": "demo-alb-1.us-east-1.elb.amazonaws.com.",
            "EvaluateTargetHealth": False}}


def test_plan_upserts_only_what_is_missing_or_differs():
    wanted = [route53.record_set({"name": "db", "type": "CNAME", "values": ["w.rds.test"]}, "demo.internal"),
              route53.record_set({"name": "alb", "alias": ALIAS}, "demo.internal")]
    as_returned = [{"Name": "db.demo.internal.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "w.rds.test."}]},
                   {"Name": "alb.demo.internal.", "Type": "A", "AliasTarget": {
                       "HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": "demo-alb-1.us-east-1.elb.amazonaws.com.",
                       "EvaluateTargetHealth": False}}]
    assert route53.plan_changes(as_returned, wanted) == []
    moved = [dict(as_returned[0], ResourceRecords=[{"Value": "r.rds.test"}]), as_returned[1]]
    assert [c["ResourceRecordSet"]["Name"] for c in route53.plan_changes(moved, wanted)] == ["db.demo.internal."]
    assert [c["Action"] for c in route53.plan_changes([], wanted)] == ["UPSERT", "UPSERT"]


def test_absent_deletes_exactly_what_exists():
    existing = {"Name": "app.example.com.", "Type": "A", "AliasTarget": {
        "HostedZoneId": "Z1", "DNSName": "old.elb.test.", "EvaluateTargetHealth": False}}
    wanted = [route53.record_set({"name": "app", "alias": ALIAS}, "example.com"),
              route53.record_set({"name": "gone", "type": "CNAME", "values": ["x"]}, "example.com")]
    assert route53.plan_changes([existing], wanted, "absent") == [{"Action": "DELETE", "ResourceRecordSet": existing}]


def test_a_zone_is_the_stacks_by_its_tag_or_its_creation_comment():
    assert route53.is_owned({"Config": {"Comment": "cloudops:stack=demo"}}, {}, "demo")
    assert route53.is_owned({"Config": {}}, {"cloudops:stack": "demo"}, "demo")
    assert not route53.is_owned({"Config": {"Comment": "operator zone"}}, {"cloudops:stack": "other"}, "demo")


def test_certificate_names_cover_hosts_and_wildcards_one_label_deep():
    assert acm.wanted_names("App.example.com.", ["app.example.com", "*.example.com"]) == ["app.example.com", "*.example.com"]
    assert acm.covers("*.example.com", "app.example.com")
    assert not acm.covers("*.example.com", "a.b.example.com")
    assert not acm.covers("*.example.com", "example.com")
    assert acm.covers("example.com", "EXAMPLE.com.")


def test_validation_changes_one_per_distinct_record():
    record = {"Name": "_x.example.com.", "Type": "CNAME", "Value": "_y.acm-validations.aws."}
    certificate = {"DomainValidationOptions": [{"DomainName": "example.com", "ResourceRecord": record},
                                               {"DomainName": "*.example.com", "ResourceRecord": record},
                                               {"DomainName": "late.example.com"}]}
    assert acm.validation_changes(certificate) == [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": "_x.example.com.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "_y.acm-validations.aws."}]}}]


def test_a_certificate_matches_by_its_set_of_names():
    assert acm.matches({"DomainName": "a.test", "SubjectAlternativeNames": ["a.test", "b.test"]}, ["a.test", "b.test"])
    assert not acm.matches({"DomainName": "b.test", "SubjectAlternativeNames": ["a.test", "b.test"]}, ["a.test", "b.test"])
    assert not acm.matches({"DomainName": "a.test", "SubjectAlternativeNames": ["a.test"]}, ["a.test", "b.test"])
    assert acm.idempotency_token("demo", ["a.test"], "r1") == acm.idempotency_token("demo", ["a.test"], "r1")
    assert acm.idempotency_token("demo", ["a.test"], "r1") != acm.idempotency_token("demo", ["a.test"], "r2")
    assert len(acm.idempotency_token("demo", ["a.test"], "r1")) == 32


def test_stack_records_leave_out_what_has_no_target_yet():
    settings = {"writer_name": "db", "writer_endpoint": "w.rds.test", "reader_name": "db-ro", "reader_endpoint": "",
                "alb_name": "alb", "alb_dns_name": "lb.elb.test", "alb_zone_id": "Z1",
                "public_names": ["app.example.com", "*.example.com"]}
    records = route53_records.stack_records(settings)
    assert [(r["name"], r["type"]) for r in records["private"]] == [("db", "CNAME"), ("alb", "A")]
    assert [r["name"] for r in records["public"]] == ["app.example.com"]
    assert records["public"][0]["alias"]["hosted_zone_id"] == "Z1"
    assert route53_records.stack_records(dict(settings, alb_dns_name="")) == {
        "private": [{"name": "db", "type": "CNAME", "ttl": 60, "values": ["w.rds.test"]}], "public": []}
