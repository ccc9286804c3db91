"""The local AWS against the AWS documentation (tools/tests/fixtures/documented.json): task lifecycle states,
target health states and reason codes, Auto Scaling lifecycle states, each followed step by step on a frozen
clock so that no state is missed."""
import pytest
from documented import DOCUMENTED, changes, follows

CLUSTER = "documented"
USER_DATA = f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n"


@pytest.fixture(scope="module")
def env(client):
    from local_aws import polling

    ec2, ecs = client("ec2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.55.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.55.{i}.0/24", AvailabilityZone=f"us-east-1{z}")[
        "Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ecs.create_cluster(clusterName=CLUSTER)
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0], InstanceType="t3.large",
                                 UserData=USER_DATA)["Instances"][0]["InstanceId"]
    polling.wait_for(lambda: ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"],
                     what="container instance")
    return {"ec2": ec2, "ecs": ecs, "elb": client("elbv2"), "asg": client("autoscaling"), "vpc": vpc,
            "subnets": subnets, "image": image, "instance": instance}


def follow(clock, read, until, steps=400):
    """Advance plane time one tick at a time, reading the state after each tick until `until(state)`."""
    seen = [read()]
    for _ in range(steps):
        if until(seen[-1]):
            return seen
        clock.advance(0.05)
        seen.append(read())
    raise AssertionError(f"not reached after {steps} ticks: {changes(seen)}")


@pytest.mark.parametrize("mode", ["bridge", "awsvpc"])
def test_task_states_follow_the_documented_lifecycle(env, clock, mode):
    ecs = env["ecs"]
    family = f"documented-{mode}"
    ecs.register_task_definition(family=family, networkMode=mode, containerDefinitions=[
        {"name": "app", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80}]}])
    extra = {"networkConfiguration": {"awsvpcConfiguration": {"subnets": env["subnets"][:1]}}} if mode == "awsvpc" else {}
    task = ecs.run_task(cluster=CLUSTER, taskDefinition=family, **extra)["tasks"][0]["taskArn"]

    def read():
        found = ecs.describe_tasks(cluster=CLUSTER, tasks=[task])["tasks"][0]
        return found["lastStatus"], found["desiredStatus"]

    seen = follow(clock, read, lambda state: state[0] == "RUNNING")
    ecs.stop_task(cluster=CLUSTER, task=task)
    seen += follow(clock, read, lambda state: state[0] == "STOPPED")
    documented = DOCUMENTED["ecs_task_lifecycle"]
    last = changes([s for s, _ in seen])
    assert follows(last, documented["order"]), last
    assert last[0] == "PROVISIONING" and last[-1] == "STOPPED" and "RUNNING" in last
    assert ("DEPROVISIONING" in last) == (mode == "awsvpc")  # the task ENI is detached before STOPPED
    assert follows(changes([d for _, d in seen]), documented["desired"])


def test_target_health_states_and_reasons_are_documented(env, clock):
    elb = env["elb"]
    lb = elb.create_load_balancer(Name="documented-alb", Subnets=env["subnets"], Type="application")
    tg = elb.create_target_group(Name="documented-tg", Protocol="HTTP", Port=80, VpcId=env["vpc"],
                                 HealthCheckIntervalSeconds=5, HealthyThresholdCount=2,
                                 UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    target = {"Id": env["instance"], "Port": 8080}

    def read():
        found = elb.describe_target_health(TargetGroupArn=tg, Targets=[target])["TargetHealthDescriptions"][0]
        return found["TargetHealth"]["State"], found["TargetHealth"].get("Reason")

    elb.register_targets(TargetGroupArn=tg, Targets=[target])
    seen = [read()]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    seen += follow(clock, read, lambda state: state[0] == "healthy")
    elb.deregister_targets(TargetGroupArn=tg, Targets=[target])
    seen += follow(clock, read, lambda state: state == ("unused", "Target.NotRegistered"))
    documented = DOCUMENTED["elbv2_target_health"]
    steps = changes(seen)
    for state, reason in steps:
        assert reason in documented["reasons"][state], (state, reason)
    states = changes([s for s, _ in steps])
    assert states == ["unused", "initial", "healthy", "draining", "unused"]
    for before, after in zip(states[1:-2], states[2:-1], strict=True):
        assert after in documented["transitions"][before], (before, after)
    initial = [r for s, r in steps if s == "initial"]
    assert follows(initial, documented["registration_order"]) and initial == documented["registration_order"]


def test_auto_scaling_states_follow_the_documented_lifecycle(env, clock):
    asg, ec2 = env["asg"], env["ec2"]
    ec2.create_launch_template(LaunchTemplateName="documented", LaunchTemplateData={
        "ImageId": env["image"], "InstanceType": "t3.micro"})
    asg.create_auto_scaling_group(
        AutoScalingGroupName="documented", MinSize=0, MaxSize=2, DesiredCapacity=0,
        LaunchTemplate={"LaunchTemplateName": "documented", "Version": "$Latest"},
        VPCZoneIdentifier=",".join(env["subnets"]))
    for transition in ("LAUNCHING", "TERMINATING"):
        asg.put_lifecycle_hook(LifecycleHookName=transition.lower(), AutoScalingGroupName="documented",
                               LifecycleTransition=f"autoscaling:EC2_INSTANCE_{transition}", HeartbeatTimeout=30,
                               DefaultResult="CONTINUE")

    def read():
        instances = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["documented"])["AutoScalingGroups"][0][
            "Instances"]
        return instances[0]["LifecycleState"] if instances else "Terminated"

    asg.set_desired_capacity(AutoScalingGroupName="documented", DesiredCapacity=1)
    launch = follow(clock, read, lambda state: state == "InService")
    asg.set_desired_capacity(AutoScalingGroupName="documented", DesiredCapacity=0)
    terminate = follow(clock, read, lambda state: state == "Terminated")
    documented = DOCUMENTED["autoscaling_lifecycle"]
    assert follows(changes(launch), documented["launch"]) and "Pending:Wait" in launch, changes(launch)
    assert follows(changes(terminate), documented["terminate"]) and "Terminating:Wait" in terminate, changes(terminate)
