"""security_group on stubbed EC2: one DescribeSecurityGroups and one DescribeSecurityGroupRules for every group of a
call; create (the default egress rule revoked), converge (rules, rule descriptions, tags), check mode, absent."""
from ansible_collections.cloudops.ecs.plugins.module_utils.security_groups import plan_group_rules
from ansible_collections.cloudops.ecs.plugins.modules import security_group

VPC = "vpc-0aaaaaaaaaaaaaaa1"
GROUP = "sg-0aaaaaaaaaaaaaaa1"
OTHER = "sg-0ccccccccccccccc3"
PEER = "sg-0bbbbbbbbbbbbbbb2"
TAGS = {"cloudops:stack": "shop", "Name": "shop-database"}
RULE = {"from_port": 3306, "source_group_id": PEER, "description": "MySQL from the ECS instances"}
ARGS = {"name": "shop-database", "description": "Aurora MySQL of shop", "vpc_id": VPC, "rules": [RULE], "tags": TAGS}
PERMISSION = {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306,
              "UserIdGroupPairs": [{"GroupId": PEER, "Description": "MySQL from the ECS instances"}]}


def group(group_id=GROUP, name="shop-database", tags=None, description="Aurora MySQL of shop"):
    return {"GroupId": group_id, "GroupName": name, "VpcId": VPC, "Description": description, "OwnerId": "1",
            "Tags": [{"Key": k, "Value": v} for k, v in (TAGS if tags is None else tags).items()]}


def rule(rule_id="sgr-0aaaaaaaaaaaaaaa1", port=3306, egress=False, description="MySQL from the ECS instances",
         group_id=GROUP, cidr=None):
    item = {"SecurityGroupRuleId": rule_id, "GroupId": group_id, "IsEgress": egress, "IpProtocol": "tcp",
            "FromPort": port, "ToPort": port, "Description": description}
    if cidr:
        item["CidrIpv4"] = cidr
    else:
        item["ReferencedGroupInfo"] = {"GroupId": PEER}
    return item


def describe(stubs, groups, names=("shop-database",)):
    stubs["ec2"].add_response("describe_security_groups", {"SecurityGroups": groups}, {"Filters": [
        {"Name": "group-name", "Values": sorted(names)}, {"Name": "vpc-id", "Values": [VPC]}]})


def describe_rules(stubs, rules, ids=(GROUP,)):
    stubs["ec2"].add_response("describe_security_group_rules", {"SecurityGroupRules": rules},
                              {"Filters": [{"Name": "group-id", "Values": sorted(ids)}]})


def test_no_change_reads_twice(stubs, run_module):
    describe(stubs, [group()])
    describe_rules(stubs, [rule()])
    result, failed = run_module(security_group, ARGS)
    assert not failed and result["changed"] is False and result["changes"] == []
    assert result["group_id"] == GROUP
    assert result["diff"]["before"] == result["diff"]["after"]


def test_create_revokes_the_default_egress_rule(stubs, run_module):
    describe(stubs, [])
    stubs["ec2"].add_response("create_security_group", {"GroupId": GROUP}, {
        "GroupName": "shop-database", "Description": "Aurora MySQL of shop", "VpcId": VPC,
        "TagSpecifications": [{"ResourceType": "security-group", "Tags": [
            {"Key": "cloudops:stack", "Value": "shop"}, {"Key": "Name", "Value": "shop-database"}]}]})
    describe_rules(stubs, [rule("sgr-0eeeeeeeeeeeeeee1", -1, egress=True, description="", cidr="0.0.0.0/0")])
    stubs["ec2"].add_response("authorize_security_group_ingress", {"Return": True},
                              {"GroupId": GROUP, "IpPermissions": [PERMISSION]})
    stubs["ec2"].add_response("revoke_security_group_egress", {"Return": True},
                              {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-0eeeeeeeeeeeeeee1"]})
    result, failed = run_module(security_group, ARGS)
    assert not failed, result
    assert result["changes"] == ["create security group shop-database in %s" % VPC,
                                 "authorize ingress tcp 3306-3306 %s" % PEER, "revoke egress tcp -1--1 0.0.0.0/0"]
    assert result["group_id"] == GROUP


def test_check_mode_on_an_empty_account(stubs, run_module):
    describe(stubs, [])
    result, failed = run_module(security_group, ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["group_id"] == ""
    assert result["changes"] == ["create security group shop-database in %s" % VPC,
                                 "authorize ingress tcp 3306-3306 %s" % PEER]


def test_drift_is_repaired(stubs, run_module):
    """A rule added behind the tool's back, a changed rule description, a lost tag and an egress rule."""
    describe(stubs, [group(tags={"cloudops:stack": "shop", "Extra": "x"})])
    describe_rules(stubs, [rule(description="edited"), rule("sgr-0aaaaaaaaaaaaaaa2", 22, cidr="10.0.0.0/8"),
                           rule("sgr-0aaaaaaaaaaaaaaa3", 443, egress=True, cidr="0.0.0.0/0")])
    stubs["ec2"].add_response("create_tags", {}, {"Resources": [GROUP], "Tags": [{"Key": "Name", "Value": "shop-database"}]})
    stubs["ec2"].add_response("delete_tags", {}, {"Resources": [GROUP], "Tags": [{"Key": "Extra"}]})
    stubs["ec2"].add_response("revoke_security_group_ingress", {"Return": True},
                              {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-0aaaaaaaaaaaaaaa2"]})
    stubs["ec2"].add_response("update_security_group_rule_descriptions_ingress", {"Return": True},
                              {"GroupId": GROUP, "IpPermissions": [PERMISSION]})
    stubs["ec2"].add_response("revoke_security_group_egress", {"Return": True},
                              {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-0aaaaaaaaaaaaaaa3"]})
    result, failed = run_module(security_group, ARGS)
    assert not failed, result
    assert result["changes"] == [
        "tag security group shop-database (Name)", "untag security group shop-database (Extra)",
        "revoke ingress tcp 22-22 10.0.0.0/8", "describe ingress tcp 3306-3306 %s as 'MySQL from the ECS instances'" % PEER,
        "revoke egress tcp 443-443 0.0.0.0/0"]


def test_without_purge_rules_other_rules_stay(stubs, run_module):
    describe(stubs, [group()])
    describe_rules(stubs, [rule(), rule("sgr-0aaaaaaaaaaaaaaa2", 2049, description="cloudops:services NFS")])
    result, failed = run_module(security_group, dict(ARGS, purge_rules=False))
    assert not failed and result["changed"] is False


def test_a_different_group_description_only_warns(stubs, run_module):
    describe(stubs, [group(description="old")])
    describe_rules(stubs, [rule()])
    result, failed = run_module(security_group, ARGS)
    assert not failed and result["changed"] is False
    assert any("cannot change" in w for w in result.get("warnings", []))


def test_several_groups_are_read_together(stubs, run_module):
    web = dict(ARGS, name="shop-web-tasks", description="Tasks of shop-web", tags=None, rules=[])
    describe(stubs, [group(), group(OTHER, "shop-web-tasks")], names=("shop-database", "shop-web-tasks"))
    describe_rules(stubs, [rule()], ids=(GROUP, OTHER))
    result, failed = run_module(security_group, {"security_groups": [ARGS, web]})
    assert not failed and result["changed"] is False
    assert [g["group_id"] for g in result["security_groups"]] == [GROUP, OTHER]


def test_absent_deletes_and_absent_again_changes_nothing(stubs, run_module):
    describe(stubs, [group()])
    stubs["ec2"].add_response("delete_security_group", {}, {"GroupId": GROUP})
    result, failed = run_module(security_group, {"name": "shop-database", "vpc_id": VPC, "state": "absent"})
    assert not failed and result["changes"] == ["delete security group shop-database (%s)" % GROUP]
    describe(stubs, [])
    result, failed = run_module(security_group, {"name": "shop-database", "vpc_id": VPC, "state": "absent"})
    assert not failed and result["changed"] is False


def test_absent_without_a_vpc_looks_the_name_up_everywhere(stubs, run_module):
    stubs["ec2"].add_response("describe_security_groups", {"SecurityGroups": []},
                              {"Filters": [{"Name": "group-name", "Values": ["shop-database"]}]})
    result, failed = run_module(security_group, {"name": "shop-database", "state": "absent"})
    assert not failed and result["changed"] is False


def test_bad_input_fails_before_any_call(stubs, run_module):
    for args, text in ((dict(ARGS, rules=[{"from_port": 80}]), "exactly one of cidr_ip or source_group_id"),
                       ({"name": "x", "description": "y"}, "vpc_id is required with state present"),
                       ({"security_groups": [ARGS, ARGS]}, "lists shop-database more than once"),
                       ({"security_groups": [dict(ARGS, rules="x")]}, "security_groups[0] (shop-database)")):
        result, failed = run_module(security_group, args)
        assert failed and text in result["msg"], (args, result["msg"])


def test_plan_group_rules_is_pure():
    current = [rule(), rule("sgr-0aaaaaaaaaaaaaaa2", 22, cidr="10.0.0.0/8")]
    plan = plan_group_rules(current, [RULE, {"from_port": 80, "cidr_ip": "0.0.0.0/0"}])
    assert plan == {"authorize": [{"from_port": 80, "cidr_ip": "0.0.0.0/0"}], "describe": [],
                    "revoke": ["sgr-0aaaaaaaaaaaaaaa2"]}
    assert plan_group_rules(current, [RULE], purge=False)["revoke"] == []
