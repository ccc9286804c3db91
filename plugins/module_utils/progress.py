# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of long module runs, the module's side.

A module cannot print while it runs. A module with long work takes the option `progress_file`
(documented by the cloudops.ecs.progress doc fragment); its action plugin (plugin_utils/progress.py)
sets it to a file it follows and shows each line appended to it as it comes. Without the file (the
module run elsewhere than on the controller, or on its own) the lines go to the module's log.
Progress never fails a module: a line that cannot be written is dropped. Values Ansible hides
(no_log options such as secret keys and passwords) are masked in every line."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.parameters import remove_values


def argument_spec():
    """The progress_file option of a module whose action plugin follows its progress."""
    return dict(progress_file=dict(type="path"))


def writer(path, secrets=()):
    """A progress callback appending one line per call to `path`; None without a path."""
    if not path:
        return None
    secrets = set(s for s in secrets or () if s)

    def write(line):
        text = " ".join(str(line).splitlines())
        if secrets:
            text = remove_values(text, secrets)
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except (IOError, OSError):
            pass  # progress is best effort: the result carries what was done

    return write


def for_module(module):
    """The progress callback of a module: its progress_file when its action plugin set one, else its log."""
    return writer(module.params.get("progress_file"), module.no_log_values) or module.log


class Changes:
    """Says a line about a subject only when what it says changed (a service's counts, a resource's
    state), so a poll every few seconds gives a line per change, not per poll."""

    def __init__(self, progress):
        self.progress = progress
        self.said = {}

    def say(self, subject, line):
        if self.progress is not None and self.said.get(subject) != line:
            self.said[subject] = line
            self.progress("%s: %s" % (subject, line))
