"""The module's side of progress: one line per call appended to the progress file, secrets masked, never failing
the module; a line per change, not per poll; the file when the action plugin set one, else the module's log."""
from ansible_collections.cloudops.ecs.plugins.module_utils import progress


def test_a_line_per_call_appended_with_no_log_values_masked(tmp_path):
    path = tmp_path / "progress.log"
    write = progress.writer(str(path), secrets={"hunter2-secret", ""})
    write("web: running 1/2")
    write("db: password hunter2-secret\nsecond line")
    assert path.read_text().splitlines() == ["web: running 1/2", "db: password ******** second line"]


def test_no_path_no_writer_and_a_write_that_fails_is_dropped(tmp_path):
    assert progress.writer(None) is None and progress.writer("") is None
    write = progress.writer(str(tmp_path / "missing-dir" / "progress.log"))
    write("nothing breaks")  # progress is best effort


def test_changes_says_a_line_per_subject_only_when_it_changes():
    lines = []
    changes = progress.Changes(lines.append)
    for line in ("running 0/2", "running 0/2", "running 1/2", "running 1/2"):
        changes.say("web", line)
    changes.say("api", "running 0/1")
    assert lines == ["web: running 0/2", "web: running 1/2", "api: running 0/1"]
    progress.Changes(None).say("web", "nobody listens")


class FakeModule:
    def __init__(self, path=None):
        self.params = {"progress_file": path}
        self.no_log_values = {"s3cr3t-value"}
        self.logged = []

    def log(self, message):
        self.logged.append(message)


def test_for_module_writes_to_the_progress_file_or_else_logs(tmp_path):
    path = tmp_path / "progress.log"
    module = FakeModule(str(path))
    progress.for_module(module)("key s3cr3t-value")
    assert path.read_text() == "key ********\n" and module.logged == []
    module = FakeModule()
    progress.for_module(module)("to the log")
    assert module.logged == ["to the log"]


def test_argument_spec():
    assert progress.argument_spec() == {"progress_file": {"type": "path"}}
