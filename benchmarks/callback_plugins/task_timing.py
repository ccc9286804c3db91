"""Write how long each task took (all hosts, all loop items) to the file named by TASK_TIMING_FILE, as JSON.

An aggregate callback for benchmarks/site.py: enable it with ANSIBLE_CALLBACKS_ENABLED=task_timing and
ANSIBLE_CALLBACK_PLUGINS=<this folder>. Each entry is {"task": "<role> : <name>", "seconds": duration},
in the order the tasks ran. Async tasks count until their last poll.
"""
import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_timing
type: aggregate
short_description: per-task durations as JSON for the benchmark
description: Writes each task's duration to the file named by the TASK_TIMING_FILE environment variable.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.path = os.environ.get("TASK_TIMING_FILE")
        self.entries = []
        self.current = None

    def _close(self):
        if self.current is not None:
            entry, started = self.current
            entry["seconds"] = round(time.monotonic() - started, 3)
            self.entries.append(entry)
            self.current = None

    def _start(self, task):
        self._close()
        self.current = ({"task": task.get_name().strip()}, time.monotonic())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_playbook_on_stats(self, stats):
        self._close()
        if self.path:
            with open(self.path, "w", encoding="utf-8") as handle:
                json.dump(self.entries, handle)
