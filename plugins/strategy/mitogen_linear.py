# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The linear strategy on Mitogen for Ansible when it is installed, the stock linear strategy when not."""

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
  - The collection's C(ansible.cfg) selects this strategy; other playbooks opt in with C(strategy) in C(ansible.cfg)
    or the C(ANSIBLE_STRATEGY) environment variable.
notes:
  - Mitogen for Ansible is installed by the project's C(requirements.txt) and by its execution environment
    definition, at the version the collection is tested with.
author:
  - cloudops.ecs maintainers (@cloudops)
"""

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


class StrategyModule(_Strategy):
    """The linear strategy; Mitogen's when it can be imported."""

    def run(self, iterator, play_context):  # pylint: disable=arguments-differ
        if not MITOGEN:
            Display().warning(NO_MITOGEN)  # said once per run: Display does not repeat a warning
        return super(StrategyModule, self).run(iterator, play_context)
