# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: instance_groups
short_description: Normalise ecs_instances_groups (defaults applied, derived names and architecture)
version_added: 0.1.0
description:
  - Applies the group defaults to each instance group and adds C(instance_types), C(instance_type), C(arch)
    (arm64 for Graviton type names), C(mixed_arch), C(resource_name) (C(<stack>-<name>)), C(capacity_provider) and
    C(ami_id). The platform pre-flight validates the same normalised groups.
options:
  _input:
    description: The instance groups (ecs_instances_groups).
    type: list
    elements: dict
    required: true
  defaults:
    description: Defaults of every group (ecs_instances_group_defaults).
    type: dict
    required: true
  stack:
    description: The stack name.
    type: str
    required: true
  ami_id:
    description: AMI of every group without its own (ecs_instances_ami_id).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Normalise the groups
  ansible.builtin.set_fact:
    groups: "{{ ecs_instances_groups | cloudops.ecs.instance_groups(ecs_instances_group_defaults, cloudops_stack_name) }}"
"""

RETURN = r"""
_value:
  description: The normalised groups.
  type: list
  elements: dict
"""

from ansible_collections.cloudops.ecs.plugins.module_utils.validation import instance_groups


class FilterModule(object):
    def filters(self):
        return {"instance_groups": instance_groups}
