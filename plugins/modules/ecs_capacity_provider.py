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
notes:
  - Managed termination protection needs the Auto Scaling group to protect new instances from scale-in
    (C(cloudops.ecs.ecs_autoscaling_group) O(cloudops.ecs.ecs_autoscaling_group#module:new_instances_protected_from_scale_in)).
  - community.aws has no capacity-provider module.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Name of the capacity provider (must not start with C(aws), C(ecs) or C(fargate)).
    type: str
    required: true
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
  tags:
    description: Tags. Omitted = left alone.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags).
    type: bool
    default: true
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
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import (
    capacity_provider_changes,
    capacity_provider_desired,
    capacity_provider_update_request,
    capacity_provider_view,
    dict_to_ecs_tags,
    ecs_tags_to_dict,
    strategy_without,
    tag_changes,
    validate_capacity_provider,
)


def describe(module, client, name):
    try:
        result = client.describe_capacity_providers(capacityProviders=[name], include=["TAGS"], aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to describe capacity provider %s" % name)
    for provider in result.get("capacityProviders") or []:
        if provider.get("name") == name and provider.get("status") != "INACTIVE":
            return provider
    return None


def result_provider(provider):
    if not provider:
        return {}
    out = camel_dict_to_snake_dict(dict((k, v) for k, v in provider.items() if k != "tags"))
    out["tags"] = ecs_tags_to_dict(provider.get("tags"))
    return out


def wait_settled(module, client, name):
    """Poll until the provider's update or deletion is no longer in progress (deadline, backoff)."""
    timeout = module.params["wait_timeout"]
    deadline = time.time() + timeout
    delay = 1
    while True:
        provider = describe(module, client, name)
        if provider is None or not str(provider.get("updateStatus", "")).endswith("_IN_PROGRESS"):
            return provider
        if time.time() > deadline:
            module.fail_json(msg="Capacity provider %s still %s after %ss" % (name, provider["updateStatus"], timeout),
                             capacity_provider=result_provider(provider))
        time.sleep(delay)
        delay = min(delay * 2, 10)


def ensure_present(module, client):
    name = module.params["name"]
    desired = capacity_provider_desired(module.params)
    errors = validate_capacity_provider(desired)
    if errors:
        module.fail_json(msg="; ".join(errors))
    provider = describe(module, client, name)
    tags = module.params.get("tags")
    if provider is None:
        after = capacity_provider_view({"name": name, "autoScalingGroupProvider": desired,
                                        "tags": dict_to_ecs_tags(tags)})
        diff = {"before": {}, "after": after}
        if module.check_mode:
            # In check mode on a new stack the group may not exist yet either: report the creation.
            module.exit_json(changed=True, changes=["created"], capacity_provider={}, diff=diff)
        if not desired.get("autoScalingGroupArn"):
            module.fail_json(msg="auto_scaling_group_arn is required to create capacity provider %s" % name)
        request = {"name": name, "autoScalingGroupProvider": desired}
        if tags:
            request["tags"] = dict_to_ecs_tags(tags)
        try:
            provider = client.create_capacity_provider(aws_retry=True, **request)["capacityProvider"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Failed to create capacity provider %s" % name)
        module.exit_json(changed=True, changes=["created"], capacity_provider=result_provider(provider), diff=diff)

    updatable, immutable = capacity_provider_changes(desired, provider)
    if immutable:
        module.fail_json(
            msg="Capacity provider %s is bound to Auto Scaling group %s; the group of a capacity provider cannot "
                "change. Delete the provider (state=absent, detach=true) and create it again, or use another name"
                % (name, provider["autoScalingGroupProvider"].get("autoScalingGroupArn")),
            capacity_provider=result_provider(provider),
        )
    current_tags = ecs_tags_to_dict(provider.get("tags"))
    to_set, to_remove = tag_changes(current_tags, tags, module.params["purge_tags"])
    changes = list(updatable) + (["tags"] if to_set or to_remove else [])
    before = capacity_provider_view(provider)
    after = capacity_provider_view(dict(provider, autoScalingGroupProvider=dict(
        provider["autoScalingGroupProvider"], **capacity_provider_update_request(desired, provider))))
    after["tags"] = dict((k, v) for k, v in dict(current_tags, **to_set).items() if k not in to_remove)
    diff = {"before": before, "after": after}
    if not changes or module.check_mode:
        module.exit_json(changed=bool(changes), changes=changes, capacity_provider=result_provider(provider), diff=diff)
    try:
        if updatable:
            client.update_capacity_provider(
                name=name, autoScalingGroupProvider=capacity_provider_update_request(desired, provider), aws_retry=True
            )
        if to_remove:
            client.untag_resource(resourceArn=provider["capacityProviderArn"], tagKeys=to_remove, aws_retry=True)
        if to_set:
            client.tag_resource(resourceArn=provider["capacityProviderArn"], tags=dict_to_ecs_tags(to_set),
                                aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to update capacity provider %s" % name)
    provider = wait_settled(module, client, name) if module.params["wait_timeout"] else describe(module, client, name)
    module.exit_json(changed=True, changes=changes, capacity_provider=result_provider(provider), diff=diff)


@AWSRetry.jittered_backoff()
def list_cluster_arns(client):
    return client.get_paginator("list_clusters").paginate().build_full_result().get("clusterArns", [])


def clusters_using(module, client, name):
    """Clusters (DescribeClusters items) the provider is associated with."""
    found = []
    try:
        arns = list_cluster_arns(client)
        for start in range(0, len(arns), 100):
            result = client.describe_clusters(clusters=arns[start:start + 100], aws_retry=True)
            for cluster in result.get("clusters") or []:
                if name in (cluster.get("capacityProviders") or []):
                    found.append(cluster)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to find the clusters using capacity provider %s" % name)
    return found


def ensure_absent(module, client):
    name = module.params["name"]
    provider = describe(module, client, name)
    if provider is None:
        module.exit_json(changed=False, changes=[], capacity_provider={}, detached_from=[],
                         diff={"before": {}, "after": {}})
    diff = {"before": capacity_provider_view(provider), "after": {}}
    clusters = clusters_using(module, client, name)
    names = [c["clusterName"] for c in clusters]
    if clusters and not module.params["detach"]:
        module.fail_json(
            msg="Capacity provider %s is still associated with cluster(s) %s: remove it from their capacity "
                "providers first, or set detach=true" % (name, ", ".join(names)),
            clusters=names,
        )
    if module.check_mode:
        module.exit_json(changed=True, changes=["deleted"], capacity_provider=result_provider(provider),
                         detached_from=names, diff=diff)
    try:
        for cluster in clusters:
            providers, strategy = strategy_without(cluster, name)
            client.put_cluster_capacity_providers(
                cluster=cluster["clusterArn"], capacityProviders=providers,
                defaultCapacityProviderStrategy=strategy, aws_retry=True,
            )
        client.delete_capacity_provider(capacityProvider=name, aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to delete capacity provider %s" % name, detached_from=names)
    if module.params["wait_timeout"]:
        wait_settled(module, client, name)
    module.exit_json(changed=True, changes=["deleted"], capacity_provider={}, detached_from=names, diff=diff)


def main():
    argument_spec = dict(
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
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        detach=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    name = module.params["name"]
    if name.lower().startswith(("aws", "ecs", "fargate")):
        module.fail_json(msg="name: capacity provider names cannot start with aws, ecs or fargate (got %s)" % name)
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
