"""Acceptance scenario for the local ECS control plane, boto3 only, fast profile (AWS durations / 100).

An Auto Scaling group of 3 instances in 3 AZs registers in an ECS cluster through its capacity provider;
a service of 6 tasks runs behind an ALB target group. Then: draining an instance, a new task definition,
a failing image with the circuit breaker, a terminating instance held by the managed-draining hook, and a
DAEMON service following instances in and out. The invariant recorder holds the minimum healthy targets and
running tasks of every change (marked before it, read after it).
"""
import base64
import functools
import math
from collections import Counter

import pytest
from documented import undocumented_events

from local_aws import polling

CLUSTER = "scn"
SERVICE = "web"
DESIRED = 6
MIN_HEALTHY_PERCENT = 100
USER_DATA = f"#!/bin/bash\ncat >> /etc/ecs/ecs.config <<EOF\nECS_CLUSTER={CLUSTER}\nEOF\n"


wait_for = functools.partial(polling.wait_for, timeout=15.0)


@pytest.fixture(scope="module")
def env(client, control, controls):
    ec2, elb, autoscaling, ecs = client("ec2"), client("elbv2"), client("autoscaling"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24",
                                 AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("abc")]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="scn-lt", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t3.medium",
        "UserData": base64.b64encode(USER_DATA.encode()).decode()})
    ecs.create_cluster(clusterName=CLUSTER)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="scn-asg", LaunchTemplate={"LaunchTemplateName": "scn-lt", "Version": "$Latest"},
        MinSize=3, MaxSize=4, DesiredCapacity=3, VPCZoneIdentifier=",".join(subnets))
    asg_arn = autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=["scn-asg"])["AutoScalingGroups"][0]["AutoScalingGroupARN"]
    ecs.create_capacity_provider(name="scn-cp", autoScalingGroupProvider={
        "autoScalingGroupArn": asg_arn, "managedDraining": "ENABLED", "managedTerminationProtection": "DISABLED"})
    ecs.put_cluster_capacity_providers(cluster=CLUSTER, capacityProviders=["scn-cp"],
                                       defaultCapacityProviderStrategy=[{"capacityProvider": "scn-cp", "weight": 1}])
    alb = elb.create_load_balancer(Name="scn-alb", Subnets=subnets, Type="application")
    tg = elb.create_target_group(Name="scn-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance",
                                 HealthCheckIntervalSeconds=10, HealthyThresholdCount=2,
                                 UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    elb.create_listener(LoadBalancerArn=alb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    return {"ec2": ec2, "elb": elb, "autoscaling": autoscaling, "ecs": ecs, "tg": tg, "control": control,
            "controls": controls}


def register(ecs, image):
    return ecs.register_task_definition(family="scn-web", requiresCompatibilities=["EC2"], containerDefinitions=[
        {"name": "web", "image": image, "cpu": 128, "memoryReservation": 256,
         "portMappings": [{"containerPort": 80, "hostPort": 0}]}])["taskDefinition"]["taskDefinitionArn"]


def service(ecs, name=SERVICE):
    return ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]


def tasks(ecs, name=SERVICE):
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=name)["taskArns"]
    return ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []


def healthy_targets(elb, tg):
    return [d for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            if d["TargetHealth"]["State"] == "healthy"]


def settled(ecs, elb, tg, task_definition=None):
    svc = service(ecs)
    running = [t for t in tasks(ecs) if t["lastStatus"] == "RUNNING"]
    return (len(svc["deployments"]) == 1 and svc["deployments"][0]["rolloutState"] == "COMPLETED"
            and svc["runningCount"] == DESIRED and len(running) == DESIRED
            and (task_definition is None or all(t["taskDefinitionArn"] == task_definition for t in running))
            and len(healthy_targets(elb, tg)) == DESIRED)


def assert_within_limits(env, done, timeout=20.0):
    """Wait until done(); then the record since the last mark: never fewer healthy targets or healthy
    running tasks than minimumHealthyPercent allows, never more tasks than maximumPercent (200)."""
    polling.wait_for(done, timeout=timeout, what="change finished")
    report = env["controls"].report()
    minimum = math.ceil(DESIRED * MIN_HEALTHY_PERCENT / 100)
    group, web = report.target_group(env["tg"]), report.service(CLUSTER, SERVICE)
    assert group["min_healthy"] >= minimum, group
    assert web["min_healthy"] >= minimum, web
    assert web["max_running"] <= 2 * DESIRED, web
    return report


def instance_of(ecs):
    arns = ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]
    if not arns:
        return {}
    cis = ecs.describe_container_instances(cluster=CLUSTER, containerInstances=arns)["containerInstances"]
    return {c["containerInstanceArn"]: c for c in cis}


def test_scenario(env):
    ecs, elb, tg, autoscaling, control = env["ecs"], env["elb"], env["tg"], env["autoscaling"], env["control"]
    controls = env["controls"]

    # 3 instances register, one per AZ, bound to the capacity provider
    cis = wait_for(lambda: len(instance_of(ecs)) == 3 and instance_of(ecs), what="3 container instances")
    assert sorted(c["attributes"][0]["value"] for c in cis.values()) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert {c["capacityProviderName"] for c in cis.values()} == {"scn-cp"}
    assert all(c["agentConnected"] and c["status"] == "ACTIVE" for c in cis.values())
    memory = {r["name"]: r["integerValue"] for r in next(iter(cis.values()))["registeredResources"]}["MEMORY"]
    assert 3000 < memory < 4096

    # 6 tasks behind the target group, spread over the AZs, all healthy
    first = register(ecs, "nginx:1")
    ecs.create_service(
        cluster=CLUSTER, serviceName=SERVICE, taskDefinition=first, desiredCount=DESIRED,
        loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}],
        healthCheckGracePeriodSeconds=30,
        deploymentConfiguration={"minimumHealthyPercent": MIN_HEALTHY_PERCENT, "maximumPercent": 200,
                                 "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    wait_for(lambda: settled(ecs, elb, tg), what="service steady")
    running = tasks(ecs)
    assert Counter(t["availabilityZone"] for t in running) == {"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}
    ports = {(t["containerInstanceArn"], t["containers"][0]["networkBindings"][0]["hostPort"]) for t in running}
    assert len(ports) == DESIRED and all(p >= 32768 for _, p in ports)
    targets = {(d["Target"]["Id"], d["Target"]["Port"]) for d in healthy_targets(elb, tg)}
    assert targets == {(cis[a]["ec2InstanceId"], p) for a, p in ports}
    messages = [e["message"] for e in service(ecs)["events"]]
    assert messages[0] == f"(service {SERVICE}) has reached a steady state."
    assert any(m.startswith(f"(service {SERVICE}) registered 6 targets in (target-group {tg})") for m in messages)

    # draining one instance moves its tasks without dropping below the minimum healthy
    drained = next(iter(cis))
    controls.mark()
    ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=[drained], status="DRAINING")
    assert_within_limits(env, lambda: settled(ecs, elb, tg) and not [
        t for t in tasks(ecs) if t["containerInstanceArn"] == drained])
    stopped = ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus="STOPPED")["taskArns"]
    reasons = {t["stoppedReason"] for t in ecs.describe_tasks(cluster=CLUSTER, tasks=stopped)["tasks"]}
    assert reasons == {"Task stopped because the container instance is being drained"}
    ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=[drained], status="ACTIVE")

    # a new task definition rolls out to COMPLETED within the same limits
    second = register(ecs, "nginx:2")
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=second)
    assert len(service(ecs)["deployments"]) == 2
    rollout = assert_within_limits(env, lambda: settled(ecs, elb, tg, second)).service(CLUSTER, SERVICE)
    assert (rollout["min_primary_running"], rollout["primary_running"]) == (0, DESIRED)
    primary = service(ecs)["deployments"][0]
    assert primary["rolloutStateReason"] == f"ECS deployment {primary['id']} completed."

    # a failing image trips the circuit breaker and rolls back to the last completed task definition
    third = register(ecs, "nginx:broken")
    control("ecs/fail-task-starts", {"cluster": CLUSTER, "family": third.split("/")[-1], "forever": True,
                                     "reason": "CannotPullContainerError: pull image manifest has been retried 5 "
                                               "time(s): nginx:broken not found"})
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=third)
    failed_id = service(ecs)["deployments"][0]["id"]
    assert_within_limits(env, lambda: settled(ecs, elb, tg, second))
    svc = service(ecs)
    assert svc["taskDefinition"] == second
    assert svc["deployments"][0]["id"] not in (failed_id, primary["id"])
    assert svc["deployments"][0]["taskDefinition"] == second
    assert any(e["message"] == f"(service {SERVICE}) rolling back to deployment {primary['id']}."
               for e in svc["events"])
    assert any(e["message"] == f"(service {SERVICE}) (deployment {failed_id}) deployment failed: tasks failed to "
                               "start." for e in svc["events"])
    failed = [t for t in ecs.describe_tasks(cluster=CLUSTER, tasks=ecs.list_tasks(
        cluster=CLUSTER, family="scn-web", desiredStatus="STOPPED")["taskArns"][:100])["tasks"]
              if t["taskDefinitionArn"] == third]
    assert len(failed) >= 3 and all(t["stopCode"] == "TaskFailedToStart" for t in failed)
    assert failed[0]["stoppedReason"].startswith("CannotPullContainerError")

    # a DAEMON service runs one task per instance
    ecs.register_task_definition(family="scn-agent", containerDefinitions=[
        {"name": "agent", "image": "agent", "memory": 64, "cpu": 16}])
    ecs.create_service(cluster=CLUSTER, serviceName="agent", taskDefinition="scn-agent", schedulingStrategy="DAEMON")
    wait_for(lambda: len([t for t in tasks(ecs, "agent") if t["lastStatus"] == "RUNNING"]) == 3, what="3 daemons")
    assert service(ecs, "agent")["desiredCount"] == 3

    # terminating an instance: the managed-draining hook holds it until its service tasks have moved
    victim_ci = next(a for a in instance_of(ecs) if a != drained)
    victim = instance_of(ecs)[victim_ci]["ec2InstanceId"]
    controls.mark()
    autoscaling.terminate_instance_in_auto_scaling_group(InstanceId=victim, ShouldDecrementDesiredCapacity=False)
    state = autoscaling.describe_auto_scaling_instances(InstanceIds=[victim])["AutoScalingInstances"][0]
    assert state["LifecycleState"] == "Terminating:Wait"
    assert [t for t in tasks(ecs) if t["containerInstanceArn"] == victim_ci]
    wait_for(lambda: ecs.describe_container_instances(cluster=CLUSTER, containerInstances=[victim_ci])[
        "containerInstances"][0]["status"] == "DRAINING", what="instance DRAINING")
    assert env["ec2"].describe_instances(InstanceIds=[victim])["Reservations"][0]["Instances"][0]["State"][
        "Name"] == "running"
    assert_within_limits(env, lambda: settled(ecs, elb, tg, second) and ecs.describe_container_instances(
        cluster=CLUSTER, containerInstances=[victim_ci])["containerInstances"][0]["status"] == "INACTIVE",
        timeout=30)
    assert env["ec2"].describe_instances(InstanceIds=[victim])["Reservations"][0]["Instances"][0]["State"][
        "Name"] == "terminated"
    # the group replaced the instance; the DAEMON service followed it out and in
    wait_for(lambda: len(instance_of(ecs)) == 3, what="replacement registered")
    current = set(instance_of(ecs))
    wait_for(lambda: {t["containerInstanceArn"] for t in tasks(ecs, "agent") if t["lastStatus"] == "RUNNING"}
             == current, what="daemon on every instance")
    assert victim_ci not in current
    assert not [e for e in control("status")["errors"] if "ecs" in e], "the ECS component raised during ticks"
    # every service event reads as the documented ECS service event messages
    for name in (SERVICE, "agent"):
        assert undocumented_events([e["message"] for e in service(ecs, name)["events"]]) == []
