"""ecs_service_deployment: deploy a new image (a new revision only when the image changed), continue a deployment
paused at a PAUSE hook, roll back a deployment in progress, and refuse what cannot be done, naming why."""
from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_service_deployment

from tests.unit.plugins.modules.test_ecs_service_strategies import ALT, DEPLOYMENT, TD, TG, deployment, describe, healthy, listed, rule, service

ARGS = {"cluster": "shop", "service": "web"}
TASK_DEFINITION = {"taskDefinitionArn": TD % 3, "family": "shop-web", "revision": 3, "status": "ACTIVE",
                   "networkMode": "bridge", "requiresAttributes": [{"name": "ecs.capability.docker"}],
                   "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 128}]}


def current_task_definition(stubs):
    stubs["ecs"].add_response("describe_task_definition", {"taskDefinition": TASK_DEFINITION, "tags": [
        {"key": "cloudops:stack", "value": "shop"}]}, {"taskDefinition": TD % 3, "include": ["TAGS"]})


def test_the_same_image_deploys_nothing(stubs, run_module):
    describe(stubs, service())
    current_task_definition(stubs)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, image="nginx:1.27"))
    assert not failed and result["changed"] is False and result["service"]["action"] == "none"


def test_check_mode_names_the_revision_strategy_and_stages(stubs, run_module):
    describe(stubs, service())
    current_task_definition(stubs)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, image="nginx:1.28"), check_mode=True)
    assert not failed, result.get("msg")
    entry = result["service"]
    assert entry["task_definition_arn"] == "shop-web (new revision with image nginx:1.28)"
    assert entry["deployment_strategy"] == "BLUE_GREEN" and entry["stages"][0]["stage"] == "PRE_SCALE_UP"


def test_a_new_image_registers_a_revision_and_waits_for_the_blue_green_deployment(stubs, run_module, monkeypatch):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    describe(stubs, service())
    current_task_definition(stubs)
    stubs["ecs"].add_response("register_task_definition", {"taskDefinition": dict(TASK_DEFINITION, taskDefinitionArn=TD % 4)}, {
        "family": "shop-web", "networkMode": "bridge", "tags": [{"key": "cloudops:stack", "value": "shop"}],
        "containerDefinitions": [{"name": "web", "image": "nginx:1.28", "memory": 128}]})
    listed(stubs, "old")
    stubs["ecs"].add_response("update_service", {"service": service(td=4)},
                              {"cluster": "shop", "service": "web", "taskDefinition": TD % 4})
    describe(stubs, service(td=4, swapped=True))
    listed(stubs, "old", "new")
    deployment(stubs, "new", "SUCCESSFUL", "CLEAN_UP", 100)
    rule(stubs, [(TG, 0), (ALT, 100)])
    healthy(stubs, ALT)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, image="nginx:1.28"))
    assert not failed, result.get("msg")
    assert result["service"]["task_definition_arn"] == TD % 4
    assert result["service"]["service_deployment_status"] == "SUCCESSFUL"


def paused(stubs):
    listed(stubs, "new")
    deployment(stubs, "new", "IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0,
               lifecycleHookDetails=[{"hookId": "h-9", "targetType": "PAUSE", "status": "AWAITING_ACTION"}])


def test_continue_approves_the_paused_hook_and_waits_for_success(stubs, run_module, monkeypatch):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    describe(stubs, service(td=4))
    paused(stubs)
    stubs["ecs"].add_response("continue_service_deployment", {"serviceDeploymentArn": DEPLOYMENT % "new"}, {
        "serviceDeploymentArn": DEPLOYMENT % "new", "hookId": "h-9", "action": "CONTINUE"})
    describe(stubs, service(td=4, swapped=True))
    listed(stubs, "new")
    deployment(stubs, "new", "SUCCESSFUL", "CLEAN_UP", 100)
    rule(stubs, [(TG, 0), (ALT, 100)])
    healthy(stubs, ALT)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, action="continue"))
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["service"]["service_deployment_status"] == "SUCCESSFUL"


def test_rollback_of_a_paused_deployment_waits_until_the_previous_revision_serves(stubs, run_module, monkeypatch):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    describe(stubs, service(td=4))
    paused(stubs)
    stubs["ecs"].add_response("continue_service_deployment", {"serviceDeploymentArn": DEPLOYMENT % "new"}, {
        "serviceDeploymentArn": DEPLOYMENT % "new", "hookId": "h-9", "action": "ROLLBACK"})
    deployment(stubs, "new", "ROLLBACK_IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0)
    deployment(stubs, "new", "ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, action="rollback"))
    assert not failed, result.get("msg")
    assert result["service"]["service_deployment_status"] == "ROLLBACK_SUCCESSFUL"


def test_rollback_of_a_moving_deployment_stops_it_with_rollback(stubs, run_module):
    describe(stubs, service(td=4))
    listed(stubs, "new")
    deployment(stubs, "new", "IN_PROGRESS", "SCALE_UP", 0)
    stubs["ecs"].add_response("stop_service_deployment", {"serviceDeploymentArn": DEPLOYMENT % "new"}, {
        "serviceDeploymentArn": DEPLOYMENT % "new", "stopType": "ROLLBACK"})
    result, failed = run_module(ecs_service_deployment, dict(ARGS, action="rollback", wait=False))
    assert not failed and result["changed"] is True


def test_refusals_name_the_service_and_why(stubs, run_module):
    stubs["ecs"].add_response("describe_services", {"services": [], "failures": [{"arn": "x", "reason": "MISSING"}]})
    stubs["ecs"].add_response("list_services", {"serviceArns": ["arn:aws:ecs:us-east-1:123456789012:service/shop/api"]})
    result, failed = run_module(ecs_service_deployment, dict(ARGS, service="wbe", action="continue"))
    assert failed and result["msg"] == "service=wbe: no such service in cluster shop (it has api); name one of them"
    describe(stubs, service())
    listed(stubs, "new")
    deployment(stubs, "new", "SUCCESSFUL", "CLEAN_UP", 100)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, action="continue"))
    assert failed and result["msg"] == "service=web: no deployment in progress to continue (its latest deployment new " \
        "is SUCCESSFUL)"
    describe(stubs, service())
    listed(stubs, "new")
    deployment(stubs, "new", "IN_PROGRESS", "SCALE_UP", 0)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, action="continue"))
    assert failed and "deployment new is not paused (it is IN_PROGRESS at stage SCALE_UP)" in result["msg"]
    describe(stubs, service())
    current_task_definition(stubs)
    result, failed = run_module(ecs_service_deployment, dict(ARGS, image="x", container="sidecar"))
    assert failed and result["msg"].startswith("container=sidecar: task definition")
