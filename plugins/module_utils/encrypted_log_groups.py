# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch Logs groups with a retention, encrypted with a KMS key the stack owns (rotation on; its key policy lets
the account administer the key and the region's CloudWatch Logs use it for exactly the named log groups), or with a
given key used as is. Partition, account and the service principal come from the caller identity, never from
constants.

`EncryptedLogGroups` converges the key and the groups with a few direct calls through an owner, the aws.Service whose
request() makes (and counts) them (vpc_network's service for its flow log destination, and `LogGroups`, the service
behind the encrypted_log_groups module). The policy
builders are pure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import account_root_arn, log_group_arn, parse_arn
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import service_principal
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.kms import CustomerKey, alias_name

KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


# --------------------------------------------------------------------------------------------------
# Pure policy builders (unit-tested)
# --------------------------------------------------------------------------------------------------
def logs_key_policy(partition, region, account_id, log_group_names, sid="CloudWatchLogsForTheLogGroups"):
    """Key policy: the account administers the key; CloudWatch Logs of `region` may use it only for the named log
    groups (the encryption context CloudWatch Logs sends). A name with * or ? is a pattern (ArnLike)."""
    names = [log_group_names] if isinstance(log_group_names, str) else sorted(set(log_group_names))
    if not names:
        raise ValueError("a CloudWatch Logs key policy needs at least one log group name")
    arns = [log_group_arn(partition, region, account_id, name) for name in names]
    operator = "ArnLike" if any("*" in name or "?" in name for name in names) else "ArnEquals"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": account_root_arn(partition, account_id)},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": service_principal("logs", partition, region)},
                "Action": list(KEY_ACTIONS),
                "Resource": "*",
                "Condition": {operator: {"kms:EncryptionContext:aws:logs:arn": arns[0] if len(arns) == 1 else arns}},
            },
        ],
    }


def identity_from_arn(arn, account_id):
    return {"partition": parse_arn(arn)["partition"], "account_id": account_id}


# --------------------------------------------------------------------------------------------------
# AWS side
# --------------------------------------------------------------------------------------------------
class EncryptedLogGroups:
    """The key (`alias`, or `key_arn` used as is) and log groups encrypted with it.

    `owner` is the aws.Service making the calls (its kms and logs clients, request(), change(text), check_mode). `tags`
    go on the key and the groups it creates (with Name); with `converge_tags` the tags of existing groups are converged too.
    `key_scope` names the log groups (or patterns) the key policy lets CloudWatch Logs use the key for."""

    def __init__(self, owner, identity, region, tags, alias, key_arn="", key_name=None, key_description="",
                 key_scope=(), key_sid="CloudWatchLogsForTheLogGroups", converge_tags=False, purge_tags=True):
        self.owner = owner
        self.partition = identity["partition"]
        self.account_id = identity["account_id"]
        self.region = region
        self.tags = tags
        self.alias = alias
        self.key_arn = key_arn or ""
        self.key_name = key_name or (alias or "").split("/", 1)[-1]
        self.key_description = key_description
        self.key_scope = list(key_scope)
        self.key_sid = key_sid
        self.converge_tags = converge_tags
        self.purge_tags = purge_tags
        self.read_groups = {}  # name -> the group as read_log_groups found it (None: it does not exist)
        self.indexed_tags = {}  # name -> its tags in the Resource Groups Tagging API (a hint, see log_group)

    @classmethod
    def of_caller(cls, owner, tags, alias, **kwargs):
        """The destination in the account and partition of the caller `owner` talks as (its sts client): the stack's
        `tags` (None: only new groups are tagged), the key `alias` (with or without `alias/`), the other arguments as
        the constructor's."""
        caller = owner.caller_identity("read the caller identity")
        return cls(owner, identity_from_arn(caller["Arn"], caller["Account"]), owner.region, dict(tags or {}),
                   alias_name(alias) if alias else "", converge_tags=tags is not None, **kwargs)

    def change(self, text):
        self.owner.change(text)

    @property
    def check_mode(self):
        return self.owner.check_mode

    # -- KMS key ------------------------------------------------------------------------------------
    def key_policy(self):
        return logs_key_policy(self.partition, self.region, self.account_id, self.key_scope, self.key_sid)

    def key(self):
        """The ARN of the key to encrypt with: the given one, or the owned one converged (None in check mode
        while it does not exist yet)."""
        if self.key_arn:
            return self.key_arn
        meta = CustomerKey(self.owner, self.alias).converge(
            self.key_description or None, self.key_policy(), dict(self.tags, Name=self.key_name), converge_tags=False)
        return (meta or {}).get("Arn")

    def schedule_key_deletion(self, days=7):
        """Schedule the owned key's deletion (a given key is never touched)."""
        if not self.key_arn:
            CustomerKey(self.owner, self.alias).schedule_deletion(days)

    # -- log groups ---------------------------------------------------------------------------------
    def read_log_groups(self, names):
        """Read the groups `names` in one DescribeLogGroups per 50 (by name, logGroupIdentifiers); find_log_group
        answers them from this read. A botocore older than 1.38.16 does not know logGroupIdentifiers: each group is
        then read on its own."""
        request = self.owner.clients["logs"].meta.service_model.operation_model("DescribeLogGroups").input_shape
        if "logGroupIdentifiers" not in request.members:
            return
        for batch in chunks(sorted(set(names) - set(self.read_groups)), 50):
            found = {g["logGroupName"]: g for g in self.owner.request_pages(
                "logs", "describe_log_groups", "logGroups", logGroupIdentifiers=batch)}
            self.read_groups.update((name, found.get(name)) for name in batch)
        self.read_indexed_tags([name for name in names if self.read_groups.get(name)])

    def read_indexed_tags(self, names):
        """With converge_tags, the tags of the existing groups `names` from the tagging index, one request for all of
        them in place of one ListTagsLogGroup each (when the owner has the index's client and there are several)."""
        if not self.converge_tags or len(names) < 2 or tagging.TAGGING not in self.owner.clients:
            return
        arns = dict((log_group_arn(self.partition, self.region, self.account_id, name), name) for name in names)
        for arn, tags in tagging.indexed(self.owner, arns).items():
            # The index may name a group with the :* suffix DescribeLogGroups gives its arn.
            name = arns.get(arn[:-2] if arn.endswith(":*") else arn)
            if name:
                self.indexed_tags[name] = tags

    def find_log_group(self, name):
        if name in self.read_groups:
            return self.read_groups[name]
        groups = self.owner.request("logs", "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
        return next((g for g in groups if g["logGroupName"] == name), None)

    def log_group(self, name, retention, key_arn):
        """Create the group (KMS, retention, tags) or converge its retention, key and (with converge_tags) tags."""
        group = self.find_log_group(name)
        tags = dict(self.tags, Name=name)
        if group is None:
            self.change("create log group %s (KMS, %s days)" % (name, retention))
            if self.check_mode:
                return
            kwargs = {"logGroupName": name, "tags": tags}
            if key_arn:
                kwargs["kmsKeyId"] = key_arn
            self.owner.request("logs", "create_log_group", **kwargs)
            self.owner.request("logs", "put_retention_policy", logGroupName=name, retentionInDays=retention)
            return
        if group.get("retentionInDays") != retention:
            self.change("set the retention of %s to %s days" % (name, retention))
            if not self.check_mode:
                self.owner.request("logs", "put_retention_policy", logGroupName=name, retentionInDays=retention)
        if key_arn and group.get("kmsKeyId") != key_arn:
            self.change("encrypt log group %s with %s" % (name, key_arn))
            if not self.check_mode:
                self.owner.request("logs", "associate_kms_key", logGroupName=name, kmsKeyId=key_arn)
        if self.converge_tags:
            current = self.indexed_tags.get(name)
            to_set, to_unset = tagging.changes(current, tags, self.purge_tags)
            if current is None or to_set or to_unset:
                # Not indexed, or it differs: the index may lag behind, so the group's own tags decide.
                current = self.owner.request("logs", "list_tags_log_group", logGroupName=name).get("tags", {})
                to_set, to_unset = tagging.changes(current, tags, self.purge_tags)
            if to_set:
                self.change("tag log group %s (%s)" % (name, ", ".join(sorted(to_set))))
                if not self.check_mode:
                    self.owner.request("logs", "tag_log_group", logGroupName=name, tags=to_set)
            if to_unset:
                self.change("untag log group %s (%s)" % (name, ", ".join(to_unset)))
                if not self.check_mode:
                    self.owner.request("logs", "untag_log_group", logGroupName=name, tags=to_unset)

    def delete_log_group(self, name):
        if self.find_log_group(name) is not None:
            self.change("delete log group %s" % name)
            if not self.check_mode:
                self.owner.request("logs", "delete_log_group", logGroupName=name)


class LogGroups(Service):
    """The encrypted_log_groups module: the log groups, and the key they are encrypted with."""

    SERVICES = ("kms", "logs", "sts", tagging.TAGGING)

    def __init__(self, *args, **kwargs):
        super(LogGroups, self).__init__(*args, **kwargs)
        self.changes = []

    def change(self, text):
        self.changes.append(text)

    def destination(self):
        p = self.params
        if not p.get("kms_key_arn") and not p.get("key_alias"):
            raise CloudopsError(message="encrypted_log_groups needs key_alias (the key it owns) or kms_key_arn")
        return EncryptedLogGroups.of_caller(
            self, p.get("tags"), p.get("key_alias"), key_arn=p.get("kms_key_arn"),
            key_description=p.get("key_description") or "", key_scope=p.get("key_log_groups") or p["log_groups"],
            purge_tags=p.get("purge_tags", True))

    def present(self):
        destination = self.destination()
        if not (self.params.get("key_log_groups") or self.params["log_groups"]) and not self.params.get("kms_key_arn"):
            raise CloudopsError(message="encrypted_log_groups needs log_groups or key_log_groups to scope its key to")
        key_arn = destination.key()
        destination.read_log_groups(self.params["log_groups"])
        for name in self.params["log_groups"]:
            destination.log_group(name, self.params["retention_days"], key_arn)
        arns = [log_group_arn(destination.partition, self.region, destination.account_id, name)
                for name in self.params["log_groups"]]
        result = dict(changed=bool(self.changes), changes=self.changes, key_arn=key_arn or "", log_group_arns=arns)
        result["diff"] = dict(before={}, after={"changes": self.changes} if self.changes else {})
        return result

    def absent(self):
        destination = self.destination()
        destination.read_log_groups(self.params["log_groups"])
        for name in self.params["log_groups"]:
            destination.delete_log_group(name)
        destination.schedule_key_deletion(self.params["key_deletion_window_days"])
        return dict(changed=bool(self.changes), changes=self.changes)

    def run(self):
        return self.run_by_state("encrypted log groups")
