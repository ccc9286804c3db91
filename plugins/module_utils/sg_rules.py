# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security group rules on groups several roles share: a role owns the rules whose description starts
with its marker, adds what is missing and revokes only its own stale rules. plan_rules() is pure;
SecurityGroupRules applies its plan. The rule options, check, planner and views serve security_groups too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

# The options of one rule (security_group_rules and security_group)
RULE_OPTIONS = dict(
    protocol=dict(type="str", default="tcp"),
    from_port=dict(type="int", required=True),
    to_port=dict(type="int"),
    cidr_ip=dict(type="str"),
    source_group_id=dict(type="str"),
    description=dict(type="str"),
)


def rule_key(rule):
    """A hashable identity of one rule: (protocol, from, to, peer). Accepts desired rules
    (protocol/from_port/to_port/cidr_ip|source_group_id) and DescribeSecurityGroupRules items."""
    if "IpProtocol" in rule:
        peer = rule.get("CidrIpv4") or rule.get("CidrIpv6") or (rule.get("ReferencedGroupInfo") or {}).get("GroupId") or rule.get("PrefixListId")
        protocol = rule["IpProtocol"]
        return (protocol, int(rule.get("FromPort", -1)), int(rule.get("ToPort", -1)), peer)
    protocol = str(rule.get("protocol", "tcp"))
    return (protocol, int(rule["from_port"]), to_port(rule), rule.get("cidr_ip") or rule.get("source_group_id"))


def to_port(rule):
    """A desired rule's last port: to_port, or from_port when it is omitted (None)."""
    return int(rule["from_port"] if rule.get("to_port") is None else rule["to_port"])


def check_rules(rules, where=""):
    """Fail, before any call, on a rule without exactly one peer (`where`: a prefix naming the group)."""
    for rule in rules:
        if bool(rule.get("cidr_ip")) == bool(rule.get("source_group_id")):
            raise CloudopsError(message="%seach rule needs exactly one of cidr_ip or source_group_id: %r" % (where, rule))


def plan_rules(current, desired, egress=False, owner_marker=None, state="present", purge=False):
    """current: DescribeSecurityGroupRules items of one group; desired: rule dicts.
    present: authorize missing desired rules; revoke rules of this direction that are not desired and whose
    description starts with `owner_marker` (with `purge`, every one of them). absent: revoke the desired rules that
    exist. Returns {'authorize': [desired rule], 'revoke': [SecurityGroupRuleId]}."""
    mine = [r for r in current if bool(r.get("IsEgress")) == egress]
    existing = dict((rule_key(r), r) for r in mine)
    wanted = dict((rule_key(r), r) for r in desired)
    plan = {"authorize": [], "revoke": []}
    if state == "absent":
        plan["revoke"] = [existing[k]["SecurityGroupRuleId"] for k in sorted(wanted, key=str) if k in existing]
        return plan
    plan["authorize"] = [wanted[k] for k in sorted(wanted, key=str) if k not in existing]
    for key in sorted(existing, key=str):
        rule = existing[key]
        if key not in wanted and (purge or (owner_marker and (rule.get("Description") or "").startswith(owner_marker))):
            plan["revoke"].append(rule["SecurityGroupRuleId"])
    return plan


def rule_views(current, plan, egress=False):
    """(before, revoked, after) texts of one direction's rules for a diff and change lines, `plan` applied."""
    before = sorted(rule_text(rule_key(r)) for r in current if bool(r.get("IsEgress")) == egress)
    revoked = sorted(rule_text(rule_key(r)) for r in current if r["SecurityGroupRuleId"] in plan["revoke"])
    after = sorted(set(before) - set(revoked) | set(rule_text(rule_key(r)) for r in plan["authorize"]))
    return before, revoked, after


def ip_permission(rule):
    """A desired rule as an IpPermissions item for Authorize*."""
    permission = {"IpProtocol": str(rule.get("protocol", "tcp")), "FromPort": int(rule["from_port"]),
                  "ToPort": to_port(rule)}
    description = rule.get("description") or ""
    if rule.get("cidr_ip"):
        permission["IpRanges"] = [{"CidrIp": rule["cidr_ip"], "Description": description}]
    else:
        permission["UserIdGroupPairs"] = [{"GroupId": rule["source_group_id"], "Description": description}]
    return permission


def rule_text(key):
    return "%s %s-%s %s" % key


def read_rules(owner, group_ids):
    """{group id: its rules (both directions)}: one paged DescribeSecurityGroupRules per 200 groups (a filter's limit)."""
    found = dict((group_id, []) for group_id in group_ids)
    for ids in chunks(list(group_ids), 200):
        for rule in owner.paginate("ec2", "describe_security_group_rules", "SecurityGroupRules",
                                   "describe the rules of %s" % ", ".join(ids),
                                   Filters=[{"Name": "group-id", "Values": ids}]):
            found.setdefault(rule["GroupId"], []).append(rule)
    return found


class SecurityGroupRules(Service):
    """The rules of one direction of one security group that this owner manages."""

    SERVICES = ("ec2",)

    @staticmethod
    def read_all(batch, items):
        for item in items:  # every group's rules checked before the one read
            check_rules(item["rules"], "%s: " % item["group_id"])
        return read_rules(batch, sorted(set(item["group_id"] for item in items)))

    def run(self):
        params = self.params
        group_id, egress, rules = params["group_id"], params["egress"], params["rules"]
        check_rules(rules)
        current = self.read_or_batch_read(lambda: read_rules(self, [group_id])[group_id])
        plan = plan_rules(current, rules, egress=egress, owner_marker=params.get("owner_marker"), state=params["state"])
        before, _revoked, after = rule_views(current, plan, egress)
        changed = bool(plan["authorize"] or plan["revoke"])
        if changed and not self.check_mode:
            direction = "egress" if egress else "ingress"
            what = "update the rules of %s" % group_id
            if plan["revoke"]:
                self.call("ec2", "revoke_security_group_" + direction, what, GroupId=group_id,
                          SecurityGroupRuleIds=plan["revoke"])
            if plan["authorize"]:
                self.call("ec2", "authorize_security_group_" + direction, what, GroupId=group_id,
                          IpPermissions=[ip_permission(r) for r in plan["authorize"]])
        return dict(changed=changed, authorized=plan["authorize"], revoked=plan["revoke"],
                    diff={"before": {"rules": before}, "after": {"rules": after}})
