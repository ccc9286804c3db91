# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The kms_key option of modules that converge the customer managed key of what they manage in the same call
    # (module_utils.kms.owned_key_argument_spec()).
    DOCUMENTATION = r"""
options:
  kms_key:
    description:
      - A customer managed key the module owns, found by its alias, created with rotation on or converged (rotation,
        description, policy, tags) in the same call; its ARN is used as O(kms_key_id). Not deleted with
        O(state=absent).
    type: dict
    suboptions:
      alias:
        description: Alias of the key (C(alias/) is added when missing).
        type: str
        required: true
      description:
        description: Key description.
        type: str
      policy:
        description: Key policy (JSON text or a dict); unset leaves the policy as it is (the default policy on a new key).
        type: json
      tags:
        description: Tags of the key (others are removed); unset leaves them alone.
        type: dict
"""
