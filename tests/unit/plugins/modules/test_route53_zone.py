from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.modules import route53_zone

ZONE = {"Id": "/hostedzone/Z1", "Name": "demo.internal.", "CallerReference": "r",
        "Config": {"Comment": "cloudops:stack=demo", "PrivateZone": True}}
ARGS = {"name": "demo.internal", "private": True, "vpc_id": "vpc-1", "stack_name": "demo",
        "records": [{"name": "db", "type": "CNAME", "values": ["w.rds.test"]}]}
SOA = {"Name": "demo.internal.", "Type": "SOA", "TTL": 900, "ResourceRecords": [{"Value": "ns. host. 1 7200 900 1209600 86400"}]}
DB = {"Name": "db.demo.internal.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "w.rds.test"}]}
TAGS = [{"Key": "Name", "Value": "demo.internal"}, {"Key": "cloudops:stack", "Value": "demo"}]


def found(stubs, records, tags=TAGS, zone=ZONE):  # pylint: disable=dangerous-default-value
    route53 = stubs["route53"]
    route53.add_response("list_hosted_zones_by_vpc", {"HostedZoneSummaries": [
        {"HostedZoneId": "Z1", "Name": "demo.internal.", "Owner": {"OwningAccount": "123456789012"}}], "MaxItems": "100"},
        {"VPCId": "vpc-1", "VPCRegion": "us-east-1"})
    route53.add_response("get_hosted_zone", {"HostedZone": zone}, {"Id": "Z1"})
    route53.add_response("list_tags_for_resource", {"ResourceTagSet": {"ResourceType": "hostedzone", "ResourceId": "Z1",
                                                                       "Tags": tags}},
                         {"ResourceType": "hostedzone", "ResourceId": "Z1"})
    route53.add_response("list_resource_record_sets", {"ResourceRecordSets": records, "IsTruncated": False, "MaxItems": "300"},
                         {"HostedZoneId": "/hostedzone/Z1"})


def test_converged_zone_is_no_change(stubs, run_module):
    found(stubs, [SOA, DB])
    result, failed = run_module(route53_zone, ARGS)
    assert not failed, result
    assert result["changed"] is False and result["hosted_zone_id"] == "Z1" and result["owned"] is True


def test_changed_records_go_in_one_batch_and_are_waited_for(stubs, run_module):
    found(stubs, [SOA])
    route53 = stubs["route53"]
    route53.add_response("change_resource_record_sets", {"ChangeInfo": {"Id": "/change/C1", "Status": "PENDING",
                                                                        "SubmittedAt": "2026-01-01T00:00:00Z"}},
                         {"HostedZoneId": "/hostedzone/Z1", "ChangeBatch": {"Comment": ANY, "Changes": [
                             {"Action": "UPSERT", "ResourceRecordSet": DB}]}})
    route53.add_response("get_change", {"ChangeInfo": {"Id": "/change/C1", "Status": "INSYNC",
                                                       "SubmittedAt": "2026-01-01T00:00:00Z"}}, {"Id": "/change/C1"})
    result, failed = run_module(route53_zone, ARGS)
    assert not failed, result
    assert result["changed"] is True and result["changes"] == ["upsert CNAME db.demo.internal. -> w.rds.test"]


def test_check_mode_reports_the_change_and_writes_nothing(stubs, run_module):
    found(stubs, [SOA])
    result, failed = run_module(route53_zone, ARGS, check_mode=True)
    assert not failed and result["changed"] is True


def test_a_zone_that_existed_before_keeps_its_records_on_absent(stubs, run_module):
    operators = dict(ZONE, Config={"Comment": "", "PrivateZone": True})
    found(stubs, [SOA, DB], tags=[{"Key": "owner", "Value": "operator"}], zone=operators)
    stubs["route53"].add_response("change_resource_record_sets", {"ChangeInfo": {
        "Id": "/change/C2", "Status": "INSYNC", "SubmittedAt": "2026-01-01T00:00:00Z"}},
        {"HostedZoneId": "/hostedzone/Z1", "ChangeBatch": {"Comment": ANY, "Changes": [
            {"Action": "DELETE", "ResourceRecordSet": DB}]}})
    stubs["route53"].add_response("get_change", {"ChangeInfo": {"Id": "/change/C2", "Status": "INSYNC",
                                                                "SubmittedAt": "2026-01-01T00:00:00Z"}}, {"Id": "/change/C2"})
    result, failed = run_module(route53_zone, dict(ARGS, state="absent"))
    assert not failed, result
    assert result["owned"] is False and "deleted hosted zone" not in " ".join(result["changes"])
