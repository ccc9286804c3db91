import json

from ansible_collections.cloudops.ecs.plugins.modules import kms_customer_key

ALIAS = "alias/shop-database"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = "arn:aws:kms:us-east-1:123456789012:key/%s" % KEY_ID
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "*"},
                                                  "Action": "kms:*", "Resource": "*"}]}
TAGS = {"cloudops:stack": "shop", "Name": "shop-database"}
ARGS = {"alias": "shop-database", "description": "Aurora of shop", "policy": json.dumps(POLICY), "tags": TAGS}


def found(stubs, state="Enabled", description="Aurora of shop"):
    stubs["kms"].add_response("describe_key", {"KeyMetadata": {"KeyId": KEY_ID, "Arn": KEY, "KeyState": state,
                                                               "Description": description}}, {"KeyId": ALIAS})


def rotation(stubs, enabled=True):
    stubs["kms"].add_response("get_key_rotation_status", {"KeyRotationEnabled": enabled}, {"KeyId": KEY_ID})


def policy(stubs, document=None):
    stubs["kms"].add_response("get_key_policy", {"Policy": json.dumps(document or POLICY)},
                              {"KeyId": KEY_ID, "PolicyName": "default"})


def tags(stubs, current=None):
    current = TAGS if current is None else current
    stubs["kms"].add_response("list_resource_tags", {"Tags": [{"TagKey": k, "TagValue": v} for k, v in current.items()],
                                                     "Truncated": False}, {"KeyId": KEY_ID})


def test_no_change_reads_four_times_and_writes_nothing(stubs, run_module):
    found(stubs)
    rotation(stubs)
    policy(stubs)
    tags(stubs)
    result, failed = run_module(kms_customer_key, ARGS)
    assert not failed and result["changed"] is False and result["changes"] == []
    assert result["key_arn"] == KEY and result["alias"] == ALIAS


def test_create_with_rotation_alias_policy_and_tags(stubs, run_module):
    stubs["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": ALIAS})
    stubs["kms"].add_response("create_key", {"KeyMetadata": {"KeyId": KEY_ID, "Arn": KEY}}, {
        "Description": "Aurora of shop", "Policy": json.dumps(POLICY),
        "Tags": [{"TagKey": "Name", "TagValue": "shop-database"}, {"TagKey": "cloudops:stack", "TagValue": "shop"}]})
    stubs["kms"].add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": KEY_ID})
    stubs["kms"].add_response("enable_key_rotation", {}, {"KeyId": KEY_ID})
    result, failed = run_module(kms_customer_key, ARGS)
    assert not failed and result["changed"] and result["key_arn"] == KEY
    assert result["changes"] == ["create KMS key %s (rotation on)" % ALIAS]
    assert result["diff"]["before"]["state"] == "absent" and result["diff"]["after"]["state"] == "present"


def test_check_mode_on_an_empty_account_reports_the_key_and_creates_nothing(stubs, run_module):
    stubs["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": ALIAS})
    result, failed = run_module(kms_customer_key, ARGS, check_mode=True)
    assert not failed and result["changed"] and result["key_arn"] == ""
    assert result["changes"] == ["create KMS key %s (rotation on)" % ALIAS]


def test_drift_behind_the_tools_back_is_repaired(stubs, run_module):
    found(stubs, state="Disabled", description="changed by hand")
    stubs["kms"].add_response("enable_key", {}, {"KeyId": KEY_ID})
    stubs["kms"].add_response("update_key_description", {}, {"KeyId": KEY_ID, "Description": "Aurora of shop"})
    rotation(stubs, enabled=False)
    stubs["kms"].add_response("enable_key_rotation", {}, {"KeyId": KEY_ID})
    policy(stubs, {"Version": "2012-10-17", "Statement": []})
    stubs["kms"].add_response("put_key_policy", {}, {"KeyId": KEY_ID, "PolicyName": "default", "Policy": json.dumps(POLICY)})
    tags(stubs, {"cloudops:stack": "shop", "owner": "someone", "aws:cloudformation:stack-name": "x"})
    stubs["kms"].add_response("untag_resource", {}, {"KeyId": KEY_ID, "TagKeys": ["owner"]})
    stubs["kms"].add_response("tag_resource", {}, {"KeyId": KEY_ID, "Tags": [{"TagKey": "Name", "TagValue": "shop-database"}]})
    result, failed = run_module(kms_customer_key, ARGS)
    assert not failed and result["changes"] == [
        "enable KMS key %s" % ALIAS, "update the description of KMS key %s" % ALIAS,
        "enable rotation of KMS key %s" % ALIAS, "update the policy of KMS key %s" % ALIAS,
        "update the tags of KMS key %s" % ALIAS]


def test_check_mode_on_a_key_pending_deletion_reports_the_cancel_without_reading_it(stubs, run_module):
    found(stubs, state="PendingDeletion")
    result, failed = run_module(kms_customer_key, ARGS, check_mode=True)
    assert not failed and result["changes"] == ["cancel the scheduled deletion of KMS key %s" % ALIAS]
    assert result["diff"]["before"]["state"] == "absent" and result["diff"]["after"]["state"] == "present"


def test_a_key_pending_deletion_comes_back(stubs, run_module):
    found(stubs, state="PendingDeletion")
    stubs["kms"].add_response("cancel_key_deletion", {"KeyId": KEY_ID}, {"KeyId": KEY_ID})
    stubs["kms"].add_response("enable_key", {}, {"KeyId": KEY_ID})
    rotation(stubs)
    policy(stubs)
    tags(stubs)
    result, failed = run_module(kms_customer_key, ARGS)
    assert not failed and result["changes"] == ["cancel the scheduled deletion of KMS key %s" % ALIAS]


def test_without_policy_and_tags_they_are_not_read(stubs, run_module):
    found(stubs)
    rotation(stubs)
    result, failed = run_module(kms_customer_key, {"alias": ALIAS})
    assert not failed and result["changed"] is False


def test_absent_schedules_the_deletion_once(stubs, run_module):
    found(stubs)
    stubs["kms"].add_response("schedule_key_deletion", {"KeyId": KEY}, {"KeyId": KEY_ID, "PendingWindowInDays": 7})
    result, failed = run_module(kms_customer_key, {"alias": ALIAS, "state": "absent", "pending_window": 7})
    assert not failed and result["changes"] == ["schedule the deletion of KMS key %s (7 days)" % ALIAS]
    found(stubs, state="PendingDeletion")
    result, failed = run_module(kms_customer_key, {"alias": ALIAS, "state": "absent"})
    assert not failed and result["changed"] is False


def test_a_pending_window_out_of_range_is_refused_naming_the_range(stubs, run_module):
    result, failed = run_module(kms_customer_key, {"alias": ALIAS, "state": "absent", "pending_window": 3})
    assert failed and "pending_window = 3" in result["msg"] and "7 to 30" in result["msg"]


def test_an_aws_error_names_the_key_and_the_changes_so_far(stubs, run_module):
    found(stubs, state="Disabled")
    stubs["kms"].add_client_error("enable_key", "AccessDeniedException", "denied")
    result, failed = run_module(kms_customer_key, ARGS)
    assert failed and result["msg"].startswith("KMS key %s change failed after: enable KMS key %s" % (ALIAS, ALIAS))
