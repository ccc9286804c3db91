"""`python -m local_aws start` never loses a running server: a second start returns the same endpoint with every
resource kept, a server that does not answer (stopped with SIGSTOP: as busy as a server can be) is waited for and
never replaced, and only `stop` (or `start --fresh`, which says so) ends it."""
import os
import signal
import subprocess
import sys

import boto3
import pytest

TOOLS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cli(state_dir, *args, timeout=120):
    env = dict(os.environ, PYTHONPATH=TOOLS)
    return subprocess.run([sys.executable, "-m", "local_aws", "--state-dir", str(state_dir), *args],
                          capture_output=True, text=True, env=env, timeout=timeout, check=False)


def _ec2(endpoint):
    return boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")


def _started(state):
    first = _cli(state, "start", "--no-control-plane")
    assert first.returncode == 0, first.stderr
    endpoint = first.stdout.strip()
    pid = int((state / "pid").read_text())
    vpc = _ec2(endpoint).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    return state, endpoint, pid, vpc


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A started server with one VPC in it: (state_dir, endpoint, pid, vpc_id); every test leaves it running."""
    state, endpoint, pid, vpc = _started(tmp_path_factory.mktemp("lifecycle"))
    yield state, endpoint, pid, vpc
    if _alive(pid):
        os.kill(pid, signal.SIGCONT)
    _cli(state, "stop")


def _alive(pid):
    """Running (a zombie waiting for init to reap it has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _vpc_ids(endpoint):
    return {v["VpcId"] for v in _ec2(endpoint).describe_vpcs()["Vpcs"]}


def test_a_second_start_keeps_the_server_and_its_resources(server):
    state, endpoint, pid, vpc = server
    again = _cli(state, "start", "--no-control-plane")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == endpoint
    assert int((state / "pid").read_text()) == pid
    assert vpc in _vpc_ids(endpoint)


def test_a_server_that_does_not_answer_is_waited_for_not_replaced(server):
    state, endpoint, pid, vpc = server
    os.kill(pid, signal.SIGSTOP)
    env = dict(os.environ, PYTHONPATH=TOOLS)
    waiting = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "local_aws", "--state-dir", str(state), "start", "--no-control-plane"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        note = waiting.stderr.readline()  # printed once the first probe went unanswered
        assert f"(pid {pid}) is busy; waiting" in note, note
        assert waiting.poll() is None
        os.kill(pid, signal.SIGCONT)
        out, err = waiting.communicate(timeout=120)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 0, err
    assert out.strip() == endpoint
    assert int((state / "pid").read_text()) == pid
    assert vpc in _vpc_ids(endpoint)


def test_giving_up_on_a_silent_server_leaves_it_running(server):
    state, endpoint, pid, vpc = server
    os.kill(pid, signal.SIGSTOP)
    gave_up = _cli(state, "start", "--no-control-plane", "--timeout", "0.5")
    os.kill(pid, signal.SIGCONT)
    assert gave_up.returncode == 1
    assert "left running" in gave_up.stderr and "Traceback" not in gave_up.stderr
    assert _alive(pid) and (state / "endpoint").read_text().strip() == endpoint
    assert vpc in _vpc_ids(endpoint)


def test_only_stop_or_fresh_end_it(tmp_path):
    state, endpoint, pid, vpc = _started(tmp_path)
    fresh = _cli(state, "start", "--no-control-plane", "--fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert f"stopping the running server at {endpoint} (pid {pid})" in fresh.stderr
    assert not _alive(pid)
    new_endpoint = fresh.stdout.strip()
    assert vpc not in _vpc_ids(new_endpoint)

    new_pid = int((state / "pid").read_text())
    assert _cli(state, "stop").returncode == 0
    assert not _alive(new_pid) and not (state / "endpoint").exists()
    assert _cli(state, "status").returncode == 1
