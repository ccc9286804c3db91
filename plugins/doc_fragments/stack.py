# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  stack_name:
    description:
      - Value of the C(cloudops:stack) tag, the stack whose resources are read or changed. Only what
        carries this tag is changed or deleted.
    type: str
    required: true
"""
