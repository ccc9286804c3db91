"""Unit tests import the collection as ansible_collections.cloudops.ecs from the project-local path."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".collections"))


@pytest.fixture(autouse=True)
def forget_callers():
    """Tests stub their reads with the same fake credentials: each one starts with no caller identity, no unchanging
    read and no client or session remembered."""
    from ansible_collections.cloudops.ecs.plugins.module_utils import aws
    for remembered in (aws._CALLERS, aws._UNCHANGING, aws._CLIENTS, aws._BOTO_SESSIONS):
        remembered.clear()
    yield
    for remembered in (aws._CALLERS, aws._UNCHANGING, aws._CLIENTS, aws._BOTO_SESSIONS):
        remembered.clear()
