"""Fixtures for integration tests: a private local AWS per test session (and per xdist worker),
clean state per test module, boto3 clients, an ansible-playbook runner pointed at it (with a timeout, and
the AWS calls each run made), and stacks a test module builds once and its tests share."""
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import boto3
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from processes import kill_tree, run_with_deadline  # noqa: E402

from local_aws.cli import LocalAws  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

REGION = "us-east-1"
TASK = re.compile(r"^TASK \[", re.M)
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
    """Every test module starts from an empty account, and leaves one: a stack left behind would keep the worker's
    local AWS busy (its clock ticks every resource, its recorder observes a mark) through the modules after it."""
    if "local_aws" in request.fixturenames or any(
        "local_aws" in getattr(item, "fixturenames", ()) for item in request.session.items
        if getattr(item, "module", None) is request.module
    ):
        server = request.getfixturevalue("local_aws")
        server.reset()
        yield
        server.reset()
    else:
        yield


@pytest.fixture(scope="session")
def aws(endpoint):
    """aws("ec2") -> a boto3 client on the local AWS."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)

    def client(service):
        return session.client(service, endpoint_url=endpoint)

    return client


# Actions that only read: a run whose calls are all of these changed nothing in AWS.
READ_ONLY_ACTIONS = ("Describe", "List", "Get", "BatchGet", "Lookup", "Search")


@dataclass
class PlaybookRun:
    rc: int
    output: str
    stats: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)  # "<service> <Action>" per logical AWS call, in order

    @property
    def changed_tasks(self):
        """Names of the tasks that reported a change ("<role> : <task>" for role tasks), in order."""
        names = []
        for block in TASK.split(self.output)[1:]:
            name, _, body = block.partition("\n")
            if re.search(r"^changed: \[", body, re.M):
                names.append(name.rstrip("* ").rstrip("]"))
        return names

    @property
    def writes(self):
        """The calls that were not read-only (the AWS side of what the run changed)."""
        return [call for call in self.calls if not call.split(" ", 1)[1].startswith(READ_ONLY_ACTIONS)]

    @property
    def changed(self):
        return self.stats.get("changed", 0)

    @property
    def failed(self):
        return self.stats.get("failed", 0) + self.stats.get("unreachable", 0)


# Every ansible-playbook run has its own deadline, well below the per-test timeout (pyproject.toml), so a hung
# run fails with its output instead of stalling CI. site.yml on an empty account is the longest legit run.
PLAYBOOK_TIMEOUT = 900


def playbook_command(endpoint, playbook, inventory="local", extra_vars=None, check=False, diff=False, args=()):
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
    return cmd


def run_playbook(endpoint, playbook, inventory="local", extra_vars=None, check=False, diff=False, args=(),
                 timeout=PLAYBOOK_TIMEOUT):
    cmd = playbook_command(endpoint, playbook, inventory, extra_vars, check, diff, args)
    with tempfile.NamedTemporaryFile(prefix="aws-calls-", suffix=".log") as call_log:
        returncode, stdout, stderr = run_with_deadline(cmd, timeout, cwd=ROOT,
                                                       env=playbook_env(endpoint, call_log.name))
        with open(call_log.name, encoding="utf-8") as handle:
            calls = handle.read().splitlines()
    output = stdout + stderr
    stats = {}
    for match in RECAP.finditer(stdout):
        stats = {k: int(v) for k, v in (pair.split("=") for pair in match.group("counts").split())}
    return PlaybookRun(returncode, output, stats, calls)


def playbook_env(endpoint, call_log=None):
    """The environment of an ansible-playbook run against the local AWS; with `call_log`, every module
    process appends its AWS calls to that file (tools/aws_calls)."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    if call_log:
        paths = [os.path.join(ROOT, "tools", "aws_calls"), env.get("PYTHONPATH", "")]
        env.update(AWS_CALL_LOG=call_log, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    return env


@pytest.fixture(scope="session")
def playbook(endpoint):
    """playbook("playbooks/site.yml", extra_vars={...}, check=True) -> PlaybookRun; endpoint=URL runs it against
    another endpoint (e.g. a proxy in front of the local AWS)."""

    def run(path, endpoint=endpoint, **kwargs):
        return run_playbook(endpoint, path, **kwargs)

    return run


@pytest.fixture
def start_playbook(endpoint, tmp_path):
    """start_playbook("playbooks/site.yml", endpoint=URL, **kwargs) -> a Popen of ansible-playbook in the background,
    its output in the file `proc.output`; processes.kill_tree(proc.pid) ends it with its workers and module processes,
    as a lost controller. Whatever is still running at the end of the test is killed so."""
    started = []

    def start(path, endpoint=endpoint, **kwargs):
        output = tmp_path / f"playbook-{len(started)}.log"
        with open(output, "w", encoding="utf-8") as handle:
            # unbuffered: the output of a killed run ends where the run was
            proc = subprocess.Popen(playbook_command(endpoint, path, **kwargs), stdout=handle,
                                    stderr=subprocess.STDOUT, cwd=ROOT,
                                    env=dict(playbook_env(endpoint), PYTHONUNBUFFERED="1"), start_new_session=True)
        proc.output = output
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            kill_tree(proc.pid)
            proc.wait()


# -- stacks shared by the tests of one module ----------------------------------------------------------------

def schedule_rank(path, first_item):
    """Where a test module goes in the run: modules marked long (several whole-stack runs) first, then the other
    playbook-running modules, then the local AWS's integration tests, then the unit tests, so the run ends on many
    short modules that fill every worker, not on one long module (`make test` runs pytest-xdist with
    --no-loadscope-reorder: workers take whole modules in this order)."""
    if first_item.get_closest_marker("long") is not None:
        return 0
    if path.startswith("tests/integration/"):
        return 1
    return 2 if "/integration/" in path else 3


def pytest_collection_modifyitems(items):
    """Modules in schedule_rank order (within a rank, and each module's tests, in the order pytest-randomly chose);
    within each module destructive tests run last, so the stack the module shares is built once. Correctness does
    not depend on either: after a destructive test the next test that needs the stack gets a new one (SharedStack)."""
    modules = [(path, list(group)) for path, group in itertools.groupby(items, key=lambda i: i.nodeid.split("::", 1)[0])]
    modules.sort(key=lambda module: schedule_rank(module[0], module[1][0]))  # stable: keeps the random order
    ordered = []
    for _, group in modules:
        ordered.extend(sorted(group, key=lambda item: item.get_closest_marker("destructive") is not None))
    items[:] = ordered


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


class SharedStack:
    """A stack that the tests of one module share, built on first use. A test marked destructive, or one that
    failed (it may have left the stack half changed), spoils it: the next test that asks for the stack gets a
    new one, built on a reset account. A build that failed is not retried; later tests see its error."""

    def __init__(self, build, reset):
        self._build, self._reset = build, reset
        self._value, self._error, self._spoiled = None, None, False

    def get(self):
        if self._error is not None:
            raise self._error
        if self._value is None:
            if self._spoiled:
                self._reset()
            try:
                self._value = self._build()
            except BaseException as error:
                self._error = error
                raise
            self._spoiled = False
        return self._value

    def use(self, request):
        """Generator for a function-scoped fixture: yields the stack, spoils it after a destructive or failed test."""
        value = self.get()
        yield value
        if request.node.get_closest_marker("destructive") or request.node.stash.get(FAILED, False):
            self._value, self._spoiled = None, True


@pytest.fixture(scope="module")
def shared_stack(local_aws):
    """shared_stack(build) -> a SharedStack for this module; build() makes the stack and returns what tests need."""
    return lambda build: SharedStack(build, local_aws.reset)
