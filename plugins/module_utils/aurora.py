# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning logic for Aurora clusters: which cluster settings drift from the desired ones, and
which member instances to add or remove for a topology mode. No I/O, so every rule is unit-tested on
plain DescribeDBClusters / DescribeDBInstances dicts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

ENGINE_VERSION_PATTERN = r"^8\.0\.mysql_aurora\.3\.\d+\.\d+$"
MODE_SIZES = {"standard": 1, "ha": 2}
GONE_STATES = ("deleting", "deleted")


def valid_engine_version(version):
    """Aurora MySQL 3.x (MySQL 8.0 compatible) versions only, e.g. 8.0.mysql_aurora.3.08.2."""
    return bool(re.match(ENGINE_VERSION_PATTERN, version or ""))


def instance_name(cluster_identifier, index):
    return "%s-%d" % (cluster_identifier, index)


def cluster_modifications(current, desired):
    """ModifyDBCluster parameters that bring `current` (a DescribeDBClusters item) to `desired`.

    `desired` holds module options; a None value means "not managed" and is never compared.
    Returns (params, immutable): params for ModifyDBCluster (without identifier) and a list of
    settings that differ but cannot be changed in place (they need a new cluster)."""
    params = {}
    immutable = []

    def want(key):
        return desired.get(key)

    if want("backup_retention_period") is not None and current.get("BackupRetentionPeriod") != want("backup_retention_period"):
        params["BackupRetentionPeriod"] = want("backup_retention_period")
    if want("preferred_backup_window") and current.get("PreferredBackupWindow") != want("preferred_backup_window"):
        params["PreferredBackupWindow"] = want("preferred_backup_window")
    if want("preferred_maintenance_window") and (current.get("PreferredMaintenanceWindow") or "").lower() != want("preferred_maintenance_window").lower():
        params["PreferredMaintenanceWindow"] = want("preferred_maintenance_window")
    if want("enable_cloudwatch_logs_exports") is not None:
        have = set(current.get("EnabledCloudwatchLogsExports") or [])
        need = set(want("enable_cloudwatch_logs_exports"))
        if have != need:
            params["CloudwatchLogsExportConfiguration"] = {
                "EnableLogTypes": sorted(need - have),
                "DisableLogTypes": sorted(have - need),
            }
    iam_auth = want("enable_iam_database_authentication")
    if iam_auth is not None and bool(current.get("IAMDatabaseAuthenticationEnabled")) != iam_auth:
        params["EnableIAMDatabaseAuthentication"] = iam_auth
    if want("deletion_protection") is not None and bool(current.get("DeletionProtection")) != want("deletion_protection"):
        params["DeletionProtection"] = want("deletion_protection")
    if want("copy_tags_to_snapshot") is not None and bool(current.get("CopyTagsToSnapshot")) != want("copy_tags_to_snapshot"):
        params["CopyTagsToSnapshot"] = want("copy_tags_to_snapshot")
    if want("vpc_security_group_ids") is not None:
        have = set(g["VpcSecurityGroupId"] for g in current.get("VpcSecurityGroups") or [])
        if have != set(want("vpc_security_group_ids")):
            params["VpcSecurityGroupIds"] = sorted(want("vpc_security_group_ids"))
    if want("db_cluster_parameter_group_name") and current.get("DBClusterParameterGroup") != want("db_cluster_parameter_group_name"):
        params["DBClusterParameterGroupName"] = want("db_cluster_parameter_group_name")
    if want("engine_version") and current.get("EngineVersion") != want("engine_version"):
        params["EngineVersion"] = want("engine_version")
    if want("manage_master_user_password") and not current.get("MasterUserSecret"):
        params["ManageMasterUserPassword"] = True
        if want("master_user_secret_kms_key_id"):
            params["MasterUserSecretKmsKeyId"] = want("master_user_secret_kms_key_id")

    if want("port") is not None and current.get("Port") not in (None, want("port")):
        params["Port"] = want("port")
    if want("storage_encrypted") is not None and bool(current.get("StorageEncrypted")) != want("storage_encrypted"):
        immutable.append("storage_encrypted")
    if want("kms_key_id") and current.get("KmsKeyId") and not _same_key(current.get("KmsKeyId"), want("kms_key_id")):
        immutable.append("kms_key_id")
    if want("db_subnet_group_name") and current.get("DBSubnetGroup") != want("db_subnet_group_name"):
        immutable.append("db_subnet_group_name")
    if want("master_username") and current.get("MasterUsername") != want("master_username"):
        immutable.append("master_username")
    return params, immutable


def _same_key(current_arn, wanted):
    """KmsKeyId is reported as a key ARN; the option may be a key ARN, a key id or an alias ARN."""
    if current_arn == wanted:
        return True
    if wanted.startswith("alias/") or ":alias/" in wanted:
        return True  # aliases are resolved by AWS; the role passes the key ARN, so do not guess
    return current_arn.rsplit("/", 1)[-1] == wanted.rsplit("/", 1)[-1]


def member_states(cluster, instances):
    """Join DBClusterMembers (writer flag) with DescribeDBInstances items (status, AZ, class).

    Returns a list of dicts: identifier, writer, status, availability_zone, instance_class, sorted
    writer first, then by identifier."""
    by_id = dict((i["DBInstanceIdentifier"], i) for i in instances)
    members = []
    for member in (cluster or {}).get("DBClusterMembers") or []:
        instance = by_id.get(member["DBInstanceIdentifier"], {})
        members.append({
            "identifier": member["DBInstanceIdentifier"],
            "writer": bool(member.get("IsClusterWriter")),
            "status": instance.get("DBInstanceStatus", "unknown"),
            "availability_zone": instance.get("AvailabilityZone"),
            "instance_class": instance.get("DBInstanceClass"),
        })
    known = set(m["identifier"] for m in members)
    for instance in instances:  # instances still being created may not be listed as members yet
        if instance["DBInstanceIdentifier"] not in known and instance.get("DBClusterIdentifier") == (cluster or {}).get("DBClusterIdentifier"):
            members.append({
                "identifier": instance["DBInstanceIdentifier"],
                "writer": False,
                "status": instance.get("DBInstanceStatus", "unknown"),
                "availability_zone": instance.get("AvailabilityZone"),
                "instance_class": instance.get("DBInstanceClass"),
            })
    members.sort(key=lambda m: (not m["writer"], m["identifier"]))
    return members


def plan_members(cluster_identifier, members, mode, availability_zones):
    """Instances to create and delete so the cluster has the size `mode` asks for.

    standard = one writer; ha = a writer plus a reader in another AZ. The writer is never removed,
    whichever instance holds that role after a failover; readers are removed newest name first; a
    new reader goes to the first AZ (in `availability_zones` order) no live member uses yet.
    Returns {"create": [{"identifier", "availability_zone"}], "delete": [identifier, ...]}."""
    size = MODE_SIZES[mode]
    live = [m for m in members if m["status"] not in GONE_STATES]
    used_names = set(m["identifier"] for m in members)
    create, delete = [], []
    if len(live) > size:
        readers = sorted((m for m in live if not m["writer"]), key=lambda m: _name_key(m["identifier"]), reverse=True)
        if not any(m["writer"] for m in live):
            readers = readers[:-1]  # no writer elected yet: keep the oldest as the writer-to-be
        for member in readers[: len(live) - size]:
            delete.append(member["identifier"])
    elif len(live) < size:
        used_azs = [m["availability_zone"] for m in live if m["availability_zone"]]
        index = 1
        for _count in range(size - len(live)):
            while instance_name(cluster_identifier, index) in used_names:
                index += 1
            name = instance_name(cluster_identifier, index)
            used_names.add(name)
            free = [az for az in availability_zones if az not in used_azs]
            zone = (free or list(availability_zones) or [None])[0]
            if zone:
                used_azs.append(zone)
            create.append({"identifier": name, "availability_zone": zone})
    return {"create": create, "delete": delete}


def _name_key(identifier):
    tail = identifier.rsplit("-", 1)[-1]
    return (int(tail) if tail.isdigit() else -1, identifier)


def final_snapshot_name(cluster_identifier, stamp):
    """A DB cluster snapshot identifier: letters, digits, hyphens, at most 255, no double hyphen."""
    name = re.sub(r"[^A-Za-z0-9-]", "-", "%s-final-%s" % (cluster_identifier, stamp))
    name = re.sub(r"-+", "-", name).strip("-")
    return name[:255]
