from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_container_instance

CI = "arn:aws:ecs:us-east-1:123456789012:container-instance/shop/0123456789abcdef"
ARGS = {"cluster": "shop", "container_instance": CI}


def instance(status="ACTIVE", running=0):
    return {"containerInstanceArn": CI, "ec2InstanceId": "i-0aaaaaaaaaaaaaaa1", "status": status, "agentConnected": True,
            "runningTasksCount": running, "pendingTasksCount": 0}


def describe(stubs, item):
    stubs["ecs"].add_response("describe_container_instances", {"containerInstances": [item]},
                              {"cluster": "shop", "containerInstances": [CI]})


def test_already_draining_is_no_change(stubs, run_module):
    describe(stubs, instance("DRAINING"))
    describe(stubs, instance("DRAINING"))
    describe(stubs, instance("DRAINING"))
    result, failed = run_module(ecs_container_instance, ARGS)
    assert not failed and result["changed"] is False


def test_check_mode_reports_the_drain(stubs, run_module):
    describe(stubs, instance())
    result, failed = run_module(ecs_container_instance, ARGS, check_mode=True)
    assert not failed and result["changed"] is True
    assert result["diff"] == {"before": {"status": "ACTIVE"}, "after": {"status": "DRAINING"}}
    assert result["container_instance"]["status"] == "DRAINING"


def test_drain_waits_until_the_tasks_left(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda now=None, sleep=None: clock)
    describe(stubs, instance())
    stubs["ecs"].add_response("update_container_instances_state", {"containerInstances": [instance("DRAINING")],
                                                                   "failures": []},
                              {"cluster": "shop", "containerInstances": [CI], "status": "DRAINING"})
    task = "arn:aws:ecs:us-east-1:123456789012:task/shop/0123456789abcdef"
    describe(stubs, instance("DRAINING", running=1))
    stubs["ecs"].add_response("list_tasks", {"taskArns": [task]})
    stubs["ecs"].add_response("describe_tasks", {"tasks": [{"taskArn": task, "containerInstanceArn": CI,
                                                            "group": "service:web", "lastStatus": "RUNNING"}]})
    describe(stubs, instance("DRAINING"))
    describe(stubs, instance("DRAINING"))
    result, failed = run_module(ecs_container_instance, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["elapsed"] == 0.5


def test_deregistering_a_busy_instance_is_refused(stubs, run_module):
    describe(stubs, instance(running=2))
    result, failed = run_module(ecs_container_instance, dict(ARGS, state="deregistered"))
    assert failed and "still runs 2 tasks: drain it first" in result["msg"]


def test_aws_error(stubs, run_module):
    describe(stubs, instance())
    stubs["ecs"].add_client_error("update_container_instances_state", "AccessDeniedException", "denied")
    result, failed = run_module(ecs_container_instance, ARGS)
    assert failed and result["msg"].startswith("Could not change container instance %s" % CI)
