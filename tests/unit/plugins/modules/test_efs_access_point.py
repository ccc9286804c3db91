"""main() of efs_access_point on a stubbed EFS client: check mode, no change, tags only, a changed root
directory (a new access point replaces the old one), absent, and an AWS error."""
from ansible_collections.cloudops.ecs.plugins.module_utils.efs import creation_token
from ansible_collections.cloudops.ecs.plugins.modules import efs_access_point

ARGS = {"name": "shop-uploads", "file_system_id": "fs-0aaaaaaaaaaaaaaa1", "root_directory": "/uploads",
        "posix_user": {"uid": 1000, "gid": 1000}, "tags": {"team": "shop"}}
ARN = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/%s"


def point(point_id="fsap-0aaaaaaaaaaaaaaa1", path="/uploads", tags=None):
    return {"AccessPointId": point_id, "AccessPointArn": ARN % point_id, "FileSystemId": "fs-0aaaaaaaaaaaaaaa1",
            "Name": "shop-uploads", "LifeCycleState": "available", "PosixUser": {"Uid": 1000, "Gid": 1000},
            "RootDirectory": {"Path": path},
            "Tags": tags if tags is not None else [{"Key": "Name", "Value": "shop-uploads"},
                                                   {"Key": "team", "Value": "shop"}]}


def found(stubs, *points):
    stubs["efs"].add_response("describe_access_points", {"AccessPoints": list(points)},
                              {"FileSystemId": "fs-0aaaaaaaaaaaaaaa1"})


def test_check_mode_on_a_file_system_without_it_reports_the_creation(stubs, run_module):
    found(stubs)
    result, failed = run_module(efs_access_point, ARGS, check_mode=True)  # no write queued: any write fails
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["access_point_id"] == ""
    assert result["diff"] == {"before": {}, "after": {"root_directory": "/uploads",
                                                      "posix_user": {"uid": 1000, "gid": 1000}}}


def test_an_access_point_as_wanted_is_no_change(stubs, run_module):
    found(stubs, point())
    result, failed = run_module(efs_access_point, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["access_point_id"] == "fsap-0aaaaaaaaaaaaaaa1"
    assert result["diff"]["before"] == result["diff"]["after"]


def test_created_with_its_owner_and_tags(stubs, run_module):
    found(stubs)
    stubs["efs"].add_response("create_access_point", point(), {
        "ClientToken": creation_token(dict(ARGS)), "FileSystemId": "fs-0aaaaaaaaaaaaaaa1",
        "Tags": [{"Key": "Name", "Value": "shop-uploads"}, {"Key": "team", "Value": "shop"}],
        "PosixUser": {"Uid": 1000, "Gid": 1000},
        "RootDirectory": {"Path": "/uploads", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000,
                                                               "Permissions": "750"}}})
    result, failed = run_module(efs_access_point, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["access_point_arn"] == ARN % "fsap-0aaaaaaaaaaaaaaa1"


def test_tags_only_are_changed_in_place(stubs, run_module):
    found(stubs, point(tags=[{"Key": "Name", "Value": "shop-uploads"}, {"Key": "old", "Value": "1"}]))
    stubs["efs"].add_response("tag_resource", {}, {"ResourceId": "fsap-0aaaaaaaaaaaaaaa1",
                                                   "Tags": [{"Key": "team", "Value": "shop"}]})
    stubs["efs"].add_response("untag_resource", {}, {"ResourceId": "fsap-0aaaaaaaaaaaaaaa1", "TagKeys": ["old"]})
    result, failed = run_module(efs_access_point, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["access_point_id"] == "fsap-0aaaaaaaaaaaaaaa1"


def test_another_root_directory_replaces_the_access_point(stubs, run_module):
    found(stubs, point(path="/old"))
    stubs["efs"].add_response("create_access_point", point("fsap-0bbbbbbbbbbbbbbb2"), None)
    stubs["efs"].add_response("delete_access_point", {}, {"AccessPointId": "fsap-0aaaaaaaaaaaaaaa1"})
    result, failed = run_module(efs_access_point, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["access_point_id"] == "fsap-0bbbbbbbbbbbbbbb2"
    assert result["diff"]["before"]["root_directory"] == "/old"


def test_absent_deletes_it_and_check_mode_only_says_so(stubs, run_module):
    found(stubs, point())
    result, failed = run_module(efs_access_point, dict(ARGS, state="absent"), check_mode=True)
    assert not failed and result["changed"] is True
    found(stubs, point())
    stubs["efs"].add_response("delete_access_point", {}, {"AccessPointId": "fsap-0aaaaaaaaaaaaaaa1"})
    result, failed = run_module(efs_access_point, dict(ARGS, state="absent"))
    assert not failed and result["changed"] is True and result["diff"]["after"] == {}


def test_aws_error_names_the_access_point(stubs, run_module):
    stubs["efs"].add_client_error("describe_access_points", "AccessDeniedException", "denied")
    result, failed = run_module(efs_access_point, ARGS)
    assert failed and result["msg"].startswith("Failed to manage access point shop-uploads")
