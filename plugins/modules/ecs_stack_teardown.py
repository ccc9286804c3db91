#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_stack_teardown
short_description: List, then delete in dependency order, everything one stack owns
version_added: 0.1.0
description:
  - Discovers every resource carrying the stack tag C(cloudops:stack=<stack_name>) (and no C(Environment) tag naming
    another environment) from AWS itself, not from inventory assumptions, and lists it in deletion order.
  - Nothing is deleted unless O(confirm=true); a dry run (the default, and check mode) returns the list only.
  - "Deletion order: CloudWatch alarms of the stack; EventBridge rules (targets removed first) and SNS topics of the stack's alerts; Application Auto
    Scaling policies and scalable targets of the stack's ECS services; ECS services scaled to 0 and deleted; task
    definition families of the stack deregistered; capacity providers detached from their clusters and deleted;
    scale-in protection cleared and Auto Scaling groups force-deleted; container instances deregistered and clusters
    deleted; launch templates; the stack's Route 53 records in zones it did not create (aliases to its load balancers
    and its certificates' validation records, one change batch per zone; those zones and their other records stay),
    then the hosted zones it created, emptied first; load balancers (deletion protection cleared; listeners go with them) and target groups;
    Aurora instances and clusters (deletion protection cleared, with a final snapshot unless
    O(skip_final_snapshot=true)), DB subnet groups, DB cluster and DB parameter groups; ACM certificates (once no load
    balancer uses them); EFS file systems (mount targets first); ECR repositories (with their images); VPC endpoints;
    NAT gateways, then Elastic IPs; internet gateways; subnets; route tables; security groups (rules revoked first, so
    groups that reference each other go too); flow logs; VPCs; log groups; instance profiles and IAM roles; customer
    managed IAM policies (detached first); Secrets Manager secrets and KMS keys scheduled for deletion (secrets
    another service manages, such as the Aurora master user secret, go with their owner)."
  - Databases are deleted early and waited for later, so their deletion overlaps the rest.
  - While it runs, a line per kind of resource as its deletion starts, and what it waits for (services, capacity
    providers, Auto Scaling groups, load balancers, databases, NAT gateways, endpoints, or AWS to allow a deletion it
    refused for now) at least every 20 seconds (see O(progress_file)).
  - Refuses to delete an environment named C(prod) unless O(allow_prod=true).
  - Resources already being deleted are not listed, so a second teardown is a no-op (changed=false).
notes:
  - The Resource Groups Tagging API does not cover Auto Scaling groups, IAM roles, ECS clusters or listeners, so each
    service is read with its own tag filter, or its tags are read where it has none (log groups, IAM, KMS, SNS,
    EventBridge, ACM, ECR). Application Auto Scaling targets belong to the stack through their resource id
    C(service/<stack cluster>/<service>). CloudWatch alarms carry no tags, so the stack's are those that scale one of
    its services or watch one of its clusters, target groups or load balancers.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  environment:
    description: The environment name; resources whose C(Environment) tag names another environment are left alone.
    type: str
    required: true
  confirm:
    description: Really delete. Without it the module only lists.
    type: bool
    default: false
  allow_prod:
    description: Allow deleting an environment named C(prod).
    type: bool
    default: false
  skip_final_snapshot:
    description: Delete Aurora clusters without a final snapshot.
    type: bool
    default: false
  kms_pending_window_days:
    description: Days before scheduled KMS key and Secrets Manager secret deletion happens (7-30).
    type: int
    default: 7
  wait_timeout:
    description: Seconds the whole deletion may take before the module fails (a re-run continues).
    type: int
    default: 1800
extends_documentation_fragment:
  - cloudops.ecs.stack
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: List what a teardown of the dev stack would delete
  cloudops.ecs.ecs_stack_teardown:
    stack_name: shop-dev
    environment: dev
  register: plan

- name: Delete it, keeping a final database snapshot
  cloudops.ecs.ecs_stack_teardown:
    stack_name: shop-dev
    environment: dev
    confirm: true
"""

RETURN = r"""
resources:
  description: The resources of the stack found before deletion, in deletion order.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "ecs_service", "id": "arn:aws:ecs:us-east-1:123456789012:service/shop-dev/web", "name": "web"}]
listing:
  description: One readable line per resource, in deletion order.
  returned: always
  type: list
  elements: str
  sample: ["ecs_service        web (arn:aws:ecs:us-east-1:123456789012:service/shop-dev/web)", "vpc  shop-dev (vpc-0abc)"]
counts:
  description: Number of resources per kind.
  returned: always
  type: dict
  sample: {"ecs_service": 2, "vpc": 1}
deleted:
  description: What was done, in order (empty on a dry run).
  returned: always
  type: list
  elements: str
  sample: ["deleted ecs_service web", "deleted (final snapshot shop-dev-final-20261122) db_cluster shop-dev"]
final_snapshots:
  description: Final DB cluster snapshot identifiers taken.
  returned: always
  type: list
  elements: str
  sample: ["shop-dev-final-20261122040000"]
dry_run:
  description: Whether the run only listed.
  returned: always
  type: bool
  sample: true
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import aws
from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils import teardown

SERVICES = ("ecs", "autoscaling", "ec2", "elbv2", "rds", "logs", "iam", "kms", "application-autoscaling", "events",
            "cloudwatch", "sns", "acm", "efs", "ecr", "secretsmanager", "route53", "resourcegroupstaggingapi")


def main():
    argument_spec = dict(
        stack_name=dict(type="str", required=True),
        environment=dict(type="str", required=True),
        confirm=dict(type="bool", default=False),
        allow_prod=dict(type="bool", default=False),
        skip_final_snapshot=dict(type="bool", default=False),
        kms_pending_window_days=dict(type="int", default=7),
        wait_timeout=dict(type="int", default=1800),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not 7 <= params["kms_pending_window_days"] <= 30:
        module.fail_json(msg="kms_pending_window_days must be between 7 and 30, got %d" % params["kms_pending_window_days"])
    refusal = teardown.prod_refusal(params["environment"], params["confirm"], params["allow_prod"])
    if refusal:
        module.fail_json(msg=refusal)
    if not params["stack_name"].strip():
        module.fail_json(msg="stack_name must not be empty")

    clients = aws.clients(module, SERVICES)
    say = progress.for_module(module)
    try:
        resources = teardown.discover(clients, params["stack_name"], params["environment"], progress=say)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not discover the resources of stack %s" % params["stack_name"])
    result = dict(
        resources=resources,
        listing=teardown.listing(resources),
        counts=teardown.counts(resources),
        deleted=[],
        final_snapshots=[],
        dry_run=not params["confirm"] or module.check_mode,
    )
    if result["dry_run"] or not resources:
        module.exit_json(changed=bool(resources) and params["confirm"], **result)

    deleter = teardown.Deleter(clients, timeout=params["wait_timeout"],
                               skip_final_snapshot=params["skip_final_snapshot"],
                               kms_pending_days=params["kms_pending_window_days"], log=result["deleted"], progress=say)
    try:
        deleter.run(resources)
    except teardown.TeardownError as e:
        result["final_snapshots"] = deleter.snapshots
        module.fail_json(msg="Teardown of stack %s stopped: %s (a re-run continues from what is left)"
                         % (params["stack_name"], e), changed=bool(result["deleted"]), **result)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Teardown of stack %s stopped" % params["stack_name"], changed=bool(result["deleted"]),
                             **result)
    result["final_snapshots"] = deleter.snapshots
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
