import json

from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import logs_key_policy
from ansible_collections.cloudops.ecs.plugins.modules import encrypted_log_groups

ACCOUNT = "123456789012"
ALIAS = "alias/shop-service-logs"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, KEY_ID)
WEB = "/shop/services/web"
SCOPE = ["/shop/services/*"]
TAGS = {"cloudops:stack": "shop"}
ARGS = {"log_groups": [WEB], "retention_days": 30, "key_alias": ALIAS, "key_log_groups": SCOPE, "tags": TAGS}
POLICY = logs_key_policy("aws", "us-east-1", ACCOUNT, SCOPE)


def caller(stubs):
    stubs["sts"].add_response("get_caller_identity", {"Arn": "arn:aws:iam::%s:user/ops" % ACCOUNT, "Account": ACCOUNT,
                                                      "UserId": "AIDA"})


DEFAULT = object()  # the module-level POLICY (a mutable default argument would be shared)


def key_found(stubs, rotation=True, policy=DEFAULT):
    policy = POLICY if policy is DEFAULT else policy
    stubs["kms"].add_response("describe_key", {"KeyMetadata": {"KeyId": KEY_ID, "Arn": KEY, "KeyState": "Enabled",
                                                               "Description": "CloudWatch Logs encryption"}},
                              {"KeyId": ALIAS})
    stubs["kms"].add_response("get_key_rotation_status", {"KeyRotationEnabled": rotation}, {"KeyId": KEY_ID})
    if not rotation:
        stubs["kms"].add_response("enable_key_rotation", {}, {"KeyId": KEY_ID})
    stubs["kms"].add_response("get_key_policy", {"Policy": json.dumps(policy)}, {"KeyId": KEY_ID, "PolicyName": "default"})


def group_found(stubs, retention=30, key=KEY, tags=None):
    group = {"logGroupName": WEB}
    if retention:
        group["retentionInDays"] = retention
    if key:
        group["kmsKeyId"] = key
    stubs["logs"].add_response("describe_log_groups", {"logGroups": [group]}, {"logGroupIdentifiers": [WEB]})


def group_tags(stubs, tags):
    stubs["logs"].add_response("list_tags_log_group", {"tags": tags}, {"logGroupName": WEB})


def test_no_change(stubs, run_module):
    caller(stubs)
    key_found(stubs)
    group_found(stubs)
    group_tags(stubs, dict(TAGS, Name=WEB))
    result, failed = run_module(encrypted_log_groups, ARGS)
    assert not failed and result["changed"] is False and result["changes"] == []
    assert result["key_arn"] == KEY
    assert result["log_group_arns"] == ["arn:aws:logs:us-east-1:%s:log-group:%s" % (ACCOUNT, WEB)]


def test_check_mode_on_an_empty_account(stubs, run_module):
    caller(stubs)
    stubs["kms"].add_client_error("describe_key", "NotFoundException")
    stubs["logs"].add_response("describe_log_groups", {"logGroups": []})
    result, failed = run_module(encrypted_log_groups, ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["key_arn"] == ""
    assert result["changes"] == ["create KMS key %s (rotation on)" % ALIAS, "create log group %s (KMS, 30 days)" % WEB]


def test_create_key_with_rotation_and_a_policy_scoped_to_the_groups(stubs, run_module):
    caller(stubs)
    stubs["kms"].add_client_error("describe_key", "NotFoundException")
    stubs["kms"].add_response("create_key", {"KeyMetadata": {"KeyId": KEY_ID, "Arn": KEY}}, {
        "Description": "CloudWatch Logs encryption", "Policy": json.dumps(POLICY),
        "Tags": [{"TagKey": "Name", "TagValue": "shop-service-logs"}, {"TagKey": "cloudops:stack", "TagValue": "shop"}]})
    stubs["kms"].add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": KEY_ID})
    stubs["kms"].add_response("enable_key_rotation", {}, {"KeyId": KEY_ID})
    stubs["logs"].add_response("describe_log_groups", {"logGroups": []})
    stubs["logs"].add_response("create_log_group", {}, {"logGroupName": WEB, "kmsKeyId": KEY,
                                                        "tags": dict(TAGS, Name=WEB)})
    stubs["logs"].add_response("put_retention_policy", {}, {"logGroupName": WEB, "retentionInDays": 30})
    result, failed = run_module(encrypted_log_groups, ARGS)
    assert not failed and result["changed"] is True and result["key_arn"] == KEY


def test_an_unencrypted_group_gets_the_key_retention_and_tags(stubs, run_module):
    caller(stubs)
    key_found(stubs, rotation=False)
    group_found(stubs, retention=None, key=None)
    stubs["logs"].add_response("put_retention_policy", {}, {"logGroupName": WEB, "retentionInDays": 30})
    stubs["logs"].add_response("associate_kms_key", {}, {"logGroupName": WEB, "kmsKeyId": KEY})
    group_tags(stubs, dict(TAGS, Name="shop-web", Old="x"))
    stubs["logs"].add_response("tag_log_group", {}, {"logGroupName": WEB, "tags": {"Name": WEB}})
    stubs["logs"].add_response("untag_log_group", {}, {"logGroupName": WEB, "tags": ["Old"]})
    result, failed = run_module(encrypted_log_groups, ARGS)
    assert not failed and result["changes"] == [
        "enable rotation of KMS key %s" % ALIAS, "set the retention of %s to 30 days" % WEB,
        "encrypt log group %s with %s" % (WEB, KEY), "tag log group %s (Name)" % WEB, "untag log group %s (Old)" % WEB]


def test_a_given_key_is_used_as_is(stubs, run_module):
    given = "arn:aws:kms:us-east-1:%s:key/given" % ACCOUNT
    caller(stubs)
    group_found(stubs, key=KEY)
    stubs["logs"].add_response("associate_kms_key", {}, {"logGroupName": WEB, "kmsKeyId": given})
    args = dict(ARGS, kms_key_arn=given, key_alias=None)
    args.pop("tags")
    result, failed = run_module(encrypted_log_groups, args)
    assert not failed and result["key_arn"] == given
    assert result["changes"] == ["encrypt log group %s with %s" % (WEB, given)]


def test_a_changed_scope_updates_the_key_policy(stubs, run_module):
    caller(stubs)
    key_found(stubs, policy=logs_key_policy("aws", "us-east-1", ACCOUNT, [WEB]))
    stubs["kms"].add_response("put_key_policy", {}, {"KeyId": KEY_ID, "PolicyName": "default", "Policy": ANY})
    group_found(stubs)
    group_tags(stubs, dict(TAGS, Name=WEB))
    result, failed = run_module(encrypted_log_groups, ARGS)
    assert not failed and result["changes"] == ["update the policy of KMS key %s" % ALIAS]


def test_absent_deletes_the_groups_and_schedules_the_key(stubs, run_module):
    caller(stubs)
    group_found(stubs)
    stubs["logs"].add_response("delete_log_group", {}, {"logGroupName": WEB})
    stubs["kms"].add_response("describe_key", {"KeyMetadata": {"KeyId": KEY_ID, "Arn": KEY, "KeyState": "Enabled",
                                                               "Description": "CloudWatch Logs encryption"}},
                              {"KeyId": ALIAS})
    stubs["kms"].add_response("schedule_key_deletion", {"KeyId": KEY}, {"KeyId": KEY_ID, "PendingWindowInDays": 7})
    result, failed = run_module(encrypted_log_groups, dict(ARGS, state="absent"))
    assert not failed and result["changes"] == [
        "delete log group %s" % WEB, "schedule the deletion of KMS key %s (7 days)" % ALIAS]


def test_without_alias_or_key_it_fails_before_any_change(stubs, run_module):
    result, failed = run_module(encrypted_log_groups, dict(ARGS, key_alias=None))
    assert failed and "key_alias" in result["msg"]


def test_error_reports_the_changes_so_far(stubs, run_module):
    caller(stubs)
    key_found(stubs)
    stubs["logs"].add_response("describe_log_groups", {"logGroups": []})
    stubs["logs"].add_client_error("create_log_group", "AccessDeniedException", "denied")
    result, failed = run_module(encrypted_log_groups, ARGS)
    assert failed and result["msg"].startswith(
        "encrypted log groups change failed after: create log group %s (KMS, 30 days)" % WEB)


def test_every_group_is_read_in_one_request_by_name(stubs, run_module):
    """One DescribeLogGroups by name (logGroupIdentifiers) for all the groups; a group it does not answer is created."""
    api = "/shop/services/api"
    caller(stubs)
    key_found(stubs)
    stubs["logs"].add_response("describe_log_groups", {"logGroups": [
        {"logGroupName": WEB, "retentionInDays": 30, "kmsKeyId": KEY}]}, {"logGroupIdentifiers": [api, WEB]})
    group_tags(stubs, dict(TAGS, Name=WEB))
    stubs["logs"].add_response("create_log_group", {}, {"logGroupName": api, "kmsKeyId": KEY,
                                                        "tags": dict(TAGS, Name=api)})
    stubs["logs"].add_response("put_retention_policy", {}, {"logGroupName": api, "retentionInDays": 30})
    result, failed = run_module(encrypted_log_groups, dict(ARGS, log_groups=[WEB, api]))
    assert not failed, result
    assert result["changes"] == ["create log group %s (KMS, 30 days)" % api]


def test_a_botocore_without_log_group_identifiers_reads_each_group_by_prefix(stubs, run_module, monkeypatch):
    """botocore before 1.38.16 (the floor of meta/ee-requirements.txt is older) cannot send logGroupIdentifiers."""
    model = stubs["logs"].client.meta.service_model.operation_model("DescribeLogGroups").input_shape
    members = {k: v for k, v in model.members.items() if k != "logGroupIdentifiers"}
    monkeypatch.setitem(model.__dict__, "members", members)  # this client's model only
    caller(stubs)
    key_found(stubs)
    stubs["logs"].add_response("describe_log_groups", {"logGroups": [
        {"logGroupName": WEB, "retentionInDays": 30, "kmsKeyId": KEY}]}, {"logGroupNamePrefix": WEB})
    group_tags(stubs, dict(TAGS, Name=WEB))
    result, failed = run_module(encrypted_log_groups, ARGS)
    assert not failed, result
    assert result["changed"] is False


API = "/shop/services/api"
TWO = dict(ARGS, log_groups=[WEB, API])


def arn_of(name):
    return "arn:aws:logs:us-east-1:%s:log-group:%s" % (ACCOUNT, name)


def two_groups_found(stubs):
    groups = [{"logGroupName": name, "retentionInDays": 30, "kmsKeyId": KEY} for name in (API, WEB)]
    stubs["logs"].add_response("describe_log_groups", {"logGroups": groups}, {"logGroupIdentifiers": [API, WEB]})


def indexed(stubs, mappings):
    stubs["resourcegroupstaggingapi"].add_response(
        "get_resources", {"ResourceTagMappingList": [
            {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}
            for arn, tags in mappings]},
        {"ResourceARNList": [arn_of(API), arn_of(WEB)]})


def test_the_tags_of_several_groups_come_from_one_index_read(stubs, run_module):
    caller(stubs)
    key_found(stubs)
    two_groups_found(stubs)
    indexed(stubs, [(arn_of(API), dict(TAGS, Name=API)), (arn_of(WEB) + ":*", dict(TAGS, Name=WEB))])
    result, failed = run_module(encrypted_log_groups, TWO)
    assert not failed and result["changed"] is False and result["changes"] == []


def test_a_group_the_index_lacks_or_shows_otherwise_is_read_itself_before_any_change(stubs, run_module):
    caller(stubs)
    key_found(stubs)
    two_groups_found(stubs)
    # The index lags: it has API with an old Name and not WEB at all; both groups' own tags are read.
    indexed(stubs, [(arn_of(API), dict(TAGS, Name="old"))])
    stubs["logs"].add_response("list_tags_log_group", {"tags": dict(TAGS)}, {"logGroupName": WEB})
    stubs["logs"].add_response("tag_log_group", {}, {"logGroupName": WEB, "tags": {"Name": WEB}})
    stubs["logs"].add_response("list_tags_log_group", {"tags": dict(TAGS, Name=API)}, {"logGroupName": API})
    result, failed = run_module(encrypted_log_groups, TWO)
    assert not failed and result["changes"] == ["tag log group %s (Name)" % WEB]


def test_without_the_index_each_group_is_read(stubs, run_module):
    caller(stubs)
    key_found(stubs)
    two_groups_found(stubs)
    stubs["resourcegroupstaggingapi"].add_client_error("get_resources", "AccessDeniedException")
    for name in (WEB, API):
        stubs["logs"].add_response("list_tags_log_group", {"tags": dict(TAGS, Name=name)}, {"logGroupName": name})
    result, failed = run_module(encrypted_log_groups, TWO)
    assert not failed and result["changed"] is False
