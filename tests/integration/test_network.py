"""The network role (with the endpoints role on top) against the local AWS: create; drift and a NAT mode change
converge; teardown removes everything of the stack and a second teardown is a no-op (check mode and a second run
that change nothing: the endpoints Molecule scenario, tests/integration/test_molecule_foundation.py). The tests
share one network, built by the first test that needs it; the drift and teardown tests spoil it, and the next test
gets a new one. Check mode and bad input on an empty account: test_network_empty_account.py."""
import json
import re

import pytest

PLAYBOOK = "tests/integration/playbooks/network_site.yml"
STACK = "demo"
STACK_FILTER = [{"Name": "tag:cloudops:stack", "Values": [STACK]}]
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def _facts(run):
    match = re.search(r"msg: '(\{\"cloudops_network\".*?\})'\n", run.output, re.S)
    assert match, run.output
    return json.loads(re.sub(r"\n\s+", " ", match.group(1)))


def _tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def _stack_vpcs(ec2):
    return ec2.describe_vpcs(Filters=STACK_FILTER)["Vpcs"]


def _create(playbook):
    # the NAT wait deferred after the endpoints (tasks_from=wait), as a site playbook overlaps it
    run = playbook(PLAYBOOK, extra_vars={"network_test_with_endpoints": True, "network_test_deferred_wait": True})
    assert run.rc == 0, run.output
    assert run.output.count("TASK [cloudops.ecs.network : Converge the network in one call") == 2, run.output
    return run


@pytest.fixture(scope="module")
def network(shared_stack, playbook):
    return shared_stack(lambda: _create(playbook))


@pytest.fixture
def created(network, request):
    """The playbook run that built the network this test sees."""
    yield from network.use(request)


def test_create_builds_the_whole_network(created, aws):
    ec2 = aws("ec2")
    facts = _facts(created)
    net = facts["cloudops_network"]
    vpcs = _stack_vpcs(ec2)
    assert [v["VpcId"] for v in vpcs] == [net["vpc_id"]]
    vpc_id = net["vpc_id"]
    assert vpcs[0]["CidrBlock"] == "10.0.0.0/16" == net["vpc_cidr"]
    assert net["azs"] == AZS
    assert net["partition"] == "aws" and net["account_id"] == "123456789012"
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"] is True

    # one public and one private subnet per AZ, derived CIDRs, in azs order, no public IPs on launch
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]}
    assert len(subnets) == 6
    assert [subnets[i]["AvailabilityZone"] for i in net["public_subnet_ids"]] == AZS
    assert [subnets[i]["AvailabilityZone"] for i in net["private_subnet_ids"]] == AZS
    assert [subnets[i]["CidrBlock"] for i in net["private_subnet_ids"]] == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert [subnets[i]["CidrBlock"] for i in net["public_subnet_ids"]] == ["10.0.240.0/24", "10.0.241.0/24", "10.0.242.0/24"]
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets.values())

    # NAT per AZ, in that AZ's public subnet, with a tagged Elastic IP
    nats = {n["NatGatewayId"]: n for n in ec2.describe_nat_gateways(NatGatewayIds=net["nat_gateway_ids"])["NatGateways"]}
    assert [nats[i]["SubnetId"] for i in net["nat_gateway_ids"]] == net["public_subnet_ids"]
    eips = ec2.describe_addresses(Filters=STACK_FILTER)["Addresses"]
    assert sorted(e["AllocationId"] for e in eips) == sorted(
        n["NatGatewayAddresses"][0]["AllocationId"] for n in nats.values())

    # routes: public -> the internet gateway, private -> the AZ's NAT; one table per tier and AZ
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    assert len(igws) == 1
    tables = {t["RouteTableId"]: t for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]}
    for tier, nat_ids in (("public", None), ("private", net["nat_gateway_ids"])):
        for index, rt_id in enumerate(net[f"{tier}_route_table_ids"]):
            table = tables[rt_id]
            assert [a["SubnetId"] for a in table["Associations"]] == [net[f"{tier}_subnet_ids"][index]]
            default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
            if nat_ids is None:
                assert default[0]["GatewayId"] == igws[0]["InternetGatewayId"]
            else:
                assert default[0]["NatGatewayId"] == nat_ids[index]

    # default security group without rules; the two empty groups for later roles
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]}
    assert groups["default"]["IpPermissions"] == [] and groups["default"]["IpPermissionsEgress"] == []
    assert net["security_groups"] == {"alb": groups["demo-alb"]["GroupId"], "ecs_instances": groups["demo-ecs-instances"]["GroupId"]}
    assert groups["demo-alb"]["IpPermissions"] == [] and groups["demo-ecs-instances"]["IpPermissions"] == []

    # flow log of ALL traffic to an encrypted log group with retention, delivered by a scoped role
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert len(flow_logs) == 1 and flow_logs[0]["TrafficType"] == "ALL"
    assert flow_logs[0]["LogGroupName"] == "/demo/vpc-flow-logs"
    group = aws("logs").describe_log_groups(logGroupNamePrefix="/demo/vpc-flow-logs")["logGroups"][0]
    assert group["retentionInDays"] == 7
    key = aws("kms").describe_key(KeyId=group["kmsKeyId"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled"
    assert aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    role_name = flow_logs[0]["DeliverLogsPermissionArn"].split("/")[-1]
    policy = aws("iam").get_role_policy(RoleName=role_name, PolicyName="write-flow-logs")["PolicyDocument"]
    resources = [r for s in policy["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert "*" not in resources and all(":log-group:" in r for r in resources)

    # every resource tagged Name, Environment, cloudops:stack and cloudops_tags
    tagged = [vpcs[0], *subnets.values(), *nats.values(), *eips, igws[0], groups["demo-alb"], groups["demo-ecs-instances"],
              flow_logs[0], *(tables[i] for i in net["public_route_table_ids"] + net["private_route_table_ids"])]
    for resource in tagged:
        tags = _tags(resource)
        assert tags.get("cloudops:stack") == STACK and tags.get("Environment") == "local", resource
        assert tags.get("Owner") == "platform-team" and tags.get("Name", "").startswith("demo-"), resource


def test_create_builds_the_endpoints(created, aws):
    ec2 = aws("ec2")
    facts = _facts(created)
    net, ends = facts["cloudops_network"], facts["cloudops_endpoints"]
    assert ends["service_prefix"] == "com.amazonaws"
    endpoints = {e["VpcEndpointId"]: e for e in ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"]}
    assert len(endpoints) == 16 and set(ends["endpoints"].values()) == set(endpoints)
    s3 = endpoints[ends["endpoints"]["s3"]]
    assert s3["VpcEndpointType"] == "Gateway" and sorted(s3["RouteTableIds"]) == sorted(net["private_route_table_ids"])
    for service in ("ecr.api", "ecr.dkr", "ecs", "ecs-agent", "ecs-telemetry", "logs", "sts", "kms"):
        endpoint = endpoints[ends["endpoints"][service]]
        assert endpoint["ServiceName"] == "com.amazonaws.us-east-1." + service
        assert endpoint["PrivateDnsEnabled"] is True
        assert sorted(endpoint["SubnetIds"]) == sorted(net["private_subnet_ids"])
        assert [g["GroupId"] for g in endpoint["Groups"]] == [ends["security_group_id"]]
    group = ec2.describe_security_groups(GroupIds=[ends["security_group_id"]])["SecurityGroups"][0]
    assert [(p["IpProtocol"], p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissions"]] == [
        ("tcp", 443, ["10.0.0.0/16"])]
    assert group["IpPermissionsEgress"] == []


@pytest.mark.destructive
def test_drift_and_nat_mode_change_converge(created, playbook, aws):
    ec2 = aws("ec2")
    facts = _facts(created)
    net, ends = facts["cloudops_network"], facts["cloudops_endpoints"]
    ecr = ends["endpoints"]["ecr.api"]
    ec2.modify_vpc_endpoint(VpcEndpointId=ecr, RemoveSubnetIds=[net["private_subnet_ids"][1]])
    ec2.authorize_security_group_ingress(GroupId=ends["security_group_id"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.delete_route(RouteTableId=net["public_route_table_ids"][2], DestinationCidrBlock="0.0.0.0/0")

    # ... and the kms endpoint is no longer wanted
    wanted = ["ecr.api", "ecr.dkr", "sts", "logs", "ec2", "elasticloadbalancing", "cloudformation", "ecs", "ecs-agent",
              "ecs-telemetry", "ssm", "ssmmessages", "ec2messages", "secretsmanager"]
    run = playbook(PLAYBOOK, extra_vars={"network_test_with_endpoints": True, "network_nat_mode": "single",
                                         "endpoints_interface_services": wanted})
    assert run.rc == 0, run.output
    assert run.changed >= 2
    live = [e for e in ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"] if e["State"].lower() != "deleted"]
    assert sorted(e["ServiceName"].split("us-east-1.")[1] for e in live) == sorted(wanted + ["s3"])
    assert ends["endpoints"]["kms"] not in [e["VpcEndpointId"] for e in live]
    after = _facts(run)["cloudops_network"]

    endpoint = ec2.describe_vpc_endpoints(VpcEndpointIds=[ecr])["VpcEndpoints"][0]
    assert sorted(endpoint["SubnetIds"]) == sorted(net["private_subnet_ids"])
    group = ec2.describe_security_groups(GroupIds=[ends["security_group_id"]])["SecurityGroups"][0]
    assert [[r["CidrIp"] for r in p["IpRanges"]] for p in group["IpPermissions"]] == [["10.0.0.0/16"]]

    tables = {t["RouteTableId"]: t for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net["vpc_id"]]}])["RouteTables"]}
    public_default = [r for r in tables[net["public_route_table_ids"][2]]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert public_default and public_default[0]["GatewayId"].startswith("igw-")

    # single NAT: the first AZ's gateway kept, the others deleted with their Elastic IPs, every private route to it
    assert after["nat_gateway_ids"] == net["nat_gateway_ids"][:1]
    live = [n for n in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [net["vpc_id"]]}])["NatGateways"]
            if n["State"] in ("pending", "available")]
    assert [n["NatGatewayId"] for n in live] == after["nat_gateway_ids"]
    assert len(ec2.describe_addresses(Filters=STACK_FILTER)["Addresses"]) == 1
    for rt_id in net["private_route_table_ids"]:
        default = [r for r in tables[rt_id]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert default[0]["NatGatewayId"] == after["nat_gateway_ids"][0]


@pytest.mark.destructive
def test_teardown_removes_everything_and_twice_is_a_no_op(created, playbook, aws):
    ec2 = aws("ec2")
    removed = playbook(PLAYBOOK, extra_vars={"network_test_with_endpoints": True, "network_state": "absent"})
    assert removed.rc == 0, removed.output
    assert removed.changed > 0
    assert _stack_vpcs(ec2) == []
    for method, key in (("describe_subnets", "Subnets"), ("describe_route_tables", "RouteTables"),
                        ("describe_internet_gateways", "InternetGateways"), ("describe_addresses", "Addresses"),
                        ("describe_security_groups", "SecurityGroups"), ("describe_flow_logs", "FlowLogs")):
        assert getattr(ec2, method)(Filters=STACK_FILTER)[key] == [], method
    assert [e for e in ec2.describe_vpc_endpoints(Filters=STACK_FILTER)["VpcEndpoints"] if e["State"].lower() != "deleted"] == []
    assert [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] in ("pending", "available")] == []
    assert aws("logs").describe_log_groups(logGroupNamePrefix="/demo/vpc-flow-logs")["logGroups"] == []
    assert "demo-vpc-flow-logs" not in [r["RoleName"] for r in aws("iam").list_roles()["Roles"]]
    kms = aws("kms")
    alias = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/demo-vpc-flow-logs"]
    assert not alias or kms.describe_key(KeyId=alias[0]["TargetKeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"

    again = playbook(PLAYBOOK, extra_vars={"network_test_with_endpoints": True, "network_state": "absent"})
    assert again.rc == 0, again.output
    assert again.changed == 0, again.output
