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
  - With O(exec_log_group), also the log group of ECS Exec sessions and the KMS key it owns for them, in the same
    module process.
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
  exec_log_group:
    description:
      - With O(state=present), a CloudWatch log group for ECS Exec sessions with its retention, encrypted with a KMS key
        this module owns (rotation on; its key policy lets the account administer it and the region's CloudWatch Logs
        use it for this group only), converged before the cluster. The exec configuration then logs to the group
        (V(OVERRIDE), encryption required) and its data channel uses the key, unless
        O(execute_command_configuration) names others.
      - The group and key are not deleted with the cluster (the ecs_cluster role removes them).
    type: dict
    suboptions:
      name:
        description: Name of the log group.
        type: str
        required: true
      retention_days:
        description: Days the session logs are kept.
        type: int
        required: true
      key_alias:
        description: Alias of the key the module owns (C(alias/) may be left out); required without O(exec_log_group.kms_key_arn).
        type: str
      kms_key_arn:
        description: A key to encrypt with as it is (its key policy must let CloudWatch Logs use it); no key is made.
        type: str
      key_description:
        description: Description of the key.
        type: str
      tags:
        description: Tags of the key and the group (with C(Name)); converged on an existing group too.
        type: dict
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
  - cloudops.ecs.tags
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

- name: Cluster whose ECS Exec sessions log to a log group, encrypted with a key of its own, both made here
  cloudops.ecs.ecs_cluster:
    name: shop-prod
    exec_log_group:
      name: /shop-prod/ecs-exec
      retention_days: 90
      key_alias: shop-prod-ecs-exec
      key_description: ECS Exec data channel and session logs of shop-prod
      tags: {cloudops:stack: shop-prod}
  register: cluster

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
exec_log_group:
  description: With O(exec_log_group), the log group and the key it is encrypted with (no key ARN in check mode before
    the key exists).
  returned: with O(exec_log_group) and O(state=present)
  type: dict
  contains:
    name:
      description: Name of the log group.
      type: str
    arn:
      description: ARN of the log group.
      type: str
    key_arn:
      description: ARN of the KMS key.
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.cluster import Cluster
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


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
        exec_log_group=dict(type="dict", required_one_of=[("key_alias", "kms_key_arn")], options=dict(
            name=dict(type="str", required=True),
            retention_days=dict(type="int", required=True),
            key_alias=dict(type="str", no_log=False),
            kms_key_arn=dict(type="str", no_log=False),
            key_description=dict(type="str", no_log=False),
            tags=dict(type="dict"),
        )),
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
        **tags_argument_spec(),
        force=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_service(module, Cluster.from_module(module))


if __name__ == "__main__":
    main()
