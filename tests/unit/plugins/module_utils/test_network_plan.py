"""Subnet derivation and plan validation for the network role (pure, no AWS)."""
import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils.network_plan import derive_subnets, plan_network

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_derives_private_20s_and_public_24s_from_a_16():
    public, private = derive_subnets("10.0.0.0/16", 3)
    assert private == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert public == ["10.0.240.0/24", "10.0.241.0/24", "10.0.242.0/24"]


@pytest.mark.parametrize("cidr, private0, public0", [
    ("172.16.0.0/18", "172.16.0.0/22", "172.16.60.0/26"),
    ("10.8.0.0/20", "10.8.0.0/24", "10.8.15.0/27"),
    ("10.8.0.0/21", "10.8.0.0/25", "10.8.7.128/27"),
])
def test_derivation_scales_with_the_vpc_and_never_goes_below_27(cidr, private0, public0):
    public, private = derive_subnets(cidr, 3)
    assert private[0] == private0 and public[0] == public0
    plan = plan_network(cidr, AZS)
    assert plan["errors"] == []


def test_two_azs_take_two_of_each():
    plan = plan_network("10.0.0.0/16", AZS[:2], nat_mode="single")
    assert plan["errors"] == []
    assert plan["private_cidrs"] == ["10.0.0.0/20", "10.0.16.0/20"]
    assert plan["public_cidrs"] == ["10.0.240.0/24", "10.0.241.0/24"]


def test_vpc_too_small_to_derive_names_the_variables():
    plan = plan_network("10.0.0.0/24", AZS)
    assert plan["errors"] and "network_vpc_cidr 10.0.0.0/24" in plan["errors"][0]
    assert "network_public_subnet_cidrs" in plan["errors"][0]


@pytest.mark.parametrize("cidr", ["10.0.0.1/16", "10.0.0.0/33", "banana", "10.0.0.0", "", None])
def test_invalid_vpc_cidr(cidr):
    errors = plan_network(cidr, AZS)["errors"]
    assert any(e.startswith("network_vpc_cidr") for e in errors)


def test_vpc_prefix_outside_16_to_28():
    assert "between /16 and /28" in plan_network("10.0.0.0/8", AZS)["errors"][0]


def test_az_count_and_nat_mode():
    errors = plan_network("10.0.0.0/16", AZS[:1], az_count=1)["errors"]
    assert any("network_az_count is 1" in e for e in errors)
    assert any("network_nat_mode per_az needs at least 2 AZs" in e for e in errors)
    assert any("network_az_count is 4" in e for e in plan_network("10.0.0.0/16", AZS, az_count=4)["errors"])
    assert any("network_nat_mode is 'both'" in e for e in plan_network("10.0.0.0/16", AZS, nat_mode="both")["errors"])
    errors = plan_network("10.0.0.0/16", AZS[:2], az_count=3)["errors"]
    assert any("network_azs: 2 AZ(s)" in e for e in errors)
    assert any("twice" in e for e in plan_network("10.0.0.0/16", [AZS[0], AZS[0]])["errors"])


def test_explicit_subnets_too_small_outside_and_overlapping_name_the_subnet():
    plan = plan_network(
        "10.1.0.0/16", AZS[:2],
        public_cidrs=["10.1.0.0/28", "10.2.0.0/24"],
        private_cidrs=["10.1.0.0/20", "10.1.16.0/20"],
    )
    errors = plan["errors"]
    assert "network_public_subnet_cidrs[0] 10.1.0.0/28 (public subnet in us-east-1a) is smaller than /27" in errors[0]
    assert any("network_public_subnet_cidrs[1] 10.2.0.0/24 (public subnet in us-east-1b) is outside the VPC CIDR" in e
               for e in errors)
    assert any("overlaps network_private_subnet_cidrs[0] 10.1.0.0/20" in e for e in errors)


def test_explicit_subnets_count_and_syntax():
    errors = plan_network("10.0.0.0/16", AZS, public_cidrs=["10.0.240.0/24"], private_cidrs=["10.0.0.0/20"] * 3)["errors"]
    assert any("network_public_subnet_cidrs has 1 CIDR(s) for 3 AZ(s)" in e for e in errors)
    errors = plan_network("10.0.0.0/16", AZS[:2], public_cidrs=["10.0.240.1/24", "x"],
                          private_cidrs=["10.0.0.0/20", "10.0.16.0/20"])["errors"]
    assert sum("is not an IPv4 network" in e for e in errors) == 2


def test_overlap_with_existing_foreign_subnets():
    plan = plan_network("10.0.0.0/16", AZS[:2], existing_cidrs={"subnet-1": "10.0.0.0/24"})
    assert plan["errors"] == [
        "network_private_subnet_cidrs[0] 10.0.0.0/20 (private subnet in us-east-1a) overlaps the existing subnet "
        "subnet-1 (10.0.0.0/24) of the VPC: choose a free block in network_private_subnet_cidrs"]


def test_explicit_27_is_accepted():
    plan = plan_network("10.0.0.0/24", AZS[:2], public_cidrs=["10.0.0.0/27", "10.0.0.32/27"],
                        private_cidrs=["10.0.0.64/27", "10.0.0.96/27"])
    assert plan["errors"] == []
