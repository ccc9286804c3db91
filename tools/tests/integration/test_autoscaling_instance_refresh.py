"""Auto Scaling instance refresh on the local AWS, against what the API reference and the user guide document:
minimum and maximum healthy percentage (terminate first at 100, launch first above it), instance warm-up,
PercentageComplete and InstancesToUpdate, checkpoints that pause and continue by themselves, cancel, one refresh
at a time, and ScaleInProtectedInstances Wait/Ignore/Refresh on an ECS capacity provider's group with managed
termination protection (why the roll does not use an instance refresh: roles/instance_roll/README.md).

Every scenario runs on the frozen plane clock (`clock` fixture), moved in small steps, so each transition is
observed where the documentation puts it."""
import base64
import itertools

import pytest
from botocore.exceptions import ClientError

USER_DATA = "#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"
NAMES = itertools.count()


@pytest.fixture(scope="module")
def net(client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.72.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.72.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
        "SubnetId"] for i, z in enumerate("abc")]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    return {"subnets": subnets, "image": image}


def _group(client, net, size, cluster=None, protect=False):
    """A group of `size` on version 1 of its own template, then version 2 made the one it launches."""
    ec2, asg = client("ec2"), client("autoscaling")
    name = f"refresh-{next(NAMES)}"
    data = {"ImageId": net["image"], "InstanceType": "t3.medium"}
    if cluster:
        data["UserData"] = base64.b64encode(USER_DATA.format(cluster=cluster).encode()).decode()
    template = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)["LaunchTemplate"]
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=0, MaxSize=2 * size, DesiredCapacity=size,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "$Latest"},
        VPCZoneIdentifier=",".join(net["subnets"]), NewInstancesProtectedFromScaleIn=protect)
    return name, template["LaunchTemplateId"]


def _new_version(client, template_id):
    client("ec2").create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1",
                                                 LaunchTemplateData={"InstanceType": "t3.large"})


def _instances(client, name):
    group = client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    return group["Instances"]


def _refresh(client, name):
    return client("autoscaling").describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"][0]


def _watch(client, clock, name, seconds, step):
    """Advance the frozen clock `seconds` (AWS seconds) in steps; returns a sample per step: (plane seconds,
    healthy InService instances, instances in service or pending, versions InService, refresh)."""
    samples = []
    for _ in range(int(seconds / step)):
        clock.advance(clock.scaled(step), step=clock.scaled(step) / 2)
        live = [i for i in _instances(client, name) if i["LifecycleState"] in ("InService", "Pending")]
        in_service = [i for i in live if i["LifecycleState"] == "InService" and i["HealthStatus"] == "Healthy"]
        samples.append({"healthy": len(in_service), "live": len(live),
                        "versions": sorted(i["LaunchTemplate"]["Version"] for i in in_service), "refresh": _refresh(client, name)})
    return samples


def test_terminate_first_at_a_maximum_of_100_percent(client, net, clock):
    """MinHealthyPercentage 50, MaxHealthyPercentage 100 (the default) on 4 instances: two are terminated, the group
    launches two, and only once those are warm (InstanceWarmup) are they counted and the next two replaced."""
    asg = client("autoscaling")
    name, template = _group(client, net, 4)
    _new_version(client, template)
    refresh_id = asg.start_instance_refresh(AutoScalingGroupName=name, Preferences={
        "MinHealthyPercentage": 50, "InstanceWarmup": 60})["InstanceRefreshId"]
    pending = _refresh(client, name)
    assert (pending["InstanceRefreshId"], pending["Status"], pending["PercentageComplete"]) == (refresh_id, "Pending", 0)
    assert pending["Preferences"]["MaxHealthyPercentage"] == 100 and pending["Preferences"]["ScaleInProtectedInstances"] == "Wait"
    samples = _watch(client, clock, name, 200, 5)
    first = samples[0]
    assert first["refresh"]["Status"] == "InProgress" and first["live"] == 4 and first["healthy"] == 4
    assert first["versions"] == ["1", "1", "2", "2"]  # two old ones gone, the replacements InService at once
    assert first["refresh"]["PercentageComplete"] == 0 and first["refresh"]["InstancesToUpdate"] == 4  # not warm yet
    assert all(s["live"] <= 4 for s in samples)  # never above 100%
    assert max(s["refresh"]["PercentageComplete"] for s in samples if s["versions"].count("2") == 2) <= 50
    done = samples[-1]["refresh"]
    assert (done["Status"], done["PercentageComplete"], done["InstancesToUpdate"]) == ("Successful", 100, 0)
    assert samples[-1]["versions"] == ["2", "2", "2", "2"] and "EndTime" in done
    # warm-up: the second pair waited for the first pair's 60 s
    second_pair = next(k for k, s in enumerate(samples) if s["versions"].count("2") == 4)
    assert second_pair * 5 >= 60


def test_launch_first_above_100_percent_keeps_the_minimum(client, net, clock):
    asg = client("autoscaling")
    name, template = _group(client, net, 2)
    _new_version(client, template)
    asg.start_instance_refresh(AutoScalingGroupName=name, Preferences={
        "MinHealthyPercentage": 100, "MaxHealthyPercentage": 200, "InstanceWarmup": 30})
    samples = _watch(client, clock, name, 120, 5)
    assert samples[0]["live"] == 4 and samples[0]["versions"] == ["1", "1", "2", "2"]  # both launched before any went
    assert min(s["healthy"] for s in samples) >= 2 and max(s["live"] for s in samples) <= 4
    assert samples[-1]["refresh"]["Status"] == "Successful" and samples[-1]["versions"] == ["2", "2"]


def test_checkpoints_pause_and_continue_by_themselves_cancel_and_one_at_a_time(client, net, clock):
    asg = client("autoscaling")
    name, template = _group(client, net, 2)
    _new_version(client, template)
    with pytest.raises(ClientError) as error:
        asg.start_instance_refresh(AutoScalingGroupName=name, Preferences={"MaxHealthyPercentage": 150})
    assert error.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as error:
        asg.cancel_instance_refresh(AutoScalingGroupName=name)
    assert error.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"
    asg.start_instance_refresh(AutoScalingGroupName=name, Preferences={
        "MinHealthyPercentage": 50, "InstanceWarmup": 10, "CheckpointPercentages": [50, 100], "CheckpointDelay": 600})
    with pytest.raises(ClientError) as error:
        asg.start_instance_refresh(AutoScalingGroupName=name)
    assert error.value.response["Error"]["Code"] == "InstanceRefreshInProgress"
    samples = _watch(client, clock, name, 300, 10)
    paused = [s for s in samples if s["refresh"]["PercentageComplete"] == 50]
    assert paused and all(s["versions"] == ["1", "2"] for s in paused)  # half replaced, then nothing for 600 s
    assert paused[-1]["refresh"]["Status"] == "InProgress" and "checkpoint" in paused[-1]["refresh"]["StatusReason"]
    samples = _watch(client, clock, name, 400, 10)
    assert samples[-1]["versions"] == ["2", "2"]  # it went on by itself after the delay: no call to resume
    assert samples[-1]["refresh"]["Status"] == "Successful"
    # a new refresh, cancelled: nothing is rolled back, the next one may start
    _new_version(client, template)
    asg.start_instance_refresh(AutoScalingGroupName=name, Preferences={"MinHealthyPercentage": 0})
    cancelled = asg.cancel_instance_refresh(AutoScalingGroupName=name)["InstanceRefreshId"]
    _watch(client, clock, name, 20, 5)
    latest = _refresh(client, name)
    assert (latest["InstanceRefreshId"], latest["Status"]) == (cancelled, "Cancelled")
    assert [r["Status"] for r in asg.describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"]] == [
        "Cancelled", "Successful"]


@pytest.fixture
def ecs_group(client, net, clock):
    """A group of 2 under a capacity provider as site.yml builds it (managed scaling at 100, managed termination
    protection, managed draining) with a service of 2 tasks on each instance: busy instances are protected."""
    ecs = client("ecs")
    cluster = f"refresh-ecs-{next(NAMES)}"
    ecs.create_cluster(clusterName=cluster)
    name, template = _group(client, net, 2, cluster=cluster, protect=True)
    arn = client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0][
        "AutoScalingGroupARN"]
    ecs.create_capacity_provider(name=name + "-cp", autoScalingGroupProvider={
        "autoScalingGroupArn": arn, "managedTerminationProtection": "ENABLED", "managedDraining": "ENABLED",
        "managedScaling": {"status": "ENABLED", "targetCapacity": 100}})
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[name + "-cp"],
                                       defaultCapacityProviderStrategy=[{"capacityProvider": name + "-cp", "weight": 1}])
    ecs.register_task_definition(family=cluster, containerDefinitions=[{"name": "app", "image": "app", "memory": 512}])
    clock.advance(clock.scaled(120), step=clock.scaled(5))  # the agents register
    ecs.create_service(cluster=cluster, serviceName="app", taskDefinition=cluster, desiredCount=4,
                       placementStrategy=[{"type": "spread", "field": "instanceId"}],
                       deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200})
    clock.advance(clock.scaled(120), step=clock.scaled(5))
    instances = _instances(client, name)
    assert len(instances) == 2 and all(i["ProtectedFromScaleIn"] for i in instances)  # busy: protected by ECS
    _new_version(client, template)
    return {"name": name, "cluster": cluster}


def _container_instances(client, cluster):
    ecs = client("ecs")
    arns = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
    return ecs.describe_container_instances(cluster=cluster, containerInstances=arns)["containerInstances"] if arns else []


def test_protected_instances_wait_fails_after_an_hour(client, ecs_group, clock):
    client("autoscaling").start_instance_refresh(AutoScalingGroupName=ecs_group["name"], Preferences={
        "MinHealthyPercentage": 100, "MaxHealthyPercentage": 200})
    samples = _watch(client, clock, ecs_group["name"], 3500, 100)
    assert samples[-1]["refresh"]["Status"] == "InProgress" and samples[-1]["versions"] == ["1", "1"]
    assert "protected from scale in" in samples[-1]["refresh"]["StatusReason"]
    failed = _watch(client, clock, ecs_group["name"], 200, 100)[-1]["refresh"]
    assert failed["Status"] == "Failed" and "within one hour" in failed["StatusReason"]
    assert failed["PercentageComplete"] == 0


def test_protected_instances_ignore_replaces_nothing_that_runs_tasks(client, ecs_group, clock):
    client("autoscaling").start_instance_refresh(AutoScalingGroupName=ecs_group["name"], Preferences={
        "MinHealthyPercentage": 100, "MaxHealthyPercentage": 200, "ScaleInProtectedInstances": "Ignore"})
    done = _watch(client, clock, ecs_group["name"], 30, 10)[-1]
    assert done["refresh"]["Status"] == "Successful" and done["refresh"]["PercentageComplete"] == 100
    assert done["versions"] == ["1", "1"]  # "successful", and every instance still on the old version


def test_protected_instances_refresh_terminates_before_the_replacement_is_an_ecs_instance(client, ecs_group, clock):
    """Refresh: the replacements count once EC2 says InService and healthy and the warm-up passed; ECS is not
    asked. With the warm-up shorter than the agent's registration the old instances go into the managed draining
    hook while their replacements are not container instances yet; the drain is the hook's alone."""
    name = ecs_group["name"]
    clock.mark()
    client("autoscaling").start_instance_refresh(AutoScalingGroupName=name, Preferences={
        "MinHealthyPercentage": 100, "MaxHealthyPercentage": 200, "ScaleInProtectedInstances": "Refresh",
        "InstanceWarmup": 30})
    old = {i["InstanceId"] for i in _instances(client, name)}
    seen = []
    for _ in range(30):
        clock.advance(clock.scaled(5), step=clock.scaled(2.5))
        states = {i["InstanceId"]: i["LifecycleState"] for i in _instances(client, name)}
        registered = {c["ec2InstanceId"] for c in _container_instances(client, ecs_group["cluster"])
                      if c["status"] == "ACTIVE" and c["ec2InstanceId"] not in old}
        seen.append((states, registered))
    first_hook = next(k for k, (states, _r) in enumerate(seen) if any(states.get(i, "").startswith("Terminating")
                                                                      for i in old))
    assert not seen[first_hook][1], "an old instance was terminated after a replacement registered in ECS"
    refresh = _watch(client, clock, name, 600, 50)[-1]["refresh"]
    assert refresh["Status"] == "Successful" and not old & {i["InstanceId"] for i in _instances(client, name)}
    # the service stayed whole only because the hook's drain waited for the new capacity (minimumHealthyPercent 100)
    assert clock.report().service(ecs_group["cluster"], "app")["min_running"] == 4
