# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Modules override `description` (what is waited for) and `default` where theirs differ. A module whose
    # waiting is optional uses both fragments (cloudops.ecs.wait and cloudops.ecs.wait.timeout); one that
    # always waits uses cloudops.ecs.wait.timeout alone. Each option is written once: ansible-test reads
    # fragments as plain strings, so one cannot be built from the other.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until the change has taken effect (each module says what it waits for). Not in check mode.
    type: bool
    default: false
"""

    TIMEOUT = r"""
options:
  wait_timeout:
    description:
      - Seconds to wait before failing with what is still not ready. Progress is reported at least every
        20 seconds while waiting.
    type: int
    default: 600
"""
