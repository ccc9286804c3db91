from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_capacity_provider

ASG = ("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0a1b2c3d-0000-0000-0000-000000000000:"
       "autoScalingGroupName/shop-ondemand")
ARN = "arn:aws:ecs:us-east-1:123456789012:capacity-provider/shop-ondemand"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/shop"
ARGS = {"name": "shop-ondemand", "auto_scaling_group_arn": ASG, "managed_termination_protection": "ENABLED",
        "managed_scaling": {"status": "ENABLED", "target_capacity": 100}, "tags": {"cloudops:stack": "shop"}}


def provider(target=100, status="UPDATE_COMPLETE"):
    return {"capacityProviderArn": ARN, "name": "shop-ondemand", "status": "ACTIVE", "updateStatus": status,
            "autoScalingGroupProvider": {"autoScalingGroupArn": ASG, "managedTerminationProtection": "ENABLED",
                                         "managedScaling": {"status": "ENABLED", "targetCapacity": target}},
            "tags": [{"key": "cloudops:stack", "value": "shop"}]}


def describe(stubs, item):
    stubs["ecs"].add_response("describe_capacity_providers", {"capacityProviders": [item] if item else []},
                              {"capacityProviders": ["shop-ondemand"], "include": ["TAGS"]})


def test_no_change(stubs, run_module):
    describe(stubs, provider())
    result, failed = run_module(ecs_capacity_provider, ARGS)
    assert not failed and result["changed"] is False and result["changes"] == []


def test_check_mode_on_an_empty_account(stubs, run_module):
    describe(stubs, None)
    result, failed = run_module(ecs_capacity_provider, ARGS, check_mode=True)
    assert not failed and result["changes"] == ["created"] and result["diff"]["after"]["name"] == "shop-ondemand"


def test_update_waits_until_settled(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    describe(stubs, provider(target=90))
    stubs["ecs"].add_response("update_capacity_provider", {"capacityProvider": provider(status="UPDATE_IN_PROGRESS")}, {
        "name": "shop-ondemand", "autoScalingGroupProvider": {
            "managedTerminationProtection": "ENABLED", "managedScaling": {"status": "ENABLED", "targetCapacity": 100}}})
    describe(stubs, provider(status="UPDATE_IN_PROGRESS"))
    describe(stubs, provider())
    result, failed = run_module(ecs_capacity_provider, ARGS)
    assert not failed, result
    assert result["changes"] == ["managedScaling.targetCapacity"]
    assert result["capacity_provider"]["update_status"] == "UPDATE_COMPLETE"
    assert result["diff"]["before"] != result["diff"]["after"]
    assert len(clock.slept) == 1


def test_absent_refuses_while_a_cluster_uses_it(stubs, run_module):
    describe(stubs, provider())
    stubs["ecs"].add_response("list_clusters", {"clusterArns": [CLUSTER]})
    stubs["ecs"].add_response("describe_clusters", {"clusters": [{"clusterArn": CLUSTER, "clusterName": "shop",
                                                                 "capacityProviders": ["shop-ondemand"]}]})
    result, failed = run_module(ecs_capacity_provider, {"name": "shop-ondemand", "state": "absent"})
    assert failed and "still associated with cluster(s) shop" in result["msg"] and result["clusters"] == ["shop"]


def test_reserved_name_is_refused(stubs, run_module):
    result, failed = run_module(ecs_capacity_provider, dict(ARGS, name="ecs-x"))
    assert failed and "cannot start with aws, ecs or fargate" in result["msg"]


def test_aws_error(stubs, run_module):
    stubs["ecs"].add_client_error("describe_capacity_providers", "AccessDeniedException", "denied")
    result, failed = run_module(ecs_capacity_provider, ARGS)
    assert failed and result["msg"].startswith("Failed to describe capacity provider shop-ondemand")


SPOT_ASG = ASG.replace("shop-ondemand", "shop-spot")


def spot_provider():
    return dict(provider(), capacityProviderArn=ARN.replace("shop-ondemand", "shop-spot"), name="shop-spot",
                autoScalingGroupProvider=dict(provider()["autoScalingGroupProvider"], autoScalingGroupArn=SPOT_ASG))


def test_several_providers_in_one_process_each_converged_in_order(stubs, run_module):
    # one DescribeCapacityProviders for every provider
    stubs["ecs"].add_response("describe_capacity_providers", {"capacityProviders": [provider()]},
                              {"capacityProviders": ["shop-ondemand", "shop-spot"], "include": ["TAGS"]})
    spot = dict(ARGS, name="shop-spot", auto_scaling_group_arn=SPOT_ASG)
    result, failed = run_module(ecs_capacity_provider, {"capacity_providers": [ARGS, spot]}, check_mode=True)
    assert not failed, result
    assert [r["changes"] for r in result["capacity_providers"]] == [[], ["created"]]
    assert result["changed"] is True and set(result["diff"]["after"]) == {"shop-ondemand", "shop-spot"}


def test_an_item_without_its_name_or_with_a_bad_value_is_refused_naming_it(stubs, run_module):
    result, failed = run_module(ecs_capacity_provider, {"capacity_providers": [dict(ARGS, name=None)]})
    assert failed and result["msg"].startswith("capacity_providers[0]: name is required")
    bad = dict(ARGS, managed_draining="SOMETIMES")
    result, failed = run_module(ecs_capacity_provider, {"capacity_providers": [bad]})
    assert failed and "capacity_providers[0] (shop-ondemand)" in result["msg"] and "managed_draining" in result["msg"]


def test_a_provider_listed_twice_is_refused_before_any_call(stubs, run_module):
    result, failed = run_module(ecs_capacity_provider, {"capacity_providers": [ARGS, ARGS]})
    assert failed and result["msg"] == ("capacity_providers lists shop-ondemand more than once: give each name once")


def test_neither_name_nor_list_is_refused(stubs, run_module):
    result, failed = run_module(ecs_capacity_provider, {"auto_scaling_group_arn": ASG})
    assert failed and "name or capacity_providers is required" in result["msg"]


def cluster(providers, strategy):
    return {"clusterArn": CLUSTER, "clusterName": "shop", "status": "ACTIVE", "capacityProviders": providers,
            "defaultCapacityProviderStrategy": strategy, "settings": [], "tags": [], "configuration": {}}


def describe_cluster(stubs, item):
    stubs["ecs"].add_response("describe_clusters", {"clusters": [item]}, {
        "clusters": ["shop"], "include": ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "TAGS"]})


STRATEGY = [{"capacity_provider": "shop-ondemand", "weight": 1, "base": 1}]
API_STRATEGY = [{"capacityProvider": "shop-ondemand", "weight": 1, "base": 1}]


def test_providers_and_their_association_with_the_cluster_in_one_process(stubs, run_module):
    describe(stubs, provider())
    describe_cluster(stubs, cluster(["shop-ondemand"], API_STRATEGY))
    args = {"capacity_providers": [ARGS], "cluster": "shop", "default_capacity_provider_strategy": STRATEGY}
    result, failed = run_module(ecs_capacity_provider, args)
    assert not failed, result
    assert result["changed"] is False and result["cluster_changes"] == []
    assert result["cluster"]["cluster_arn"] == CLUSTER and result["cluster"]["capacity_providers"] == ["shop-ondemand"]
    # A cluster without the provider gets it, and the strategy, in one PutClusterCapacityProviders.
    describe(stubs, provider())
    describe_cluster(stubs, cluster([], []))
    stubs["ecs"].add_response("put_cluster_capacity_providers", {"cluster": cluster(["shop-ondemand"], API_STRATEGY)}, {
        "cluster": "shop", "capacityProviders": ["shop-ondemand"], "defaultCapacityProviderStrategy": API_STRATEGY})
    describe_cluster(stubs, cluster(["shop-ondemand"], API_STRATEGY))
    result, failed = run_module(ecs_capacity_provider, args)
    assert not failed, result
    assert result["changed"] is True and result["cluster_changes"] == ["capacity_providers"]
    assert result["diff"]["after"]["cluster shop"]["capacity_providers"] == ["shop-ondemand"]


def test_a_cluster_without_the_list_is_refused(stubs, run_module):
    result, failed = run_module(ecs_capacity_provider, dict(ARGS, cluster="shop"))
    assert failed and "capacity_providers" in result["msg"]
