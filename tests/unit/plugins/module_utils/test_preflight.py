"""Interpretation of the pre-flight's read-only AWS answers, and the checks against a fake client."""
from ansible_collections.cloudops.ecs.plugins.module_utils import preflight

ZONES = [{"ZoneName": n, "State": "available", "ZoneType": "availability-zone"} for n in ("us-east-1b", "us-east-1a")]


def test_zones_named_that_the_region_lacks_are_problems():
    available = preflight.available_zone_names(ZONES + [{"ZoneName": "us-east-1-bos-1a", "ZoneType": "local-zone"}])
    assert available == ["us-east-1a", "us-east-1b"]
    problems, azs = preflight.zone_problems({"variable": "network_azs", "names": ["us-east-1a", "us-east-1z"]}, available,
                                            "us-east-1")
    assert [str(p) for p in problems] == ["network_azs = 'us-east-1z': us-east-1 has no Availability Zone us-east-1z (it has "
                                          "us-east-1a, us-east-1b): fix the name or leave network_azs empty"]
    problems, azs = preflight.zone_problems({"variable": "network_azs", "names": [], "count": 3}, available, "us-east-1")
    assert problems[0].variable == "network_az_count"


TYPES = {"m6i.large": {"ProcessorInfo": {"SupportedArchitectures": ["x86_64"]}},
         "m7g.large": {"ProcessorInfo": {"SupportedArchitectures": ["arm64"]}}}


def group(**kwargs):
    return dict({"variable": "ecs_instances_groups[g]", "instance_types": ["m6i.large"], "ami_id": "",
                 "architecture": "x86_64"}, **kwargs)


def test_instance_types_exist_are_offered_and_match_the_ami():
    offered = {"m6i.large": {"us-east-1a", "us-east-1b"}, "m7g.large": {"us-east-1a"}}
    azs = ["us-east-1a", "us-east-1b"]
    assert preflight.instance_type_problems([group()], TYPES, offered, {}, azs) == []
    unknown = preflight.instance_type_problems([group(instance_types=["m9z.mega"])], TYPES, offered, {}, azs)
    assert [p.value for p in unknown] == ["m9z.mega"] and "no such EC2 instance type" in unknown[0].fix
    wrong_arch = preflight.instance_type_problems([group(instance_types=["m7g.large"], ami_id="ami-1")], TYPES,
                                                  {"m7g.large": set(azs)}, {"ami-1": "x86_64"}, azs)
    assert "runs arm64 but AMI ami-1 is x86_64" in wrong_arch[0].fix
    missing_az = preflight.instance_type_problems([group(instance_types=["m7g.large"], architecture="arm64")], TYPES,
                                                  offered, {}, azs)
    assert "not offered in us-east-1b" in missing_az[0].fix
    spot = preflight.instance_type_problems([group(instance_types=["m6i.large", "m7g.large"], architecture=None)], TYPES,
                                            offered, {}, azs)
    assert spot == []
    no_ami = preflight.instance_type_problems([group(ami_id="ami-9")], TYPES, offered, {}, azs)
    assert no_ami[0].variable == "ecs_instances_groups[g].ami_id"


def test_certificates_must_be_issued_and_cover_the_hosts():
    spec = {"variable": "load_balancer_certificate_arn", "arn": "arn:cert", "domains": ["api.example.com"]}
    good = {"Status": "ISSUED", "DomainName": "example.com", "SubjectAlternativeNames": ["*.example.com"]}
    assert preflight.certificate_problems(spec, good) == []
    pending = preflight.certificate_problems(spec, dict(good, Status="PENDING_VALIDATION"))
    assert "PENDING_VALIDATION, not ISSUED" in pending[0].fix
    other = preflight.certificate_problems(spec, {"Status": "ISSUED", "DomainName": "example.org"})
    assert "does not cover api.example.com" in other[0].fix
    assert "no such ACM certificate" in preflight.certificate_problems(spec, None)[0].fix
    assert not preflight.covers({"*.example.com"}, "a.b.example.com")


def test_subnets_need_free_addresses():
    spec = {"variable": "ecs_instances_subnet_ids", "ids": ["subnet-1", "subnet-2", "subnet-3"], "per_subnet": 8, "total": 20}
    subnets = {"subnet-1": {"SubnetId": "subnet-1", "AvailableIpAddressCount": 5},
               "subnet-2": {"SubnetId": "subnet-2", "AvailableIpAddressCount": 11}}
    problems = preflight.subnet_problems(spec, subnets)
    assert [p.value for p in problems] == ["subnet-3", "subnet-1", ["subnet-1", "subnet-2", "subnet-3"]]


def test_subnets_of_awsvpc_tasks_name_the_variable_and_what_needs_the_addresses():
    spec = {"variable": "services_subnet_ids", "ids": ["subnet-1", "subnet-2"], "per_subnet": 1, "total": 12,
            "needs": "awsvpc tasks need up to 12 addresses (api 8 (autoscaling max 4 at max_percent 200), worker 4)",
            "fix": "use larger or more subnets, or lower autoscaling max, desired_count or max_percent"}
    subnets = {"subnet-1": {"SubnetId": "subnet-1", "AvailableIpAddressCount": 0},
               "subnet-2": {"SubnetId": "subnet-2", "AvailableIpAddressCount": 9}}
    first, whole = preflight.subnet_problems(spec, subnets)
    assert str(first) == "services_subnet_ids = 'subnet-1': has 0 free IP addresses, 1 needed: use a larger subnet or " \
                         "free addresses"
    assert whole.variable == "services_subnet_ids" and whole.fix == (
        "9 free IP addresses in all, but awsvpc tasks need up to 12 addresses (api 8 (autoscaling max 4 at max_percent "
        "200), worker 4): use larger or more subnets, or lower autoscaling max, desired_count or max_percent")


class FakeEc2(object):
    def __init__(self, dns):
        self.dns = dns
        self.calls = []

    def __getattr__(self, name):
        def call(aws_retry=None, **kwargs):
            self.calls.append(name)
            if name == "describe_regions":
                return {"Regions": [{"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"}]}
            if name == "get_caller_identity":
                return {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/deployer", "UserId": "AIDA1"}
            if name == "describe_vpcs":
                return {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.50.0.0/16"}]}
            if name == "describe_vpc_attribute":
                key = "EnableDnsSupport" if kwargs["Attribute"] == "enableDnsSupport" else "EnableDnsHostnames"
                return {key: {"Value": self.dns[kwargs["Attribute"]]}}
            raise AssertionError(name)
        return call


def test_an_existing_vpc_without_dns_hostnames_cannot_take_private_dns_endpoints():
    ec2 = FakeEc2({"enableDnsSupport": True, "enableDnsHostnames": False})
    result = preflight.PreflightChecks({"ec2": ec2, "sts": ec2}, {}, region="us-east-1").check(
        {"vpc": {"variable": "network_vpc_id", "id": "vpc-1", "needs_dns": True}})
    assert [p["variable"] for p in result["problems"]] == ["network_vpc_id"]
    assert "enableDnsHostnames off" in result["problems"][0]["fix"] and "network_enable_dns: true" in result["problems"][0]["fix"]
    assert result["api_calls"] == 5 and result["facts"]["vpc_cidr"] == "10.50.0.0/16"
    assert result["caller"]["partition"] == "aws"


def test_an_unknown_region_stops_the_checks():
    ec2 = FakeEc2({})
    checks = preflight.PreflightChecks({"ec2": ec2}, {}, region="us-esat-1")
    result = checks.check({"vpc": {"variable": "network_vpc_id", "id": "vpc-1", "needs_dns": True}})
    assert [p["variable"] for p in result["problems"]] == ["cloudops_aws_region"] and ec2.calls == ["describe_regions"]


def test_a_certificate_of_another_region_or_partition_or_names_is_refused():
    from ansible_collections.cloudops.ecs.plugins.module_utils import preflight

    arn = "arn:aws:acm:us-west-2:123456789012:certificate/abc"
    certificate = {"CertificateArn": arn, "Status": "ISSUED", "DomainName": "app.example.com",
                   "SubjectAlternativeNames": ["app.example.com", "*.example.com"]}
    spec = {"variable": "load_balancer_certificate_arn", "arn": arn, "region": "us-west-2", "partition": "aws",
            "domains": ["app.example.com", "www.example.com"]}
    assert preflight.certificate_problems(spec, certificate) == []
    assert "region" not in str(preflight.certificate_problems(dict(spec, domains=["a.b.example.com"]), certificate))
    assert "does not cover a.b.example.com" in preflight.certificate_problems(dict(spec, domains=["a.b.example.com"]),
                                                                              certificate)[0].fix
    assert "in us-west-2 but the load balancer in us-east-1" in preflight.certificate_problems(
        dict(spec, region="us-east-1"), certificate)[0].fix
    assert "partition (aws-cn)" in preflight.certificate_problems(dict(spec, partition="aws-cn"), certificate)[0].fix
    assert "PENDING_VALIDATION, not ISSUED" in preflight.certificate_problems(
        spec, dict(certificate, Status="PENDING_VALIDATION"))[0].fix


def test_the_public_zone_must_exist_once():
    from ansible_collections.cloudops.ecs.plugins.module_utils import preflight

    spec = {"variable": "dns_public_zone", "name": "example.com"}
    public = {"Name": "example.com.", "Config": {"PrivateZone": False}}
    assert preflight.hosted_zone_problems(spec, [public]) == []
    assert "no public Route 53 hosted zone" in preflight.hosted_zone_problems(
        spec, [dict(public, Config={"PrivateZone": True}), {"Name": "example.org."}])[0].fix
    assert "2 public hosted zones" in preflight.hosted_zone_problems(spec, [public, public])[0].fix


def test_the_instances_security_group_must_exist_and_keep_ssh_closed():
    spec = {"variable": "ecs_instances_security_group_id", "id": "sg-0123456789abcdef0", "no_ssh": True}
    [missing] = preflight.security_group_problems(spec, None)
    assert missing.variable == "ecs_instances_security_group_id" and "no such security group" in missing.fix
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    assert preflight.security_group_problems(spec, {"GroupId": spec["id"], "IpPermissions": [https]}) == []
    for opened in ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [{"GroupId": "sg-1"}]},
                   {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}):
        [problem] = preflight.security_group_problems(spec, {"GroupId": spec["id"], "IpPermissions": [https, opened]})
        assert "allows SSH (port 22)" in problem.fix and "SSM Session Manager" in problem.fix
    # every protocol from another group (the ALB's, the instances' own) is not SSH from anywhere
    peer = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}
    assert preflight.security_group_problems(spec, {"GroupId": spec["id"], "IpPermissions": [peer]}) == []


def offers(*pairs):
    return {"InstanceTypeOfferings": [{"InstanceType": t, "LocationType": "availability-zone", "Location": az}
                                      for t, az in pairs]}


def test_instance_types_offered_in_the_azs_take_two_reads_and_only_the_others_are_asked_of_the_region(stubs):
    azs = ["us-east-1a", "us-east-1b"]
    ec2, stubber = stubs.client(None, "ec2"), stubs["ec2"]
    stubber.add_response("describe_instance_type_offerings", offers(("m6i.large", "us-east-1a"), ("m6i.large", "us-east-1b")),
                         {"LocationType": "availability-zone", "Filters": [
                             {"Name": "instance-type", "Values": ["m6i.large"]}, {"Name": "location", "Values": azs}]})
    stubber.add_response("describe_instance_types", {"InstanceTypes": [dict(TYPES["m6i.large"], InstanceType="m6i.large")]},
                         {"InstanceTypes": ["m6i.large"]})
    checks = preflight.PreflightChecks({"ec2": ec2}, {}, region="us-east-1")
    checks.instance_groups([group()], azs)
    stubber.assert_no_pending_responses()
    assert checks.problems == [] and checks.api_calls == 2

    types = ["m6i.large", "m7g.large", "m9z.mega"]
    stubber.add_response("describe_instance_type_offerings", offers(("m6i.large", "us-east-1a"), ("m6i.large", "us-east-1b")),
                         {"LocationType": "availability-zone", "Filters": [
                             {"Name": "instance-type", "Values": types}, {"Name": "location", "Values": azs}]})
    stubber.add_response("describe_instance_type_offerings", {"InstanceTypeOfferings": [
        {"InstanceType": "m7g.large", "LocationType": "region", "Location": "us-east-1"}]},
        {"LocationType": "region", "Filters": [{"Name": "instance-type", "Values": ["m7g.large", "m9z.mega"]}]})
    stubber.add_response("describe_instance_types", {"InstanceTypes": [dict(TYPES[t], InstanceType=t) for t in types[:2]]},
                         {"InstanceTypes": types[:2]})
    checks = preflight.PreflightChecks({"ec2": ec2}, {}, region="us-east-1")
    checks.instance_groups([group(instance_types=["m7g.large"], architecture="arm64"),
                            group(variable="ecs_instances_groups[h]", instance_types=["m6i.large", "m9z.mega"])], azs)
    stubber.assert_no_pending_responses()
    assert [(p.variable, p.value) for p in checks.problems] == [
        ("ecs_instances_groups[g].instance_type", "m7g.large"), ("ecs_instances_groups[h].instance_type", "m9z.mega")]
    assert "not offered in us-east-1a, us-east-1b" in checks.problems[0].fix
    assert "no such EC2 instance type" in checks.problems[1].fix
