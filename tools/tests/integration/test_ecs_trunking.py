"""ENI trunking on the local AWS (fast profile): with the account setting awsvpcTrunking on, an instance of a
supported family registers with a trunk and takes more awsvpc tasks than its interface limit; other families keep
the limit, and tasks beyond it are refused with RESOURCE:ENI."""
import pytest

from local_aws import polling

CLUSTER = "trunking"


@pytest.fixture(scope="module")
def env(client):
    ec2, ecs = client("ec2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.66.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.66.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.put_account_setting_default(name="awsvpcTrunking", value="enabled")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    data = f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n"
    ids = {itype: ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet, InstanceType=itype,
                                    UserData=data)["Instances"][0]["InstanceId"] for itype in ("m6i.large", "t3.medium")}
    try:
        polling.wait_for(lambda: len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) == 2,
                         what="two container instances")
    finally:
        ecs.put_account_setting_default(name="awsvpcTrunking", value="disabled")
    arns = ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]
    by_instance = {c["ec2InstanceId"]: c for c in ecs.describe_container_instances(
        cluster=CLUSTER, containerInstances=arns)["containerInstances"]}
    ecs.register_task_definition(family="eni", networkMode="awsvpc", containerDefinitions=[
        {"name": "app", "image": "busybox", "memory": 16, "essential": True}])
    return {"ecs": ecs, "subnet": subnet, "m6i": by_instance[ids["m6i.large"]], "t3": by_instance[ids["t3.medium"]]}


def _run(env, instance, count):
    return env["ecs"].run_task(
        cluster=CLUSTER, taskDefinition="eni", count=count,
        placementConstraints=[{"type": "memberOf", "expression": f"ec2InstanceId == {instance['ec2InstanceId']}"}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": [env["subnet"]]}})


def test_trunked_instance_takes_more_tasks_than_its_interfaces(env):
    attributes = {a["name"]: a.get("value") for a in env["m6i"]["attributes"]}
    assert attributes["ecs.awsvpc-trunk-id"].startswith("eni-")
    placed = _run(env, env["m6i"], 10)
    assert len(placed["tasks"]) == 10 and placed["failures"] == []  # m6i.large: 3 interfaces, 10 with trunking
    refused = _run(env, env["m6i"], 1)
    assert refused["tasks"] == [] and [f["reason"] for f in refused["failures"]] == ["RESOURCE:ENI"]


def test_family_without_trunking_keeps_its_interface_limit(env):
    assert "ecs.awsvpc-trunk-id" not in {a["name"] for a in env["t3"]["attributes"]}
    placed = _run(env, env["t3"], 3)
    assert len(placed["tasks"]) == 2 and [f["reason"] for f in placed["failures"]] == ["RESOURCE:ENI"]
