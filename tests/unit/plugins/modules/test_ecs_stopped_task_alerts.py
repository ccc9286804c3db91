import json

from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.module_utils.stopped_task_alerts import event_pattern, topic_policy
from ansible_collections.cloudops.ecs.plugins.modules import ecs_stopped_task_alerts

CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/shop"
TOPIC = "arn:aws:sns:us-east-1:123456789012:shop-stopped-tasks"
RULE = "arn:aws:events:us-east-1:123456789012:rule/shop-stopped-tasks"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
ARGS = {"name": "shop-stopped-tasks", "cluster_arn": CLUSTER, "kms_key_id": KEY}


def converged(stubs, topic=True, rule=True):
    stubs["sns"].add_response("list_topics", {"Topics": [{"TopicArn": TOPIC}] if topic else []})
    if rule:
        stubs["events"].add_response("describe_rule", {"Name": ARGS["name"], "Arn": RULE, "State": "ENABLED",
                                                       "EventPattern": json.dumps(event_pattern(CLUSTER))})
    else:
        stubs["events"].add_client_error("describe_rule", "ResourceNotFoundException")
    if topic:
        stubs["sns"].add_response("get_topic_attributes", {"Attributes": {
            "KmsMasterKeyId": KEY, "Policy": json.dumps(topic_policy(TOPIC, RULE, "123456789012"))}})


def test_no_change(stubs, run_module):
    converged(stubs)
    stubs["events"].add_response("list_targets_by_rule", {"Targets": [{"Id": "sns", "Arn": TOPIC}]})
    result, failed = run_module(ecs_stopped_task_alerts, ARGS)
    assert not failed and result["changed"] is False and result["diff"] == {"before": {}, "after": {}}
    assert result["topic_arn"] == TOPIC and result["rule_arn"] == RULE


def test_check_mode_on_an_empty_account_derives_the_arns(stubs, run_module):
    converged(stubs, topic=False, rule=False)
    result, failed = run_module(ecs_stopped_task_alerts, dict(ARGS, email="ops@example.com"), check_mode=True)
    assert not failed and result["changed"] is True
    assert result["changes"] == ["topic created", "e-mail subscription", "rule created", "rule target"]
    assert result["topic_arn"] == TOPIC and result["rule_arn"] == RULE


def test_create(stubs, run_module):
    converged(stubs, topic=False, rule=False)
    stubs["sns"].add_response("create_topic", {"TopicArn": TOPIC}, {"Name": ARGS["name"], "Attributes": ANY, "Tags": []})
    stubs["events"].add_response("put_rule", {"RuleArn": RULE})
    stubs["events"].add_response("list_targets_by_rule", {})
    stubs["events"].add_response("put_targets", {"FailedEntryCount": 0},
                                 {"Rule": ARGS["name"], "Targets": [{"Id": "sns", "Arn": TOPIC}]})
    result, failed = run_module(ecs_stopped_task_alerts, ARGS)
    assert not failed and result["changes"] == ["topic created", "rule created", "rule target"]


def test_only_the_rule_may_publish_and_the_principal_follows_the_partition():
    policy = topic_policy(TOPIC.replace("arn:aws:", "arn:aws-cn:"), RULE, "123456789012")
    assert policy["Statement"][1]["Principal"] == {"Service": "events.amazonaws.com"}
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws-cn:iam::123456789012:root"}


def test_error_reports_the_changes_so_far(stubs, run_module):
    converged(stubs, topic=False, rule=False)
    stubs["sns"].add_client_error("create_topic", "AuthorizationError", "denied")
    result, failed = run_module(ecs_stopped_task_alerts, ARGS)
    assert failed and result["msg"].startswith("Failed to manage stopped-task alerts shop-stopped-tasks")
    assert result["changes"] == ["topic created"]
