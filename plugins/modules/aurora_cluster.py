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
    description: Tags for the cluster and its instances.
    type: dict
  purge_tags:
    description: Remove tags not in I(tags).
    type: bool
    default: true
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
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait before failing.
    type: int
    default: 3600
extends_documentation_fragment:
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
modifications:
  description: ModifyDBCluster parameters applied (or that would be).
  returned: always
  type: dict
final_snapshot_identifier:
  description: Final snapshot taken on deletion.
  returned: when I(state=absent) deleted a cluster with a final snapshot
  type: str
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import cluster_modifications
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import final_snapshot_name
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import member_states
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import plan_members
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import valid_engine_version
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import aurora_cluster_available

MANAGED = (
    "engine_version", "kms_key_id", "db_subnet_group_name", "vpc_security_group_ids", "port",
    "backup_retention_period", "preferred_backup_window", "preferred_maintenance_window",
    "enable_cloudwatch_logs_exports", "enable_iam_database_authentication", "deletion_protection",
    "copy_tags_to_snapshot", "db_cluster_parameter_group_name", "master_username",
)


class Aurora:
    def __init__(self, module):
        self.module = module
        self.client = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
        self.identifier = module.params["cluster_identifier"]

    def cluster(self):
        try:
            clusters = self.client.describe_db_clusters(aws_retry=True, DBClusterIdentifier=self.identifier)["DBClusters"]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="Unable to describe DB cluster %s" % self.identifier)
        return clusters[0] if clusters else None

    def instances(self):
        try:
            paginator = self.client.get_paginator("describe_db_instances")
            pages = paginator.paginate(Filters=[{"Name": "db-cluster-id", "Values": [self.identifier]}])
            found = pages.build_full_result()["DBInstances"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Unable to describe the instances of %s" % self.identifier)
        return [i for i in found if i.get("DBClusterIdentifier") == self.identifier]

    def call(self, method, msg, **params):
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=msg)


def desired_settings(params):
    desired = dict((key, params.get(key)) for key in MANAGED)
    desired["storage_encrypted"] = True if params.get("kms_key_id") else None
    desired["manage_master_user_password"] = True
    desired["master_user_secret_kms_key_id"] = params.get("kms_key_id")
    return desired


def create_params(params, tags):
    request = {
        "DBClusterIdentifier": params["cluster_identifier"],
        "Engine": "aurora-mysql",
        "EngineVersion": params["engine_version"],
        "MasterUsername": params.get("master_username") or "admin",
        "ManageMasterUserPassword": True,
        "StorageEncrypted": True,
        "Tags": tags,
    }
    optional = {
        "DatabaseName": "database_name",
        "KmsKeyId": "kms_key_id",
        "MasterUserSecretKmsKeyId": "kms_key_id",
        "DBSubnetGroupName": "db_subnet_group_name",
        "VpcSecurityGroupIds": "vpc_security_group_ids",
        "Port": "port",
        "BackupRetentionPeriod": "backup_retention_period",
        "PreferredBackupWindow": "preferred_backup_window",
        "PreferredMaintenanceWindow": "preferred_maintenance_window",
        "EnableCloudwatchLogsExports": "enable_cloudwatch_logs_exports",
        "EnableIAMDatabaseAuthentication": "enable_iam_database_authentication",
        "DeletionProtection": "deletion_protection",
        "CopyTagsToSnapshot": "copy_tags_to_snapshot",
        "DBClusterParameterGroupName": "db_cluster_parameter_group_name",
    }
    for key, option in optional.items():
        if params.get(option) not in (None, ""):
            request[key] = params[option]
    return request


def summary(cluster, members):
    if not cluster:
        return {"exists": False, "members": members}
    return {
        "exists": True,
        "status": cluster.get("Status"),
        "cluster_arn": cluster.get("DBClusterArn"),
        "writer_endpoint": cluster.get("Endpoint"),
        "reader_endpoint": cluster.get("ReaderEndpoint"),
        "port": cluster.get("Port"),
        "master_user_secret_arn": (cluster.get("MasterUserSecret") or {}).get("SecretArn"),
        "kms_key_id": cluster.get("KmsKeyId"),
        "engine_version": cluster.get("EngineVersion"),
        "deletion_protection": cluster.get("DeletionProtection"),
        "members": members,
    }


def diff_view(cluster, members):
    if not cluster:
        return {}
    view = dict((k, cluster.get(k)) for k in (
        "EngineVersion", "BackupRetentionPeriod", "DeletionProtection", "CopyTagsToSnapshot",
        "IAMDatabaseAuthenticationEnabled", "DBClusterParameterGroup", "PreferredBackupWindow",
        "PreferredMaintenanceWindow"))
    view["EnabledCloudwatchLogsExports"] = sorted(cluster.get("EnabledCloudwatchLogsExports") or [])
    view["VpcSecurityGroupIds"] = sorted(g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups") or [])
    view["Tags"] = boto3_tag_list_to_ansible_dict(cluster.get("TagList") or [])
    view["Instances"] = ["%s (%s, %s)" % (m["identifier"], "writer" if m["writer"] else "reader", m["availability_zone"]) for m in members]
    return view


def wait_for(module, aurora, predicate, what):
    deadline = time.time() + module.params["wait_timeout"]
    delay = 2
    while True:
        ready, reasons = predicate()
        if ready:
            return
        if time.time() >= deadline:
            module.fail_json(msg="Timed out after %ss waiting for %s: %s" % (module.params["wait_timeout"], what, "; ".join(reasons)),
                             reasons=reasons, cluster_identifier=aurora.identifier)
        time.sleep(min(delay, max(0, deadline - time.time())))
        delay = min(delay * 2, 20)


def ensure_present(module, aurora):
    params = module.params
    check = module.check_mode
    tags = params.get("tags")
    result = {"changed": False, "created_instances": [], "deleted_instances": [], "modifications": {}}
    cluster = aurora.cluster()
    instances = aurora.instances() if cluster else []
    before = diff_view(cluster, member_states(cluster, instances))

    if cluster is None:
        missing = [name for name in ("engine_version",) if not params.get(name)]
        if missing and check:
            result.update(exists=False, members=[], diff={"before": {}, "after": {}})
            module.warn("DB cluster %s does not exist yet (nothing to wait for in check mode)" % aurora.identifier)
            return result
        if missing:
            module.fail_json(msg="DB cluster %s does not exist; creating it needs %s (run the role's main entry point first)"
                             % (aurora.identifier, ", ".join(missing)))
        result["changed"] = True
        if not check:
            cluster = aurora.call("create_db_cluster", "Unable to create DB cluster %s" % aurora.identifier,
                                  **create_params(params, ansible_dict_to_boto3_tag_list(tags or {})))["DBCluster"]
        result["modifications"] = {"create": True}
    elif cluster.get("Status") in ("deleting",):
        module.fail_json(msg="DB cluster %s is being deleted; wait for the deletion to finish, then run again" % aurora.identifier)
    else:
        mods, immutable = cluster_modifications(cluster, desired_settings(params))
        for name in immutable:
            module.warn("%s of DB cluster %s differs from the requested value and cannot be changed in place" % (name, aurora.identifier))
        if mods:
            result["changed"] = True
            result["modifications"] = dict(mods)
            if not check:
                cluster = aurora.call("modify_db_cluster", "Unable to modify DB cluster %s" % aurora.identifier,
                                      DBClusterIdentifier=aurora.identifier, ApplyImmediately=True, **mods)["DBCluster"]
        if tags is not None:
            current_tags = boto3_tag_list_to_ansible_dict(cluster.get("TagList") or [])
            add, remove = compare_aws_tags(current_tags, tags, purge_tags=params["purge_tags"])
            if add or remove:
                result["changed"] = True
                result["modifications"]["tags"] = {"add": add, "remove": remove}
                if not check:
                    if remove:
                        aurora.call("remove_tags_from_resource", "Unable to untag %s" % aurora.identifier,
                                    ResourceName=cluster["DBClusterArn"], TagKeys=remove)
                    if add:
                        aurora.call("add_tags_to_resource", "Unable to tag %s" % aurora.identifier,
                                    ResourceName=cluster["DBClusterArn"], Tags=ansible_dict_to_boto3_tag_list(add))

    members = member_states(cluster, instances)
    if params.get("mode"):
        plan = plan_members(aurora.identifier, members, params["mode"], params["availability_zones"])
        for new in plan["create"]:
            result["changed"] = True
            result["created_instances"].append(new["identifier"])
            if check:
                continue
            request = {
                "DBInstanceIdentifier": new["identifier"],
                "DBClusterIdentifier": aurora.identifier,
                "Engine": "aurora-mysql",
                "DBInstanceClass": params["instance_class"] or "db.r6g.large",
                "PubliclyAccessible": False,
                "AutoMinorVersionUpgrade": True,
                "CopyTagsToSnapshot": True,
                "Tags": ansible_dict_to_boto3_tag_list(dict(tags or {}, Name=new["identifier"]) if tags is not None else {}),
            }
            if new["availability_zone"]:
                request["AvailabilityZone"] = new["availability_zone"]
            subnet_group = params.get("db_subnet_group_name") or (cluster or {}).get("DBSubnetGroup")
            if subnet_group:
                request["DBSubnetGroupName"] = subnet_group
            aurora.call("create_db_instance", "Unable to create DB instance %s" % new["identifier"], **request)
        for name in plan["delete"]:
            result["changed"] = True
            result["deleted_instances"].append(name)
            if not check:
                aurora.call("delete_db_instance", "Unable to delete DB instance %s" % name, DBInstanceIdentifier=name)
        if (plan["create"] or plan["delete"]) and not check:
            cluster = aurora.cluster()
            members = member_states(cluster, aurora.instances())
        elif plan["create"] or plan["delete"]:
            members = [m for m in members if m["identifier"] not in plan["delete"]] + [
                {"identifier": n["identifier"], "writer": False, "status": "creating", "availability_zone": n["availability_zone"],
                 "instance_class": params["instance_class"]} for n in plan["create"]]
        for member in members:
            if (params["instance_class"] and member["status"] not in ("deleting", "creating") and member["instance_class"]
                    and member["instance_class"] != params["instance_class"]):
                module.warn("DB instance %s is %s, not %s; resize it in a maintenance window (not changed automatically)"
                            % (member["identifier"], member["instance_class"], params["instance_class"]))

    if params["wait"] and not check and cluster is not None:
        expected = None
        if params.get("mode"):
            expected = {"standard": 1, "ha": 2}[params["mode"]]

        def ready():
            current = aurora.cluster()
            return aurora_cluster_available(current, aurora.instances(), expected)

        wait_for(module, aurora, ready, "DB cluster %s to be available" % aurora.identifier)
        cluster = aurora.cluster()
        members = member_states(cluster, aurora.instances())

    if check and result["changed"] and before:
        after = dict(before)
        for key, value in result["modifications"].items():
            if key not in ("tags", "create"):
                after[key] = value
        after["Instances"] = ["%s (%s, %s)" % (m["identifier"], "writer" if m["writer"] else "reader", m["availability_zone"]) for m in members]
    else:
        after = diff_view(cluster, members) if cluster else {"DBClusterIdentifier": aurora.identifier, "create": True}
    result.update(summary(cluster, members))
    result["diff"] = {"before": before, "after": after}
    return result


def ensure_absent(module, aurora):
    params = module.params
    check = module.check_mode
    result = {"changed": False, "created_instances": [], "deleted_instances": [], "modifications": {}, "members": []}
    cluster = aurora.cluster()
    if cluster is None:
        result["exists"] = False
        return result
    instances = aurora.instances()
    before = diff_view(cluster, member_states(cluster, instances))
    if cluster.get("Status") != "deleting":
        if cluster.get("DeletionProtection"):
            if not params["force_disable_deletion_protection"]:
                module.fail_json(msg="DB cluster %s has deletion protection on; refusing to delete it. Turn it off first "
                                     "(database_deletion_protection: false and converge) or pass force_disable_deletion_protection=true "
                                     "(role: database_force_destroy: true)" % aurora.identifier)
            result["modifications"]["DeletionProtection"] = False
            if not check:
                aurora.call("modify_db_cluster", "Unable to turn deletion protection off on %s" % aurora.identifier,
                            DBClusterIdentifier=aurora.identifier, DeletionProtection=False, ApplyImmediately=True)
        for instance in instances:
            if instance.get("DBInstanceStatus") in ("deleting", "deleted"):
                continue
            result["deleted_instances"].append(instance["DBInstanceIdentifier"])
            if not check:
                aurora.call("delete_db_instance", "Unable to delete DB instance %s" % instance["DBInstanceIdentifier"],
                            DBInstanceIdentifier=instance["DBInstanceIdentifier"])
        request = {"DBClusterIdentifier": aurora.identifier}
        if params["skip_final_snapshot"]:
            request["SkipFinalSnapshot"] = True
        else:
            snapshot = params.get("final_snapshot_identifier") or final_snapshot_name(aurora.identifier, time.strftime("%Y%m%d%H%M%S", time.gmtime()))
            request["FinalDBSnapshotIdentifier"] = snapshot
            result["final_snapshot_identifier"] = snapshot
        if not check:
            aurora.call("delete_db_cluster", "Unable to delete DB cluster %s" % aurora.identifier, **request)
        result["changed"] = True
    if params["wait"] and not check:
        wait_for(module, aurora, lambda: (aurora.cluster() is None, ["cluster %s still exists" % aurora.identifier]),
                 "DB cluster %s to be deleted" % aurora.identifier)
        result["exists"] = False
    else:
        result["exists"] = not check and aurora.cluster() is not None
    result["diff"] = {"before": before, "after": {}}
    return result


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
        db_subnet_group_name=dict(type="str"),
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
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        skip_final_snapshot=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        force_disable_deletion_protection=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=3600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    version = module.params.get("engine_version")
    if version and not valid_engine_version(version):
        module.fail_json(msg="engine_version %r is not an Aurora MySQL 3.x version (8.0.mysql_aurora.3.<minor>.<patch>)" % version)
    retention = module.params.get("backup_retention_period")
    if retention is not None and not 1 <= retention <= 35:
        module.fail_json(msg="backup_retention_period must be between 1 and 35 days, got %s" % retention)
    aurora = Aurora(module)
    if module.params["state"] == "present":
        result = ensure_present(module, aurora)
    else:
        result = ensure_absent(module, aurora)
    result["cluster_identifier"] = aurora.identifier
    module.exit_json(**result)


if __name__ == "__main__":
    main()
