"""ECS deployment strategies that shift traffic (BLUE_GREEN, LINEAR, CANARY) on the local AWS, through boto3 on a
frozen plane clock: lifecycle stages in order, the production listener rule's weights per step (DescribeRules and
the invariant recorder), bake times honoured by the clock, Lambda hooks invoked per stage with ECS's payload, a
failing hook, an alarm and StopServiceDeployment each rolling back, a PAUSE hook waiting for
ContinueServiceDeployment, and healthy targets behind the production rule never below the desired count."""
import itertools

import pytest
from botocore.exceptions import ClientError

CLUSTER = "bg"
DESIRED = 2
ROLE = "arn:aws:iam::123456789012:role/ecs-infrastructure"
HOOK = "arn:aws:lambda:us-east-1:123456789012:function:bg-hook"
HOOK_STAGES = ["RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
               "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"]
priorities = itertools.count(10)


def advance_until(clock, predicate, what, limit=30.0, step=0.1):
    """Move the frozen plane clock in small steps until `predicate()` holds (plane seconds, not wall time)."""
    spent = 0.0
    while spent <= limit:
        value = predicate()
        if value:
            return value
        clock.advance(step)
        spent += step
    raise AssertionError(f"{what} not reached within {limit} plane seconds")


@pytest.fixture(scope="module")
def env(client):
    ec2, ecs, elb, cloudwatch = client("ec2"), client("ecs"), client("elbv2"), client("cloudwatch")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"us-east-1{z}")[
        "Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    ecs.create_cluster(clusterName=CLUSTER)
    ec2.run_instances(ImageId=ec2.describe_images()["Images"][0]["ImageId"], MinCount=2, MaxCount=2,
                      SubnetId=subnets[0], InstanceType="m6i.xlarge",
                      UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    alb = elb.create_load_balancer(Name="bg-alb", Subnets=subnets, Type="application")["LoadBalancers"][0]
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
    listeners = {port: elb.create_listener(LoadBalancerArn=alb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                                           DefaultActions=fixed)["Listeners"][0]["ListenerArn"]
                 for port in (80, 8080)}
    from local_aws import polling

    polling.wait_for(lambda: len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) == 2,
                     what="two container instances")
    return {"ec2": ec2, "ecs": ecs, "elb": elb, "cloudwatch": cloudwatch, "vpc": vpc, "listeners": listeners,
            "subnets": subnets}


def register(ecs, name, image):
    return ecs.register_task_definition(family=name, containerDefinitions=[
        {"name": "web", "image": image, "cpu": 64, "memoryReservation": 128,
         "portMappings": [{"containerPort": 80, "hostPort": 0}]}])["taskDefinition"]["taskDefinitionArn"]


def routing(env, name, target_type="instance"):
    """Two target groups and a production (port 80) and test (port 8080) listener rule forwarding to them."""
    elb = env["elb"]
    groups = []
    for colour in ("blue", "green"):
        group = elb.create_target_group(Name=f"{name}-{colour}", Protocol="HTTP", Port=80, VpcId=env["vpc"],
                                        TargetType=target_type, HealthCheckIntervalSeconds=5, HealthyThresholdCount=2,
                                        UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.modify_target_group_attributes(TargetGroupArn=group, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
        groups.append(group)
    forward = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": groups[0], "Weight": 100}, {"TargetGroupArn": groups[1], "Weight": 0}]}}]
    priority = next(priorities)
    rules = [elb.create_rule(ListenerArn=env["listeners"][port], Priority=priority, Actions=forward,
                             Conditions=[{"Field": "path-pattern", "Values": [f"/{name}/*"]}])["Rules"][0]["RuleArn"]
             for port in (80, 8080)]
    return {"blue": groups[0], "green": groups[1], "production": rules[0], "test": rules[1]}


def load_balancers(route):
    return [{"targetGroupArn": route["blue"], "containerName": "web", "containerPort": 80,
             "advancedConfiguration": {"alternateTargetGroupArn": route["green"],
                                       "productionListenerRule": route["production"],
                                       "testListenerRule": route["test"], "roleArn": ROLE}}]


def weights(env, rule):
    action = env["elb"].describe_rules(RuleArns=[rule])["Rules"][0]["Actions"][0]
    return {g["TargetGroupArn"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]}


def service(env, name):
    return env["ecs"].describe_services(cluster=CLUSTER, services=[name])["services"][0]


def deployments(env, name):
    ecs = env["ecs"]
    arns = [d["serviceDeploymentArn"] for d in ecs.list_service_deployments(
        cluster=CLUSTER, service=name)["serviceDeployments"]]
    return ecs.describe_service_deployments(serviceDeploymentArns=arns)["serviceDeployments"] if arns else []


def healthy(env, group):
    return len([d for d in env["elb"].describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
                if d["TargetHealth"]["State"] == "healthy"])


def steady(env, name, task_definition, group):
    svc = service(env, name)
    return (svc["runningCount"] == DESIRED and len(svc["deployments"]) == 1
            and svc["deployments"][0]["taskDefinition"] == task_definition
            and svc["deployments"][0]["rolloutState"] == "COMPLETED" and healthy(env, group) == DESIRED)


def start(env, clock, name, config):
    """A service on its first revision behind the blue target group, steady; returns (route, blue, green TD)."""
    ecs = env["ecs"]
    route = routing(env, name)
    first, second = register(ecs, name, "nginx:1"), register(ecs, name, "nginx:2")
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=first, desiredCount=DESIRED,
                       loadBalancers=load_balancers(route), deploymentConfiguration=config)
    advance_until(clock, lambda: steady(env, name, first, route["blue"]), "first revision steady")
    return route, first, second


def test_blue_green_moves_production_at_once_after_test_traffic_and_cleans_up_after_the_bake(env, clock, controls):
    ecs = env["ecs"]
    name = "bgweb"
    route, first, second = start(env, clock, name, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2})
    assert weights(env, route["production"]) == {route["blue"]: 100, route["green"]: 0}
    config = service(env, name)["deploymentConfiguration"]
    assert (config["strategy"], config["bakeTimeInMinutes"]) == ("BLUE_GREEN", 2)
    assert service(env, name)["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] == route["green"]

    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    record = advance_until(clock, lambda: next((d for d in deployments(env, name)
                                                if d.get("lifecycleStage") == "BAKE_TIME"), None), "bake time")
    # green at the full desired count behind the alternate group; both rules on green; blue still running
    assert healthy(env, route["green"]) == DESIRED and healthy(env, route["blue"]) == DESIRED
    assert weights(env, route["production"]) == {route["blue"]: 0, route["green"]: 100}
    assert weights(env, route["test"]) == {route["blue"]: 0, route["green"]: 100}
    assert record["status"] == "IN_PROGRESS"
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert record["targetServiceRevision"]["runningTaskCount"] == DESIRED
    assert record["sourceServiceRevisions"][0]["runningTaskCount"] == DESIRED
    assert service(env, name)["runningCount"] == 2 * DESIRED

    bake = controls.scaled(120)
    clock.advance(bake * 0.8)   # within the bake: blue keeps running
    assert deployments(env, name)[0]["lifecycleStage"] == "BAKE_TIME" and healthy(env, route["blue"]) == DESIRED
    advance_until(clock, lambda: steady(env, name, second, route["green"]) and healthy(env, route["blue"]) == 0,
                  "blue cleaned up")
    record = deployments(env, name)[0]
    assert (record["status"], record["lifecycleStage"]) == ("SUCCESSFUL", "CLEAN_UP")
    assert record["targetServiceRevision"]["arn"] != record["sourceServiceRevisions"][0]["arn"]
    revision = ecs.describe_service_revisions(serviceRevisionArns=[record["targetServiceRevision"]["arn"]])
    assert revision["serviceRevisions"][0]["taskDefinition"] == second

    report = controls.report()
    traffic = report.traffic(CLUSTER, name)
    assert traffic["min_production_healthy"] >= DESIRED and traffic["below_desired"] == 0, traffic
    assert report.weights(CLUSTER, name, route["green"]) == [0, 100]
    assert report.weights(CLUSTER, name, f"{name}-blue") == [100, 0]


def test_linear_shifts_in_steps_with_the_step_bake_between(env, clock, controls):
    ecs = env["ecs"]
    name = "linweb"
    route, first, second = start(env, clock, name, {
        "strategy": "LINEAR", "bakeTimeInMinutes": 1,
        "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": 1}})
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: weights(env, route["production"])[route["green"]] == 10, "first step")
    step = controls.scaled(60)
    clock.advance(step * 0.8)   # the step bake holds the weight
    assert weights(env, route["production"])[route["green"]] == 10
    clock.advance(step * 0.4)
    assert weights(env, route["production"])[route["green"]] == 20
    advance_until(clock, lambda: steady(env, name, second, route["green"]), "linear deployment done")
    report = controls.report()
    assert report.weights(CLUSTER, name, route["green"]) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert report.weights(CLUSTER, name, route["blue"]) == [100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 0]
    traffic = report.traffic(CLUSTER, name)
    assert traffic["min_production_healthy"] >= DESIRED and traffic["below_desired"] == 0, traffic
    assert deployments(env, name)[0]["status"] == "SUCCESSFUL"


def test_canary_holds_the_canary_percent_for_its_bake_then_shifts_the_rest(env, clock, controls):
    ecs = env["ecs"]
    name = "canweb"
    route, first, second = start(env, clock, name, {
        "strategy": "CANARY", "bakeTimeInMinutes": 0,
        "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 3}})
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: weights(env, route["production"])[route["green"]] == 20, "canary step")
    record = deployments(env, name)[0]
    assert record["lifecycleStage"] == "PRODUCTION_TRAFFIC_SHIFT"
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 20.0
    assert record["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 80.0
    clock.advance(controls.scaled(180) * 0.9)
    assert weights(env, route["production"])[route["green"]] == 20
    advance_until(clock, lambda: steady(env, name, second, route["green"]), "canary deployment done")
    report = controls.report()
    assert report.weights(CLUSTER, name, route["green"]) == [0, 20, 100]
    assert report.traffic(CLUSTER, name)["below_desired"] == 0


def test_lambda_hooks_run_at_every_stage_in_order_with_the_payload_ecs_sends(env, clock, controls):
    ecs = env["ecs"]
    name = "hookweb"
    hook = {"targetType": "AWS_LAMBDA", "hookTargetArn": HOOK, "roleArn": ROLE, "lifecycleStages": HOOK_STAGES,
            "hookDetails": {"suite": "smoke"}}
    route, first, second = start(env, clock, name, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0,
                                                    "lifecycleHooks": [hook]})
    before = len(controls.lambda_hook_invocations(HOOK))
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: steady(env, name, second, route["green"]), "deployment done")
    invocations = controls.lambda_hook_invocations(HOOK)[before:]
    assert [i["payload"]["lifecycleStage"] for i in invocations] == HOOK_STAGES
    record = deployments(env, name)[0]
    target, source = record["targetServiceRevision"]["arn"], record["sourceServiceRevisions"][0]["arn"]
    by_stage = {i["payload"]["lifecycleStage"]: i["payload"] for i in invocations}
    pre = by_stage["PRE_SCALE_UP"]
    assert pre["resourceArn"] == record["serviceDeploymentArn"] and pre["hookDetails"] == {"suite": "smoke"}
    assert pre["executionDetails"] == {"serviceArn": service(env, name)["serviceArn"],
                                       "targetServiceRevisionArn": target,
                                       "testTrafficWeights": {target: 0.0, source: 100.0},
                                       "productionTrafficWeights": {target: 0.0, source: 100.0}}
    assert by_stage["POST_TEST_TRAFFIC_SHIFT"]["executionDetails"]["testTrafficWeights"][target] == 100.0
    assert by_stage["POST_PRODUCTION_TRAFFIC_SHIFT"]["executionDetails"]["productionTrafficWeights"] == {
        target: 100.0, source: 0.0}
    assert {i["roleArn"] for i in invocations} == {ROLE}


def test_an_in_progress_hook_is_invoked_again_after_its_callback_delay(env, clock, controls):
    ecs = env["ecs"]
    name = "slowhook"
    function = HOOK.replace("bg-hook", "slow-hook")
    hook = {"hookTargetArn": function, "roleArn": ROLE, "lifecycleStages": ["POST_SCALE_UP"]}
    route, first, second = start(env, clock, name, {"strategy": "BLUE_GREEN", "lifecycleHooks": [hook]})
    controls.lambda_hook(function, "IN_PROGRESS", callback_delay=60, hook_details={"round": 1})
    try:
        ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
        advance_until(clock, lambda: controls.lambda_hook_invocations(function), "first invocation")
        record = deployments(env, name)[0]
        assert record["lifecycleStage"] == "POST_SCALE_UP"
        assert record["lifecycleHookDetails"][0]["status"] == "IN_PROGRESS"
        clock.advance(controls.scaled(60) * 0.8)
        assert len(controls.lambda_hook_invocations(function)) == 1
        clock.advance(controls.scaled(60) * 0.4)
        invocations = controls.lambda_hook_invocations(function)
        assert len(invocations) == 2 and invocations[1]["payload"]["hookDetails"] == {"round": 1}
        controls.lambda_hook(function, "SUCCEEDED")
        advance_until(clock, lambda: steady(env, name, second, route["green"]), "deployment done")
    finally:
        controls.lambda_hook(function, "SUCCEEDED")


def test_a_failed_hook_rolls_back_with_blue_serving_throughout(env, clock, controls):
    ecs = env["ecs"]
    name = "failhook"
    function = HOOK.replace("bg-hook", "failing-hook")
    hook = {"hookTargetArn": function, "roleArn": ROLE, "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"]}
    route, first, second = start(env, clock, name, {"strategy": "BLUE_GREEN", "lifecycleHooks": [hook]})
    controls.lambda_hook(function, "FAILED")
    try:
        controls.mark()
        ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
        advance_until(clock, lambda: deployments(env, name)[0]["status"] == "ROLLBACK_SUCCESSFUL", "rolled back")
    finally:
        controls.lambda_hook(function, "SUCCEEDED")
    record = deployments(env, name)[0]
    assert "POST_PRODUCTION_TRAFFIC_SHIFT" in record["statusReason"] and "FAILED" in record["statusReason"]
    assert record["rollback"]["serviceRevisionArn"] == record["sourceServiceRevisions"][0]["arn"]
    advance_until(clock, lambda: steady(env, name, first, route["blue"]) and healthy(env, route["green"]) == 0,
                  "green scaled in")
    assert weights(env, route["production"]) == {route["blue"]: 100, route["green"]: 0}
    assert weights(env, route["test"]) == {route["blue"]: 100, route["green"]: 0}
    assert service(env, name)["taskDefinition"] == first
    report = controls.report()
    assert report.weights(CLUSTER, name, route["green"]) == [0, 100, 0]
    assert report.traffic(CLUSTER, name)["below_desired"] == 0
    assert report.target_group(route["blue"])["min_healthy"] == DESIRED
    messages = [e["message"] for e in service(env, name)["events"]]
    assert any("deployment failed: lifecycle hook failed." in m for m in messages), messages


def test_an_alarm_during_the_bake_rolls_back(env, clock, controls):
    ecs, cloudwatch = env["ecs"], env["cloudwatch"]
    name = "alarmweb"
    cloudwatch.put_metric_alarm(AlarmName="bg-5xx", Namespace="App", MetricName="5xx", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cloudwatch.set_alarm_state(AlarmName="bg-5xx", StateValue="OK", StateReason="quiet")
    route, first, second = start(env, clock, name, {
        "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5,
        "alarms": {"alarmNames": ["bg-5xx"], "enable": True, "rollback": True}})
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: deployments(env, name)[0]["lifecycleStage"] == "BAKE_TIME", "bake time")
    assert weights(env, route["production"])[route["green"]] == 100
    cloudwatch.set_alarm_state(AlarmName="bg-5xx", StateValue="ALARM", StateReason="errors on green")
    try:
        advance_until(clock, lambda: deployments(env, name)[0]["status"] == "ROLLBACK_SUCCESSFUL", "rolled back")
    finally:
        cloudwatch.set_alarm_state(AlarmName="bg-5xx", StateValue="OK", StateReason="recovered")
    record = deployments(env, name)[0]
    assert record["statusReason"] == "ECS deployment failed: alarm(s) bg-5xx in ALARM state."
    assert record["alarms"]["status"] == "TRIGGERED" and record["alarms"]["triggeredAlarmNames"] == ["bg-5xx"]
    assert weights(env, route["production"]) == {route["blue"]: 100, route["green"]: 0}
    advance_until(clock, lambda: steady(env, name, first, route["blue"]), "blue alone")


def test_a_pause_hook_waits_for_continue_service_deployment(env, clock, controls):
    ecs = env["ecs"]
    name = "pauseweb"
    hook = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    route, first, second = start(env, clock, name, {"strategy": "BLUE_GREEN", "lifecycleHooks": [hook]})
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    record = advance_until(clock, lambda: next((d for d in deployments(env, name)
                                                if d.get("lifecycleStage") == "POST_TEST_TRAFFIC_SHIFT"), None), "paused")
    clock.advance(controls.scaled(3600))   # an hour: still paused, production still on blue
    record = deployments(env, name)[0]
    detail = record["lifecycleHookDetails"][0]
    assert (record["lifecycleStage"], detail["status"], detail["targetType"]) == (
        "POST_TEST_TRAFFIC_SHIFT", "AWAITING_ACTION", "PAUSE")
    assert weights(env, route["production"])[route["green"]] == 0 and weights(env, route["test"])[route["green"]] == 100
    with pytest.raises(ClientError, match="InvalidParameterException"):
        ecs.continue_service_deployment(serviceDeploymentArn=record["serviceDeploymentArn"], hookId="nope")
    ecs.continue_service_deployment(serviceDeploymentArn=record["serviceDeploymentArn"], hookId=detail["hookId"],
                                    action="CONTINUE")
    advance_until(clock, lambda: steady(env, name, second, route["green"]), "deployment done")
    assert deployments(env, name)[0]["status"] == "SUCCESSFUL"


def test_stop_service_deployment_rolls_back_mid_linear_shift(env, clock, controls):
    ecs = env["ecs"]
    name = "stopweb"
    route, first, second = start(env, clock, name, {
        "strategy": "LINEAR", "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 5}})
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: weights(env, route["production"])[route["green"]] == 25, "first step")
    arn = deployments(env, name)[0]["serviceDeploymentArn"]
    ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    assert deployments(env, name)[0]["status"] in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
    advance_until(clock, lambda: deployments(env, name)[0]["status"] == "ROLLBACK_SUCCESSFUL", "rolled back")
    advance_until(clock, lambda: steady(env, name, first, route["blue"]), "blue alone")
    report = controls.report()
    assert report.weights(CLUSTER, name, route["green"]) == [0, 25, 0]
    assert report.traffic(CLUSTER, name)["below_desired"] == 0
    with pytest.raises(ClientError, match="ConflictException"):
        ecs.stop_service_deployment(serviceDeploymentArn=arn)


@pytest.mark.parametrize("change, message", [
    ({"advancedConfiguration": None}, "advancedConfiguration is required"),
    ({"advancedConfiguration": {"productionListenerRule": "other"}}, "productionListenerRule"),
    ({"advancedConfiguration": {"alternateTargetGroupArn": "same"}}, "must be different"),
    ({"advancedConfiguration": {"roleArn": None}}, "roleArn is required"),
])
def test_traffic_shifting_services_need_a_valid_advanced_configuration(env, change, message):
    ecs = env["ecs"]
    route = routing(env, f"bad{next(priorities)}")
    lb = load_balancers(route)[0]
    if change["advancedConfiguration"] is None:
        del lb["advancedConfiguration"]
    else:
        for key, value in change["advancedConfiguration"].items():
            if value is None:
                del lb["advancedConfiguration"][key]
            elif value == "same":
                lb["advancedConfiguration"][key] = route["blue"]
            else:   # a rule forwarding elsewhere
                lb["advancedConfiguration"][key] = other_rule(env)
    with pytest.raises(ClientError, match=message):
        ecs.create_service(cluster=CLUSTER, serviceName="invalid", taskDefinition=register(ecs, "invalid", "nginx:1"),
                           desiredCount=1, loadBalancers=[lb], deploymentConfiguration={"strategy": "BLUE_GREEN"})


def other_rule(env):
    route = routing(env, f"oth{next(priorities)}")
    elb = env["elb"]
    elb.modify_rule(RuleArn=route["production"], Actions=[{"Type": "fixed-response",
                                                            "FixedResponseConfig": {"StatusCode": "503"}}])
    return route["production"]


@pytest.mark.parametrize("config, message", [
    ({"strategy": "SIDEWAYS"}, "Invalid deployment strategy"),
    ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.0}}, "stepPercent"),
    ({"strategy": "CANARY", "canaryConfiguration": {"canaryBakeTimeInMinutes": 2000}}, "canaryBakeTimeInMinutes"),
    ({"strategy": "BLUE_GREEN", "linearConfiguration": {"stepPercent": 10.0}}, "only valid with the LINEAR"),
    ({"strategy": "BLUE_GREEN", "lifecycleHooks": [{"hookTargetArn": HOOK, "lifecycleStages": ["PRE_SCALE_UP"]}]},
     "roleArn is required"),
    ({"strategy": "ROLLING", "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP"]}]},
     "only supported with the BLUE_GREEN"),
])
def test_deployment_strategy_settings_are_validated(env, config, message):
    ecs = env["ecs"]
    with pytest.raises(ClientError, match=message):
        ecs.create_service(cluster=CLUSTER, serviceName="invalid", taskDefinition=register(ecs, "invalid", "nginx:1"),
                           desiredCount=1, deploymentConfiguration=config)


def test_the_next_deployment_goes_back_to_the_first_target_group(env, clock, controls):
    ecs = env["ecs"]
    name = "twice"
    route, first, second = start(env, clock, name, {"strategy": "BLUE_GREEN"})
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: steady(env, name, second, route["green"]) and healthy(env, route["blue"]) == 0,
                  "green serving")
    third = register(ecs, name, "nginx:3")
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=third)
    advance_until(clock, lambda: steady(env, name, third, route["blue"]) and healthy(env, route["green"]) == 0,
                  "third revision serving from the first target group")
    assert weights(env, route["production"]) == {route["blue"]: 100, route["green"]: 0}
    report = controls.report()
    assert report.weights(CLUSTER, name, route["blue"]) == [0, 100]
    assert report.traffic(CLUSTER, name)["below_desired"] == 0
    statuses = [d["status"] for d in ecs.list_service_deployments(cluster=CLUSTER, service=name)["serviceDeployments"]]
    assert statuses == ["SUCCESSFUL"] * 3   # newest first: both shifts and the first rollout


def test_green_that_fails_to_start_trips_the_circuit_breaker_and_rolls_back(env, clock, controls):
    ecs = env["ecs"]
    name = "breaker"
    route, first, second = start(env, clock, name, {
        "strategy": "BLUE_GREEN", "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    controls.call("ecs/fail-task-starts", {"cluster": CLUSTER, "family": second.split("/")[-1], "forever": True})
    try:
        controls.mark()
        ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
        advance_until(clock, lambda: deployments(env, name)[0]["status"] == "ROLLBACK_SUCCESSFUL", "rolled back")
    finally:
        controls.call("ecs/fail-task-starts", {"cluster": CLUSTER, "family": second.split("/")[-1], "count": 0})
    record = deployments(env, name)[0]
    assert record["statusReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert record["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
    assert record["deploymentCircuitBreaker"]["failureCount"] >= record["deploymentCircuitBreaker"]["threshold"]
    assert record["lifecycleStage"] == "SCALE_UP"
    advance_until(clock, lambda: steady(env, name, first, route["blue"]), "blue alone")
    report = controls.report()
    assert report.weights(CLUSTER, name, route["green"]) == [0]   # production never moved
    assert report.traffic(CLUSTER, name)["below_desired"] == 0


@pytest.mark.parametrize("action, outcome", [("CONTINUE", "SUCCESSFUL"), ("ROLLBACK", "ROLLBACK_SUCCESSFUL")])
def test_a_pause_hook_past_its_timeout_takes_its_timeout_action(env, clock, controls, action, outcome):
    ecs = env["ecs"]
    name = f"timeout{action.lower()}"
    hook = {"targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP"],
            "timeoutConfiguration": {"timeoutInMinutes": 10, "action": action}}
    route, first, second = start(env, clock, name, {"strategy": "BLUE_GREEN", "lifecycleHooks": [hook]})
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: deployments(env, name)[0].get("lifecycleHookDetails"), "paused")
    detail = deployments(env, name)[0]["lifecycleHookDetails"][0]
    assert (detail["status"], detail["timeoutAction"]) == ("AWAITING_ACTION", action)
    clock.advance(controls.scaled(600) * 0.9)
    assert deployments(env, name)[0]["lifecycleStage"] == "PRE_SCALE_UP"
    assert healthy(env, route["green"]) == 0   # nothing of green started before the hook let it
    advance_until(clock, lambda: deployments(env, name)[0]["status"] == outcome, outcome)
    final = (second, route["green"]) if action == "CONTINUE" else (first, route["blue"])
    advance_until(clock, lambda: steady(env, name, *final), "settled")


def test_a_deployment_replaced_mid_shift_is_stopped_and_the_next_starts_from_blue(env, clock, controls):
    ecs = env["ecs"]
    name = "replaced"
    route, first, second = start(env, clock, name, {
        "strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 30}})
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    advance_until(clock, lambda: weights(env, route["production"])[route["green"]] == 10, "canary")
    third = register(ecs, name, "nginx:3")
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=third)
    records = deployments(env, name)
    assert records[1]["status"] == "STOPPED" and "superseded" in records[1]["statusReason"]
    assert records[0]["sourceServiceRevisions"][0]["arn"] == records[1]["sourceServiceRevisions"][0]["arn"]
    advance_until(clock, lambda: steady(env, name, third, route["green"]) and healthy(env, route["blue"]) == 0,
                  "third revision serving")
    assert deployments(env, name)[0]["status"] == "SUCCESSFUL"
    assert controls.report().traffic(CLUSTER, name)["below_desired"] == 0


def test_rolling_deployments_have_service_deployments_too(env, clock):
    ecs = env["ecs"]
    name = "rolling"
    first, second = register(ecs, name, "nginx:1"), register(ecs, name, "nginx:2")
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=first, desiredCount=1)
    advance_until(clock, lambda: service(env, name)["deployments"][0]["rolloutState"] == "COMPLETED", "first")
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
    in_progress = ecs.list_service_deployments(cluster=CLUSTER, service=name, status=["IN_PROGRESS"])
    assert len(in_progress["serviceDeployments"]) == 1
    advance_until(clock, lambda: service(env, name)["deployments"][0]["rolloutState"] == "COMPLETED"
                  and len(service(env, name)["deployments"]) == 1, "second")
    newest, oldest = deployments(env, name)
    assert (newest["status"], oldest["status"]) == ("SUCCESSFUL", "SUCCESSFUL")
    assert newest["sourceServiceRevisions"][0]["arn"] == oldest["targetServiceRevision"]["arn"]
    assert "lifecycleStage" not in newest and "requestedProductionTrafficWeight" not in newest["targetServiceRevision"]
    with pytest.raises(ClientError, match="ServiceNotFoundException"):
        ecs.list_service_deployments(cluster=CLUSTER, service="nothing")
    missing = newest["serviceDeploymentArn"][:-3] + "zzz"
    assert ecs.describe_service_deployments(serviceDeploymentArns=[missing])["failures"] == [
        {"arn": missing, "reason": "MISSING"}]
    with pytest.raises(ClientError, match="ServiceDeploymentNotFoundException"):
        ecs.stop_service_deployment(serviceDeploymentArn=missing)


def documented_sequences():
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from documented import DOCUMENTED, changes, follows

    return DOCUMENTED["ecs_service_deployment"], changes, follows


@pytest.mark.parametrize("fail", [False, True])
def test_stages_and_statuses_follow_the_documented_sequences(env, clock, controls, fail):
    """Tick by tick on the frozen clock: the lifecycle stages and statuses of a linear deployment (and of one whose
    POST_PRODUCTION_TRAFFIC_SHIFT hook fails) only move forward through the documented sequences."""
    documented, changes, follows = documented_sequences()
    ecs = env["ecs"]
    name = f"documented{int(fail)}"
    shifts, check = (HOOK.replace("bg-hook", f"documented-{kind}-{int(fail)}") for kind in ("shifts", "check"))
    hooks = [{"hookTargetArn": shifts, "roleArn": ROLE, "lifecycleStages": ["TEST_TRAFFIC_SHIFT",
                                                                           "PRODUCTION_TRAFFIC_SHIFT"]},
             {"hookTargetArn": check, "roleArn": ROLE, "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"]}]
    route, first, second = start(env, clock, name, {
        "strategy": "LINEAR", "bakeTimeInMinutes": 1, "lifecycleHooks": hooks,
        "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 1}})
    controls.lambda_hook(check, "FAILED" if fail else "SUCCEEDED")
    try:
        ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=second)
        seen = []
        final = "ROLLBACK_SUCCESSFUL" if fail else "SUCCESSFUL"

        def sample():
            record = deployments(env, name)[0]
            seen.append((record["status"], record.get("lifecycleStage")))
            return record["status"] == final

        advance_until(clock, sample, final, step=0.05)
    finally:
        controls.lambda_hook(check, "SUCCEEDED")
    statuses, stages = changes([s for s, _ in seen]), changes([s for _, s in seen])
    assert follows(statuses, documented["rollback" if fail else "successful"]), statuses
    assert follows(stages, documented["lifecycle_stages"]), stages
    assert {"SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT" if fail else "BAKE_TIME"} <= set(
        stages), stages
    invoked = [(i["payload"]["lifecycleStage"], i["payload"]["executionDetails"]["productionTrafficWeights"][
        i["payload"]["executionDetails"]["targetServiceRevisionArn"]]) for i in controls.lambda_hook_invocations(shifts)]
    expected = [("TEST_TRAFFIC_SHIFT", 0.0), ("PRODUCTION_TRAFFIC_SHIFT", 50.0), ("PRODUCTION_TRAFFIC_SHIFT", 100.0)]
    # a rollback runs the traffic shift hooks once more, on the way back to blue
    assert invoked == expected + ([("PRODUCTION_TRAFFIC_SHIFT", 0.0), ("TEST_TRAFFIC_SHIFT", 0.0)] if fail else [])


def test_awsvpc_tasks_shift_between_ip_target_groups(env, clock, controls):
    ecs = env["ecs"]
    name = "vpcweb"
    route = routing(env, name, target_type="ip")
    definitions = [ecs.register_task_definition(family=name, networkMode="awsvpc", containerDefinitions=[
        {"name": "web", "image": image, "cpu": 64, "memoryReservation": 128,
         "portMappings": [{"containerPort": 80, "hostPort": 80}]}])["taskDefinition"]["taskDefinitionArn"]
        for image in ("nginx:1", "nginx:2")]
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=definitions[0], desiredCount=DESIRED,
                       loadBalancers=load_balancers(route), deploymentConfiguration={"strategy": "BLUE_GREEN"},
                       networkConfiguration={"awsvpcConfiguration": {"subnets": env["subnets"]}})
    advance_until(clock, lambda: steady(env, name, definitions[0], route["blue"]), "first revision steady")
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=definitions[1])
    advance_until(clock, lambda: steady(env, name, definitions[1], route["green"]) and healthy(env, route["blue"]) == 0,
                  "green serving")
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=ecs.list_tasks(cluster=CLUSTER, serviceName=name)["taskArns"])
    addresses = {t["attachments"][0]["details"][-1]["value"] for t in tasks["tasks"] if t["lastStatus"] == "RUNNING"}
    targets = {d["Target"]["Id"] for d in env["elb"].describe_target_health(
        TargetGroupArn=route["green"])["TargetHealthDescriptions"]}
    assert targets == addresses and len(targets) == DESIRED
    report = controls.report()
    assert report.weights(CLUSTER, name, route["green"]) == [0, 100]
    assert report.traffic(CLUSTER, name)["below_desired"] == 0


def test_switching_strategies_in_place_drops_the_settings_of_the_strategy_left(env):
    ecs = env["ecs"]
    route = routing(env, "switch")
    ecs.create_service(cluster=CLUSTER, serviceName="switch", taskDefinition=register(ecs, "switch", "nginx:1"),
                       desiredCount=1, loadBalancers=load_balancers(route), deploymentConfiguration={
                           "strategy": "LINEAR", "linearConfiguration": {"stepPercent": 25.0},
                           "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}]})
    for config, gone in (({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10.0}}, "linearConfiguration"),
                         ({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}, "canaryConfiguration"),
                         ({"strategy": "ROLLING"}, "lifecycleHooks")):
        updated = ecs.update_service(cluster=CLUSTER, service="switch", deploymentConfiguration=config)["service"]
        assert updated["deploymentConfiguration"]["strategy"] == config["strategy"]
        assert gone not in updated["deploymentConfiguration"]
