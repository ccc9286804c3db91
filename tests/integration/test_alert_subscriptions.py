"""The alerts topic's subscriptions converge to a list on the local AWS (its SNS keeps e-mail and HTTPS
subscriptions pending until their endpoint confirms, as AWS does): missing ones are subscribed, confirmed ones not
listed are removed, pending ones are reported and never subscribed twice, a re-run and check mode change nothing."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import day2_stack as d  # noqa: E402

PLAYBOOK = "tests/integration/playbooks/alert_subscriptions.yml"
STACK = "demo"


def _result(run):
    assert run.rc == 0, run.output[-6000:]
    match = re.search(r"ALERTS=(\{.*\})'?$", run.output.replace("\n        ", " "), re.M)
    assert match, run.output[-6000:]
    return json.loads(match.group(1))


def _subscriptions(aws, topic_arn):
    return sorted((s["Protocol"], s["Endpoint"], s["SubscriptionArn"] == "PendingConfirmation")
                  for s in aws("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"])


def test_subscriptions_converge_and_pending_ones_are_reported_not_repeated(local_aws, playbook, aws, endpoint):
    key = aws("kms").create_key(Description="alerts")["KeyMetadata"]["Arn"]
    queue = aws("sqs").create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cluster = f"arn:aws:ecs:us-east-1:123456789012:cluster/{STACK}"
    hook = "https://hooks.example.com/alerts"

    def run(subscriptions, check=False):
        return playbook(PLAYBOOK, check=check, extra_vars={"alert_cluster_arn": cluster, "alert_key_arn": key,
                                                           "alert_subscriptions": subscriptions})

    first = [{"protocol": "email", "endpoint": "oncall@example.com"}, {"protocol": "sqs", "endpoint": queue_arn}]
    planned = run(first, check=True)
    assert planned.rc == 0 and planned.writes == [], planned.writes
    created = run(first)
    result = _result(created)
    topic = result["topic_arn"]
    assert _subscriptions(aws, topic) == [("email", "oncall@example.com", True), ("sqs", queue_arn, False)]
    assert [c.split(" ", 1)[1] for c in created.writes].count("Subscribe") == 2
    assert result["pending_confirmation"] == ["oncall@example.com"]  # Subscribe answered "pending confirmation"

    # the e-mail subscription waits for its owner: reported, not subscribed again (no second message)
    again = run(first)
    assert again.changed == 0 and again.writes == [], again.writes
    assert _result(again)["pending_confirmation"] == ["oncall@example.com"]
    assert "pending confirmation" in again.output

    d.control(endpoint, "sns/confirm-subscription", {"topic_arn": topic, "endpoint": "oncall@example.com"})
    second = [{"protocol": "sqs", "endpoint": queue_arn}, {"protocol": "https", "endpoint": hook}]
    check = run(second, check=True)
    assert check.changed == 1 and check.writes == [], check.writes
    assert _result(check)["changes"] == [f"subscribe https {hook}", "unsubscribe email oncall@example.com"]
    changed = run(second)
    assert sorted(c.split(" ", 1)[1] for c in changed.writes) == ["Subscribe", "Unsubscribe"], changed.writes
    assert _subscriptions(aws, topic) == [("https", hook, True), ("sqs", queue_arn, False)]

    # an unconfirmed subscription cannot be removed (it has no ARN yet): it stays, reported, until confirmed
    emptied = run([])
    assert _subscriptions(aws, topic) == [("https", hook, True)]
    assert _result(emptied)["changes"] == [f"unsubscribe sqs {queue_arn}"]
    d.control(endpoint, "sns/confirm-subscription", {"topic_arn": topic, "endpoint": hook})
    run([])
    assert _subscriptions(aws, topic) == []
    assert run([]).changed == 0
