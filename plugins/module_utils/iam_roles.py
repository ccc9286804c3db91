# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM roles converged as a set in one module process: trust policy, description, attached managed policies (others
detached), the named inline policies (None: absent) and tags of each. Reads per role: GetRole (trust, description and tags in one
answer), ListAttachedRolePolicies and one GetRolePolicy per named inline policy - where amazon.aws iam_role and
iam_policy take a process and five to seven calls per role and policy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, refuse_listed_twice
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError


def policy_document(document):
    """A policy as a dict, whether given as JSON text or a dict (AWS answers are decoded by botocore)."""
    if isinstance(document, str):
        return json.loads(document)
    return document or {}


def role_view(role):
    """What the diff shows of a role ({} when it does not exist)."""
    if not role:
        return {}
    return {
        "assume_role_policy": role["assume_role_policy"],
        "description": role["description"],
        "managed_policies": sorted(role["managed_policies"]),
        "inline_policies": dict((k, v) for k, v in sorted(role["inline_policies"].items()) if v is not None),
        "tags": dict(sorted(role["tags"].items())),
    }


def role_changes(current, wanted):
    """What turns the role `current` into `wanted`, as a dict of what to change (empty: nothing)."""
    changes = {}
    if compare_policies(current["assume_role_policy"], wanted["assume_role_policy"]):
        changes["assume_role_policy"] = wanted["assume_role_policy"]
    if wanted["description"] is not None and current["description"] != wanted["description"]:
        changes["description"] = wanted["description"]
    have, want = set(current["managed_policies"]), set(wanted["managed_policies"])
    if want - have:
        changes["attach"] = sorted(want - have)
    if have - want:
        changes["detach"] = sorted(have - want)
    put = dict((name, document) for name, document in wanted["inline_policies"].items() if document is not None and (
        current["inline_policies"].get(name) is None or compare_policies(current["inline_policies"][name], document)))
    if put:
        changes["put_policies"] = put
    delete = sorted(name for name, document in wanted["inline_policies"].items()
                    if document is None and current["inline_policies"].get(name) is not None)
    if delete:
        changes["delete_policies"] = delete
    to_set, to_unset = tagging.changes(current["tags"], wanted["tags"], purge=True)
    if to_set:
        changes["tag"] = to_set
    if to_unset:
        changes["untag"] = to_unset
    return changes


def change_summary(name, changes):
    """One line per role for the `changes` result."""
    words = {"assume_role_policy": "trust policy", "description": "description", "attach": "attached policies",
             "detach": "detached policies", "put_policies": "inline policies", "delete_policies": "inline policies",
             "tag": "tags", "untag": "tags"}
    parts = []
    for key in ("assume_role_policy", "description", "attach", "detach", "put_policies", "delete_policies", "tag",
                "untag"):
        if key in changes and words[key] not in parts:
            parts.append(words[key])
    return "updated role %s (%s)" % (name, ", ".join(parts))


class IamRoles(Service):
    """The roles of `roles`, each found by name; roles not listed are never touched."""

    SERVICES = ("iam",)

    def wanted(self, spec):
        return {
            "name": spec["name"],
            "assume_role_policy": policy_document(spec["assume_role_policy"]),
            "description": spec.get("description"),
            "managed_policies": list(spec.get("managed_policies") or []),
            "inline_policies": dict((k, None if v is None else policy_document(v))
                                    for k, v in (spec.get("inline_policies") or {}).items()),
            "tags": tagging.text_values(spec.get("tags") or {}),
            "path": spec.get("path") or "/",
            "instance_profile": bool(spec.get("instance_profile")),
        }

    def read(self, name, inline_names):
        """The role as role_view() sees it, with its ARN and id, or None when it does not exist."""
        try:
            role = self.request("iam", "get_role", RoleName=name)["Role"]
        except is_boto3_error_code("NoSuchEntity"):
            return None
        attached = self.request_pages("iam", "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        inline = {}
        for policy_name in inline_names:
            try:
                inline[policy_name] = self.request("iam", "get_role_policy", RoleName=name,
                                                   PolicyName=policy_name)["PolicyDocument"]
            except is_boto3_error_code("NoSuchEntity"):
                inline[policy_name] = None
        return {
            "arn": role["Arn"], "role_id": role["RoleId"],
            "assume_role_policy": policy_document(role.get("AssumeRolePolicyDocument")),
            "description": role.get("Description", ""),
            "managed_policies": [p["PolicyArn"] for p in attached],
            "inline_policies": dict((k, policy_document(v) if v is not None else None) for k, v in inline.items()),
            "tags": tagging.to_dict(role.get("Tags") or []),
        }

    def create(self, wanted):
        name = wanted["name"]
        request = {"RoleName": name, "Path": wanted["path"],
                   "AssumeRolePolicyDocument": json.dumps(wanted["assume_role_policy"])}
        if wanted["description"]:
            request["Description"] = wanted["description"]
        if wanted["tags"]:
            request["Tags"] = tagging.to_list(wanted["tags"])
        role = self.call("iam", "create_role", "create role %s" % name, **request)["Role"]
        self.apply(name, {"attach": wanted["managed_policies"], "put_policies": dict(
            (k, v) for k, v in wanted["inline_policies"].items() if v is not None)})
        return {"arn": role["Arn"], "role_id": role["RoleId"]}

    def apply(self, name, changes):
        if "assume_role_policy" in changes:
            self.call("iam", "update_assume_role_policy", "update the trust policy of role %s" % name, RoleName=name,
                      PolicyDocument=json.dumps(changes["assume_role_policy"]))
        if "description" in changes:
            self.call("iam", "update_role", "update the description of role %s" % name, RoleName=name,
                      Description=changes["description"])
        for arn in changes.get("attach", []):
            self.call("iam", "attach_role_policy", "attach %s to role %s" % (arn, name), RoleName=name, PolicyArn=arn)
        for arn in changes.get("detach", []):
            self.call("iam", "detach_role_policy", "detach %s from role %s" % (arn, name), RoleName=name, PolicyArn=arn)
        for policy_name, document in sorted(changes.get("put_policies", {}).items()):
            self.call("iam", "put_role_policy", "put policy %s on role %s" % (policy_name, name), RoleName=name,
                      PolicyName=policy_name, PolicyDocument=json.dumps(document))
        for policy_name in changes.get("delete_policies", []):
            self.call("iam", "delete_role_policy", "delete policy %s of role %s" % (policy_name, name), RoleName=name,
                      PolicyName=policy_name)
        if changes.get("tag"):
            self.call("iam", "tag_role", "tag role %s" % name, RoleName=name, Tags=tagging.to_list(changes["tag"]))
        if changes.get("untag"):
            self.call("iam", "untag_role", "untag role %s" % name, RoleName=name, TagKeys=changes["untag"])

    def instance_profile(self, wanted, summary):
        """The role's instance profile of the same name, holding the role and tagged like it: its ARN ("" in check
        mode before it exists). One GetInstanceProfile when nothing changes."""
        name = wanted["name"]
        try:
            profile = self.request("iam", "get_instance_profile", InstanceProfileName=name)["InstanceProfile"]
        except is_boto3_error_code("NoSuchEntity"):
            summary.append("created instance profile %s" % name)
            if self.check_mode:
                return ""
            request = {"InstanceProfileName": name, "Path": wanted["path"]}
            if wanted["tags"]:
                request["Tags"] = tagging.to_list(wanted["tags"])
            profile = self.call("iam", "create_instance_profile", "create instance profile %s" % name,
                                **request)["InstanceProfile"]
            self.call("iam", "add_role_to_instance_profile", "add role %s to its instance profile" % name,
                      InstanceProfileName=name, RoleName=name)
            return profile["Arn"]
        held = [r["RoleName"] for r in profile.get("Roles") or []]
        if held != [name]:
            summary.append("instance profile %s holds role %s" % (name, name))
            if not self.check_mode:
                for other in held:
                    self.call("iam", "remove_role_from_instance_profile", "remove role %s from instance profile %s"
                              % (other, name), InstanceProfileName=name, RoleName=other)
                self.call("iam", "add_role_to_instance_profile", "add role %s to its instance profile" % name,
                          InstanceProfileName=name, RoleName=name)
        add, remove = tagging.compare_aws_tags(tagging.to_dict(profile.get("Tags") or []), wanted["tags"], True)
        if add or remove:
            summary.append("tags of instance profile %s" % name)
            if not self.check_mode:
                if remove:
                    self.call("iam", "untag_instance_profile", "untag instance profile %s" % name,
                              InstanceProfileName=name, TagKeys=remove)
                if add:
                    self.call("iam", "tag_instance_profile", "tag instance profile %s" % name,
                              InstanceProfileName=name, Tags=tagging.to_list(add))
        return profile["Arn"]

    def run(self):
        specs = [self.wanted(spec) for spec in self.params["roles"]]
        refuse_listed_twice("roles", [spec["name"] for spec in specs], "role")
        results, summary, before, after = {}, [], {}, {}
        try:
            for wanted in specs:
                name = wanted["name"]
                current = self.read(name, sorted(wanted["inline_policies"]))
                before[name], after[name] = role_view(current), role_view(wanted)
                if current is None:
                    summary.append("created role %s" % name)
                    created = {"arn": "", "role_id": ""} if self.check_mode else self.create(wanted)
                    results[name] = dict(created, changed=True)
                    if wanted["instance_profile"]:
                        results[name]["instance_profile_arn"] = self.instance_profile(wanted, summary)
                    continue
                changes = role_changes(current, wanted)
                after[name] = role_view(dict(current, **{
                    "assume_role_policy": wanted["assume_role_policy"],
                    "description": wanted["description"] if wanted["description"] is not None else current["description"],
                    "managed_policies": wanted["managed_policies"],
                    "inline_policies": dict(current["inline_policies"], **wanted["inline_policies"]),  # None: absent
                    "tags": tagging.after(current["tags"], changes.get("tag"), changes.get("untag"))}))
                if changes:
                    summary.append(change_summary(name, changes))
                    if not self.check_mode:
                        self.apply(name, changes)
                results[name] = {"arn": current["arn"], "role_id": current["role_id"], "changed": bool(changes)}
                if wanted["instance_profile"]:
                    before_profile = len(summary)
                    results[name]["instance_profile_arn"] = self.instance_profile(wanted, summary)
                    results[name]["changed"] = results[name]["changed"] or len(summary) > before_profile
        except CloudopsError as e:
            e.kwargs["changes"] = summary
            raise
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Failed to read IAM roles after: %s" % ("; ".join(summary) or "no change"),
                                exception=e, changes=summary) from e
        result = {"changed": bool(summary), "roles": results, "changes": summary, "api_calls": self.api_calls}
        if self.diff_mode:
            result["diff"] = {"before": before, "after": after}
        return result
