# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for security group rules on groups several roles share: a role owns the rules whose
description starts with its marker, adds what is missing and revokes only its own stale rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def rule_key(rule):
    """A hashable identity of one rule: (protocol, from, to, peer). Accepts desired rules
    (protocol/from_port/to_port/cidr_ip|source_group_id) and DescribeSecurityGroupRules items."""
    if "IpProtocol" in rule:
        peer = rule.get("CidrIpv4") or rule.get("CidrIpv6") or (rule.get("ReferencedGroupInfo") or {}).get("GroupId") or rule.get("PrefixListId")
        protocol = rule["IpProtocol"]
        return (protocol, int(rule.get("FromPort", -1)), int(rule.get("ToPort", -1)), peer)
    protocol = str(rule.get("protocol", "tcp"))
    return (protocol, int(rule["from_port"]), int(rule.get("to_port", rule["from_port"])), rule.get("cidr_ip") or rule.get("source_group_id"))


def plan_rules(current, desired, egress=False, owner_marker=None, state="present"):
    """current: DescribeSecurityGroupRules items of one group; desired: rule dicts.
    present: authorize missing desired rules; revoke rules of this direction whose description starts
    with `owner_marker` and that are not desired. absent: revoke the desired rules that exist.
    Returns {'authorize': [desired rule], 'revoke': [SecurityGroupRuleId]}."""
    mine = [r for r in current if bool(r.get("IsEgress")) == egress]
    existing = dict((rule_key(r), r) for r in mine)
    wanted = dict((rule_key(r), r) for r in desired)
    plan = {"authorize": [], "revoke": []}
    if state == "absent":
        plan["revoke"] = [existing[k]["SecurityGroupRuleId"] for k in sorted(wanted, key=str) if k in existing]
        return plan
    plan["authorize"] = [wanted[k] for k in sorted(wanted, key=str) if k not in existing]
    if owner_marker:
        for key in sorted(existing, key=str):
            rule = existing[key]
            if key not in wanted and (rule.get("Description") or "").startswith(owner_marker):
                plan["revoke"].append(rule["SecurityGroupRuleId"])
    return plan


def ip_permission(rule):
    """A desired rule as an IpPermissions item for Authorize*."""
    permission = {"IpProtocol": str(rule.get("protocol", "tcp")), "FromPort": int(rule["from_port"]),
                  "ToPort": int(rule.get("to_port", rule["from_port"]))}
    description = rule.get("description") or ""
    if rule.get("cidr_ip"):
        permission["IpRanges"] = [{"CidrIp": rule["cidr_ip"], "Description": description}]
    else:
        permission["UserIdGroupPairs"] = [{"GroupId": rule["source_group_id"], "Description": description}]
    return permission
