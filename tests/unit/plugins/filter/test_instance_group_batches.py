"""The instance groups as the items of one ecs_autoscaling_group and one ecs_capacity_provider call."""
from ansible_collections.cloudops.ecs.plugins.filter.instance_group_auto_scaling_groups import (
    instance_group_auto_scaling_groups,
)
from ansible_collections.cloudops.ecs.plugins.filter.instance_group_capacity_providers import (
    instance_group_capacity_providers,
)
from ansible_collections.cloudops.ecs.plugins.module_utils.validation import instance_groups

# the ecs_instances role's ecs_instances_group_defaults
DEFAULTS = {"spot": False, "min_size": 1, "max_size": 4, "desired_capacity": 2, "on_demand_base_capacity": 0,
            "on_demand_percentage_above_base_capacity": 0, "spot_allocation_strategy": "price-capacity-optimized",
            "managed_scaling": True, "target_capacity": 100, "managed_termination_protection": True,
            "managed_draining": True, "weight": 1, "base": 0}
GROUPS = instance_groups([
    {"name": "ondemand", "instance_type": "m7g.large"},
    {"name": "spot", "spot": True, "instance_types": ["m7g.large", "m6g.large"], "managed_scaling": False},
], DEFAULTS, "shop")
# launch_templates of a cloudops.ecs.launch_templates result; the second created in check mode (no id yet)
TEMPLATES = [{"name": "shop-ondemand", "launch_template_id": "lt-1", "latest_version": 3, "default_version": 3},
             {"name": "shop-spot", "launch_template_id": "", "latest_version": None, "default_version": None}]
SETTINGS = {"subnet_ids": ["subnet-a", "subnet-b"], "create_empty": True, "health_check_grace_period": "120",
            "metrics_collection": False, "tags": {"cloudops:stack": "shop"}}


def test_each_group_gets_its_template_size_tags_and_capacity_policy():
    ondemand, spot = instance_group_auto_scaling_groups(GROUPS, TEMPLATES, SETTINGS)
    assert ondemand["name"] == "shop-ondemand" and ondemand["launch_template"] == {"id": "lt-1", "version": "3"}
    assert (ondemand["min_size"], ondemand["max_size"], ondemand["desired_capacity"]) == (1, 4, 2)
    assert ondemand["health_check_grace_period"] == 120 and ondemand["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert ondemand["tags"] == {"cloudops:stack": "shop", "Name": "shop-ondemand", "cloudops:instance-group": "ondemand",
                                "AmazonECSManaged": ""}
    assert ondemand["desired_capacity_policy"] == "initial" and "mixed_instances_policy" not in ondemand
    # no template yet (check mode on an empty account): a placeholder; a group no provider scales keeps its capacity
    assert spot["launch_template"] == {"id": "lt-pending", "version": "$Latest"}
    assert spot["desired_capacity_policy"] == "enforce" and "AmazonECSManaged" not in spot["tags"]
    assert spot["capacity_rebalance"] is True and spot["mixed_instances_policy"]["instance_types"] == ["m7g.large", "m6g.large"]


def test_groups_without_results_get_placeholders():
    assert [g["launch_template"]["id"] for g in instance_group_auto_scaling_groups(GROUPS, [], SETTINGS)] == [
        "lt-pending", "lt-pending"]


def test_each_provider_gets_its_group_and_managed_settings():
    groups = [dict(g, auto_scaling_group_arn="arn:%s" % g["name"]) for g in GROUPS]
    settings = {"minimum_scaling_step_size": "1", "maximum_scaling_step_size": 10, "instance_warmup_period": 60,
                "tags": {"cloudops:stack": "shop"}}
    ondemand, spot = instance_group_capacity_providers(groups, settings)
    assert ondemand["name"] == "shop-ondemand" and ondemand["auto_scaling_group_arn"] == "arn:ondemand"
    assert ondemand["managed_scaling"] == {"status": "ENABLED", "target_capacity": 100, "minimum_scaling_step_size": 1,
                                           "maximum_scaling_step_size": 10, "instance_warmup_period": 60}
    assert spot["managed_scaling"]["status"] == "DISABLED" and spot["managed_draining"] == "ENABLED"
    assert spot["tags"] == {"cloudops:stack": "shop", "Name": "shop-spot"}
