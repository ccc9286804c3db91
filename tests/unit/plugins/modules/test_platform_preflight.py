"""main() of platform_preflight on stubbed clients: the read-only checks pass (in check mode too, with the same
reads), a bad input fails listing the fix, and an AWS error fails clearly. The module never writes: only the
describes queued below can be called, any other call fails the test."""
from ansible_collections.cloudops.ecs.plugins.modules import platform_preflight

ZONES = [{"ZoneName": "us-east-1%s" % z, "State": "available", "ZoneType": "availability-zone",
          "OptInStatus": "opt-in-not-required"} for z in "abc"]
REGIONS = [{"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
           {"RegionName": "eu-west-1", "OptInStatus": "opt-in-not-required"}]

ONE_REGION = {"Regions": [{"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"}]}
IDENTITY = {"Account": "123456789012", "Arn": "arn:aws-us-gov:iam::123456789012:user/deployer", "UserId": "AIDAEXAMPLE"}


def caller(stubs):
    stubs["sts"].add_response("get_caller_identity", IDENTITY, {})


def reads(stubs):
    stubs["ec2"].add_response("describe_regions", {"Regions": REGIONS}, {"AllRegions": True})
    caller(stubs)
    stubs["ec2"].add_response("describe_availability_zones", {"AvailabilityZones": ZONES})


def test_checks_pass_and_report_what_they_learned(stubs, run_module):
    reads(stubs)
    result, failed = run_module(platform_preflight, {"checks": {"azs": {"variable": "network_az_count", "count": 2}}})
    assert not failed, result.get("msg")
    assert result["problems"] == [] and result["api_calls"] == 3
    assert result["facts"]["azs"] == ["us-east-1a", "us-east-1b"]
    # the caller, read once here for the whole playbook, in the shape of amazon.aws.aws_caller_info plus its partition
    assert result["caller"] == {"account": "123456789012", "arn": IDENTITY["Arn"], "user_id": "AIDAEXAMPLE",
                                "partition": "aws-us-gov"}


def test_check_mode_makes_the_same_reads(stubs, run_module):
    reads(stubs)
    result, failed = run_module(platform_preflight, {"checks": {"azs": {"variable": "network_az_count", "count": 3}}},
                                check_mode=True)
    assert not failed, result.get("msg")
    assert result["problems"] == [] and result["facts"]["azs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_a_bad_input_fails_with_every_fix(stubs, run_module):
    reads(stubs)
    result, failed = run_module(platform_preflight, {"checks": {"azs": {"variable": "network_azs",
                                                                        "names": ["us-east-1a", "us-east-1z"]}}})
    assert failed
    assert result["msg"].startswith("Pre-flight found 1 problem(s); nothing was changed. Fix:\n- ")
    assert "us-east-1z" in result["msg"]
    assert [(p["variable"], p["value"]) for p in result["problems"]] == [("network_azs", "us-east-1z")]


def test_aws_error_fails_clearly(stubs, run_module):
    stubs["ec2"].add_client_error("describe_regions", "UnauthorizedOperation", "not allowed", 403)
    result, failed = run_module(platform_preflight, {"checks": {}})
    assert failed and result["msg"].startswith("Failed to run the read-only pre-flight checks")


def test_checks_that_pass_make_only_the_calls_they_need(stubs, run_module):
    stubs["ec2"].add_response("describe_regions", ONE_REGION, {"AllRegions": True})
    caller(stubs)
    stubs["ec2"].add_response("describe_subnets", {"Subnets": [{"SubnetId": "subnet-1", "AvailableIpAddressCount": 50}]},
                              {"Filters": [{"Name": "subnet-id", "Values": ["subnet-1"]}]})
    result, failed = run_module(platform_preflight, {"checks": {"subnets": [
        {"variable": "ecs_instances_subnet_ids", "ids": ["subnet-1"], "per_subnet": 8}]}})
    assert not failed, result
    assert result["changed"] is False and result["problems"] == [] and result["api_calls"] == 3
    assert set(stubs.stubbers) == {"ec2", "sts"}


def test_an_unknown_region_fails_listing_the_problem(stubs, run_module):
    stubs["ec2"].add_response("describe_regions", {"Regions": [{"RegionName": "eu-west-1"}]}, {"AllRegions": True})
    result, failed = run_module(platform_preflight, {"checks": {"azs": {"variable": "network_azs", "count": 3}}},
                                check_mode=True)
    assert failed and result["msg"].startswith("Pre-flight found 1 problem(s); nothing was changed. Fix:\n- ")
    assert [p["variable"] for p in result["problems"]] == ["cloudops_aws_region"] and result["api_calls"] == 1
