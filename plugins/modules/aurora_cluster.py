#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aurora_cluster
short_description: Manage an Aurora MySQL cluster and its writer/reader instances as one unit
version_added: 0.1.0
description:
  - Creates, converges or deletes an Aurora MySQL cluster together with its DB instances.
  - The master password is always managed by RDS in Secrets Manager (C(ManageMasterUserPassword));
    no password is ever taken as an option or returned.
  - I(mode=standard) keeps one writer; I(mode=ha) keeps a writer plus a reader in another
    Availability Zone. Switching modes adds or removes the reader in place and never touches the
    writer, whichever instance holds that role after a failover.
  - Creation does not wait unless I(wait=true), so a playbook can start the cluster early and wait
    later (call the module again with only I(cluster_identifier) and I(wait=true)).
  - Options left unset are not managed, so a wait-only call changes nothing.
  - Written because amazon.aws.rds_cluster cannot manage the master password in Secrets Manager
    and reports a change on every run unless security groups are not purged.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  cluster_identifier:
    description: DB cluster identifier.
    type: str
    required: true
  state:
    description: C(present) creates or converges; C(absent) deletes the instances and the cluster.
    type: str
    choices: [present, absent]
    default: present
  mode:
    description: Topology. Unset leaves the instances as they are.
    type: str
    choices: [standard, ha]
  engine_version:
    description: Aurora MySQL 3.x engine version, for example C(8.0.mysql_aurora.3.08.2).
    type: str
  instance_class:
    description:
      - DB instance class for new instances (C(db.r6g.large) when unset). Existing instances of
        another class are reported, not resized.
    type: str
  availability_zones:
    description: AZs for instances, in order of preference (the writer goes to the first).
    type: list
    elements: str
    default: []
  master_username:
    description:
      - Master user name (the password is generated and kept in Secrets Manager). C(admin) when
        unset at creation.
    type: str
  database_name:
    description: Name of the initial database.
    type: str
  kms_key_id:
    description: KMS key (ARN) for storage encryption and for the master user secret.
    type: str
  db_subnet_group_name:
    description: DB subnet group.
    type: str
  db_subnet_group:
    description:
      - A DB subnet group the module owns, created or converged (subnets, description, tags) in the same call; its
        name is used as I(db_subnet_group_name). Not deleted with I(state=absent).
    type: dict
    suboptions:
      name:
        description: Name of the group.
        type: str
        required: true
      description:
        description: Description (the name when unset).
        type: str
      subnet_ids:
        description: Subnets of the group (compared as a set).
        type: list
        elements: str
        required: true
      tags:
        description: Tags of the group (others are removed); unset leaves them alone.
        type: dict
  vpc_security_group_ids:
    description: Security groups of the cluster (compared as a set; purged to exactly this list).
    type: list
    elements: str
  port:
    description: Port.
    type: int
  backup_retention_period:
    description: Days of automated backups.
    type: int
  preferred_backup_window:
    description: Daily backup window (C(hh24:mi-hh24:mi), UTC).
    type: str
  preferred_maintenance_window:
    description: Weekly maintenance window (C(ddd:hh24:mi-ddd:hh24:mi), UTC).
    type: str
  enable_cloudwatch_logs_exports:
    description: Log types exported to CloudWatch Logs.
    type: list
    elements: str
  enable_iam_database_authentication:
    description: IAM database authentication.
    type: bool
  deletion_protection:
    description: Deletion protection.
    type: bool
  copy_tags_to_snapshot:
    description: Copy the cluster tags to snapshots.
    type: bool
  db_cluster_parameter_group_name:
    description: DB cluster parameter group.
    type: str
  tags:
    description: Tags for the cluster and its instances. Omitted (null) = tags are left alone.
  skip_final_snapshot:
    description: With I(state=absent), delete without a final snapshot.
    type: bool
    default: false
  final_snapshot_identifier:
    description: With I(state=absent), the final snapshot name (default C(<cluster>-final-<UTC time>)).
    type: str
  force_disable_deletion_protection:
    description:
      - With I(state=absent), turn deletion protection off first. Without it the module refuses to
        delete a protected cluster.
    type: bool
    default: false
  wait:
    description:
      - Wait until the cluster and its instances are C(available) (or, with I(state=absent), gone).
  wait_timeout:
    default: 3600
extends_documentation_fragment:
  - cloudops.ecs.owned_key
  - cloudops.ecs.tags
  - cloudops.ecs.wait
  - cloudops.ecs.wait.timeout
  - cloudops.ecs.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start an HA Aurora MySQL cluster without waiting
  cloudops.ecs.aurora_cluster:
    cluster_identifier: shop-prod-aurora
    mode: ha
    engine_version: 8.0.mysql_aurora.3.08.2
    instance_class: db.r6g.large
    availability_zones: [us-west-2a, us-west-2b]
    kms_key_id: "{{ key.key_arn }}"
    db_subnet_group_name: shop-prod-database
    vpc_security_group_ids: ["{{ db_sg.group_id }}"]
    backup_retention_period: 7
    enable_cloudwatch_logs_exports: [audit, error, slowquery]
    enable_iam_database_authentication: true
    deletion_protection: true
    copy_tags_to_snapshot: true
    tags:
      cloudops:stack: shop-prod

- name: Later, wait until it is available
  cloudops.ecs.aurora_cluster:
    cluster_identifier: shop-prod-aurora
    wait: true
    wait_timeout: 3600

- name: Delete it, keeping a final snapshot
  cloudops.ecs.aurora_cluster:
    cluster_identifier: shop-prod-aurora
    state: absent
    force_disable_deletion_protection: true
    wait: true
"""

RETURN = r"""
cluster_identifier:
  description: The cluster identifier.
  returned: always
  type: str
exists:
  description: Whether the cluster exists after the run (false in check mode before creation).
  returned: always
  type: bool
status:
  description: Cluster status.
  returned: when the cluster exists
  type: str
  sample: available
cluster_arn:
  description: Cluster ARN.
  returned: when the cluster exists
  type: str
writer_endpoint:
  description: Cluster (writer) endpoint address.
  returned: when the cluster exists
  type: str
reader_endpoint:
  description: Reader endpoint address.
  returned: when the cluster exists
  type: str
port:
  description: Port.
  returned: when the cluster exists
  type: int
master_user_secret_arn:
  description: ARN of the Secrets Manager secret RDS keeps the master password in.
  returned: when the cluster exists
  type: str
kms_key_id:
  description: KMS key ARN of the storage encryption.
  returned: when the cluster exists
  type: str
ready:
  description:
  - True when this run changed nothing and the cluster and every instance are available, so a later
    I(wait=true) call would return at once and can be skipped.
  returned: when I(state=present)
  type: bool
members:
  description: Instances of the cluster, writer first.
  returned: always
  type: list
  elements: dict
  sample: [{"identifier": "demo-aurora-1", "writer": true, "status": "available", "availability_zone": "us-east-1a"}]
created_instances:
  description: Instances created (or that would be in check mode).
  returned: always
  type: list
  elements: str
deleted_instances:
  description: Instances deleted (or that would be in check mode).
  returned: always
  type: list
  elements: str
changes:
  description: Changes of the owned key and subnet group (I(kms_key), I(db_subnet_group)) made (or that would be).
  returned: when there were any
  type: list
  elements: str
modifications:
  description: ModifyDBCluster parameters applied (or that would be).
  returned: always
  type: dict
final_snapshot_identifier:
  description: Final snapshot taken on deletion.
  returned: when I(state=absent) deleted a cluster with a final snapshot
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.db_cluster import AuroraCluster
from ansible_collections.cloudops.ecs.plugins.module_utils.kms import owned_key_argument_spec
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    argument_spec = dict(
        cluster_identifier=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        mode=dict(type="str", choices=["standard", "ha"]),
        engine_version=dict(type="str"),
        instance_class=dict(type="str"),
        availability_zones=dict(type="list", elements="str", default=[]),
        master_username=dict(type="str"),
        database_name=dict(type="str"),
        kms_key_id=dict(type="str"),
        **owned_key_argument_spec(),
        db_subnet_group_name=dict(type="str"),
        db_subnet_group=dict(type="dict", options=dict(
            name=dict(type="str", required=True),
            description=dict(type="str"),
            subnet_ids=dict(type="list", elements="str", required=True),
            tags=dict(type="dict"))),
        vpc_security_group_ids=dict(type="list", elements="str"),
        port=dict(type="int"),
        backup_retention_period=dict(type="int"),
        preferred_backup_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        enable_cloudwatch_logs_exports=dict(type="list", elements="str"),
        enable_iam_database_authentication=dict(type="bool"),
        deletion_protection=dict(type="bool"),
        copy_tags_to_snapshot=dict(type="bool"),
        db_cluster_parameter_group_name=dict(type="str"),
        **tags_argument_spec(),
        skip_final_snapshot=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        force_disable_deletion_protection=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=3600),
    )
    argument_spec.update(progress.argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              mutually_exclusive=[("kms_key", "kms_key_id"), ("db_subnet_group", "db_subnet_group_name")])
    run_service(module, AuroraCluster.from_module(module))


if __name__ == "__main__":
    main()
