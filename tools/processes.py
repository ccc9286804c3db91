"""Ending a playbook run and everything it started, as a lost controller would.

ansible-playbook's workers call setsid (ansible-core's WorkerProcess detaches from the controlling terminal), so the
module processes they start are in a session of their own, not in the playbook's process group: os.killpg on the
playbook leaves its workers and modules running, a "killed" run goes on changing AWS next to the next run, and the
orphaned workers wait forever. kill_tree() finds every descendant through /proc and kills them all;
run_with_deadline() runs a command that way, for every test that runs ansible-playbook, make or ansible."""
import os
import signal
import subprocess

import pytest


def _children():
    """{ppid: [pid, ...]} of every process on the machine."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # ended while we looked
        children.setdefault(ppid, []).append(int(entry))
    return children


def tree(pid):
    """pid and every process descended from it, whatever their session or process group."""
    children = _children()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def kill_tree(pid):
    """SIGKILL `pid` (a child of ours, not yet waited for) and all its descendants. They are stopped first, until a
    pass finds none that is not, so none forks, exits or makes another AWS call in between; then all are killed.
    Without /proc, only pid's process group is killed."""
    if not os.path.isdir("/proc/self"):
        os.killpg(pid, signal.SIGKILL)
        return
    stopped = set()
    while True:
        new = [p for p in tree(pid) if p not in stopped]
        if not new:
            break
        for p in new:
            _signal(p, signal.SIGSTOP)
            stopped.add(p)
    for p in stopped:
        _signal(p, signal.SIGKILL)


def alive(pid):
    """The process runs (a zombie waiting to be reaped has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False



def start(cmd, **popen):
    """`cmd` in the background, in a session of its own, its output captured as text; finish() collects it."""
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=popen.pop("stderr", subprocess.PIPE), text=True,
                            start_new_session=True, **popen)


def finish(proc, timeout):
    """(returncode, stdout, stderr) of a started command. When it outlives `timeout` seconds it is killed with every
    process it started (kill_tree) and the test fails with the end of its output; an interrupted test (Ctrl-C, its
    own timeout) kills it the same way."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        stdout, stderr = proc.communicate()
        command = " ".join(str(part) for part in proc.args[:3])
        pytest.fail(f"{command} did not finish within {timeout}s:\n{(stdout + (stderr or ''))[-6000:]}")
    except BaseException:
        kill_tree(proc.pid)
        proc.wait()
        raise
    return proc.returncode, stdout, stderr or ""


def run_with_deadline(cmd, timeout, **popen):
    """finish(start(cmd, **popen), timeout): ansible-playbook, make or ansible runs of the tests."""
    return finish(start(cmd, **popen), timeout)
