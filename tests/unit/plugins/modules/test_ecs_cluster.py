from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_cluster

ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/shop"
INCLUDE = ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "TAGS"]
ARGS = {"name": "shop", "settings": {"container_insights": "enabled"}, "tags": {"cloudops:stack": "shop"}}


def cluster(tags=None, insights="enabled"):
    return {"clusterArn": ARN, "clusterName": "shop", "status": "ACTIVE",
            "settings": [{"name": "containerInsights", "value": insights}],
            "tags": [{"key": k, "value": v} for k, v in (tags or {"cloudops:stack": "shop"}).items()]}


def describe(stubs, item):
    stubs["ecs"].add_response("describe_clusters", {"clusters": [item] if item else []},
                              {"clusters": ["shop"], "include": INCLUDE})


def test_no_change(stubs, run_module):
    describe(stubs, cluster())
    describe(stubs, cluster())
    result, failed = run_module(ecs_cluster, ARGS)
    assert not failed and result["changed"] is False and result["cluster"]["tags"] == {"cloudops:stack": "shop"}


def test_check_mode_on_an_empty_account(stubs, run_module):
    describe(stubs, None)
    result, failed = run_module(ecs_cluster, ARGS, check_mode=True)
    assert not failed and result["changes"] == ["created"] and result["diff"]["after"]["tags"] == {"cloudops:stack": "shop"}


def test_settings_and_tags_change(stubs, run_module):
    describe(stubs, cluster(tags={"cloudops:stack": "shop", "old": "1"}, insights="disabled"))
    stubs["ecs"].add_response("update_cluster", {"cluster": cluster()}, {
        "cluster": "shop", "settings": [{"name": "containerInsights", "value": "enabled"}]})
    stubs["ecs"].add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["old"]})
    describe(stubs, cluster())
    result, failed = run_module(ecs_cluster, ARGS)
    assert not failed and result["changes"] == ["settings", "tags"]
    assert result["diff"]["before"]["tags"] == {"cloudops:stack": "shop", "old": "1"}


def test_absent_refuses_while_services_run(stubs, run_module):
    describe(stubs, cluster())
    stubs["ecs"].add_response("list_services", {"serviceArns": ["arn:aws:ecs:us-east-1:123456789012:service/shop/web"]})
    stubs["ecs"].add_response("list_container_instances", {"containerInstanceArns": []})
    result, failed = run_module(ecs_cluster, {"name": "shop", "state": "absent"})
    assert failed and "still has 1 service(s) and 0 container instance(s)" in result["msg"]


def test_absent_waits_while_the_cluster_is_busy(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    describe(stubs, cluster())
    stubs["ecs"].add_response("list_services", {"serviceArns": []})
    stubs["ecs"].add_response("list_container_instances", {"containerInstanceArns": []})
    stubs["ecs"].add_client_error("delete_cluster", "ClusterContainsTasksException")
    stubs["ecs"].add_response("delete_cluster", {"cluster": cluster()}, {"cluster": "shop"})
    result, failed = run_module(ecs_cluster, {"name": "shop", "state": "absent"})
    assert not failed and result["changes"] == ["deleted"] and clock.slept == [1]


def test_aws_error(stubs, run_module):
    stubs["ecs"].add_client_error("describe_clusters", "AccessDeniedException", "denied")
    result, failed = run_module(ecs_cluster, ARGS)
    assert failed and result["msg"].startswith("Failed to describe cluster shop")


def test_forced_absent_scales_services_to_zero_deletes_them_and_the_cluster(stubs, run_module):
    service = "arn:aws:ecs:us-east-1:123456789012:service/shop/web"
    describe(stubs, cluster())
    stubs["ecs"].add_response("list_services", {"serviceArns": [service]})
    stubs["ecs"].add_response("list_container_instances", {"containerInstanceArns": []})
    stubs["ecs"].add_response("update_service", {}, {"cluster": "shop", "service": service, "desiredCount": 0})
    stubs["ecs"].add_response("delete_service", {}, {"cluster": "shop", "service": service, "force": True})
    stubs["ecs"].add_response("delete_cluster", {"cluster": cluster()}, {"cluster": "shop"})
    result, failed = run_module(ecs_cluster, {"name": "shop", "state": "absent", "force": True})
    assert not failed and result["changes"] == ["deleted"]
