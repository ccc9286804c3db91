"""EBS task volumes configured at launch (the ECS developer guide, "Use Amazon EBS volumes with Amazon ECS").

- RegisterTaskDefinition: one volume configured at launch per revision, with nothing else configured.
- CreateService / UpdateService `volumeConfigurations`: REPLICA services only, one per task, each naming a volume the
  task definition configures at launch, with a managedEBSVolume that has a roleArn; every volume configured at launch
  gets one. ECS keeps them on the service's deployments (DescribeServices `deployments[].volumeConfigurations`).
- Each task the service starts gets its own new EBS volume (EC2 CreateVolume in the task's Availability Zone with the
  settings, tags AmazonECSCreated (the task ARN) and AmazonECSManaged plus the tagSpecifications and propagated tags),
  attached to the task's container instance and shown as a task attachment of type AmazonElasticBlockStorage; the
  volume is detached and deleted when the task stops.
"""
from moto.ec2.models import ec2_backends

from local_aws.control_plane.ecs_api import client_error, invalid

VOLUME_TYPES = ("gp2", "gp3", "io1", "io2", "sc1", "st1", "standard")
FILESYSTEM_TYPES = ("ext3", "ext4", "xfs", "ntfs")
ATTACHMENT_TYPE = "AmazonElasticBlockStorage"


def validate_task_definition_volumes(volumes):
    at_launch = [v for v in volumes or [] if v.get("configuredAtLaunch")]
    if len(at_launch) > 1:
        raise client_error("Only one volume can be configured at launch in a task definition revision.")
    for volume in at_launch:
        others = [k for k in ("host", "dockerVolumeConfiguration", "efsVolumeConfiguration",
                              "fsxWindowsFileServerVolumeConfiguration") if volume.get(k)]
        if others:
            raise client_error(f"Volume '{volume.get('name')}' is configured at launch and cannot also specify "
                               f"{', '.join(others)}.")


def at_launch_names(td):
    return [v.get("name") for v in td.get("volumes") or [] if v.get("configuredAtLaunch")]


def validate_volume_configurations(td, configurations, scheduling):
    """The service's volumeConfigurations as ECS stores them, or an InvalidParameterException."""
    configurations = list(configurations or [])
    if configurations and scheduling == "DAEMON":
        raise invalid("volumeConfigurations is only supported for REPLICA service and not DAEMON service.")
    if len(configurations) > 1:
        raise invalid("Only one volume configuration is supported per task.")
    names = at_launch_names(td)
    for item in configurations:
        name = item.get("name")
        if name not in names:
            raise invalid(f"The volume name '{name}' in the volume configuration does not match a volume configured "
                          f"at launch in the task definition {td['taskDefinitionArn']}.")
        managed = item.get("managedEBSVolume")
        if not managed:
            raise invalid(f"The volume configuration '{name}' must specify managedEBSVolume.")
        if not managed.get("roleArn"):
            raise invalid("The roleArn parameter is required for managedEBSVolume.")
        if managed.get("sizeInGiB") is None and not managed.get("snapshotId"):
            raise invalid("sizeInGiB is required when no snapshotId is specified.")
        if managed.get("volumeType", "gp3") not in VOLUME_TYPES:
            raise invalid(f"Invalid volumeType: {managed.get('volumeType')}.")
        if managed.get("filesystemType", "xfs") not in FILESYSTEM_TYPES:
            raise invalid(f"Invalid filesystemType: {managed.get('filesystemType')}.")
        if managed.get("kmsKeyId") and managed.get("encrypted") is False:
            raise invalid("kmsKeyId can only be specified for an encrypted volume.")
    missing = sorted(set(names) - {c.get("name") for c in configurations})
    if missing:
        raise invalid(f"The task definition {td['taskDefinitionArn']} has the volume '{missing[0]}' configured at "
                      "launch, which needs a volume configuration.")
    return configurations


def _backend(store):
    return ec2_backends[store.account_id][store.region]


def create_task_volume(store, task, ci, configuration, service_tags):
    """The attachment of the new EBS volume of a task (the volume created and attached to its instance)."""
    managed = configuration["managedEBSVolume"]
    backend = _backend(store)
    volume = backend.create_volume(
        size=int(managed.get("sizeInGiB") or 0) or 1, zone_name=task["availabilityZone"],
        snapshot_id=managed.get("snapshotId"), encrypted=bool(managed.get("encrypted", False)),
        kms_key_id=managed.get("kmsKeyId"), volume_type=managed.get("volumeType") or "gp3",
        iops=managed.get("iops"), throughput=managed.get("throughput"))
    tags = {"AmazonECSCreated": task["taskArn"], "AmazonECSManaged": "true"}
    for spec in managed.get("tagSpecifications") or []:
        if spec.get("propagateTags") == "SERVICE":
            tags.update({t["key"]: t["value"] for t in service_tags or []})
        tags.update({t["key"]: t["value"] for t in spec.get("tags") or []})
    backend.create_tags([volume.id], tags)
    try:
        instance = backend.get_instance(ci["ec2InstanceId"])
        device = next("/dev/xvd" + letter for letter in "bcdefghijklmnopqrstuvwxyz"
                      if "/dev/xvd" + letter not in instance.block_device_mapping)
        backend.attach_volume(volume.id, instance.id, device)
    except Exception:  # noqa: BLE001 - an instance moto no longer knows, or no free device: the volume stays available
        pass
    task["_ebs_volume"] = volume.id
    return {"id": volume.id.replace("vol-", "") + "-ebs", "type": ATTACHMENT_TYPE, "status": "PRECREATED",
            "details": [
                {"name": "volumeId", "value": volume.id},
                {"name": "volumeName", "value": configuration["name"]},
                {"name": "volumeSizeInGiB", "value": str(volume.size)},
                {"name": "volumeType", "value": volume.volume_type},
                {"name": "filesystemType", "value": managed.get("filesystemType") or "xfs"},
                {"name": "deleteOnTermination", "value": "true"},
                {"name": "roleArn", "value": managed["roleArn"]},
            ]}


def delete_task_volume(store, task):
    """Detach and delete the task's volume (service tasks' volumes are deleted when the task stops)."""
    volume_id = task.pop("_ebs_volume", None)
    if not volume_id:
        return
    backend = _backend(store)
    try:
        volume = backend.get_volume(volume_id)
    except Exception:  # noqa: BLE001 - deleted meanwhile
        return
    if volume.attachment is not None:
        try:
            backend.detach_volume(volume_id, volume.attachment.instance.id, volume.attachment.device)
        except Exception:  # noqa: BLE001 - its instance is gone: the volume is free
            volume.attachment = None
    backend.delete_volume(volume_id)
