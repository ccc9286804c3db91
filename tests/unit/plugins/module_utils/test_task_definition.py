"""The task-definition normaliser: what AWS hands back for what we registered compares equal; real
content changes do not."""
import copy

import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import (
    normalize_task_definition,
    parse_task_definition_reference,
    revisions_to_deregister,
    task_definition_differences,
)

REQUEST = {
    "family": "demo-web",
    "networkMode": "bridge",
    "executionRoleArn": "arn:aws:iam::123456789012:role/demo-web-execution",
    "containerDefinitions": [
        {
            "name": "web",
            "image": "nginx:1.27",
            "memory": 256,
            "portMappings": [{"containerPort": 80}],
            "environment": [{"name": "B", "value": 2}, {"name": "A", "value": "1"}],
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]},
            "readonlyRootFilesystem": True,
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/demo/web"}},
        }
    ],
    "cpu": 256,
}

# What DescribeTaskDefinition answers for REQUEST (defaults filled, strings, extra read-only keys).
DESCRIBED = {
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:3",
    "family": "demo-web",
    "revision": 3,
    "status": "ACTIVE",
    "networkMode": "bridge",
    "executionRoleArn": "arn:aws:iam::123456789012:role/demo-web-execution",
    "cpu": "256",
    "volumes": [],
    "placementConstraints": [],
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
    "compatibilities": ["EC2"],
    "registeredAt": 1700000000.0,
    "registeredBy": "arn:aws:sts::123456789012:assumed-role/x",
    "containerDefinitions": [
        {
            "name": "web",
            "image": "nginx:1.27",
            "cpu": 0,
            "memory": 256,
            "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}],
            "essential": True,
            "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            "mountPoints": [],
            "volumesFrom": [],
            "systemControls": [],
            "readonlyRootFilesystem": True,
            "healthCheck": {
                "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                "interval": 30, "timeout": 5, "retries": 3,
            },
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/demo/web"},
                                 "secretOptions": []},
        }
    ],
}


def test_described_equals_requested():
    assert task_definition_differences(DESCRIBED, REQUEST) == []
    assert normalize_task_definition(DESCRIBED) == normalize_task_definition(REQUEST)


def test_tags_do_not_count_as_content():
    described = dict(DESCRIBED, tags=[{"key": "Name", "value": "x"}])
    assert task_definition_differences(described, REQUEST) == []


def test_no_active_revision_is_a_difference():
    assert task_definition_differences(None, REQUEST) == ["(new family)"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda r: r["containerDefinitions"][0].update(image="nginx:1.28"), "containerDefinitions[web].image"),
        (lambda r: r["containerDefinitions"][0]["environment"].append({"name": "C", "value": "3"}),
         "containerDefinitions[web].environment"),
        (lambda r: r["containerDefinitions"][0]["environment"][0].update(value="3"),
         "containerDefinitions[web].environment"),
        (lambda r: r.update(cpu="512"), "cpu"),
        (lambda r: r["containerDefinitions"][0].update(memory=512), "containerDefinitions[web].memory"),
        (lambda r: r["containerDefinitions"][0].update(readonlyRootFilesystem=False),
         "containerDefinitions[web].readonlyRootFilesystem"),
        (lambda r: r["containerDefinitions"][0]["portMappings"][0].update(hostPort=8080),
         "containerDefinitions[web].portMappings"),
        (lambda r: r["containerDefinitions"][0]["healthCheck"].update(interval=10),
         "containerDefinitions[web].healthCheck"),
        (lambda r: r.update(taskRoleArn="arn:aws:iam::123456789012:role/t"), "taskRoleArn"),
        (lambda r: r["containerDefinitions"].append({"name": "sidecar", "image": "busybox", "memory": 32}),
         "containerDefinitions[sidecar] added"),
    ],
)
def test_real_changes_are_detected(change, expected):
    request = copy.deepcopy(REQUEST)
    change(request)
    assert expected in task_definition_differences(DESCRIBED, request)


def test_awsvpc_host_port_defaults_to_container_port():
    request = {"family": "f", "networkMode": "awsvpc",
               "containerDefinitions": [{"name": "a", "image": "i", "portMappings": [{"containerPort": 8080}]}]}
    described = {"family": "f", "networkMode": "awsvpc", "containerDefinitions": [
        {"name": "a", "image": "i", "essential": True,
         "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]}]}
    assert task_definition_differences(described, request) == []


def test_network_mode_defaults_to_bridge_and_explicit_defaults_match():
    container = {"name": "a", "image": "i", "essential": True, "privileged": False, "mountPoints": []}
    request = {"family": "f", "containerDefinitions": [container]}
    described = {"family": "f", "networkMode": "bridge", "containerDefinitions": [{"name": "a", "image": "i"}]}
    assert task_definition_differences(described, request) == []


def test_container_order_and_list_order_do_not_matter():
    request = copy.deepcopy(REQUEST)
    request["containerDefinitions"].insert(0, {"name": "agent", "image": "busybox", "memory": 32})
    described = copy.deepcopy(DESCRIBED)
    described["containerDefinitions"].append({"name": "agent", "image": "busybox", "memory": 32, "essential": True})
    assert task_definition_differences(described, request) == []


def test_revisions_to_deregister_keeps_newest():
    arns = ["arn:aws:ecs:r:1:task-definition/f:%d" % n for n in (3, 10, 1, 7)]
    assert revisions_to_deregister(arns, 2) == ["arn:aws:ecs:r:1:task-definition/f:1",
                                                "arn:aws:ecs:r:1:task-definition/f:3"]
    assert revisions_to_deregister(arns, 0) == revisions_to_deregister(arns, 1)
    assert len(revisions_to_deregister(arns, 1)) == 3
    assert revisions_to_deregister(arns, 10) == []


def test_parse_reference():
    assert parse_task_definition_reference("web") == ("web", None, False)
    assert parse_task_definition_reference("web:4") == ("web", 4, False)
    assert parse_task_definition_reference("arn:aws-cn:ecs:cn-north-1:1:task-definition/web:12") == ("web", 12, True)
