"""Fixtures for integration tests: a private local AWS per test session (and per xdist worker),
clean state per test module, boto3 clients and an ansible-playbook runner pointed at it."""
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

import boto3
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from local_aws.cli import LocalAws  # noqa: E402

REGION = "us-east-1"
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.M)


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    server = LocalAws(str(tmp_path_factory.mktemp("local-aws")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def endpoint(local_aws):
    return local_aws.endpoint()


@pytest.fixture(scope="module", autouse=True)
def clean_aws(request):
    """Every test module starts from an empty account."""
    if "local_aws" in request.fixturenames or any(
        "local_aws" in getattr(item, "fixturenames", ()) for item in request.session.items
        if getattr(item, "module", None) is request.module
    ):
        request.getfixturevalue("local_aws").reset()
    yield


@pytest.fixture(scope="session")
def aws(endpoint):
    """aws("ec2") -> a boto3 client on the local AWS."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)

    def client(service):
        return session.client(service, endpoint_url=endpoint)

    return client


@dataclass
class PlaybookRun:
    rc: int
    output: str
    stats: dict = field(default_factory=dict)

    @property
    def changed(self):
        return self.stats.get("changed", 0)

    @property
    def failed(self):
        return self.stats.get("failed", 0) + self.stats.get("unreachable", 0)


def run_playbook(endpoint, playbook, inventory="local", extra_vars=None, check=False, diff=False, args=()):
    path = playbook if os.path.isabs(playbook) else os.path.join(ROOT, playbook)
    cmd = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i", os.path.join(ROOT, "inventories", inventory),
        path,
        "-e", json.dumps({"cloudops_aws_endpoint_url": endpoint, **(extra_vars or {})}),
    ]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    cmd.extend(args)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    output = proc.stdout + proc.stderr
    stats = {}
    for match in RECAP.finditer(proc.stdout):
        stats = {k: int(v) for k, v in (pair.split("=") for pair in match.group("counts").split())}
    return PlaybookRun(proc.returncode, output, stats)


@pytest.fixture(scope="session")
def playbook(endpoint):
    """playbook("playbooks/site.yml", extra_vars={...}, check=True) -> PlaybookRun."""

    def run(path, **kwargs):
        return run_playbook(endpoint, path, **kwargs)

    return run
