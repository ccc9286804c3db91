# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: instance_group_capacity_providers
short_description: The capacity provider options of every instance group, for one ecs_capacity_provider call
version_added: 0.1.0
description:
  - Turns the instance groups (C(cloudops_instances.groups) with the ecs_cluster defaults applied) into the items of
    O(cloudops.ecs.ecs_capacity_provider#module:capacity_providers), so one module process converges every provider.
options:
  _input:
    description: The instance groups, each with C(capacity_provider), C(auto_scaling_group_arn), C(managed_scaling),
      C(target_capacity), C(managed_termination_protection) and C(managed_draining).
    type: list
    elements: dict
    required: true
  settings:
    description:
      - C(minimum_scaling_step_size), C(maximum_scaling_step_size), C(instance_warmup_period) and C(tags) (the tags
        of every provider; C(Name) is added per provider).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Every capacity provider in one call
  cloudops.ecs.ecs_capacity_provider:
    capacity_providers: "{{ groups | cloudops.ecs.instance_group_capacity_providers(settings) }}"
"""

RETURN = r"""
_value:
  description: One dict of ecs_capacity_provider options per group.
  type: list
  elements: dict
"""


def _enabled(value):
    return "ENABLED" if value else "DISABLED"


def instance_group_capacity_providers(groups, settings):
    return [{
        "name": group["capacity_provider"],
        "auto_scaling_group_arn": group.get("auto_scaling_group_arn") or "",
        "managed_scaling": {
            "status": _enabled(group.get("managed_scaling")),
            "target_capacity": int(group["target_capacity"]),
            "minimum_scaling_step_size": int(settings["minimum_scaling_step_size"]),
            "maximum_scaling_step_size": int(settings["maximum_scaling_step_size"]),
            "instance_warmup_period": int(settings["instance_warmup_period"]),
        },
        "managed_termination_protection": _enabled(group.get("managed_termination_protection")),
        "managed_draining": _enabled(group.get("managed_draining")),
        "tags": dict(settings.get("tags") or {}, Name=group["capacity_provider"]),
    } for group in groups]


class FilterModule(object):
    def filters(self):
        return {"instance_group_capacity_providers": instance_group_capacity_providers}
