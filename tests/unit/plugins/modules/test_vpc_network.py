from ansible_collections.cloudops.ecs.plugins.modules import vpc_network

ARGS = {"stack": "shop", "cidr_block": "10.0.0.0/16", "az_count": 2, "nat_mode": "single"}
ZONES = [{"ZoneName": "us-east-1%s" % z, "State": "available", "ZoneType": "availability-zone",
          "OptInStatus": "opt-in-not-required"} for z in "abc"]


def reads_of_an_empty_account(stubs):
    stubs["sts"].add_response("get_caller_identity", {"Account": "123456789012", "UserId": "AIDAEXAMPLE",
                                                      "Arn": "arn:aws:iam::123456789012:user/ops"})
    stubs["ec2"].add_response("describe_availability_zones", {"AvailabilityZones": ZONES})
    stubs["ec2"].add_response("describe_vpcs", {"Vpcs": []})
    stubs["ec2"].add_response("describe_addresses", {"Addresses": []})


def test_check_mode_on_an_empty_account_plans_the_network_and_creates_nothing(stubs, run_module):
    reads_of_an_empty_account(stubs)
    result, failed = run_module(vpc_network, ARGS, check_mode=True)
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["changes"] == ["create VPC shop-vpc 10.0.0.0/16"]
    assert result["partition"] == "aws" and result["account_id"] == "123456789012"


def test_a_plan_that_cannot_work_fails_before_any_change(stubs, run_module):
    reads_of_an_empty_account(stubs)
    result, failed = run_module(vpc_network, dict(ARGS, cidr_block="10.0.0.1/16"), check_mode=False)
    assert failed and "no host bits" in result["msg"] and result["changes"] == []


def test_aws_error_says_nothing_was_changed(stubs, run_module):
    stubs["sts"].add_client_error("get_caller_identity", "AccessDenied", "denied")
    result, failed = run_module(vpc_network, ARGS)
    assert failed and result["msg"].startswith("network change failed after: no change")


# -- a converged network (2 AZs, internet gateway, no NAT): no change; drift: the changes, in check mode only reported

CONVERGED = dict(ARGS, nat_mode="none")
VPC = "vpc-0aaaaaaaaaaaaaaa1"
IGW = "igw-0aaaaaaaaaaaaaaa1"
SUBNETS = {("public", "a"): "10.0.240.0/24", ("public", "b"): "10.0.241.0/24",
           ("private", "a"): "10.0.0.0/20", ("private", "b"): "10.0.16.0/20"}


def tags(name):
    return [{"Key": "Name", "Value": name}, {"Key": "cloudops:stack", "Value": "shop"}]


def subnet_id(tier, az):
    return "subnet-0%s%s00000000000001" % ("p" if tier == "public" else "q", az)


def reads_of_the_network(stubs, dns_hostnames=True, public_b_route=True):
    ec2 = stubs["ec2"]
    stubs["sts"].add_response("get_caller_identity", {"Account": "123456789012", "UserId": "AIDAEXAMPLE",
                                                      "Arn": "arn:aws:iam::123456789012:user/ops"})
    ec2.add_response("describe_availability_zones", {"AvailabilityZones": ZONES})
    ec2.add_response("describe_vpcs", {"Vpcs": [{"VpcId": VPC, "CidrBlock": "10.0.0.0/16", "State": "available",
                                                 "Tags": tags("shop-vpc")}]})
    ec2.add_response("describe_addresses", {"Addresses": []})
    subnets, tables = [], []
    for (tier, az), cidr in SUBNETS.items():
        name = "shop-%s-us-east-1%s" % (tier, az)
        subnets.append({"SubnetId": subnet_id(tier, az), "VpcId": VPC, "CidrBlock": cidr,
                        "AvailabilityZone": "us-east-1" + az, "State": "available", "Tags": tags(name)})
        routes = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}]
        if tier == "public" and (az == "a" or public_b_route):
            routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW, "State": "active"})
        tables.append({"RouteTableId": "rtb-0%s%s00000000000001" % (tier[1], az), "VpcId": VPC, "Routes": routes,
                       "Tags": tags(name), "Associations": [{
                           "RouteTableAssociationId": "rtbassoc-0%s%s0000000000001" % (tier[1], az),
                           "RouteTableId": "rtb-0%s%s00000000000001" % (tier[1], az),
                           "SubnetId": subnet_id(tier, az), "Main": False}]})
    ec2.add_response("describe_subnets", {"Subnets": subnets})
    ec2.add_response("describe_route_tables", {"RouteTables": tables})
    ec2.add_response("describe_internet_gateways", {"InternetGateways": [{
        "InternetGatewayId": IGW, "Attachments": [{"VpcId": VPC, "State": "available"}], "Tags": tags("shop-igw")}]})
    ec2.add_response("describe_nat_gateways", {"NatGateways": []})
    ec2.add_response("describe_security_groups", {"SecurityGroups": [{
        "GroupId": "sg-0aaaaaaaaaaaaaaa1", "GroupName": "default", "VpcId": VPC, "Description": "default",
        "IpPermissions": [], "IpPermissionsEgress": []}]})
    ec2.add_response("describe_flow_logs", {"FlowLogs": []})
    ec2.add_response("describe_vpc_attribute", {"VpcId": VPC, "EnableDnsSupport": {"Value": True}},
                     {"VpcId": VPC, "Attribute": "enableDnsSupport"})
    ec2.add_response("describe_vpc_attribute", {"VpcId": VPC, "EnableDnsHostnames": {"Value": dns_hostnames}},
                     {"VpcId": VPC, "Attribute": "enableDnsHostnames"})


def test_a_converged_network_is_no_change(stubs, run_module):
    reads_of_the_network(stubs)
    result, failed = run_module(vpc_network, CONVERGED)
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["changes"] == []
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["vpc_id"] == VPC and result["internet_gateway_id"] == IGW
    assert result["public_subnet_ids"] == [subnet_id("public", "a"), subnet_id("public", "b")]
    assert result["nat_gateway_ids"] == [] and result["pending_nat_routes"] == []
    assert result["ready"] is True  # a later wait call would do nothing


DRIFT = ["enable enableDnsHostnames on " + VPC, "route shop-public-us-east-1b 0.0.0.0/0 to " + IGW]


def test_drift_in_check_mode_is_reported_and_nothing_is_written(stubs, run_module):
    reads_of_the_network(stubs, dns_hostnames=False, public_b_route=False)
    result, failed = run_module(vpc_network, CONVERGED, check_mode=True)  # no write queued: any write fails
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["changes"] == DRIFT
    assert result["diff"]["before"]["route_tables"]["shop-public-us-east-1b"]["default_route"] is None
    assert result["diff"]["after"]["route_tables"]["shop-public-us-east-1b"]["default_route"] == "igw"


def test_drift_is_repaired(stubs, run_module):
    reads_of_the_network(stubs, dns_hostnames=False, public_b_route=False)
    stubs["ec2"].add_response("modify_vpc_attribute", {}, {"VpcId": VPC, "EnableDnsHostnames": {"Value": True}})
    stubs["ec2"].add_response("create_route", {"Return": True}, {
        "RouteTableId": "rtb-0ub00000000000001", "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW})
    result, failed = run_module(vpc_network, CONVERGED)
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["changes"] == DRIFT
    assert result["ready"] is False


def test_an_error_half_way_names_the_changes_made(stubs, run_module):
    reads_of_the_network(stubs, dns_hostnames=False, public_b_route=False)
    stubs["ec2"].add_response("modify_vpc_attribute", {}, {"VpcId": VPC, "EnableDnsHostnames": {"Value": True}})
    stubs["ec2"].add_client_error("create_route", "RouteAlreadyExists", "exists")
    result, failed = run_module(vpc_network, CONVERGED)
    assert failed and result["msg"].startswith("network change failed after: " + "; ".join(DRIFT) + ": ")
    assert "RouteAlreadyExists" in result["msg"]
