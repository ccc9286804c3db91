"""`molecule test -s <scenario>` as `make molecule SCENARIO=<scenario>` runs it (the environment without
ANSIBLE_CONFIG, the collection from .collections), for the test_molecule_*.py files: with a deadline, its local AWS
in a folder of the test's own (stopped afterwards whatever happened), its output in the test's tmp_path
(molecule.log), and a record of what molecule did: the steps that succeeded, the PLAY RECAP of each step, and the
AWS calls of its check-mode run (tools/aws_calls, AWS_CALL_LOG_CHECK).

The scenarios are spread over several test files because `make test` runs pytest with `--dist loadfile`: all tests
of a file go to one worker, so the heavy scenarios sit in files of their own and both workers share them."""
import glob
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

from processes import run_with_deadline

from local_aws.cli import LocalAws

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
SCENARIOS_DIR = os.path.join(ROOT, "extensions", "molecule")
# A scenario converges up to the whole stack three times; below the per-test timeout (pyproject.toml), so a hung run
# fails with its output.
MOLECULE_TIMEOUT = 1500
# The steps whose success the tests assert: molecule's own idempotence (a second converge changes nothing), check
# mode, and the scenario's verify playbook.
ASSERTED_STEPS = ("converge", "idempotence", "check", "verify")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# "INFO     [dns > check] Executed: Successful" (plain output), "INFO     dns ➜ check: Executed: Successful" (terminal)
STEP = re.compile(r"^INFO\s+\[?(?P<scenario>[\w-]+) (?:>|\u279c) (?P<step>\w+)\]?:? (?P<what>Executing|Executed: \w+)", re.M)
RECAP = re.compile(r"^\W*localhost\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.M)
READ_ONLY_ACTIONS = ("Describe", "List", "Get", "BatchGet", "Lookup", "Search")

# test file -> its scenarios; every scenario under extensions/molecule is in exactly one.
FILES = {
    "test_molecule_foundation.py": ["network", "endpoints", "database", "load_balancer"],
    "test_molecule_cluster.py": ["ecs_cluster", "ecs_instances", "dns"],
    "test_molecule_services.py": ["services"],
    "test_molecule_alarms.py": ["alarms"],
    "test_molecule_instance_roll.py": ["instance_roll"],
}


def scenarios(test_file):
    """The scenarios the test file `test_file` (its __file__) runs."""
    return FILES[os.path.basename(test_file)]


def all_scenarios():
    """Every scenario under extensions/molecule (a folder with a molecule.yml)."""
    return sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(SCENARIOS_DIR, "*", "molecule.yml")))


@dataclass
class MoleculeRun:
    """One `molecule test -s <scenario>`: exit code, output without colours, the result of each step, the PLAY RECAP
    counts of each step, the AWS calls of its check-mode playbook run, and its wall time (for the report, never
    asserted)."""
    scenario: str
    rc: int
    output: str
    steps: dict = field(default_factory=dict)  # step -> ["Successful", ...] in the order they ran
    recaps: dict = field(default_factory=dict)  # step -> [{"ok": 5, "changed": 0, ...}, ...]
    check_calls: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def check_writes(self):
        """The check-mode run's AWS calls that were not read-only."""
        return [call for call in self.check_calls if not call.split(" ", 1)[1].startswith(READ_ONLY_ACTIONS)]

    def tail(self, chars=8000):
        return f"molecule test -s {self.scenario} (exit {self.rc}, {self.seconds:.0f} s)\n{self.output[-chars:]}"


def parse(scenario, output):
    """The steps molecule reported for `scenario` and the PLAY RECAP counts of the playbook run of each step."""
    steps, recaps = {}, {}
    marks = [m for m in STEP.finditer(output) if m.group("scenario") == scenario]
    for index, mark in enumerate(marks):
        step = mark.group("step")
        if mark.group("what") == "Executing":
            end = marks[index + 1].start() if index + 1 < len(marks) else len(output)
            recaps.setdefault(step, []).extend(
                {k: int(v) for k, v in (pair.split("=") for pair in m.group("counts").split())}
                for m in RECAP.finditer(output, mark.end(), end))
        else:
            steps.setdefault(step, []).append(mark.group("what").split(": ", 1)[1])
    return steps, recaps


def molecule_env(state_dir, call_log, check_log):
    """make molecule's environment: no ANSIBLE_CONFIG (the scenario's own settings apply), no AWS settings (the
    scenario's inventory names its local AWS), the venv's tools first; no colours, wide lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AWS_", "MOLECULE_"))}
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", NO_COLOR="1",
               PY_COLORS="0", COLUMNS="200", MOLECULE_LOCAL_AWS_DIR=str(state_dir), AWS_CALL_LOG=str(call_log),
               AWS_CALL_LOG_CHECK=str(check_log), PYTHONPATH=os.path.join(ROOT, "tools", "aws_calls"))
    return env


def run(scenario, tmp_path, timeout=MOLECULE_TIMEOUT):
    """`molecule test -s <scenario>` in the checkout; its local AWS is stopped afterwards even when the run failed or
    was killed at its deadline."""
    state_dir, call_log, check_log = tmp_path / "local-aws", tmp_path / "aws-calls.log", tmp_path / "aws-calls-check.log"
    call_log.touch()
    check_log.touch()
    begin = time.monotonic()
    try:
        rc, output, _ = run_with_deadline([os.path.join(BIN, "molecule"), "test", "-s", scenario], timeout, cwd=ROOT,
                                          stderr=subprocess.STDOUT, env=molecule_env(state_dir, call_log, check_log))
    finally:
        LocalAws(str(state_dir)).stop()
    output = ANSI.sub("", output)
    (tmp_path / "molecule.log").write_text(output, encoding="utf-8")
    steps, recaps = parse(scenario, output)
    return MoleculeRun(scenario, rc, output, steps, recaps, check_log.read_text().splitlines(),
                       time.monotonic() - begin)


def assert_scenario_passed(result):
    """molecule succeeded, and its converge, idempotence, check and verify steps really ran and succeeded; the
    check-mode run reported no change and made no AWS write; the wall time is printed (pytest -rP)."""
    print(f"molecule scenario {result.scenario}: {result.seconds:.0f} s")
    assert result.rc == 0, result.tail()
    for step in ASSERTED_STEPS:
        assert result.steps.get(step) == ["Successful"], (step, result.steps, result.tail())
        assert result.recaps.get(step), (f"no PLAY RECAP in the {step} step", result.tail())
    assert all(r.get("changed", 0) == 0 for r in result.recaps["idempotence"]), result.recaps["idempotence"]
    assert all(r.get("changed", 0) == 0 for r in result.recaps["check"]), (result.recaps["check"], result.tail())
    assert all(r.get("failed", 0) == 0 for step in ASSERTED_STEPS for r in result.recaps[step]), result.recaps
    assert result.check_calls, "the check-mode run made no AWS call: it did not run against the scenario's local AWS"
    assert result.check_writes == [], result.check_writes
