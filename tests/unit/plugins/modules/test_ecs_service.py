from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_service

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:%d"
SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/shop/web"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
ARGS = {"cluster": "shop", "name": "web", "task_definition": TD % 3, "desired_count": 2}


def service(td=3, running=2, rollout="COMPLETED", deployment="ecs-svc/1", desired=2):
    return {"serviceName": "web", "serviceArn": SERVICE_ARN, "status": "ACTIVE", "taskDefinition": TD % td,
            "desiredCount": desired, "runningCount": running, "pendingCount": 0, "schedulingStrategy": "REPLICA",
            "launchType": "EC2", "loadBalancers": [{"targetGroupArn": TG, "containerName": "web", "containerPort": 80}],
            "deployments": [{"id": deployment, "status": "PRIMARY", "taskDefinition": TD % td, "rolloutState": rollout}],
            "tags": [{"key": "cloudops:stack", "value": "shop"}]}


def describe(stubs, *items):
    stubs["ecs"].add_response("describe_services", {"services": list(items)},
                              {"cluster": "shop", "services": ["web"], "include": ["TAGS"]})


def update_to_revision_4(stubs):
    describe(stubs, service(td=2))
    stubs["ecs"].add_response("update_service", {"service": service(td=4, running=2, rollout="IN_PROGRESS",
                                                                    deployment="ecs-svc/2")},
                              {"cluster": "shop", "service": "web", "taskDefinition": TD % 4})


def both_targets_healthy(stubs):
    stubs["elbv2"].add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": "i-0aaaaaaaaaaaaaaa%d" % n, "Port": 32768}, "TargetHealth": {"State": "healthy"}} for n in (1, 2)]},
        {"TargetGroupArn": TG})


def test_no_change(stubs, run_module):
    describe(stubs, service())
    result, failed = run_module(ecs_service, ARGS)
    assert not failed and result["changed"] is False and result["service"]["action"] == "none"


def test_no_change_with_wait_checks_the_services_as_read_and_their_targets(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    describe(stubs, service())  # once: the first check uses it
    both_targets_healthy(stubs)
    result, failed = run_module(ecs_service, dict(ARGS, wait=True))
    assert not failed and result["changed"] is False and result["waited_seconds"] == 0 and clock.slept == []


def test_no_change_with_wait_still_waits_for_a_rollout_in_progress(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    describe(stubs, service(running=1, rollout="IN_PROGRESS"))  # e.g. a previous run was interrupted
    describe(stubs, service())
    both_targets_healthy(stubs)
    result, failed = run_module(ecs_service, dict(ARGS, wait=True))
    assert not failed and result["changed"] is False and clock.slept == [1.0]


def test_check_mode_on_an_empty_account_plans_the_creation(stubs, run_module):
    stubs["ecs"].add_client_error("describe_services", "ClusterNotFoundException")
    stubs["ecs"].add_client_error("describe_task_definition", "ClientException", "Unable to describe task definition.")
    result, failed = run_module(ecs_service, dict(ARGS, task_definition="shop-web"), check_mode=True)
    assert not failed, result.get("msg")
    assert result["service"]["action"] == "create" and result["diff"]["after"]["web"]["taskDefinition"] == "shop-web"


def test_new_revision_updates_and_waits_for_the_rollout_and_healthy_targets(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    update_to_revision_4(stubs)
    describe(stubs, service(td=4, running=1, rollout="IN_PROGRESS", deployment="ecs-svc/2"))
    describe(stubs, service(td=4, deployment="ecs-svc/2"))
    both_targets_healthy(stubs)
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, wait=True))
    assert not failed, result.get("msg")
    assert result["service"]["differences"] == ["taskDefinition"] and result["service"]["deployment_id"] == "ecs-svc/2"
    assert result["waited_seconds"] == 1.0 and clock.slept == [1.0]


def test_a_failed_rollout_fails_early_and_says_why(stubs, run_module, monkeypatch):
    monkeypatch.setattr(waiter, "Clock", waiter.ManualClock)
    describe(stubs, service(td=2))
    stubs["ecs"].add_response("update_service", {"service": service(td=4, rollout="IN_PROGRESS", deployment="ecs-svc/2")})
    describe(stubs, dict(service(td=4, rollout="FAILED", deployment="ecs-svc/2"), events=[]))
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, wait=True))
    assert failed and result["msg"].startswith("Service web did not roll out: web: deployment ecs-svc/2 failed")
    assert result["services"][0]["rollout_state"] == "FAILED"


def test_invalid_input_fails_before_any_call(stubs, run_module):
    result, failed = run_module(ecs_service, dict(ARGS, deployment_configuration={"maximum_percent": 50}))
    assert failed and "deployment_configuration.maximum_percent=50 is out of range: use 100-200" in result["msg"]


def test_aws_error(stubs, run_module):
    stubs["ecs"].add_client_error("describe_services", "AccessDeniedException", "denied")
    result, failed = run_module(ecs_service, ARGS)
    assert failed and result["msg"].startswith("Could not describe services web in cluster shop")


def test_the_rollout_reports_a_line_per_change_and_what_it_waits_for_every_20s(stubs, run_module, monkeypatch, tmp_path):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    update_to_revision_4(stubs)
    # wait_interval 10: polls at 0, 1, 2.25, 3.81, 5.77, 8.21, 11.26, 15.07, 19.84, 20, 27.45 s
    for running in (0, 0, 0, 0, 0, 0, 1, 1, 1, 1):
        describe(stubs, dict(service(td=4, running=running, rollout="IN_PROGRESS", deployment="ecs-svc/2"),
                             pendingCount=2 - running))
    describe(stubs, service(td=4, deployment="ecs-svc/2"))
    both_targets_healthy(stubs)
    path = tmp_path / "progress.log"
    result, failed = run_module(ecs_service, dict(ARGS, task_definition=TD % 4, wait=True, wait_interval=10,
                                                  progress_file=str(path)))
    assert not failed, result.get("msg")
    assert path.read_text().splitlines() == [
        "waiting for services web to roll out (at most 900s)",
        "web: running 0/2, pending 2, rollout IN_PROGRESS",
        "web: running 1/2, pending 1, rollout IN_PROGRESS",
        "waiting for services web to roll out: 20s of 900s; web: rollout IN_PROGRESS (); "
        "web: running 1 of 2 desired, 1 pending",
        "web: rolled out: running 2/2, targets healthy 2/2",
    ]
