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
