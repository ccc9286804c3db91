"""CloudWatch alarm listings and SNS subscription confirmation against the documented behaviour
(tools/tests/fixtures/documented.json): DescribeAlarms applies all its filters together; e-mail and HTTP/S
subscriptions wait for their endpoint to confirm, SQS ones do not."""
import uuid

from documented import DOCUMENTED

SNS = DOCUMENTED["sns_subscription_confirmation"]


def _alarm(cloudwatch, name, actions=()):
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/ECS", MetricName="CPUUtilization", Statistic="Average",
                                Dimensions=[{"Name": "ClusterName", "Value": "c"}], Period=60, EvaluationPeriods=1,
                                Threshold=90.0, ComparisonOperator="GreaterThanThreshold", AlarmActions=list(actions))


def test_describe_alarms_applies_the_name_prefix_and_the_state_together(client):
    cloudwatch = client("cloudwatch")
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    for name in ("a", "b", "c"):
        _alarm(cloudwatch, prefix + name, [f"arn:aws:sns:us-east-1:123456789012:{prefix}{name}"])
    _alarm(cloudwatch, "other-" + prefix + "a")
    cloudwatch.set_alarm_state(AlarmName=prefix + "b", StateValue="ALARM", StateReason="test")
    cloudwatch.set_alarm_state(AlarmName="other-" + prefix + "a", StateValue="ALARM", StateReason="test")

    def names(**filters):
        return sorted(a["AlarmName"] for a in cloudwatch.describe_alarms(**filters)["MetricAlarms"])

    assert names(AlarmNamePrefix=prefix) == [prefix + n for n in ("a", "b", "c")]
    assert names(AlarmNamePrefix=prefix, StateValue="ALARM") == [prefix + "b"]
    assert names(AlarmNames=[prefix + "a", prefix + "b"], StateValue="OK") == [prefix + "a"]
    assert names(ActionPrefix=f"arn:aws:sns:us-east-1:123456789012:{prefix}c", StateValue="OK") == [prefix + "c"]
    assert names(AlarmNamePrefix=prefix, AlarmTypes=["CompositeAlarm"]) == []


def test_email_and_https_subscriptions_wait_for_confirmation_sqs_ones_do_not(client, control):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name=f"t{uuid.uuid4().hex[:8]}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"q{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == \
        SNS["subscribe_answer"]
    # subscribing again while pending: the same answer (AWS sends another confirmation message)
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == \
        SNS["subscribe_answer"]
    hook = sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://hooks.example.com/x",
                         ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert hook.startswith(topic + ":")
    assert sns.get_subscription_attributes(SubscriptionArn=hook)["Attributes"]["PendingConfirmation"] == \
        SNS["pending_attribute"]
    queued = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    assert queued.startswith(topic + ":")

    listed = {s["Endpoint"]: s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
    assert listed == {"ops@example.com": SNS["listed_arn"], "https://hooks.example.com/x": SNS["listed_arn"],
                      queue_arn: queued}
    assert SNS["listed_arn"] in {s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]
                                 if s["TopicArn"] == topic}

    confirmed = control("sns/confirm-subscription", {"topic_arn": topic, "endpoint": "ops@example.com"})
    listed = {s["Endpoint"]: s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
    assert listed["ops@example.com"] == confirmed["subscription_arn"] and listed["ops@example.com"].startswith(topic + ":")
    sns.unsubscribe(SubscriptionArn=confirmed["subscription_arn"])
    assert "ops@example.com" not in {s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
