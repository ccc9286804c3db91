"""Capacity providers through boto3 on the local AWS: binding to an Auto Scaling group, managed draining
hook, association with a cluster, deletion rules."""
import functools

import pytest
from botocore.exceptions import ClientError

from local_aws import polling


@pytest.fixture(scope="module")
def asg(client):
    ec2, autoscaling = client("ec2"), client("autoscaling")
    vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.61.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="cp-lt", LaunchTemplateData={"ImageId": image,
                                                                                "InstanceType": "t3.medium"})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="cp-asg", LaunchTemplate={"LaunchTemplateName": "cp-lt"}, MinSize=0, MaxSize=2,
        DesiredCapacity=0, VPCZoneIdentifier=subnet["SubnetId"], NewInstancesProtectedFromScaleIn=True)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="cp-asg-unprotected", LaunchTemplate={"LaunchTemplateName": "cp-lt"}, MinSize=0,
        MaxSize=2, DesiredCapacity=0, VPCZoneIdentifier=subnet["SubnetId"])
    groups = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    return {g["AutoScalingGroupName"]: g["AutoScalingGroupARN"] for g in groups}


def test_capacity_provider_lifecycle(client, asg):
    ecs, autoscaling = client("ecs"), client("autoscaling")
    created = ecs.create_capacity_provider(
        name="cp-main", tags=[{"key": "k", "value": "v"}],
        autoScalingGroupProvider={
            "autoScalingGroupArn": asg["cp-asg"], "managedTerminationProtection": "ENABLED",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 90}})["capacityProvider"]
    assert created["status"] == "ACTIVE" and created["updateStatus"] == "CREATE_COMPLETE"
    group = created["autoScalingGroupProvider"]
    assert group["managedDraining"] == "ENABLED" and group["managedScaling"]["targetCapacity"] == 90
    assert group["managedScaling"]["maximumScalingStepSize"] == 10000
    hooks = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName="cp-asg")["LifecycleHooks"]
    assert [h["LifecycleHookName"] for h in hooks] == ["ecs-managed-draining-termination-hook"]
    assert hooks[0]["LifecycleTransition"] == "autoscaling:EC2_INSTANCE_TERMINATING"

    with pytest.raises(ClientError) as error:
        ecs.create_capacity_provider(name="cp-main", autoScalingGroupProvider={"autoScalingGroupArn": asg["cp-asg"]})
    assert error.value.response["Error"]["Code"] == "ClientException"
    with pytest.raises(ClientError) as error:
        ecs.create_capacity_provider(name="cp-other", autoScalingGroupProvider={
            "autoScalingGroupArn": asg["cp-asg-unprotected"], "managedTerminationProtection": "ENABLED",
            "managedScaling": {"status": "ENABLED"}})
    assert "instance protection from scale in" in error.value.response["Error"]["Message"]

    ecs.create_cluster(clusterName="cp-cluster")
    cluster = ecs.put_cluster_capacity_providers(
        cluster="cp-cluster", capacityProviders=["cp-main"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "cp-main", "weight": 1, "base": 1}])["cluster"]
    assert cluster["capacityProviders"] == ["cp-main"]
    assert cluster["defaultCapacityProviderStrategy"] == [{"capacityProvider": "cp-main", "weight": 1, "base": 1}]
    with pytest.raises(ClientError) as error:
        ecs.delete_capacity_provider(capacityProvider="cp-main")
    assert "in use" in error.value.response["Error"]["Message"]

    updated = ecs.update_capacity_provider(name="cp-main", autoScalingGroupProvider={
        "managedScaling": {"status": "ENABLED", "targetCapacity": 100}, "managedDraining": "DISABLED"})
    assert updated["capacityProvider"]["autoScalingGroupProvider"]["managedScaling"]["targetCapacity"] == 100
    described = ecs.describe_capacity_providers(capacityProviders=["cp-main"], include=["TAGS"])
    assert described["capacityProviders"][0]["tags"] == [{"key": "k", "value": "v"}]
    assert described["capacityProviders"][0]["autoScalingGroupProvider"]["managedDraining"] == "DISABLED"

    ecs.put_cluster_capacity_providers(cluster="cp-cluster", capacityProviders=[], defaultCapacityProviderStrategy=[])
    second = ecs.create_cluster(clusterName="cp-cluster2", capacityProviders=["cp-main"])["cluster"]
    assert second["capacityProviders"] == ["cp-main"]
    with pytest.raises(ClientError):
        ecs.delete_capacity_provider(capacityProvider="cp-main")
    ecs.delete_cluster(cluster="cp-cluster2")
    deleted = ecs.delete_capacity_provider(capacityProvider="cp-main")["capacityProvider"]
    assert deleted["status"] == "INACTIVE"
    assert "cp-main" not in [p["name"] for p in ecs.describe_capacity_providers()["capacityProviders"]]
    ecs.delete_cluster(cluster="cp-cluster")


wait_for = functools.partial(polling.wait_for, timeout=15.0)


def test_managed_scaling_and_termination_protection(client, asg):
    import base64

    ec2, autoscaling, ecs = client("ec2"), client("autoscaling"), client("ecs")
    subnet = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.61.1.0/24"]}])["Subnets"][0]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    data = base64.b64encode(b"#!/bin/bash\necho ECS_CLUSTER=ms >> /etc/ecs/ecs.config\n").decode()
    ec2.create_launch_template(LaunchTemplateName="ms-lt", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t3.medium", "UserData": data})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="ms-asg", LaunchTemplate={"LaunchTemplateName": "ms-lt"}, MinSize=0, MaxSize=3,
        DesiredCapacity=0, VPCZoneIdentifier=subnet["SubnetId"], NewInstancesProtectedFromScaleIn=True)
    arn = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["ms-asg"])["AutoScalingGroups"][0][
        "AutoScalingGroupARN"]
    ecs.create_cluster(clusterName="ms")
    ecs.create_capacity_provider(name="ms-cp", autoScalingGroupProvider={
        "autoScalingGroupArn": arn, "managedTerminationProtection": "ENABLED",
        "managedScaling": {"status": "ENABLED", "targetCapacity": 100}})
    ecs.put_cluster_capacity_providers(cluster="ms", capacityProviders=["ms-cp"],
                                       defaultCapacityProviderStrategy=[{"capacityProvider": "ms-cp", "weight": 1}])
    ecs.register_task_definition(family="ms-app", containerDefinitions=[
        {"name": "app", "image": "app", "memory": 512}])
    ecs.create_service(cluster="ms", serviceName="app", taskDefinition="ms-app", desiredCount=2)

    def group():
        return autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["ms-asg"])["AutoScalingGroups"][0]

    # unplaceable tasks make ECS raise the group's desired capacity; the tasks then run on the new instance
    wait_for(lambda: group()["DesiredCapacity"] >= 1, what="scale out")
    wait_for(lambda: ecs.describe_services(cluster="ms", services=["app"])["services"][0]["runningCount"] == 2,
             what="tasks running on the new capacity")
    ci = ecs.describe_container_instances(cluster="ms", containerInstances=ecs.list_container_instances(
        cluster="ms")["containerInstanceArns"])["containerInstances"][0]
    assert ci["capacityProviderName"] == "ms-cp"
    assert group()["DesiredCapacity"] == 1
    wait_for(lambda: all(i["ProtectedFromScaleIn"] for i in group()["Instances"]), what="protected while busy")
    # no tasks: protection is removed and the group scales in to zero
    ecs.update_service(cluster="ms", service="app", desiredCount=0)
    wait_for(lambda: group()["DesiredCapacity"] == 0, what="scale in")
    wait_for(lambda: not ecs.list_container_instances(cluster="ms")["containerInstanceArns"], what="deregistered")
    ecs.delete_service(cluster="ms", service="app")


def test_managed_scaling_is_a_target_tracking_policy_that_alarm_notification_gates(client, asg):
    """As the ECS developer guide describes cluster auto scaling: associating a provider with managed scaling attaches
    a target tracking policy on CapacityProviderReservation to its group and publishes the metric; the policy scales
    in an idle instance only after 15 datapoints below the target, and not at all while the group's AlarmNotification
    process is suspended; disassociating the provider removes the policy."""
    import base64
    import datetime

    ec2, autoscaling, ecs, cloudwatch = client("ec2"), client("autoscaling"), client("ecs"), client("cloudwatch")
    subnet = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.61.1.0/24"]}])["Subnets"][0]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    data = base64.b64encode(b"#!/bin/bash\necho ECS_CLUSTER=tt >> /etc/ecs/ecs.config\n").decode()
    ec2.create_launch_template(LaunchTemplateName="tt-lt", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t3.medium", "UserData": data})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="tt-asg", LaunchTemplate={"LaunchTemplateName": "tt-lt"}, MinSize=0, MaxSize=3,
        DesiredCapacity=0, VPCZoneIdentifier=subnet["SubnetId"], NewInstancesProtectedFromScaleIn=True)
    arn = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["tt-asg"])["AutoScalingGroups"][0][
        "AutoScalingGroupARN"]
    ecs.create_cluster(clusterName="tt")
    ecs.create_capacity_provider(name="tt-cp", autoScalingGroupProvider={
        "autoScalingGroupArn": arn, "managedTerminationProtection": "ENABLED",
        "managedScaling": {"status": "ENABLED", "targetCapacity": 100}})

    def policies():
        return autoscaling.describe_policies(AutoScalingGroupName="tt-asg")["ScalingPolicies"]

    def group():
        return autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["tt-asg"])["AutoScalingGroups"][0]

    dimensions = [{"Name": "CapacityProviderName", "Value": "tt-cp"}, {"Name": "ClusterName", "Value": "tt"}]

    def datapoints():
        stats = cloudwatch.get_metric_statistics(
            Namespace="AWS/ECS/ManagedScaling", MetricName="CapacityProviderReservation", Dimensions=dimensions,
            StartTime=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
            EndTime=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5), Period=3600,
            Statistics=["SampleCount"])["Datapoints"]
        return int(sum(d["SampleCount"] for d in stats))

    assert policies() == []  # not associated with a cluster yet
    ecs.put_cluster_capacity_providers(cluster="tt", capacityProviders=["tt-cp"],
                                       defaultCapacityProviderStrategy=[{"capacityProvider": "tt-cp", "weight": 1}])
    polling.wait_for(policies, what="the managed scaling policy")
    policy = policies()[0]
    assert policy["PolicyName"].startswith("ECSManagedAutoScalingPolicy-")
    assert policy["PolicyType"] == "TargetTrackingScaling"
    tracking = policy["TargetTrackingConfiguration"]
    assert tracking["TargetValue"] == 100.0
    assert tracking["CustomizedMetricSpecification"]["MetricName"] == "CapacityProviderReservation"
    assert tracking["CustomizedMetricSpecification"]["Namespace"] == "AWS/ECS/ManagedScaling"
    assert sorted(tracking["CustomizedMetricSpecification"]["Dimensions"], key=lambda d: d["Name"]) == dimensions

    ecs.register_task_definition(family="tt-app", containerDefinitions=[{"name": "app", "image": "app", "memory": 512}])
    ecs.create_service(cluster="tt", serviceName="app", taskDefinition="tt-app", desiredCount=1)
    polling.wait_for(lambda: group()["DesiredCapacity"] == 1, timeout=30, what="scale out for the unplaced task")
    polling.wait_for(lambda: ecs.describe_services(cluster="tt", services=["app"])["services"][0]["runningCount"] == 1,
                     timeout=30, what="the task running")

    # a raise the policy does not want (an idle instance), while AlarmNotification is suspended: it holds
    autoscaling.suspend_processes(AutoScalingGroupName="tt-asg", ScalingProcesses=["AlarmNotification"])
    autoscaling.set_desired_capacity(AutoScalingGroupName="tt-asg", DesiredCapacity=2)
    polling.wait_for(lambda: len(ecs.list_container_instances(cluster="tt")["containerInstanceArns"]) == 2,
                     timeout=30, what="the second instance registered")
    seen = datapoints()
    polling.wait_for(lambda: datapoints() >= seen + 17, timeout=60, what="17 more datapoints")
    assert group()["DesiredCapacity"] == 2, "the policy acted while AlarmNotification was suspended"

    # resumed: 15 datapoints below the target later the idle (unprotected) instance is scaled in
    autoscaling.resume_processes(AutoScalingGroupName="tt-asg", ScalingProcesses=["AlarmNotification"])
    polling.wait_for(lambda: group()["DesiredCapacity"] == 1, timeout=60, what="scale in of the idle instance")
    assert ecs.describe_services(cluster="tt", services=["app"])["services"][0]["runningCount"] == 1

    ecs.update_service(cluster="tt", service="app", desiredCount=0)
    ecs.delete_service(cluster="tt", service="app", force=True)
    polling.wait_for(lambda: not ecs.list_services(cluster="tt")["serviceArns"], timeout=30, what="service gone")
    ecs.put_cluster_capacity_providers(cluster="tt", capacityProviders=[], defaultCapacityProviderStrategy=[])
    polling.wait_for(lambda: policies() == [], what="the policy removed with the association")
