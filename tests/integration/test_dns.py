"""DNS and the operator's domain through playbooks/site.yml on inventories/local: the private zone of the VPC names the
database writer and reader and the ALB, the operator's public zone (made here, before the run, as the operator's
own) gets an alias to the ALB, a certificate for the domain is requested, validated through DNS records in that zone
(the local AWS issues it only once they exist) and attached to the HTTPS listener; teardown removes the zone,
records and certificate the stack made and leaves the operator's zone and its own records. A re-run and check mode
that change nothing: the dns Molecule scenario (the same inputs; tests/integration/test_molecule_cluster.py).

The tests share one stack; the teardown test destroys it (it runs last in the module)."""
import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack_inventory import STACK_TAG, stack_inventory, tag_map  # noqa: E402

SITE = "playbooks/site.yml"
TEARDOWN = "playbooks/teardown.yml"
ZONE = "example.test"
DOMAIN = f"app.{ZONE}"
NAMES = [DOMAIN, f"*.{DOMAIN}"]
DOMAIN_VARS = {"load_balancer_demo_certificate": False, "load_balancer_domain": DOMAIN,
               "load_balancer_alternative_names": [f"*.{DOMAIN}"], "dns_public_zone": ZONE}
OPERATOR_RECORD = {"Name": f"mail.{ZONE}.", "Type": "MX", "TTL": 300, "ResourceRecords": [{"Value": "10 mx.elsewhere.test"}]}


def _operator_zone(aws):
    """The operator's public zone, with a record of its own: it exists before the stack and must outlive it."""
    route53 = aws("route53")
    zone = route53.create_hosted_zone(Name=ZONE, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": OPERATOR_RECORD}]})
    return zone


def _build(aws, playbook):
    zone = _operator_zone(aws)
    run = playbook(SITE, extra_vars=DOMAIN_VARS)
    assert run.rc == 0, run.output[-6000:]
    return {"run": run, "public_zone": zone}


@pytest.fixture(scope="module")
def site(shared_stack, playbook, aws):
    return shared_stack(lambda: _build(aws, playbook))


@pytest.fixture
def built(site, request):
    yield from site.use(request)


def _records(route53, zone_id):
    return {(r["Name"], r["Type"]): r for r in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}


def _private_zone(aws):
    vpc = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:" + STACK_TAG, "Values": ["demo"]}])["Vpcs"][0]["VpcId"]
    zones = aws("route53").list_hosted_zones_by_vpc(VPCId=vpc, VPCRegion="us-east-1")["HostedZoneSummaries"]
    return vpc, [z for z in zones if z["Name"] == "demo.internal."]


def _alb(aws):
    return aws("elbv2").describe_load_balancers(Names=["demo-alb"])["LoadBalancers"][0]


def test_the_private_zone_names_the_database_and_the_alb(built, aws):
    route53 = aws("route53")
    vpc, zones = _private_zone(aws)
    assert len(zones) == 1
    zone = route53.get_hosted_zone(Id=zones[0]["HostedZoneId"])
    assert zone["HostedZone"]["Config"]["PrivateZone"] is True
    assert {"VPCRegion": "us-east-1", "VPCId": vpc} in zone["VPCs"]
    tags = tag_map(route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zones[0]["HostedZoneId"])[
        "ResourceTagSet"]["Tags"])
    assert tags[STACK_TAG] == "demo" and tags["Environment"] == "local"

    cluster = [c for c in aws("rds").describe_db_clusters()["DBClusters"] if tag_map(c["TagList"]).get(STACK_TAG) == "demo"][0]
    records = _records(route53, zones[0]["HostedZoneId"])
    writer = records[("db.demo.internal.", "CNAME")]
    assert [r["Value"] for r in writer["ResourceRecords"]] == [cluster["Endpoint"]]
    reader = records[("db-ro.demo.internal.", "CNAME")]
    assert [r["Value"] for r in reader["ResourceRecords"]] == [cluster["ReaderEndpoint"]]
    alb = _alb(aws)
    alias = records[("alb.demo.internal.", "A")]["AliasTarget"]
    assert alias["DNSName"].rstrip(".").lower() == alb["DNSName"].lower()
    assert alias["HostedZoneId"] == alb["CanonicalHostedZoneId"]


def test_the_domain_points_at_the_alb_with_an_issued_certificate_on_https(built, aws):
    route53, acm, elbv2 = aws("route53"), aws("acm"), aws("elbv2")
    records = _records(route53, built["public_zone"])
    alb = _alb(aws)
    alias = records[(f"{DOMAIN}.", "A")]["AliasTarget"]
    assert alias["DNSName"].rstrip(".").lower() == alb["DNSName"].lower()
    assert alias["HostedZoneId"] == alb["CanonicalHostedZoneId"]
    assert (f"\\052.{DOMAIN}.", "A") not in records and (f"*.{DOMAIN}.", "A") not in records  # no alias for a wildcard

    listeners = {ln["Port"]: ln for ln in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]}
    assert listeners[80]["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    arn = listeners[443]["Certificates"][0]["CertificateArn"]
    certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert certificate["Status"] == "ISSUED"
    assert certificate["Type"] == "AMAZON_ISSUED"
    assert certificate["DomainName"] == DOMAIN and set(certificate["SubjectAlternativeNames"]) == set(NAMES)
    assert tag_map(acm.list_tags_for_certificate(CertificateArn=arn)["Tags"])[STACK_TAG] == "demo"
    # the validation records ACM named are in the operator's zone
    for option in certificate["DomainValidationOptions"]:
        record = option["ResourceRecord"]
        assert [r["Value"] for r in records[(record["Name"], "CNAME")]["ResourceRecords"]] == [record["Value"]]
    # the stack made no self-signed demo certificate
    certificates = acm.list_certificates()["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in certificates
            if tag_map(acm.list_tags_for_certificate(CertificateArn=c["CertificateArn"])["Tags"]).get(STACK_TAG) == "demo"] == [arn]


def test_teardown_dry_run_lists_the_zone_and_records_and_deletes_nothing(built, playbook, aws):
    before = stack_inventory(aws)
    assert {"route53_zone", "route53_record", "acm_certificate"} <= set(before), before
    run = playbook(TEARDOWN)
    assert run.rc == 0, run.output[-6000:]
    assert "route53_zone" in run.output and "route53_record" in run.output
    assert run.writes == [], run.writes
    assert stack_inventory(aws) == before


@pytest.mark.destructive
def test_teardown_removes_what_the_stack_made_and_keeps_the_operators_zone(built, playbook, aws):
    route53 = aws("route53")
    run = playbook(TEARDOWN, extra_vars={"teardown_confirm": True, "teardown_skip_final_snapshot": True})
    assert run.rc == 0, run.output[-6000:]
    assert stack_inventory(aws) == {}
    names = {z["Name"] for z in route53.list_hosted_zones()["HostedZones"]}
    assert "demo.internal." not in names
    records = _records(route53, built["public_zone"])
    assert set(records) == {(f"{ZONE}.", "NS"), (f"{ZONE}.", "SOA"), (OPERATOR_RECORD["Name"], "MX")}, sorted(records)
