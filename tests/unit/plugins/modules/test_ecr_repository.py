"""ecr_repository on stubbed ECR: created with its settings and tags, converged repository read only, check mode
changes nothing, differing settings, lifecycle and tags put, encryption that differs refused, absent deletes."""
import json

from ansible_collections.cloudops.ecs.plugins.module_utils import ecr_repository as ecr
from ansible_collections.cloudops.ecs.plugins.modules import ecr_repository

ARN = "arn:aws:ecr:us-east-1:123456789012:repository/demo/api"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
POLICY = {"rules": [{"rulePriority": 1, "description": "untagged images expire after 7 days",
                     "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                                   "countNumber": 7}, "action": {"type": "expire"}}]}
ARGS = {"name": "demo/api", "kms_key": KEY, "lifecycle_policy": POLICY, "tags": {"cloudops:stack": "demo"}}
REPO = {"repositoryArn": ARN, "registryId": "123456789012", "repositoryName": "demo/api",
        "repositoryUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo/api", "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KEY}}

DEFAULT = object()  # the module-level REPO and POLICY (a mutable default argument would be shared)


def existing(stubs, repo=DEFAULT, policy=DEFAULT, tags=(("cloudops:stack", "demo"),)):
    repo = REPO if repo is DEFAULT else repo
    policy = POLICY if policy is DEFAULT else policy
    stubs["ecr"].add_response("describe_repositories", {"repositories": [repo]}, {"repositoryNames": ["demo/api"]})
    if policy is None:
        stubs["ecr"].add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException")
    else:
        stubs["ecr"].add_response("get_lifecycle_policy", {"repositoryName": "demo/api", "lifecyclePolicyText":
                                                           json.dumps(policy)}, {"repositoryName": "demo/api"})
    if tags is not None:
        stubs["ecr"].add_response("list_tags_for_resource", {"tags": [{"Key": k, "Value": v} for k, v in tags]},
                                  {"resourceArn": ARN})


def test_created_with_every_setting_and_the_stack_tags(stubs, run_module):
    stubs["ecr"].add_client_error("describe_repositories", "RepositoryNotFoundException")
    stubs["ecr"].add_response("create_repository", {"repository": REPO}, {
        "repositoryName": "demo/api", "imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KEY},
        "tags": [{"Key": "cloudops:stack", "Value": "demo"}]})
    stubs["ecr"].add_response("put_lifecycle_policy", {}, {"repositoryName": "demo/api",
                                                           "lifecyclePolicyText": ecr.policy_text(POLICY)})
    result, failed = run_module(ecr_repository, ARGS)
    assert not failed, result
    assert result["changed"] is True and result["repository_uri"] == REPO["repositoryUri"]


def test_check_mode_on_an_empty_account(stubs, run_module):
    stubs["ecr"].add_client_error("describe_repositories", "RepositoryNotFoundException")
    result, failed = run_module(ecr_repository, ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["changes"] == ["created"]


def test_converged_repository_is_only_read(stubs, run_module):
    existing(stubs)
    result, failed = run_module(ecr_repository, ARGS)
    assert not failed and result["changed"] is False and result["changes"] == []


def test_a_kms_repository_without_a_named_key_keeps_the_aws_managed_key(stubs, run_module):
    managed = dict(REPO, encryptionConfiguration={"encryptionType": "KMS",
                                                  "kmsKey": "arn:aws:kms:us-east-1:123456789012:key/aws-ecr"})
    existing(stubs, repo=managed)
    result, failed = run_module(ecr_repository, dict(ARGS, kms_key=None))
    assert not failed and result["changed"] is False


def test_differences_are_put(stubs, run_module):
    existing(stubs, repo=dict(REPO, imageTagMutability="MUTABLE", imageScanningConfiguration={"scanOnPush": False}),
             policy=None, tags=None)
    ecr_stub = stubs["ecr"]
    ecr_stub.add_response("put_image_tag_mutability", {}, {"repositoryName": "demo/api",
                                                           "imageTagMutability": "IMMUTABLE"})
    ecr_stub.add_response("put_image_scanning_configuration", {}, {
        "repositoryName": "demo/api", "imageScanningConfiguration": {"scanOnPush": True}})
    ecr_stub.add_response("put_lifecycle_policy", {}, {"repositoryName": "demo/api",
                                                       "lifecyclePolicyText": ecr.policy_text(POLICY)})
    ecr_stub.add_response("list_tags_for_resource", {"tags": [{"Key": "cloudops:stack", "Value": "demo"},
                                                              {"Key": "old", "Value": "1"}]}, {"resourceArn": ARN})
    ecr_stub.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["old"]})
    result, failed = run_module(ecr_repository, ARGS)
    assert not failed, result
    assert result["changes"] == ["image_tag_mutability", "scan_on_push", "lifecycle_policy", "tags"]


def test_other_encryption_is_refused_naming_both(stubs, run_module):
    existing(stubs, repo=dict(REPO, encryptionConfiguration={"encryptionType": "AES256"}), tags=None)
    result, failed = run_module(ecr_repository, ARGS)
    assert failed and "demo/api is encrypted with AES256" in result["msg"] and "cannot change" in result["msg"]


def test_absent_deletes_with_its_images_when_forced(stubs, run_module):
    stubs["ecr"].add_response("describe_repositories", {"repositories": [REPO]})
    stubs["ecr"].add_response("delete_repository", {"repository": REPO}, {"repositoryName": "demo/api", "force": True})
    result, failed = run_module(ecr_repository, {"name": "demo/api", "state": "absent", "force_delete": True})
    assert not failed and result["changes"] == ["deleted"]
    stubs["ecr"].add_client_error("describe_repositories", "RepositoryNotFoundException")
    result, failed = run_module(ecr_repository, {"name": "demo/api", "state": "absent"})
    assert not failed and result["changed"] is False
