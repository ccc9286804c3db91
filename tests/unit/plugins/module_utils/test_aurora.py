"""Aurora planning: drift detection and the member plan for standard/ha switches."""
from ansible_collections.cloudops.ecs.plugins.module_utils import aurora
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import aurora_cluster_available


def member(identifier, writer=False, status="available", az="us-east-1a", cls="db.r6g.large"):
    return {"identifier": identifier, "writer": writer, "status": status, "availability_zone": az, "instance_class": cls}


def test_engine_version_allow_list():
    assert aurora.valid_engine_version("8.0.mysql_aurora.3.08.2")
    assert aurora.valid_engine_version("8.0.mysql_aurora.3.10.0")
    assert not aurora.valid_engine_version("5.7.mysql_aurora.2.11.2")
    assert not aurora.valid_engine_version("8.0.mysql_aurora.3.08")
    assert not aurora.valid_engine_version("16.4")
    assert not aurora.valid_engine_version(None)


def test_standard_on_empty_cluster_creates_writer_in_first_az():
    plan = aurora.plan_members("db", [], "standard", ["us-east-1a", "us-east-1b"])
    assert plan == {"create": [{"identifier": "db-1", "availability_zone": "us-east-1a"}], "delete": []}


def test_ha_on_empty_cluster_spreads_two_instances():
    plan = aurora.plan_members("db", [], "ha", ["us-east-1a", "us-east-1b"])
    assert plan["create"] == [{"identifier": "db-1", "availability_zone": "us-east-1a"},
                              {"identifier": "db-2", "availability_zone": "us-east-1b"}]


def test_ha_adds_reader_in_an_az_the_writer_does_not_use():
    members = [member("db-1", writer=True, az="us-east-1b")]
    plan = aurora.plan_members("db", members, "ha", ["us-east-1a", "us-east-1b"])
    assert plan == {"create": [{"identifier": "db-2", "availability_zone": "us-east-1a"}], "delete": []}


def test_standard_removes_the_reader_even_after_failover():
    members = [member("db-2", writer=True, az="us-east-1b"), member("db-1", az="us-east-1a")]
    assert aurora.plan_members("db", members, "standard", ["us-east-1a", "us-east-1b"]) == {"create": [], "delete": ["db-1"]}


def test_ha_after_failover_reuses_the_free_name():
    members = [member("db-2", writer=True, az="us-east-1b")]
    plan = aurora.plan_members("db", members, "ha", ["us-east-1a", "us-east-1b"])
    assert plan["create"] == [{"identifier": "db-1", "availability_zone": "us-east-1a"}]


def test_instances_being_deleted_do_not_count_and_their_names_are_not_reused():
    members = [member("db-1", writer=True), member("db-2", status="deleting", az="us-east-1b")]
    plan = aurora.plan_members("db", members, "ha", ["us-east-1a", "us-east-1b"])
    assert plan == {"create": [{"identifier": "db-3", "availability_zone": "us-east-1b"}], "delete": []}


def test_converged_plans_nothing():
    members = [member("db-1", writer=True), member("db-2", az="us-east-1b")]
    assert aurora.plan_members("db", members, "ha", ["us-east-1a", "us-east-1b"]) == {"create": [], "delete": []}
    assert aurora.plan_members("db", members[:1], "standard", ["us-east-1a"]) == {"create": [], "delete": []}


def test_never_deletes_the_only_candidate_writer_while_none_is_elected():
    members = [member("db-1", status="creating"), member("db-2", status="creating")]
    assert aurora.plan_members("db", members, "standard", ["us-east-1a"]) == {"create": [], "delete": ["db-2"]}


CURRENT = {
    "BackupRetentionPeriod": 7, "EnabledCloudwatchLogsExports": ["audit", "error"],
    "IAMDatabaseAuthenticationEnabled": True, "DeletionProtection": False, "CopyTagsToSnapshot": True,
    "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1"}], "DBClusterParameterGroup": "default.aurora-mysql8.0",
    "EngineVersion": "8.0.mysql_aurora.3.08.2", "MasterUserSecret": {"SecretArn": "arn"}, "Port": 3306,
    "StorageEncrypted": True, "KmsKeyId": "arn:aws:kms:us-east-1:1:key/abc", "DBSubnetGroup": "sub", "MasterUsername": "admin",
}


def test_unmanaged_options_are_not_compared():
    assert aurora.cluster_modifications(CURRENT, {}) == ({}, [])


def test_drift_becomes_modify_parameters():
    desired = {"backup_retention_period": 14, "enable_cloudwatch_logs_exports": ["audit", "slowquery"],
               "deletion_protection": True, "vpc_security_group_ids": ["sg-2"], "manage_master_user_password": True,
               "kms_key_id": "arn:aws:kms:us-east-1:1:key/abc", "storage_encrypted": True}
    params, immutable = aurora.cluster_modifications(CURRENT, desired)
    assert params == {
        "BackupRetentionPeriod": 14,
        "CloudwatchLogsExportConfiguration": {"EnableLogTypes": ["slowquery"], "DisableLogTypes": ["error"]},
        "DeletionProtection": True,
        "VpcSecurityGroupIds": ["sg-2"],
    }
    assert immutable == []


def test_immutable_differences_are_reported_not_modified():
    params, immutable = aurora.cluster_modifications(CURRENT, {"kms_key_id": "arn:aws:kms:us-east-1:1:key/other",
                                                               "db_subnet_group_name": "new", "master_username": "root"})
    assert params == {}
    assert immutable == ["kms_key_id", "db_subnet_group_name", "master_username"]


def test_unmanaged_password_is_moved_to_secrets_manager():
    current = dict(CURRENT)
    del current["MasterUserSecret"]
    params, _immutable = aurora.cluster_modifications(current, {"manage_master_user_password": True, "master_user_secret_kms_key_id": "k"})
    assert params == {"ManageMasterUserPassword": True, "MasterUserSecretKmsKeyId": "k"}


def test_member_states_join_writer_flags_and_pending_instances():
    cluster = {"DBClusterIdentifier": "db", "DBClusterMembers": [{"DBInstanceIdentifier": "db-2", "IsClusterWriter": True}]}
    instances = [
        {"DBInstanceIdentifier": "db-2", "DBClusterIdentifier": "db", "DBInstanceStatus": "available", "AvailabilityZone": "b", "DBInstanceClass": "c"},
        {"DBInstanceIdentifier": "db-1", "DBClusterIdentifier": "db", "DBInstanceStatus": "creating", "AvailabilityZone": "a", "DBInstanceClass": "c"},
    ]
    states = aurora.member_states(cluster, instances)
    assert [(m["identifier"], m["writer"], m["status"]) for m in states] == [("db-2", True, "available"), ("db-1", False, "creating")]


def test_final_snapshot_name_is_valid():
    assert aurora.final_snapshot_name("shop--prod-aurora", "20260101120000") == "shop-prod-aurora-final-20260101120000"


def test_cluster_available_predicate():
    cluster = {"DBClusterIdentifier": "db", "Status": "available", "DBClusterMembers": [{"DBInstanceIdentifier": "db-1", "IsClusterWriter": True}],
               "MasterUserSecret": {"SecretStatus": "active"}}
    instances = [{"DBInstanceIdentifier": "db-1", "DBInstanceStatus": "available"}]
    assert aurora_cluster_available(cluster, instances, 1) == (True, [])
    ready, reasons = aurora_cluster_available(dict(cluster, Status="creating"), instances + [
        {"DBInstanceIdentifier": "db-2", "DBInstanceStatus": "creating"}], 2)
    assert not ready and reasons == ["db: status creating", "db-2: status creating"]
    assert aurora_cluster_available(cluster, instances, 2) == (False, ["db: 1 instances, 2 expected"])
    assert aurora_cluster_available(None, [], 1) == (False, ["cluster does not exist"])
    assert aurora_cluster_available(dict(cluster, DBClusterMembers=[]), instances)[1] == ["db: no writer instance"]
