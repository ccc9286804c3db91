from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import aurora_cluster

ARN = "arn:aws:rds:us-east-1:123456789012:cluster:shop-db"
VERSION = "8.0.mysql_aurora.3.08.2"
ARGS = {"cluster_identifier": "shop-db", "mode": "standard", "engine_version": VERSION, "availability_zones": ["us-east-1a"],
        "tags": {"cloudops:stack": "shop"}, "skip_final_snapshot": True}
FILTER = {"Filters": [{"Name": "db-cluster-id", "Values": ["shop-db"]}]}


def cluster(status="available", tags=None, members=True):
    return {"DBClusterIdentifier": "shop-db", "DBClusterArn": ARN, "Status": status, "Engine": "aurora-mysql",
            "EngineVersion": VERSION,
            "MasterUserSecret": {"SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1",
                                 "SecretStatus": "active"},
            "Endpoint": "shop-db.cluster-x.us-east-1.rds.amazonaws.com",
            "DBClusterMembers": [{"DBInstanceIdentifier": "shop-db-1", "IsClusterWriter": True}] if members else [],
            "TagList": [{"Key": k, "Value": v} for k, v in (tags or {"cloudops:stack": "shop"}).items()]}


def instance(status="available"):
    return {"DBInstanceIdentifier": "shop-db-1", "DBClusterIdentifier": "shop-db", "DBInstanceStatus": status,
            "AvailabilityZone": "us-east-1a", "DBInstanceClass": "db.r6g.large"}


def read(stubs, item, instances=None):
    rds = stubs["rds"]
    if item is None:
        rds.add_client_error("describe_db_clusters", "DBClusterNotFoundFault")
        return
    rds.add_response("describe_db_clusters", {"DBClusters": [item]}, {"DBClusterIdentifier": "shop-db"})
    rds.add_response("describe_db_instances", {"DBInstances": instances if instances is not None else [instance()]}, FILTER)


def test_no_change(stubs, run_module):
    read(stubs, cluster())
    result, failed = run_module(aurora_cluster, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["members"][0]["writer"] is True
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["ready"] is True  # a later wait call has nothing to wait for


def test_an_instance_still_creating_is_not_ready(stubs, run_module):
    read(stubs, cluster(), [instance("creating")])
    result, failed = run_module(aurora_cluster, ARGS)
    assert not failed and result["changed"] is False and result["ready"] is False


def test_check_mode_on_an_empty_account(stubs, run_module):
    read(stubs, None)
    result, failed = run_module(aurora_cluster, ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["created_instances"] == ["shop-db-1"]
    assert result["modifications"] == {"create": True} and result["exists"] is False


def test_check_mode_without_engine_version_warns_instead_of_failing(stubs, run_module):
    read(stubs, None)
    result, failed = run_module(aurora_cluster, {"cluster_identifier": "shop-db"}, check_mode=True)
    assert not failed and result["changed"] is False and result["exists"] is False
    assert "does not exist yet" in result["warnings"][0]


def test_tags_change_and_wait_until_available(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    read(stubs, cluster(tags={"cloudops:stack": "shop", "old": "1"}))
    stubs["rds"].add_response("remove_tags_from_resource", {}, {"ResourceName": ARN, "TagKeys": ["old"]})
    read(stubs, cluster(), [instance("modifying")])
    read(stubs, cluster(), [instance()])
    read(stubs, cluster())
    result, failed = run_module(aurora_cluster, dict(ARGS, wait=True))
    assert not failed, result
    assert result["modifications"] == {"tags": {"add": {}, "remove": ["old"]}}
    assert clock.slept == [0.5]
    assert result["ready"] is False  # this run changed something


def test_absent_with_deletion_protection_refuses(stubs, run_module):
    read(stubs, dict(cluster(), DeletionProtection=True))
    result, failed = run_module(aurora_cluster, {"cluster_identifier": "shop-db", "state": "absent"})
    assert failed and "has deletion protection on; refusing to delete it" in result["msg"]


def test_invalid_engine_version_fails_before_any_call(stubs, run_module):
    result, failed = run_module(aurora_cluster, dict(ARGS, engine_version="5.7.mysql_aurora.2.11.2"))
    assert failed and "is not an Aurora MySQL 3.x version" in result["msg"]


def test_aws_error(stubs, run_module):
    stubs["rds"].add_client_error("describe_db_clusters", "AccessDenied", "denied")
    result, failed = run_module(aurora_cluster, ARGS)
    assert failed and result["msg"].startswith("Failed to describe DB cluster shop-db")


def test_a_long_wait_says_what_it_waits_for_every_20s_in_the_progress_file(stubs, run_module, monkeypatch, tmp_path):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    read(stubs, cluster())
    for _poll in range(12):  # at 0, 0.5, 1.13, 1.91, 2.88, 4.1, 5.63, 7.54, 9.92, 12.9, 16.63 and 20 s
        read(stubs, cluster(status="backing-up"), [instance("modifying")])
    read(stubs, cluster(), [instance()])
    read(stubs, cluster())
    path = tmp_path / "progress.log"
    result, failed = run_module(aurora_cluster, dict(ARGS, wait=True, progress_file=str(path)))
    assert not failed, result
    assert path.read_text().splitlines() == [
        "waiting for DB cluster shop-db to be available: 20s of 3600s; shop-db: status backing-up; shop-db-1: status modifying"]


KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
GROUP_ARN = "arn:aws:rds:us-east-1:123456789012:subgrp:shop-db"
OWNED = {"kms_key": {"alias": "shop-db", "description": "Aurora of shop", "tags": {"Name": "shop-db"}},
         "db_subnet_group": {"name": "shop-db", "description": "Private subnets of shop", "subnet_ids": ["subnet-b", "subnet-a"],
                             "tags": {"Name": "shop-db"}}}


def owned_key_and_group(stubs):
    kms, rds = stubs["kms"], stubs["rds"]
    kms.add_response("describe_key", {"KeyMetadata": {"KeyId": "k", "Arn": KEY, "KeyState": "Enabled",
                                                      "Description": "Aurora of shop"}}, {"KeyId": "alias/shop-db"})
    kms.add_response("get_key_rotation_status", {"KeyRotationEnabled": True}, {"KeyId": "k"})
    kms.add_response("list_resource_tags", {"Tags": [{"TagKey": "Name", "TagValue": "shop-db"}], "Truncated": False},
                     {"KeyId": "k"})
    rds.add_response("describe_db_subnet_groups", {"DBSubnetGroups": [{
        "DBSubnetGroupName": "shop-db", "DBSubnetGroupDescription": "Private subnets of shop", "DBSubnetGroupArn": GROUP_ARN,
        "Subnets": [{"SubnetIdentifier": "subnet-a"}, {"SubnetIdentifier": "subnet-b"}]}]}, {"DBSubnetGroupName": "shop-db"})
    rds.add_response("list_tags_for_resource", {"TagList": [{"Key": "Name", "Value": "shop-db"}]}, {"ResourceName": GROUP_ARN})


def test_the_owned_key_and_subnet_group_are_read_in_the_same_call_and_left_alone(stubs, run_module):
    read(stubs, dict(cluster(), KmsKeyId=KEY, DBSubnetGroup="shop-db"))
    owned_key_and_group(stubs)
    result, failed = run_module(aurora_cluster, dict(ARGS, **OWNED))
    assert not failed, result.get("msg")
    assert result["changed"] is False and "changes" not in result and result["ready"] is True
    assert result["kms_key_id"] == KEY


def test_check_mode_on_an_empty_account_plans_the_key_the_subnet_group_and_the_cluster(stubs, run_module):
    read(stubs, None)
    stubs["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": "alias/shop-db"})
    stubs["rds"].add_client_error("describe_db_subnet_groups", "DBSubnetGroupNotFoundFault",
                                  expected_params={"DBSubnetGroupName": "shop-db"})
    result, failed = run_module(aurora_cluster, dict(ARGS, **OWNED), check_mode=True)
    assert not failed, result.get("msg")
    assert result["changes"] == ["create KMS key alias/shop-db (rotation on)", "create DB subnet group shop-db"]
    assert result["modifications"] == {"create": True} and result["exists"] is False


def test_a_subnet_group_on_other_subnets_is_updated(stubs, run_module):
    read(stubs, dict(cluster(), DBSubnetGroup="shop-db"))
    rds = stubs["rds"]
    rds.add_response("describe_db_subnet_groups", {"DBSubnetGroups": [{
        "DBSubnetGroupName": "shop-db", "DBSubnetGroupDescription": "shop-db", "DBSubnetGroupArn": GROUP_ARN,
        "Subnets": [{"SubnetIdentifier": "subnet-a"}]}]}, {"DBSubnetGroupName": "shop-db"})
    rds.add_response("modify_db_subnet_group", {"DBSubnetGroup": {}}, {
        "DBSubnetGroupName": "shop-db", "DBSubnetGroupDescription": "shop-db", "SubnetIds": ["subnet-a", "subnet-c"]})
    result, failed = run_module(aurora_cluster, dict(ARGS, db_subnet_group={"name": "shop-db",
                                                                            "subnet_ids": ["subnet-a", "subnet-c"]}))
    assert not failed, result.get("msg")
    assert result["changes"] == ["update the subnets of DB subnet group shop-db"] and result["ready"] is False
