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


class _Module:
    """What VpcNetwork.from_module reads of a module."""

    def __init__(self, path):
        self.params = {"stack": "shop", "wait_timeout": 600, "flow_log": None, "progress_file": path}
        self.no_log_values, self.check_mode, self._diff, self.region = set(), False, False, "us-east-1"

    def log(self, message):
        raise AssertionError("logged instead of written to the progress file: %s" % message)


class _NatsStillPending:
    def __init__(self):
        self.polls = 0

    def describe_nat_gateways(self, aws_retry=False, NatGatewayIds=None):
        self.polls += 1
        state = "available" if self.polls > 7 else "pending"
        return {"NatGateways": [{"NatGatewayId": i, "State": state} for i in NatGatewayIds]}


def test_the_nat_gateway_wait_says_what_it_waits_for_every_20s_in_the_progress_file(tmp_path, monkeypatch):
    from ansible_collections.cloudops.ecs.plugins.module_utils import aws, waiter
    from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_network import VpcNetwork
    ec2 = _NatsStillPending()
    monkeypatch.setattr(aws, "clients", lambda module, services, extra=None: {"ec2": ec2, "sts": None})
    path = tmp_path / "progress.log"
    network = VpcNetwork.from_module(_Module(str(path)), clock=waiter.ManualClock())
    nats = network.wait_nats({"us-east-1a": {"NatGatewayId": "nat-1", "State": "pending"}})
    assert nats["us-east-1a"]["State"] == "available" and ec2.polls == 8  # at 0, 2, 4.5, 7.62, 11.53, 16.41, 20 and 27.63 s
    assert path.read_text().splitlines() == ["waiting for NAT gateway(s) nat-1 available: 20s of 600s; nat-1 pending"]
