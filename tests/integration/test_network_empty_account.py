"""The network role (with the endpoints role on top) on an empty account: check mode plans the whole network
and creates nothing; bad input fails before any change. Each test starts from an empty account."""
import pytest

PLAYBOOK = "tests/integration/playbooks/network_site.yml"
STACK_FILTER = [{"Name": "tag:cloudops:stack", "Values": ["demo"]}]


@pytest.fixture
def empty_account(local_aws):
    local_aws.reset()


def _stack_vpcs(ec2):
    return ec2.describe_vpcs(Filters=STACK_FILTER)["Vpcs"]


def test_check_mode_on_an_empty_account_plans_without_creating(empty_account, playbook, aws):
    ec2 = aws("ec2")
    planned = playbook(PLAYBOOK, extra_vars={"network_test_with_endpoints": True}, check=True, diff=True)
    assert planned.rc == 0, planned.output
    # The network converge and the endpoints role's "would create" report: each role says what it would create.
    assert planned.changed == 2, planned.output
    assert "+        demo-private-us-east-1c: 10.0.32.0/20 us-east-1c" in planned.output
    assert "would create gateway endpoints s3" in planned.output
    assert planned.writes == [], planned.writes
    assert _stack_vpcs(ec2) == []
    assert ec2.describe_subnets(Filters=STACK_FILTER)["Subnets"] == []


def test_bad_input_fails_before_any_change(empty_account, playbook, aws):
    ec2 = aws("ec2")
    bad_cidr = playbook(PLAYBOOK, extra_vars={"network_vpc_cidr": "10.0.0.1/16", "network_az_count": 1})
    assert bad_cidr.rc != 0
    assert "network_vpc_cidr" in bad_cidr.output and "no host bits" in bad_cidr.output
    assert "network_az_count is 1" in bad_cidr.output
    assert "network_nat_mode per_az needs at least 2 AZs" in bad_cidr.output
    assert bad_cidr.writes == [], bad_cidr.writes

    bad_subnets = playbook(PLAYBOOK, extra_vars={
        "network_vpc_cidr": "10.1.0.0/16",
        "network_az_count": 2,
        "network_public_subnet_cidrs": ["10.1.0.0/28", "10.2.0.0/24"],
        "network_private_subnet_cidrs": ["10.1.0.0/20", "10.1.16.0/20"],
    })
    assert bad_subnets.rc != 0
    out = " ".join(bad_subnets.output.split())
    # The pre-flight checks the plan before it asks AWS which AZs the region has: the AZs are numbered.
    assert "network_public_subnet_cidrs[0] 10.1.0.0/28 (public subnet in AZ 1) is smaller than /27" in out
    assert "network_public_subnet_cidrs[1] 10.2.0.0/24 (public subnet in AZ 2) is outside the VPC CIDR" in out
    assert "overlaps network_private_subnet_cidrs[0] 10.1.0.0/20" in out
    assert bad_subnets.writes == [], bad_subnets.writes

    assert _stack_vpcs(ec2) == []
    assert ec2.describe_addresses(Filters=STACK_FILTER)["Addresses"] == []
    assert "alias/demo-vpc-flow-logs" not in [a["AliasName"] for a in aws("kms").list_aliases()["Aliases"]]
