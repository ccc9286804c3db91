# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security groups a role owns: each created in its VPC with its description and tags, its ingress rules converged
(all of them, or with purge_rules false only the missing ones added, when another role adds its own) and its egress
rules exactly as listed (none by default: a new group's allow-all egress rule is revoked). Every group of a call is
read in one DescribeSecurityGroups and one DescribeSecurityGroupRules. plan_group_rules() is pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks, refuse_listed_twice
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.sg_rules import RULE_OPTIONS, check_rules, ip_permission, read_rules
from ansible_collections.cloudops.ecs.plugins.module_utils.sg_rules import plan_rules, rule_key, rule_text, rule_views

GROUP_OPTIONS = dict(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    vpc_id=dict(type="str"),
    rules=dict(type="list", elements="dict", default=[], options=RULE_OPTIONS),
    egress_rules=dict(type="list", elements="dict", default=[], options=RULE_OPTIONS),
    purge_rules=dict(type="bool", default=True),
    tags=dict(type="dict"),
)


def plan_group_rules(current, desired, egress=False, purge=True):
    """plan_rules() of one direction of a group this owner owns (with `purge`, every rule not desired is revoked), plus
    'describe': the desired rules that exist with another description."""
    plan = plan_rules(current, desired, egress=egress, purge=purge)
    existing = dict((rule_key(r), r) for r in current if bool(r.get("IsEgress")) == egress)
    wanted = dict((rule_key(r), r) for r in desired)
    plan["describe"] = [wanted[k] for k in sorted(wanted, key=str) if k in existing
                        and (existing[k].get("Description") or "") != (wanted[k].get("description") or "")]
    return plan


class SecurityGroups(Service):
    """The groups of the security_groups option (or the single group of the module's own options)."""

    SERVICES = ("ec2",)

    def __init__(self, *args, **kwargs):
        super(SecurityGroups, self).__init__(*args, **kwargs)
        self.changes = []

    def change(self, text):
        self.changes.append(text)

    def groups(self):
        p = self.params
        if p.get("security_groups") is not None:
            return [self.item(index, item) for index, item in enumerate(p["security_groups"])]
        if not p.get("name"):
            raise CloudopsError(message="name or security_groups is required")
        return [dict((k, p.get(k)) for k in GROUP_OPTIONS)]

    @staticmethod
    def item(index, item):
        """An item of security_groups validated against the options of one group (defaults filled in)."""
        validated = ArgumentSpecValidator(GROUP_OPTIONS).validate(dict(item))
        if validated.error_messages:
            raise CloudopsError(message="security_groups[%d] (%s): %s" % (
                index, item.get("name") or "no name", "; ".join(validated.error_messages)))
        return validated.validated_parameters

    def read(self, groups):
        """(name, vpc_id) -> DescribeSecurityGroups item of the groups that exist. A group without vpc_id (state absent
        once the VPC is unknown) is looked up by name in every VPC."""
        found = {}
        vpcs = sorted(set(g["vpc_id"] for g in groups if g.get("vpc_id")))
        by_vpc = len(vpcs) > 0 and all(g.get("vpc_id") for g in groups)
        for names in chunks(sorted(set(g["name"] for g in groups)), 200):
            filters = [{"Name": "group-name", "Values": names}] + ([{"Name": "vpc-id", "Values": vpcs}] if by_vpc else [])
            for group in self.paginate("ec2", "describe_security_groups", "SecurityGroups", "describe the security groups",
                                       Filters=filters):
                found[(group["GroupName"], group["VpcId"])] = group
                found.setdefault((group["GroupName"], None), group)
        return found

    @staticmethod
    def lookup(found, spec):
        return found.get((spec["name"], spec.get("vpc_id") or None))

    def read_rules(self, group_ids):
        return read_rules(self, sorted(set(group_ids)))

    # -- present -----------------------------------------------------------------------------------
    def create(self, spec):
        if not spec.get("description"):
            raise CloudopsError(message="security group %s: description is required to create it" % spec["name"])
        self.change("create security group %s in %s" % (spec["name"], spec["vpc_id"]))
        if self.check_mode:
            return None
        kwargs = dict(GroupName=spec["name"], Description=spec["description"], VpcId=spec["vpc_id"])
        if spec.get("tags"):
            kwargs["TagSpecifications"] = tagging.specifications(spec["tags"], ["security-group"])
        return self.call("ec2", "create_security_group", "create the security group %s" % spec["name"],
                         **kwargs)["GroupId"]

    def converge_tags(self, group, spec):
        tagging.converge_ec2_tags(self, group["GroupId"], "security group %s" % spec["name"],
                                  tagging.to_dict(group.get("Tags")), spec.get("tags"), self.params.get("purge_tags", True))

    def converge_rules(self, group_id, spec, current):
        """Both directions of the group's rules; returns (before, after) views for the diff."""
        before, after = {}, {}
        for egress, direction, rules, purge in ((False, "ingress", spec["rules"], spec["purge_rules"]),
                                                (True, "egress", spec["egress_rules"], True)):
            plan = plan_group_rules(current, rules, egress=egress, purge=purge)
            before[direction], revoked, after[direction] = rule_views(current, plan, egress)
            what = "the %s rules of security group %s" % (direction, spec["name"])
            for key in revoked:
                self.change("revoke %s %s" % (direction, key))
            for rule in plan["authorize"]:
                self.change("authorize %s %s" % (direction, rule_text(rule_key(rule))))
            for rule in plan["describe"]:
                self.change("describe %s %s as %r" % (direction, rule_text(rule_key(rule)), rule.get("description") or ""))
            if self.check_mode or group_id is None:
                continue
            if plan["revoke"]:
                self.call("ec2", "revoke_security_group_" + direction, "revoke " + what, GroupId=group_id,
                          SecurityGroupRuleIds=plan["revoke"])
            if plan["authorize"]:
                self.call("ec2", "authorize_security_group_" + direction, "authorize " + what, GroupId=group_id,
                          IpPermissions=[ip_permission(r) for r in plan["authorize"]])
            if plan["describe"]:
                self.call("ec2", "update_security_group_rule_descriptions_" + direction, "describe " + what,
                          GroupId=group_id, IpPermissions=[ip_permission(r) for r in plan["describe"]])
        return before, after

    def present_one(self, spec, group, current_rules):
        if group is None:
            group_id = self.create(spec)
            # a new group has its VPC's default egress rule (everything out): read it so the plan revokes it
            current = self.read_rules([group_id])[group_id] if group_id else []
            before, after = self.converge_rules(group_id, spec, current)
            return group_id, {}, after
        if spec.get("description") and spec["description"] != group.get("Description"):
            self.warn("security group %s: its description %r differs from %r and cannot change (EC2 keeps a group's "
                      "description for its life; delete the group to change it)"
                      % (spec["name"], group.get("Description"), spec["description"]))
        self.converge_tags(group, spec)
        before, after = self.converge_rules(group["GroupId"], spec, current_rules)
        return group["GroupId"], before, after

    def present(self):
        groups = self.groups()
        for spec in groups:
            if not spec.get("vpc_id"):
                raise CloudopsError(message="security group %s: vpc_id is required with state present" % spec["name"])
            check_rules(spec["rules"] + spec["egress_rules"], "security group %s: " % spec["name"])
        refuse_listed_twice("security_groups", [g["name"] for g in groups], "security group")
        found = self.read(groups)
        rules = self.read_rules([g["GroupId"] for g in found.values()])
        results, before, after = [], {}, {}
        for spec in groups:
            group = self.lookup(found, spec)
            start = len(self.changes)
            group_id, before[spec["name"]], after[spec["name"]] = self.present_one(
                spec, group, rules.get((group or {}).get("GroupId"), []))
            results.append(dict(name=spec["name"], vpc_id=spec["vpc_id"], group_id=group_id or "",
                                changed=len(self.changes) > start))
        return self.result(results, before, after)

    # -- absent ------------------------------------------------------------------------------------
    def absent(self):
        groups = self.groups()
        refuse_listed_twice("security_groups", [g["name"] for g in groups], "security group")
        found = self.read(groups)
        results, before = [], {}
        for spec in groups:
            group = self.lookup(found, spec)
            before[spec["name"]] = {"group_id": group["GroupId"]} if group else {}
            if group is not None:
                self.change("delete security group %s (%s)" % (spec["name"], group["GroupId"]))
                if not self.check_mode:
                    self.call("ec2", "delete_security_group", "delete the security group %s" % spec["name"],
                              GroupId=group["GroupId"])
            results.append(dict(name=spec["name"], vpc_id=(group or {}).get("VpcId", spec.get("vpc_id") or ""),
                                group_id=(group or {}).get("GroupId", ""),
                                changed=group is not None))
        return self.result(results, before, dict((name, {}) for name in before))

    def result(self, results, before, after):
        result = dict(changed=bool(self.changes), changes=self.changes, security_groups=results,
                      group_id=results[0]["group_id"] if len(results) == 1 else "")
        if self.diff_mode:
            result["diff"] = dict(before=before, after=after)
        return result

    def run(self):
        return self.run_by_state("security groups")
