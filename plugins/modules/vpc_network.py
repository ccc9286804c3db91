#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_network
short_description: Converge a whole multi-AZ VPC network in one call
version_added: 0.1.0
description:
  - Creates or converges a VPC (or adds to an existing one), one public and one private subnet per
    Availability Zone, an internet gateway, NAT gateways with tagged Elastic IPs (one per AZ, a single one,
    or none), one route table per tier and AZ with their associations and default routes, the default
    security group emptied, named empty security groups, and a VPC flow log to CloudWatch Logs.
  - Reads the whole VPC with one describe call per resource type, validates the plan, then changes only
    what differs. A converged run makes about ten read calls and no write.
  - Every resource it creates is tagged C(Name), C(cloudops:stack) and I(tags); it changes or deletes
    only resources that carry the C(cloudops:stack) tag of I(stack). In an existing VPC (I(vpc_id)) the
    VPC, its subnets, route tables, internet gateway and default security group are left untouched unless
    asked (I(enable_dns), I(restrict_default_security_group)).
  - NAT gateways are created without waiting. Private default routes to a NAT gateway that is not yet
    available are left out and listed in RV(pending_nat_routes); a later call with I(wait=true) waits for
    the gateways and adds them, so the wait can overlap other work.
  - With I(state=absent) removes what carries the stack tag in dependency order (flow log, NAT gateways,
    Elastic IPs, route tables, security groups, subnets, internet gateway, the VPC if this module made it).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  state:
    description: Whether the network should exist.
    type: str
    choices: [present, absent]
    default: present
  stack:
    description: Value of the C(cloudops:stack) tag that marks what this module owns; also the name prefix.
    type: str
    required: true
  name_prefix:
    description: Prefix of resource names (C(<prefix>-vpc), C(<prefix>-public-<az>), ...). Defaults to I(stack).
    type: str
  tags:
    description: Extra tags for every resource (C(Name) and C(cloudops:stack) are added).
    type: dict
    default: {}
  vpc_id:
    description: Use this existing VPC instead of creating one; its own resources are not changed.
    type: str
  cidr_block:
    description: CIDR of the VPC to create. Required unless I(vpc_id) is given or the stack VPC exists.
    type: str
  azs:
    description: Availability Zone names, in order. Empty picks the first I(az_count) available AZs (DescribeAvailabilityZones).
    type: list
    elements: str
    default: []
  az_count:
    description: Number of AZs to pick when I(azs) is empty (2 or 3).
    type: int
    default: 3
  public_subnet_cidrs:
    description:
      - One public subnet CIDR per AZ, in I(azs) order. Empty derives them from the VPC CIDR (see the network role README).
      - Every plan is validated before any change (sizes, containment, overlaps with each other and with subnets already in the VPC).
    type: list
    elements: str
    default: []
  private_subnet_cidrs:
    description: One private subnet CIDR per AZ, in I(azs) order. Empty derives them from the VPC CIDR.
    type: list
    elements: str
    default: []
  nat_mode:
    description: C(per_az) puts a NAT gateway in each AZ, C(single) one in the first AZ, C(none) no NAT (no default route in private route tables).
    type: str
    choices: [per_az, single, none]
    default: per_az
  internet_gateway:
    description: Attach an internet gateway (an existing VPC's own one is used when present) and route the public tier to it.
    type: bool
    default: true
  enable_dns:
    description: Turn DNS support and DNS hostnames on. Default C(true) for a new VPC, C(false) (untouched) for an existing one.
    type: bool
  restrict_default_security_group:
    description: Remove every rule of the VPC default security group. Default C(true) for a new VPC, C(false) for an existing one.
    type: bool
  security_groups:
    description: Security groups to create empty (no ingress rule) in the VPC; the module owns only their existence, name, description and tags.
    type: list
    elements: dict
    default: []
    suboptions:
      key:
        description: Key of the group id in RV(security_groups).
        type: str
        required: true
      name:
        description: Group name (and Name tag).
        type: str
        required: true
      description:
        description: Group description (set at creation).
        type: str
        required: true
  flow_log:
    description:
      - VPC flow log to CloudWatch Logs; omit to have none (a flow log of the stack is then removed).
      - Without I(flow_log.iam_role_arn) the module also converges the destination - a KMS key with rotation (alias
        C(alias/<prefix>-vpc-flow-logs), policy limited to the log group) unless I(flow_log.kms_key_arn) is given, the log
        group with retention, and a delivery role allowed to write to that group only - and removes them with I(state=absent).
    type: dict
    suboptions:
      log_group_name:
        description: Destination log group.
        type: str
        required: true
      iam_role_arn:
        description: Existing role the flow log service assumes; when given the destination is not managed.
        type: str
      retention_days:
        description: Log group retention in days (a value CloudWatch Logs accepts).
        type: int
        default: 365
      kms_key_arn:
        description: Existing KMS key for the log group; empty creates one.
        type: str
      role_name:
        description: Name of the delivery role to manage (default C(<prefix>-vpc-flow-logs)).
        type: str
      traffic_type:
        description: Traffic to capture.
        type: str
        choices: [ACCEPT, REJECT, ALL]
        default: ALL
      max_aggregation_interval:
        description: Aggregation interval in seconds.
        type: int
        choices: [60, 600]
        default: 600
  wait:
    description: Wait for NAT gateways to be available and add the private default routes to them.
extends_documentation_fragment:
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Three-AZ network with a NAT gateway per AZ, waiting for the NAT gateways later
  cloudops.ecs.vpc_network:
    stack: shop-prod
    cidr_block: 10.0.0.0/16
    azs: [us-west-2a, us-west-2b, us-west-2c]
    public_subnet_cidrs: [10.0.240.0/24, 10.0.241.0/24, 10.0.242.0/24]
    private_subnet_cidrs: [10.0.0.0/20, 10.0.16.0/20, 10.0.32.0/20]
    nat_mode: per_az
    security_groups:
      - {key: alb, name: shop-prod-alb, description: Load balancer of shop-prod}
    flow_log:
      log_group_name: /shop-prod/vpc-flow-logs
      retention_days: 365
    tags:
      Environment: prod
  register: network

- name: Later, wait for the NAT gateways and add the private default routes
  cloudops.ecs.vpc_network:
    stack: shop-prod
    cidr_block: 10.0.0.0/16
    azs: [us-west-2a, us-west-2b, us-west-2c]
    public_subnet_cidrs: [10.0.240.0/24, 10.0.241.0/24, 10.0.242.0/24]
    private_subnet_cidrs: [10.0.0.0/20, 10.0.16.0/20, 10.0.32.0/20]
    wait: true

- name: Remove everything the stack owns
  cloudops.ecs.vpc_network:
    stack: shop-prod
    state: absent
"""

RETURN = r"""
vpc_id:
  description: The VPC id (null in check mode before creation).
  returned: state=present
  type: str
vpc_cidr:
  description: The VPC CIDR.
  returned: state=present
  type: str
azs:
  description: The AZs, in order.
  returned: state=present
  type: list
  elements: str
public_subnet_ids:
  description: Public subnet ids in I(azs) order.
  returned: state=present
  type: list
  elements: str
private_subnet_ids:
  description: Private subnet ids in I(azs) order.
  returned: state=present
  type: list
  elements: str
public_route_table_ids:
  description: Public route table ids in I(azs) order.
  returned: state=present
  type: list
  elements: str
private_route_table_ids:
  description: Private route table ids in I(azs) order.
  returned: state=present
  type: list
  elements: str
nat_gateway_ids:
  description: NAT gateway ids (one per AZ, one, or none).
  returned: state=present
  type: list
  elements: str
internet_gateway_id:
  description: The internet gateway the public tier routes to.
  returned: state=present
  type: str
security_groups:
  description: Ids of the I(security_groups), by key; in check mode a group that does not exist yet has id null.
  returned: state=present
  type: dict
flow_log_id:
  description: Id of the stack flow log.
  returned: state=present
  type: str
partition:
  description: AWS partition of the caller (from STS).
  returned: state=present
  type: str
account_id:
  description: Account id of the caller (from STS).
  returned: state=present
  type: str
pending_nat_routes:
  description: Private route tables whose default route waits for a NAT gateway to become available (call again with I(wait=true)).
  returned: state=present
  type: list
  elements: str
ready:
  description:
  - True when this run changed nothing and every private default route is in place, so a later
    I(wait=true) call would do nothing and can be skipped.
  returned: state=present
  type: bool
changes:
  description: What was (or, in check mode, would be) changed, one sentence per change.
  returned: always
  type: list
  elements: str
api_calls:
  description: Number of AWS API calls the run made.
  returned: always
  type: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import stack_argument_spec
from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_network import VpcNetwork


def main():
    argument_spec = dict(
        stack_argument_spec(),
        vpc_id=dict(type="str"),
        cidr_block=dict(type="str"),
        azs=dict(type="list", elements="str", default=[]),
        az_count=dict(type="int", default=3),
        public_subnet_cidrs=dict(type="list", elements="str", default=[]),
        private_subnet_cidrs=dict(type="list", elements="str", default=[]),
        nat_mode=dict(type="str", choices=["per_az", "single", "none"], default="per_az"),
        internet_gateway=dict(type="bool", default=True),
        enable_dns=dict(type="bool"),
        restrict_default_security_group=dict(type="bool"),
        security_groups=dict(type="list", elements="dict", default=[], options=dict(
            key=dict(type="str", required=True, no_log=False),
            name=dict(type="str", required=True),
            description=dict(type="str", required=True),
        )),
        flow_log=dict(type="dict", options=dict(
            log_group_name=dict(type="str", required=True),
            iam_role_arn=dict(type="str"),
            retention_days=dict(type="int", default=365),
            kms_key_arn=dict(type="str", no_log=False),
            role_name=dict(type="str"),
            traffic_type=dict(type="str", choices=["ACCEPT", "REJECT", "ALL"], default="ALL"),
            max_aggregation_interval=dict(type="int", choices=[60, 600], default=600),
        )),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, VpcNetwork.from_module(module))


if __name__ == "__main__":
    main()
