# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An Aurora MySQL cluster in standard (writer) or HA (writer + reader) mode (aurora_cluster). The
member plan and modifications are aurora.py's (pure); this class reads, applies them and waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import cluster_modifications
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import final_snapshot_name
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import member_states
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import plan_members
from ansible_collections.cloudops.ecs.plugins.module_utils.aurora import valid_engine_version
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import LazyClients, Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import error_handler
from ansible_collections.cloudops.ecs.plugins.module_utils.kms import converge_owned_key
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import aurora_cluster_available

RdsErrors = error_handler(missing_codes=["DBClusterNotFoundFault"])

MANAGED = (
    "engine_version", "kms_key_id", "db_subnet_group_name", "vpc_security_group_ids", "port",
    "backup_retention_period", "preferred_backup_window", "preferred_maintenance_window",
    "enable_cloudwatch_logs_exports", "enable_iam_database_authentication", "deletion_protection",
    "copy_tags_to_snapshot", "db_cluster_parameter_group_name", "master_username",
)


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
    view["Tags"] = tagging.to_dict(cluster.get("TagList"))
    view["Instances"] = ["%s (%s, %s)" % (m["identifier"], "writer" if m["writer"] else "reader", m["availability_zone"]) for m in members]
    return view


def instances_view(members):
    return ["%s (%s, %s)" % (m["identifier"], "writer" if m["writer"] else "reader", m["availability_zone"]) for m in members]


def validate(params):
    version = params.get("engine_version")
    if version and not valid_engine_version(version):
        raise CloudopsError(message="engine_version %r is not an Aurora MySQL 3.x version "
                                    "(8.0.mysql_aurora.3.<minor>.<patch>)" % version)
    retention = params.get("backup_retention_period")
    if retention is not None and not 1 <= retention <= 35:
        raise CloudopsError(message="backup_retention_period must be between 1 and 35 days, got %s" % retention)


class AuroraCluster(Service):
    SERVICES = ("rds",)

    def __init__(self, *args, **kwargs):
        super(AuroraCluster, self).__init__(*args, **kwargs)
        self.identifier = self.params["cluster_identifier"]
        self.result = {"changed": False, "created_instances": [], "deleted_instances": [], "modifications": {}}

    @classmethod
    def clients_for(cls, module):
        return LazyClients(module)  # kms only with kms_key

    def rds(self, method, description, /, **params):
        return self.call("rds", method, description, **params)

    def change(self, text):
        """Record a change of the owned key or subnet group (the owner interface CustomerKey calls)."""
        self.result["changed"] = True
        self.result.setdefault("changes", []).append(text)

    # -- the key and subnet group the cluster uses, when the module owns them ------------------------------------
    def converge_key(self):
        """`kms_key`: the customer managed key converged (rotation on); its ARN becomes kms_key_id."""
        spec = self.params.get("kms_key")
        if not spec:
            return
        meta = converge_owned_key(self, spec)
        self.params["kms_key_id"] = meta["Arn"] if meta else None

    def converge_subnet_group(self):
        """`db_subnet_group`: the DB subnet group created or converged (subnets, description, tags)."""
        spec = self.params.get("db_subnet_group")
        if not spec:
            return
        name, check = spec["name"], self.check_mode
        self.params["db_subnet_group_name"] = name
        description = spec.get("description") or name
        try:
            self.api_calls += 1
            group = self.clients["rds"].describe_db_subnet_groups(aws_retry=True, DBSubnetGroupName=name)["DBSubnetGroups"][0]
        except is_boto3_error_code("DBSubnetGroupNotFoundFault"):
            group = None
        if group is None:
            self.change("create DB subnet group %s" % name)
            if not check:
                self.rds("create_db_subnet_group", "create DB subnet group %s" % name, DBSubnetGroupName=name,
                         DBSubnetGroupDescription=description, SubnetIds=spec["subnet_ids"],
                         Tags=tagging.to_list(spec.get("tags") or {}))
            return
        current = sorted(s["SubnetIdentifier"] for s in group.get("Subnets") or [])
        if current != sorted(spec["subnet_ids"]) or group.get("DBSubnetGroupDescription") != description:
            self.change("update the subnets of DB subnet group %s" % name)
            if not check:
                self.rds("modify_db_subnet_group", "update DB subnet group %s" % name, DBSubnetGroupName=name,
                         DBSubnetGroupDescription=description, SubnetIds=spec["subnet_ids"])
        if spec.get("tags") is None:
            return
        arn = group["DBSubnetGroupArn"]
        current_tags = tagging.to_dict(self.rds("list_tags_for_resource", "read the tags of DB subnet group %s" % name,
                                                ResourceName=arn).get("TagList"))
        add, remove = tagging.changes(current_tags, spec["tags"], True)
        if add or remove:
            self.change("update the tags of DB subnet group %s" % name)
            self.apply_tags(arn, name, add, remove)

    def apply_tags(self, arn, name, add, remove):
        """Tag changes of an RDS resource (nothing in check mode)."""
        if not self.check_mode and remove:
            self.rds("remove_tags_from_resource", "untag %s" % name, ResourceName=arn, TagKeys=remove)
        if not self.check_mode and add:
            self.rds("add_tags_to_resource", "tag %s" % name, ResourceName=arn, Tags=tagging.to_list(add))

    # -- reads ----------------------------------------------------------------------------------------------
    def cluster(self):
        @RdsErrors.list_error_handler("describe DB cluster %s" % self.identifier)
        def describe():
            clusters = self.clients["rds"].describe_db_clusters(aws_retry=True, DBClusterIdentifier=self.identifier)
            return (clusters["DBClusters"] or [None])[0]
        return describe()

    def instances(self):
        found = self.paginate("rds", "describe_db_instances", "DBInstances", "describe the instances of %s" % self.identifier,
                              Filters=[{"Name": "db-cluster-id", "Values": [self.identifier]}])
        return [i for i in found if i.get("DBClusterIdentifier") == self.identifier]

    def wait_for(self, predicate, what):
        def check():
            ready, reasons = predicate()
            return ready, reasons, None
        try:
            # Started late in a play, the wait often finds the cluster nearly ready: poll soon, then back off.
            self.wait(check, what, interval=0.5)
        except CloudopsError as e:
            e.kwargs["cluster_identifier"] = self.identifier
            raise

    # -- present --------------------------------------------------------------------------------------------
    def converge_cluster(self, cluster):
        """Create or modify the cluster and its tags; returns the cluster (None in check mode on create)."""
        params, check, result = self.params, self.check_mode, self.result
        tags = params.get("tags")
        if cluster is None:
            result["changed"] = True
            result["modifications"] = {"create": True}
            if check:
                return None
            return self.rds("create_db_cluster", "create DB cluster %s" % self.identifier,
                            **create_params(params, tagging.to_list(tags or {})))["DBCluster"]
        if cluster.get("Status") in ("deleting",):
            raise CloudopsError(message="DB cluster %s is being deleted; wait for the deletion to finish, then run again"
                                        % self.identifier)
        mods, immutable = cluster_modifications(cluster, desired_settings(params))
        for name in immutable:
            self.warn("%s of DB cluster %s differs from the requested value and cannot be changed in place"
                      % (name, self.identifier))
        if mods:
            result["changed"] = True
            result["modifications"] = dict(mods)
            if not check:
                cluster = self.rds("modify_db_cluster", "modify DB cluster %s" % self.identifier,
                                   DBClusterIdentifier=self.identifier, ApplyImmediately=True, **mods)["DBCluster"]
        add, remove = tagging.changes(tagging.to_dict(cluster.get("TagList")), tags, params["purge_tags"])
        if add or remove:
            result["changed"] = True
            result["modifications"]["tags"] = {"add": add, "remove": remove}
            self.apply_tags(cluster["DBClusterArn"], self.identifier, add, remove)
        return cluster

    def create_instance(self, cluster, new):
        params, tags = self.params, self.params.get("tags")
        request = {
            "DBInstanceIdentifier": new["identifier"],
            "DBClusterIdentifier": self.identifier,
            "Engine": "aurora-mysql",
            "DBInstanceClass": params["instance_class"] or "db.r6g.large",
            "PubliclyAccessible": False,
            "AutoMinorVersionUpgrade": True,
            "CopyTagsToSnapshot": True,
            "Tags": tagging.to_list(dict(tags or {}, Name=new["identifier"]) if tags is not None else {}),
        }
        if new["availability_zone"]:
            request["AvailabilityZone"] = new["availability_zone"]
        subnet_group = params.get("db_subnet_group_name") or (cluster or {}).get("DBSubnetGroup")
        if subnet_group:
            request["DBSubnetGroupName"] = subnet_group
        self.rds("create_db_instance", "create DB instance %s" % new["identifier"], **request)

    def converge_members(self, cluster, members):
        """Create and delete instances for the mode; returns (cluster, members) as they are (or would be)."""
        params, check, result = self.params, self.check_mode, self.result
        plan = plan_members(self.identifier, members, params["mode"], params["availability_zones"])
        for new in plan["create"]:
            result["changed"] = True
            result["created_instances"].append(new["identifier"])
            if not check:
                self.create_instance(cluster, new)
        for name in plan["delete"]:
            result["changed"] = True
            result["deleted_instances"].append(name)
            if not check:
                self.rds("delete_db_instance", "delete DB instance %s" % name, DBInstanceIdentifier=name)
        if (plan["create"] or plan["delete"]) and not check:
            cluster = self.cluster()
            members = member_states(cluster, self.instances())
        elif plan["create"] or plan["delete"]:
            members = [m for m in members if m["identifier"] not in plan["delete"]] + [
                {"identifier": n["identifier"], "writer": False, "status": "creating",
                 "availability_zone": n["availability_zone"], "instance_class": params["instance_class"]}
                for n in plan["create"]]
        for member in members:
            if (params["instance_class"] and member["status"] not in ("deleting", "creating") and member["instance_class"]
                    and member["instance_class"] != params["instance_class"]):
                self.warn("DB instance %s is %s, not %s; resize it in a maintenance window (not changed automatically)"
                          % (member["identifier"], member["instance_class"], params["instance_class"]))
        return cluster, members

    def present(self):
        params, check, result = self.params, self.check_mode, self.result
        cluster = self.cluster()
        instances = self.instances() if cluster else []
        before = diff_view(cluster, member_states(cluster, instances))
        if cluster is None and not params.get("engine_version"):
            if check:
                self.warn("DB cluster %s does not exist yet (nothing to wait for in check mode)" % self.identifier)
                return dict(result, exists=False, members=[], diff={"before": {}, "after": {}})
            raise CloudopsError(message="DB cluster %s does not exist; creating it needs engine_version (run the role's "
                                        "main entry point first)" % self.identifier)
        self.converge_key()
        self.converge_subnet_group()
        cluster = self.converge_cluster(cluster)
        members = member_states(cluster, instances)
        if params.get("mode"):
            cluster, members = self.converge_members(cluster, members)
        expected = {"standard": 1, "ha": 2}[params["mode"]] if params.get("mode") else None
        if params["wait"] and not check and cluster is not None:
            self.wait_for(lambda: aurora_cluster_available(self.cluster(), self.instances(), expected),
                          "DB cluster %s to be available" % self.identifier)
            cluster = self.cluster()
            instances = self.instances()
            members = member_states(cluster, instances)
        # A run that changed nothing on an available cluster leaves nothing to wait for: a later wait call can be skipped.
        result["ready"] = not result["changed"] and aurora_cluster_available(cluster, instances, expected)[0]
        if check and result["changed"] and before:
            after = dict(before)
            for key, value in result["modifications"].items():
                if key not in ("tags", "create"):
                    after[key] = value
            after["Instances"] = instances_view(members)
        else:
            after = diff_view(cluster, members) if cluster else {"DBClusterIdentifier": self.identifier, "create": True}
        result.update(summary(cluster, members))
        result["diff"] = {"before": before, "after": after}
        return result

    # -- absent ---------------------------------------------------------------------------------------------
    def delete(self, cluster, instances):
        params, check, result = self.params, self.check_mode, self.result
        if cluster.get("DeletionProtection"):
            if not params["force_disable_deletion_protection"]:
                raise CloudopsError(message=(
                    "DB cluster %s has deletion protection on; refusing to delete it. Turn it off first "
                    "(database_deletion_protection: false and converge) or pass force_disable_deletion_protection=true "
                    "(role: database_force_destroy: true)" % self.identifier))
            result["modifications"]["DeletionProtection"] = False
            if not check:
                self.rds("modify_db_cluster", "turn deletion protection off on %s" % self.identifier,
                         DBClusterIdentifier=self.identifier, DeletionProtection=False, ApplyImmediately=True)
        for instance in instances:
            if instance.get("DBInstanceStatus") in ("deleting", "deleted"):
                continue
            result["deleted_instances"].append(instance["DBInstanceIdentifier"])
            if not check:
                self.rds("delete_db_instance", "delete DB instance %s" % instance["DBInstanceIdentifier"],
                         DBInstanceIdentifier=instance["DBInstanceIdentifier"])
        request = {"DBClusterIdentifier": self.identifier}
        if params["skip_final_snapshot"]:
            request["SkipFinalSnapshot"] = True
        else:
            snapshot = params.get("final_snapshot_identifier") or final_snapshot_name(
                self.identifier, time.strftime("%Y%m%d%H%M%S", time.gmtime()))
            request["FinalDBSnapshotIdentifier"] = snapshot
            result["final_snapshot_identifier"] = snapshot
        if not check:
            self.rds("delete_db_cluster", "delete DB cluster %s" % self.identifier, **request)
        result["changed"] = True

    def absent(self):
        result = dict(self.result, members=[])
        self.result = result
        cluster = self.cluster()
        if cluster is None:
            result["exists"] = False
            return result
        instances = self.instances()
        before = diff_view(cluster, member_states(cluster, instances))
        if cluster.get("Status") != "deleting":
            self.delete(cluster, instances)
        if self.params["wait"] and not self.check_mode:
            self.wait_for(lambda: (self.cluster() is None, ["cluster %s still exists" % self.identifier]),
                          "DB cluster %s to be deleted" % self.identifier)
            result["exists"] = False
        else:
            result["exists"] = not self.check_mode and self.cluster() is not None
        result["diff"] = {"before": before, "after": {}}
        return result

    def run(self):
        validate(self.params)
        result = self.present() if self.params["state"] == "present" else self.absent()
        result["cluster_identifier"] = self.identifier
        return result
