"""A KMS key's private key is generated once, at its first use; a copy of the stand-in works before and after
(copy, deepcopy and pickle look attributes up on an instance whose __init__ has not run)."""
import copy
import os
import sys
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from local_aws.control_plane import kms  # noqa: E402


def test_the_private_key_is_generated_at_first_use_once():
    made = []

    def generate(spec):
        made.append(spec)
        return SimpleNamespace(sign=lambda message: b"signed " + message)

    key = kms._made_on_first_use(generate)("ECC_NIST_P256")
    assert made == []
    assert key.sign(b"a") == b"signed a" and key.sign(b"b") == b"signed b"
    assert made == ["ECC_NIST_P256"]
    assert copy.copy(key).sign(b"c") == b"signed c" and made == ["ECC_NIST_P256"]


def test_a_copy_made_before_first_use_generates_its_own_key_when_used():
    made = []
    key = kms._made_on_first_use(lambda spec: made.append(spec) or SimpleNamespace(size=2048))("RSA_2048")
    twin = copy.copy(key)
    assert made == [] and twin.size == 2048 and made == ["RSA_2048"]
