# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The destination of a VPC flow log, converged with a few direct calls: a KMS key (rotation on, key
policy limited to the log group), a CloudWatch Logs group with retention encrypted with it, and the
delivery role allowed to write to that group only. Partition, account and the service principal DNS
suffix come from the caller identity, never from constants.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils.arn import account_root_arn, build_arn, parse_arn
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import service_principal

POLICY_NAME = "write-flow-logs"


# --------------------------------------------------------------------------------------------------
# Pure policy builders (unit-tested)
# --------------------------------------------------------------------------------------------------
def log_group_arn(partition, region, account_id, name):
    return build_arn(partition, "logs", region, account_id, "log-group:%s" % name)


def kms_policy(partition, region, account_id, log_group_name):
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
                "Sid": "CloudWatchLogsForTheFlowLogGroup",
                "Effect": "Allow",
                "Principal": {"Service": service_principal("logs", partition, region)},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": log_group_arn(partition, region, account_id, log_group_name)}},
            },
        ],
    }


def trust_policy(partition, region, account_id):
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service_principal("vpc-flow-logs", partition)},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": build_arn(partition, "ec2", region, account_id, "vpc-flow-log/*")},
            },
        }],
    }


def role_policy(partition, region, account_id, log_group_name):
    group = log_group_arn(partition, region, account_id, log_group_name)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteFlowLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [group, group + ":*"],
            },
            {
                "Sid": "FindTheLogGroup",
                "Effect": "Allow",
                "Action": "logs:DescribeLogGroups",
                "Resource": log_group_arn(partition, region, account_id, "*"),
            },
        ],
    }


def same_policy(current, desired):
    """Compare policy documents whatever their form (string, URL-encoded by IAM, dict)."""
    if isinstance(current, str):
        try:
            from urllib.parse import unquote

            current = json.loads(unquote(current)) if current.startswith("%") else json.loads(current)
        except ValueError:
            return False
    return _normal(current) == _normal(desired)


def _normal(value):
    if isinstance(value, dict):
        return dict((k, _normal(v)) for k, v in value.items())
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        return items[0] if len(items) == 1 else sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return value


# --------------------------------------------------------------------------------------------------
# AWS side
# --------------------------------------------------------------------------------------------------
class FlowLogDestination:
    """Converges or removes the key, log group and role through `owner`, the aws.Service that owns the
    network (its kms, logs and iam clients, request(), change(), check_mode)."""

    def __init__(self, owner, spec, identity, region, tags, prefix):
        self.owner = owner
        self.spec = spec
        self.partition = identity["partition"]
        self.account_id = identity["account_id"]
        self.region = region
        self.tags = tags
        self.prefix = prefix
        self.alias = "alias/%s-vpc-flow-logs" % prefix
        self.role_name = spec.get("role_name") or "%s-vpc-flow-logs" % prefix

    def change(self, text):
        self.owner.change(text)

    @property
    def check_mode(self):
        return self.owner.check_mode

    # -- KMS key ------------------------------------------------------------------------------------
    def find_key(self):
        try:
            return self.owner.request("kms", "describe_key", KeyId=self.alias)["KeyMetadata"]
        except is_boto3_error_code("NotFoundException"):
            return None

    def key(self):
        if self.spec.get("kms_key_arn"):
            return self.spec["kms_key_arn"]
        name = "%s-vpc-flow-logs" % self.prefix
        policy = kms_policy(self.partition, self.region, self.owner_account(), self.spec["log_group_name"])
        meta = self.find_key()
        if meta is None:
            self.change("create KMS key %s (rotation on)" % self.alias)
            if self.check_mode:
                return None
            tags = dict(self.tags, Name=name)
            meta = self.owner.request("kms", "create_key", Description="VPC flow logs of %s" % self.prefix,
                                      Policy=json.dumps(policy),
                                      Tags=[{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())])["KeyMetadata"]
            self.owner.request("kms", "create_alias", AliasName=self.alias, TargetKeyId=meta["KeyId"])
            self.owner.request("kms", "enable_key_rotation", KeyId=meta["KeyId"])
            return meta["Arn"]
        if meta.get("KeyState") == "PendingDeletion":
            self.change("cancel the scheduled deletion of KMS key %s" % self.alias)
            if not self.check_mode:
                self.owner.request("kms", "cancel_key_deletion", KeyId=meta["KeyId"])
                self.owner.request("kms", "enable_key", KeyId=meta["KeyId"])
        elif meta.get("KeyState") == "Disabled":
            self.change("enable KMS key %s" % self.alias)
            if not self.check_mode:
                self.owner.request("kms", "enable_key", KeyId=meta["KeyId"])
        if meta.get("KeyState") != "PendingDeletion":
            if not self.owner.request("kms", "get_key_rotation_status", KeyId=meta["KeyId"]).get("KeyRotationEnabled"):
                self.change("enable rotation of KMS key %s" % self.alias)
                if not self.check_mode:
                    self.owner.request("kms", "enable_key_rotation", KeyId=meta["KeyId"])
            current = self.owner.request("kms", "get_key_policy", KeyId=meta["KeyId"], PolicyName="default")["Policy"]
            if not same_policy(current, policy):
                self.change("update the policy of KMS key %s" % self.alias)
                if not self.check_mode:
                    self.owner.request("kms", "put_key_policy", KeyId=meta["KeyId"], PolicyName="default", Policy=json.dumps(policy))
        return meta["Arn"]

    def owner_account(self):
        return self.account_id

    # -- log group ----------------------------------------------------------------------------------
    def log_group(self, key_arn):
        name = self.spec["log_group_name"]
        groups = self.owner.request("logs", "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
        group = next((g for g in groups if g["logGroupName"] == name), None)
        retention = self.spec["retention_days"]
        if group is None:
            self.change("create log group %s (KMS, %s days)" % (name, retention))
            if self.check_mode:
                return
            kwargs = {"logGroupName": name, "tags": dict(self.tags, Name=name)}
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

    # -- delivery role ---------------------------------------------------------------------------------
    def role(self):
        trust = trust_policy(self.partition, self.region, self.account_id)
        policy = role_policy(self.partition, self.region, self.account_id, self.spec["log_group_name"])
        try:
            role = self.owner.request("iam", "get_role", RoleName=self.role_name)["Role"]
        except is_boto3_error_code("NoSuchEntity"):
            role = None
        if role is None:
            self.change("create flow log delivery role %s" % self.role_name)
            if self.check_mode:
                return build_arn(self.partition, "iam", "", self.account_id, "role/%s" % self.role_name)
            tags = dict(self.tags, Name=self.role_name)
            role = self.owner.request("iam", "create_role", RoleName=self.role_name, AssumeRolePolicyDocument=json.dumps(trust),
                                      Description="Delivers VPC flow logs of %s to CloudWatch Logs" % self.prefix,
                                      Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])["Role"]
            self.owner.request("iam", "put_role_policy", RoleName=self.role_name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
            return role["Arn"]
        if not same_policy(role.get("AssumeRolePolicyDocument"), trust):
            self.change("update the trust policy of %s" % self.role_name)
            if not self.check_mode:
                self.owner.request("iam", "update_assume_role_policy", RoleName=self.role_name, PolicyDocument=json.dumps(trust))
        try:
            current = self.owner.request("iam", "get_role_policy", RoleName=self.role_name, PolicyName=POLICY_NAME)["PolicyDocument"]
        except is_boto3_error_code("NoSuchEntity"):
            current = None
        if current is None or not same_policy(current, policy):
            self.change("update the policy of %s" % self.role_name)
            if not self.check_mode:
                self.owner.request("iam", "put_role_policy", RoleName=self.role_name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
        return role["Arn"]

    def present(self):
        """Returns the delivery role ARN (key and log group converged first)."""
        key_arn = self.key()
        self.log_group(key_arn)
        return self.role()

    # -- absent -------------------------------------------------------------------------------------------
    def absent(self):
        name = self.spec["log_group_name"]
        groups = self.owner.request("logs", "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
        if any(g["logGroupName"] == name for g in groups):
            self.change("delete log group %s" % name)
            if not self.check_mode:
                self.owner.request("logs", "delete_log_group", logGroupName=name)
        try:
            self.owner.request("iam", "get_role", RoleName=self.role_name)
            self.change("delete flow log delivery role %s" % self.role_name)
            if not self.check_mode:
                for policy_name in self.owner.request("iam", "list_role_policies", RoleName=self.role_name)["PolicyNames"]:
                    self.owner.request("iam", "delete_role_policy", RoleName=self.role_name, PolicyName=policy_name)
                self.owner.request("iam", "delete_role", RoleName=self.role_name)
        except is_boto3_error_code("NoSuchEntity"):
            pass
        if not self.spec.get("kms_key_arn"):
            meta = self.find_key()
            if meta is not None and meta.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion"):
                self.change("schedule the deletion of KMS key %s (7 days)" % self.alias)
                if not self.check_mode:
                    self.owner.request("kms", "schedule_key_deletion", KeyId=meta["KeyId"], PendingWindowInDays=7)


def identity_from_arn(arn, account_id):
    return {"partition": parse_arn(arn)["partition"], "account_id": account_id}
