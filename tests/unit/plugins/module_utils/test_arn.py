import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils.arn import build_arn, endpoint_service_prefix, parse_arn


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov", "aws-cn", "aws-iso"])
def test_parse_and_build_round_trip_in_every_partition(partition):
    arn = build_arn(partition, "ecs", "r-1", "123456789012", "cluster/demo")
    assert parse_arn(arn) == {
        "partition": partition, "service": "ecs", "region": "r-1", "account_id": "123456789012",
        "resource": "cluster/demo",
    }


def test_resource_keeps_its_colons():
    assert parse_arn("arn:aws:logs:us-east-1:1:log-group:/x:*")["resource"] == "log-group:/x:*"


@pytest.mark.parametrize("bad", [None, "", "aws:ecs:x", "arn::ecs:r:1:x", "arn:aws:ecs"])
def test_rejects_what_is_not_an_arn(bad):
    with pytest.raises(ValueError):
        parse_arn(bad)


@pytest.mark.parametrize(
    "names,region,prefix",
    [
        (["com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.ecr.api"], "us-east-1", "com.amazonaws"),
        (["cn.com.amazonaws.cn-north-1.ecr.dkr"], "cn-north-1", "cn.com.amazonaws"),
        (["com.amazonaws.vpce.us-east-1.vpce-svc-1", "gov.ic.c2s.us-iso-east-1.s3"], "us-iso-east-1", "gov.ic.c2s"),
    ],
)
def test_endpoint_service_prefix_is_read_from_service_names(names, region, prefix):
    assert endpoint_service_prefix(names, region) == prefix


def test_endpoint_service_prefix_without_names_for_the_region_fails():
    with pytest.raises(ValueError):
        endpoint_service_prefix(["com.amazonaws.eu-west-1.s3"], "us-east-1")


from ansible_collections.cloudops.ecs.plugins.module_utils.arn import (  # noqa: E402
    account_root_arn, dns_suffix, partition_of, service_principal, validate_arn)


@pytest.mark.parametrize(
    "service,partition,expected",
    [
        ("logs", "aws", "logs.amazonaws.com"),
        ("logs", "aws-us-gov", "logs.amazonaws.com"),
        ("logs", "aws-cn", "logs.amazonaws.com.cn"),
        ("logs", "aws-iso", "logs.c2s.ic.gov"),
        ("logs", "aws-iso-b", "logs.sc2s.sgov.gov"),
        ("events", "aws-cn", "events.amazonaws.com"),
        ("events", "aws-iso", "events.amazonaws.com"),
        ("ecs-tasks", "aws-iso-b", "ecs-tasks.amazonaws.com"),
        ("ec2", "aws-cn", "ec2.amazonaws.com"),
        ("vpc-flow-logs", "aws-iso", "vpc-flow-logs.amazonaws.com"),
    ],
)
def test_service_principal_per_partition(service, partition, expected):
    assert service_principal(service, partition) == expected


# The principals the collection uses, in every partition it supports: only CloudWatch Logs carries the partition's
# DNS suffix among them; EC2 is ec2.amazonaws.com everywhere, aws-cn included (AWS standardised service
# principals on <service>.amazonaws.com; ec2.amazonaws.com.cn is an older alias).
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b")
LOGS = {"aws": "logs.amazonaws.com", "aws-cn": "logs.amazonaws.com.cn", "aws-us-gov": "logs.amazonaws.com",
        "aws-iso": "logs.c2s.ic.gov", "aws-iso-b": "logs.sc2s.sgov.gov"}


@pytest.mark.parametrize("partition", PARTITIONS)
@pytest.mark.parametrize("service", ["logs", "events", "ecs-tasks", "ec2", "vpc-flow-logs"])
def test_the_principals_the_collection_uses_in_every_partition(service, partition):
    expected = LOGS[partition] if service == "logs" else "%s.amazonaws.com" % service
    assert service_principal(service, partition) == expected


def test_regional_service_principal_for_key_policies():
    assert service_principal("logs", "aws", "us-east-1") == "logs.us-east-1.amazonaws.com"
    assert service_principal("logs", "aws-cn", "cn-north-1") == "logs.cn-north-1.amazonaws.com.cn"
    assert service_principal("logs", "aws-iso", "us-iso-east-1") == "logs.us-iso-east-1.c2s.ic.gov"


def test_unknown_partition_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        dns_suffix("aws-moon")
    with pytest.raises(ValueError):
        service_principal("logs", "aws-moon")


def test_partition_helpers():
    assert partition_of("arn:aws-us-gov:sts::123456789012:assumed-role/x/y") == "aws-us-gov"
    assert account_root_arn("aws-cn", "123456789012") == "arn:aws-cn:iam::123456789012:root"
    assert validate_arn("arn:aws:ecs:us-east-1:123456789012:cluster/x", service="ecs", resource_type="cluster")
    assert not validate_arn("arn:aws:ecs:us-east-1:123456789012:cluster/x", service="elasticloadbalancing")
    assert not validate_arn(None)
