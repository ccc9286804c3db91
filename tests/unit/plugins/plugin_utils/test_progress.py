"""The controller's side of progress: the Follower shows complete lines as they are appended, a line cut in the
middle once it is complete, a "still working" line when the module is quiet too long, nothing of the module's lines
under no_log; the action plugins run their module through it only where it can be followed."""
import os

import pytest

from ansible_collections.cloudops.ecs.plugins.plugin_utils import progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def follower(tmp_path, **kwargs):
    path = tmp_path / "progress.log"
    path.write_text("")
    shown, clock = [], Clock()
    return progress.Follower(str(path), "    localhost | ", label="ecs_service", show=shown.append, clock=clock,
                             **kwargs), path, shown, clock


def append(path, text):
    with open(path, "ab") as handle:
        handle.write(text.encode("utf-8"))


def test_complete_lines_are_shown_as_they_come_and_a_cut_line_once_complete(tmp_path):
    follow, path, shown, _clock = follower(tmp_path)
    append(path, "web: running 0/2\nweb: run")
    follow.poll()
    assert shown == ["    localhost | web: running 0/2"]
    append(path, "ning 1/2 — naïve\n\n")
    follow.poll()
    assert shown[1:] == ["    localhost | web: running 1/2 — naïve"]
    follow.poll()
    assert len(shown) == 2  # nothing new, nothing shown


def test_a_quiet_module_gets_a_still_working_line_so_no_task_is_silent_for_30s(tmp_path):
    follow, path, shown, clock = follower(tmp_path)
    for second in range(1, 61):
        clock.now = float(second)
        if second == 30:
            append(path, "waiting for services web to roll out: 30s of 900s\n")
        follow.poll()
    assert shown == ["    localhost | ecs_service: still working (25s)",
                     "    localhost | waiting for services web to roll out: 30s of 900s",
                     "    localhost | ecs_service: still working (55s)"]
    assert progress.QUIET_AFTER < 30


def test_no_log_hides_the_module_lines_but_not_that_it_works(tmp_path):
    follow, path, shown, clock = follower(tmp_path, hide=True)
    append(path, "db: something sensitive\n")
    clock.now = 26.0
    follow.poll()
    append(path, "db: more\n")
    follow.stop()
    assert shown == ["    localhost | ecs_service: still working (26s), progress hidden by no_log"]


def test_stop_shows_what_the_module_wrote_last(tmp_path):
    follow, path, shown, _clock = follower(tmp_path, poll=0.01)
    follow.start()
    append(path, "ecs_service: deleting 1: web\nvpc: deleting 1: demo\n")
    follow.stop()
    assert shown == ["    localhost | ecs_service: deleting 1: web", "    localhost | vpc: deleting 1: demo"]
    assert not follow.is_alive()


def test_a_missing_file_shows_nothing(tmp_path):
    shown = []
    progress.Follower(str(tmp_path / "gone.log"), "", show=shown.append).poll()
    assert shown == []


# -- the action plugin ---------------------------------------------------------------------------------


class Task:
    def __init__(self, args, async_val=0, no_log=False):
        self.args, self.async_val, self.no_log = args, async_val, no_log


class Connection:
    def __init__(self, transport="local"):
        self.transport = transport
        self.has_native_async = False

        class Shell:
            tmpdir = "/tmp/none"
        self._shell = Shell()


class Action(progress.ProgressActionModule):
    MODULE = "cloudops.ecs.ecs_service"

    def __init__(self, task, connection, lines=()):
        self._task, self._connection = task, connection
        self.lines, self.calls, self.removed = lines, [], []

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, wrap_async=False):
        self.calls.append((module_name, dict(module_args), wrap_async))
        path = module_args.get("progress_file")
        if path and self.lines:
            with open(path, "a", encoding="utf-8") as handle:
                handle.writelines(line + "\n" for line in self.lines)
        return {"changed": True}

    def _remove_tmp_path(self, tmp_path, force=False):
        self.removed.append(tmp_path)


@pytest.fixture
def shown(monkeypatch):
    lines = []
    monkeypatch.setattr(progress.ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    monkeypatch.setattr(progress.display, "display", lambda message, *args, **kwargs: lines.append(message))
    return lines


def test_the_action_runs_its_module_following_a_progress_file_it_removes_after(shown):
    action = Action(Task({"cluster": "shop", "name": "web"}), Connection(), ["web: running 1/2"])
    result = action.run(task_vars={"inventory_hostname": "localhost"})
    assert result == {"changed": True}
    name, args, wrap_async = action.calls[0]
    assert name == "cloudops.ecs.ecs_service" and args["cluster"] == "shop" and not wrap_async
    assert args["progress_file"] and not os.path.exists(args["progress_file"])
    assert shown == ["    localhost | web: running 1/2"]
    assert action.removed == ["/tmp/none"]
    assert "progress_file" not in action._task.args  # the task's own arguments are left alone


@pytest.mark.parametrize("task, connection", [
    (Task({"name": "web"}), Connection("ssh")),  # the module runs elsewhere: it logs
    (Task({"name": "web"}, async_val=60), Connection()),  # async: it returns before the work is done
    (Task({"name": "web", "progress_file": "/tmp/mine.log"}), Connection()),  # the task names its own file
])
def test_not_followed_where_it_cannot_be(shown, task, connection):
    action = Action(task, connection)
    action.run(task_vars={})
    _name, args, wrap_async = action.calls[0]
    assert args.get("progress_file") == task.args.get("progress_file")
    assert wrap_async == bool(task.async_val)
    assert action.removed == ([] if task.async_val else ["/tmp/none"])


def test_every_long_running_module_has_an_action_plugin_on_the_shared_follower():
    import importlib
    for name in ("ecs_instance_roll", "ecs_service", "ecs_stack_teardown", "aurora_cluster", "application_load_balancer",
                 "vpc_network", "vpc_endpoints"):
        plugin = importlib.import_module("ansible_collections.cloudops.ecs.plugins.action.%s" % name)
        assert issubclass(plugin.ActionModule, progress.ProgressActionModule)
        assert plugin.ActionModule.MODULE == "cloudops.ecs.%s" % name
        module = importlib.import_module("ansible_collections.cloudops.ecs.plugins.modules.%s" % name)
        assert "cloudops.ecs.progress" in module.DOCUMENTATION
