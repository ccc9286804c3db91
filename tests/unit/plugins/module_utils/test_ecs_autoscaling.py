"""Desired-versus-current logic of the ecs_autoscaling_group module."""
from ansible_collections.cloudops.ecs.plugins.module_utils import ecs_autoscaling as au

CURRENT = {
    "AutoScalingGroupName": "demo-ondemand",
    "MinSize": 1, "MaxSize": 3, "DesiredCapacity": 2,
    "HealthCheckType": "EC2", "HealthCheckGracePeriod": 120,
    "NewInstancesProtectedFromScaleIn": True,
    "TerminationPolicies": ["Default"],
    "VPCZoneIdentifier": "subnet-b,subnet-a",
    "LaunchTemplate": {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "demo-ondemand", "Version": "2"},
    "Tags": [
        {"Key": "Name", "Value": "demo-ondemand", "PropagateAtLaunch": True},
        {"Key": "cloudops:stack", "Value": "demo", "PropagateAtLaunch": True},
    ],
}


def params(**extra):
    base = {
        "launch_template": {"id": "lt-1", "version": "2"}, "mixed_instances_policy": None,
        "subnet_ids": ["subnet-a", "subnet-b"], "min_size": 1, "max_size": 3, "desired_capacity": 1,
        "health_check_type": "EC2", "health_check_grace_period": 120, "new_instances_protected_from_scale_in": True,
        "capacity_rebalance": None, "termination_policies": ["Default"], "default_instance_warmup": None,
        "max_instance_lifetime": None,
    }
    base.update(extra)
    return base


def test_in_sync_when_only_order_and_owned_desired_capacity_differ():
    assert au.group_changes(au.desired_group(params()), CURRENT, manage_desired_capacity=False) == {}


def test_enforced_desired_capacity_is_compared():
    assert au.group_changes(au.desired_group(params()), CURRENT) == {"DesiredCapacity": 1}


def test_owned_desired_capacity_is_clamped_into_new_bounds():
    update = au.group_changes(au.desired_group(params(max_size=1, desired_capacity=1)), CURRENT, False)
    assert update == {"MaxSize": 1, "DesiredCapacity": 1}


def test_an_empty_group_raised_to_its_minimum_gets_the_configured_capacity():
    empty = dict(CURRENT, MinSize=0, DesiredCapacity=0)
    update = au.group_changes(au.desired_group(params(min_size=1, desired_capacity=2)), empty, False)
    assert update == {"MinSize": 1, "DesiredCapacity": 2}


def test_new_template_version_and_subnets():
    update = au.group_changes(au.desired_group(params(launch_template={"id": "lt-1", "version": "3"},
                                                      subnet_ids=["subnet-a"])), CURRENT, False)
    assert update["LaunchTemplate"] == {"LaunchTemplateId": "lt-1", "Version": "3"}
    assert update["VPCZoneIdentifier"] == "subnet-a"


def test_mixed_instances_policy_compare():
    mixed = {"instance_types": ["m7g.large", "m6g.large"], "on_demand_base_capacity": 0,
             "on_demand_percentage_above_base_capacity": 0, "spot_allocation_strategy": "price-capacity-optimized",
             "on_demand_allocation_strategy": None}
    desired = au.desired_group(params(mixed_instances_policy=mixed))
    assert "LaunchTemplate" not in desired
    current = dict(CURRENT, LaunchTemplate=None, MixedInstancesPolicy={
        "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-1", "Version": "2"},
                           "Overrides": [{"InstanceType": "m7g.large"}, {"InstanceType": "m6g.large"}]},
        "InstancesDistribution": {"OnDemandBaseCapacity": 0, "OnDemandPercentageAboveBaseCapacity": 0,
                                  "SpotAllocationStrategy": "price-capacity-optimized",
                                  "OnDemandAllocationStrategy": "prioritized"}})
    assert au.group_changes(desired, current, False) == {}
    reordered = au.desired_group(params(mixed_instances_policy=dict(mixed, instance_types=["m6g.large", "m7g.large"])))
    assert "MixedInstancesPolicy" in au.group_changes(reordered, current, False)
    # Switching a plain group to a mixed instances policy is a change.
    assert "MixedInstancesPolicy" in au.group_changes(desired, CURRENT, False)


def test_tags_compare_by_key_and_shape_requests():
    current = au.current_tags(CURRENT)
    same = au.group_tags({"cloudops:stack": "demo", "Name": "demo-ondemand"})
    assert au.tag_changes(current, same) == ({}, [])
    to_set, to_remove = au.tag_changes(current, au.group_tags({"Name": "demo-ondemand", "Owner": "x"}))
    assert to_set == {"Owner": ("x", True)} and to_remove == ["cloudops:stack"]
    set_list, remove_list = au.tag_requests("g", to_set, to_remove)
    assert set_list == [{"ResourceId": "g", "ResourceType": "auto-scaling-group", "Key": "Owner", "Value": "x",
                         "PropagateAtLaunch": True}]
    assert remove_list == [{"ResourceId": "g", "ResourceType": "auto-scaling-group", "Key": "cloudops:stack"}]
    # A propagation change is a change too.
    assert au.tag_changes(current, au.group_tags({"Name": "demo-ondemand", "cloudops:stack": "demo"}, False))[0]


def test_validation_names_options():
    errors = au.validate_group(au.desired_group(params(min_size=4, max_size=2, desired_capacity=5)), False)
    assert any("min_size (4) is greater than max_size (2)" in e for e in errors)
    assert any("desired_capacity (5) is above max_size (2)" in e for e in errors)
    errors = au.validate_group(au.desired_group(params(subnet_ids=None, launch_template=None)), True)
    assert any("subnet_ids is required" in e for e in errors)
    assert any("launch_template is required" in e for e in errors)
    assert au.validate_group(au.desired_group(params()), True) == []


def test_live_groups_leave_out_those_being_deleted():
    groups = [{"AutoScalingGroupName": "a"}, {"AutoScalingGroupName": "b", "Status": "Delete in progress"},
              {"AutoScalingGroupName": "c", "Status": "InService"}]
    assert [g["AutoScalingGroupName"] for g in au.live(groups)] == ["a", "c"]
