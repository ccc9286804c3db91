"""ELBv2 target health and ALB provisioning on the local AWS, read back with boto3. Each test builds its own
target group (and ports, so health overrides never leak between tests) on one module VPC; the clock is
frozen, so every transition happens exactly when the test moves plane time past it."""
import itertools

import pytest

INTERVAL, HEALTHY, UNHEALTHY, DELAY = 30, 5, 2, 60  # AWS seconds
EARLY = 0.01  # plane seconds short of a transition

AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
NAMES = itertools.count(1)


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
    lb = elb.create_load_balancer(Name="alb-health", Subnets=subnets, Type="application")
    return {"ec2": ec2, "elb": elb, "vpc": vpc, "subnets": subnets, "instances": instances, "image": image,
            "lb": lb["LoadBalancers"][0]["LoadBalancerArn"], "listener_ports": itertools.count(8000)}


def target_group(stack, in_use=True):
    """A new target group (HTTP health checks, INTERVAL/HEALTHY/UNHEALTHY, DELAY); with a listener when in_use."""
    elb = stack["elb"]
    tg = elb.create_target_group(
        Name=f"tg-health-{next(NAMES)}", Protocol="HTTP", Port=80, VpcId=stack["vpc"], TargetType="instance",
        HealthCheckIntervalSeconds=INTERVAL, HealthyThresholdCount=HEALTHY, UnhealthyThresholdCount=UNHEALTHY,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(DELAY)}])
    if in_use:
        use(stack, tg)
    return tg


def use(stack, tg):
    stack["elb"].create_listener(LoadBalancerArn=stack["lb"], Protocol="HTTP", Port=next(stack["listener_ports"]),
                                 DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])


def healthy_group(stack, clock, ports):
    """A group in use with `first` registered on `ports`, advanced until every target is healthy."""
    elb, first = stack["elb"], stack["instances"][0]
    tg = target_group(stack)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": p} for p in ports])
    clock.advance(clock.scaled(INTERVAL * HEALTHY) + EARLY)
    assert {s["State"] for s in health(elb, tg).values()} == {"healthy"}
    return tg


def test_alb_provisioning_then_active_and_waiter(stack, clock):
    elb = stack["elb"]
    lb = elb.create_load_balancer(Name="alb-provisioning", Subnets=stack["subnets"], Type="application")
    arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    assert lb["LoadBalancers"][0]["State"]["Code"] == "provisioning"
    clock.advance(clock.delay("alb_provisioning") - EARLY)
    assert elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"] == "provisioning"
    clock.advance(2 * EARLY)
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 1})
    assert elb.describe_load_balancers(Names=["alb-provisioning"])["LoadBalancers"][0]["State"]["Code"] == "active"


def test_unused_until_a_listener_uses_the_group(stack, clock):
    elb, first = stack["elb"], stack["instances"][0]
    tg = target_group(stack, in_use=False)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8080}, {"Id": first, "Port": 8081}])
    clock.advance(clock.scaled(INTERVAL * HEALTHY) + EARLY)  # no health checks while unused
    unused = {"State": "unused", "Reason": "Target.NotInUse",
              "Description": "Target group is not configured to receive traffic from the load balancer"}
    assert health(elb, tg) == {(first, 8080): unused, (first, 8081): unused}
    use(stack, tg)
    assert [s["State"] for s in health(elb, tg).values()] == ["initial", "initial"]


def test_two_ports_initial_then_healthy_after_interval_times_threshold(stack, clock):
    elb, (first, second) = stack["elb"], stack["instances"]
    tg = target_group(stack)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8080}, {"Id": first, "Port": 8081}])
    states = health(elb, tg)
    assert [s["State"] for s in states.values()] == ["initial", "initial"]
    assert states[(first, 8080)]["Reason"] == "Elb.RegistrationInProgress"
    clock.advance(clock.scaled(INTERVAL) - EARLY)
    assert health(elb, tg)[(first, 8080)]["Reason"] == "Elb.RegistrationInProgress"
    clock.advance(2 * EARLY)
    assert health(elb, tg)[(first, 8080)]["Reason"] == "Elb.InitialHealthChecking"
    clock.advance(clock.scaled(INTERVAL * (HEALTHY - 1)) - 2 * EARLY)
    assert [s["State"] for s in health(elb, tg).values()] == ["initial", "initial"]
    clock.advance(2 * EARLY)
    assert [s["State"] for s in health(elb, tg).values()] == ["healthy", "healthy"]
    # Targets filter: one port, both ports of an id, and an unregistered target
    only = elb.describe_target_health(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8081}])
    assert [(d["Target"]["Port"], d["TargetHealth"]["State"], d["HealthCheckPort"])
            for d in only["TargetHealthDescriptions"]] == [(8081, "healthy", "8081")]
    assert len(health(elb, tg, Targets=[{"Id": first}])) == 2
    assert health(elb, tg, Targets=[{"Id": second, "Port": 80}])[(second, 80)]["Reason"] == "Target.NotRegistered"


def test_unhealthy_control_is_per_port_and_sticky(stack, clock, control):
    elb, first = stack["elb"], stack["instances"][0]
    tg = healthy_group(stack, clock, (9080, 9081))
    answer = control("elbv2/set-target-health", {"target_id": first, "port": 9080, "state": "unhealthy"})
    assert answer["matched"] == 1
    clock.advance(clock.scaled(INTERVAL * UNHEALTHY) - EARLY)
    assert health(elb, tg)[(first, 9080)]["State"] == "healthy"
    clock.advance(2 * EARLY)
    states = health(elb, tg)
    assert states[(first, 9080)] == {"State": "unhealthy", "Reason": "Target.ResponseCodeMismatch",
                                     "Description": "Health checks failed with these codes: [503]"}
    assert states[(first, 9081)]["State"] == "healthy"
    # sticky: a re-registration of the same target goes initial -> unhealthy again
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 9080}])
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 9080}])
    assert health(elb, tg)[(first, 9080)]["State"] == "initial"
    clock.advance(clock.scaled(INTERVAL * UNHEALTHY) + EARLY)
    assert health(elb, tg)[(first, 9080)]["State"] == "unhealthy"
    control("elbv2/set-target-health", {"target_group_arn": tg, "target_id": first, "port": 9080, "state": "healthy"})
    clock.advance(clock.scaled(INTERVAL * HEALTHY) - EARLY)
    assert health(elb, tg)[(first, 9080)]["State"] == "unhealthy"
    clock.advance(2 * EARLY)
    assert health(elb, tg)[(first, 9080)]["State"] == "healthy"


def test_draining_for_the_deregistration_delay_then_gone(stack, clock):
    elb, first = stack["elb"], stack["instances"][0]
    tg = healthy_group(stack, clock, (8080, 8081))
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": first, "Port": 8081}])
    states = health(elb, tg)
    assert states[(first, 8081)] == {"State": "draining", "Reason": "Target.DeregistrationInProgress",
                                     "Description": "Target deregistration is in progress"}
    assert states[(first, 8080)]["State"] == "healthy"
    clock.advance(clock.scaled(DELAY) - EARLY)
    assert health(elb, tg)[(first, 8081)]["State"] == "draining"
    clock.advance(2 * EARLY)
    assert list(health(elb, tg)) == [(first, 8080)]


def test_stopped_instance_is_invalid_state_and_bad_targets_rejected(stack, clock):
    ec2, elb = stack["ec2"], stack["elb"]
    instance = ec2.run_instances(ImageId=stack["image"], MinCount=1, MaxCount=1,
                                 SubnetId=stack["subnets"][0])["Instances"][0]["InstanceId"]
    tg = target_group(stack)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": instance, "Port": 8080}])
    ec2.stop_instances(InstanceIds=[instance])
    assert health(elb, tg)[(instance, 8080)] == {
        "State": "unused", "Reason": "Target.InvalidState", "Description": "Target is in the stopped state"}
    with pytest.raises(elb.exceptions.InvalidTargetException):
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "i-0000000000000dead", "Port": 80}])
    with pytest.raises(elb.exceptions.InvalidTargetException):
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": instance, "Port": 80}])
    with pytest.raises(elb.exceptions.TargetGroupNotFoundException):
        elb.describe_target_health(TargetGroupArn=tg + "x")
