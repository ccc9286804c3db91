"""elb_target_groups on stubbed ELBv2: converged groups are one describe by name and one tag read, a missing group
lists the groups and is created (with its deregistration delay), drift is modified in place, check mode reports
without changing, what cannot change fails with the fix, absent deletes and names the user of a group in use."""
from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.modules import elb_target_groups

VPC = "vpc-0123456789abcdef0"
ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/0123456789abcdef"
ALT_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web-alt/fedcba9876543210"
HEALTH = {"protocol": "HTTP", "path": "/health", "interval": 15, "timeout": 5, "healthy_threshold": 2,
          "unhealthy_threshold": 3, "matcher": "200-399"}
WEB = {"name": "demo-web", "port": 8080, "vpc_id": VPC, "health_check": HEALTH, "deregistration_delay": 30,
       "tags": {"cloudops:stack": "demo", "Name": "demo-web"}}
ALT = dict(WEB, name="demo-web-alt", tags={"cloudops:stack": "demo", "Name": "demo-web-alt"})


def group(name="demo-web", arn=ARN, **overrides):
    item = {"TargetGroupName": name, "TargetGroupArn": arn, "Protocol": "HTTP", "Port": 8080, "VpcId": VPC,
            "TargetType": "instance", "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port",
            "HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 15, "HealthCheckTimeoutSeconds": 5,
            "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 3, "Matcher": {"HttpCode": "200-399"},
            "LoadBalancerArns": []}
    item.update(overrides)
    return item


def tags(arn, name):
    return {"ResourceArn": arn, "Tags": [{"Key": "cloudops:stack", "Value": "demo"}, {"Key": "Name", "Value": name}]}


def delay(elb, arn, seconds="30"):
    elb.add_response("describe_target_group_attributes", {"Attributes": [
        {"Key": "deregistration_delay.timeout_seconds", "Value": seconds}]}, {"TargetGroupArn": arn})


def test_converged_groups_are_read_in_batches_and_left_alone(stubs, run_module):
    elb = stubs["elbv2"]
    elb.add_response("describe_target_groups", {"TargetGroups": [group(), group("demo-web-alt", ALT_ARN)]},
                     {"Names": ["demo-web", "demo-web-alt"]})
    elb.add_response("describe_tags", {"TagDescriptions": [tags(ARN, "demo-web"), tags(ALT_ARN, "demo-web-alt")]},
                     {"ResourceArns": [ARN, ALT_ARN]})
    delay(elb, ARN)
    delay(elb, ALT_ARN)
    result, failed = run_module(elb_target_groups, {"target_groups": [WEB, ALT]})
    assert not failed, result
    assert result["changed"] is False and result["changes"] == []
    assert [(g["target_group_name"], g["target_group_arn"]) for g in result["target_groups"]] == [
        ("demo-web", ARN), ("demo-web-alt", ALT_ARN)]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_a_missing_group_is_created_with_its_tags_and_deregistration_delay(stubs, run_module):
    elb = stubs["elbv2"]
    elb.add_client_error("describe_target_groups", "TargetGroupNotFound", expected_params={"Names": ["demo-web"]})
    elb.add_response("describe_target_groups", {"TargetGroups": [group("someone-else", ALT_ARN)]}, {})
    elb.add_response("create_target_group", {"TargetGroups": [group()]}, {
        "Name": "demo-web", "Protocol": "HTTP", "Port": 8080, "VpcId": VPC, "TargetType": "instance",
        "HealthCheckProtocol": "HTTP", "HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 15,
        "HealthCheckTimeoutSeconds": 5, "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 3,
        "Matcher": {"HttpCode": "200-399"},
        "Tags": [{"Key": "Name", "Value": "demo-web"}, {"Key": "cloudops:stack", "Value": "demo"}]})
    elb.add_response("modify_target_group_attributes", {}, {"TargetGroupArn": ARN, "Attributes": [
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]})
    result, failed = run_module(elb_target_groups, {"target_groups": [WEB]})
    assert not failed, result
    assert result["changes"] == ["created target group demo-web"]
    assert result["target_groups"][0]["target_group_arn"] == ARN


def test_check_mode_reports_a_new_group_with_an_empty_arn_and_changes_nothing(stubs, run_module):
    elb = stubs["elbv2"]
    elb.add_client_error("describe_target_groups", "TargetGroupNotFound", expected_params={"Names": ["demo-web"]})
    elb.add_response("describe_target_groups", {"TargetGroups": []}, {})
    result, failed = run_module(elb_target_groups, {"target_groups": [WEB]}, check_mode=True)
    assert not failed, result
    assert result["changed"] is True and result["target_groups"][0]["target_group_arn"] == ""
    assert result["diff"]["before"] == {"demo-web": {}}
    assert result["diff"]["after"]["demo-web"]["health_check"]["path"] == "/health"


def test_drift_is_modified_in_place(stubs, run_module):
    elb = stubs["elbv2"]
    elb.add_response("describe_target_groups", {"TargetGroups": [
        group(HealthCheckPath="/", Matcher={"HttpCode": "200"})]}, {"Names": ["demo-web"]})
    elb.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": ARN, "Tags": [
        {"Key": "cloudops:stack", "Value": "demo"}, {"Key": "stale", "Value": "x"}]}]}, {"ResourceArns": [ARN]})
    elb.add_response("modify_target_group", {"TargetGroups": [group()]}, {
        "TargetGroupArn": ARN, "HealthCheckPath": "/health", "Matcher": {"HttpCode": "200-399"}})
    delay(elb, ARN, "300")
    elb.add_response("modify_target_group_attributes", {}, {"TargetGroupArn": ARN, "Attributes": [
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]})
    elb.add_response("remove_tags", {}, {"ResourceArns": [ARN], "TagKeys": ["stale"]})
    elb.add_response("add_tags", {}, {"ResourceArns": [ARN], "Tags": [{"Key": "Name", "Value": "demo-web"}]})
    result, failed = run_module(elb_target_groups, {"target_groups": [WEB]})
    assert not failed, result
    assert result["changes"] == ["target group demo-web: HealthCheckPath, Matcher",
                                 "target group demo-web: deregistration delay 300 -> 30",
                                 "target group demo-web: tags Name, stale"]
    assert result["diff"]["before"]["demo-web"]["health_check"]["path"] == "/"
    assert result["diff"]["after"]["demo-web"]["health_check"]["matcher"] == "200-399"
    assert result["diff"]["after"]["demo-web"]["tags"] == {"cloudops:stack": "demo", "Name": "demo-web"}


def test_what_cannot_change_fails_with_the_fix_and_another_port_warns(stubs, run_module):
    elb = stubs["elbv2"]
    elb.add_response("describe_target_groups", {"TargetGroups": [group(TargetType="ip")]}, {"Names": ["demo-web"]})
    elb.add_response("describe_tags", {"TagDescriptions": [tags(ARN, "demo-web")]}, {"ResourceArns": [ARN]})
    result, failed = run_module(elb_target_groups, {"target_groups": [WEB]})
    assert failed
    assert result["msg"] == ("target group demo-web exists with target_type ip (asked for instance), which cannot "
                             "change in place: give the target group another name, or delete it first")
    elb.add_response("describe_target_groups", {"TargetGroups": [group(Port=80)]}, {"Names": ["demo-web"]})
    result, failed = run_module(elb_target_groups, {"target_groups": [dict(WEB, tags=None, deregistration_delay=None)]})
    assert not failed and result["changed"] is False
    assert "keeps its port 80 (asked for 8080)" in result["warnings"][0]


def test_absent_deletes_what_exists_and_names_the_user_of_a_group_in_use(stubs, run_module):
    elb = stubs["elbv2"]
    elb.add_client_error("describe_target_groups", "TargetGroupNotFound",
                         expected_params={"Names": ["demo-web", "demo-web-alt"]})
    elb.add_response("describe_target_groups", {"TargetGroups": [group()]}, {})
    elb.add_response("delete_target_group", {}, {"TargetGroupArn": ARN})
    absent = [{"name": "demo-web", "state": "absent"}, {"name": "demo-web-alt", "state": "absent"}]
    result, failed = run_module(elb_target_groups, {"target_groups": absent})
    assert not failed, result
    assert result["changes"] == ["deleted target group demo-web"]
    assert [g["changed"] for g in result["target_groups"]] == [True, False]
    elb.add_response("describe_target_groups", {"TargetGroups": [group()]}, {"Names": ["demo-web"]})
    elb.add_client_error("delete_target_group", "ResourceInUse", expected_params={"TargetGroupArn": ANY})
    result, failed = run_module(elb_target_groups, {"target_groups": absent[:1]})
    assert failed and "target group demo-web is still in use" in result["msg"]


def test_bad_input_fails_before_any_call(stubs, run_module):
    result, failed = run_module(elb_target_groups, {"target_groups": [{"name": "demo-web"}]})
    assert failed and "port" in result["msg"] and "vpc_id" in result["msg"]
    result, failed = run_module(elb_target_groups, {"target_groups": [WEB, WEB]})
    assert failed and result["msg"] == "target_groups lists demo-web more than once: give each name once"
