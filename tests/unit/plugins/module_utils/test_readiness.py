from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_rolled_out, targets_healthy


def _service(**overrides):
    service = {
        "serviceName": "web", "status": "ACTIVE", "desiredCount": 2, "runningCount": 2, "pendingCount": 0,
        "deployments": [{"status": "PRIMARY", "rolloutState": "COMPLETED"}],
    }
    service.update(overrides)
    return service


def test_completed_service_is_rolled_out():
    assert service_rolled_out(_service()) == (True, [])


def test_second_deployment_is_not_rolled_out():
    ready, reasons = service_rolled_out(
        _service(deployments=[{"status": "PRIMARY", "rolloutState": "IN_PROGRESS"}, {"status": "ACTIVE"}])
    )
    assert not ready
    assert "web: 2 deployments" in reasons
    assert any("IN_PROGRESS" in r for r in reasons)


def test_missing_tasks_are_not_rolled_out():
    ready, reasons = service_rolled_out(_service(runningCount=1, pendingCount=1))
    assert not ready and reasons == ["web: running 1 of 2 desired, 1 pending"]


def _target(state, target_id="i-1", port=32768):
    return {"Target": {"Id": target_id, "Port": port}, "TargetHealth": {"State": state}}


def test_all_healthy_targets():
    assert targets_healthy([_target("healthy"), _target("healthy", "i-2")], minimum=2) == (True, [])


def test_unhealthy_or_initial_target_fails_and_is_named():
    ready, reasons = targets_healthy([_target("healthy"), _target("unhealthy", "i-2")])
    assert not ready and reasons == ["target i-2:32768 is unhealthy ()"]


def test_draining_targets_do_not_count_toward_the_minimum():
    ready, reasons = targets_healthy([_target("draining"), _target("healthy", "i-2")], minimum=2)
    assert not ready and reasons == ["1 healthy targets, 2 needed"]


def test_container_instance_active_and_drained():
    from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import (
        container_instance_active,
        container_instance_drained,
    )

    ci = {"ec2InstanceId": "i-1", "status": "ACTIVE", "agentConnected": True, "runningTasksCount": 2, "pendingTasksCount": 0}
    assert container_instance_active(ci) == (True, [])
    assert container_instance_active(dict(ci, agentConnected=False)) == (False, ["i-1: ECS agent not connected"])
    assert container_instance_active(dict(ci, status="DRAINING"))[1] == ["i-1: container instance DRAINING"]
    ready, reasons = container_instance_drained(ci)
    assert not ready and reasons == ["i-1: container instance ACTIVE, not DRAINING", "i-1: 2 tasks still on it"]
    draining = dict(ci, status="DRAINING")
    assert container_instance_drained(draining) == (False, ["i-1: 2 tasks still on it"])
    assert container_instance_drained(draining, [{"lastStatus": "STOPPED"}]) == (True, [])
    assert container_instance_drained(dict(draining, runningTasksCount=0)) == (True, [])
