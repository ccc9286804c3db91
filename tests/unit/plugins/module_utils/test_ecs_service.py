"""Service diff: a converged service (as DescribeServices shows it, AWS defaults filled) shows no
difference; each managed field that really changed is reported and sent."""
import copy

from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import (
    create_request,
    deployment_configuration,
    service_differences,
)
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import (
    service_deployment_failed,
    service_problem_events,
    service_runs_task_definition,
)

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:4"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/abc"

SPEC = {
    "name": "web",
    "state": "present",
    "task_definition": "demo-web",
    "desired_count": 2,
    "desired_count_owner": "module",
    "scheduling_strategy": "REPLICA",
    "deployment_configuration": {"minimum_healthy_percent": 50, "maximum_percent": 200,
                                 "circuit_breaker": {"enable": True, "rollback": True}, "alarms": None},
    "placement_strategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"},
                           {"type": "binpack", "field": "memory"}],
    "placement_constraints": [],
    "load_balancers": [{"target_group_arn": TG, "container_name": "web", "container_port": 8080}],
    "health_check_grace_period_seconds": 30,
    "enable_execute_command": False,
    "propagate_tags": "SERVICE",
    "capacity_provider_strategy": [{"capacity_provider": "demo-default", "weight": 1, "base": 0}],
}

DESCRIBED = {
    "serviceName": "web",
    "status": "ACTIVE",
    "taskDefinition": TD,
    "desiredCount": 2,
    "runningCount": 2,
    "pendingCount": 0,
    "schedulingStrategy": "REPLICA",
    "capacityProviderStrategy": [{"capacityProvider": "demo-default", "weight": 1, "base": 0}],
    "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                "maximumPercent": 200, "minimumHealthyPercent": 50},
    "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"},
                          {"type": "binpack", "field": "MEMORY"}],
    "placementConstraints": [],
    "loadBalancers": [{"targetGroupArn": TG, "containerName": "web", "containerPort": 8080}],
    "healthCheckGracePeriodSeconds": 30,
    "enableExecuteCommand": False,
    "enableECSManagedTags": False,
    "propagateTags": "SERVICE",
}


def test_converged_service_has_no_difference():
    assert service_differences(DESCRIBED, SPEC, TD) == ([], {}, [])


def test_unmanaged_fields_are_not_compared():
    spec = {"name": "web", "task_definition": "demo-web", "scheduling_strategy": "REPLICA"}
    assert service_differences(DESCRIBED, spec, TD) == ([], {}, [])


def test_alarms_disabled_and_absent_are_equal():
    described = copy.deepcopy(DESCRIBED)
    described["deploymentConfiguration"]["alarms"] = {"alarmNames": [], "enable": False, "rollback": False}
    assert service_differences(described, SPEC, TD)[0] == []


def test_each_change_is_detected_and_sent():
    cases = [
        ("taskDefinition", {}, TD.replace(":4", ":5")),
        ("desiredCount", {"desired_count": 3}, TD),
        ("deploymentConfiguration", {"deployment_configuration": {"minimum_healthy_percent": 100}}, TD),
        ("deploymentConfiguration", {"deployment_configuration": dict(
            SPEC["deployment_configuration"], circuit_breaker={"enable": True, "rollback": False})}, TD),
        ("placementStrategy", {"placement_strategy": [{"type": "binpack", "field": "memory"}]}, TD),
        ("placementConstraints", {"placement_constraints": [{"type": "distinctInstance"}]}, TD),
        ("capacityProviderStrategy", {"capacity_provider_strategy": [
            {"capacity_provider": "demo-spot", "weight": 1, "base": 0}]}, TD),
        ("loadBalancers", {"load_balancers": [{"target_group_arn": TG, "container_name": "web",
                                               "container_port": 80}]}, TD),
        ("healthCheckGracePeriodSeconds", {"health_check_grace_period_seconds": 60}, TD),
        ("enableExecuteCommand", {"enable_execute_command": True}, TD),
        ("propagateTags", {"propagate_tags": "TASK_DEFINITION"}, TD),
        ("networkConfiguration", {"network_configuration": {"subnets": ["subnet-1"], "security_groups": ["sg-1"]}},
         TD),
    ]
    for field, change, td in cases:
        spec = dict(SPEC, **change)
        differences, update, immutable = service_differences(DESCRIBED, spec, td)
        assert differences == [field], (field, differences)
        assert field in update and not immutable


def test_capacity_provider_change_forces_new_deployment():
    spec = dict(SPEC, capacity_provider_strategy=[{"capacity_provider": "demo-spot", "weight": 1, "base": 0}])
    _create, update, _diff = service_differences(DESCRIBED, spec, TD)
    assert update["forceNewDeployment"] is True
    assert update["capacityProviderStrategy"] == [{"capacityProvider": "demo-spot", "weight": 1, "base": 0}]


def test_autoscaling_owned_desired_count_is_never_reset():
    described = dict(DESCRIBED, desiredCount=7)
    spec = dict(SPEC, desired_count_owner="autoscaling")
    assert service_differences(described, spec, TD) == ([], {}, [])
    assert service_differences(described, SPEC, TD)[1] == {"desiredCount": 2}


def test_scheduling_strategy_is_immutable():
    spec = dict(SPEC, scheduling_strategy="DAEMON", desired_count=None)
    assert "schedulingStrategy" in service_differences(DESCRIBED, spec, TD)[2]


def test_daemon_defaults():
    assert deployment_configuration({}, "DAEMON")["minimumHealthyPercent"] == 0
    assert deployment_configuration({}, "DAEMON")["maximumPercent"] == 100
    described = {"serviceName": "agent", "status": "ACTIVE", "taskDefinition": TD, "desiredCount": 3,
                 "schedulingStrategy": "DAEMON",
                 "deploymentConfiguration": {"maximumPercent": 100, "minimumHealthyPercent": 0}}
    spec = {"name": "agent", "scheduling_strategy": "DAEMON", "deployment_configuration": {}}
    assert service_differences(described, spec, TD) == ([], {}, [])


def test_create_request():
    request = create_request(dict(SPEC, tags={"Name": "web"}), "demo", TD)
    assert request["serviceName"] == "web" and request["cluster"] == "demo"
    assert request["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert request["tags"] == [{"key": "Name", "value": "web"}]
    daemon = create_request({"name": "agent", "scheduling_strategy": "DAEMON"}, "demo", TD)
    assert "desiredCount" not in daemon and daemon["schedulingStrategy"] == "DAEMON"


def test_circuit_breaker_failure_is_reported():
    service = {"serviceName": "web", "status": "ACTIVE", "deployments": [
        {"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": TD, "rolloutState": "IN_PROGRESS"},
        {"id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": TD.replace(":4", ":5"), "rolloutState": "FAILED",
         "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start."}]}
    failed, reasons = service_deployment_failed(service, "ecs-svc/1", TD.replace(":4", ":5"))
    assert failed
    assert "circuit breaker" in reasons[0] and "rolling back" in reasons[0]


def test_vanished_deployment_with_other_task_definition_is_a_rollback():
    service = {"serviceName": "web", "status": "ACTIVE", "deployments": [
        {"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": TD, "rolloutState": "COMPLETED"}]}
    failed, reasons = service_deployment_failed(service, "ecs-svc/1", TD.replace(":4", ":5"))
    assert failed and "rolled back" in reasons[0]
    assert service_deployment_failed(service, None, TD) == (False, [])
    assert service_runs_task_definition(service, TD) == (True, [])
    assert not service_runs_task_definition(service, TD.replace(":4", ":5"))[0]


def test_problem_events_are_filtered_by_time():
    service = {"events": [
        {"createdAt": 200.0, "message": "(service web) was unable to place a task because no container instance met all of its requirements."},
        {"createdAt": 150.0, "message": "(service web) has reached a steady state."},
        {"createdAt": 50.0, "message": "(service web) was unable to place a task (old)."},
    ]}
    assert service_problem_events(service, since=100.0) == [service["events"][0]["message"]]
