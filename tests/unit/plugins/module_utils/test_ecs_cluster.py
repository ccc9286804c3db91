"""Desired-versus-current logic of the ecs_cluster and ecs_capacity_provider modules."""
from ansible_collections.cloudops.ecs.plugins.module_utils import ecs_cluster as cu

LOG = {"cloudWatchLogGroupName": "/demo/ecs-exec", "cloudWatchEncryptionEnabled": True}


def described(**extra):
    cluster = {
        "clusterName": "demo",
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/demo",
        "settings": [{"name": "containerInsights", "value": "enabled"}],
        "configuration": {"executeCommandConfiguration": {"kmsKeyId": "k", "logging": "OVERRIDE", "logConfiguration": LOG}},
        "capacityProviders": ["b", "a"],
        "defaultCapacityProviderStrategy": [{"capacityProvider": "b", "weight": 3, "base": 0},
                                            {"capacityProvider": "a", "weight": 1, "base": 1}],
        "tags": [{"key": "Name", "value": "demo"}],
    }
    cluster.update(extra)
    return cluster


def params(**extra):
    base = {
        "settings": {"container_insights": "enabled"},
        "execute_command_configuration": {
            "kms_key_id": "k", "logging": "OVERRIDE",
            "log_configuration": {"cloud_watch_log_group_name": "/demo/ecs-exec", "cloud_watch_encryption_enabled": True},
        },
        "capacity_providers": None,
        "default_capacity_provider_strategy": None,
        "tags": {"Name": "demo"},
        "purge_tags": True,
    }
    base.update(extra)
    return base


def changes(cluster, module_params, namespace=None):
    current = cu.current_cluster_view(cluster)
    return cu.cluster_changes(current, cu.desired_cluster_view(cu.cluster_desired(module_params, namespace), current))


def test_converged_cluster_has_no_changes_whatever_the_order():
    strategy = [{"capacity_provider": "a", "weight": 1, "base": 1}, {"capacity_provider": "b", "weight": 3, "base": 0}]
    assert changes(described(), params(capacity_providers=["a", "b"], default_capacity_provider_strategy=strategy)) == set()


def test_omitted_options_leave_the_cluster_alone():
    assert changes(described(), {"tags": None, "purge_tags": True}) == set()


def test_each_part_is_detected_on_its_own():
    assert changes(described(), params(settings={"container_insights": "enhanced"})) == {"settings"}
    log = {"cloud_watch_log_group_name": "/other", "cloud_watch_encryption_enabled": True}
    execute = {"kms_key_id": "k", "logging": "OVERRIDE", "log_configuration": log}
    assert changes(described(), params(execute_command_configuration=execute)) == {"configuration"}
    assert changes(described(), params(tags={"Name": "demo", "Owner": "x"})) == {"tags"}
    assert changes(described(), params(capacity_providers=["a"])) == {"capacity_providers"}
    assert changes(described(), params(), namespace="arn:aws:servicediscovery:us-east-1:1:namespace/ns-1") == {"service_connect"}


def test_missing_capacity_provider_fields_do_not_crash():
    cluster = described()
    del cluster["capacityProviders"], cluster["defaultCapacityProviderStrategy"], cluster["settings"]
    assert changes(cluster, params()) == {"settings"}
    assert changes(cluster, params(capacity_providers=[])) == {"settings"}


def test_dropping_a_provider_keeps_the_rest_of_the_strategy():
    current = cu.current_cluster_view(described())
    wanted = cu.desired_cluster_view(cu.cluster_desired(params(capacity_providers=["a"])), current)
    assert wanted["defaultCapacityProviderStrategy"] == [{"capacityProvider": "a", "weight": 1, "base": 1}]


def test_exec_configuration_defaults_compare_equal():
    cluster = described(configuration={"executeCommandConfiguration": {"logging": "DEFAULT"}})
    assert changes(cluster, params(execute_command_configuration={"logging": "DEFAULT"})) == set()
    cluster = described(configuration={})
    assert changes(cluster, params(execute_command_configuration={"logging": "DEFAULT"})) == set()


def test_tags_keep_aws_tags_and_purge_only_when_asked():
    assert cu.tag_changes({"a": "1", "aws:x": "y", "old": "z"}, {"a": "2"}, True) == ({"a": "2"}, ["old"])
    assert cu.tag_changes({"a": "1", "old": "z"}, {"a": "1"}, False) == ({}, [])
    assert cu.tag_changes({"a": "1"}, None, True) == ({}, [])


def test_strategy_validation_names_the_problem():
    strategy = cu.strategy_request([{"capacity_provider": "a", "weight": 0, "base": 2},
                                    {"capacity_provider": "c", "weight": 0, "base": 1}])
    errors = cu.validate_strategy(["a", "b"], strategy)
    assert any("uses c" in e for e in errors)
    assert any("only one entry" in e for e in errors)
    assert any("weight greater than 0" in e for e in errors)
    assert cu.validate_strategy(["a"], cu.strategy_request([{"capacity_provider": "a", "weight": 1}])) == []


PROVIDER = {
    "name": "demo-ondemand",
    "capacityProviderArn": "arn:aws:ecs:us-east-1:1:capacity-provider/demo-ondemand",
    "autoScalingGroupProvider": {
        "autoScalingGroupArn": "arn:asg",
        "managedScaling": {"status": "ENABLED", "targetCapacity": 100, "minimumScalingStepSize": 1,
                           "maximumScalingStepSize": 10000, "instanceWarmupPeriod": 300},
        "managedTerminationProtection": "ENABLED",
        "managedDraining": "ENABLED",
    },
}


def provider_params(**extra):
    base = {"auto_scaling_group_arn": "arn:asg", "managed_scaling": {"status": "ENABLED", "target_capacity": 100},
            "managed_termination_protection": "ENABLED", "managed_draining": None}
    base.update(extra)
    return base


def test_capacity_provider_compares_only_what_is_set():
    desired = cu.capacity_provider_desired(provider_params())
    assert cu.capacity_provider_changes(desired, PROVIDER) == ([], [])


def test_capacity_provider_updates_and_immutable_group():
    desired = cu.capacity_provider_desired(provider_params(
        managed_scaling={"status": "ENABLED", "target_capacity": 90, "instance_warmup_period": 120},
        managed_draining="DISABLED"))
    updatable, immutable = cu.capacity_provider_changes(desired, PROVIDER)
    assert sorted(updatable) == ["managedDraining", "managedScaling.instanceWarmupPeriod", "managedScaling.targetCapacity"]
    assert immutable == []
    request = cu.capacity_provider_update_request(desired, PROVIDER)
    assert request["managedScaling"] == {"status": "ENABLED", "targetCapacity": 90, "minimumScalingStepSize": 1,
                                         "maximumScalingStepSize": 10000, "instanceWarmupPeriod": 120}
    assert request["managedDraining"] == "DISABLED" and request["managedTerminationProtection"] == "ENABLED"
    moved = cu.capacity_provider_desired(provider_params(auto_scaling_group_arn="arn:other"))
    assert cu.capacity_provider_changes(moved, PROVIDER)[1] == ["autoScalingGroupArn"]


def test_capacity_provider_validation():
    for bad, fragment in (({"status": "ENABLED", "target_capacity": 0}, "target_capacity must be 1-100"),
                          ({"status": "ENABLED", "target_capacity": 101}, "target_capacity must be 1-100"),
                          ({"status": "ENABLED", "minimum_scaling_step_size": 5, "maximum_scaling_step_size": 2},
                           "greater than maximum_scaling_step_size")):
        errors = cu.validate_capacity_provider(cu.capacity_provider_desired(provider_params(managed_scaling=bad)))
        assert any(fragment in e for e in errors), errors


def test_strategy_without_a_provider():
    providers, strategy = cu.strategy_without(described(), "b")
    assert providers == ["a"] and strategy == [{"capacityProvider": "a", "weight": 1, "base": 1}]
