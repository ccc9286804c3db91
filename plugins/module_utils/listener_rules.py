# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listener rules a service owns on a shared listener: host/path conditions forwarding to one target
group, or to a production and an alternate group (ECS blue/green, linear and canary deployments), keyed by
priority. The condition and action views are pure; ListenerRules converges them.

The weights of a two-group rule are ECS's once it exists (it shifts traffic with them): a rule is compared by
its conditions and the set of its target groups, never by weights, so a re-run does not shift traffic back. A rule
that changes keeps its traffic on the group of the pair that has it (forward_to=serving: forwards to that group
alone), so no change points traffic at a group without targets."""

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


def forward_targets(actions):
    """The target groups a rule's forward action sends to, sorted (weights left out)."""
    groups = set()
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn"):
            groups.add(action["TargetGroupArn"])
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            groups.add(group.get("TargetGroupArn"))
    return sorted(g for g in groups if g)


def forward_weights(actions):
    """{target group ARN: weight} of a rule's forward action (a forward to one group weighs 1)."""
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if groups:
            return dict((g.get("TargetGroupArn"), int(g.get("Weight", 1))) for g in groups if g.get("TargetGroupArn"))
        if action.get("TargetGroupArn"):
            return {action["TargetGroupArn"]: 1}
    return {}


def serving_group(actions, first, second):
    """Of a service's two groups, the one the rule (its current actions) sends more traffic to: `second` only when it
    gets more than `first` (a new rule, one forwarding to neither or weighing both the same: `first`)."""
    weights = forward_weights(actions)
    return second if second and weights.get(second, 0) > weights.get(first, 0) else first


def planned_rule(rule, current_actions):
    """The rule to converge to, with the group that holds the existing rule's traffic first: a two-group rule changed
    keeps all traffic on it; with forward_to=serving the rule forwards to that group alone. Changing the rule so never
    moves traffic to a group that has no targets."""
    alternate = rule.get("alternate_target_group_arn")
    if not alternate:
        return rule
    serving = serving_group(current_actions, rule["target_group_arn"], alternate)
    if rule.get("forward_to") == "serving":
        return dict(rule, target_group_arn=serving, alternate_target_group_arn=None)
    other = alternate if serving == rule["target_group_arn"] else rule["target_group_arn"]
    return dict(rule, target_group_arn=serving, alternate_target_group_arn=other)


def desired_actions(rule):
    """The forward action of a rule: to its target group, or all traffic to the production group and none to the
    alternate one."""
    if not rule.get("alternate_target_group_arn"):
        return [{"Type": "forward", "TargetGroupArn": rule["target_group_arn"]}]
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": rule["target_group_arn"], "Weight": 100},
        {"TargetGroupArn": rule["alternate_target_group_arn"], "Weight": 0}]}}]


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
                    "target_groups": forward_targets(current.get("Actions"))}
        what = "manage rules of listener %s" % listener_arn
        if rule["state"] == "absent":
            owned = [arn for arn in (rule.get("target_group_arn"), rule.get("alternate_target_group_arn")) if arn]
            if current is None or (owned and not set(owned) & set(view["target_groups"])):
                return dict(priority=rule["priority"], action="none")
            before[priority], after[priority] = view, None
            if not self.check_mode:
                self.call("elbv2", "delete_rule", what, RuleArn=current["RuleArn"])
            return dict(priority=rule["priority"], action="delete")
        rule = planned_rule(rule, current.get("Actions") if current is not None else None)
        conditions = desired_conditions(rule)
        actions = desired_actions(rule)
        wanted = {"conditions": canonical_conditions(conditions), "target_groups": forward_targets(actions)}
        if current is None:
            before[priority], after[priority] = None, wanted
            arn = None
            if not self.check_mode:
                request = dict(ListenerArn=listener_arn, Priority=rule["priority"], Conditions=conditions, Actions=actions)
                tags = tagging.to_list(dict((k, str(v)) for k, v in (self.params["tags"] or {}).items()))
                if tags:
                    request["Tags"] = tags
                arn = self.call("elbv2", "create_rule", what, **request)["Rules"][0]["RuleArn"]
            return dict(priority=rule["priority"], action="create", rule_arn=arn, target_group_arn=rule["target_group_arn"])
        if view != wanted:
            before[priority], after[priority] = view, wanted
            if not self.check_mode:
                self.call("elbv2", "modify_rule", what, RuleArn=current["RuleArn"], Conditions=conditions, Actions=actions)
            return dict(priority=rule["priority"], action="modify", rule_arn=current["RuleArn"],
                        target_group_arn=rule["target_group_arn"])
        return dict(priority=rule["priority"], action="none", rule_arn=current["RuleArn"],
                    target_group_arn=rule["target_group_arn"])

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
