"""Service scheduling and deployments in process, on a test-driven clock (fast profile delays)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ecs_helpers import Clock  # noqa: E402

from local_aws.control_plane.ecs_scheduler import Scheduler  # noqa: E402


@pytest.fixture
def ecs():
    ecs = Clock()
    ecs.call("CreateCluster", clusterName="c")
    for zone in ("us-east-1a", "us-east-1b", "us-east-1c"):
        ecs.add_instance("c", zone)
    return ecs


def register(ecs, image="img:1", memory=256, host_port=0):
    return ecs.call("RegisterTaskDefinition", family="app", containerDefinitions=[
        {"name": "app", "image": image, "memoryReservation": memory, "cpu": 64,
         "portMappings": [{"containerPort": 80, "hostPort": host_port}]}])["taskDefinition"]["taskDefinitionArn"]


def svc(ecs, name="s"):
    return ecs.call("DescribeServices", cluster="c", services=[name])["services"][0]


def live(ecs, name="s"):
    store = ecs.store()
    return [t for t in store.tasks.values() if t["_service"] == ("c", name) and t["lastStatus"] != "STOPPED"]


def running(ecs, name="s", td=None):
    return [t for t in live(ecs, name) if t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING"
            and (td is None or t["taskDefinitionArn"] == td)]


def test_service_starts_spread_tasks_and_reaches_steady_state(ecs):
    td = register(ecs)
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=6)
    statuses = ecs.advance(0.5, probe=lambda: sorted({t["lastStatus"] for t in live(ecs)}))
    assert ["PROVISIONING"] in statuses and ["PENDING"] in statuses and statuses[-1] == ["RUNNING"]
    service = svc(ecs)
    assert service["runningCount"] == 6 and service["pendingCount"] == 0
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert sorted(t["availabilityZone"][-1] for t in running(ecs)) == list("aabbcc")
    messages = [e["message"] for e in service["events"]]
    assert messages[0] == "(service s) has reached a steady state."
    assert messages[1] == f"(service s) (deployment {service['deployments'][0]['id']}) deployment completed."
    assert messages[2].startswith("(service s) has started 6 tasks: (task ")


@pytest.mark.parametrize("minimum, maximum", [(100, 200), (50, 100), (0, 100), (50, 150)])
def test_rolling_update_respects_minimum_healthy_and_maximum_percent(ecs, minimum, maximum):
    first, second = register(ecs), register(ecs, "img:2")
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=first, desiredCount=6,
             deploymentConfiguration={"minimumHealthyPercent": minimum, "maximumPercent": maximum})
    ecs.advance(0.5)
    ecs.call("UpdateService", cluster="c", service="s", taskDefinition=second)
    assert [d["status"] for d in svc(ecs)["deployments"]] == ["PRIMARY", "ACTIVE"]
    samples = ecs.advance(2.0, probe=lambda: (len(running(ecs)), len([t for t in live(ecs)
                                                                    if t["desiredStatus"] == "RUNNING"])))
    assert min(r for r, _ in samples) >= 6 * minimum // 100
    assert max(a for _, a in samples) <= 6 * maximum // 100
    service = svc(ecs)
    assert len(service["deployments"]) == 1 and service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert len(running(ecs, td=second)) == 6
    stopped = [t for t in ecs.store().tasks.values() if t["lastStatus"] == "STOPPED"]
    assert {t["stoppedReason"] for t in stopped} == {
        f"Scaling activity initiated by (deployment {service['deployments'][0]['id']})"}


def test_circuit_breaker_fails_after_threshold_and_rolls_back(ecs):
    first, bad = register(ecs), register(ecs, "img:broken")
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=first, desiredCount=4,
             deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    ecs.advance(0.5)
    completed = svc(ecs)["deployments"][0]["id"]
    ecs.component.scheduler._control_fail({"family": "app:2", "forever": True,
                                           "reason": "CannotPullContainerError: not found"})
    ecs.call("UpdateService", cluster="c", service="s", taskDefinition=bad)
    failing = svc(ecs)["deployments"][0]
    ecs.advance(2.0)
    service = svc(ecs)
    assert service["taskDefinition"] == first
    assert len(service["deployments"]) == 1 and service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert len(running(ecs, td=first)) == 4
    failed = [t for t in ecs.store().tasks.values() if t["taskDefinitionArn"] == bad]
    assert len(failed) >= Scheduler.failure_threshold(4) == 3
    assert all(t["stopCode"] == "TaskFailedToStart" for t in failed)
    messages = [e["message"] for e in service["events"]]
    assert f"(service s) (deployment {failing['id']}) deployment failed: tasks failed to start." in messages
    assert f"(service s) rolling back to deployment {completed}." in messages


def test_circuit_breaker_threshold_follows_aws():
    assert [Scheduler.failure_threshold(n) for n in (1, 6, 10, 100, 1000)] == [3, 3, 5, 50, 200]


def test_draining_instance_moves_service_tasks_and_keeps_standalone_tasks(ecs):
    td = register(ecs)
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=3,
             deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200})
    ecs.advance(0.5)
    victim = running(ecs)[0]["containerInstanceArn"]
    standalone = ecs.call("StartTask", cluster="c", taskDefinition=td, containerInstances=[victim])["tasks"][0]
    ecs.advance(0.5)
    ecs.call("UpdateContainerInstancesState", cluster="c", containerInstances=[victim], status="DRAINING")
    samples = ecs.advance(1.0, probe=lambda: len(running(ecs)))
    assert min(samples) >= 3
    assert not [t for t in live(ecs) if t["containerInstanceArn"] == victim]
    assert len(running(ecs)) == 3
    stopped = [t for t in ecs.store().tasks.values() if t["lastStatus"] == "STOPPED"]
    assert {t["stoppedReason"] for t in stopped} == {"Task stopped because the container instance is being drained"}
    assert ecs.store().tasks[standalone["taskArn"]]["lastStatus"] == "RUNNING"


def test_unplaceable_tasks_produce_the_ecs_event(ecs):
    td = register(ecs, memory=3000)
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=4)
    ecs.advance(0.5)
    service = svc(ecs)
    assert service["runningCount"] == 3
    assert any("was unable to place a task because no container instance met all of its requirements. The "
               "closest matching (container-instance " in e["message"] and "has insufficient memory available"
               in e["message"] for e in service["events"])
    assert service["deployments"][0]["rolloutState"] == "IN_PROGRESS"


def test_static_host_port_limits_one_task_per_instance(ecs):
    td = register(ecs, host_port=8080)
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=4)
    ecs.advance(0.5)
    assert len(running(ecs)) == 3
    assert "is already using a port required by your task" in svc(ecs)["events"][0]["message"]


def test_desired_count_scales_the_primary(ecs):
    td = register(ecs)
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=2)
    ecs.advance(0.5)
    ecs.call("UpdateService", cluster="c", service="s", desiredCount=5)
    assert len(svc(ecs)["deployments"]) == 1
    ecs.advance(0.5)
    assert len(running(ecs)) == 5
    ecs.call("UpdateService", cluster="c", service="s", desiredCount=1)
    ecs.advance(0.5)
    assert len(running(ecs)) == 1 and svc(ecs)["runningCount"] == 1


def test_daemon_service_follows_instances(ecs):
    td = register(ecs)
    ecs.call("CreateService", cluster="c", serviceName="d", taskDefinition=td, schedulingStrategy="DAEMON")
    ecs.advance(0.5)
    assert len(running(ecs, "d")) == 3 and svc(ecs, "d")["desiredCount"] == 3
    new = ecs.add_instance("c", "us-east-1a")
    ecs.advance(0.5)
    assert any(t["containerInstanceArn"] == new for t in running(ecs, "d"))
    ecs.call("UpdateContainerInstancesState", cluster="c", containerInstances=[new], status="DRAINING")
    ecs.advance(0.5)
    assert len(running(ecs, "d")) == 3 and svc(ecs, "d")["desiredCount"] == 3
    second = register(ecs, "img:2")
    ecs.call("UpdateService", cluster="c", service="d", taskDefinition=second)
    ecs.advance(1.0)
    assert len(running(ecs, "d", td=second)) == 3
    assert svc(ecs, "d")["deployments"][0]["rolloutState"] == "COMPLETED"


def test_delete_service_requires_scale_to_zero_or_force(ecs):
    td = register(ecs)
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=2)
    ecs.advance(0.5)
    assert ecs.call("DeleteService", cluster="c", service="s")["__type"] == "InvalidParameterException"
    assert ecs.call("DeleteService", cluster="c", service="s", force=True)["service"]["status"] == "DRAINING"
    assert ecs.call("DeleteCluster", cluster="c")["__type"] == "ClusterContainsContainerInstancesException"
    ecs.advance(0.5)
    assert svc(ecs)["status"] == "INACTIVE" and not live(ecs)
    assert ecs.call("ListServices", cluster="c")["serviceArns"] == []
    assert ecs.call("UpdateService", cluster="c", service="s", desiredCount=1)["__type"] == \
        "ServiceNotActiveException"


def test_described_objects_fit_the_api_shapes(ecs):
    td = register(ecs)
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=3,
             tags=[{"key": "k", "value": "v"}], propagateTags="SERVICE",
             placementStrategy=[{"type": "spread", "field": "instanceId"}])
    ecs.advance(0.5)
    arns = ecs.call("ListTasks", cluster="c", serviceName="s")["taskArns"]
    tasks = ecs.call("DescribeTasks", cluster="c", tasks=arns, include=["TAGS"])["tasks"]
    assert len(tasks) == 3 and all(t["tags"] == [{"key": "k", "value": "v"}] for t in tasks)
    assert len({t["containerInstanceArn"] for t in tasks}) == 3
    cis = ecs.call("ListContainerInstances", cluster="c")["containerInstanceArns"]
    described = ecs.call("DescribeContainerInstances", cluster="c", containerInstances=cis,
                         include=["TAGS", "CONTAINER_INSTANCE_HEALTH"])["containerInstances"]
    for ci in described:
        remaining = {r["name"]: r for r in ci["remainingResources"]}
        registered = {r["name"]: r for r in ci["registeredResources"]}
        assert remaining["MEMORY"]["integerValue"] == registered["MEMORY"]["integerValue"] - 256
        assert remaining["CPU"]["integerValue"] == registered["CPU"]["integerValue"] - 64
        assert ci["runningTasksCount"] == 1
        assert "32768" in remaining["PORTS"]["stringSetValue"]
    cluster = ecs.call("DescribeClusters", clusters=["c"], include=["STATISTICS", "SETTINGS"])["clusters"][0]
    assert (cluster["registeredContainerInstancesCount"], cluster["runningTasksCount"],
            cluster["activeServicesCount"]) == (3, 3, 1)
    ecs.call("StopTask", cluster="c", task=arns[0], reason="manual")
    ecs.advance(0.5)
    stopped = ecs.call("ListTasks", cluster="c", desiredStatus="STOPPED")["taskArns"]
    assert ecs.call("DescribeTasks", cluster="c", tasks=stopped)["tasks"][0]["stoppedReason"] == "manual"
    assert len(ecs.call("ListTasks", cluster="c", serviceName="s")["taskArns"]) == 3


def test_capacity_provider_strategy_base_then_weights():
    from collections import Counter

    strategy = [{"capacityProvider": "ondemand", "weight": 1, "base": 2},
                {"capacityProvider": "spot", "weight": 3, "base": 0}]
    counts = Counter()
    for _ in range(10):
        counts[Scheduler.pick_provider(strategy, counts)["capacityProvider"]] += 1
    assert counts == {"ondemand": 4, "spot": 6}
    only_spot = [{"capacityProvider": "ondemand", "weight": 0, "base": 1}, {"capacityProvider": "spot", "weight": 1}]
    counts = Counter()
    for _ in range(4):
        counts[Scheduler.pick_provider(only_spot, counts)["capacityProvider"]] += 1
    assert counts == {"ondemand": 1, "spot": 3}


def test_fail_task_starts_count_then_tasks_start_again(ecs):
    td = register(ecs)
    ecs.component.scheduler._control_fail({"cluster": "c", "family": "app", "count": 2,
                                           "reason": "CannotPullContainerError: throttled"})
    ecs.call("CreateService", cluster="c", serviceName="s", taskDefinition=td, desiredCount=3)
    ecs.advance(1.0)
    tasks = list(ecs.store().tasks.values())
    failed = [t for t in tasks if t["lastStatus"] == "STOPPED"]
    assert len(failed) == 2 and {t["stopCode"] for t in failed} == {"TaskFailedToStart"}
    assert all(t["containers"][0]["reason"] == "CannotPullContainerError: throttled" for t in failed)
    assert "startedAt" not in failed[0] and "pullStartedAt" in failed[0]
    assert len(running(ecs)) == 3 and svc(ecs)["deployments"][0]["failedTasks"] == 2
    assert ecs.component.scheduler.fail_rules == []
