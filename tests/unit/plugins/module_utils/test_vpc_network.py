"""Pure helpers of the vpc_network module: names, NAT placement, route targets, tag convergence."""
from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_network import (
    _clean_permissions,
    nat_az_for,
    nat_azs,
    resource_names,
    route_target,
)

AZS = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_names_per_tier_and_az():
    names = resource_names("shop", AZS[:2])
    assert names["vpc"] == "shop-vpc"
    assert names["subnets"][("private", "eu-west-1b")] == "shop-private-eu-west-1b"
    assert names["nat"]["eu-west-1a"] == "shop-nat-eu-west-1a"


def test_nat_placement_per_mode():
    assert nat_azs(AZS, "per_az") == AZS
    assert nat_azs(AZS, "single") == AZS[:1]
    assert nat_azs(AZS, "none") == []
    assert [nat_az_for(az, AZS, "per_az") for az in AZS] == AZS
    assert [nat_az_for(az, AZS, "single") for az in AZS] == [AZS[0]] * 3
    assert nat_az_for(AZS[1], AZS, "none") is None


def test_route_targets():
    assert route_target({"NatGatewayId": "nat-1", "GatewayId": None}) == ("nat", "nat-1")
    assert route_target({"GatewayId": "igw-1"}) == ("igw", "igw-1")
    assert route_target(None) is None


def test_permissions_cleaned_for_revoke():
    perms = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
              "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "1", "Description": "x", "VpcId": "vpc-1"}]}]
    assert _clean_permissions(perms) == [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                          "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "1"}]}]


def test_names_derived_from_a_bad_stack_name_are_found_before_any_change():
    from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_network import name_checks

    params = {"security_groups": [{"key": "alb", "name": "my stack-alb", "description": "x"}],
              "flow_log": {"log_group_name": "/my stack/vpc-flow-logs"}}
    bad = [what for what, name, pattern in name_checks("my stack", params) if not pattern.match(name)]
    assert bad == ["log group name", "IAM role name", "KMS alias"]
    good = dict(params, security_groups=[{"key": "alb", "name": "demo-alb", "description": "x"}],
                flow_log={"log_group_name": "/demo/vpc-flow-logs"})
    assert [n for what, n, p in name_checks("demo", good) if not p.match(n)] == []
