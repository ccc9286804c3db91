"""ecs_service volume_configurations: compared with the PRIMARY deployment's (where DescribeServices keeps them),
a change updates the service (a new deployment) and check mode's diff shows it."""
from ansible_collections.cloudops.ecs.plugins.modules import ecs_service

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-ledger:3"
SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/shop/ledger"
ROLE = "arn:aws:iam::123456789012:role/shop-ecs-volumes"
VOLUMES = [{"name": "data", "managed_ebs_volume": {
    "role_arn": ROLE, "encrypted": True, "volume_type": "gp3", "size_in_gib": 20, "filesystem_type": "xfs",
    "tag_specifications": [{"resource_type": "volume", "propagate_tags": "SERVICE", "tags": {"cloudops:stack": "shop"}}]}}]
DESCRIBED_VOLUMES = [{"name": "data", "managedEBSVolume": {
    "roleArn": ROLE, "encrypted": True, "volumeType": "gp3", "sizeInGiB": 20, "filesystemType": "xfs",
    "tagSpecifications": [{"resourceType": "volume", "propagateTags": "SERVICE",
                           "tags": [{"key": "cloudops:stack", "value": "shop"}]}]}}]
ARGS = {"cluster": "shop", "name": "ledger", "task_definition": TD, "desired_count": 1,
        "volume_configurations": VOLUMES}


def service(volumes):
    return {"serviceName": "ledger", "serviceArn": SERVICE_ARN, "status": "ACTIVE", "taskDefinition": TD,
            "desiredCount": 1, "runningCount": 1, "pendingCount": 0, "schedulingStrategy": "REPLICA",
            "launchType": "EC2", "loadBalancers": [],
            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": TD, "rolloutState": "COMPLETED",
                             "volumeConfigurations": volumes}]}


def describe(stubs, item):
    stubs["ecs"].add_response("describe_services", {"services": [item]},
                              {"cluster": "shop", "services": ["ledger"], "include": ["TAGS"]})


def test_the_same_volume_configuration_is_no_change(stubs, run_module):
    describe(stubs, service(DESCRIBED_VOLUMES))
    result, failed = run_module(ecs_service, ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["service"]["action"] == "none"


def test_a_new_size_updates_the_service_with_the_whole_configuration(stubs, run_module):
    describe(stubs, service(DESCRIBED_VOLUMES))
    bigger = [dict(VOLUMES[0], managed_ebs_volume=dict(VOLUMES[0]["managed_ebs_volume"], size_in_gib=40))]
    sent = [dict(DESCRIBED_VOLUMES[0], managedEBSVolume=dict(DESCRIBED_VOLUMES[0]["managedEBSVolume"], sizeInGiB=40))]
    stubs["ecs"].add_response("update_service", {"service": service(sent)},
                              {"cluster": "shop", "service": "ledger", "volumeConfigurations": sent})
    result, failed = run_module(ecs_service, dict(ARGS, volume_configurations=bigger))
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["service"]["differences"] == ["volumeConfigurations"]


def test_check_mode_shows_the_volumes_a_service_would_get(stubs, run_module):
    describe(stubs, service([]))
    result, failed = run_module(ecs_service, ARGS, check_mode=True)
    assert not failed, result.get("msg")
    assert result["service"]["differences"] == ["volumeConfigurations"]
    assert "volumeConfigurations" not in result["diff"]["before"]["ledger"]
    assert result["diff"]["after"]["ledger"]["volumeConfigurations"][0]["managedEBSVolume"]["sizeInGiB"] == 20
