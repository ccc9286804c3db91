# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ECR repository the stack owns: tag immutability, scan on push, encryption (set at creation), lifecycle
policy and tags, converged with check mode and diff. Pure views (`view`, `wanted_view`, `policy_text`) and the
`EcrRepository` service class behind the ecr_repository module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

NOT_FOUND = ("RepositoryNotFoundException",)
NO_LIFECYCLE = ("LifecyclePolicyNotFoundException",)


def _code(error):
    return error.response.get("Error", {}).get("Code") if hasattr(error, "response") else None


def policy_text(policy):
    """A lifecycle policy (dict or JSON text) as canonical JSON text, for comparing and for PutLifecyclePolicy."""
    if policy is None:
        return None
    if not isinstance(policy, dict):
        policy = json.loads(policy)
    return json.dumps(policy, sort_keys=True, separators=(",", ":"))


def view(repository, lifecycle_text):
    """The settings of an existing repository that the module manages, in comparable form."""
    encryption = repository.get("encryptionConfiguration") or {}
    return {
        "image_tag_mutability": repository.get("imageTagMutability") or "MUTABLE",
        "scan_on_push": bool((repository.get("imageScanningConfiguration") or {}).get("scanOnPush")),
        "encryption_type": encryption.get("encryptionType") or "AES256",
        "kms_key": encryption.get("kmsKey") or None,
        "lifecycle_policy": json.loads(lifecycle_text) if lifecycle_text else None,
    }


def wanted_view(params, current=None):
    """What the parameters ask for; a KMS repository without a named key takes the one it has (AWS's aws/ecr key)."""
    wanted = {
        "image_tag_mutability": params["image_tag_mutability"],
        "scan_on_push": params["scan_on_push"],
        "encryption_type": params["encryption_type"],
        "kms_key": params.get("kms_key") or None,
        "lifecycle_policy": json.loads(policy_text(params["lifecycle_policy"]))
        if params.get("lifecycle_policy") is not None else (current or {}).get("lifecycle_policy"),
    }
    if wanted["encryption_type"] == "KMS" and not wanted["kms_key"] and current and current["encryption_type"] == "KMS":
        wanted["kms_key"] = current["kms_key"]
    if wanted["encryption_type"] == "AES256":
        wanted["kms_key"] = None
    return wanted


def _same_key(current, wanted):
    """A key named by ARN, id or alias is the same key when the ARN the repository shows ends with it."""
    if current == wanted or not wanted:
        return current == wanted or (not wanted and not current)
    return bool(current) and (current.endswith(":" + wanted) or current.endswith("/" + wanted.split("/")[-1]))


class EcrRepository(Service):
    SERVICES = ("ecr",)

    def find(self, name):
        try:
            found = self.request("ecr", "describe_repositories", repositoryNames=[name])
        except botocore.exceptions.ClientError as e:
            if _code(e) in NOT_FOUND:
                return None
            raise CloudopsError(message="Failed to describe the ECR repository %s" % name, exception=e) from e
        repositories = found.get("repositories") or []
        return repositories[0] if repositories else None

    def lifecycle(self, name):
        try:
            answer = self.request("ecr", "get_lifecycle_policy", repositoryName=name)
        except botocore.exceptions.ClientError as e:
            if _code(e) in NO_LIFECYCLE:
                return None
            raise CloudopsError(message="Failed to read the lifecycle policy of %s" % name, exception=e) from e
        return answer.get("lifecyclePolicyText")

    def run(self):
        params = self.params
        name = params["name"]
        repository = self.find(name)
        if params["state"] == "absent":
            if repository and not self.check_mode:
                self.call("ecr", "delete_repository", "delete the ECR repository %s" % name, repositoryName=name,
                          force=params["force_delete"])
            return dict(changed=bool(repository), changes=["deleted"] if repository else [],
                        diff={"before": {"name": name} if repository else {}, "after": {}})
        tags = dict(params["tags"] or {})
        if repository is None:
            wanted = wanted_view(params)
            result = dict(changed=True, changes=["created"], repository_uri="", repository_arn="",
                          diff={"before": {}, "after": wanted})
            if self.check_mode:
                return result
            encryption = {"encryptionType": params["encryption_type"]}
            if params["encryption_type"] == "KMS" and params.get("kms_key"):
                encryption["kmsKey"] = params["kms_key"]
            created = self.call("ecr", "create_repository", "create the ECR repository %s" % name, repositoryName=name,
                                imageTagMutability=params["image_tag_mutability"],
                                imageScanningConfiguration={"scanOnPush": params["scan_on_push"]},
                                encryptionConfiguration=encryption, tags=tagging.to_list(tags))["repository"]
            if params.get("lifecycle_policy") is not None:
                self.call("ecr", "put_lifecycle_policy", "put the lifecycle policy of %s" % name, repositoryName=name,
                          lifecyclePolicyText=policy_text(params["lifecycle_policy"]))
            result.update(repository_uri=created.get("repositoryUri"), repository_arn=created.get("repositoryArn"))
            return result
        current = view(repository, self.lifecycle(name))
        wanted = wanted_view(params, current)
        if current["encryption_type"] != wanted["encryption_type"] or not _same_key(current["kms_key"], wanted["kms_key"]):
            raise CloudopsError(message="the ECR repository %s is encrypted with %s%s; encryption is set when a repository "
                                        "is created and cannot change: keep it, or delete the repository (and its "
                                        "images) to create it with %s%s" % (
                                            name, current["encryption_type"],
                                            " (%s)" % current["kms_key"] if current["kms_key"] else "",
                                            wanted["encryption_type"],
                                            " (%s)" % wanted["kms_key"] if wanted["kms_key"] else ""))
        wanted["kms_key"] = current["kms_key"]
        changes = []
        base = {"repositoryName": name}
        if current["image_tag_mutability"] != wanted["image_tag_mutability"]:
            changes.append("image_tag_mutability")
            if not self.check_mode:
                self.call("ecr", "put_image_tag_mutability", "set the tag mutability of %s" % name,
                          imageTagMutability=wanted["image_tag_mutability"], **base)
        if current["scan_on_push"] != wanted["scan_on_push"]:
            changes.append("scan_on_push")
            if not self.check_mode:
                self.call("ecr", "put_image_scanning_configuration", "set scan on push of %s" % name,
                          imageScanningConfiguration={"scanOnPush": wanted["scan_on_push"]}, **base)
        if current["lifecycle_policy"] != wanted["lifecycle_policy"]:
            changes.append("lifecycle_policy")
            if not self.check_mode:
                self.call("ecr", "put_lifecycle_policy", "put the lifecycle policy of %s" % name,
                          lifecyclePolicyText=policy_text(wanted["lifecycle_policy"]), **base)
        if params["tags"] is not None:
            arn = repository["repositoryArn"]
            have = tagging.to_dict(self.call("ecr", "list_tags_for_resource", "read the tags of %s" % name,
                                             resourceArn=arn).get("tags") or [])
            to_set, to_remove = tagging.changes(have, tags, purge=params["purge_tags"])
            if to_set or to_remove:
                changes.append("tags")
                if not self.check_mode and to_set:
                    self.call("ecr", "tag_resource", "tag %s" % name, resourceArn=arn, tags=tagging.to_list(to_set))
                if not self.check_mode and to_remove:
                    self.call("ecr", "untag_resource", "untag %s" % name, resourceArn=arn, tagKeys=list(to_remove))
        return dict(changed=bool(changes), changes=changes, repository_uri=repository.get("repositoryUri"),
                    repository_arn=repository.get("repositoryArn"), diff={"before": current, "after": wanted})
