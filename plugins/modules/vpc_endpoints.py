#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_endpoints
short_description: Converge the whole set of VPC endpoints of a stack in one call
version_added: 0.1.0
description:
  - Manages gateway endpoints (route tables) and interface endpoints (subnets, security groups, private DNS)
    of one VPC as a set. Missing endpoints are created, existing ones converged in place with
    ModifyVpcEndpoint (subnets, security groups, private DNS, route tables, tags), endpoints that carry the
    stack tag but are no longer wanted are deleted. Endpoints without the stack tag are never touched.
  - Service names are built from the prefix that DescribeVpcEndpointServices reports for the region (never
    assumed) and validated against it; unknown services fail before any change.
  - Optionally manages the endpoint security group, allowing HTTPS from the VPC CIDR only and nothing else.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  state:
    description: Whether the endpoints should exist.
    type: str
    choices: [present, absent]
    default: present
  stack:
    description: Value of the C(cloudops:stack) tag marking the endpoints this module owns; also the name prefix.
    type: str
    required: true
  name_prefix:
    description: Prefix of the endpoint Name tags (C(<prefix>-<service>)). Defaults to I(stack).
    type: str
  tags:
    description: Extra tags for the endpoints and the security group.
    type: dict
    default: {}
  vpc_id:
    description: The VPC. Required with I(state=present); with I(state=absent) limits the removal to this VPC.
    type: str
  vpc_cidr:
    description:
      - CIDR allowed to reach the endpoints on 443; defaults to the VPC primary CIDR, read with the VPC.
      - When given, the VPC is not read (the endpoints role passes the network role's result, which the pre-flight
        checked or the network role just converged).
    type: str
  service_prefix:
    description: Endpoint service name prefix; read from DescribeVpcEndpointServices when omitted.
    type: str
  interface_services:
    description: Short names of interface endpoint services (C(ecr.api), C(logs), ...).
    type: list
    elements: str
    default: []
  gateway_services:
    description: Short names of gateway endpoint services (C(s3), C(dynamodb)).
    type: list
    elements: str
    default: []
  subnet_ids:
    description: Subnets of the interface endpoints (one per AZ).
    type: list
    elements: str
    default: []
  route_table_ids:
    description: Route tables of the gateway endpoints.
    type: list
    elements: str
    default: []
  security_group:
    description: Security group to create or converge for the interface endpoints (HTTPS from I(vpc_cidr) only).
    type: dict
    suboptions:
      name:
        description: Group name.
        type: str
        required: true
      description:
        description: Group description (set at creation).
        type: str
        default: VPC interface endpoints (HTTPS from the VPC)
  security_group_ids:
    description: Further security groups for the interface endpoints.
    type: list
    elements: str
    default: []
  private_dns_enabled:
    description: Private DNS names for the interface endpoints.
    type: bool
    default: true
  wait:
    description: Wait until every endpoint is available (or, with I(state=absent), deleted).
extends_documentation_fragment:
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Endpoints for a private ECS install
  cloudops.ecs.vpc_endpoints:
    stack: shop-prod
    vpc_id: "{{ cloudops_network.vpc_id }}"
    gateway_services: [s3]
    route_table_ids: "{{ cloudops_network.private_route_table_ids }}"
    interface_services: [ecr.api, ecr.dkr, logs, ecs, ecs-agent, ecs-telemetry, sts]
    subnet_ids: "{{ cloudops_network.private_subnet_ids }}"
    security_group:
      name: shop-prod-vpc-endpoints
  register: endpoints

- name: Remove them
  cloudops.ecs.vpc_endpoints:
    stack: shop-prod
    state: absent
    security_group:
      name: shop-prod-vpc-endpoints
"""

RETURN = r"""
service_prefix:
  description: The endpoint service name prefix of the region.
  returned: state=present
  type: str
  sample: com.amazonaws
security_group_id:
  description: Id of the managed endpoint security group.
  returned: state=present
  type: str
endpoints:
  description: Endpoint id per short service name (null in check mode for endpoints still to create).
  returned: state=present
  type: dict
ready:
  description:
  - True when this run changed nothing and every endpoint is available, so a later I(wait=true) call
    would return at once and can be skipped.
  returned: state=present
  type: bool
changes:
  description: What was (or, in check mode, would be) changed.
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
from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_endpoints import VpcEndpoints


def main():
    argument_spec = dict(
        stack_argument_spec(),
        vpc_id=dict(type="str"),
        vpc_cidr=dict(type="str"),
        service_prefix=dict(type="str"),
        interface_services=dict(type="list", elements="str", default=[]),
        gateway_services=dict(type="list", elements="str", default=[]),
        subnet_ids=dict(type="list", elements="str", default=[]),
        route_table_ids=dict(type="list", elements="str", default=[]),
        security_group=dict(type="dict", options=dict(
            name=dict(type="str", required=True),
            description=dict(type="str", default="VPC interface endpoints (HTTPS from the VPC)"),
        )),
        security_group_ids=dict(type="list", elements="str", default=[]),
        private_dns_enabled=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              required_if=[("state", "present", ["vpc_id"])])
    run_service(module, VpcEndpoints.from_module(module))


if __name__ == "__main__":
    main()
