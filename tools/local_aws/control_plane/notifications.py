"""CloudWatch DescribeAlarms filters and SNS subscriptions that wait for confirmation, as AWS documents them.

- DescribeAlarms applies every filter it is given together (CloudWatch API reference: AlarmNamePrefix or AlarmNames,
  ActionPrefix, StateValue, AlarmTypes narrow the same listing); moto applied only the first of them it found, so
  `AlarmNamePrefix` with `StateValue=ALARM` listed alarms in every state.
- Subscriptions whose endpoint must confirm (protocols email, email-json, http, https) stay pending until confirmed
  (SNS API reference, Subscribe: "the subscription ARN is returned only after the subscription is confirmed" unless
  ReturnSubscriptionArn is true; until then the answer is "pending confirmation", ListSubscriptionsByTopic and
  ListSubscriptions show SubscriptionArn "PendingConfirmation", GetSubscriptionAttributes PendingConfirmation true).
  moto confirmed them at once. Subscribing the same endpoint again answers "pending confirmation" again. The
  `sns/confirm-subscription` control ({topic_arn, endpoint}) stands for the endpoint's owner confirming.
  SQS and Lambda subscriptions are confirmed at once, as on AWS.
"""
from moto.cloudwatch.responses import CloudWatchResponse
from moto.sns.models import SNSBackend, sns_backends
from moto.sns.responses import SNSResponse

from local_aws.control_plane.core import Component
from local_aws.control_plane.moto_patch import arn_scope, patch

CONFIRMED_BY_ENDPOINT = ("email", "email-json", "http", "https")
PENDING_ARN = "PendingConfirmation"
PENDING_ANSWER = "pending confirmation"


class Notifications(Component):
    name = "notifications"

    def __init__(self, plane):
        super().__init__(plane)
        patch(CloudWatchResponse, "describe_alarms", _every_filter)
        patch(SNSBackend, "subscribe", _pending_until_confirmed)
        patch(SNSResponse, "subscribe", _pending_answer)
        patch(SNSResponse, "list_subscriptions_by_topic", _pending_listed)
        patch(SNSResponse, "list_subscriptions", _pending_listed)

    def controls(self):
        return {"sns/confirm-subscription": self._confirm}

    def _confirm(self, payload):
        """{topic_arn, endpoint}: the endpoint's owner confirms; answers the subscription ARN."""
        account, region = arn_scope(payload["topic_arn"])
        backend = sns_backends[account][region]
        for subscription in backend.subscriptions.values():
            if subscription.topic.arn == payload["topic_arn"] and subscription.endpoint == payload["endpoint"]:
                _set_pending(subscription, False)
                return {"subscription_arn": subscription.arn}
        raise KeyError(f"no subscription of {payload['endpoint']} to {payload['topic_arn']}")


def is_pending(subscription):
    return bool(getattr(subscription, "_lp_pending", False))


def _set_pending(subscription, pending):
    subscription._lp_pending = pending
    subscription.confirmed = not pending
    subscription.attributes["PendingConfirmation"] = "true" if pending else "false"


def _every_filter(original):
    def describe_alarms(response):
        prefix = response._get_param("AlarmNamePrefix")
        names = response._get_param("AlarmNames", [])
        action_prefix = response._get_param("ActionPrefix")
        state = response._get_param("StateValue")
        types = response._get_param("AlarmTypes", [])
        result = original(response)
        listing = result.result

        def kept(alarm):
            return ((not prefix or alarm.name.startswith(prefix)) and (not names or alarm.name in names)
                    and (not action_prefix or any(a.startswith(action_prefix) for a in alarm.alarm_actions or []))
                    and (not state or alarm.state_value == state))

        every = list(response.cloudwatch_backend.alarms.values())
        listing["MetricAlarms"] = [a for a in every if a.rule is None and kept(a)] \
            if not types or "MetricAlarm" in types else []
        listing["CompositeAlarms"] = [a for a in every if a.rule is not None and kept(a)] \
            if "CompositeAlarm" in types else ([] if types else listing["CompositeAlarms"])
        return result

    return describe_alarms


def _pending_until_confirmed(original):
    def subscribe(backend, topic_arn, endpoint, protocol):
        existing = backend._find_subscription(topic_arn, endpoint, protocol)
        subscription = original(backend, topic_arn, endpoint, protocol)
        if existing is None and protocol in CONFIRMED_BY_ENDPOINT:
            _set_pending(subscription, True)
        return subscription

    return subscribe


def _pending_answer(original):
    def subscribe(response):
        result = original(response)
        arn = result.result["SubscriptionArn"]
        account, region = arn_scope(arn)
        subscription = sns_backends[account][region].subscriptions.get(arn)
        wants_arn = str(response._get_param("ReturnSubscriptionArn", "false")).lower() == "true"
        if subscription is not None and is_pending(subscription) and not wants_arn:
            result.result["SubscriptionArn"] = PENDING_ANSWER
        return result

    return subscribe


def _pending_listed(original):
    def listing(response):
        result = original(response)
        result.result["Subscriptions"] = [
            {"SubscriptionArn": PENDING_ARN if is_pending(s) else s.arn, "Owner": s.owner, "Protocol": s.protocol,
             "Endpoint": s.endpoint, "TopicArn": s.topic.arn}
            for s in result.result["Subscriptions"]]
        return result

    return listing
