from ansible_collections.cloudops.ecs.plugins.modules import security_group_rules

GROUP = "sg-0aaaaaaaaaaaaaaa1"
PEER = "sg-0bbbbbbbbbbbbbbb2"
RULE = {"from_port": 3306, "source_group_id": PEER, "description": "database: from instances"}


def existing(rule_id="sgr-0aaaaaaaaaaaaaaa1", port=3306, description="database: from instances"):
    return {"SecurityGroupRuleId": rule_id, "GroupId": GROUP, "IsEgress": False, "IpProtocol": "tcp",
            "FromPort": port, "ToPort": port, "ReferencedGroupInfo": {"GroupId": PEER}, "Description": description}


def describe(stubs, rules):
    stubs["ec2"].add_response("describe_security_group_rules", {"SecurityGroupRules": rules},
                              {"Filters": [{"Name": "group-id", "Values": [GROUP]}]})


def test_no_change(stubs, run_module):
    describe(stubs, [existing()])
    result, failed = run_module(security_group_rules, {"group_id": GROUP, "rules": [RULE], "owner_marker": "database:"})
    assert not failed and result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"] == {"rules": ["tcp 3306-3306 %s" % PEER]}


def test_check_mode_plans_and_calls_nothing_else(stubs, run_module):
    describe(stubs, [existing("sgr-0aaaaaaaaaaaaaaa9", 5432)])
    result, failed = run_module(security_group_rules, {"group_id": GROUP, "rules": [RULE], "owner_marker": "database:"},
                                check_mode=True)
    assert not failed and result["changed"] is True
    assert result["revoked"] == ["sgr-0aaaaaaaaaaaaaaa9"]
    assert result["diff"]["after"] == {"rules": ["tcp 3306-3306 %s" % PEER]}


def test_change_revokes_own_stale_rules_then_authorizes(stubs, run_module):
    describe(stubs, [existing("sgr-0aaaaaaaaaaaaaaa9", 5432), existing("sgr-0aaaaaaaaaaaaaaa8", 22, "someone else")])
    stubs["ec2"].add_response("revoke_security_group_ingress", {"Return": True},
                              {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-0aaaaaaaaaaaaaaa9"]})
    stubs["ec2"].add_response("authorize_security_group_ingress", {"Return": True}, {
        "GroupId": GROUP, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "UserIdGroupPairs": [
            {"GroupId": PEER, "Description": "database: from instances"}]}]})
    result, failed = run_module(security_group_rules, {"group_id": GROUP, "rules": [RULE], "owner_marker": "database:"})
    assert not failed and result["changed"] is True


def test_bad_rule_fails_before_any_call(stubs, run_module):
    result, failed = run_module(security_group_rules, {"group_id": GROUP, "rules": [{"from_port": 80}]})
    assert failed and "exactly one of cidr_ip or source_group_id" in result["msg"]


def test_aws_error_names_the_group(stubs, run_module):
    stubs["ec2"].add_client_error("describe_security_group_rules", "UnauthorizedOperation", "no")
    result, failed = run_module(security_group_rules, {"group_id": GROUP, "rules": [RULE]})
    assert failed and result["msg"].startswith("Failed to describe the rules of %s" % GROUP)


def test_several_groups_in_one_process_read_in_one_request(stubs, run_module):
    stubs["ec2"].add_response("describe_security_group_rules", {"SecurityGroupRules": [existing()]},
                              {"Filters": [{"Name": "group-id", "Values": [GROUP, PEER]}]})
    stubs["ec2"].add_response("authorize_security_group_ingress", {"Return": True}, {
        "GroupId": PEER, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "lb: https"}]}]})
    result, failed = run_module(security_group_rules, {"security_groups": [
        {"group_id": GROUP, "rules": [RULE], "owner_marker": "database:"},
        {"group_id": PEER, "rules": [{"from_port": 443, "cidr_ip": "0.0.0.0/0", "description": "lb: https"}],
         "owner_marker": "lb:"}]})
    assert not failed, result
    assert [r["changed"] for r in result["security_groups"]] == [False, True] and result["changed"] is True
    assert set(result["diff"]["after"]) == {GROUP, PEER}
    assert result["api_calls"] == 2  # the one read and the one authorize


def test_a_bad_rule_of_any_group_fails_before_the_read(stubs, run_module):
    result, failed = run_module(security_group_rules, {"security_groups": [
        {"group_id": GROUP, "rules": [RULE]}, {"group_id": PEER, "rules": [{"from_port": 80}]}]})
    assert failed and result["msg"].startswith("%s: each rule needs exactly one of cidr_ip or source_group_id" % PEER)
