"""EBS task volumes of the services role: a volume of type ebs becomes a task definition volume configured at launch
and the service's managed EBS volume configuration with the stack's volume role; bad settings are refused naming the
variable, the value and the fix."""
import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils import service_spec

SETTINGS = {"state": "present", "region": "cn-north-1", "partition": "aws-cn", "account_id": "123456789012",
            "stack_name": "demo", "cluster_name": "demo", "name_prefix": "demo-", "family_prefix": "demo-",
            "subnet_ids": ["subnet-a"], "vpc_id": "vpc-1", "tags": {"cloudops:stack": "demo"}}

LEDGER = {"name": "ledger", "image": "public.ecr.aws/docker/library/postgres:16", "memory": 512,
          "network_mode": "awsvpc", "mount_points": [{"volume": "data", "path": "/var/lib/ledger"}],
          "volumes": [{"name": "data", "type": "ebs", "size_gib": 20}]}


def with_volume(**volume):
    return dict(LEDGER, volumes=[dict({"name": "data", "type": "ebs"}, **volume)])


def test_the_task_definition_defers_the_volume_to_launch():
    definition = service_spec.task_definition(LEDGER, SETTINGS)
    assert definition["volumes"] == [{"name": "data", "configuredAtLaunch": True}]
    assert definition["container_definitions"][0]["mountPoints"] == [
        {"sourceVolume": "data", "containerPath": "/var/lib/ledger", "readOnly": False}]


def test_the_service_gets_an_encrypted_gp3_volume_per_task_managed_with_the_stack_role():
    item = service_spec.service_item(LEDGER, SETTINGS)
    assert item["volume_configurations"] == [{"name": "data", "managed_ebs_volume": {
        "role_arn": "arn:aws-cn:iam::123456789012:role/demo-ecs-volumes",
        "volume_type": "gp3", "encrypted": True, "filesystem_type": "xfs", "size_in_gib": 20,
        "tag_specifications": [{"resource_type": "volume", "propagate_tags": "SERVICE",
                                "tags": {"cloudops:stack": "demo", "Name": "demo-ledger-data"}}]}}]


def test_settings_of_the_volume_and_the_role_key_are_passed_on():
    svc = with_volume(size_gib=100, volume_type="io2", iops=5000, filesystem_type="ext4",
                      snapshot_id="snap-0123456789abcdef0", volume_initialization_rate=200)
    managed = service_spec.service_item(svc, dict(SETTINGS, ebs_kms_key_arn="arn:aws-cn:kms:cn-north-1:1:key/k"))[
        "volume_configurations"][0]["managed_ebs_volume"]
    assert (managed["volume_type"], managed["iops"], managed["filesystem_type"], managed["size_in_gib"]) == (
        "io2", 5000, "ext4", 100)
    assert managed["snapshot_id"] == "snap-0123456789abcdef0" and managed["volume_initialization_rate"] == 200
    assert managed["kms_key_id"] == "arn:aws-cn:kms:cn-north-1:1:key/k"
    own = service_spec.service_item(with_volume(size_gib=1, kms_key_id="alias/mine"), SETTINGS)
    assert own["volume_configurations"][0]["managed_ebs_volume"]["kms_key_id"] == "alias/mine"


def test_no_ebs_volume_no_configuration_and_no_role():
    svc = dict(LEDGER, volumes=[{"name": "data"}])
    assert "volume_configurations" not in service_spec.service_item(svc, SETTINGS)
    assert not service_spec.uses_ebs([svc]) and service_spec.uses_ebs([svc, LEDGER])


def test_the_volume_role_policy_is_the_aws_managed_one_of_the_partition():
    assert service_spec.volume_role_policy_arn(SETTINGS) == (
        "arn:aws-cn:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes")
    assert service_spec.volume_role_name(SETTINGS) == "demo-ecs-volumes"


def test_a_valid_ebs_service_has_no_error():
    io1 = dict(with_volume(volume_type="io1", size_gib=10, iops=1000), name="journal")
    assert service_spec.input_errors([LEDGER, io1], SETTINGS) == []


@pytest.mark.parametrize("volume, expected", [
    ({}, "services_list[0].volumes[0].size_gib: missing; give the size of each task's volume (GiB, 1-16384 for gp3)"),
    ({"size_gib": 0}, "services_list[0].volumes[0].size_gib: 0 is out of range for a gp3 volume (GiB); use 1-16384"),
    ({"size_gib": 20000}, "size_gib: 20000 is out of range for a gp3 volume (GiB); use 1-16384"),
    ({"size_gib": 10, "volume_type": "st1"}, "size_gib: 10 is out of range for a st1 volume (GiB); use 125-16384"),
    ({"size_gib": 10, "volume_type": "gp1"}, "volume_type: gp1 is not an EBS volume type ECS attaches; use gp3"),
    ({"size_gib": 10, "iops": 100}, "iops: 100 is out of range for a gp3 volume; use 3000-16000"),
    ({"size_gib": 10, "volume_type": "gp2", "iops": 3000}, "iops: gp2 volumes have no provisioned IOPS"),
    ({"size_gib": 10, "volume_type": "io2"}, "iops: missing; an io2 volume needs provisioned IOPS (100-256000)"),
    ({"size_gib": 10, "throughput": 2000}, "throughput: 2000 is out of range for a gp3 volume (MiB/s); use 125-1000"),
    ({"size_gib": 10, "volume_type": "io1", "iops": 500, "throughput": 200}, "throughput: only gp3 volumes take a"),
    ({"size_gib": 10, "filesystem_type": "ntfs"}, "filesystem_type: ntfs is not supported on Linux tasks; use ext3"),
    ({"snapshot_id": "vol-1"}, "snapshot_id: vol-1 is not a snapshot id; use snap-"),
    ({"size_gib": 10, "volume_initialization_rate": 200}, "volume_initialization_rate: only a volume from a snapshot"),
    ({"size_gib": 10, "encrypted": False, "kms_key_id": "alias/k"}, "kms_key_id: the volume is not encrypted"),
    ({"size_gib": 10, "host_path": "/data"}, "volumes[0].host_path: an EBS volume has none; remove it"),
])
def test_bad_volume_settings_name_the_variable_value_and_fix(volume, expected):
    errors = service_spec.input_errors([with_volume(**volume)], SETTINGS)
    assert any(expected in error for error in errors), errors


def test_one_ebs_volume_per_task():
    svc = dict(LEDGER, volumes=[{"name": "data", "type": "ebs", "size_gib": 1},
                                {"name": "logs", "type": "ebs", "size_gib": 1}])
    assert service_spec.input_errors([svc], SETTINGS) == [
        "services_list[0].volumes[1]: a task gets one EBS volume only (ECS attaches one volume configured at launch "
        "per task); keep one of the type ebs volumes"]


def test_daemon_services_get_no_ebs_volume():
    errors = service_spec.input_errors([dict(LEDGER, scheduling_strategy="DAEMON")], SETTINGS)
    assert "services_list[0].volumes[0]: EBS volumes are for REPLICA services only; use scheduling_strategy REPLICA " \
           "or an efs or bind volume" in errors
