#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: application_load_balancer
short_description: Manage an Application Load Balancer, its attributes and listeners in one call
version_added: 0.1.0
description:
  - Creates, converges or deletes an Application Load Balancer with its attributes, listeners
    (default actions, TLS policy, certificate) and tags, without waiting for provisioning unless
    I(wait=true), so that the wait can overlap other work.
  - Listener rules are never touched (services add their own rules to the listeners).
  - Attributes missing from DescribeLoadBalancerAttributes are compared with their documented AWS
    defaults instead of failing (amazon.aws.elb_application_lb fails on them).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Load balancer name (at most 32 characters).
    type: str
    required: true
  state:
    description: C(present) creates or converges; C(absent) deletes the load balancer.
    type: str
    choices: [present, absent]
    default: present
  scheme:
    description: C(internet-facing) or C(internal). It cannot change in place.
    type: str
    choices: [internet-facing, internal]
    default: internet-facing
  subnets:
    description: Subnets, one per AZ (at least two). Required to create.
    type: list
    elements: str
  security_groups:
    description: Security groups.
    type: list
    elements: str
  attributes:
    description:
      - 'Load balancer attributes to manage, for example C({"routing.http.drop_invalid_header_fields.enabled": true}).'
      - Attributes not listed are left alone.
    type: dict
    default: {}
  listeners:
    description:
      - Listeners in CreateListener shape (C(Port), C(Protocol), C(DefaultActions), and for HTTPS
        C(SslPolicy) and C(Certificates)). Matched by port; only the keys given are compared.
      - Unset leaves the listeners alone.
    type: list
    elements: dict
  purge_listeners:
    description: Delete listeners on ports not in I(listeners).
    type: bool
    default: true
  force_disable_deletion_protection:
    description: With I(state=absent), turn deletion protection off first instead of refusing.
    type: bool
    default: false
  wait:
    description: Wait until the load balancer is C(active) (or, with I(state=absent), gone).
extends_documentation_fragment:
  - cloudops.ecs.tags
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Internet-facing ALB, HTTP redirected to HTTPS, 404 by default
  cloudops.ecs.application_load_balancer:
    name: shop-prod-alb
    scheme: internet-facing
    subnets: "{{ cloudops_network.public_subnet_ids }}"
    security_groups: ["{{ cloudops_network.security_groups.alb }}"]
    attributes:
      routing.http.drop_invalid_header_fields.enabled: true
      deletion_protection.enabled: true
    listeners:
      - Port: 80
        Protocol: HTTP
        DefaultActions:
          - Type: redirect
            RedirectConfig: {Protocol: HTTPS, Port: "443", StatusCode: HTTP_301}
      - Port: 443
        Protocol: HTTPS
        SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
        Certificates: [{CertificateArn: "{{ certificate_arn }}"}]
        DefaultActions:
          - Type: fixed-response
            FixedResponseConfig: {StatusCode: "404", ContentType: text/plain, MessageBody: Not Found}
    tags:
      cloudops:stack: shop-prod

- name: Later, wait until it is active
  cloudops.ecs.application_load_balancer:
    name: shop-prod-alb
    wait: true
"""

RETURN = r"""
exists:
  description: Whether the load balancer exists after the run.
  returned: always
  type: bool
load_balancer_arn:
  description: ARN.
  returned: when it exists
  type: str
dns_name:
  description: DNS name.
  returned: when it exists
  type: str
canonical_hosted_zone_id:
  description: Route 53 zone id for alias records.
  returned: when it exists
  type: str
ready:
  description:
  - True when this run changed nothing and the load balancer is active, so a later I(wait=true) call
    would return at once and can be skipped.
  returned: when it exists
  type: bool
state:
  description: Provisioning state (C(provisioning), C(active), ...).
  returned: when it exists
  type: str
scheme:
  description: Scheme.
  returned: when it exists
  type: str
listener_arns:
  description: Listener ARNs by port (as strings).
  returned: always
  type: dict
  sample: {"80": "arn:aws:elasticloadbalancing:...:listener/app/x/1/2", "443": "arn:..."}
attributes:
  description: Current values of the managed attributes.
  returned: when it exists
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.load_balancer import LoadBalancer
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        scheme=dict(type="str", choices=["internet-facing", "internal"], default="internet-facing"),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        attributes=dict(type="dict", default={}),
        listeners=dict(type="list", elements="dict"),
        purge_listeners=dict(type="bool", default=True),
        **tags_argument_spec(),
        force_disable_deletion_protection=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, LoadBalancer.from_module(module))


if __name__ == "__main__":
    main()
