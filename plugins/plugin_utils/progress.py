# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of long module runs, the controller's side: the action plugins of the modules that work for
long (the roll, services rollouts, teardown, the database, load balancer, NAT gateway and endpoint waits)
follow the module while it runs and show its progress lines as they come, so a console or an AWX job's
output moves while the work happens (a module cannot print before it returns).

The plugin gives the module a file in its `progress_file` option (module_utils/progress.py writes to it)
and a Follower thread shows each complete line appended to it, and a "still working" line whenever the
module has said nothing for QUIET_AFTER seconds, so no task is silent for more than 30 seconds. Only where
the module runs on the controller (connection local, as the collection's playbooks run) and not in async
mode; elsewhere the module writes its lines to its log. With no_log only the "still working" lines show."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile
import threading
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

POLL = 1.0  # seconds between two reads of the progress file
QUIET_AFTER = 25.0  # seconds without a line from the module before a "still working" line


class Follower(threading.Thread):
    """Shows the lines appended to `path` (each with `prefix`) until stopped, then the rest."""

    def __init__(self, path, prefix, label="module", hide=False, show=None, clock=None, poll=POLL,
                 quiet_after=QUIET_AFTER):
        super(Follower, self).__init__(daemon=True)
        self.path, self.prefix, self.label, self.hide = path, prefix, label, hide
        self.show = show or display.display
        self.clock = clock or time.monotonic
        self.poll_every, self.quiet_after = poll, quiet_after
        self.offset = 0
        self.started = self.last_shown = self.clock()
        self.done = threading.Event()

    def _read_complete_lines(self):
        """The lines appended since the last read; a line still being written waits for the next read."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except (IOError, OSError):
            return []
        complete = chunk[:chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        return complete.decode("utf-8", "replace").splitlines()

    def poll(self):
        """One round: show the new lines, or a "still working" line when the module has been quiet too long."""
        now = self.clock()
        lines = [line for line in self._read_complete_lines() if line.strip()]
        if lines and not self.hide:
            for line in lines:
                self.show("%s%s" % (self.prefix, line))
            self.last_shown = now
        elif now - self.last_shown >= self.quiet_after:
            self.show("%s%s: still working (%ds)%s" % (self.prefix, self.label, now - self.started,
                                                       ", progress hidden by no_log" if self.hide else ""))
            self.last_shown = now

    def run(self):
        while not self.done.wait(self.poll_every):
            self.poll()

    def stop(self):
        """Stop following and show what the module wrote last."""
        self.done.set()
        if self.is_alive():
            self.join()
        lines = [line for line in self._read_complete_lines() if line.strip()]
        if not self.hide:
            for line in lines:
                self.show("%s%s" % (self.prefix, line))


class ProgressActionModule(ActionBase):
    """The action plugin of a module that reports progress: runs MODULE (its FQCN) as the `normal` action
    would, following its progress file while it runs."""

    MODULE = None
    _supports_check_mode = True
    _supports_async = True

    def follows(self, module_args):
        """Whether this run can be followed: the module runs here, returns only when done, and the task did not
        name a progress file of its own."""
        return (self._connection.transport == "local" and not self._task.async_val
                and not module_args.get("progress_file"))

    def run(self, tmp=None, task_vars=None):
        result = super(ProgressActionModule, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        task_vars = task_vars or {}
        wrap_async = self._task.async_val and not self._connection.has_native_async
        module_args = dict(self._task.args)
        follower = None
        if self.follows(module_args):
            handle, path = tempfile.mkstemp(prefix="cloudops-progress-", suffix=".log")
            os.close(handle)
            module_args["progress_file"] = path
            follower = Follower(path, "    %s | " % task_vars.get("inventory_hostname", "localhost"),
                                label=self.MODULE.rsplit(".", 1)[-1], hide=bool(self._task.no_log))
            follower.start()
        try:
            result = merge_hash(result, self._execute_module(module_name=self.MODULE, module_args=module_args,
                                                             task_vars=task_vars, wrap_async=wrap_async))
        finally:
            if follower is not None:
                follower.stop()
                os.remove(module_args["progress_file"])
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
