# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Modules whose action plugin follows their progress while they run (plugins/plugin_utils/progress.py).
    DOCUMENTATION = r"""
options:
  progress_file:
    description:
      - File the module appends a progress line to as it works (what it changes, and what it still waits for at
        least every 20 seconds while a wait is open); values Ansible hides (C(no_log)) are masked.
      - The action plugin of this module sets it when the module runs on the controller (connection C(local)) and
        shows the lines while the module runs, so long work is never silent; there is no need to set it yourself.
        Elsewhere the lines go to the module's log.
    type: path
"""
