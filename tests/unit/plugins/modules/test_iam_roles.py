"""main() of iam_roles on a stubbed IAM client: check mode on an empty account writes nothing, a converged set is no
change in three reads per role, drift (a detached policy, a changed inline policy, trust, tags) is put back, a new
role is created with its policies, and a duplicate name is refused."""
import json

from ansible_collections.cloudops.ecs.plugins.modules import iam_roles

TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EXECUTION = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
SECRETS = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:1:secret:x"}]}
ROLE = {"name": "shop-web-execution", "assume_role_policy": TRUST, "description": "ECS task execution role of shop-web",
        "managed_policies": [EXECUTION], "inline_policies": {"read-service-secrets": SECRETS},
        "tags": {"cloudops:stack": "shop", "Name": "shop-web-execution"}}
ARN = "arn:aws:iam::123456789012:role/shop-web-execution"


def aws_role(trust=TRUST, tags=None, description=ROLE["description"]):  # pylint: disable=dangerous-default-value
    return {"Role": {"Path": "/", "RoleName": "shop-web-execution", "RoleId": "AROAEXAMPLE0000000001", "Arn": ARN,
                     "CreateDate": "2026-01-01T00:00:00Z", "AssumeRolePolicyDocument": json.dumps(trust),
                     "Description": description,
                     "Tags": tags if tags is not None else [{"Key": "Name", "Value": "shop-web-execution"},
                                                            {"Key": "cloudops:stack", "Value": "shop"}]}}


def found(stubs, role=None, attached=(EXECUTION,), inline=SECRETS):  # pylint: disable=dangerous-default-value
    iam = stubs["iam"]
    iam.add_response("get_role", role or aws_role(), {"RoleName": "shop-web-execution"})
    iam.add_response("list_attached_role_policies", {"AttachedPolicies": [
        {"PolicyArn": arn, "PolicyName": arn.rsplit("/", 1)[1]} for arn in attached]}, {"RoleName": "shop-web-execution"})
    if inline is None:
        iam.add_client_error("get_role_policy", "NoSuchEntity", http_status_code=404)
    else:
        iam.add_response("get_role_policy", {"RoleName": "shop-web-execution", "PolicyName": "read-service-secrets",
                                             "PolicyDocument": json.dumps(inline)},
                         {"RoleName": "shop-web-execution", "PolicyName": "read-service-secrets"})


def missing(stubs):
    stubs["iam"].add_client_error("get_role", "NoSuchEntity", http_status_code=404)


def test_check_mode_on_an_empty_account_reports_the_creation_and_writes_nothing(stubs, run_module):
    missing(stubs)
    result, failed = run_module(iam_roles, {"roles": [ROLE]}, check_mode=True)
    assert not failed, result.get("msg")
    assert result["changed"] is True
    assert result["roles"] == {"shop-web-execution": {"arn": "", "role_id": "", "changed": True}}
    assert result["changes"] == ["created role shop-web-execution"]
    assert result["diff"]["before"] == {"shop-web-execution": {}}
    assert result["diff"]["after"]["shop-web-execution"]["managed_policies"] == [EXECUTION]


def test_a_converged_role_is_no_change_in_three_reads(stubs, run_module):
    found(stubs)
    result, failed = run_module(iam_roles, {"roles": [ROLE]})
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["changes"] == []
    assert result["roles"]["shop-web-execution"] == {"arn": ARN, "role_id": "AROAEXAMPLE0000000001", "changed": False}
    assert result["api_calls"] == 3
    assert result["diff"]["before"] == result["diff"]["after"]


def test_drift_is_put_back(stubs, run_module):
    other_trust = dict(TRUST, Statement=[dict(TRUST["Statement"][0], Principal={"Service": "ec2.amazonaws.com"})])
    found(stubs, role=aws_role(trust=other_trust, tags=[{"Key": "cloudops:stack", "Value": "shop"},
                                                        {"Key": "owner", "Value": "someone"}]),
          attached=("arn:aws:iam::aws:policy/AdministratorAccess",), inline=dict(SECRETS, Statement=[]))
    iam = stubs["iam"]
    iam.add_response("update_assume_role_policy", {}, {"RoleName": "shop-web-execution", "PolicyDocument": json.dumps(TRUST)})
    iam.add_response("attach_role_policy", {}, {"RoleName": "shop-web-execution", "PolicyArn": EXECUTION})
    iam.add_response("detach_role_policy", {}, {"RoleName": "shop-web-execution",
                                                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})
    iam.add_response("put_role_policy", {}, {"RoleName": "shop-web-execution", "PolicyName": "read-service-secrets",
                                             "PolicyDocument": json.dumps(SECRETS)})
    iam.add_response("tag_role", {}, {"RoleName": "shop-web-execution",
                                      "Tags": [{"Key": "Name", "Value": "shop-web-execution"}]})
    iam.add_response("untag_role", {}, {"RoleName": "shop-web-execution", "TagKeys": ["owner"]})
    result, failed = run_module(iam_roles, {"roles": [ROLE]})
    assert not failed, result.get("msg")
    assert result["changed"] is True
    assert result["changes"] == ["updated role shop-web-execution (trust policy, attached policies, detached policies, "
                                 "inline policies, tags)"]
    assert result["diff"]["after"]["shop-web-execution"]["managed_policies"] == [EXECUTION]
    assert result["diff"]["after"]["shop-web-execution"]["tags"] == ROLE["tags"]


def test_the_same_drift_in_check_mode_is_reported_not_made(stubs, run_module):
    found(stubs, attached=())
    result, failed = run_module(iam_roles, {"roles": [ROLE]}, check_mode=True)  # no write queued: any write fails
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["roles"]["shop-web-execution"]["changed"] is True


def test_a_new_role_is_created_with_its_policies(stubs, run_module):
    missing(stubs)
    iam = stubs["iam"]
    iam.add_response("create_role", aws_role(), {
        "RoleName": "shop-web-execution", "Path": "/", "AssumeRolePolicyDocument": json.dumps(TRUST),
        "Description": ROLE["description"],
        "Tags": [{"Key": "Name", "Value": "shop-web-execution"}, {"Key": "cloudops:stack", "Value": "shop"}]})
    iam.add_response("attach_role_policy", {}, {"RoleName": "shop-web-execution", "PolicyArn": EXECUTION})
    iam.add_response("put_role_policy", {}, {"RoleName": "shop-web-execution", "PolicyName": "read-service-secrets",
                                             "PolicyDocument": json.dumps(SECRETS)})
    result, failed = run_module(iam_roles, {"roles": [ROLE]})
    assert not failed, result.get("msg")
    assert result["roles"]["shop-web-execution"] == {"arn": ARN, "role_id": "AROAEXAMPLE0000000001", "changed": True}


def test_a_role_named_twice_is_refused(stubs, run_module):
    result, failed = run_module(iam_roles, {"roles": [ROLE, ROLE]})
    assert failed
    assert "shop-web-execution more than once" in result["msg"]


def test_an_inline_policy_given_as_null_is_deleted_and_absent_is_no_change(stubs, run_module):
    role = dict(ROLE, inline_policies={"read-service-secrets": None})
    found(stubs)
    stubs["iam"].add_response("delete_role_policy", {}, {"RoleName": "shop-web-execution",
                                                         "PolicyName": "read-service-secrets"})
    result, failed = run_module(iam_roles, {"roles": [role]})
    assert not failed, result.get("msg")
    assert result["changes"] == ["updated role shop-web-execution (inline policies)"]
    assert result["diff"]["after"]["shop-web-execution"]["inline_policies"] == {}

    found(stubs, inline=None)
    result, failed = run_module(iam_roles, {"roles": [role]})
    assert not failed, result.get("msg")
    assert result["changed"] is False


PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/shop-web-execution"


def profile(stubs, roles=("shop-web-execution",), tags=None):
    tags = [{"Key": "Name", "Value": "shop-web-execution"}, {"Key": "cloudops:stack", "Value": "shop"}] if tags is None else tags
    stubs["iam"].add_response("get_instance_profile", {"InstanceProfile": {
        "Path": "/", "InstanceProfileName": "shop-web-execution", "InstanceProfileId": "AIPAEXAMPLE000000001",
        "Arn": PROFILE_ARN, "CreateDate": "2026-01-01T00:00:00Z", "Tags": tags,
        "Roles": [aws_role()["Role"] for _role in roles]}}, {"InstanceProfileName": "shop-web-execution"})


def test_a_converged_instance_profile_costs_one_read(stubs, run_module):
    found(stubs)
    profile(stubs)
    result, failed = run_module(iam_roles, {"roles": [dict(ROLE, instance_profile=True)]})
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["roles"]["shop-web-execution"]["instance_profile_arn"] == PROFILE_ARN


def test_a_missing_instance_profile_is_reported_in_check_mode_and_created_with_the_role_in_it(stubs, run_module):
    found(stubs)
    stubs["iam"].add_client_error("get_instance_profile", "NoSuchEntity", http_status_code=404)
    result, failed = run_module(iam_roles, {"roles": [dict(ROLE, instance_profile=True)]}, check_mode=True)
    assert not failed and result["changes"] == ["created instance profile shop-web-execution"]
    assert result["roles"]["shop-web-execution"]["instance_profile_arn"] == ""

    found(stubs)
    stubs["iam"].add_client_error("get_instance_profile", "NoSuchEntity", http_status_code=404)
    stubs["iam"].add_response("create_instance_profile", {"InstanceProfile": {
        "Path": "/", "InstanceProfileName": "shop-web-execution", "InstanceProfileId": "AIPAEXAMPLE000000001",
        "Arn": PROFILE_ARN, "CreateDate": "2026-01-01T00:00:00Z", "Roles": []}}, {
        "InstanceProfileName": "shop-web-execution", "Path": "/",
        "Tags": [{"Key": "Name", "Value": "shop-web-execution"}, {"Key": "cloudops:stack", "Value": "shop"}]})
    stubs["iam"].add_response("add_role_to_instance_profile", {}, {"InstanceProfileName": "shop-web-execution",
                                                                   "RoleName": "shop-web-execution"})
    result, failed = run_module(iam_roles, {"roles": [dict(ROLE, instance_profile=True)]})
    assert not failed and result["changed"] is True
    assert result["roles"]["shop-web-execution"] == {"arn": ARN, "role_id": "AROAEXAMPLE0000000001", "changed": True,
                                                     "instance_profile_arn": PROFILE_ARN}


def test_an_empty_profile_gets_its_role_back_and_its_tags_converge(stubs, run_module):
    found(stubs)
    profile(stubs, roles=(), tags=[{"Key": "Name", "Value": "shop-web-execution"}, {"Key": "owner", "Value": "x"}])
    stubs["iam"].add_response("add_role_to_instance_profile", {}, {"InstanceProfileName": "shop-web-execution",
                                                                   "RoleName": "shop-web-execution"})
    stubs["iam"].add_response("untag_instance_profile", {}, {"InstanceProfileName": "shop-web-execution",
                                                             "TagKeys": ["owner"]})
    stubs["iam"].add_response("tag_instance_profile", {}, {"InstanceProfileName": "shop-web-execution",
                                                           "Tags": [{"Key": "cloudops:stack", "Value": "shop"}]})
    result, failed = run_module(iam_roles, {"roles": [dict(ROLE, instance_profile=True)]})
    assert not failed, result.get("msg")
    assert result["changes"] == ["instance profile shop-web-execution holds role shop-web-execution",
                                 "tags of instance profile shop-web-execution"]
