from ansible_collections.cloudops.ecs.plugins.modules import elb_listener_rules

LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/0123456789abcdef/0123456789abcdef"
RULE_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shop/0123456789abcdef/0123456789abcdef/0123456789abcdef"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
OTHER_TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/old/0123456789abcdef"
WANTED = {"priority": 10, "host_headers": ["shop.example.com"], "target_group_arn": TG}


def existing(target=TG):
    return {"RuleArn": RULE_ARN, "Priority": "10", "IsDefault": False,
            "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}}],
            "Actions": [{"Type": "forward", "TargetGroupArn": target}]}


def rules(stubs, items):
    stubs["elbv2"].add_response("describe_rules", {"Rules": items + [{"RuleArn": RULE_ARN, "Priority": "default",
                                                                      "IsDefault": True}]}, {"ListenerArn": LISTENER})


def test_no_change(stubs, run_module):
    rules(stubs, [existing()])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [WANTED]})
    assert not failed and result["changed"] is False and result["rules"][0]["action"] == "none"


def test_check_mode_reports_the_modification_with_a_diff(stubs, run_module):
    rules(stubs, [existing(OTHER_TG)])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [WANTED]}, check_mode=True)
    assert not failed and result["changed"] is True and result["rules"][0]["action"] == "modify"
    assert result["diff"]["before"]["10"]["target_groups"] == [OTHER_TG]
    assert result["diff"]["after"]["10"]["target_groups"] == [TG]


def test_create_with_tags(stubs, run_module):
    rules(stubs, [])
    stubs["elbv2"].add_response("create_rule", {"Rules": [{"RuleArn": RULE_ARN}]}, {
        "ListenerArn": LISTENER, "Priority": 10, "Actions": [{"Type": "forward", "TargetGroupArn": TG}],
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}}],
        "Tags": [{"Key": "cloudops:stack", "Value": "shop"}]})
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [WANTED],
                                                     "tags": {"cloudops:stack": "shop"}})
    assert not failed and result["rules"] == [{"priority": 10, "action": "create", "rule_arn": RULE_ARN,
                                               "target_group_arn": TG}]


def test_error_reports_the_rules_done_so_far(stubs, run_module):
    rules(stubs, [existing()])
    stubs["elbv2"].add_client_error("create_rule", "PriorityInUse", "taken")
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [
        WANTED, dict(WANTED, priority=11)]})
    assert failed and "manage rules of listener" in result["msg"]
    assert result["rules"] == [{"priority": 10, "action": "none", "rule_arn": RULE_ARN, "target_group_arn": TG}]


def test_invalid_priority_fails_before_any_call(stubs, run_module):
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [dict(WANTED, priority=0)]})
    assert failed and "rules[0].priority=0 is out of range" in result["msg"]


ALT_TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-alt/0123456789abcdef"
TWO_GROUPS = dict(WANTED, alternate_target_group_arn=ALT_TG)


def weighted(production, alternate):
    return dict(existing(), Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": TG, "Weight": production}, {"TargetGroupArn": ALT_TG, "Weight": alternate}]}}])


def test_a_two_group_rule_is_created_with_all_traffic_on_the_production_group(stubs, run_module):
    rules(stubs, [existing()])
    stubs["elbv2"].add_response("modify_rule", {"Rules": [{"RuleArn": RULE_ARN}]}, {
        "RuleArn": RULE_ARN, "Actions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": TG, "Weight": 100}, {"TargetGroupArn": ALT_TG, "Weight": 0}]}}],
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}}]})
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [TWO_GROUPS]})
    assert not failed and result["rules"][0]["action"] == "modify"
    assert result["diff"]["after"]["10"]["target_groups"] == sorted([TG, ALT_TG])


def test_weights_ecs_shifted_are_left_alone(stubs, run_module):
    for production, alternate in ((0, 100), (40, 60)):
        rules(stubs, [weighted(production, alternate)])
        result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [TWO_GROUPS]})
        assert not failed and result["changed"] is False and result["rules"][0]["rule_arn"] == RULE_ARN


def test_back_to_one_group_when_the_service_rolls_again(stubs, run_module):
    rules(stubs, [weighted(0, 100)])
    stubs["elbv2"].add_response("modify_rule", {"Rules": [{"RuleArn": RULE_ARN}]}, {
        "RuleArn": RULE_ARN, "Actions": [{"Type": "forward", "TargetGroupArn": TG}],
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}}]})
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [WANTED]})
    assert not failed and result["rules"][0]["action"] == "modify"


def test_teardown_deletes_a_rule_forwarding_to_either_group_of_the_service_only(stubs, run_module):
    rules(stubs, [existing(ALT_TG)])
    stubs["elbv2"].add_response("delete_rule", {}, {"RuleArn": RULE_ARN})
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [
        dict(TWO_GROUPS, state="absent")]})
    assert not failed and result["rules"] == [{"priority": 10, "action": "delete"}]
    rules(stubs, [existing(OTHER_TG)])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [
        dict(TWO_GROUPS, state="absent")]})
    assert not failed and result["changed"] is False and result["rules"] == [{"priority": 10, "action": "none"}]


def modified_to(stubs, actions):
    stubs["elbv2"].add_response("modify_rule", {"Rules": [{"RuleArn": RULE_ARN}]}, {
        "RuleArn": RULE_ARN, "Actions": actions,
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}}]})


def test_back_to_one_group_keeps_the_group_that_has_the_traffic(stubs, run_module):
    serving = dict(TWO_GROUPS, forward_to="serving")
    # ECS moved the traffic to the alternate group: the rule forwards to that one alone, no traffic moves
    rules(stubs, [weighted(0, 100)])
    modified_to(stubs, [{"Type": "forward", "TargetGroupArn": ALT_TG}])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [serving]})
    assert not failed and result["rules"][0]["action"] == "modify" and result["rules"][0]["target_group_arn"] == ALT_TG
    # converged: nothing to change, the same group named
    rules(stubs, [existing(ALT_TG)])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [serving]}, check_mode=True)
    assert not failed and result["changed"] is False and result["rules"][0]["target_group_arn"] == ALT_TG
    # traffic on the first group, or a new rule: the first group
    rules(stubs, [weighted(100, 0)])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [serving]}, check_mode=True)
    assert not failed and result["rules"][0]["action"] == "modify" and result["rules"][0]["target_group_arn"] == TG
    assert result["diff"]["after"]["10"]["target_groups"] == [TG]
    rules(stubs, [])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [serving]}, check_mode=True)
    assert not failed and result["rules"][0] == {"priority": 10, "action": "create", "rule_arn": None,
                                                 "target_group_arn": TG}


def test_a_second_group_added_keeps_all_traffic_on_the_group_that_has_it(stubs, run_module):
    # a rolling service serving from the alternate group switches to blue/green: the alternate keeps all traffic
    rules(stubs, [existing(ALT_TG)])
    modified_to(stubs, [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": ALT_TG, "Weight": 100}, {"TargetGroupArn": TG, "Weight": 0}]}}])
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [TWO_GROUPS]})
    assert not failed and result["rules"][0]["action"] == "modify" and result["rules"][0]["target_group_arn"] == ALT_TG
    # new conditions on a rule ECS shifted to the alternate group: the traffic stays there
    rules(stubs, [weighted(0, 100)])
    stubs["elbv2"].add_response("modify_rule", {"Rules": [{"RuleArn": RULE_ARN}]}, {
        "RuleArn": RULE_ARN, "Actions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": ALT_TG, "Weight": 100}, {"TargetGroupArn": TG, "Weight": 0}]}}],
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}},
                       {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]})
    result, failed = run_module(elb_listener_rules, {"listener_arn": LISTENER, "rules": [
        dict(TWO_GROUPS, path_patterns=["/*"])]})
    assert not failed and result["rules"][0]["action"] == "modify" and result["rules"][0]["target_group_arn"] == ALT_TG
