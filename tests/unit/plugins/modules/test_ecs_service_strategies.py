"""ecs_service with BLUE_GREEN, LINEAR and CANARY deployments: what a change plans (strategy, stages, traffic
steps), the wait on the service deployment (stages, production traffic, healthy targets), rollbacks failing with
their reason and PAUSE hooks ending the wait."""
import copy

from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_service

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:%d"
SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/shop/web"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/0123456789abcdef"
ALT = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web-alt/fedcba9876543210"
RULE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shop/1/2/3"
ROLE = "arn:aws:iam::123456789012:role/shop-ecs-load-balancers"
HOOK_ROLE = "arn:aws:iam::123456789012:role/shop-ecs-hooks"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"
DEPLOYMENT = "arn:aws:ecs:us-east-1:123456789012:service-deployment/shop/web/%s"
ADVANCED = {"alternate_target_group_arn": ALT, "production_listener_rule": RULE, "role_arn": ROLE}
LB = {"target_group_arn": TG, "container_name": "web", "container_port": 80, "advanced_configuration": ADVANCED}
CONFIG = {"minimum_healthy_percent": 100, "maximum_percent": 200, "strategy": "BLUE_GREEN", "bake_time_in_minutes": 5,
          "circuit_breaker": {"enable": True, "rollback": True}}
ARGS = {"cluster": "shop", "name": "web", "task_definition": TD % 3, "desired_count": 2,
        "deployment_configuration": CONFIG, "load_balancers": [LB]}
DESCRIBED_CONFIG = {"minimumHealthyPercent": 100, "maximumPercent": 200, "strategy": "BLUE_GREEN",
                    "bakeTimeInMinutes": 5, "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                    "lifecycleHooks": []}


def service(td=3, running=2, swapped=False, config=None):
    production, alternate = (ALT, TG) if swapped else (TG, ALT)
    return {"serviceName": "web", "serviceArn": SERVICE_ARN, "status": "ACTIVE", "taskDefinition": TD % td,
            "desiredCount": 2, "runningCount": running, "pendingCount": 0, "schedulingStrategy": "REPLICA",
            "deploymentConfiguration": copy.deepcopy(config or DESCRIBED_CONFIG),
            "loadBalancers": [{"targetGroupArn": production, "containerName": "web", "containerPort": 80,
                               "advancedConfiguration": {"alternateTargetGroupArn": alternate,
                                                         "productionListenerRule": RULE, "roleArn": ROLE}}],
            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": TD % td,
                             "rolloutState": "COMPLETED"}], "tags": []}


def describe(stubs, item):
    stubs["ecs"].add_response("describe_services", {"services": [item]},
                              {"cluster": "shop", "services": ["web"], "include": ["TAGS"]})


def listed(stubs, *ids):
    stubs["ecs"].add_response("list_service_deployments", {"serviceDeployments": [
        {"serviceDeploymentArn": DEPLOYMENT % i, "createdAt": "2026-12-06T09:%02d:00Z" % n, "status": "SUCCESSFUL"}
        for n, i in enumerate(ids)]}, {"cluster": "shop", "service": "web"})


def deployment(stubs, ident, status, stage, weight=None, **extra):
    item = {"serviceDeploymentArn": DEPLOYMENT % ident, "status": status, "lifecycleStage": stage,
            "targetServiceRevision": {"arn": "rev-new"}}
    if weight is not None:
        item["targetServiceRevision"]["requestedProductionTrafficWeight"] = weight
    item.update(extra)
    stubs["ecs"].add_response("describe_service_deployments", {"serviceDeployments": [item], "failures": []},
                              {"serviceDeploymentArns": [DEPLOYMENT % ident]})


def rule(stubs, weights):
    stubs["elbv2"].add_response("describe_rules", {"Rules": [{"RuleArn": RULE, "Actions": [
        {"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": arn, "Weight": weight} for arn, weight in weights]}}]}]}, {"RuleArns": [RULE]})


def healthy(stubs, group):
    stubs["elbv2"].add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": "i-0aaaaaaaaaaaaaaa%d" % n, "Port": 32768}, "TargetHealth": {"State": "healthy"}}
        for n in (1, 2)]}, {"TargetGroupArn": group})


def update_to_revision_4(stubs):
    describe(stubs, service(td=3))
    listed(stubs, "old")
    stubs["ecs"].add_response("update_service", {"service": service(td=4)},
                              {"cluster": "shop", "service": "web", "taskDefinition": TD % 4})


def test_converged_blue_green_service_with_swapped_target_groups_is_unchanged(stubs, run_module):
    describe(stubs, service(swapped=True))
    result, failed = run_module(ecs_service, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["service"]["deployment_strategy"] == "BLUE_GREEN"
    assert result["service"]["stages"] == []


def test_switching_rolling_to_linear_converges_in_place(stubs, run_module):
    rolling = {"minimumHealthyPercent": 100, "maximumPercent": 200, "strategy": "ROLLING",
               "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    current = service(config=rolling)
    current["loadBalancers"] = [{"targetGroupArn": TG, "containerName": "web", "containerPort": 80}]
    describe(stubs, current)
    linear = dict(CONFIG, strategy="LINEAR", linear={"step_percent": 25.0, "step_bake_time_in_minutes": 1})
    result, failed = run_module(ecs_service, dict(ARGS, deployment_configuration=linear), check_mode=True)
    assert not failed, result.get("msg")
    entry = result["service"]
    assert entry["action"] == "update" and entry["differences"] == ["deploymentConfiguration", "loadBalancers"]
    assert entry["deployment_strategy"] == "LINEAR"
    after = result["diff"]["after"]["web"]["deploymentConfiguration"]
    assert after["strategy"] == "LINEAR" and after["linearConfiguration"] == {"stepPercent": 25.0,
                                                                              "stepBakeTimeInMinutes": 1}


def test_check_mode_names_the_strategy_stages_and_traffic_steps_of_a_deploy(stubs, run_module):
    describe(stubs, service(td=3, config=dict(DESCRIBED_CONFIG, strategy="CANARY",
                                              canaryConfiguration={"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2},
                                              lifecycleHooks=[{"targetType": "PAUSE",
                                                               "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}])))
    config = dict(CONFIG, strategy="CANARY", canary={"canary_percent": 10.0, "canary_bake_time_in_minutes": 2},
                  lifecycle_hooks=[{"target_type": "PAUSE", "lifecycle_stages": ["POST_TEST_TRAFFIC_SHIFT"]}])
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, deployment_configuration=config),
                                check_mode=True)
    assert not failed, result.get("msg")
    entry = result["service"]
    assert entry["differences"] == ["taskDefinition"] and entry["deployment_strategy"] == "CANARY"
    assert [s["stage"] for s in entry["stages"]] == [
        "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
        "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"]
    assert entry["stages"][4] == {"stage": "POST_TEST_TRAFFIC_SHIFT", "hooks": ["PAUSE"]}
    assert entry["traffic_steps"] == [10.0, 100.0]


def test_a_blue_green_deploy_waits_for_success_traffic_and_healthy_targets_with_a_line_per_stage(
        stubs, run_module, monkeypatch, tmp_path):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    update_to_revision_4(stubs)
    for stage, weight in (("SCALE_UP", 0), ("PRODUCTION_TRAFFIC_SHIFT", 100), ("BAKE_TIME", 100)):
        describe(stubs, service(td=4))
        listed(stubs, "old", "new")
        deployment(stubs, "new", "IN_PROGRESS", stage, weight)
    describe(stubs, service(td=4, swapped=True))
    listed(stubs, "old", "new")
    deployment(stubs, "new", "SUCCESSFUL", "CLEAN_UP", 100)
    rule(stubs, [(TG, 0), (ALT, 100)])
    healthy(stubs, ALT)
    path = tmp_path / "progress.log"
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, wait=True, progress_file=str(path)))
    assert not failed, result.get("msg")
    entry = result["service"]
    assert entry["service_deployment_status"] == "SUCCESSFUL" and entry["service_deployment_arn"] == DEPLOYMENT % "new"
    assert entry["stages"][-1]["stage"] == "CLEAN_UP" and entry["traffic_steps"] == [100.0]
    # stages between two polls are named as passed, so every stage shows
    assert path.read_text().splitlines()[1:] == [
        "web: deployment new passed PRE_SCALE_UP",
        "web: running 2/2; deployment new IN_PROGRESS, stage SCALE_UP, production traffic 0% new",
        "web: deployment new passed POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT",
        "web: running 2/2; deployment new IN_PROGRESS, stage PRODUCTION_TRAFFIC_SHIFT, production traffic 100% new",
        "web: deployment new passed POST_PRODUCTION_TRAFFIC_SHIFT",
        "web: running 2/2; deployment new IN_PROGRESS, stage BAKE_TIME, production traffic 100% new",
        "web: rolled out: running 2/2, targets healthy 2/2; deployment new SUCCESSFUL, stage CLEAN_UP, "
        "production traffic 100% new",
    ]


def test_split_traffic_after_success_is_not_done(stubs, run_module, monkeypatch):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    update_to_revision_4(stubs)
    describe(stubs, service(td=4))
    listed(stubs, "old", "new")
    deployment(stubs, "new", "SUCCESSFUL", "CLEAN_UP", 100)
    rule(stubs, [(TG, 50), (ALT, 50)])
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, wait=True, wait_timeout=0))
    assert failed and "production traffic split (shop-web-alt/fedcba9876543210 50, shop-web/0123456789abcdef 50)" \
        in result["msg"].replace("targetgroup/", "")


def test_a_rolled_back_deploy_fails_naming_the_alarm_and_the_hook(stubs, run_module, monkeypatch):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    update_to_revision_4(stubs)
    describe(stubs, service(td=4))
    listed(stubs, "old", "new")
    deployment(stubs, "new", "ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50,
               statusReason="Service deployment rolled back because of a lifecycle hook failure.")
    describe(stubs, service(td=3))
    listed(stubs, "old", "new")
    deployment(stubs, "new", "ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0,
               statusReason="Service deployment rolled back because of a lifecycle hook failure.",
               alarms={"status": "TRIGGERED", "alarmNames": ["shop-web-target-5xx"],
                       "triggeredAlarmNames": ["shop-web-target-5xx"]},
               lifecycleHookDetails=[{"hookId": "h-1", "targetType": "AWS_LAMBDA", "targetArn": FUNCTION,
                                      "status": "FAILED"}])
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, wait=True))
    assert failed
    assert result["msg"].startswith(
        "Service web did not deploy: web: deployment new ROLLBACK_SUCCESSFUL: Service deployment rolled back because "
        "of a lifecycle hook failure.; alarms in ALARM: shop-web-target-5xx; lifecycle hook %s FAILED"
        "; web: the previous revision serves" % FUNCTION)


def test_a_pause_hook_ends_the_wait_and_reports_the_hook(stubs, run_module, monkeypatch):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    update_to_revision_4(stubs)
    describe(stubs, service(td=4))
    listed(stubs, "old", "new")
    deployment(stubs, "new", "IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0,
               lifecycleHookDetails=[{"hookId": "h-9", "targetType": "PAUSE", "status": "AWAITING_ACTION"}])
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, wait=True))
    assert not failed, result.get("msg")
    assert result["service"]["paused_hook"] == {"hook_id": "h-9", "lifecycle_stage": "POST_TEST_TRAFFIC_SHIFT"}


def test_strategy_settings_out_of_range_fail_before_any_call(stubs, run_module):
    for config, message in (
            (dict(CONFIG, strategy="LINEAR", linear={"step_percent": 2.0}),
             "deployment_configuration.linear.step_percent=2.0 is out of range: use 3.0-100.0 in steps of 0.1"),
            (dict(CONFIG, bake_time_in_minutes=1441),
             "deployment_configuration.bake_time_in_minutes=1441 is out of range: use 0-1440"),
            (dict(CONFIG, lifecycle_hooks=[{"lifecycle_stages": ["POST_SCALE_UP"]}]),
             "an AWS_LAMBDA hook needs hook_target_arn"),
            (dict(CONFIG, strategy="ROLLING"), "deployment_configuration.bake_time_in_minutes: only BLUE_GREEN")):
        result, failed = run_module(ecs_service, dict(ARGS, deployment_configuration=config))
        assert failed and message in result["msg"], result["msg"]
    result, failed = run_module(ecs_service, dict(ARGS, load_balancers=[dict(LB, advanced_configuration=None)]))
    assert failed and "load_balancers[0].advanced_configuration: strategy BLUE_GREEN shifts traffic" in result["msg"]


def test_traffic_steps_and_the_defaults_a_described_service_omits():
    from ansible_collections.cloudops.ecs.plugins.module_utils import ecs_service as pure
    assert pure.traffic_steps({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 33.3}}) == [
        33.3, 66.6, 99.9, 100.0]
    assert pure.traffic_steps({"strategy": "LINEAR"}) == [10.0 * n for n in range(1, 11)]
    assert pure.traffic_steps({"strategy": "CANARY"}) == [5.0, 100.0]
    assert pure.traffic_steps({"strategy": "ROLLING"}) == []
    desired = pure.deployment_configuration({"strategy": "LINEAR", "bake_time_in_minutes": 0})
    described = {"strategy": "LINEAR", "bakeTimeInMinutes": 0, "minimumHealthyPercent": 100, "maximumPercent": 200}
    assert not pure.deployment_configuration_differs(desired, described)
    assert pure.deployment_configuration_differs(desired, dict(described, linearConfiguration={"stepPercent": 20.0}))
    rolling = pure.deployment_configuration({"strategy": "ROLLING"})
    assert not pure.deployment_configuration_differs(rolling, {"minimumHealthyPercent": 100, "maximumPercent": 200})
    assert pure.deployment_configuration_differs(rolling, described)


ROLLING_CONFIG = {"minimumHealthyPercent": 100, "maximumPercent": 200, "strategy": "ROLLING",
                  "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
ROLLING_ARGS = dict(ARGS, deployment_configuration={"minimum_healthy_percent": 100, "maximum_percent": 200,
                                                    "strategy": "ROLLING",
                                                    "circuit_breaker": {"enable": True, "rollback": True}})


def rolling_from(group):
    current = service(config=ROLLING_CONFIG)
    current["loadBalancers"] = [{"targetGroupArn": group, "containerName": "web", "containerPort": 80}]
    return current


def test_back_to_rolling_from_the_alternate_group_keeps_that_group(stubs, run_module):
    describe(stubs, service(swapped=True))
    sent = [{"targetGroupArn": ALT, "containerName": "web", "containerPort": 80}]
    stubs["ecs"].add_response("update_service", {"service": rolling_from(ALT)}, {
        "cluster": "shop", "service": "web", "loadBalancers": sent,
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200, "strategy": "ROLLING",
                                    "deploymentCircuitBreaker": {"enable": True, "rollback": True}}})
    lb = {"target_group_arn": ALT, "container_name": "web", "container_port": 80}
    result, failed = run_module(ecs_service, dict(ROLLING_ARGS, load_balancers=[lb]))
    assert not failed, result.get("msg")
    assert result["service"]["differences"] == ["deploymentConfiguration", "loadBalancers"]
    describe(stubs, rolling_from(ALT))
    result, failed = run_module(ecs_service, dict(ROLLING_ARGS, load_balancers=[lb]))
    assert not failed and result["changed"] is False, result


def test_a_rolling_service_serving_from_the_alternate_group_switches_to_blue_green_in_that_order(stubs, run_module):
    describe(stubs, rolling_from(ALT))
    result, failed = run_module(ecs_service, ARGS, check_mode=True)
    assert not failed, result.get("msg")
    assert result["service"]["differences"] == ["deploymentConfiguration", "loadBalancers"]
    [balancer] = result["diff"]["after"]["web"]["loadBalancers"]
    assert balancer["targetGroupArn"] == ALT and balancer["advancedConfiguration"]["alternateTargetGroupArn"] == TG
    # from the first group: the configured order
    describe(stubs, rolling_from(TG))
    result, failed = run_module(ecs_service, ARGS, check_mode=True)
    assert not failed, result.get("msg")
    [balancer] = result["diff"]["after"]["web"]["loadBalancers"]
    assert balancer["targetGroupArn"] == TG and balancer["advancedConfiguration"]["alternateTargetGroupArn"] == ALT
