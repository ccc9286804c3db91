#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: route53_zone
short_description: A Route 53 hosted zone (private to a VPC or public) and a set of its records in one change batch
version_added: 0.1.0
description:
  - Finds the hosted zone I(name) (a private zone associated with I(vpc_id), or a public zone, or the zone
    I(hosted_zone_id)) and creates it when it is missing and I(create=true). A zone it creates carries the stack's
    tags and the comment C(cloudops:stack=<stack_name>); a zone that existed before is used as it is and never
    deleted.
  - Writes every record of I(records) that is missing or differs in one ChangeResourceRecordSets call (UPSERT), then
    waits until the change is INSYNC, reporting progress. Records of the zone that I(records) does not name are left
    alone.
  - With I(state=absent) a zone of the stack is emptied and deleted; in a zone that existed before, only the
    records of I(records) are deleted (exactly as they are, one change batch).
  - amazon.aws.route53 writes one record per call and per task and has no INSYNC progress; amazon.aws.route53_zone
    neither tags the zone atomically nor tells the stack's zone from one that existed before.
  - Check mode and C(--diff) report what would change without changing anything.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: The zone's DNS name, e.g. C(demo.internal) or C(example.com).
    type: str
    required: true
  hosted_zone_id:
    description: Use this existing zone instead of looking it up by name (for names several zones share).
    type: str
  private:
    description: A private zone associated with I(vpc_id) (found through the VPC's zones, created with the VPC).
    type: bool
    default: false
  vpc_id:
    description: VPC of a private zone.
    type: str
  vpc_region:
    description: Region of I(vpc_id); the module's region when unset.
    type: str
  create:
    description: Create the zone when it does not exist; when false a missing zone fails the module.
    type: bool
    default: true
  records:
    description:
      - Records of the zone; a relative name gets the zone's name appended.
      - Each has C(name), C(type) (default C(A)) and either C(values) with C(ttl) (default 300) or C(alias) with
        C(dns_name), C(hosted_zone_id) and C(evaluate_target_health).
    type: list
    elements: dict
    default: []
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
  tags:
    description: Extra tags of a zone the module creates (on top of Name and the stack tag).
    type: dict
  wait:
    description: Wait until the record changes are INSYNC.
    default: true
  wait_timeout:
    default: 600
extends_documentation_fragment:
  - cloudops.ecs.stack
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Private zone of the stack with the database endpoints and the load balancer
  cloudops.ecs.route53_zone:
    name: demo.internal
    private: true
    vpc_id: vpc-0123456789abcdef0
    stack_name: demo
    records:
      - {name: db, type: CNAME, values: [demo.cluster-abc.us-east-1.rds.amazonaws.com]}
      - {name: alb, type: A, alias: {dns_name: demo-alb-1.us-east-1.elb.amazonaws.com, hosted_zone_id: Z35SXDOTRQ7X7K}}

- name: The application's name in the operator's public zone (never created or deleted here)
  cloudops.ecs.route53_zone:
    name: example.com
    create: false
    stack_name: demo
    records:
      - {name: app.example.com, type: A, alias: {dns_name: demo-alb-1.us-east-1.elb.amazonaws.com, hosted_zone_id: Z35SXDOTRQ7X7K}}
"""

RETURN = r"""
hosted_zone_id:
  description: Id of the zone (empty in check mode before it is created, or when it does not exist).
  returned: always
  type: str
zone_name:
  description: The zone's name with a trailing dot.
  returned: always
  type: str
owned:
  description: Whether the zone is the stack's (created by it), so that teardown deletes it.
  returned: always
  type: bool
records:
  description: The record sets asked for, as Route 53 takes them.
  returned: always
  type: list
  elements: dict
changes:
  description: What changed (zone created or deleted, one line per record upserted or deleted, tags).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.route53 import Route53Zone


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        hosted_zone_id=dict(type="str"),
        private=dict(type="bool", default=False),
        vpc_id=dict(type="str"),
        vpc_region=dict(type="str"),
        create=dict(type="bool", default=True),
        records=dict(type="list", elements="dict", default=[]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        stack_name=dict(type="str", required=True),
        tags=dict(type="dict"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              required_if=[("private", True, ["vpc_id"])])
    run_service(module, Route53Zone.from_module(module), description="manage hosted zone %s" % module.params["name"])


if __name__ == "__main__":
    main()
