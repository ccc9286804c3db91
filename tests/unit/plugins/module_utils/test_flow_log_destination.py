"""Flow log destination policies: partition-aware, scoped to the one log group."""
import json

from ansible_collections.cloudops.ecs.plugins.module_utils.flow_log_destination import (
    kms_policy,
    role_policy,
    same_policy,
    trust_policy,
)


def test_kms_policy_scoped_to_the_log_group_and_partition():
    policy = kms_policy("aws-cn", "cn-north-1", "123456789012", "/shop/vpc-flow-logs")
    admin, logs = policy["Statement"]
    assert admin["Principal"]["AWS"] == "arn:aws-cn:iam::123456789012:root"
    assert logs["Principal"]["Service"] == "logs.cn-north-1.amazonaws.com.cn"
    assert logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/shop/vpc-flow-logs")
    assert kms_policy("aws", "us-east-1", "1", "/x")["Statement"][1]["Principal"]["Service"] == "logs.us-east-1.amazonaws.com"


def test_role_policy_has_no_wildcard_resource():
    policy = role_policy("aws-us-gov", "us-gov-west-1", "123456789012", "/shop/vpc-flow-logs")
    resources = [r for s in policy["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert "*" not in resources
    assert all(r.startswith("arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:") for r in resources)


def test_trust_policy_limited_to_the_account():
    statement = trust_policy("aws", "eu-west-1", "123456789012")["Statement"][0]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


def test_same_policy_ignores_form_and_order():
    desired = role_policy("aws", "us-east-1", "1", "/g")
    shuffled = json.loads(json.dumps(desired))
    shuffled["Statement"].reverse()
    assert same_policy(json.dumps(shuffled), desired)
    single = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
    # IAM returns one-element lists as scalars and may URL-encode documents
    assert same_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}},
                       single)
    assert same_policy("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D", {"Version": "2012-10-17", "Statement": []})
    assert not same_policy(json.dumps(kms_policy("aws", "us-east-1", "1", "/a")), kms_policy("aws", "us-east-1", "1", "/b"))
