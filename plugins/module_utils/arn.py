# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARN and partition helpers: partitions and endpoint service prefixes are derived, never hard-coded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def parse_arn(arn):
    """Split an ARN into its six documented parts; raises ValueError when it is not an ARN."""
    parts = (arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        raise ValueError("not an ARN: %r" % (arn,))
    return {
        "partition": parts[1],
        "service": parts[2],
        "region": parts[3],
        "account_id": parts[4],
        "resource": parts[5],
    }


def build_arn(partition, service, region, account_id, resource):
    return "arn:%s:%s:%s:%s:%s" % (partition, service, region, account_id, resource)


def endpoint_service_prefix(service_names, region):
    """The prefix VPC endpoint service names carry in this partition (e.g. the part before
    `.<region>.s3`), read from DescribeVpcEndpointServices names instead of assuming one."""
    marker = "." + region + "."
    for name in service_names:
        if marker in name:
            return name.split(marker, 1)[0]
    raise ValueError("no endpoint service names for region %s" % region)
