"""The services role's deployment strategies: what deployment_strategy and its settings become in the ecs_service
item (strategy, bake time, steps, hooks, the second target group and the roles ECS assumes), the listener rule of a
traffic-shifting service, and every bad setting refused naming the variable, the value and the fix."""
from ansible_collections.cloudops.ecs.plugins.module_utils import service_spec

SETTINGS = {
    "state": "present", "stack_name": "demo", "region": "us-gov-west-1", "partition": "aws-us-gov",
    "account_id": "123456789012", "cluster_name": "demo", "vpc_id": "vpc-1", "listener_arn": "arn:listener",
    "name_prefix": "demo-", "family_prefix": "demo-", "target_groups": {"web": "arn:tg/web"},
    "alternate_target_groups": {"web": "arn:tg/web-alt"}, "production_listener_rules": {"web": "arn:rule/100"},
}
FUNCTION = "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:smoke"
WEB = {"name": "web", "image": "nginx", "memory": 128, "container_port": 80, "listener_rule": {"path": "/*", "priority": 100},
       "deployment_strategy": "blue_green", "bake_time": 2,
       "lifecycle_hooks": [{"function_arn": FUNCTION, "stages": ["POST_SCALE_UP"]},
                           {"type": "pause", "stages": ["POST_TEST_TRAFFIC_SHIFT"], "timeout_action": "rollback"}]}


def test_a_blue_green_service_gets_both_target_groups_its_rule_and_the_roles_of_this_partition():
    item = service_spec.service_item(WEB, SETTINGS)
    config = item["deployment_configuration"]
    assert config["strategy"] == "BLUE_GREEN" and config["bake_time_in_minutes"] == 2
    assert config["circuit_breaker"] == {"enable": True, "rollback": True}
    assert config["lifecycle_hooks"] == [
        {"lifecycle_stages": ["POST_SCALE_UP"], "target_type": "AWS_LAMBDA", "hook_target_arn": FUNCTION,
         "role_arn": "arn:aws-us-gov:iam::123456789012:role/demo-ecs-lifecycle-hooks"},
        {"lifecycle_stages": ["POST_TEST_TRAFFIC_SHIFT"], "target_type": "PAUSE", "timeout_action": "ROLLBACK"}]
    assert item["load_balancers"][0]["advanced_configuration"] == {
        "alternate_target_group_arn": "arn:tg/web-alt", "production_listener_rule": "arn:rule/100",
        "role_arn": "arn:aws-us-gov:iam::123456789012:role/demo-ecs-load-balancers"}
    assert service_spec.listener_rules([WEB], SETTINGS)[0]["alternate_target_group_arn"] == "arn:tg/web-alt"
    assert service_spec.load_balancer_role_policy_arn(SETTINGS) == \
        "arn:aws-us-gov:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    assert service_spec.hook_role_policy([WEB], SETTINGS)["Statement"][0]["Resource"] == [FUNCTION]


def test_linear_and_canary_settings_and_defaults():
    linear = service_spec.service_item(dict(WEB, deployment_strategy="linear", linear={"step_percent": 25},
                                            lifecycle_hooks=None), SETTINGS)["deployment_configuration"]
    assert linear["linear"] == {"step_percent": 25.0, "step_bake_time_in_minutes": 6}
    canary = service_spec.service_item(dict(WEB, deployment_strategy="canary", lifecycle_hooks=None),
                                       SETTINGS)["deployment_configuration"]
    assert canary["canary"] == {"canary_percent": 5.0, "canary_bake_time_in_minutes": 10}


def test_the_default_strategy_applies_to_load_balanced_services_only():
    settings = dict(SETTINGS, default_deployment_strategy="blue_green")
    worker = {"name": "worker", "image": "busybox", "memory": 64}
    assert service_spec.service_item(worker, settings)["deployment_configuration"]["strategy"] == "ROLLING"
    web = dict(WEB, deployment_strategy=None, lifecycle_hooks=None)
    assert service_spec.service_item(web, settings)["deployment_configuration"]["strategy"] == "BLUE_GREEN"
    assert service_spec.input_errors([worker, web], settings) == []


def test_check_mode_before_the_alternate_group_exists_names_what_will_be_created():
    settings = dict(SETTINGS, alternate_target_groups={}, production_listener_rules={})
    advanced = service_spec.service_item(WEB, settings)["load_balancers"][0]["advanced_configuration"]
    assert advanced["alternate_target_group_arn"] == "(target group demo-web-alt, to be created)"
    assert advanced["production_listener_rule"] == "(listener rule 100, to be created)"


def test_target_groups_of_a_traffic_shifting_service_are_two_and_teardown_removes_both_of_every_one():
    api = {"name": "api", "image": "nginx", "memory": 64, "container_port": 8080, "network_mode": "awsvpc",
           "listener_rule": {"path": "/api/*", "priority": 90}, "deregistration_delay": 5,
           "target_group_health_check": {"path": "/health", "matcher": "200"}}
    worker = {"name": "worker", "image": "busybox", "memory": 64}
    settings = dict(SETTINGS, tags={"cloudops:stack": "demo"}, default_deregistration_delay=30)
    web, web_alt, api_group = service_spec.target_groups([WEB, api, worker], settings)
    assert [web["name"], web_alt["name"], api_group["name"]] == ["demo-web", "demo-web-alt", "demo-api"]
    assert web == {"name": "demo-web", "protocol": "HTTP", "port": 80, "vpc_id": "vpc-1", "target_type": "instance",
                   "health_check": {"protocol": "HTTP", "path": "/", "interval": 15, "timeout": 5,
                                    "healthy_threshold": 2, "unhealthy_threshold": 3, "matcher": "200-399"},
                   "deregistration_delay": 30, "tags": {"cloudops:stack": "demo", "Name": "demo-web"}}
    assert web_alt["tags"]["Name"] == "demo-web-alt" and web_alt["health_check"] == web["health_check"]
    assert api_group["target_type"] == "ip" and api_group["deregistration_delay"] == 5
    assert api_group["health_check"]["path"] == "/health" and api_group["health_check"]["matcher"] == "200"
    assert service_spec.target_groups([WEB, api, worker], dict(settings, state="absent")) == [
        {"name": "demo-web", "state": "absent"}, {"name": "demo-web-alt", "state": "absent"},
        {"name": "demo-api", "state": "absent"}, {"name": "demo-api-alt", "state": "absent"}]


def test_alternate_target_group_names_stay_within_the_elb_limit():
    long_name = {"name": "x" * 40, "listener_rule": {"path": "/"}}
    assert len(service_spec.alternate_target_group_name(long_name, SETTINGS)) <= 32
    assert service_spec.alternate_target_group_name(WEB, SETTINGS) == "demo-web-alt"


def test_bad_strategy_settings_name_the_variable_the_value_and_the_fix():
    errors = service_spec.input_errors([
        dict(WEB, deployment_strategy="red_black"),
        {"name": "worker", "image": "busybox", "memory": 64, "deployment_strategy": "canary"},
        {"name": "cron", "image": "busybox", "memory": 64, "bake_time": 3},
        dict(WEB, name="api", listener_rule={"path": "/api", "priority": 90}, deployment_strategy="linear",
             bake_time=2000, linear={"step_percent": 2.5}, canary={"percent": 5},
             lifecycle_hooks=[{"function_arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "stages": ["BOOT"]},
                              {"type": "pause", "function_arn": FUNCTION, "stages": ["POST_SCALE_UP"]}]),
    ], SETTINGS)
    assert errors == [
        "services_list[0].deployment_strategy: red_black is not valid; use rolling, blue_green, linear, canary",
        "services_list[1].deployment_strategy: canary shifts traffic between two target groups and needs a "
        "load-balanced service; add a listener_rule or use rolling",
        "services_list[2].bake_time: only blue_green, linear and canary deployments use it; set deployment_strategy "
        "or remove bake_time",
        "services_list[3].bake_time: 2000 is out of range; use whole minutes 0-1440",
        "services_list[3].canary: only a canary deployment uses it; remove it or set deployment_strategy: canary",
        "services_list[3].linear.step_percent: 2.5 is out of range; use 3-100 in steps of 0.1",
        "services_list[3].lifecycle_hooks[0].stages: BOOT is not a lifecycle stage; use RECONCILE_SERVICE, "
        "PRE_SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRE_PRODUCTION_TRAFFIC_SHIFT, "
        "PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT",
        "services_list[3].lifecycle_hooks[0].function_arn: arn:aws:lambda:us-east-1:123456789012:function:f is not in "
        "this partition and region (aws-us-gov, us-gov-west-1); use a function in us-gov-west-1",
        "services_list[3].lifecycle_hooks[1].function_arn: a pause hook runs no function; remove it or use type lambda",
    ]


def test_deploy_playbook_inputs_are_refused_naming_the_variable_and_the_fix():
    from ansible_collections.cloudops.ecs.plugins.module_utils import validation
    services = [{"name": "web"}, {"name": "api"}]
    assert [str(p) for p in validation.rules_for("deploy", {"services_list": services, "deploy_service": "wbe"})] == [
        str(validation.Problem("deploy_service", "wbe", "not a service of this stack; use one of web, api"))]
    problems = validation.rules_for("deploy", {"services_list": services, "deploy_service": "web",
                                               "deploy_action": "continue", "deploy_image": "nginx:2"})
    assert [p.variable for p in problems] == ["deploy_action"]
    assert validation.rules_for("deploy", {"services_list": services, "deploy_service": "web"}) == []
    assert [p.variable for p in validation.rules_for("deploy", {"services_list": services})] == ["deploy_service"]


def test_traffic_shifting_services_get_a_test_rule_and_ecs_its_arn():
    rolling = {"name": "api", "image": "x", "memory": 64, "container_port": 8080,
               "listener_rule": {"path": "/api/*", "priority": 90}, "deployment_strategy": "rolling"}
    settings = dict(SETTINGS, target_groups={"web": "arn:tg/web", "api": "arn:tg/api"},
                    test_listener_rules={"web": "arn:rule/test-100"})
    [rule] = service_spec.test_listener_rules([WEB, rolling], settings)
    assert rule == {"priority": 100, "state": "present", "path_patterns": ["/*"], "target_group_arn": "arn:tg/web",
                    "alternate_target_group_arn": "arn:tg/web-alt"}
    advanced = service_spec.service_item(WEB, settings)["load_balancers"][0]["advanced_configuration"]
    assert advanced["test_listener_rule"] == "arn:rule/test-100"
    removed = service_spec.test_listener_rules([WEB, rolling], dict(settings, state="absent"))
    assert [r["priority"] for r in removed] == [100, 90]


def test_the_test_listener_port_is_checked():
    from ansible_collections.cloudops.ecs.plugins.module_utils import validation
    base = {"load_balancer_test_listener_port": 443, "load_balancer_test_listener_cidrs": ["10.0.0.0/16"]}
    problems = [p.variable for p in validation.rules_for("load_balancer", base)]
    assert "load_balancer_test_listener_port" in problems
    problems = [p.variable for p in validation.rules_for("load_balancer", dict(base, load_balancer_test_listener_port=8443))]
    assert "load_balancer_test_listener_port" not in problems and "load_balancer_test_listener_cidrs" not in problems


TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/0123456789abcdef"
ALT = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web-alt/fedcba9876543210"
ROLLING = dict(WEB, deployment_strategy="rolling", lifecycle_hooks=None, bake_time=None)


def described(production, alternate=None, status="ACTIVE", name="web"):
    balancer = {"targetGroupArn": production, "containerName": name, "containerPort": 80}
    if alternate:
        balancer["advancedConfiguration"] = {"alternateTargetGroupArn": alternate, "productionListenerRule": "arn:rule"}
    return {"serviceName": name, "status": status, "loadBalancers": [balancer]}


def test_the_alternate_group_is_found_wherever_ecs_names_it():
    for current in (described(TG, ALT), described(ALT, TG), described(ALT)):
        assert service_spec.alternate_target_groups_in_use([WEB], [current], SETTINGS) == {"web": ALT}
        assert service_spec.alternate_target_groups_in_use([ROLLING], [current], SETTINGS) == {"web": ALT}
    # rolling from its first group, gone, not created yet, not load balanced, another service's group: none
    assert service_spec.alternate_target_groups_in_use([ROLLING], [described(TG)], SETTINGS) == {}
    assert service_spec.alternate_target_groups_in_use([WEB], [described(ALT, status="INACTIVE")], SETTINGS) == {}
    assert service_spec.alternate_target_groups_in_use([WEB], [], SETTINGS) == {}
    assert service_spec.alternate_target_groups_in_use([dict(WEB, listener_rule=None)], [described(ALT)], SETTINGS) == {}
    other = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-api-alt/0123456789abcdef"
    assert service_spec.alternate_target_groups_in_use([WEB], [described(other)], SETTINGS) == {}


def test_a_rolling_service_with_an_alternate_group_keeps_the_group_its_rule_serves_from():
    settings = dict(SETTINGS, target_groups={"web": TG}, alternate_target_groups={"web": ALT})
    # the rule forwards to the one of the two that serves
    [rule] = service_spec.listener_rules([ROLLING], settings)
    assert rule == {"priority": 100, "state": "present", "path_patterns": ["/*"], "target_group_arn": TG,
                    "alternate_target_group_arn": ALT, "forward_to": "serving"}
    # elb_listener_rules kept the alternate group: the ECS load balancer, the alarms and the fact name it
    serving = service_spec.rule_target_groups([ROLLING], [{"priority": 100, "action": "modify", "target_group_arn": ALT},
                                                          {"priority": 90, "action": "none", "target_group_arn": TG}])
    assert serving == {"web": ALT}
    groups = service_spec.production_target_groups([ROLLING], {"web": TG}, dict(settings, serving_target_groups=serving))
    assert groups == {"web": ALT}
    settings = dict(settings, target_groups=groups)
    item = service_spec.service_item(ROLLING, settings)
    assert item["deployment_configuration"]["strategy"] == "ROLLING"
    assert item["load_balancers"] == [{"target_group_arn": ALT, "container_name": "web", "container_port": 80}]
    assert service_spec.published([ROLLING], settings)[0]["target_group_arn"] == ALT
    # a traffic-shifting service keeps its first group here (ECS's pair order is kept by ecs_service)
    assert service_spec.production_target_groups([WEB], {"web": TG}, dict(settings, serving_target_groups=serving)) \
        == {"web": TG}
    # no alternate group: a plain one-group rule, the first group
    [rule] = service_spec.listener_rules([ROLLING], dict(SETTINGS, target_groups={"web": TG}, alternate_target_groups={}))
    assert rule == {"priority": 100, "state": "present", "path_patterns": ["/*"], "target_group_arn": TG}
    assert service_spec.production_target_groups([ROLLING], {"web": TG}, SETTINGS) == {"web": TG}


def test_check_mode_before_the_alternate_group_exists_reports_the_rule_change():
    # A rolling service switching to blue_green in check mode: the alternate group is not created yet, the rule will
    # forward to two groups.
    settings = dict(SETTINGS, target_groups={"web": TG}, alternate_target_groups={})
    [rule] = service_spec.listener_rules([WEB], settings)
    assert rule["target_group_arn"] == TG
    assert rule["alternate_target_group_arn"] == "(target group demo-web-alt, to be created)"
    assert "forward_to" not in rule


def test_teardown_removes_the_rule_whichever_group_of_the_service_it_forwards_to():
    settings = dict(SETTINGS, state="absent", target_groups={"web": TG}, alternate_target_groups={"web": ALT})
    for svc in (WEB, ROLLING):
        [rule] = service_spec.listener_rules([svc], settings)
        assert rule == {"priority": 100, "state": "absent", "path_patterns": ["/*"], "target_group_arn": TG,
                        "alternate_target_group_arn": ALT}


def test_the_roles_ecs_assumes_are_exactly_those_the_services_need_in_this_partition():
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    rolling = dict(WEB, deployment_strategy="rolling", lifecycle_hooks=[])
    assert service_spec.deployment_roles([rolling], SETTINGS, trust) == []
    roles = service_spec.deployment_roles([WEB], SETTINGS, trust)
    assert [r["name"] for r in roles] == ["demo-ecs-load-balancers", "demo-ecs-lifecycle-hooks"]
    shift, hooks = roles
    assert shift["managed_policies"] == [service_spec.load_balancer_role_policy_arn(SETTINGS)]
    assert shift["managed_policies"][0].startswith("arn:aws-us-gov:iam::aws:policy/")
    assert hooks["inline_policies"]["invoke-lifecycle-hooks"]["Statement"][0]["Resource"] == [FUNCTION]
    assert all(r["assume_role_policy"] == trust and r["tags"]["Name"] == r["name"] for r in roles)
    volumes = dict(rolling, name="ledger", volumes=[{"name": "data", "type": "ebs", "size_gib": 10}])
    assert [r["name"] for r in service_spec.deployment_roles([rolling, volumes], SETTINGS, trust)] == ["demo-ecs-volumes"]
