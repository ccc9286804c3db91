# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listener rules a service owns on a shared listener: host/path conditions forwarding to one target
group, keyed by priority. The condition and action views are pure; ListenerRules converges them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError


def desired_conditions(rule):
    conditions = []
    if rule.get("host_headers"):
        conditions.append({"Field": "host-header", "HostHeaderConfig": {"Values": list(rule["host_headers"])}})
    if rule.get("path_patterns"):
        conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": list(rule["path_patterns"])}})
    return conditions


def canonical_conditions(conditions):
    result = []
    for condition in conditions or []:
        field = condition.get("Field")
        config = condition.get("HostHeaderConfig") if field == "host-header" else condition.get("PathPatternConfig")
        values = (config or {}).get("Values") or condition.get("Values") or []
        result.append((field, tuple(sorted(values))))
    return sorted(result)


def forward_target(actions):
    for action in actions or []:
        if action.get("Type") == "forward":
            if action.get("TargetGroupArn"):
                return action["TargetGroupArn"]
            groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
            if len(groups) == 1:
                return groups[0].get("TargetGroupArn")
    return None


def validate_rules(rules):
    for index, rule in enumerate(rules):
        if rule["state"] == "present" and not rule.get("target_group_arn"):
            raise CloudopsError(message="rules[%d].target_group_arn is required when state=present" % index)
        if rule["state"] == "present" and not (rule.get("host_headers") or rule.get("path_patterns")):
            raise CloudopsError(message="rules[%d]: set host_headers and/or path_patterns" % index)
        if not 1 <= rule["priority"] <= 50000:
            raise CloudopsError(message="rules[%d].priority=%d is out of range: use 1-50000" % (index, rule["priority"]))


class ListenerRules(Service):
    """Host/path forward rules of one listener, keyed by priority; other priorities are left alone."""

    SERVICES = ("elbv2",)

    def converge(self, rule, current, before, after):
        """Converge one rule; returns its result entry."""
        priority = str(rule["priority"])
        listener_arn = self.params["listener_arn"]
        view = None
        if current is not None:
            view = {"conditions": canonical_conditions(current.get("Conditions")),
                    "target_group_arn": forward_target(current.get("Actions"))}
        what = "manage rules of listener %s" % listener_arn
        if rule["state"] == "absent":
            if current is None or (rule.get("target_group_arn") and view["target_group_arn"] != rule["target_group_arn"]):
                return dict(priority=rule["priority"], action="none")
            before[priority], after[priority] = view, None
            if not self.check_mode:
                self.call("elbv2", "delete_rule", what, RuleArn=current["RuleArn"])
            return dict(priority=rule["priority"], action="delete")
        conditions = desired_conditions(rule)
        actions = [{"Type": "forward", "TargetGroupArn": rule["target_group_arn"]}]
        wanted = {"conditions": canonical_conditions(conditions), "target_group_arn": rule["target_group_arn"]}
        if current is None:
            before[priority], after[priority] = None, wanted
            arn = None
            if not self.check_mode:
                request = dict(ListenerArn=listener_arn, Priority=rule["priority"], Conditions=conditions, Actions=actions)
                tags = tagging.to_list(dict((k, str(v)) for k, v in (self.params["tags"] or {}).items()))
                if tags:
                    request["Tags"] = tags
                arn = self.call("elbv2", "create_rule", what, **request)["Rules"][0]["RuleArn"]
            return dict(priority=rule["priority"], action="create", rule_arn=arn)
        if view != wanted:
            before[priority], after[priority] = view, wanted
            if not self.check_mode:
                self.call("elbv2", "modify_rule", what, RuleArn=current["RuleArn"], Conditions=conditions, Actions=actions)
            return dict(priority=rule["priority"], action="modify", rule_arn=current["RuleArn"])
        return dict(priority=rule["priority"], action="none", rule_arn=current["RuleArn"])

    def run(self):
        listener_arn = self.params["listener_arn"]
        validate_rules(self.params["rules"])
        existing = self.paginate("elbv2", "describe_rules", "Rules", "describe rules of listener %s" % listener_arn,
                                 ListenerArn=listener_arn)
        by_priority = dict((str(r.get("Priority")), r) for r in existing if not r.get("IsDefault"))
        results, before, after = [], {}, {}
        for rule in self.params["rules"]:
            try:
                results.append(self.converge(rule, by_priority.get(str(rule["priority"])), before, after))
            except CloudopsError as e:
                e.kwargs["rules"] = results
                raise
        output = dict(changed=any(r["action"] != "none" for r in results), rules=results)
        if self.diff_mode:
            output["diff"] = dict(before=before, after=after)
        return output
