"""ELBv2 target health and ALB provisioning on the local AWS, read back with boto3 (fast profile: /100)."""
import functools
import time

import pytest

from local_aws import polling

INTERVAL, HEALTHY, UNHEALTHY, DELAY = 30, 5, 2, 60  # AWS seconds; /100 locally
SCALE = 100.0

AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"


wait_for = functools.partial(polling.wait_for, step=0.02)


def health(elb, tg_arn, **kwargs):
    items = elb.describe_target_health(TargetGroupArn=tg_arn, **kwargs)["TargetHealthDescriptions"]
    return {(i["Target"]["Id"], i["Target"]["Port"]): i["TargetHealth"] for i in items}


@pytest.fixture(scope="module")
def stack(client):
    ec2, elb = client("ec2"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    image = client("ssm").get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"]
    instances = [i["InstanceId"] for i in ec2.run_instances(
        ImageId=image, MinCount=2, MaxCount=2, SubnetId=subnets[0])["Instances"]]
    tg = elb.create_target_group(
        Name="tg-health", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance",
        HealthCheckIntervalSeconds=INTERVAL, HealthyThresholdCount=HEALTHY, UnhealthyThresholdCount=UNHEALTHY,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(DELAY)}])
    return {"ec2": ec2, "elb": elb, "vpc": vpc, "subnets": subnets, "instances": instances, "tg": tg}


def test_alb_provisioning_then_active_and_waiter(stack):
    elb = stack["elb"]
    started = time.monotonic()
    lb = elb.create_load_balancer(Name="alb-health", Subnets=stack["subnets"], Type="application")
    arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    assert lb["LoadBalancers"][0]["State"]["Code"] == "provisioning"
    assert elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"] == "provisioning"
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[arn], WaiterConfig={"Delay": 1})
    elapsed = time.monotonic() - started
    assert elb.describe_load_balancers(Names=["alb-health"])["LoadBalancers"][0]["State"]["Code"] == "active"
    assert 150 / SCALE <= elapsed < 150 / SCALE + 5.0
    stack["lb"] = arn


def test_unused_until_a_listener_uses_the_group(stack):
    elb, tg, (first, _second) = stack["elb"], stack["tg"], stack["instances"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8080}, {"Id": first, "Port": 8081}])
    states = health(elb, tg)
    assert states == {
        (first, 8080): {"State": "unused", "Reason": "Target.NotInUse",
                        "Description": "Target group is not configured to receive traffic from the load balancer"},
        (first, 8081): {"State": "unused", "Reason": "Target.NotInUse",
                        "Description": "Target group is not configured to receive traffic from the load balancer"},
    }


def test_two_ports_initial_then_healthy_after_interval_times_threshold(stack):
    elb, tg, (first, second) = stack["elb"], stack["tg"], stack["instances"]
    elb.create_listener(LoadBalancerArn=stack["lb"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    started = time.monotonic()
    states = health(elb, tg)
    assert [s["State"] for s in states.values()] == ["initial", "initial"]
    assert states[(first, 8080)]["Reason"] == "Elb.RegistrationInProgress"
    wait_for(lambda: health(elb, tg)[(first, 8080)].get("Reason") == "Elb.InitialHealthChecking")
    wait_for(lambda: all(s["State"] == "healthy" for s in health(elb, tg).values()))
    elapsed = time.monotonic() - started
    assert INTERVAL * HEALTHY / SCALE - 0.1 <= elapsed < INTERVAL * HEALTHY / SCALE + 5.0
    # Targets filter: one port, both ports of an id, and an unregistered target
    only = elb.describe_target_health(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8081}])
    assert [(d["Target"]["Port"], d["TargetHealth"]["State"], d["HealthCheckPort"])
            for d in only["TargetHealthDescriptions"]] == [(8081, "healthy", "8081")]
    assert len(health(elb, tg, Targets=[{"Id": first}])) == 2
    assert health(elb, tg, Targets=[{"Id": second, "Port": 80}])[(second, 80)]["Reason"] == "Target.NotRegistered"


def test_unhealthy_control_is_per_port_and_sticky(stack, control):
    elb, tg, first = stack["elb"], stack["tg"], stack["instances"][0]
    answer = control("elbv2/set-target-health", {"target_id": first, "port": 8080, "state": "unhealthy"})
    assert answer["matched"] == 1
    started = time.monotonic()
    wait_for(lambda: health(elb, tg)[(first, 8080)]["State"] == "unhealthy")
    assert INTERVAL * UNHEALTHY / SCALE - 0.1 <= time.monotonic() - started < INTERVAL * UNHEALTHY / SCALE + 5.0
    states = health(elb, tg)
    assert states[(first, 8080)]["Reason"] == "Target.ResponseCodeMismatch"
    assert states[(first, 8081)]["State"] == "healthy"
    # sticky: a re-registration of the same target goes initial -> unhealthy again
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8080}])
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8080}])
    assert health(elb, tg)[(first, 8080)]["State"] == "initial"
    wait_for(lambda: health(elb, tg)[(first, 8080)]["State"] == "unhealthy")
    control("elbv2/set-target-health", {"target_group_arn": tg, "target_id": first, "port": 8080, "state": "healthy"})
    wait_for(lambda: health(elb, tg)[(first, 8080)]["State"] == "healthy")


def test_draining_for_the_deregistration_delay_then_gone(stack):
    elb, tg, first = stack["elb"], stack["tg"], stack["instances"][0]
    started = time.monotonic()
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8081}])
    states = health(elb, tg)
    assert states[(first, 8081)] == {"State": "draining", "Reason": "Target.DeregistrationInProgress",
                                     "Description": "Target deregistration is in progress"}
    assert states[(first, 8080)]["State"] == "healthy"
    wait_for(lambda: (first, 8081) not in health(elb, tg))
    assert DELAY / SCALE - 0.1 <= time.monotonic() - started < DELAY / SCALE + 5.0
    assert list(health(elb, tg)) == [(first, 8080)]


def test_stopped_instance_is_invalid_state_and_bad_targets_rejected(stack):
    ec2, elb, tg, (first, _second) = stack["ec2"], stack["elb"], stack["tg"], stack["instances"]
    ec2.stop_instances(InstanceIds=[first])
    assert health(elb, tg)[(first, 8080)] == {
        "State": "unused", "Reason": "Target.InvalidState", "Description": "Target is in the stopped state"}
    with pytest.raises(elb.exceptions.InvalidTargetException):
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "i-0000000000000dead", "Port": 80}])
    with pytest.raises(elb.exceptions.InvalidTargetException):
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 80}])
    with pytest.raises(elb.exceptions.TargetGroupNotFoundException):
        elb.describe_target_health(TargetGroupArn=tg + "x")
