"""The network role in an existing VPC with no NAT (private install through endpoints), the endpoints role on
top, and the endpoints role's pre-flight checks. The existing VPC's own resources stay untouched."""
import pytest

NETWORK = "tests/integration/playbooks/network_site.yml"
ENDPOINTS = "tests/integration/playbooks/endpoints_only.yml"
STACK_FILTER = [{"Name": "tag:cloudops:stack", "Values": ["demo"]}]


@pytest.fixture(scope="module")
def foreign(aws):
    """A VPC that is not ours: its subnet, internet gateway, route table, default security group rules."""
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.50.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    rt_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.associate_route_table(RouteTableId=rt_id, SubnetId=subnet_id)
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                       {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    return {"vpc_id": vpc_id, "subnet_id": subnet_id, "igw_id": igw_id, "rt_id": rt_id, "default_sg": default_sg}


def _existing_vpc_vars(foreign, **extra):
    return {
        "network_vpc_id": foreign["vpc_id"],
        "network_azs": ["us-east-1a", "us-east-1b"],
        "network_nat_mode": "none",
        "network_public_subnet_cidrs": ["10.50.240.0/24", "10.50.241.0/24"],
        "network_private_subnet_cidrs": ["10.50.16.0/20", "10.50.32.0/20"],
        "network_test_with_endpoints": True,
        **extra,
    }


def test_endpoint_preflight_fails_before_any_change(playbook, aws, foreign):
    ec2 = aws("ec2")
    # Other tests of this module may have built the stack's endpoints already: nothing may change.
    endpoints_before = ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"]
    groups_before = ec2.describe_security_groups(Filters=STACK_FILTER)["SecurityGroups"]
    no_nat = playbook(ENDPOINTS, extra_vars={
        "endpoints_vpc_id": foreign["vpc_id"], "endpoints_subnet_ids": [foreign["subnet_id"]],
        "endpoints_route_table_ids": [foreign["rt_id"]], "endpoints_nat_mode": "none",
        "endpoints_interface_services": ["ecr.api", "ssm"]})
    assert no_nat.rc != 0
    out = " ".join(no_nat.output.split())
    assert ("endpoints_nat_mode is none (no NAT gateway): the ECS agent and tasks would miss the endpoints "
            "ecr.dkr, logs, ecs, ecs-agent, ecs-telemetry, sts, secretsmanager") in out

    bogus = playbook(ENDPOINTS, extra_vars={
        "endpoints_vpc_id": foreign["vpc_id"], "endpoints_subnet_ids": [foreign["subnet_id"]],
        "endpoints_route_table_ids": [foreign["rt_id"]],
        "endpoints_interface_services": ["ecr.api", "ecs-agentt", "logz"]})
    assert bogus.rc != 0
    out = " ".join(bogus.output.split())
    assert "unknown VPC endpoint service(s) in us-east-1: ecs-agentt, logz" in out
    assert "endpoints_interface_services" in out

    assert [no_nat.writes, bogus.writes] == [[], []]
    assert ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"] == endpoints_before
    assert ec2.describe_security_groups(Filters=STACK_FILTER)["SecurityGroups"] == groups_before


def test_existing_vpc_private_install_leaves_foreign_resources_untouched(playbook, aws, foreign):
    ec2 = aws("ec2")
    vpc_filter = [{"Name": "vpc-id", "Values": [foreign["vpc_id"]]}]
    before_tables = {t["RouteTableId"]: t for t in ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]}

    # AWS refuses private-DNS interface endpoints in a VPC without DNS support and hostnames: the pre-flight says
    # so before anything is created.
    refused = playbook(NETWORK, extra_vars=_existing_vpc_vars(foreign))
    assert refused.rc != 0
    out = " ".join(refused.output.split())
    assert f"network_vpc_id = '{foreign['vpc_id']}'" in out and "enableDnsHostnames off" in out
    assert "set network_enable_dns: true" in out and "endpoints_private_dns_enabled: false" in out
    assert "Traceback" not in refused.output
    assert ec2.describe_subnets(Filters=vpc_filter + STACK_FILTER)["Subnets"] == []
    assert ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"] == []

    run = playbook(NETWORK, extra_vars=_existing_vpc_vars(foreign, network_enable_dns=True))
    assert run.rc == 0, run.output

    # ours: 2 AZs x 2 tiers, no NAT, public routes through the VPC's own internet gateway, no private default route
    ours = ec2.describe_subnets(Filters=vpc_filter + STACK_FILTER)["Subnets"]
    assert sorted(s["CidrBlock"] for s in ours) == ["10.50.16.0/20", "10.50.240.0/24", "10.50.241.0/24", "10.50.32.0/20"]
    assert [n for n in ec2.describe_nat_gateways(Filter=vpc_filter)["NatGateways"]] == []
    for table in ec2.describe_route_tables(Filters=vpc_filter + STACK_FILTER)["RouteTables"]:
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        name = {t["Key"]: t["Value"] for t in table["Tags"]}["Name"]
        if "-public-" in name:
            assert default[0]["GatewayId"] == foreign["igw_id"]
        else:
            assert default == []
    endpoints = [e for e in ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"] if e["State"] == "available"]
    assert len(endpoints) == 16 and all(e["VpcId"] == foreign["vpc_id"] for e in endpoints)

    # theirs: untouched
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [foreign["vpc_id"]]}])["InternetGateways"]
    assert [g["InternetGatewayId"] for g in igws] == [foreign["igw_id"]] and igws[0].get("Tags", []) == []
    table = ec2.describe_route_tables(RouteTableIds=[foreign["rt_id"]])["RouteTables"][0]
    assert [a["SubnetId"] for a in table["Associations"]] == [foreign["subnet_id"]]
    assert table["Routes"] == before_tables[foreign["rt_id"]]["Routes"]
    assert table.get("Tags", []) == []
    default_sg = ec2.describe_security_groups(GroupIds=[foreign["default_sg"]["GroupId"]])["SecurityGroups"][0]
    assert default_sg["IpPermissions"] == foreign["default_sg"]["IpPermissions"]
    assert default_sg["IpPermissionsEgress"] == foreign["default_sg"]["IpPermissionsEgress"] != []
    vpc = ec2.describe_vpcs(VpcIds=[foreign["vpc_id"]])["Vpcs"][0]
    assert vpc.get("Tags", []) == []
    # turned on because network_enable_dns asked for it (private DNS needs it)
    assert ec2.describe_vpc_attribute(VpcId=foreign["vpc_id"], Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] is True

    removed = playbook(NETWORK, extra_vars=_existing_vpc_vars(foreign, network_state="absent", network_enable_dns=True))
    assert removed.rc == 0, removed.output
    assert ec2.describe_subnets(Filters=vpc_filter + STACK_FILTER)["Subnets"] == []
    assert ec2.describe_route_tables(Filters=vpc_filter + STACK_FILTER)["RouteTables"] == []
    assert ec2.describe_security_groups(Filters=STACK_FILTER)["SecurityGroups"] == []
    assert [e for e in ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"] if e["State"].lower() != "deleted"] == []
    # the VPC and everything of theirs is still there
    assert ec2.describe_vpcs(VpcIds=[foreign["vpc_id"]])["Vpcs"][0]["State"] == "available"
    assert ec2.describe_subnets(SubnetIds=[foreign["subnet_id"]])["Subnets"][0]["CidrBlock"] == "10.50.0.0/24"
    assert ec2.describe_route_tables(RouteTableIds=[foreign["rt_id"]])["RouteTables"][0]["Routes"] == table["Routes"]
    assert [g["InternetGatewayId"] for g in ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [foreign["vpc_id"]]}])["InternetGateways"]] == [foreign["igw_id"]]
