"""EBS task volumes configured at launch (ECS developer guide, "Use Amazon EBS volumes with Amazon ECS"): a service
gives each task it starts its own new EBS volume with the volumeConfigurations settings (created in the task's
Availability Zone, tagged AmazonECSCreated with the task ARN, attached to its instance, shown as an
AmazonElasticBlockStorage attachment of the task) and deleted when the task stops; what ECS refuses is refused."""
import pytest
from botocore.exceptions import ClientError
from documented import DOCUMENTED

from local_aws import polling

EBS = DOCUMENTED["ecs_ebs_task_volumes"]

CLUSTER = "volumes"
ROLE = "arn:aws:iam::123456789012:role/volumes-ecs-volumes"
MANAGED = {"roleArn": ROLE, "encrypted": True, "kmsKeyId": "alias/volumes", "volumeType": "gp3", "sizeInGiB": 20,
           "iops": 3000, "throughput": 125, "filesystemType": "xfs",
           "tagSpecifications": [{"resourceType": "volume", "propagateTags": "SERVICE",
                                  "tags": [{"key": "Name", "value": "ledger-data"}]}]}


@pytest.fixture(scope="module")
def env(client):
    ec2, ecs = client("ec2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.57.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.57.0.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    ecs.create_cluster(clusterName=CLUSTER)
    ec2.run_instances(ImageId=ec2.describe_images()["Images"][0]["ImageId"], MinCount=1, MaxCount=1,
                      SubnetId=subnet["SubnetId"], InstanceType="m6i.large",
                      UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    polling.wait_for(lambda: ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"],
                     what="a container instance")
    for size in (1, 2):
        ecs.register_task_definition(family="ledger", volumes=[{"name": "data", "configuredAtLaunch": True}],
                                     containerDefinitions=[{"name": "ledger", "image": f"ledger:{size}",
                                                            "memory": 32, "mountPoints": [
                                                                {"sourceVolume": "data", "containerPath": "/data"}]}])
    return {"ec2": ec2, "ecs": ecs}


def refused(call, **kwargs):
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_what_ecs_refuses(env):
    ecs = env["ecs"]
    assert EBS["at_launch_per_task_definition"] == 1
    code, message = refused(ecs.register_task_definition, family="two", volumes=[
        {"name": "a", "configuredAtLaunch": True}, {"name": "b", "configuredAtLaunch": True}],
        containerDefinitions=[{"name": "c", "image": "c", "memory": 32}])
    assert code == "ClientException" and "Only one volume can be configured at launch" in message
    base = {"cluster": CLUSTER, "taskDefinition": "ledger:1", "desiredCount": 1}
    code, message = refused(ecs.create_service, serviceName="none", **base)
    assert code == "InvalidParameterException" and "'data' configured at launch" in message
    code, message = refused(ecs.create_service, serviceName="norole", **base, volumeConfigurations=[
        {"name": "data", "managedEBSVolume": {"sizeInGiB": 1, "roleArn": ""}}])
    assert "roleArn parameter is required" in message
    code, message = refused(ecs.create_service, serviceName="other", **base, volumeConfigurations=[
        {"name": "logs", "managedEBSVolume": MANAGED}])
    assert "does not match a volume configured at launch" in message
    code, message = refused(ecs.create_service, serviceName="daemon", cluster=CLUSTER, taskDefinition="ledger:1",
                            schedulingStrategy="DAEMON", volumeConfigurations=[
                                {"name": "data", "managedEBSVolume": MANAGED}])
    assert EBS["scheduling_strategies"] == ["REPLICA"]
    assert "only supported for REPLICA service and not DAEMON service" in message
    listed = ecs.list_services(cluster=CLUSTER)["serviceArns"]
    assert not [arn for arn in listed if arn.rsplit("/", 1)[1] in ("none", "norole", "other", "daemon")], listed


def test_each_task_gets_its_own_volume_deleted_when_it_stops(env):
    ec2, ecs = env["ec2"], env["ecs"]
    ecs.create_service(cluster=CLUSTER, serviceName="ledger", taskDefinition="ledger:1", desiredCount=2,
                       propagateTags="SERVICE", tags=[{"key": "cloudops:stack", "value": "volumes"}],
                       volumeConfigurations=[{"name": "data", "managedEBSVolume": MANAGED}])

    def service():
        return ecs.describe_services(cluster=CLUSTER, services=["ledger"])["services"][0]

    def running():
        arns = ecs.list_tasks(cluster=CLUSTER, serviceName="ledger", desiredStatus="RUNNING")["taskArns"]
        tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []
        return [t for t in tasks if t["lastStatus"] == "RUNNING"]

    polling.wait_for(lambda: service()["deployments"][0].get("rolloutState") == "COMPLETED", what="rollout")
    assert service()["deployments"][0]["volumeConfigurations"] == [{"name": "data", "managedEBSVolume": MANAGED}]
    tasks = running()
    assert len(tasks) == 2
    volume_ids = []
    for task in tasks:
        ebs = [a for a in task["attachments"] if a["type"] == "AmazonElasticBlockStorage"]
        assert len(ebs) == EBS["volumes_per_task"] and ebs[0]["status"] == "ATTACHED"
        details = {d["name"]: d["value"] for d in ebs[0]["details"]}
        assert details["volumeName"] == "data" and details["deleteOnTermination"] == "true"
        volume = ec2.describe_volumes(VolumeIds=[details["volumeId"]])["Volumes"][0]
        assert (volume["Size"], volume["VolumeType"], volume["Encrypted"], volume["KmsKeyId"]) == (
            20, "gp3", True, "alias/volumes")
        assert volume["AvailabilityZone"] == task["availabilityZone"] and volume["State"] == "in-use"
        tags = {t["Key"]: t["Value"] for t in volume["Tags"]}
        assert tags == {EBS["created_tag"]: task["taskArn"], "AmazonECSManaged": "true", "Name": "ledger-data",
                        "cloudops:stack": "volumes"}
        volume_ids.append(details["volumeId"])
    assert len(set(volume_ids)) == 2

    assert EBS["deleted_when_the_service_task_stops"]
    ecs.stop_task(cluster=CLUSTER, task=tasks[0]["taskArn"], reason="replace")
    polling.wait_for(lambda: not ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [volume_ids[0]]}])[
        "Volumes"], what="the stopped task's volume deleted")
    polling.wait_for(lambda: len(running()) == 2 and volume_ids[0] not in str(running()), what="a replacement")

    bigger = dict(MANAGED, sizeInGiB=40)
    ecs.update_service(cluster=CLUSTER, service="ledger", volumeConfigurations=[
        {"name": "data", "managedEBSVolume": bigger}])
    polling.wait_for(lambda: [d.get("rolloutState") for d in service()["deployments"]] == ["COMPLETED"],
                     what="the new volume size rolled out")
    sizes = {ec2.describe_volumes(Filters=[{"Name": "tag:AmazonECSCreated", "Values": [t["taskArn"]]}])[
        "Volumes"][0]["Size"] for t in running()}
    assert sizes == {40}

    ecs.update_service(cluster=CLUSTER, service="ledger", desiredCount=0)
    ecs.delete_service(cluster=CLUSTER, service="ledger")
    polling.wait_for(lambda: not ec2.describe_volumes(Filters=[{"Name": "tag-key", "Values": ["AmazonECSManaged"]}])[
        "Volumes"], what="every task volume deleted")


def test_a_rollback_returns_to_the_volumes_of_the_deployment_it_restores(env, control):
    ec2, ecs = env["ec2"], env["ecs"]
    small, big = dict(MANAGED, sizeInGiB=10), dict(MANAGED, sizeInGiB=50)
    ecs.create_service(cluster=CLUSTER, serviceName="archive", taskDefinition="ledger:1", desiredCount=1,
                       deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
                       volumeConfigurations=[{"name": "data", "managedEBSVolume": small}])

    def service():
        return ecs.describe_services(cluster=CLUSTER, services=["archive"])["services"][0]

    def sizes():
        arns = ecs.list_tasks(cluster=CLUSTER, serviceName="archive", desiredStatus="RUNNING")["taskArns"]
        return sorted(v["Size"] for arn in arns for v in ec2.describe_volumes(
            Filters=[{"Name": "tag:AmazonECSCreated", "Values": [arn]}])["Volumes"])

    polling.wait_for(lambda: service()["deployments"][0].get("rolloutState") == "COMPLETED", what="first rollout")
    control("ecs/fail-task-starts", {"cluster": CLUSTER, "family": "ledger:2", "forever": True})
    try:
        ecs.update_service(cluster=CLUSTER, service="archive", taskDefinition="ledger:2",
                           volumeConfigurations=[{"name": "data", "managedEBSVolume": big}])
        polling.wait_for(lambda: [(d["taskDefinition"].rsplit(":", 1)[1], d.get("rolloutState"))
                                  for d in service()["deployments"]] == [("1", "COMPLETED")], timeout=30,
                         what="rolled back to ledger:1")
    finally:
        control("ecs/fail-task-starts", {"cluster": CLUSTER, "family": "ledger:2", "count": 0})
    assert service()["deployments"][0]["volumeConfigurations"] == [{"name": "data", "managedEBSVolume": small}]
    assert sizes() == [10]
    # the volumes of the tasks that failed to start are gone with them
    assert not ec2.describe_volumes(Filters=[{"Name": "size", "Values": ["50"]}])["Volumes"]
    ecs.delete_service(cluster=CLUSTER, service="archive", force=True)
