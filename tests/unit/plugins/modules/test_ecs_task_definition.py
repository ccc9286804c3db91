from ansible_collections.cloudops.ecs.plugins.modules import ecs_task_definition

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:%d"
CONTAINER = {"name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 256, "essential": True}
ARGS = {"family": "shop-web", "container_definitions": [CONTAINER], "tags": {"cloudops:stack": "shop"}}


def described(stubs, revision=3, image=CONTAINER["image"], tags=None):
    definition = {"taskDefinitionArn": ARN % revision, "family": "shop-web", "revision": revision, "status": "ACTIVE",
                  "networkMode": "bridge", "containerDefinitions": [dict(CONTAINER, image=image)]}
    stubs["ecs"].add_response("describe_task_definition", {"taskDefinition": definition, "tags": [
        {"key": k, "value": v} for k, v in (tags or {"cloudops:stack": "shop"}).items()]},
        {"taskDefinition": "shop-web", "include": ["TAGS"]})
    return definition


def test_no_change_registers_nothing(stubs, run_module):
    described(stubs)
    result, failed = run_module(ecs_task_definition, ARGS)
    assert not failed and result["changed"] is False and result["task_definition_arn"] == ARN % 3
    assert result["diff"]["before"] == result["diff"]["after"]


def test_check_mode_on_a_new_family(stubs, run_module):
    stubs["ecs"].add_client_error("describe_task_definition", "ClientException", "Unable to describe task definition.")
    result, failed = run_module(ecs_task_definition, ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["registered"] is True
    assert "task_definition_arn" not in result


def test_a_new_image_registers_a_revision_and_keeps_the_newest(stubs, run_module):
    described(stubs, image="public.ecr.aws/nginx/nginx:1.26")
    stubs["ecs"].add_response("register_task_definition", {"taskDefinition": {"taskDefinitionArn": ARN % 4, "revision": 4}},
                              {"family": "shop-web", "networkMode": "bridge", "containerDefinitions": [CONTAINER],
                               "tags": [{"key": "cloudops:stack", "value": "shop"}]})
    stubs["ecs"].add_response("list_task_definitions", {"taskDefinitionArns": [ARN % 2, ARN % 3, ARN % 4]},
                              {"familyPrefix": "shop-web", "status": "ACTIVE"})
    stubs["ecs"].add_response("deregister_task_definition", {}, {"taskDefinition": ARN % 2})
    result, failed = run_module(ecs_task_definition, dict(ARGS, keep_revisions=2))
    assert not failed, result.get("msg")
    assert result["revision"] == 4 and result["deregistered"] == [ARN % 2]


def test_keep_revisions_lists_nothing_while_no_more_revisions_than_kept_can_be_active(stubs, run_module):
    described(stubs, revision=3)  # revisions 1-3 at most are ACTIVE: no ListTaskDefinitions
    result, failed = run_module(ecs_task_definition, dict(ARGS, keep_revisions=3))
    assert not failed and result["changed"] is False and result["deregistered"] == []


def test_keep_revisions_deregisters_the_oldest_without_a_new_revision(stubs, run_module):
    described(stubs, revision=3)
    stubs["ecs"].add_response("list_task_definitions", {"taskDefinitionArns": [ARN % 1, ARN % 3]},
                              {"familyPrefix": "shop-web", "status": "ACTIVE"})
    stubs["ecs"].add_response("deregister_task_definition", {}, {"taskDefinition": ARN % 1})
    result, failed = run_module(ecs_task_definition, dict(ARGS, keep_revisions=1))
    assert not failed and result["changed"] is True and result["deregistered"] == [ARN % 1]


def test_tag_drift_is_fixed_without_a_new_revision(stubs, run_module):
    described(stubs, tags={"cloudops:stack": "shop", "old": "1"})
    stubs["ecs"].add_response("untag_resource", {}, {"resourceArn": ARN % 3, "tagKeys": ["old"]})
    result, failed = run_module(ecs_task_definition, ARGS)
    assert not failed and result["differences"] == ["tags"] and result["registered"] is False


def test_aws_error(stubs, run_module):
    described(stubs, image="public.ecr.aws/nginx/nginx:1.26")
    stubs["ecs"].add_client_error("register_task_definition", "ClientException", "bad image")
    result, failed = run_module(ecs_task_definition, ARGS)
    assert failed and result["msg"].startswith("Failed to register task definition shop-web")


API = dict(ARGS, family="shop-api", container_definitions=[dict(CONTAINER, name="api")])


def test_several_families_in_one_call_register_only_what_changed(stubs, run_module):
    described(stubs)
    stubs["ecs"].add_client_error("describe_task_definition", "ClientException", "Unable to describe task definition.")
    api_arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-api:1"
    stubs["ecs"].add_response("register_task_definition", {"taskDefinition": {"taskDefinitionArn": api_arn, "revision": 1}},
                              {"family": "shop-api", "networkMode": "bridge", "containerDefinitions": API["container_definitions"],
                               "tags": [{"key": "cloudops:stack", "value": "shop"}]})
    result, failed = run_module(ecs_task_definition, {"task_definitions": [ARGS, API]})
    assert not failed, result.get("msg")
    assert result["changed"] is True
    web, api = result["task_definitions"]
    assert (web["family"], web["changed"], web["task_definition_arn"]) == ("shop-web", False, ARN % 3)
    assert (api["family"], api["registered"], api["task_definition_arn"]) == ("shop-api", True, api_arn)
    assert result["diff"]["before"]["shop-api"] == {} and result["diff"]["after"]["shop-api"]["family"] == "shop-api"


def test_several_families_in_check_mode_register_nothing(stubs, run_module):
    described(stubs, image="public.ecr.aws/nginx/nginx:1.26")
    result, failed = run_module(ecs_task_definition, {"task_definitions": [ARGS]}, check_mode=True)
    assert not failed, result.get("msg")
    assert result["task_definitions"][0]["registered"] is True and result["task_definitions"][0]["revision"] == 4


def test_an_item_is_validated_like_the_single_family_options(stubs, run_module):
    result, failed = run_module(ecs_task_definition, {"task_definitions": [dict(ARGS, network_mode="bogus")]})
    assert failed and "task_definitions[0] (shop-web)" in result["msg"] and "network_mode" in result["msg"]
    result, failed = run_module(ecs_task_definition, {"task_definitions": [{"family": "shop-web"}]})
    assert failed and "container_definitions" in result["msg"]
    result, failed = run_module(ecs_task_definition, {"task_definitions": [ARGS, ARGS]})
    assert failed and "shop-web more than once" in result["msg"]
