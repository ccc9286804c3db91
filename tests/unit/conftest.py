"""Unit tests import the collection as ansible_collections.cloudops.ecs from the project-local path."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".collections"))


@pytest.fixture(autouse=True)
def forget_callers():
    """Tests stub GetCallerIdentity with the same fake credentials: each one starts with no identity remembered."""
    from ansible_collections.cloudops.ecs.plugins.module_utils import aws
    aws._CALLERS.clear()
    yield
    aws._CALLERS.clear()
