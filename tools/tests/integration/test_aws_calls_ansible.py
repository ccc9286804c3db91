"""The call counter sees the AWS calls that Ansible modules make in their own processes."""
import os
import sys

import ansible_runs
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from local_aws.cli import LocalAws  # noqa: E402


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory):
    server = LocalAws(str(tmp_path_factory.mktemp("aws-calls-local-aws")))
    url = server.start(control_plane=False)
    yield url
    server.stop()


def test_module_process_calls_are_counted(tmp_path, moto_endpoint):
    log = tmp_path / "calls"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
    env.update(AWS_CALL_LOG=str(log), PYTHONPATH=os.path.join(ROOT, "tools", "aws_calls"),
               ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible"), "-i", os.path.join(ROOT, "inventories", "local"),
           "localhost", "-m", "amazon.aws.cloudwatchlogs_log_group_info",
           "-a", f"endpoint_url={moto_endpoint} access_key=testing secret_key=testing region=us-east-1"]
    rc, stdout, stderr = ansible_runs.run(cmd, env, ROOT)
    assert rc == 0, stdout + stderr
    assert log.read_text().splitlines() == ["logs DescribeLogGroups"]
