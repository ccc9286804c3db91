from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import vpc_endpoints

VPC = "vpc-0aaaaaaaaaaaaaaa1"
SUBNET = "subnet-0aaaaaaaaaaaaaaa1"
GROUP = "sg-0aaaaaaaaaaaaaaa1"
ENDPOINT = "vpce-0aaaaaaaaaaaaaaa1"
TAGS = [{"Key": "cloudops:stack", "Value": "shop"}]
ARGS = {"stack": "shop", "vpc_id": VPC, "interface_services": ["ecr.api"], "subnet_ids": [SUBNET],
        "security_group_ids": [GROUP]}


def endpoint(state="available"):
    return {"VpcEndpointId": ENDPOINT, "VpcEndpointType": "Interface", "VpcId": VPC, "State": state,
            "ServiceName": "com.amazonaws.us-east-1.ecr.api", "SubnetIds": [SUBNET], "Groups": [{"GroupId": GROUP}],
            "PrivateDnsEnabled": True, "Tags": TAGS + [{"Key": "Name", "Value": "shop-ecr.api"}]}


def reads(stubs, endpoints, vpc=True):
    ec2 = stubs["ec2"]
    if vpc:
        ec2.add_response("describe_vpcs", {"Vpcs": [{"VpcId": VPC, "CidrBlock": "10.0.0.0/16"}]})
    ec2.add_response("describe_vpc_endpoint_services", {"ServiceNames": [
        "com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.ecr.api"]})
    ec2.add_response("describe_vpc_endpoints", {"VpcEndpoints": endpoints})


def test_no_change(stubs, run_module):
    reads(stubs, [endpoint()])
    result, failed = run_module(vpc_endpoints, ARGS)
    assert not failed and result["changed"] is False and result["endpoints"] == {"ecr.api": ENDPOINT}
    assert result["service_prefix"] == "com.amazonaws"
    assert result["ready"] is True  # available and unchanged: a later wait call has nothing to wait for


def test_a_given_vpc_cidr_spares_the_vpc_read(stubs, run_module):
    reads(stubs, [endpoint()], vpc=False)
    result, failed = run_module(vpc_endpoints, dict(ARGS, vpc_cidr="10.0.0.0/16"))
    assert not failed and result["changed"] is False and result["api_calls"] == 2


def test_an_unknown_vpc_is_named(stubs, run_module):
    stubs["ec2"].add_response("describe_vpcs", {"Vpcs": []})
    result, failed = run_module(vpc_endpoints, ARGS)
    assert failed and "vpc_id %s: no such VPC" % VPC in result["msg"]


def test_an_endpoint_still_pending_is_not_ready(stubs, run_module):
    reads(stubs, [endpoint("pending")])
    result, failed = run_module(vpc_endpoints, ARGS)
    assert not failed and result["changed"] is False and result["ready"] is False


def test_check_mode_plans_the_creation(stubs, run_module):
    reads(stubs, [])
    result, failed = run_module(vpc_endpoints, ARGS, check_mode=True)
    assert not failed and result["changes"] == ["create interface endpoint ecr.api"]
    assert result["diff"]["after"]["ecr.api"]["subnet_ids"] == [SUBNET]


def test_create_and_wait_until_available(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    reads(stubs, [])
    stubs["ec2"].add_response("create_vpc_endpoint", {"VpcEndpoint": endpoint("pending")}, {
        "VpcId": VPC, "ServiceName": "com.amazonaws.us-east-1.ecr.api", "VpcEndpointType": "Interface",
        "SubnetIds": [SUBNET], "SecurityGroupIds": [GROUP], "PrivateDnsEnabled": True,
        "TagSpecifications": [{"ResourceType": "vpc-endpoint", "Tags": [
            {"Key": "Name", "Value": "shop-ecr.api"}, {"Key": "cloudops:stack", "Value": "shop"}]}]})
    stubs["ec2"].add_response("describe_vpc_endpoints", {"VpcEndpoints": [endpoint("pending")]})
    stubs["ec2"].add_response("describe_vpc_endpoints", {"VpcEndpoints": [endpoint("available")]})
    result, failed = run_module(vpc_endpoints, dict(ARGS, wait=True))
    assert not failed, result.get("msg")
    assert result["endpoints"] == {"ecr.api": ENDPOINT} and clock.slept == [1]


def test_unknown_service_names_the_variable_to_fix(stubs, run_module):
    reads(stubs, [])
    result, failed = run_module(vpc_endpoints, dict(ARGS, interface_services=["ecr.apii"]))
    assert failed and "unknown VPC endpoint service(s) in us-east-1: ecr.apii" in result["msg"]
    assert result["changes"] == []


def test_aws_error_says_what_was_done(stubs, run_module):
    reads(stubs, [])
    stubs["ec2"].add_client_error("create_vpc_endpoint", "VpcEndpointLimitExceeded", "limit")
    result, failed = run_module(vpc_endpoints, ARGS)
    assert failed and result["msg"].startswith("endpoint change failed after: create interface endpoint ecr.api")


def test_a_long_wait_says_what_it_waits_for_every_20s_in_the_progress_file(stubs, run_module, monkeypatch, tmp_path):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    reads(stubs, [])
    stubs["ec2"].add_response("create_vpc_endpoint", {"VpcEndpoint": endpoint("pending")})
    for _poll in range(10):  # at 0, 1, 2.25, 3.81, 5.77, 8.21, 11.26, 15.07, 19.84 and 20 s
        stubs["ec2"].add_response("describe_vpc_endpoints", {"VpcEndpoints": [endpoint("pending")]})
    stubs["ec2"].add_response("describe_vpc_endpoints", {"VpcEndpoints": [endpoint("available")]})
    path = tmp_path / "progress.log"
    result, failed = run_module(vpc_endpoints, dict(ARGS, wait=True, progress_file=str(path)))
    assert not failed, result.get("msg")
    assert path.read_text().splitlines() == ["waiting for endpoints to be available: 20s of 600s; %s pending" % ENDPOINT]
