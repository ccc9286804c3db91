# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARNs, partitions and service principals: derived from the caller identity and the region, never
hard-coded. Parsing and validation are amazon.aws's; the partition facts are ours."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.arn import validate_aws_arn

# DNS suffix of each partition (botocore endpoints data).
DNS_SUFFIXES = {
    "aws": "amazonaws.com",
    "aws-us-gov": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
    "aws-iso-e": "cloud.adc-e.uk",
    "aws-iso-f": "csp.hci.ic.gov",
}

# Service principals are <service>.amazonaws.com in every partition except these, which carry the
# partition's own DNS suffix (the AWS CDK region facts, also used by Terraform's aws_service_principal).
PARTITION_SUFFIXED_PRINCIPALS = {
    "aws-cn": ("codedeploy", "elasticmapreduce", "logs"),
    "aws-iso": ("cloudhsm", "config", "logs", "workspaces"),
    "aws-iso-b": ("dms", "logs"),
}

ARN_PARTS = ("partition", "service", "region", "account_id", "resource")


def parse_arn(arn):
    """The five parts of an ARN (partition, service, region, account_id, resource); ValueError when
    `arn` is not one."""
    details = parse_aws_arn(arn) if isinstance(arn, str) and arn.startswith("arn:") else None
    if not details:
        raise ValueError("not an ARN: %r" % (arn,))
    return dict((part, details[part]) for part in ARN_PARTS)


def validate_arn(arn, **expected):
    """amazon.aws validate_aws_arn: whether `arn` is an ARN whose parts match `expected`."""
    return isinstance(arn, str) and validate_aws_arn(arn, **expected)


def partition_of(arn):
    return parse_arn(arn)["partition"]


def build_arn(partition, service, region, account_id, resource):
    return "arn:%s:%s:%s:%s:%s" % (partition, service, region, account_id, resource)


def log_group_arn(partition, region, account_id, name):
    return build_arn(partition, "logs", region, account_id, "log-group:%s" % name)


def account_root_arn(partition, account_id):
    return build_arn(partition, "iam", "", account_id, "root")


# Region name prefixes of the partitions other than aws (botocore endpoints data, regionRegex).
REGION_PREFIXES = (("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"), ("eu-isoe-", "aws-iso-e"), ("us-isof-", "aws-iso-f"),
                   ("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"))


def partition_of_region(region):
    """The partition a region belongs to."""
    for prefix, partition in REGION_PREFIXES:
        if (region or "").startswith(prefix):
            return partition
    return "aws"


def dns_suffix(partition):
    if partition not in DNS_SUFFIXES:
        raise ValueError("unknown AWS partition %r (known: %s)" % (partition, ", ".join(sorted(DNS_SUFFIXES))))
    return DNS_SUFFIXES[partition]


def service_principal(service, partition, region=None):
    """The principal of an AWS service in `partition` (e.g. logs -> logs.amazonaws.com in aws,
    logs.amazonaws.com.cn in aws-cn); with `region`, the regional form some key policies need
    (logs.<region>.<suffix>)."""
    suffix = dns_suffix(partition)
    if service not in PARTITION_SUFFIXED_PRINCIPALS.get(partition, ()):
        suffix = "amazonaws.com"
    if region:
        return "%s.%s.%s" % (service, region, suffix)
    return "%s.%s" % (service, suffix)


def endpoint_service_prefix(service_names, region):
    """The prefix VPC endpoint service names carry in this partition (e.g. the part before
    `.<region>.s3`), read from DescribeVpcEndpointServices names instead of assuming one."""
    marker = "." + region + "."
    for name in service_names:
        if marker in name:
            return name.split(marker, 1)[0]
    raise ValueError("no endpoint service names for region %s" % region)
