"""KMS, CloudWatch Logs and EventBridge answers the stack's security defaults depend on, against the documented
behaviour (tools/tests/fixtures/documented.json): the keys behind `alias/aws/*` are AWS managed and always
rotated, customer keys are what their caller made them; a log group takes a key after creation
(AssociateKmsKey); TestEventPattern evaluates patterns as rules route events (prefix, anything-but, `$or`)."""
import json
import uuid

import pytest
from botocore.exceptions import ClientError
from documented import DOCUMENTED

KMS = DOCUMENTED["kms_aws_managed_keys"]
STOPS = DOCUMENTED["eventbridge_ecs_task_stops"]


# -- KMS: AWS managed keys ------------------------------------------------------------------------------------------
def test_the_ebs_default_key_is_aws_managed_and_rotated(client):
    ec2, kms = client("ec2"), client("kms")
    ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)  # no key: the AWS managed EBS key
    meta = kms.describe_key(KeyId=KMS["alias_prefix"] + "ebs")["KeyMetadata"]
    assert meta["KeyManager"] == KMS["key_manager"]
    assert kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"] is KMS["rotation_enabled"]
    by_arn = kms.describe_key(KeyId=meta["Arn"])["KeyMetadata"]
    assert by_arn["KeyManager"] == KMS["key_manager"]
    listed = {k["KeyId"] for k in kms.list_keys()["Keys"]}
    assert meta["KeyId"] in listed


@pytest.mark.parametrize("service", ["s3", "secretsmanager", "rds"])
def test_every_reserved_alias_names_an_aws_managed_key(client, service):
    kms = client("kms")
    meta = kms.describe_key(KeyId=KMS["alias_prefix"] + service)["KeyMetadata"]
    assert meta["KeyManager"] == KMS["key_manager"]
    assert kms.get_key_rotation_status(KeyId=meta["Arn"])["KeyRotationEnabled"] is True


def test_customer_keys_stay_customer_managed_and_rotate_only_when_enabled(client):
    kms = client("kms")
    key = kms.create_key(Description="customer key")["KeyMetadata"]
    assert key["KeyManager"] == KMS["customer_key_manager"]
    kms.create_alias(AliasName=f"alias/test-{uuid.uuid4().hex[:8]}", TargetKeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyManager"] == KMS["customer_key_manager"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is False
    kms.enable_key_rotation(KeyId=key["KeyId"])
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    # a caller cannot make its key AWS managed: the aws/ alias namespace is reserved
    with pytest.raises(ClientError) as refused:
        kms.create_alias(AliasName=KMS["alias_prefix"] + "mine", TargetKeyId=key["KeyId"])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


# -- CloudWatch Logs: a key for an existing group ------------------------------------------------------------------
def test_asymmetric_keys_sign_verify_and_give_their_public_key_symmetric_keys_encrypt(client):
    from cryptography.hazmat.primitives import serialization

    kms = client("kms")
    for spec, algorithm in (("RSA_2048", "RSASSA_PSS_SHA_256"), ("ECC_NIST_P256", "ECDSA_SHA_256")):
        key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        signature = kms.sign(KeyId=key, Message=b"release", SigningAlgorithm=algorithm)["Signature"]
        assert kms.verify(KeyId=key, Message=b"release", Signature=signature, SigningAlgorithm=algorithm)[
            "SignatureValid"]
        public = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])
        assert public.key_size == (2048 if spec == "RSA_2048" else 256)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_a_log_group_takes_a_key_after_creation(client):
    logs, kms = client("logs"), client("kms")
    name = f"/test/{uuid.uuid4().hex[:8]}"
    key = kms.create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName=name)
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    logs.associate_kms_key(logGroupName=name, kmsKeyId=key)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["kmsKeyId"] == key
    logs.disassociate_kms_key(logGroupName=name)
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    with pytest.raises(ClientError) as missing:
        logs.associate_kms_key(logGroupName=name + "-missing", kmsKeyId=key)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as not_an_arn:
        logs.associate_kms_key(logGroupName=name, kmsKeyId="alias/some-key")
    assert not_an_arn.value.response["Error"]["Code"] == "InvalidParameterException"



def test_log_groups_are_described_by_name_in_one_request(client):
    """DescribeLogGroups' logGroupIdentifiers (API reference): 1 to 50 names of the caller's account (or ARNs), only
    the existing ones answered; no other filter with it."""
    logs = client("logs")
    base = f"/test/{uuid.uuid4().hex[:8]}"
    names = [f"{base}/{n}" for n in ("c", "a", "b")]
    for name in names:
        logs.create_log_group(logGroupName=name)
    logs.create_log_group(logGroupName=f"{base}/not-asked")
    arn = logs.describe_log_groups(logGroupNamePrefix=names[2])["logGroups"][0]["logGroupArn"]
    answered = logs.describe_log_groups(logGroupIdentifiers=[names[0], names[1], arn, f"{base}/missing"])
    assert [g["logGroupName"] for g in answered["logGroups"]] == sorted(names)
    assert "nextToken" not in answered
    first = logs.describe_log_groups(logGroupIdentifiers=names, limit=2)
    rest = logs.describe_log_groups(logGroupIdentifiers=names, limit=2, nextToken=first["nextToken"])
    assert [g["logGroupName"] for g in first["logGroups"] + rest["logGroups"]] == sorted(names)
    assert "nextToken" not in rest
    for refused in (dict(logGroupIdentifiers=names, logGroupNamePrefix=base),
                    dict(logGroupIdentifiers=[f"{base}/{n}" for n in range(51)])):
        with pytest.raises(ClientError) as error:
            logs.describe_log_groups(**refused)
        assert error.value.response["Error"]["Code"] == "InvalidParameterException"

# -- EventBridge: TestEventPattern ---------------------------------------------------------------------------------
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/demo"
PATTERN = {
    "source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
    "detail": {"clusterArn": [CLUSTER], "lastStatus": ["STOPPED"], "$or": [
        {"stopCode": [{"anything-but": ["UserInitiated", "ServiceSchedulerInitiated"]}]},
        {"stopCode": ["ServiceSchedulerInitiated"],
         "stoppedReason": [{"prefix": "Task failed ELB health checks"}, {"prefix": "Task failed container health checks"}]},
    ]},
}


def _stopped(stop_code, reason):
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "ECS Task State Change", "source": "aws.ecs",
            "account": "123456789012", "time": "2025-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
            "detail": {"clusterArn": CLUSTER, "lastStatus": "STOPPED", "stopCode": stop_code, "stoppedReason": reason}}


def _matches(events, event, pattern=PATTERN):
    return events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))["Result"]


def test_health_check_kills_match_and_the_schedulers_other_stops_do_not(client):
    events = client("events")
    for reason in STOPS["health_check_reasons"]:
        assert _matches(events, _stopped("ServiceSchedulerInitiated", reason + "arn:...)")) is True, reason
    for reason in STOPS["scheduler_reasons"]:
        assert _matches(events, _stopped("ServiceSchedulerInitiated", reason + "ecs-svc/1)")) is False, reason
    assert _matches(events, _stopped("EssentialContainerExited", "Essential container in task exited")) is True
    assert _matches(events, _stopped("UserInitiated", "Task failed ELB health checks")) is False


def test_invalid_patterns_and_events_are_refused(client):
    events = client("events")
    with pytest.raises(ClientError) as bad_pattern:
        events.test_event_pattern(EventPattern=json.dumps({"source": "aws.ecs"}), Event=json.dumps(_stopped("x", "y")))
    assert bad_pattern.value.response["Error"]["Code"] == "InvalidEventPatternException"
    incomplete = {k: v for k, v in _stopped("x", "y").items() if k != "account"}
    with pytest.raises(ClientError) as bad_event:
        events.test_event_pattern(EventPattern=json.dumps(PATTERN), Event=json.dumps(incomplete))
    assert bad_event.value.response["Error"]["Code"] == "ValidationException"
