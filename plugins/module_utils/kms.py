# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Customer managed KMS keys found by their alias: created with rotation on, converged (state, rotation,
description, key policy, tags) with one read per aspect and a write only where something differs, and scheduled
for deletion. `CustomerKey` makes its calls through an owner, the aws.Service whose request() makes and counts them
(the kms_customer_key module's service, and the key of encrypted log groups and of the VPC flow logs).
`same_policy` compares policy documents whatever their form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service

GONE_KEY_STATES = ("PendingDeletion", "PendingReplicaDeletion")


def alias_name(alias):
    """`name` or `alias/name` -> `alias/name` (the form KMS APIs take)."""
    return alias if alias.startswith("alias/") else "alias/" + alias


def same_policy(current, desired):
    """Compare policy documents whatever their form (string, URL-encoded by IAM, dict)."""
    if isinstance(current, str):
        try:
            from urllib.parse import unquote

            current = json.loads(unquote(current)) if current.startswith("%") else json.loads(current)
        except ValueError:
            return False
    if isinstance(desired, str):
        desired = json.loads(desired)
    return _normal(current) == _normal(desired)


def _policy_text(policy):
    """A policy as the JSON text KMS takes, whether given as text or a dict."""
    return policy if isinstance(policy, str) else json.dumps(policy)


def _normal(value):
    if isinstance(value, dict):
        return dict((k, _normal(v)) for k, v in value.items())
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        return items[0] if len(items) == 1 else sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return value


def owned_key_argument_spec():
    """The `kms_key` option (doc fragment cloudops.ecs.owned_key): a key the module converges with what it manages."""
    return dict(kms_key=dict(type="dict", no_log=False, options=dict(
        alias=dict(type="str", required=True),
        description=dict(type="str"),
        policy=dict(type="json"),
        tags=dict(type="dict"))))


def converge_owned_key(owner, spec):
    """The key of a `kms_key` option converged through `owner`: its metadata, or None in check mode before it exists."""
    return CustomerKey(owner, spec["alias"]).converge(spec.get("description"), spec.get("policy"), spec.get("tags"))


class CustomerKey:
    """The customer managed key `alias` points at, through `owner` (its request(), change(text), check_mode)."""

    def __init__(self, owner, alias):
        self.owner = owner
        self.alias = alias_name(alias)
        self.found = None  # the metadata converge() or schedule_deletion() read before changing anything

    def find(self):
        """The key's metadata, or None when the alias does not exist."""
        try:
            return self.owner.request("kms", "describe_key", KeyId=self.alias)["KeyMetadata"]
        except is_boto3_error_code("NotFoundException"):
            return None

    def tags(self, key_id):
        return tagging.to_dict(self.owner.request_pages("kms", "list_resource_tags", "Tags", KeyId=key_id),
                               "TagKey", "TagValue")

    def converge(self, description=None, policy=None, tags=None, purge_tags=True, converge_tags=True):
        """Create the key (rotation on) or converge the existing one; its metadata, or None in check mode while it
        does not exist yet. `description`, `policy` and `tags` that are None are left as they are; without
        `converge_tags` the tags go only on a new key."""
        meta = self.found = self.find()
        if meta is None:
            return self._create(description, policy, tags)
        key_id = meta["KeyId"]
        if meta.get("KeyState") in GONE_KEY_STATES:
            self.owner.change("cancel the scheduled deletion of KMS key %s" % self.alias)
            if not self.check_mode:
                self.owner.request("kms", "cancel_key_deletion", KeyId=key_id)
                self.owner.request("kms", "enable_key", KeyId=key_id)
        elif meta.get("KeyState") == "Disabled":
            self.owner.change("enable KMS key %s" % self.alias)
            if not self.check_mode:
                self.owner.request("kms", "enable_key", KeyId=key_id)
        if description is not None and description != meta.get("Description", ""):
            self.owner.change("update the description of KMS key %s" % self.alias)
            if not self.check_mode:
                self.owner.request("kms", "update_key_description", KeyId=key_id, Description=description)
        if meta.get("KeyState") in GONE_KEY_STATES and self.check_mode:
            # KMS answers KMSInvalidStateException for a key pending deletion: report the rest as a real run would
            # after cancelling, without reading it.
            return meta
        if not self.owner.request("kms", "get_key_rotation_status", KeyId=key_id).get("KeyRotationEnabled"):
            self.owner.change("enable rotation of KMS key %s" % self.alias)
            if not self.check_mode:
                self.owner.request("kms", "enable_key_rotation", KeyId=key_id)
        if policy is not None:
            current = self.owner.request("kms", "get_key_policy", KeyId=key_id, PolicyName="default")["Policy"]
            if not same_policy(current, policy):
                self.owner.change("update the policy of KMS key %s" % self.alias)
                if not self.check_mode:
                    self.owner.request("kms", "put_key_policy", KeyId=key_id, PolicyName="default",
                                       Policy=_policy_text(policy))
        if tags is not None and converge_tags:
            add, remove = tagging.compare_aws_tags(self.tags(key_id), tagging.text_values(tags), purge_tags)
            if add or remove:
                self.owner.change("update the tags of KMS key %s" % self.alias)
                if not self.check_mode:
                    if remove:
                        self.owner.request("kms", "untag_resource", KeyId=key_id, TagKeys=remove)
                    if add:
                        self.owner.request("kms", "tag_resource", KeyId=key_id,
                                           Tags=tagging.to_list(add, "TagKey", "TagValue"))
        return meta

    def _create(self, description, policy, tags):
        self.owner.change("create KMS key %s (rotation on)" % self.alias)
        if self.check_mode:
            return None
        params = {"Description": description or ""}
        if policy is not None:
            params["Policy"] = _policy_text(policy)
        if tags:
            params["Tags"] = tagging.to_list(tags, "TagKey", "TagValue")
        meta = self.owner.request("kms", "create_key", **params)["KeyMetadata"]
        self.owner.request("kms", "create_alias", AliasName=self.alias, TargetKeyId=meta["KeyId"])
        self.owner.request("kms", "enable_key_rotation", KeyId=meta["KeyId"])
        return meta

    def schedule_deletion(self, days):
        """Schedule the key's deletion in `days` (7-30) unless it is gone or going; the metadata found, or None."""
        meta = self.found = self.find()
        if meta is not None and meta.get("KeyState") not in GONE_KEY_STATES:
            self.owner.change("schedule the deletion of KMS key %s (%s days)" % (self.alias, days))
            if not self.check_mode:
                self.owner.request("kms", "schedule_key_deletion", KeyId=meta["KeyId"], PendingWindowInDays=days)
        return meta

    @property
    def check_mode(self):
        return self.owner.check_mode


class KeyService(Service):
    """The service behind the kms_customer_key module: one key by its alias."""

    SERVICES = ("kms",)

    def __init__(self, *args, **kwargs):
        super(KeyService, self).__init__(*args, **kwargs)
        self.changes = []

    def change(self, text):
        self.changes.append(text)

    def present(self):
        key = CustomerKey(self, self.params["alias"])
        meta = key.converge(self.params.get("description"), self.params.get("policy"), self.params.get("tags"),
                            self.params.get("purge_tags", True))
        return self._result(key, key.found, meta, "present")

    def absent(self):
        key = CustomerKey(self, self.params["alias"])
        meta = key.schedule_deletion(self.params["pending_window"])
        return self._result(key, meta, meta, "absent")

    def _result(self, key, before, meta, state):
        meta = meta or {}
        return dict(changed=bool(self.changes), changes=list(self.changes), alias=key.alias,
                    key_arn=meta.get("Arn", ""), key_id=meta.get("KeyId", ""),
                    diff=dict(before={"alias": key.alias, "state": _state(before)},
                              after={"alias": key.alias, "state": state if self.changes else _state(before)},
                              after_header="; ".join(self.changes) or "no change"))

    def run(self):
        return self.run_by_state("KMS key %s" % alias_name(self.params["alias"]))


def _state(meta):
    if not meta:
        return "absent"
    return "absent" if meta.get("KeyState") in GONE_KEY_STATES else "present"
