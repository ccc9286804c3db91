# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs cloudops.ecs.ecs_instance_roll and shows its progress lines while it runs (a module cannot print
before it returns): the module appends a line per instance launched, registered, drained and terminated,
and one at least every 20 seconds while a wait is open, to a file this plugin follows. Only where the
module runs on the controller (connection local, as the roll playbook does); elsewhere the lines come in
the result's `steps` at the end."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile
import threading

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


class Follower(threading.Thread):
    """Shows the lines appended to `path` until stopped, then the rest."""

    def __init__(self, path, prefix):
        super().__init__(daemon=True)
        self.path, self.prefix = path, prefix
        self.offset = 0
        self.done = threading.Event()

    def _show_new(self):
        try:
            with open(self.path, "r", encoding="utf-8") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except OSError:
            return
        complete = chunk[:chunk.rfind("\n") + 1]
        self.offset += len(complete.encode("utf-8"))
        for line in complete.splitlines():
            display.display("%s%s" % (self.prefix, line))

    def run(self):
        while not self.done.wait(1.0):
            self._show_new()
        self._show_new()


class ActionModule(ActionBase):
    _VALID_ARGS = frozenset()  # every argument is the module's

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        follower = None
        if self._connection.transport == "local" and not self._task.check_mode and not module_args.get("progress_file"):
            handle, path = tempfile.mkstemp(prefix="cloudops-roll-", suffix=".log")
            os.close(handle)
            module_args["progress_file"] = path
            follower = Follower(path, "    %s | " % task_vars.get("inventory_hostname", "localhost"))
            follower.start()
        try:
            result.update(self._execute_module(module_name="cloudops.ecs.ecs_instance_roll", module_args=module_args,
                                               task_vars=task_vars))
        finally:
            if follower is not None:
                follower.done.set()
                follower.join()
                os.remove(module_args["progress_file"])
        return result
