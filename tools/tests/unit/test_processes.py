"""A run that outlives its deadline ends with everything it started, even processes in sessions of their own
(as ansible-core's workers are), and the test fails with its output."""
import sys

import pytest
from processes import alive, run_with_deadline

from local_aws.polling import wait_for

# A parent that starts a child in a new session (like a playbook's worker), prints the child's pid, then waits.
DETACHED_CHILD = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
print(child.pid, flush=True)
time.sleep(600)
"""


def test_a_finished_command_returns_its_code_and_output():
    assert run_with_deadline([sys.executable, "-c", "print('out'); raise SystemExit(3)"], 60) == (3, "out\n", "")


def test_an_overdue_command_is_killed_with_its_detached_children(tmp_path):
    with pytest.raises(pytest.fail.Exception) as failure:
        run_with_deadline([sys.executable, "-c", DETACHED_CHILD], 5)
    child = int(str(failure.value).rsplit("\n", 2)[-2])
    assert "did not finish within 5s" in str(failure.value)
    wait_for(lambda: not alive(child), timeout=30, step=0.1)
