"""KMS fixes: ScheduleKeyDeletion, CancelKeyDeletion, EnableKey and DisableKey accept a key ARN, as KMS does.

moto looks the KeyId up as given, so a key ARN (what amazon.aws.kms_key sends when it schedules the
deletion of a key found by alias, or re-enables it) fails with an internal error. These methods now resolve any key id form
(id, ARN, alias, alias ARN) first.
"""
from moto.kms.models import KmsBackend

from local_aws.control_plane.core import Component
from local_aws.control_plane.moto_patch import patch


class Kms(Component):
    name = "kms"

    def __init__(self, plane):
        super().__init__(plane)
        patch(KmsBackend, "schedule_key_deletion", _resolving)
        patch(KmsBackend, "cancel_key_deletion", _resolving)
        patch(KmsBackend, "enable_key", _resolving)
        patch(KmsBackend, "disable_key", _resolving)


def _resolving(original):
    def method(backend, key_id, *args, **kwargs):
        return original(backend, backend.any_id_to_key_id(key_id), *args, **kwargs)

    return method
