"""Ansible commands the local AWS tests run, each with its own deadline (like tests/integration/conftest.py's
playbook runs): a hung run is killed with its module processes and fails the test with its output, instead of
stalling until the per-test timeout."""
import os
import signal
import subprocess

import pytest

TIMEOUT = 300  # seconds; these runs take a few seconds


def start(cmd, env, cwd):
    """The run in its own session (so a kill reaches its module processes), output captured."""
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
                            start_new_session=True)


def finish(proc, timeout=TIMEOUT):
    """(returncode, stdout, stderr) of a started run; killed, and the test failed, when it outlives `timeout`."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"{' '.join(proc.args[:3])} did not finish within {timeout}s:\n{(stdout + stderr)[-6000:]}")
    except BaseException:
        kill(proc)
        raise
    return proc.returncode, stdout, stderr


def kill(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def run(cmd, env, cwd, timeout=TIMEOUT):
    return finish(start(cmd, env, cwd), timeout)
