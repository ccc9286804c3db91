# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  tags:
    description:
      - Tags of the resource. Omitted (null) = tags are left alone.
    type: dict
  purge_tags:
    description:
      - Remove tags not listed in O(tags) (never C(aws:) tags). Has no effect when O(tags) is omitted.
    type: bool
    default: true
"""
