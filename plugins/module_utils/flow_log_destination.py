# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The destination of a VPC flow log, converged with a few direct calls: a KMS key (rotation on, key
policy limited to the log group) and a CloudWatch Logs group with retention encrypted with it (both through
encrypted_log_groups), and the delivery role allowed to write to that group only. Partition, account and the
service principal DNS suffix come from the caller identity, never from constants.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils.arn import build_arn
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import log_group_arn
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import service_principal
from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import EncryptedLogGroups
from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import logs_key_policy
from ansible_collections.cloudops.ecs.plugins.module_utils.kms import same_policy

POLICY_NAME = "write-flow-logs"
KEY_SID = "CloudWatchLogsForTheFlowLogGroup"


# --------------------------------------------------------------------------------------------------
# Pure policy builders (unit-tested); the key policy and the comparison are the encrypted log groups' own
# --------------------------------------------------------------------------------------------------
def kms_policy(partition, region, account_id, log_group_name):
    return logs_key_policy(partition, region, account_id, [log_group_name], KEY_SID)


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


# --------------------------------------------------------------------------------------------------
# AWS side
# --------------------------------------------------------------------------------------------------
class FlowLogDestination(EncryptedLogGroups):
    """Converges or removes the key, log group and role through `owner`, the aws.Service that owns the
    network (its kms, logs and iam clients, request(), change(), check_mode)."""

    def __init__(self, owner, spec, identity, region, tags, prefix):
        super(FlowLogDestination, self).__init__(
            owner, identity, region, tags, "alias/%s-vpc-flow-logs" % prefix, key_arn=spec.get("kms_key_arn"),
            key_name="%s-vpc-flow-logs" % prefix, key_description="VPC flow logs of %s" % prefix,
            key_scope=[spec["log_group_name"]], key_sid=KEY_SID)
        self.spec = spec
        self.prefix = prefix
        self.role_name = spec.get("role_name") or "%s-vpc-flow-logs" % prefix

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
        self.log_group(self.spec["log_group_name"], self.spec["retention_days"], key_arn)
        return self.role()

    # -- absent -------------------------------------------------------------------------------------------
    def absent(self):
        self.delete_log_group(self.spec["log_group_name"])
        try:
            self.owner.request("iam", "get_role", RoleName=self.role_name)
            self.change("delete flow log delivery role %s" % self.role_name)
            if not self.check_mode:
                for policy_name in self.owner.request("iam", "list_role_policies", RoleName=self.role_name)["PolicyNames"]:
                    self.owner.request("iam", "delete_role_policy", RoleName=self.role_name, PolicyName=policy_name)
                self.owner.request("iam", "delete_role", RoleName=self.role_name)
        except is_boto3_error_code("NoSuchEntity"):
            pass
        self.schedule_key_deletion(7)
