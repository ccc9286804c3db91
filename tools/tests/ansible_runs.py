"""Ansible commands the local AWS tests run, each with its own deadline (like tests/integration/conftest.py's
playbook runs): a hung run is killed with its workers and module processes and fails the test with its output,
instead of stalling until the per-test timeout."""
import processes

TIMEOUT = 300  # seconds; these runs take a few seconds


def start(cmd, env, cwd):
    return processes.start(cmd, env=env, cwd=cwd)


def finish(proc, timeout=TIMEOUT):
    return processes.finish(proc, timeout)


def kill(proc):
    if proc.poll() is None:
        processes.kill_tree(proc.pid)
        proc.communicate()


def run(cmd, env, cwd, timeout=TIMEOUT):
    return processes.run_with_deadline(cmd, timeout, env=env, cwd=cwd)
