"""The ecs_cluster and ecs_capacity_provider modules against the local AWS: create, check mode and diff of an update,
updates read back with boto3, refusals that name what is in the way, forced teardown."""
import pytest

PLAYBOOK = "tests/integration/playbooks/ecs_cluster_modules.yml"
CLUSTER = "modules-test"
PROVIDER = "modules-test-cp"


@pytest.fixture(scope="module")
def asg_arn(aws, local_aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.43.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    ami = aws("ssm").get_parameter(
        Name="/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id")["Parameter"]["Value"]
    ec2.create_launch_template(LaunchTemplateName="modules-test", LaunchTemplateData={"ImageId": ami,
                                                                                      "InstanceType": "t3.small"})
    autoscaling = aws("autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="modules-test", MinSize=0, MaxSize=2, DesiredCapacity=0, VPCZoneIdentifier=subnet,
        LaunchTemplate={"LaunchTemplateName": "modules-test", "Version": "$Latest"},
        NewInstancesProtectedFromScaleIn=True,
    )
    return autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["modules-test"])["AutoScalingGroups"][0][
        "AutoScalingGroupARN"]


def cluster(aws):
    found = aws("ecs").describe_clusters(clusters=[CLUSTER], include=["SETTINGS", "CONFIGURATIONS", "TAGS"])["clusters"]
    return found[0] if found else None


def provider(aws):
    found = aws("ecs").describe_capacity_providers(capacityProviders=[PROVIDER], include=["TAGS"])["capacityProviders"]
    return found[0] if found else None


def test_cluster_and_capacity_provider(playbook, aws, asg_arn):
    run = lambda **kw: playbook(PLAYBOOK, extra_vars={"asg_arn": asg_arn, **kw.pop("extra", {})}, **kw)  # noqa: E731

    created = run()
    assert created.rc == 0, created.output
    assert created.changed == 3
    current = cluster(aws)
    assert current["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert current["configuration"]["executeCommandConfiguration"] == {
        "logging": "OVERRIDE",
        "logConfiguration": {"cloudWatchLogGroupName": "/modules-test/exec", "cloudWatchEncryptionEnabled": True}}
    assert {t["key"]: t["value"] for t in current["tags"]} == {"Environment": "local", "cloudops:stack": "modules-test"}
    assert current["capacityProviders"] == [PROVIDER]
    assert current["defaultCapacityProviderStrategy"] == [{"capacityProvider": PROVIDER, "weight": 1, "base": 1}]
    group = provider(aws)["autoScalingGroupProvider"]
    assert group["autoScalingGroupArn"] == asg_arn
    assert group["managedScaling"]["targetCapacity"] == 100
    assert group["managedScaling"]["maximumScalingStepSize"] == 4
    assert group["managedTerminationProtection"] == "ENABLED" and group["managedDraining"] == "ENABLED"

    update = {"container_insights": "enhanced", "target_capacity": 80,
              "cluster_tags": {"Environment": "local", "cloudops:stack": "modules-test", "Owner": "team"}}
    preview = run(extra=update, check=True, diff=True)
    assert preview.rc == 0 and preview.changed == 2, preview.output
    assert preview.writes == [], preview.writes
    assert "containerInsights: enhanced" in preview.output and "targetCapacity: 80" in preview.output
    assert cluster(aws)["settings"][0]["value"] == "enabled"
    assert provider(aws)["autoScalingGroupProvider"]["managedScaling"]["targetCapacity"] == 100

    updated = run(extra=update)
    assert updated.rc == 0 and updated.changed == 2, updated.output
    current = cluster(aws)
    assert current["settings"][0]["value"] == "enhanced"
    assert {t["key"]: t["value"] for t in current["tags"]}["Owner"] == "team"
    scaling = provider(aws)["autoScalingGroupProvider"]["managedScaling"]
    assert scaling["targetCapacity"] == 80 and scaling["maximumScalingStepSize"] == 4

    # A provider still associated with a cluster, and a cluster with a service, are refused with names.
    refused = run(extra={"step": "delete_provider"})
    assert refused.rc != 0
    assert f"Capacity provider {PROVIDER} is still associated with cluster(s) {CLUSTER}" in refused.output
    ecs = aws("ecs")
    ecs.register_task_definition(family="modules-test", containerDefinitions=[
        {"name": "app", "image": "public.ecr.aws/nginx/nginx:latest", "memory": 128}])
    ecs.create_service(cluster=CLUSTER, serviceName="app", taskDefinition="modules-test", desiredCount=0,
                       launchType="EC2")
    busy = run(extra={"step": "delete_cluster"})
    assert busy.rc != 0
    assert f"Cluster {CLUSTER} still has 1 service(s)" in busy.output
    assert cluster(aws)["status"] == "ACTIVE"

    removed = run(extra={"step": "teardown", "detach": True, "force": True})
    assert removed.rc == 0 and removed.changed == 2, removed.output
    assert (cluster(aws) or {"status": "INACTIVE"})["status"] == "INACTIVE"
    assert (provider(aws) or {"status": "INACTIVE"})["status"] == "INACTIVE"
    again = run(extra={"step": "teardown", "detach": True, "force": True})
    assert again.rc == 0 and again.changed == 0, again.output
