"""Security group rule planning on shared groups: add missing, revoke only owned stale rules."""
from ansible_collections.cloudops.ecs.plugins.module_utils import sg_rules

CURRENT = [
    {"SecurityGroupRuleId": "sgr-egress", "IsEgress": True, "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"},
    {"SecurityGroupRuleId": "sgr-80", "IsEgress": False, "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
     "CidrIpv4": "0.0.0.0/0", "Description": "cloudops:load_balancer HTTP"},
    {"SecurityGroupRuleId": "sgr-443", "IsEgress": False, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
     "CidrIpv4": "0.0.0.0/0", "Description": "cloudops:load_balancer HTTPS"},
    {"SecurityGroupRuleId": "sgr-other", "IsEgress": False, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
     "ReferencedGroupInfo": {"GroupId": "sg-bastion"}, "Description": "someone else's"},
]
HTTP = {"from_port": 80, "to_port": 80, "cidr_ip": "0.0.0.0/0", "description": "cloudops:load_balancer HTTP"}
DYNAMIC = {"from_port": 32768, "to_port": 65535, "source_group_id": "sg-alb", "description": "cloudops:load_balancer dynamic"}


def test_converged_rules_plan_nothing():
    assert sg_rules.plan_rules(CURRENT, [HTTP, dict(HTTP, from_port=443, to_port=443)], owner_marker="cloudops:load_balancer") == {
        "authorize": [], "revoke": []}


def test_owned_stale_rules_are_revoked_and_others_kept():
    plan = sg_rules.plan_rules(CURRENT, [HTTP, DYNAMIC], owner_marker="cloudops:load_balancer")
    assert plan == {"authorize": [DYNAMIC], "revoke": ["sgr-443"]}


def test_without_marker_nothing_is_revoked():
    assert sg_rules.plan_rules(CURRENT, [HTTP])["revoke"] == []


def test_absent_revokes_only_listed_existing_rules():
    assert sg_rules.plan_rules(CURRENT, [HTTP, DYNAMIC], state="absent") == {"authorize": [], "revoke": ["sgr-80"]}


def test_egress_direction_is_separate():
    everything = {"protocol": "-1", "from_port": -1, "to_port": -1, "cidr_ip": "0.0.0.0/0"}
    assert sg_rules.plan_rules(CURRENT, [everything], egress=True) == {"authorize": [], "revoke": []}


def test_ip_permission_shapes():
    assert sg_rules.ip_permission(HTTP) == {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                                            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "cloudops:load_balancer HTTP"}]}
    assert sg_rules.ip_permission(DYNAMIC)["UserIdGroupPairs"] == [{"GroupId": "sg-alb", "Description": "cloudops:load_balancer dynamic"}]
