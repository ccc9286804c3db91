import json

from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import logs_key_policy
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
    describe(stubs, cluster())  # one read: an unchanged cluster is returned as read
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


EXEC = "/shop/ecs-exec"
EXEC_ACCOUNT = "123456789012"
EXEC_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
EXEC_KEY = "arn:aws:kms:us-east-1:%s:key/%s" % (EXEC_ACCOUNT, EXEC_KEY_ID)
EXEC_ARGS = dict(ARGS, exec_log_group={"name": EXEC, "retention_days": 90, "key_alias": "shop-ecs-exec",
                                       "tags": {"cloudops:stack": "shop"}})


def exec_destination_found(stubs, group=True):
    stubs["sts"].add_response("get_caller_identity", {"Arn": "arn:aws:iam::%s:user/ops" % EXEC_ACCOUNT,
                                                      "Account": EXEC_ACCOUNT, "UserId": "AIDA"})
    stubs["kms"].add_response("describe_key", {"KeyMetadata": {"KeyId": EXEC_KEY_ID, "Arn": EXEC_KEY, "KeyState": "Enabled",
                                                               "Description": "exec"}}, {"KeyId": "alias/shop-ecs-exec"})
    stubs["kms"].add_response("get_key_rotation_status", {"KeyRotationEnabled": True}, {"KeyId": EXEC_KEY_ID})
    stubs["kms"].add_response("get_key_policy", {"Policy": json.dumps(
        logs_key_policy("aws", "us-east-1", EXEC_ACCOUNT, [EXEC]))}, {"KeyId": EXEC_KEY_ID, "PolicyName": "default"})
    groups = [{"logGroupName": EXEC, "retentionInDays": 90, "kmsKeyId": EXEC_KEY}] if group else []
    stubs["logs"].add_response("describe_log_groups", {"logGroups": groups}, {"logGroupNamePrefix": EXEC})
    if group:
        stubs["logs"].add_response("list_tags_log_group", {"tags": {"cloudops:stack": "shop", "Name": EXEC}},
                                   {"logGroupName": EXEC})


def exec_cluster():
    return dict(cluster(), configuration={"executeCommandConfiguration": {
        "kmsKeyId": EXEC_KEY, "logging": "OVERRIDE",
        "logConfiguration": {"cloudWatchLogGroupName": EXEC, "cloudWatchEncryptionEnabled": True}}})


def test_the_exec_log_group_and_its_key_converge_with_the_cluster_in_one_process(stubs, run_module):
    exec_destination_found(stubs)
    describe(stubs, exec_cluster())
    result, failed = run_module(ecs_cluster, EXEC_ARGS)
    assert not failed, result
    assert result["changed"] is False and result["changes"] == []
    assert result["exec_log_group"] == {"name": EXEC, "key_arn": EXEC_KEY,
                                        "arn": "arn:aws:logs:us-east-1:%s:log-group:%s" % (EXEC_ACCOUNT, EXEC)}


def test_a_missing_exec_log_group_is_reported_with_the_cluster_in_check_mode(stubs, run_module):
    exec_destination_found(stubs, group=False)
    describe(stubs, exec_cluster())
    result, failed = run_module(ecs_cluster, EXEC_ARGS, check_mode=True)
    assert not failed, result
    assert result["changed"] is True and result["changes"] == ["create log group %s (KMS, 90 days)" % EXEC]
