"""KMS fixes.

- ScheduleKeyDeletion, CancelKeyDeletion, EnableKey and DisableKey accept a key ARN, as KMS does. moto looks the
  KeyId up as given, so a key ARN (what amazon.aws.kms_key sends when it schedules the deletion of a key found by
  alias, or re-enables it) fails with an internal error. These methods now resolve any key id form (id, ARN,
  alias, alias ARN) first.
- AWS managed keys: the keys behind the reserved `alias/aws/<service>` aliases (moto creates them on first use,
  e.g. `alias/aws/ebs` for an encrypted volume without a key) are AWS managed, as on AWS: DescribeKey answers
  `KeyManager: AWS` (moto said CUSTOMER) and GetKeyRotationStatus `true` ("The key rotation status for AWS
  managed KMS keys is always true", KMS API reference). Customer keys are unchanged. CreateAlias and UpdateAlias
  refuse every `alias/aws/` name from callers with NotAuthorizedException (moto refused only the names it knows),
  so no caller's key becomes AWS managed.
- A key's private key (RSA or ECC) is made when Sign, Verify or GetPublicKey first needs it: moto made one for every
  key it created, symmetric keys too, about 60 ms of CPU each.
"""
from moto.kms import models as kms_models
from moto.kms.models import KmsBackend

from local_aws.control_plane.core import Component, Response
from local_aws.control_plane.moto_patch import patch

AWS_MANAGED_ALIAS_PREFIX = "alias/aws/"


class Kms(Component):
    name = "kms"

    def __init__(self, plane):
        super().__init__(plane)
        patch(KmsBackend, "schedule_key_deletion", _resolving)
        patch(KmsBackend, "cancel_key_deletion", _resolving)
        patch(KmsBackend, "enable_key", _resolving)
        patch(KmsBackend, "disable_key", _resolving)
        patch(KmsBackend, "create_alias", _aws_managed_behind_reserved_alias)
        patch(KmsBackend, "get_key_rotation_status", _aws_managed_always_rotate)
        patch(kms_models, "generate_private_key", _made_on_first_use)

    def intercepts(self):
        return {("kms", "CreateAlias"): self._reserved_alias, ("kms", "UpdateAlias"): self._reserved_alias}

    def _reserved_alias(self, request):
        if str((request.json or {}).get("AliasName", "")).startswith(AWS_MANAGED_ALIAS_PREFIX):
            return Response.json({"__type": "NotAuthorizedException"}, 400)
        return None


def _resolving(original):
    def method(backend, key_id, *args, **kwargs):
        return original(backend, backend.any_id_to_key_id(key_id), *args, **kwargs)

    return method


def _aws_managed_behind_reserved_alias(original):
    """moto gives a key a reserved alias only when it creates the AWS managed key of a service (CreateAlias refuses
    `alias/aws/` names from callers): that key is AWS managed and rotated by AWS."""
    def method(backend, target_key_id, alias_name, *args, **kwargs):
        alias = original(backend, target_key_id, alias_name, *args, **kwargs)
        if alias_name.startswith(AWS_MANAGED_ALIAS_PREFIX):
            key = backend.keys[backend.get_key_id(target_key_id)]
            key.key_manager = "AWS"
            key.key_rotation_status = True
        return alias

    return method


def _aws_managed_always_rotate(original):
    def method(backend, key_id, *args, **kwargs):
        key = backend.keys.get(backend.get_key_id(key_id))
        if key is not None and key.key_manager == "AWS":
            return True
        return original(backend, key_id, *args, **kwargs)

    return method


def _made_on_first_use(generate):
    def make(key_spec):
        return _PrivateKeyOnFirstUse(generate, key_spec)

    return make


class _PrivateKeyOnFirstUse:
    """Stands in for moto's private key of a KMS key; the key is generated at the first use of any of its methods."""

    def __init__(self, generate, key_spec):
        self._generate = generate
        self._key_spec = key_spec
        self._key = None

    def __getattr__(self, name):  # only names the instance lacks: the key's own
        if name.startswith("__") or name in ("_generate", "_key_spec", "_key"):
            raise AttributeError(name)  # copy and pickle probe before __init__ ran
        if self._key is None:
            self._key = self._generate(self._key_spec)
        return getattr(self._key, name)
