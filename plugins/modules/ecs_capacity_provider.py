#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_capacity_provider
short_description: Create, update or delete an ECS capacity provider bound to an Auto Scaling group
version_added: 0.1.0
description:
  - Manages an Amazon ECS capacity provider for an EC2 Auto Scaling group with managed scaling, managed
    termination protection and managed draining.
  - Only options that are set are compared, so AWS's own defaults (for example the maximum scaling step size)
    never cause a change. The Auto Scaling group of an existing provider cannot be changed; the module fails
    and says so instead of silently keeping the old one.
  - A provider still associated with a cluster cannot be deleted; the module names the clusters, or removes it
    from them first (and from their default strategies) when O(detach=true).
  - With O(capacity_providers), converges several providers in one module process; with O(cluster) as well, then
    sets that cluster's capacity providers to the present ones and its default strategy to
    O(default_capacity_provider_strategy) (PutClusterCapacityProviders, only when they differ).
notes:
  - Managed termination protection needs the Auto Scaling group to protect new instances from scale-in
    (C(cloudops.ecs.ecs_autoscaling_group) O(cloudops.ecs.ecs_autoscaling_group#module:new_instances_protected_from_scale_in)).
  - community.aws has no capacity-provider module.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description:
      - Name of the capacity provider (must not start with C(aws), C(ecs) or C(fargate)).
      - Required unless O(capacity_providers) is given.
    type: str
  capacity_providers:
    description:
      - Several capacity providers, each a dict of the options of one (O(name), O(auto_scaling_group_arn),
        O(managed_scaling), ...), converged in order in one module process; the other options are then ignored.
    type: list
    elements: dict
  cluster:
    description:
      - With O(capacity_providers), the cluster whose capacity providers become the present ones of the list (the
        cluster must exist; a provider it had that the list does not name is removed from it).
    type: str
  default_capacity_provider_strategy:
    description: With O(cluster), the cluster's default capacity provider strategy.
    type: list
    elements: dict
    default: []
    suboptions:
      capacity_provider:
        description: Name of a capacity provider of the list.
        type: str
        required: true
      weight:
        description: Relative share of the tasks placed with this provider.
        type: int
        default: 0
      base:
        description: Tasks placed with this provider first.
        type: int
        default: 0
  state:
    description: Whether the capacity provider should exist.
    type: str
    choices: [present, absent]
    default: present
  auto_scaling_group_arn:
    description: ARN of the Auto Scaling group. Required to create the provider.
    type: str
  managed_scaling:
    description: Managed scaling; omitted sub-options keep their current (or AWS default) values.
    type: dict
    suboptions:
      status:
        description: Whether ECS manages the group's scale-in and scale-out actions.
        type: str
        choices: [ENABLED, DISABLED]
        default: ENABLED
      target_capacity:
        description: Target utilisation of the group in percent (1-100).
        type: int
      minimum_scaling_step_size:
        description: Minimum instances added or removed at once (1-10000).
        type: int
      maximum_scaling_step_size:
        description: Maximum instances added or removed at once (1-10000).
        type: int
      instance_warmup_period:
        description: Seconds a new instance takes before it counts towards the group's metrics (0-10000).
        type: int
  managed_termination_protection:
    description: Prevent scale-in of instances that run tasks.
    type: str
    choices: [ENABLED, DISABLED]
  managed_draining:
    description: Drain instances (move their tasks) before the Auto Scaling group terminates them.
    type: str
    choices: [ENABLED, DISABLED]
  detach:
    description:
      - With O(state=absent), first remove the provider from every cluster it is associated with (and from
        their default strategies). Without it, deleting an associated provider fails and names the clusters.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for an update or a deletion to finish. V(0) does not wait.
    type: int
    default: 300
extends_documentation_fragment:
  - cloudops.ecs.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Capacity provider with managed scaling, termination protection and draining
  cloudops.ecs.ecs_capacity_provider:
    name: shop-prod-ondemand
    auto_scaling_group_arn: "{{ asg.auto_scaling_group_arn }}"
    managed_scaling:
      target_capacity: 90
      minimum_scaling_step_size: 1
      maximum_scaling_step_size: 4
      instance_warmup_period: 180
    managed_termination_protection: ENABLED
    managed_draining: ENABLED
    tags:
      Environment: prod

- name: The capacity providers of two instance groups, associated with their cluster with its default strategy
  cloudops.ecs.ecs_capacity_provider:
    capacity_providers:
      - {name: shop-prod-ondemand, auto_scaling_group_arn: "{{ ondemand_asg_arn }}", managed_termination_protection: ENABLED}
      - {name: shop-prod-spot, auto_scaling_group_arn: "{{ spot_asg_arn }}", managed_termination_protection: ENABLED}
    cluster: shop-prod
    default_capacity_provider_strategy:
      - {capacity_provider: shop-prod-ondemand, weight: 1, base: 1}
      - {capacity_provider: shop-prod-spot, weight: 3}

- name: Remove it from its clusters and delete it
  cloudops.ecs.ecs_capacity_provider:
    name: shop-prod-ondemand
    state: absent
    detach: true
"""

RETURN = r"""
capacity_provider:
  description: The capacity provider (snake case), empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Name.
      type: str
    capacity_provider_arn:
      description: ARN.
      type: str
    status:
      description: ACTIVE or INACTIVE.
      type: str
    auto_scaling_group_provider:
      description: The Auto Scaling group settings.
      type: dict
    tags:
      description: Tags as a dict.
      type: dict
changes:
  description: Fields that were (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
  sample: [managedScaling.targetCapacity]
detached_from:
  description: Clusters the provider was removed from before deletion.
  returned: when O(state=absent)
  type: list
  elements: str
capacity_providers:
  description: With O(capacity_providers), the result of each provider in the same order (the keys above).
  returned: with O(capacity_providers)
  type: list
  elements: dict
cluster:
  description: With O(cluster), the cluster after the association (snake case, as cloudops.ecs.ecs_cluster returns it).
  returned: with O(cluster)
  type: dict
cluster_changes:
  description: With O(cluster), what changed on the cluster (C(capacity_providers) when its providers or strategy did).
  returned: with O(cluster)
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import batch_argument_spec, run_one_or_many, run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.capacity_provider import CapacityProvider
from ansible_collections.cloudops.ecs.plugins.module_utils.capacity_provider import ClusterCapacityProviders
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    auto_scaling_group_arn=dict(type="str"),
    managed_scaling=dict(
        type="dict",
        options=dict(
            status=dict(type="str", choices=["ENABLED", "DISABLED"], default="ENABLED"),
            target_capacity=dict(type="int"),
            minimum_scaling_step_size=dict(type="int"),
            maximum_scaling_step_size=dict(type="int"),
            instance_warmup_period=dict(type="int"),
        ),
    ),
    managed_termination_protection=dict(type="str", choices=["ENABLED", "DISABLED"]),
    managed_draining=dict(type="str", choices=["ENABLED", "DISABLED"]),
    **tags_argument_spec(),
    detach=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=300),
)


def main():
    argument_spec = batch_argument_spec(OPTIONS, "capacity_providers")
    argument_spec.update(
        cluster=dict(type="str"),
        default_capacity_provider_strategy=dict(type="list", elements="dict", default=[], options=dict(
            capacity_provider=dict(type="str", required=True),
            weight=dict(type="int", default=0),
            base=dict(type="int", default=0),
        )),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              mutually_exclusive=[("name", "capacity_providers")],
                              required_by={"cluster": "capacity_providers"})
    if module.params.get("capacity_providers") is None:
        run_one_or_many(module, CapacityProvider, OPTIONS, "capacity_providers")
        return
    cluster = module.params.get("cluster")
    run_service(module, ClusterCapacityProviders.from_module(
        module, item_class=CapacityProvider, options=OPTIONS, many="capacity_providers", key="name", rules={}),
        description="converge the capacity providers" + (" of cluster %s" % cluster if cluster else ""))


if __name__ == "__main__":
    main()
