from ansible_collections.cloudops.ecs.plugins.modules import platform_preflight

REGIONS = {"Regions": [{"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"}]}


def test_checks_that_pass_make_only_the_calls_they_need(stubs, run_module):
    stubs["ec2"].add_response("describe_regions", REGIONS, {"AllRegions": True})
    stubs["ec2"].add_response("describe_subnets", {"Subnets": [{"SubnetId": "subnet-1", "AvailableIpAddressCount": 50}]},
                              {"Filters": [{"Name": "subnet-id", "Values": ["subnet-1"]}]})
    result, failed = run_module(platform_preflight, {"checks": {"subnets": [
        {"variable": "ecs_instances_subnet_ids", "ids": ["subnet-1"], "per_subnet": 8}]}})
    assert not failed, result
    assert result["changed"] is False and result["problems"] == [] and result["api_calls"] == 2
    assert set(stubs.stubbers) == {"ec2"}


def test_an_unknown_region_fails_listing_the_problem(stubs, run_module):
    stubs["ec2"].add_response("describe_regions", {"Regions": [{"RegionName": "eu-west-1"}]}, {"AllRegions": True})
    result, failed = run_module(platform_preflight, {"checks": {"azs": {"variable": "network_azs", "count": 3}}},
                                check_mode=True)
    assert failed and result["msg"].startswith("Pre-flight found 1 problem(s); nothing was changed. Fix:\n- ")
    assert [p["variable"] for p in result["problems"]] == ["cloudops_aws_region"] and result["api_calls"] == 1
