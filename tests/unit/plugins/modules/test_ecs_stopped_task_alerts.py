import json

import pytest

from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.module_utils.stopped_task_alerts import event_pattern, topic_policy
from ansible_collections.cloudops.ecs.plugins.modules import ecs_stopped_task_alerts

CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/shop"
TOPIC = "arn:aws:sns:us-east-1:123456789012:shop-stopped-tasks"
RULE = "arn:aws:events:us-east-1:123456789012:rule/shop-stopped-tasks"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
ARGS = {"name": "shop-stopped-tasks", "cluster_arn": CLUSTER, "kms_key_id": KEY}


def converged(stubs, topic=True, rule=True, pattern=None):
    if topic:
        stubs["sns"].add_response("get_topic_attributes", {"Attributes": {
            "KmsMasterKeyId": KEY, "Policy": json.dumps(topic_policy(TOPIC, RULE, "123456789012"))}},
            {"TopicArn": TOPIC})
    else:
        stubs["sns"].add_client_error("get_topic_attributes", "NotFound", expected_params={"TopicArn": TOPIC})
    if rule:
        stubs["events"].add_response("describe_rule", {"Name": ARGS["name"], "Arn": RULE, "State": "ENABLED",
                                                       "EventPattern": json.dumps(pattern or event_pattern(CLUSTER))})
    else:
        stubs["events"].add_client_error("describe_rule", "ResourceNotFoundException")


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


KEY_POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "Events", "Effect": "Allow",
                                                      "Principal": {"Service": "events.amazonaws.com"},
                                                      "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"}]}
OWNED_KEY = {"alias": "shop-service-alerts", "description": "Encrypts the shop alerts", "policy": json.dumps(KEY_POLICY),
             "tags": {"Name": "shop-service-alerts"}}


def test_the_owned_key_is_converged_in_the_same_call(stubs, run_module):
    stubs["kms"].add_response("describe_key", {"KeyMetadata": {
        "KeyId": "k", "Arn": KEY, "KeyState": "Enabled", "Description": "Encrypts the shop alerts"}},
        {"KeyId": "alias/shop-service-alerts"})
    stubs["kms"].add_response("get_key_rotation_status", {"KeyRotationEnabled": True}, {"KeyId": "k"})
    stubs["kms"].add_response("get_key_policy", {"Policy": json.dumps(KEY_POLICY)}, {"KeyId": "k", "PolicyName": "default"})
    stubs["kms"].add_response("list_resource_tags", {"Tags": [{"TagKey": "Name", "TagValue": "shop-service-alerts"}],
                                                     "Truncated": False}, {"KeyId": "k"})
    converged(stubs)
    stubs["events"].add_response("list_targets_by_rule", {"Targets": [{"Id": "sns", "Arn": TOPIC}]})
    args = dict(ARGS, kms_key=OWNED_KEY)
    del args["kms_key_id"]
    result, failed = run_module(ecs_stopped_task_alerts, args)
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["key_arn"] == KEY and result["topic_arn"] == TOPIC


def test_check_mode_on_an_empty_account_plans_the_owned_key_and_the_topic_with_it(stubs, run_module):
    stubs["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": "alias/shop-service-alerts"})
    converged(stubs, topic=False, rule=False)
    args = dict(ARGS, kms_key=OWNED_KEY)
    del args["kms_key_id"]
    result, failed = run_module(ecs_stopped_task_alerts, args, check_mode=True)
    assert not failed, result.get("msg")
    assert result["changes"] == ["create KMS key alias/shop-service-alerts (rotation on)", "topic created", "rule created",
                                 "rule target"]
    assert result["key_arn"] == "alias/shop-service-alerts"


def test_without_a_key_the_module_says_which_options_to_give(stubs, run_module):
    args = dict(ARGS)
    del args["kms_key_id"]
    result, failed = run_module(ecs_stopped_task_alerts, args)
    assert failed and "kms_key_id" in result["msg"] and "kms_key" in result["msg"]


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


# -- the event pattern ---------------------------------------------------------------------------------------------
ELB_KILL = "Task failed ELB health checks in (target-group %s)" % (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/0123456789abcdef")
STOPS = {
    "elb health check": ("ServiceSchedulerInitiated", ELB_KILL, True),
    "container health check": ("ServiceSchedulerInitiated", "Task failed container health checks", True),
    "essential container exited": ("EssentialContainerExited", "Essential container in task exited", True),
    "failed start": ("TaskFailedToStart", "CannotPullContainerError: pull access denied", True),
    "spot interruption": ("SpotInterruption", "Your Spot Task was interrupted.", True),
    "deployment": ("ServiceSchedulerInitiated", "Scaling activity initiated by (deployment ecs-svc/1234567890123456789)",
                   False),
    "drain": ("ServiceSchedulerInitiated", "Task stopped because the container instance is being drained", False),
    "user": ("UserInitiated", "Task failed ELB health checks (a user's words)", False),
}


def task_stopped(stop_code, reason, cluster=CLUSTER, last_status="STOPPED"):
    return {"version": "0", "id": "3317b2af-7005-947d-b652-f55e762e571a", "detail-type": "ECS Task State Change",
            "source": "aws.ecs", "account": "123456789012", "time": "2025-01-01T00:00:00Z", "region": "us-east-1",
            "resources": [CLUSTER.replace(":cluster/", ":task/") + "/0123456789abcdef0123456789abcdef"],
            "detail": {"clusterArn": cluster, "lastStatus": last_status, "desiredStatus": "STOPPED",
                       "stopCode": stop_code, "stoppedReason": reason, "group": "service:web"}}


def test_pattern_keeps_the_expected_stop_codes_out_and_matches_health_check_kills_by_reason():
    detail = event_pattern(CLUSTER)["detail"]
    assert detail["clusterArn"] == [CLUSTER] and detail["lastStatus"] == ["STOPPED"]
    unexpected, health = detail["$or"]
    assert unexpected == {"stopCode": [{"anything-but": ["UserInitiated", "ServiceSchedulerInitiated"]}]}
    assert health == {"stopCode": ["ServiceSchedulerInitiated"], "stoppedReason": [
        {"prefix": "Task failed ELB health checks"}, {"prefix": "Task failed container health checks"}]}


@pytest.mark.parametrize("stop", sorted(STOPS))
def test_pattern_matches_what_eventbridge_would(stop):
    """Evaluated with moto's EventBridge pattern matcher (what the local AWS uses for TestEventPattern)."""
    models = pytest.importorskip("moto.events.models")
    stop_code, reason, alert = STOPS[stop]
    pattern = models.EventPattern.load(json.dumps(event_pattern(CLUSTER)))
    assert pattern.matches_event(task_stopped(stop_code, reason)) is alert
    assert not pattern.matches_event(task_stopped(stop_code, reason, cluster=CLUSTER + "-other"))
    assert not pattern.matches_event(task_stopped(stop_code, reason, last_status="DEPROVISIONING"))


def test_a_rule_with_the_earlier_pattern_is_updated(stubs, run_module):
    old = dict(event_pattern(CLUSTER), detail={
        "clusterArn": [CLUSTER], "lastStatus": ["STOPPED"],
        "stopCode": [{"anything-but": ["UserInitiated", "ServiceSchedulerInitiated"]}]})
    converged(stubs, pattern=old)
    stubs["events"].add_response("put_rule", {"RuleArn": RULE}, {
        "Name": ARGS["name"], "EventPattern": json.dumps(event_pattern(CLUSTER)), "State": "ENABLED",
        "Description": "ECS tasks of shop stopped unexpectedly"})
    stubs["events"].add_response("list_targets_by_rule", {"Targets": [{"Id": "sns", "Arn": TOPIC}]})
    result, failed = run_module(ecs_stopped_task_alerts, ARGS)
    assert not failed and result["changes"] == ["rule pattern"]


# -- subscriptions and the alarms' right to publish -----------------------------------------------------------------
def test_cloudwatch_alarms_of_the_account_may_publish_with_the_partition_principal():
    policy = topic_policy(TOPIC.replace("arn:aws:", "arn:aws-cn:"), RULE, "123456789012")
    [alarms] = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchAlarms"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and alarms["Action"] == "sns:Publish"
    assert alarms["Condition"] == {"ArnLike": {"aws:SourceArn": "arn:aws-cn:cloudwatch:us-east-1:123456789012:alarm:*"},
                                   "StringEquals": {"aws:SourceAccount": "123456789012"}}


def _subscription(protocol, endpoint, arn):
    return {"Protocol": protocol, "Endpoint": endpoint, "SubscriptionArn": arn, "TopicArn": TOPIC, "Owner": "123456789012"}


def test_subscriptions_converge_add_remove_and_pending_ones_stay(stubs, run_module):
    converged(stubs)
    queue = "arn:aws:sqs:us-east-1:123456789012:ops"
    stubs["sns"].add_response("list_subscriptions_by_topic", {"Subscriptions": [
        _subscription("email", "old@example.com", TOPIC + ":1111"),
        _subscription("email", "new@example.com", "PendingConfirmation"),
        _subscription("email", "gone@example.com", "PendingConfirmation"),
    ]})
    stubs["sns"].add_response("subscribe", {"SubscriptionArn": TOPIC + ":2222"},
                              {"TopicArn": TOPIC, "Protocol": "sqs", "Endpoint": queue})
    stubs["sns"].add_response("subscribe", {"SubscriptionArn": "pending confirmation"},
                              {"TopicArn": TOPIC, "Protocol": "https", "Endpoint": "https://hooks.example.com/y"})
    stubs["sns"].add_response("unsubscribe", {}, {"SubscriptionArn": TOPIC + ":1111"})
    stubs["events"].add_response("list_targets_by_rule", {"Targets": [{"Id": "sns", "Arn": TOPIC}]})
    args = dict(ARGS, subscriptions=[{"protocol": "email", "endpoint": "new@example.com"},
                                     {"protocol": "sqs", "endpoint": queue},
                                     {"protocol": "https", "endpoint": "https://hooks.example.com/y"}])
    result, failed = run_module(ecs_stopped_task_alerts, args)
    assert not failed, result
    assert result["changes"] == ["subscribe sqs %s" % queue, "subscribe https https://hooks.example.com/y",
                                 "unsubscribe email old@example.com"]
    # listed pending, and the new one Subscribe answered "pending confirmation" for
    assert result["pending_confirmation"] == ["new@example.com", "gone@example.com", "https://hooks.example.com/y"]
    assert any("pending confirmation" in w for w in result["warnings"])


def test_converged_subscriptions_change_nothing(stubs, run_module):
    converged(stubs)
    stubs["sns"].add_response("list_subscriptions_by_topic", {"Subscriptions": [
        _subscription("https", "https://hooks.example.com/x", TOPIC + ":3333")]})
    stubs["events"].add_response("list_targets_by_rule", {"Targets": [{"Id": "sns", "Arn": TOPIC}]})
    args = dict(ARGS, subscriptions=[{"protocol": "https", "endpoint": "https://hooks.example.com/x"}])
    result, failed = run_module(ecs_stopped_task_alerts, args)
    assert not failed and result["changed"] is False


def test_absent_without_the_cluster_finds_the_topic_by_name(stubs, run_module):
    other = TOPIC.replace("shop-stopped-tasks", "shop-stopped-tasks-old")
    stubs["sns"].add_response("list_topics", {"Topics": [{"TopicArn": other}, {"TopicArn": TOPIC}]})
    stubs["events"].add_response("describe_rule", {"Name": ARGS["name"], "Arn": RULE})
    stubs["events"].add_response("list_targets_by_rule", {"Targets": [{"Id": "sns", "Arn": TOPIC}]})
    stubs["events"].add_response("remove_targets", {}, {"Rule": ARGS["name"], "Ids": ["sns"]})
    stubs["events"].add_response("delete_rule", {}, {"Name": ARGS["name"]})
    stubs["sns"].add_response("delete_topic", {}, {"TopicArn": TOPIC})
    result, failed = run_module(ecs_stopped_task_alerts, {"name": ARGS["name"], "state": "absent"})
    assert not failed and result["changes"] == ["rule", "topic"]


def test_a_topic_that_cannot_be_read_fails_naming_the_alerts(stubs, run_module):
    stubs["sns"].add_client_error("get_topic_attributes", "AuthorizationError", "denied")
    result, failed = run_module(ecs_stopped_task_alerts, ARGS)
    assert failed and "shop-stopped-tasks" in result["msg"] and "denied" in result["msg"]
