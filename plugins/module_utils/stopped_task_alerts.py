# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alerts for ECS tasks that stop unexpectedly: an EventBridge rule on the cluster's task state
changes publishing to an encrypted SNS topic that only the rule may publish to. The pattern and
the policy are pure; StoppedTaskAlerts converges them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import account_root_arn, build_arn, parse_arn
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import service_principal
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import LazyClients, Service
from ansible_collections.cloudops.ecs.plugins.module_utils.kms import alias_name, converge_owned_key
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import error_handler

EventsErrors = error_handler(missing_codes=["ResourceNotFoundException"])
TopicErrors = error_handler(missing_codes=["NotFound", "NotFoundException"])

EXPECTED_STOP_CODES = ["UserInitiated", "ServiceSchedulerInitiated"]
# The service scheduler stops tasks for deployments, scale-in and drains ("Scaling activity initiated by
# (deployment ...)", "Task stopped because the container instance is being drained"), all expected, and replaces
# tasks that failed their health checks, which is not: those stops are matched by their stoppedReason.
HEALTH_CHECK_STOP_REASONS = ["Task failed ELB health checks", "Task failed container health checks"]


def event_pattern(cluster_arn):
    """Task state changes to STOPPED in the cluster with a stopCode other than the expected ones, or a scheduler
    stop for failed ELB or container health checks (EventBridge `$or`, `anything-but` and `prefix` matching)."""
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "lastStatus": ["STOPPED"],
            "$or": [
                {"stopCode": [{"anything-but": EXPECTED_STOP_CODES}]},
                {"stopCode": ["ServiceSchedulerInitiated"],
                 "stoppedReason": [{"prefix": reason} for reason in HEALTH_CHECK_STOP_REASONS]},
            ],
        },
    }


def topic_policy(topic_arn, rule_arn, account_id):
    """The owning account administers the topic; EventBridge publishes from the rule only, CloudWatch from the
    account's alarms only (service principals of the topic's partition)."""
    topic = parse_arn(topic_arn)
    partition = topic["partition"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Owner", "Effect": "Allow",
             "Principal": {"AWS": account_root_arn(partition, account_id)},
             "Action": ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
                        "sns:ListSubscriptionsByTopic", "sns:Publish", "sns:DeleteTopic"],
             "Resource": topic_arn},
            {"Sid": "EventBridgeRule", "Effect": "Allow", "Principal": {"Service": service_principal("events", partition)},
             "Action": "sns:Publish", "Resource": topic_arn,
             "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}},
            {"Sid": "CloudWatchAlarms", "Effect": "Allow",
             "Principal": {"Service": service_principal("cloudwatch", partition)},
             "Action": "sns:Publish", "Resource": topic_arn,
             "Condition": {"ArnLike": {"aws:SourceArn": build_arn(partition, "cloudwatch", topic["region"], account_id,
                                                                  "alarm:*")},
                           "StringEquals": {"aws:SourceAccount": account_id}}},
        ],
    }


PROTOCOLS = ("email", "email-json", "https", "sqs", "lambda")
PENDING = "PendingConfirmation"


def wanted_subscriptions(subscriptions, email=None):
    """[(protocol, endpoint)] from the subscription list and the single e-mail address, without duplicates."""
    wanted = []
    for item in list(subscriptions or []) + ([{"protocol": "email", "endpoint": email}] if email else []):
        key = (item["protocol"], item["endpoint"])
        if key not in wanted:
            wanted.append(key)
    return wanted


def subscription_plan(current, wanted, purge):
    """(to subscribe, to unsubscribe) from the topic's subscriptions and the wanted (protocol, endpoint) pairs. A
    subscription pending confirmation counts as present (subscribing again would only send another confirmation
    message) and cannot be removed (it has no ARN until confirmed; AWS deletes it unconfirmed after three days)."""
    have = dict(((s.get("Protocol"), s.get("Endpoint")), s.get("SubscriptionArn")) for s in current)
    add = [key for key in wanted if key not in have]
    remove = [(key, arn) for key, arn in have.items() if purge and key not in wanted and arn and arn != PENDING
              and arn.startswith("arn:")]
    return add, sorted(remove)


class StoppedTaskAlerts(Service):
    SERVICES = ("sns", "events", "kms")

    def __init__(self, *args, **kwargs):
        super(StoppedTaskAlerts, self).__init__(*args, **kwargs)
        self.name = self.params["name"]
        self.changes = []
        self.kms_key_id = self.params.get("kms_key_id")

    @classmethod
    def clients_for(cls, module):
        return LazyClients(module)  # kms only with kms_key

    def aws(self, service, method, /, **params):
        return self.call(service, method, "manage stopped-task alerts %s" % self.name, **params)

    def change(self, what, service=None, method=None, /, **params):
        """Record a change and make it (not in check mode)."""
        self.changes.append(what)
        if method and not self.check_mode:
            return self.aws(service, method, **params)
        return None

    # -- reads ----------------------------------------------------------------------------------------------
    def cluster(self):
        """The parts of cluster_arn (partition, region, account_id, ...), or None without it."""
        if not self.params.get("cluster_arn"):
            return None
        try:
            return parse_arn(self.params["cluster_arn"])
        except ValueError as e:
            raise CloudopsError(message="cluster_arn=%r is not an ECS cluster ARN" % self.params["cluster_arn"]) from e

    def topic(self):
        """(ARN, attributes) of the topic `name`, or (None, None). With cluster_arn one GetTopicAttributes on the ARN
        the cluster's partition and account and the region the module talks to give; without it (absent) the topic
        is found in ListTopics."""
        cluster = self.cluster()
        if cluster is None:
            topics = self.paginate("sns", "list_topics", "Topics", "manage stopped-task alerts %s" % self.name)
            found = [t["TopicArn"] for t in topics if t["TopicArn"].rsplit(":", 1)[1] == self.name]
            return (found[-1] if found else None), None

        arn = build_arn(cluster["partition"], "sns", self.region or cluster["region"], cluster["account_id"], self.name)

        @TopicErrors.list_error_handler("manage stopped-task alerts %s" % self.name)
        def attributes():
            return self.clients["sns"].get_topic_attributes(aws_retry=True, TopicArn=arn)["Attributes"]
        found = attributes()
        return (arn, found) if found is not None else (None, None)

    def rule(self):
        @EventsErrors.list_error_handler("manage stopped-task alerts %s" % self.name)
        def describe():
            return self.clients["events"].describe_rule(aws_retry=True, Name=self.name)
        return describe()

    def targets(self):
        return self.aws("events", "list_targets_by_rule", Rule=self.name).get("Targets", [])

    # -- converge -------------------------------------------------------------------------------------------
    def absent(self, topic_arn, rule):
        if rule is not None:
            self.changes.append("rule")
            if not self.check_mode:
                targets = self.targets()
                if targets:
                    self.aws("events", "remove_targets", Rule=self.name, Ids=[t["Id"] for t in targets])
                self.aws("events", "delete_rule", Name=self.name)
        if topic_arn is not None:
            self.change("topic", "sns", "delete_topic", TopicArn=topic_arn)
        return dict(changed=bool(self.changes), changes=self.changes)

    def ensure_key(self):
        """The owned key of `kms_key` converged; its ARN (its alias in check mode before it exists)."""
        spec = self.params.get("kms_key")
        if not spec:
            return self.kms_key_id
        meta = converge_owned_key(self, spec)
        return meta["Arn"] if meta else alias_name(spec["alias"])

    def ensure_topic(self, topic_arn, attributes, policy):
        kms_key_id = self.kms_key_id
        if topic_arn is None:
            created = self.change("topic created", "sns", "create_topic", Name=self.name,
                                  Attributes={"KmsMasterKeyId": kms_key_id, "Policy": json.dumps(policy)},
                                  Tags=tagging.to_list(dict((k, str(v)) for k, v in (self.params["tags"] or {}).items())))
            return created["TopicArn"] if created else None
        if attributes.get("KmsMasterKeyId") != kms_key_id:
            self.change("topic encryption key", "sns", "set_topic_attributes", TopicArn=topic_arn,
                        AttributeName="KmsMasterKeyId", AttributeValue=kms_key_id)
        if json.loads(attributes.get("Policy") or "{}") != policy:
            self.change("topic policy", "sns", "set_topic_attributes", TopicArn=topic_arn,
                        AttributeName="Policy", AttributeValue=json.dumps(policy))
        return topic_arn

    def ensure_subscriptions(self, topic_arn):
        """The topic's subscriptions converged to the wanted list: missing ones subscribed, others unsubscribed when
        purge_subscriptions (those pending confirmation stay: they have no ARN to unsubscribe)."""
        subscriptions, email = self.params.get("subscriptions"), self.params["email"]
        if subscriptions is None and not email:
            return []
        wanted = wanted_subscriptions(subscriptions, email)
        current = self.paginate("sns", "list_subscriptions_by_topic", "Subscriptions",
                                "manage stopped-task alerts %s" % self.name, TopicArn=topic_arn) if topic_arn else []
        add, remove = subscription_plan(current, wanted, subscriptions is not None and self.params.get("purge_subscriptions", True))
        pending = [s.get("Endpoint") for s in current if s.get("SubscriptionArn") == PENDING]
        for protocol, endpoint in add:
            what = "e-mail subscription" if protocol == "email" and endpoint == self.params["email"] else \
                "subscribe %s %s" % (protocol, endpoint)
            if not topic_arn:
                self.changes.append(what)
                continue
            answer = self.change(what, "sns", "subscribe", TopicArn=topic_arn, Protocol=protocol, Endpoint=endpoint)
            if (answer or {}).get("SubscriptionArn", "").lower() == "pending confirmation":
                pending.append(endpoint)
        for (protocol, endpoint), arn in remove:
            self.change("unsubscribe %s %s" % (protocol, endpoint), "sns", "unsubscribe", SubscriptionArn=arn)
        if pending:
            self.warn("subscriptions pending confirmation (the endpoint must confirm): %s" % ", ".join(sorted(pending)))
        return pending

    def ensure_rule(self, rule, pattern, rule_arn):
        if rule is not None and json.loads(rule.get("EventPattern") or "{}") == pattern and rule.get("State") == "ENABLED":
            return rule_arn
        cluster_arn = self.params["cluster_arn"]
        request = dict(Name=self.name, EventPattern=json.dumps(pattern), State="ENABLED",
                       Description="ECS tasks of %s stopped unexpectedly" % cluster_arn.split("/")[-1])
        if rule is None and self.params["tags"]:
            request["Tags"] = tagging.to_list(dict((k, str(v)) for k, v in self.params["tags"].items()))
        put = self.change("rule created" if rule is None else "rule pattern", "events", "put_rule", **request)
        return put["RuleArn"] if put else rule_arn

    def ensure_targets(self, rule, topic_arn, expected_topic_arn):
        targets = self.targets() if rule is not None or not self.check_mode else []
        if [t.get("Arn") for t in targets] == [topic_arn or expected_topic_arn]:
            return
        self.changes.append("rule target")
        if self.check_mode:
            return
        stale = [t["Id"] for t in targets if t.get("Arn") != topic_arn]
        if stale:
            self.aws("events", "remove_targets", Rule=self.name, Ids=stale)
        self.aws("events", "put_targets", Rule=self.name, Targets=[{"Id": "sns", "Arn": topic_arn}])

    def present(self, topic_arn, attributes, rule):
        cluster = self.cluster()
        partition, account_id = cluster["partition"], cluster["account_id"]
        region = self.region or cluster["region"]
        pattern = event_pattern(self.params["cluster_arn"])
        # Topic and rule ARNs without creating them: partition and account from the cluster ARN, the region the
        # module talks to.
        expected_topic_arn = topic_arn or build_arn(partition, "sns", region, account_id, self.name)
        rule_arn = (rule or {}).get("Arn") or build_arn(partition, "events", region, account_id, "rule/" + self.name)
        self.kms_key_id = self.ensure_key()
        topic_arn = self.ensure_topic(topic_arn, attributes, topic_policy(expected_topic_arn, rule_arn, account_id))
        pending = self.ensure_subscriptions(topic_arn)
        rule_arn = self.ensure_rule(rule, pattern, rule_arn)
        self.ensure_targets(rule, topic_arn, expected_topic_arn)
        result = dict(changed=bool(self.changes), changes=self.changes, topic_arn=topic_arn or expected_topic_arn,
                      rule_arn=rule_arn, event_pattern=pattern, pending_confirmation=pending, key_arn=self.kms_key_id)
        if self.diff_mode:
            result["diff"] = dict(before={}, after={"changes": self.changes} if self.changes else {})
        return result

    def run(self):
        try:
            (topic_arn, attributes), rule = self.topic(), self.rule()
            if self.params["state"] == "absent":
                return self.absent(topic_arn, rule)
            return self.present(topic_arn, attributes, rule)
        except CloudopsError as e:
            e.kwargs["changes"] = self.changes
            raise
