#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: security_group_rules
short_description: Add or remove a role's own rules on a security group other roles share
version_added: 0.1.0
description:
  - Ensures the given ingress (or egress) rules exist on an existing security group, or revokes
    them, leaving every other rule alone. One describe call and at most one authorize and one
    revoke call per run; no fixed sleeps.
  - With I(owner_marker), rules of this direction whose description starts with the marker and that
    are no longer listed are revoked, so a role can drop ports it stopped using.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  group_id:
    description: The security group.
    type: str
    required: true
  egress:
    description: Manage egress rules instead of ingress rules.
    type: bool
    default: false
  rules:
    description: Rules.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: IP protocol.
        type: str
        default: tcp
      from_port:
        description: First port.
        type: int
        required: true
      to_port:
        description: Last port (default I(from_port)).
        type: int
      cidr_ip:
        description: IPv4 CIDR peer (or I(source_group_id)).
        type: str
      source_group_id:
        description: Security group peer (or I(cidr_ip)).
        type: str
      description:
        description: Rule description (start it with I(owner_marker)).
        type: str
  owner_marker:
    description: Description prefix of the rules this caller owns (see description).
    type: str
  state:
    description: C(present) adds missing rules; C(absent) revokes the listed rules.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let the ALB reach bridge-mode tasks on the instances
  cloudops.ecs.security_group_rules:
    group_id: "{{ cloudops_network.security_groups.ecs_instances }}"
    owner_marker: "cloudops:load_balancer"
    rules:
      - from_port: 32768
        to_port: 65535
        source_group_id: "{{ cloudops_network.security_groups.alb }}"
        description: "cloudops:load_balancer dynamic host ports from the ALB"
"""

RETURN = r"""
authorized:
  description: Rules added (or that would be in check mode).
  returned: always
  type: list
  elements: dict
revoked:
  description: Security group rule ids revoked (or that would be).
  returned: always
  type: list
  elements: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cloudops.ecs.plugins.module_utils.sg_rules import ip_permission
from ansible_collections.cloudops.ecs.plugins.module_utils.sg_rules import plan_rules
from ansible_collections.cloudops.ecs.plugins.module_utils.sg_rules import rule_key


def main():
    rule_options = dict(
        protocol=dict(type="str", default="tcp"),
        from_port=dict(type="int", required=True),
        to_port=dict(type="int"),
        cidr_ip=dict(type="str"),
        source_group_id=dict(type="str"),
        description=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            group_id=dict(type="str", required=True),
            egress=dict(type="bool", default=False),
            rules=dict(type="list", elements="dict", default=[], options=rule_options),
            owner_marker=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    group_id = module.params["group_id"]
    egress = module.params["egress"]
    rules = module.params["rules"]
    for rule in rules:
        if bool(rule.get("cidr_ip")) == bool(rule.get("source_group_id")):
            module.fail_json(msg="each rule needs exactly one of cidr_ip or source_group_id: %r" % (rule,))
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        paginator = client.get_paginator("describe_security_group_rules")
        current = paginator.paginate(Filters=[{"Name": "group-id", "Values": [group_id]}]).build_full_result()["SecurityGroupRules"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Unable to describe the rules of %s" % group_id)
    plan = plan_rules(current, rules, egress=egress, owner_marker=module.params.get("owner_marker"), state=module.params["state"])
    before = sorted("%s %s-%s %s" % key for key in (rule_key(r) for r in current if bool(r.get("IsEgress")) == egress))
    revoked_keys = set(rule_key(r) for r in current if r["SecurityGroupRuleId"] in plan["revoke"])
    after = sorted(set(before) - set("%s %s-%s %s" % k for k in revoked_keys) | set("%s %s-%s %s" % rule_key(r) for r in plan["authorize"]))
    changed = bool(plan["authorize"] or plan["revoke"])
    if changed and not module.check_mode:
        authorize = client.authorize_security_group_egress if egress else client.authorize_security_group_ingress
        revoke = client.revoke_security_group_egress if egress else client.revoke_security_group_ingress
        try:
            if plan["revoke"]:
                revoke(aws_retry=True, GroupId=group_id, SecurityGroupRuleIds=plan["revoke"])
            if plan["authorize"]:
                authorize(aws_retry=True, GroupId=group_id, IpPermissions=[ip_permission(r) for r in plan["authorize"]])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Unable to update the rules of %s" % group_id)
    module.exit_json(changed=changed, authorized=plan["authorize"], revoked=plan["revoke"],
                     diff={"before": {"rules": before}, "after": {"rules": after}})


if __name__ == "__main__":
    main()
