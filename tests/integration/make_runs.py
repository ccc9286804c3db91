"""`make <target>` in the checkout as a user types it, for the journey tests: the user's environment minus what
make, a CI job, AWS or Ansible settings would add, plus LOCAL_AWS_STATE_DIR, the state folder of the test's own
local AWS (so `make` never meets the checkout's `.local-aws/`, a user's server, or the other tests' private
servers). Every run has a deadline and records its AWS calls (tools/aws_calls)."""
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import boto3
from processes import run_with_deadline

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAKE = shutil.which("make") or "make"
REGION = "us-east-1"
# A `make` target running one playbook gets a playbook run's budget (conftest.PLAYBOOK_TIMEOUT).
MAKE_TIMEOUT = 900
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.M)
READ_ONLY_ACTIONS = ("Describe", "List", "Get", "BatchGet", "Lookup", "Search")
# What a shell or a CI job may have set that a user typing `make site` would not: make's own variables (a `make
# test` above us), the Makefile's knobs, and AWS or Ansible settings (the inventory names the endpoint and the
# credentials).
UNSET = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "ENV", "ARGS", "PROFILE", "PYTHONPATH",
         "LOCAL_AWS_STATE_DIR", "LOCAL_AWS_PROFILE", "LOCAL_AWS_SCALE")


@dataclass
class Step:
    """One `make` command: exit code, output, the PLAY RECAP counts of each playbook it ran, its AWS calls, and its
    wall time (a figure for the report, never asserted)."""
    command: str
    rc: int
    output: str
    recaps: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self):
        assert len(self.recaps) == 1, (self.command, self.recaps)
        return self.recaps[0].get("changed", 0)

    @property
    def writes(self):
        """The AWS calls that were not read-only."""
        return [call for call in self.calls if not call.split(" ", 1)[1].startswith(READ_ONLY_ACTIONS)]

    @property
    def changed_tasks(self):
        names = []
        for block in re.split(r"^TASK \[", self.output, flags=re.M)[1:]:
            name, _, body = block.partition("\n")
            if re.search(r"^changed: \[", body, re.M):
                names.append(name.rstrip("* ").rstrip("]"))
        return names

    def tail(self, chars=6000):
        return f"$ {self.command} (exit {self.rc})\n{self.output[-chars:]}"


def user_env(state_dir, call_log=None):
    env = {k: v for k, v in os.environ.items() if k not in UNSET and not k.startswith(("AWS_", "ANSIBLE_"))}
    env.update(LOCAL_AWS_STATE_DIR=str(state_dir), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    if call_log:
        env.update(AWS_CALL_LOG=call_log, PYTHONPATH=os.path.join(ROOT, "tools", "aws_calls"))
    return env


def make(state_dir, *args, timeout=MAKE_TIMEOUT, record_calls=True):
    """`make <args>` in the checkout, with a deadline: on expiry the whole run (make, the playbook, its workers and
    module processes) is killed and the test fails with its output."""
    command = " ".join(["make", *(f'{a.split("=", 1)[0]}="{a.split("=", 1)[1]}"' if " " in a else a for a in args)])
    begin = time.monotonic()
    with tempfile.NamedTemporaryFile(prefix="aws-calls-", suffix=".log") as call_log:
        returncode, output, _ = run_with_deadline([MAKE, *args], timeout, cwd=ROOT, stderr=subprocess.STDOUT,
                                                  env=user_env(state_dir, call_log.name if record_calls else None))
        with open(call_log.name, encoding="utf-8") as handle:
            calls = handle.read().splitlines()
    recaps = [{k: int(v) for k, v in (pair.split("=") for pair in m.group("counts").split())}
              for m in RECAP.finditer(output)]
    return Step(command, returncode, output, recaps, calls, time.monotonic() - begin)


def clients(endpoint):
    """clients(endpoint)("ec2") -> a boto3 client on that local AWS."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return lambda service: session.client(service, endpoint_url=endpoint)
