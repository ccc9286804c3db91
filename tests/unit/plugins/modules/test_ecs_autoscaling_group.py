import datetime

from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_autoscaling_group

SUBNET = "subnet-0aaaaaaaaaaaaaaa1"
TEMPLATE = {"LaunchTemplateId": "lt-0aaaaaaaaaaaaaaa1", "Version": "$Default"}
ARGS = {"name": "shop-ondemand", "launch_template": {"id": "lt-0aaaaaaaaaaaaaaa1"}, "subnet_ids": [SUBNET],
        "min_size": 1, "max_size": 3, "tags": {"cloudops:stack": "shop"}}


def group(desired=1, tags=None, instances=()):
    return {"AutoScalingGroupName": "shop-ondemand", "MinSize": 1, "MaxSize": 3, "DesiredCapacity": desired,
            "DefaultCooldown": 300, "AvailabilityZones": ["us-east-1a"], "HealthCheckType": "EC2",
            "CreatedTime": datetime.datetime(2026, 1, 1), "VPCZoneIdentifier": SUBNET, "LaunchTemplate": TEMPLATE,
            "Instances": list(instances),
            "Tags": [{"Key": k, "Value": v, "PropagateAtLaunch": True, "ResourceId": "shop-ondemand",
                      "ResourceType": "auto-scaling-group"} for k, v in (tags or {"cloudops:stack": "shop"}).items()]}


def describe(stubs, *items):
    stubs["autoscaling"].add_response("describe_auto_scaling_groups", {"AutoScalingGroups": list(items)},
                                      {"AutoScalingGroupNames": ["shop-ondemand"]})


def test_no_change(stubs, run_module):
    describe(stubs, group())
    result, failed = run_module(ecs_autoscaling_group, ARGS)
    assert not failed and result["changed"] is False and result["changes"] == []


def test_check_mode_on_an_empty_account(stubs, run_module):
    describe(stubs)
    result, failed = run_module(ecs_autoscaling_group, ARGS, check_mode=True)
    assert not failed and result["changes"] == ["created"] and result["diff"]["after"]["Tags"] == {"cloudops:stack": "shop"}


def test_tags_compare_by_key_and_update(stubs, run_module):
    describe(stubs, group(tags={"cloudops:stack": "shop", "old": "1"}))
    stubs["autoscaling"].add_response("delete_tags", {}, {"Tags": [
        {"ResourceId": "shop-ondemand", "ResourceType": "auto-scaling-group", "Key": "old"}]})
    describe(stubs, group())
    result, failed = run_module(ecs_autoscaling_group, ARGS)
    assert not failed and result["changes"] == ["Tags"] and result["auto_scaling_group"]["tags"] == {"cloudops:stack": "shop"}


def test_invalid_sizes_fail_before_any_change(stubs, run_module):
    describe(stubs)
    result, failed = run_module(ecs_autoscaling_group, dict(ARGS, min_size=4))
    assert failed and "min_size (4) is greater than max_size (3)" in result["msg"]


def test_absent_unprotects_deletes_and_waits(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    instance = {"InstanceId": "i-0aaaaaaaaaaaaaaa1", "AvailabilityZone": "us-east-1a", "LifecycleState": "InService",
                "HealthStatus": "Healthy", "ProtectedFromScaleIn": True}
    describe(stubs, group(instances=[instance]))
    stubs["autoscaling"].add_response("set_instance_protection", {}, {
        "AutoScalingGroupName": "shop-ondemand", "InstanceIds": ["i-0aaaaaaaaaaaaaaa1"], "ProtectedFromScaleIn": False})
    stubs["autoscaling"].add_response("delete_auto_scaling_group", {},
                                      {"AutoScalingGroupName": "shop-ondemand", "ForceDelete": True})
    describe(stubs, dict(group(), Status="Delete in progress"))
    describe(stubs)
    result, failed = run_module(ecs_autoscaling_group, {"name": "shop-ondemand", "state": "absent"})
    assert not failed and result["changes"] == ["deleted"] and result["unprotected_instances"] == ["i-0aaaaaaaaaaaaaaa1"]
    assert clock.slept == [1.0]


def test_aws_error(stubs, run_module):
    stubs["autoscaling"].add_client_error("describe_auto_scaling_groups", "AccessDenied", "denied")
    result, failed = run_module(ecs_autoscaling_group, ARGS)
    assert failed and result["msg"].startswith("Failed to describe Auto Scaling group shop-ondemand")


def test_several_groups_are_read_in_one_request(stubs, run_module):
    spot = dict(group(), AutoScalingGroupName="shop-spot")
    stubs["autoscaling"].add_response("describe_auto_scaling_groups", {"AutoScalingGroups": [spot, group()]},
                                      {"AutoScalingGroupNames": ["shop-ondemand", "shop-spot"]})
    result, failed = run_module(ecs_autoscaling_group, {"auto_scaling_groups": [
        dict(ARGS, name="shop-spot"), ARGS]})
    assert not failed, result
    assert [g["changed"] for g in result["auto_scaling_groups"]] == [False, False] and result["api_calls"] == 1
