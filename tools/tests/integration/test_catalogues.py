"""AWS managed policies and the AMI catalogue, which the local AWS parses once per process, come back unchanged
after a reset, with state of their own: an attachment made before the reset is gone after it."""
import json

POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _policy(iam):
    policy = iam.get_policy(PolicyArn=POLICY)["Policy"]
    document = iam.get_policy_version(PolicyArn=POLICY, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    return policy, document["Document"]


def _images(ec2):
    return sorted((i["ImageId"], i["Name"], i["Architecture"]) for i in ec2.describe_images(Owners=["amazon"])["Images"])


def test_managed_policies_and_images_come_back_unchanged_after_a_reset(local_aws, client):
    iam, ec2 = client("iam"), client("ec2")
    policy, document = _policy(iam)
    images = _images(ec2)
    assert images and document["Statement"]
    iam.create_role(RoleName="catalogue", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="catalogue", PolicyArn=POLICY)
    assert _policy(iam)[0]["AttachmentCount"] == 1

    local_aws.reset()

    policy_after, document_after = _policy(iam)
    assert policy_after["AttachmentCount"] == 0
    same = ("PolicyName", "Arn", "Path", "DefaultVersionId", "CreateDate", "UpdateDate", "IsAttachable")
    assert {k: policy_after[k] for k in same} == {k: policy[k] for k in same}
    assert document_after == document
    assert _images(ec2) == images
