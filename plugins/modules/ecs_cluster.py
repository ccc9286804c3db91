#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_cluster
short_description: Create, update or delete an ECS cluster with settings, ECS Exec configuration and capacity providers
version_added: 0.1.0
description:
  - Creates, converges or deletes an Amazon ECS cluster.
  - Manages Container Insights (V(enabled), V(enhanced) or V(disabled)), the ECS Exec configuration (logging
    override to a CloudWatch log group and/or S3 with KMS), Service Connect defaults, tags, the capacity
    providers associated with the cluster and its default capacity-provider strategy.
  - Only the options given are managed; an omitted option leaves that part of the cluster alone.
  - Check mode and C(--diff) report exactly what would change; a second run with the same options makes no
    API write and reports no change.
notes:
  - C(community.aws.ecs_cluster) cannot manage cluster settings (Container Insights) or the ECS Exec
    configuration, and fails with a KeyError when DescribeClusters omits empty capacity-provider fields
    (as some endpoints do). This module handles both.
  - Deleting a cluster that still has services or registered container instances fails with the list of
    them unless O(force=true), which deletes the services (scaled to zero) and deregisters the instances.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Name of the cluster.
    type: str
    required: true
  state:
    description: Whether the cluster should exist.
    type: str
    choices: [present, absent]
    default: present
  settings:
    description: Cluster settings. Omitted settings are left as they are.
    type: dict
    suboptions:
      container_insights:
        description: CloudWatch Container Insights for the cluster.
        type: str
        choices: [enabled, enhanced, disabled]
  execute_command_configuration:
    description:
      - ECS Exec configuration. Omitted = left alone.
    type: dict
    suboptions:
      kms_key_id:
        description: KMS key (id or ARN) that encrypts the data channel between the client and the container.
        type: str
      logging:
        description: Where ECS Exec session output goes. V(OVERRIDE) uses O(execute_command_configuration.log_configuration).
        type: str
        choices: [NONE, DEFAULT, OVERRIDE]
        default: DEFAULT
      log_configuration:
        description: Log destinations when O(execute_command_configuration.logging=OVERRIDE).
        type: dict
        suboptions:
          cloud_watch_log_group_name:
            description: CloudWatch log group for session output.
            type: str
          cloud_watch_encryption_enabled:
            description: Require the log group to be encrypted.
            type: bool
          s3_bucket_name:
            description: S3 bucket for session output.
            type: str
          s3_encryption_enabled:
            description: Require the bucket to be encrypted.
            type: bool
          s3_key_prefix:
            description: Key prefix in the bucket.
            type: str
  service_connect_namespace:
    description:
      - Cloud Map namespace (name or ARN) used as the cluster's Service Connect default. A name is resolved
        to its ARN. An empty string removes the default. Omitted = left alone.
    type: str
  capacity_providers:
    description:
      - The complete list of capacity providers associated with the cluster. Omitted = left alone.
    type: list
    elements: str
  default_capacity_provider_strategy:
    description:
      - The cluster's default capacity-provider strategy. Omitted with O(capacity_providers) given = the
        current strategy without the providers no longer listed.
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: Capacity provider name.
        type: str
        required: true
      weight:
        description: Relative share of tasks placed with this provider (0-1000).
        type: int
        default: 0
      base:
        description: Tasks placed with this provider first (0-100000); only one entry may have a base.
        type: int
        default: 0
  tags:
    description: Tags of the cluster. Omitted = left alone.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags).
    type: bool
    default: true
  force:
    description:
      - With O(state=absent), delete the cluster's services (scaled to zero) and deregister its container
        instances first. Without it, deleting a cluster that has either fails and lists them.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for services to drain away when O(force=true).
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Cluster with Container Insights and ECS Exec logging to an encrypted log group
  cloudops.ecs.ecs_cluster:
    name: shop-prod
    settings:
      container_insights: enabled
    execute_command_configuration:
      kms_key_id: "{{ exec_kms_key_arn }}"
      logging: OVERRIDE
      log_configuration:
        cloud_watch_log_group_name: /shop-prod/ecs-exec
        cloud_watch_encryption_enabled: true
    tags:
      Environment: prod

- name: Associate capacity providers and set the default strategy
  cloudops.ecs.ecs_cluster:
    name: shop-prod
    capacity_providers: [shop-prod-ondemand, shop-prod-spot]
    default_capacity_provider_strategy:
      - capacity_provider: shop-prod-ondemand
        base: 2
        weight: 1
      - capacity_provider: shop-prod-spot
        weight: 3

- name: Delete the cluster, its services and container instance registrations
  cloudops.ecs.ecs_cluster:
    name: shop-prod
    state: absent
    force: true
"""

RETURN = r"""
cluster:
  description: The cluster as DescribeClusters returns it (snake case), empty when absent.
  returned: always
  type: dict
  contains:
    cluster_name:
      description: Name.
      type: str
      sample: shop-prod
    cluster_arn:
      description: ARN.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:cluster/shop-prod
    status:
      description: Status.
      type: str
      sample: ACTIVE
    settings:
      description: Cluster settings.
      type: list
      elements: dict
    capacity_providers:
      description: Associated capacity providers.
      type: list
      elements: str
    default_capacity_provider_strategy:
      description: Default strategy.
      type: list
      elements: dict
    tags:
      description: Tags as a dict.
      type: dict
changes:
  description: Which parts of the cluster were (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
  sample: [settings, capacity_providers]
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import (
    cluster_changes,
    cluster_desired,
    current_cluster_view,
    desired_cluster_view,
    dict_to_ecs_tags,
    ecs_tags_to_dict,
    tag_changes,
    validate_strategy,
)

INCLUDE = ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "TAGS"]


def describe_cluster(module, client, name):
    try:
        result = client.describe_clusters(clusters=[name], include=INCLUDE, aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to describe cluster %s" % name)
    for cluster in result.get("clusters") or []:
        if cluster.get("status") != "INACTIVE":
            return cluster
    return None


def resolve_namespace(module, name_or_arn):
    """A Cloud Map namespace ARN from a name or ARN (None = option not set, '' = remove)."""
    if name_or_arn is None or name_or_arn == "" or name_or_arn.startswith("arn:"):
        return name_or_arn
    client = module.client("servicediscovery")
    try:
        for namespace in list_all(client, "list_namespaces", "Namespaces"):
            if namespace["Name"] == name_or_arn:
                return namespace["Arn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to list Cloud Map namespaces")
    module.fail_json(msg="service_connect_namespace: no Cloud Map namespace named %s; create it or pass its ARN"
                     % name_or_arn)


def result_cluster(cluster):
    if not cluster:
        return {}
    tags = ecs_tags_to_dict(cluster.get("tags"))
    out = camel_dict_to_snake_dict(dict((k, v) for k, v in cluster.items() if k != "tags"))
    out["tags"] = tags
    out.setdefault("capacity_providers", [])
    out.setdefault("default_capacity_provider_strategy", [])
    return out


def diff_view(view):
    if not view:
        return {}
    return {
        "settings": view["settings"],
        "execute_command_configuration": view["executeCommandConfiguration"],
        "service_connect_namespace": view["serviceConnectNamespace"],
        "capacity_providers": view["capacityProviders"],
        "default_capacity_provider_strategy": view["defaultCapacityProviderStrategy"],
        "tags": view["tags"],
    }


def ensure_present(module, client):
    params = module.params
    name = params["name"]
    desired = cluster_desired(params, resolve_namespace(module, params.get("service_connect_namespace")))
    cluster = describe_cluster(module, client, name)
    current = current_cluster_view(cluster)
    wanted = desired_cluster_view(desired, current)
    errors = validate_strategy(
        wanted["capacityProviders"] if (desired["capacityProviders"] is not None
                                        or desired["defaultCapacityProviderStrategy"] is not None) else None,
        desired["defaultCapacityProviderStrategy"],
    )
    if errors:
        module.fail_json(msg="; ".join(errors))

    diff = {"before": diff_view(current), "after": diff_view(wanted)}
    if cluster is None:
        changes = ["created"]
        if module.check_mode:
            module.exit_json(changed=True, changes=changes, cluster={}, diff=diff)
        request = {"clusterName": name}
        if wanted["settings"]:
            request["settings"] = [{"name": k, "value": v} for k, v in sorted(wanted["settings"].items())]
        if wanted["executeCommandConfiguration"]:
            request["configuration"] = {"executeCommandConfiguration": wanted["executeCommandConfiguration"]}
        if wanted["serviceConnectNamespace"]:
            request["serviceConnectDefaults"] = {"namespace": wanted["serviceConnectNamespace"]}
        if wanted["tags"]:
            request["tags"] = dict_to_ecs_tags(wanted["tags"])
        try:
            cluster = client.create_cluster(aws_retry=True, **request)["cluster"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Failed to create cluster %s" % name)
        # Capacity providers go through PutClusterCapacityProviders, which also waits for nothing and
        # lets the same code path serve create and update.
        current = current_cluster_view(describe_cluster(module, client, name) or cluster)
        remaining = cluster_changes(current, wanted) - {"tags"}
        apply_changes(module, client, name, cluster, current, wanted, remaining)
    else:
        changes = sorted(cluster_changes(current, wanted))
        if changes and not module.check_mode:
            apply_changes(module, client, name, cluster, current, wanted, set(changes))
    if module.check_mode:
        module.exit_json(changed=bool(changes), changes=changes, cluster=result_cluster(cluster), diff=diff)
    final = describe_cluster(module, client, name)
    module.exit_json(changed=bool(changes), changes=changes, cluster=result_cluster(final), diff=diff)


def apply_changes(module, client, name, cluster, current, wanted, changes):
    try:
        update = {}
        if "settings" in changes:
            update["settings"] = [{"name": "containerInsights", "value": wanted["settings"]["containerInsights"]}]
        if "configuration" in changes:
            update["configuration"] = {"executeCommandConfiguration": wanted["executeCommandConfiguration"]}
        if "service_connect" in changes:
            update["serviceConnectDefaults"] = {"namespace": wanted["serviceConnectNamespace"] or ""}
        if update:
            client.update_cluster(cluster=name, aws_retry=True, **update)
        if "capacity_providers" in changes:
            client.put_cluster_capacity_providers(
                cluster=name,
                capacityProviders=wanted["capacityProviders"],
                defaultCapacityProviderStrategy=wanted["defaultCapacityProviderStrategy"],
                aws_retry=True,
            )
        if "tags" in changes:
            to_set, to_remove = tag_changes(current["tags"], wanted["tags"], True)
            arn = cluster["clusterArn"]
            if to_remove:
                client.untag_resource(resourceArn=arn, tagKeys=to_remove, aws_retry=True)
            if to_set:
                client.tag_resource(resourceArn=arn, tags=dict_to_ecs_tags(to_set), aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to update cluster %s (%s)" % (name, ", ".join(sorted(changes))))


@AWSRetry.jittered_backoff()
def list_all(client, method, key, **kwargs):
    return client.get_paginator(method).paginate(**kwargs).build_full_result().get(key, [])


def ensure_absent(module, client):
    name = module.params["name"]
    cluster = describe_cluster(module, client, name)
    if cluster is None:
        module.exit_json(changed=False, changes=[], cluster={}, diff={"before": {}, "after": {}})
    diff = {"before": diff_view(current_cluster_view(cluster)), "after": {}}
    try:
        services = list_all(client, "list_services", "serviceArns", cluster=name)
        instances = list_all(client, "list_container_instances", "containerInstanceArns", cluster=name)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to list what cluster %s still runs" % name)
    if (services or instances) and not module.params["force"]:
        module.fail_json(
            msg="Cluster %s still has %d service(s) and %d container instance(s): delete them first (services "
                "role state absent, ecs_instances_state absent) or set force=true to delete the services and "
                "deregister the instances" % (name, len(services), len(instances)),
            services=services, container_instances=instances,
        )
    if module.check_mode:
        module.exit_json(changed=True, changes=["deleted"], cluster=result_cluster(cluster), diff=diff)
    try:
        for service in services:
            client.update_service(cluster=name, service=service, desiredCount=0, aws_retry=True)
            client.delete_service(cluster=name, service=service, force=True, aws_retry=True)
        for instance in instances:
            client.deregister_container_instance(cluster=name, containerInstance=instance, force=True,
                                                 aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to clear cluster %s" % name)
    deadline = time.time() + module.params["wait_timeout"]
    delay = 1
    while True:
        try:
            client.delete_cluster(cluster=name, aws_retry=True)
            break
        except is_boto3_error_code(["ClusterContainsServicesException", "ClusterContainsTasksException",
                                    "UpdateInProgressException"]) as e:
            if time.time() > deadline:
                module.fail_json_aws(e, msg="Cluster %s still busy after %ss" % (name, module.params["wait_timeout"]))
            time.sleep(delay)
            delay = min(delay * 2, 10)
        except is_boto3_error_code("ClusterNotFoundException"):
            break
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg="Failed to delete cluster %s" % name)
    module.exit_json(changed=True, changes=["deleted"], cluster={}, diff=diff)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        settings=dict(
            type="dict",
            options=dict(container_insights=dict(type="str", choices=["enabled", "enhanced", "disabled"])),
        ),
        execute_command_configuration=dict(
            type="dict",
            options=dict(
                kms_key_id=dict(type="str"),
                logging=dict(type="str", choices=["NONE", "DEFAULT", "OVERRIDE"], default="DEFAULT"),
                log_configuration=dict(
                    type="dict",
                    options=dict(
                        cloud_watch_log_group_name=dict(type="str"),
                        cloud_watch_encryption_enabled=dict(type="bool"),
                        s3_bucket_name=dict(type="str"),
                        s3_encryption_enabled=dict(type="bool"),
                        s3_key_prefix=dict(type="str", no_log=False),
                    ),
                ),
            ),
        ),
        service_connect_namespace=dict(type="str"),
        capacity_providers=dict(type="list", elements="str"),
        default_capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=0),
                base=dict(type="int", default=0),
            ),
        ),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    exec_config = module.params.get("execute_command_configuration")
    if exec_config and exec_config.get("logging") == "OVERRIDE" and not exec_config.get("log_configuration"):
        module.fail_json(msg="execute_command_configuration.logging=OVERRIDE needs log_configuration "
                             "(cloud_watch_log_group_name and/or s3_bucket_name)")
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
