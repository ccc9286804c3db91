"""The local AWS against the AWS documentation (tools/tests/fixtures/documented.json): task lifecycle states,
target health states and reason codes, Auto Scaling lifecycle states, container-instance draining and deployment
rollout states, each followed step by step on a frozen clock so that no state is missed."""
import math
import re

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


def second_instance(env, clock):
    """Another container instance of the cluster (the first stays for the other tests); its EC2 instance id."""
    ecs = env["ecs"]
    instance = env["ec2"].run_instances(ImageId=env["image"], MinCount=1, MaxCount=1, SubnetId=env["subnets"][1],
                                        InstanceType="t3.large", UserData=USER_DATA)["Instances"][0]["InstanceId"]

    def registered():
        arns = ecs.list_container_instances(cluster=CLUSTER, status="ACTIVE")["containerInstanceArns"]
        items = ecs.describe_container_instances(cluster=CLUSTER, containerInstances=arns)["containerInstances"]
        return {i["ec2InstanceId"]: i["containerInstanceArn"] for i in items}

    follow(clock, registered, lambda found: instance in found)
    return instance, registered()[instance]


def service_steady(ecs, name):
    service = ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]
    return service["runningCount"] == service["desiredCount"] and len(service["deployments"]) == 1 and \
        service["deployments"][0]["rolloutState"] == "COMPLETED"


def remove_service(ecs, name):
    ecs.update_service(cluster=CLUSTER, service=name, desiredCount=0)
    ecs.delete_service(cluster=CLUSTER, service=name, force=True)


def test_container_instance_draining_follows_the_documented_sequence(env, clock, controls):
    ecs, ec2 = env["ecs"], env["ec2"]
    documented = DOCUMENTED["ecs_container_instance_draining"]
    instance, arn = second_instance(env, clock)
    ecs.register_task_definition(family="documented-drain", containerDefinitions=[
        {"name": "app", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 0}]}])
    ecs.create_service(cluster=CLUSTER, serviceName="drain", taskDefinition="documented-drain", desiredCount=2,
                       deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200},
                       placementStrategy=[{"type": "spread", "field": "instanceId"}])
    try:
        follow(clock, lambda: service_steady(ecs, "drain"), bool)

        def on_instance():
            tasks = ecs.list_tasks(cluster=CLUSTER, containerInstance=arn, desiredStatus="RUNNING")["taskArns"]
            return set(tasks)

        before = on_instance()
        assert before, "spread by instance: a task on each instance"
        controls.mark()
        ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=[arn], status="DRAINING")
        seen = follow(clock, on_instance, lambda tasks: not tasks)
        assert all(tasks <= before for tasks in seen), "a task was placed on the DRAINING instance"
        follow(clock, lambda: service_steady(ecs, "drain"), bool)
        ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=[arn], status="ACTIVE")
        report = controls.report()
        service = report.service(CLUSTER, "drain")
        floor = math.ceil(2 * 100 / 100)
        assert service["min_running"] >= floor and service["min_healthy"] >= floor, service  # within the percentages
        assert service["max_running"] <= 2 * 200 // 100, service
        steps = [report.transitions(CLUSTER, instance)[0]["from"]] + [t["to"] for t in report.transitions(
            CLUSTER, instance)]
        assert steps == documented["drain_and_reactivate"], steps

        controls.mark()
        ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=[arn], status="DRAINING")
        follow(clock, on_instance, lambda tasks: not tasks)
        ec2.terminate_instances(InstanceIds=[instance])
        follow(clock, lambda: controls.report().container_instance(CLUSTER, instance)["status"], lambda s: s == "INACTIVE")
        transitions = controls.report().transitions(CLUSTER, instance)
        assert [transitions[0]["from"]] + [t["to"] for t in transitions] == documented["drain_and_terminate"]
        for transition in report.transitions(CLUSTER, instance) + transitions:
            assert transition["to"] in documented["transitions"][transition["from"]], transition
            assert transition["to"] in documented["statuses"]
    finally:
        remove_service(ecs, "drain")


def test_deployment_rollout_states_follow_the_documented_sequences(env, clock, control):
    ecs = env["ecs"]
    documented = DOCUMENTED["ecs_deployment_rollout"]
    reasons = {state: re.compile(pattern) for state, pattern in documented["reasons"].items()}
    for image in ("nginx:1", "nginx:2", "nginx:3"):
        ecs.register_task_definition(family="documented-rollout", containerDefinitions=[
            {"name": "app", "image": image, "memory": 64}])
    ecs.create_service(cluster=CLUSTER, serviceName="rollout", taskDefinition="documented-rollout:1", desiredCount=2,
                       deploymentConfiguration={"minimumHealthyPercent": 50, "maximumPercent": 200,
                                                "deploymentCircuitBreaker": {"enable": True, "rollback": False}})

    def primary():
        deployment = ecs.describe_services(cluster=CLUSTER, services=["rollout"])["services"][0]["deployments"][0]
        assert reasons[deployment["rolloutState"]].match(deployment["rolloutStateReason"]), deployment
        return deployment["id"], deployment["rolloutState"]

    def rollout(task_definition, last):
        ecs.update_service(cluster=CLUSTER, service="rollout", taskDefinition=task_definition)
        deployment = primary()[0]
        seen = follow(clock, primary, lambda state: state[1] == last)
        assert {d for d, _ in seen} == {deployment}  # one deployment, followed from its start
        return changes([state for _, state in seen])

    try:
        created = follow(clock, primary, lambda state: state[1] == "COMPLETED")
        assert changes([state for _, state in created]) == documented["completed"]
        assert rollout("documented-rollout:2", "COMPLETED") == documented["completed"]

        control("ecs/fail-task-starts", {"cluster": CLUSTER, "family": "documented-rollout:3", "forever": True})
        assert rollout("documented-rollout:3", "FAILED") == documented["circuit_breaker"]

        def started_of_the_failed_deployment():
            arns = ecs.list_tasks(cluster=CLUSTER, serviceName="rollout", desiredStatus="STOPPED")["taskArns"] + \
                ecs.list_tasks(cluster=CLUSTER, serviceName="rollout")["taskArns"]
            tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []
            return len([t for t in tasks if t["taskDefinitionArn"].endswith(":3")])

        launched = started_of_the_failed_deployment()
        assert launched >= 3  # min(200, max(3, ceil(0.5 x 2))) failures made it FAILED
        clock.advance(5)
        assert started_of_the_failed_deployment() == launched  # a FAILED deployment launches no new tasks
        assert primary()[1] == "FAILED"
    finally:
        control("ecs/fail-task-starts", {"cluster": CLUSTER, "family": "documented-rollout:3", "count": 0})
        remove_service(ecs, "rollout")
