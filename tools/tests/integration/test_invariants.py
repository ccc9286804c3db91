"""The invariant recorder against the running local AWS: a task stopped behind a target group leaves a dip
in the record that is over before the test looks; a rolling deployment keeps within its percentages."""
import pytest

from local_aws import polling

CLUSTER = "inv"
DESIRED = 2

wait_for = polling.wait_for


@pytest.fixture(scope="module")
def env(client):
    ec2, ecs, elb = client("ec2"), client("ecs"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.66.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.66.{i}.0/24", AvailabilityZone=f"us-east-1{z}")[
        "Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ecs.create_cluster(clusterName=CLUSTER)
    ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, SubnetId=subnets[0], InstanceType="t3.large",
                      UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    alb = elb.create_load_balancer(Name="inv-alb", Subnets=subnets, Type="application")
    tg = elb.create_target_group(Name="inv-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance",
                                 HealthCheckIntervalSeconds=5, HealthyThresholdCount=2,
                                 UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    elb.create_listener(LoadBalancerArn=alb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    wait_for(lambda: len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) == 2,
             what="two container instances")
    return {"ecs": ecs, "elb": elb, "tg": tg}


def register(ecs, image):
    return ecs.register_task_definition(family="inv-web", containerDefinitions=[
        {"name": "web", "image": image, "cpu": 64, "memoryReservation": 128,
         "portMappings": [{"containerPort": 80, "hostPort": 0}]}])["taskDefinition"]["taskDefinitionArn"]


def settled(env, name, task_definition):
    ecs, elb = env["ecs"], env["elb"]
    svc = ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]
    healthy = [d for d in elb.describe_target_health(TargetGroupArn=env["tg"])["TargetHealthDescriptions"]
               if d["TargetHealth"]["State"] == "healthy"]
    return (svc["runningCount"] == DESIRED and len(svc["deployments"]) == 1
            and svc["deployments"][0]["taskDefinition"] == task_definition
            and svc["deployments"][0]["rolloutState"] == "COMPLETED" and len(healthy) == DESIRED)


@pytest.fixture(scope="module")
def web(env):
    ecs = env["ecs"]
    first = register(ecs, "nginx:1")
    ecs.create_service(cluster=CLUSTER, serviceName="web", taskDefinition=first, desiredCount=DESIRED,
                       loadBalancers=[{"targetGroupArn": env["tg"], "containerName": "web", "containerPort": 80}],
                       deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200})
    wait_for(lambda: settled(env, "web", first), what="web steady")
    return first


def test_a_stopped_task_leaves_its_dip_in_the_record(env, web, controls):
    ecs = env["ecs"]
    current = running_definition(ecs)
    wait_for(lambda: settled(env, "web", current), what="steady before")
    marked = controls.mark()
    assert marked["target_groups"][env["tg"]]["min_healthy"] == DESIRED
    task = ecs.list_tasks(cluster=CLUSTER, serviceName="web")["taskArns"][0]
    controls.call("ecs/stop-task", {"cluster": CLUSTER, "task": task})
    wait_for(lambda: settled(env, "web", current) and task not in ecs.list_tasks(
        cluster=CLUSTER, serviceName="web")["taskArns"], what="task replaced")
    report = controls.report()
    group, service = report.target_group("inv-tg"), report.service(CLUSTER, "web")
    assert (group["min_healthy"], group["healthy"]) == (DESIRED - 1, DESIRED)
    assert group["min_healthy_at"] >= marked["since"]
    assert (service["min_running"], service["running"], service["max_running"]) == (DESIRED - 1, DESIRED, DESIRED)


def test_a_rolling_deployment_stays_within_its_percentages(env, web, controls):
    ecs = env["ecs"]
    current = running_definition(ecs)
    wait_for(lambda: settled(env, "web", current), what="steady before")
    second = register(ecs, f"nginx:{current.rsplit(':', 1)[1]}-next")
    controls.mark()
    ecs.update_service(cluster=CLUSTER, service="web", taskDefinition=second)
    wait_for(lambda: settled(env, "web", second), what="rolled out")
    report = controls.report()
    service, group = report.service(CLUSTER, "web"), report.target_group(env["tg"])
    assert service["min_healthy"] >= DESIRED and group["min_healthy"] >= DESIRED  # minimumHealthyPercent 100
    assert service["max_running"] <= 2 * DESIRED                                  # maximumPercent 200
    assert service["max_deployments"] == 2 and service["deployments"] == 1
    assert service["min_primary_running"] == 0 and service["primary_running"] == DESIRED
    with pytest.raises(KeyError, match="no invariants recorded for service inv/missing"):
        report.service(CLUSTER, "missing")


def running_definition(ecs):
    """The task definition the service runs now (another test may have rolled it)."""
    return ecs.describe_services(cluster=CLUSTER, services=["web"])["services"][0]["taskDefinition"]


def test_a_held_drain_keeps_its_tasks_until_released_and_every_transition_is_recorded(env, web, controls, clock):
    """ecs/hold-drains: a DRAINING instance keeps its service tasks however much plane time passes (their
    replacements start elsewhere), until the hold is released; the recorder has the instance's transitions."""
    ecs = env["ecs"]
    current = running_definition(ecs)
    wait_for(lambda: clock.advance(0.1) and settled(env, "web", current), what="steady before")
    arns = ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]
    busy = max(ecs.describe_container_instances(cluster=CLUSTER, containerInstances=arns)["containerInstances"],
               key=lambda ci: ci["runningTasksCount"])
    on_it = busy["runningTasksCount"]
    assert on_it > 0

    def tasks_on_instance():
        tasks = ecs.list_tasks(cluster=CLUSTER, containerInstance=busy["containerInstanceArn"])["taskArns"]
        return [t["lastStatus"] for t in ecs.describe_tasks(cluster=CLUSTER, tasks=tasks)["tasks"]] if tasks else []

    controls.mark()
    try:
        with controls.drains_held(CLUSTER):
            ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=[busy["containerInstanceArn"]],
                                                 status="DRAINING")
            clock.advance(3)  # 300 AWS seconds: far beyond the health checks and the deregistration delay
            assert tasks_on_instance() == ["RUNNING"] * on_it
            service = ecs.describe_services(cluster=CLUSTER, services=["web"])["services"][0]
            assert service["runningCount"] == DESIRED + on_it  # the replacements run beside the held tasks
        clock.advance(3)
        assert tasks_on_instance() == []
        assert settled(env, "web", current)
        report = controls.report()
        assert [(t["from"], t["to"]) for t in report.transitions(CLUSTER, busy["ec2InstanceId"])] == [
            ("ACTIVE", "DRAINING")]
        assert report.service(CLUSTER, "web")["min_healthy"] >= DESIRED
        assert report.target_group(env["tg"])["min_healthy"] >= DESIRED
    finally:
        ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=[busy["containerInstanceArn"]],
                                             status="ACTIVE")
