# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: instance_group_auto_scaling_groups
short_description: The Auto Scaling group options of every instance group, for one ecs_autoscaling_group call
version_added: 0.1.0
description:
  - Turns the normalised instance groups (cloudops.ecs.instance_groups) and their launch templates into the items
    of O(cloudops.ecs.ecs_autoscaling_group#module:auto_scaling_groups), so one module process converges every
    group.
  - A group a capacity provider scales (C(managed_scaling)) keeps the desired capacity the provider chose
    (C(desired_capacity_policy=initial)) and carries the C(AmazonECSManaged) tag; a spot group gets its mixed
    instances policy and capacity rebalancing; managed termination protection protects new instances from scale-in.
options:
  _input:
    description: The normalised instance groups.
    type: list
    elements: dict
    required: true
  templates:
    description:
      - The launch templates of the groups, in the same order (C(launch_templates) of a
        M(cloudops.ecs.launch_templates) result); a group whose template has no id yet (check mode on an empty
        account) gets a placeholder template.
    type: list
    elements: dict
    required: true
  settings:
    description:
      - C(subnet_ids), C(create_empty), C(health_check_grace_period), C(metrics_collection) and C(tags) (the tags
        of every group; C(Name) and C(cloudops:instance-group) are added per group).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Every Auto Scaling group in one call
  cloudops.ecs.ecs_autoscaling_group:
    auto_scaling_groups: "{{ groups | cloudops.ecs.instance_group_auto_scaling_groups(templates.launch_templates, settings) }}"
"""

RETURN = r"""
_value:
  description: One dict of ecs_autoscaling_group options per group.
  type: list
  elements: dict
"""


def instance_group_auto_scaling_groups(groups, templates, settings):
    items = []
    for group, template in zip(groups, list(templates) + [{}] * (len(groups) - len(templates))):
        template = template or {}
        tags = dict(settings.get("tags") or {}, Name=group["resource_name"])
        tags["cloudops:instance-group"] = group["name"]
        if group.get("managed_scaling"):
            tags["AmazonECSManaged"] = ""
        template_id = template.get("launch_template_id")
        item = {
            "name": group["resource_name"],
            "launch_template": {"id": template_id or "lt-pending",
                                "version": str(template_id and template.get("latest_version") or "$Latest")},
            "subnet_ids": list(settings.get("subnet_ids") or []),
            "min_size": int(group["min_size"]),
            "max_size": int(group["max_size"]),
            "desired_capacity": int(group["desired_capacity"]),
            "desired_capacity_policy": "initial" if group.get("managed_scaling") else "enforce",
            "create_empty": bool(settings.get("create_empty")),
            "health_check_type": "EC2",
            "health_check_grace_period": int(settings["health_check_grace_period"]),
            "new_instances_protected_from_scale_in": bool(group.get("managed_termination_protection")),
            "capacity_rebalance": bool(group.get("spot")),
            "termination_policies": ["Default"],
            "metrics_collection": bool(settings.get("metrics_collection")),
            "tags": tags,
            "propagate_at_launch": True,
        }
        if group.get("spot"):
            item["mixed_instances_policy"] = {
                "instance_types": list(group["instance_types"]),
                "on_demand_base_capacity": int(group["on_demand_base_capacity"]),
                "on_demand_percentage_above_base_capacity": int(group["on_demand_percentage_above_base_capacity"]),
                "spot_allocation_strategy": group["spot_allocation_strategy"],
            }
        items.append(item)
    return items


class FilterModule(object):
    def filters(self):
        return {"instance_group_auto_scaling_groups": instance_group_auto_scaling_groups}
