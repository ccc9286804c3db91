"""The key policy of encrypted log groups: partition- and region-aware principal, scoped to the named groups."""
import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import logs_key_policy
from ansible_collections.cloudops.ecs.plugins.module_utils.flow_log_destination import kms_policy


def test_logs_may_use_the_key_only_for_the_named_groups():
    admin, logs = logs_key_policy("aws", "us-east-1", "123456789012", ["/shop/services/web", "/shop/services/api"])[
        "Statement"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"} and admin["Action"] == "kms:*"
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert "kms:*" not in logs["Action"]
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
        "arn:aws:logs:us-east-1:123456789012:log-group:/shop/services/api",
        "arn:aws:logs:us-east-1:123456789012:log-group:/shop/services/web"]}}


@pytest.mark.parametrize("partition, region, principal", [
    ("aws-cn", "cn-north-1", "logs.cn-north-1.amazonaws.com.cn"),
    ("aws-us-gov", "us-gov-west-1", "logs.us-gov-west-1.amazonaws.com"),
    ("aws-iso", "us-iso-east-1", "logs.us-iso-east-1.c2s.ic.gov"),
])
def test_principal_and_arns_follow_the_partition(partition, region, principal):
    admin, logs = logs_key_policy(partition, region, "123456789012", ["/shop/services/*"])["Statement"]
    assert logs["Principal"] == {"Service": principal}
    assert admin["Principal"]["AWS"] == "arn:%s:iam::123456789012:root" % partition
    assert logs["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                             "arn:%s:logs:%s:123456789012:log-group:/shop/services/*" % (partition, region)}}


def test_the_flow_log_key_policy_is_the_same_builder_for_its_one_group():
    flow = kms_policy("aws", "eu-west-1", "1", "/shop/vpc-flow-logs")
    shared = logs_key_policy("aws", "eu-west-1", "1", ["/shop/vpc-flow-logs"], "CloudWatchLogsForTheFlowLogGroup")
    assert flow == shared
    assert flow["Statement"][1]["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws:logs:eu-west-1:1:log-group:/shop/vpc-flow-logs")


def test_a_policy_needs_a_group():
    with pytest.raises(ValueError):
        logs_key_policy("aws", "us-east-1", "1", [])
