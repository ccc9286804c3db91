"""Unit tests import the collection as ansible_collections.cloudops.ecs from the project-local path."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".collections"))


@pytest.fixture(autouse=True)
def forget_callers():
    """Tests stub their reads with the same fake credentials: each one starts with no caller identity and no unchanging
    read remembered."""
    from ansible_collections.cloudops.ecs.plugins.module_utils import aws
    aws._CALLERS.clear()
    aws._UNCHANGING.clear()
    yield
    aws._CALLERS.clear()
    aws._UNCHANGING.clear()
