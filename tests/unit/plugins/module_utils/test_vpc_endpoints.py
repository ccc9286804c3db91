"""Endpoint diffing and service validation (pure, no AWS)."""
from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_endpoints import (
    detect_prefix,
    endpoint_diff,
    missing_for_private_install,
    service_short_name,
    unknown_services,
)

INTERFACE = {"type": "Interface", "subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": ["sg-1"], "private_dns": True}


def test_converged_interface_endpoint_has_no_diff():
    current = {"SubnetIds": ["subnet-b", "subnet-a"], "Groups": [{"GroupId": "sg-1"}], "PrivateDnsEnabled": True}
    assert endpoint_diff(current, INTERFACE) == {}


def test_interface_drift_becomes_one_modify_call():
    current = {"SubnetIds": ["subnet-a", "subnet-x"], "Groups": [{"GroupId": "sg-9"}], "PrivateDnsEnabled": False}
    assert endpoint_diff(current, INTERFACE) == {
        "AddSubnetIds": ["subnet-b"],
        "RemoveSubnetIds": ["subnet-x"],
        "AddSecurityGroupIds": ["sg-1"],
        "RemoveSecurityGroupIds": ["sg-9"],
        "PrivateDnsEnabled": True,
    }


def test_gateway_route_tables():
    desired = {"type": "Gateway", "route_table_ids": ["rtb-1", "rtb-2"]}
    assert endpoint_diff({"RouteTableIds": ["rtb-2", "rtb-1"]}, desired) == {}
    assert endpoint_diff({"RouteTableIds": ["rtb-1", "rtb-3"]}, desired) == {
        "AddRouteTableIds": ["rtb-2"], "RemoveRouteTableIds": ["rtb-3"]}


def test_prefix_is_read_not_assumed():
    names = ["aws.sagemaker.cn-north-1.notebook", "cn.com.amazonaws.cn-north-1.ecr.api", "cn.com.amazonaws.cn-north-1.s3"]
    assert detect_prefix(names, "cn-north-1") == "cn.com.amazonaws"
    assert detect_prefix(["aws.sagemaker.us-east-1.notebook", "com.amazonaws.us-east-1.s3"], "us-east-1") == "com.amazonaws"


def test_unknown_services_and_short_names():
    offered = ["com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.s3"]
    assert unknown_services(["ecr.api", "s3", "ecr-bogus"], offered, "com.amazonaws", "us-east-1") == ["ecr-bogus"]
    assert service_short_name("com.amazonaws.us-east-1.ecr.api", "com.amazonaws", "us-east-1") == "ecr.api"
    assert service_short_name("aws.sagemaker.us-east-1.notebook", "com.amazonaws", "us-east-1") is None


def test_private_install_coverage():
    required = ["s3", "ecr.api", "ecr.dkr", "logs", "ecs"]
    assert missing_for_private_install(required, ["ecr.api", "logs"], ["s3"]) == ["ecr.dkr", "ecs"]
    assert missing_for_private_install(required, ["ecr.api", "ecr.dkr", "logs", "ecs"], ["s3"]) == []
