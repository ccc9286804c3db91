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
