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
