from ansible_collections.cloudops.ecs.plugins.module_utils.efs import creation_token
from ansible_collections.cloudops.ecs.plugins.modules import efs_access_point, efs_backup_policy, efs_file_system

FS = {"OwnerId": "123456789012", "CreationToken": "shop-data", "FileSystemId": "fs-1", "CreationTime": 0,
      "LifeCycleState": "available", "NumberOfMountTargets": 0, "SizeInBytes": {"Value": 0},
      "PerformanceMode": "generalPurpose", "ThroughputMode": "elastic", "Tags": []}


def test_backup_policy_no_change_is_one_read(stubs, run_module):
    stubs["efs"].add_response("describe_backup_policy", {"BackupPolicy": {"Status": "ENABLING"}}, {"FileSystemId": "fs-1"})
    result, failed = run_module(efs_backup_policy, {"file_system_id": "fs-1"})
    assert not failed and result["changed"] is False and result["status"] == "ENABLING"


def test_backup_policy_check_mode_reports_and_changes_nothing(stubs, run_module):
    stubs["efs"].add_client_error("describe_backup_policy", "PolicyNotFound")
    result, failed = run_module(efs_backup_policy, {"file_system_id": "fs-1"}, check_mode=True)
    assert not failed and result["changed"] is True
    assert result["diff"] == {"before": {"status": "DISABLED"}, "after": {"status": "ENABLED"}}


def test_backup_policy_change(stubs, run_module):
    stubs["efs"].add_response("describe_backup_policy", {"BackupPolicy": {"Status": "ENABLED"}})
    stubs["efs"].add_response("put_backup_policy", {"BackupPolicy": {"Status": "DISABLING"}},
                              {"FileSystemId": "fs-1", "BackupPolicy": {"Status": "DISABLED"}})
    result, failed = run_module(efs_backup_policy, {"file_system_id": "fs-1", "enabled": False})
    assert not failed and result["changed"] is True and result["status"] == "DISABLING"


def test_backup_policy_error_names_the_file_system(stubs, run_module):
    stubs["efs"].add_client_error("describe_backup_policy", "AccessDeniedException", "no")
    result, failed = run_module(efs_backup_policy, {"file_system_id": "fs-1"})
    assert failed and result["msg"].startswith("Failed to read the backup policy of fs-1")


def test_file_system_check_mode_on_an_empty_account(stubs, run_module):
    stubs["efs"].add_response("describe_file_systems", {"FileSystems": []}, {"CreationToken": "shop-data"})
    result, failed = run_module(efs_file_system, {"name": "shop-data"}, check_mode=True)
    assert not failed and result["changed"] is True and result["changes"] == ["created"]


def test_file_system_no_change_and_tags_left_alone(stubs, run_module):
    efs = stubs["efs"]
    efs.add_response("describe_file_systems", {"FileSystems": [FS]})
    efs.add_response("describe_backup_policy", {"BackupPolicy": {"Status": "ENABLED"}}, {"FileSystemId": "fs-1"})
    # available and unchanged: not described again
    efs.add_response("describe_mount_targets", {"MountTargets": [
        {"MountTargetId": "fsmt-0aaaaaaaaaaaaaaa1", "FileSystemId": "fs-1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa1", "LifeCycleState": "available"}]})
    efs.add_response("describe_mount_target_security_groups", {"SecurityGroups": ["sg-0aaaaaaaaaaaaaaa1"]}, {"MountTargetId": "fsmt-0aaaaaaaaaaaaaaa1"})
    result, failed = run_module(efs_file_system, {
        "name": "shop-data", "mount_targets": [{"subnet_id": "subnet-0aaaaaaaaaaaaaaa1", "security_groups": ["sg-0aaaaaaaaaaaaaaa1"]}]})
    assert not failed and result["changed"] is False and result["changes"] == []
    assert result["mount_targets"][0]["security_groups"] == ["sg-0aaaaaaaaaaaaaaa1"]


def test_file_system_tag_and_mount_target_changes(stubs, run_module):
    efs = stubs["efs"]
    efs.add_response("describe_file_systems", {"FileSystems": [dict(FS, Tags=[{"Key": "old", "Value": "1"}])]})
    efs.add_response("untag_resource", {}, {"ResourceId": "fs-1", "TagKeys": ["old"]})
    efs.add_response("tag_resource", {}, {"ResourceId": "fs-1", "Tags": [{"Key": "team", "Value": "a"}]})
    efs.add_client_error("describe_backup_policy", "PolicyNotFound")  # never set: backups off
    efs.add_response("put_backup_policy", {"BackupPolicy": {"Status": "ENABLING"}},
                     {"FileSystemId": "fs-1", "BackupPolicy": {"Status": "ENABLED"}})
    efs.add_response("describe_file_systems", {"FileSystems": [FS]})
    efs.add_response("describe_mount_targets", {"MountTargets": []})
    efs.add_response("create_mount_target", {"MountTargetId": "fsmt-0aaaaaaaaaaaaaaa2", "FileSystemId": "fs-1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa2",
                                             "LifeCycleState": "creating"},
                     {"FileSystemId": "fs-1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa2", "SecurityGroups": ["sg-0aaaaaaaaaaaaaaa1"]})
    efs.add_response("describe_mount_targets", {"MountTargets": [
        {"MountTargetId": "fsmt-0aaaaaaaaaaaaaaa2", "FileSystemId": "fs-1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa2", "LifeCycleState": "available"}]})
    efs.add_response("describe_file_systems", {"FileSystems": [FS]})
    efs.add_response("describe_mount_targets", {"MountTargets": [
        {"MountTargetId": "fsmt-0aaaaaaaaaaaaaaa2", "FileSystemId": "fs-1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa2", "LifeCycleState": "available"}]})
    efs.add_response("describe_mount_target_security_groups", {"SecurityGroups": ["sg-0aaaaaaaaaaaaaaa1"]})
    result, failed = run_module(efs_file_system, {
        "name": "shop-data", "tags": {"team": "a"},
        "mount_targets": [{"subnet_id": "subnet-0aaaaaaaaaaaaaaa2", "security_groups": ["sg-0aaaaaaaaaaaaaaa1"]}]})
    assert not failed, result
    assert result["changes"] == ["tags", "backup", "mount_target_created:subnet-0aaaaaaaaaaaaaaa2"]
    assert result["mount_targets"][0]["mount_target_id"] == "fsmt-0aaaaaaaaaaaaaaa2"


def test_file_system_error_fails_with_the_aws_error(stubs, run_module):
    stubs["efs"].add_client_error("describe_file_systems", "AccessDeniedException", "denied")
    result, failed = run_module(efs_file_system, {"name": "shop-data"})
    assert failed and "EFS describe_file_systems for shop-data" in result["msg"] and "denied" in result["msg"]


AP_ARGS = {"name": "shop-api-data", "file_system_id": "fs-1", "root_directory": "/api/data",
           "posix_user": {"uid": 1000, "gid": 1000}, "tags": {"cloudops:stack": "shop"}}
POINT = {"AccessPointId": "fsap-0aaaaaaaaaaaaaaa1", "AccessPointArn": "arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-1",
         "FileSystemId": "fs-1", "LifeCycleState": "available", "RootDirectory": {"Path": "/api/data"},
         "PosixUser": {"Uid": 1000, "Gid": 1000},
         "Tags": [{"Key": "Name", "Value": "shop-api-data"}, {"Key": "cloudops:stack", "Value": "shop"}]}


def test_access_point_no_change_is_one_read(stubs, run_module):
    stubs["efs"].add_response("describe_access_points", {"AccessPoints": [POINT]}, {"FileSystemId": "fs-1"})
    result, failed = run_module(efs_access_point, AP_ARGS)
    assert not failed and result["changed"] is False and result["access_point_id"] == "fsap-0aaaaaaaaaaaaaaa1"


def test_access_point_check_mode_on_an_empty_file_system_creates_nothing(stubs, run_module):
    stubs["efs"].add_response("describe_access_points", {"AccessPoints": []})
    result, failed = run_module(efs_access_point, AP_ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["access_point_id"] == ""
    assert result["diff"]["after"] == {"root_directory": "/api/data", "posix_user": {"uid": 1000, "gid": 1000}}


def test_access_point_with_another_root_is_replaced(stubs, run_module):
    efs = stubs["efs"]
    efs.add_response("describe_access_points", {"AccessPoints": [POINT]})
    created = dict(POINT, AccessPointId="fsap-0aaaaaaaaaaaaaaa2", RootDirectory={"Path": "/api/other"})
    efs.add_response("create_access_point", created, {
        "ClientToken": creation_token(dict(AP_ARGS, root_directory="/api/other")), "FileSystemId": "fs-1",
        "Tags": [{"Key": "Name", "Value": "shop-api-data"}, {"Key": "cloudops:stack", "Value": "shop"}],
        "RootDirectory": {"Path": "/api/other", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"}},
        "PosixUser": {"Uid": 1000, "Gid": 1000}})
    efs.add_response("delete_access_point", {}, {"AccessPointId": "fsap-0aaaaaaaaaaaaaaa1"})
    result, failed = run_module(efs_access_point, dict(AP_ARGS, root_directory="/api/other"))
    assert not failed and result["changed"] is True and result["access_point_id"] == "fsap-0aaaaaaaaaaaaaaa2"


def test_access_point_tags_are_reconciled_but_name_kept(stubs, run_module):
    efs = stubs["efs"]
    efs.add_response("describe_access_points", {"AccessPoints": [dict(POINT, Tags=POINT["Tags"] + [{"Key": "old", "Value": "1"}])]})
    efs.add_response("untag_resource", {}, {"ResourceId": "fsap-0aaaaaaaaaaaaaaa1", "TagKeys": ["old"]})
    result, failed = run_module(efs_access_point, AP_ARGS)
    assert not failed and result["changed"] is True


def test_access_point_absent_deletes_and_errors_name_the_access_point(stubs, run_module):
    efs = stubs["efs"]
    efs.add_response("describe_access_points", {"AccessPoints": [POINT]})
    efs.add_client_error("delete_access_point", "AccessPointNotFound", "gone")
    result, failed = run_module(efs_access_point, {"name": "shop-api-data", "file_system_id": "fs-1", "state": "absent"})
    assert failed and result["msg"].startswith("Failed to delete access point fsap-0aaaaaaaaaaaaaaa1")
