"""Container instances and tasks through boto3 on the local AWS (fast profile): the agent registers EC2
instances whose user data names the cluster, RunTask/StartTask/StopTask follow ECS's states, awsvpc tasks get
an ENI in the instance's subnet, services register targets and replace tasks failing ELB health checks."""
import ipaddress

import pytest
from botocore.exceptions import ClientError

from local_aws import polling

CLUSTER = "tasks"


wait_for = polling.wait_for


@pytest.fixture(scope="module")
def env(client, control):
    ec2, ecs = client("ec2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.88.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.88.{i}.0/24", AvailabilityZone=f"us-east-1{z}")[
        "Subnet"] for i, z in enumerate("ab")]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ecs.create_cluster(clusterName=CLUSTER)
    shell = f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n"
    config = f"ECS_CLUSTER={CLUSTER}\nECS_ENABLE_TASK_IAM_ROLE=true\n"
    instances = []
    for subnet, data, itype in ((subnets[0], shell, "t3.medium"), (subnets[1], config, "t3.large")):
        instances.append(ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"],
                                           InstanceType=itype, UserData=data)["Instances"][0]["InstanceId"])
    late = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0]["SubnetId"],
                             UserData=shell)["Instances"][0]["InstanceId"]
    control("ec2/delay-boot", {"instance_id": late, "seconds": 60})
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0]["SubnetId"],
                      UserData="#!/bin/bash\necho hello\n")
    wait_for(lambda: len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) == 2,
             what="two container instances")
    ecs.register_task_definition(family="sleeper", containerDefinitions=[{"name": "s", "image": "busybox", "memory": 32}])
    return {"ec2": ec2, "ecs": ecs, "elb": client("elbv2"), "vpc": vpc, "subnets": subnets, "image": image,
            "shell": shell, "instances": instances, "late": late, "control": control,
            "registered": describe_instances(ecs)}  # before any test stops or terminates one


def describe_instances(ecs):
    arns = ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]
    return {c["ec2InstanceId"]: c for c in ecs.describe_container_instances(
        cluster=CLUSTER, containerInstances=arns, include=["CONTAINER_INSTANCE_HEALTH"])["containerInstances"]}


def test_agent_registration_from_user_data(env):
    ecs = env["ecs"]
    cis = env["registered"]
    assert set(cis) == set(env["instances"])  # the delayed one and the one without ECS_CLUSTER are absent
    medium, large = cis[env["instances"][0]], cis[env["instances"][1]]
    resources = {r["name"]: r for r in large["registeredResources"]}
    assert resources["CPU"]["integerValue"] == 2048 and resources["MEMORY"]["integerValue"] == 8192 - 256
    assert "51678" in resources["PORTS"]["stringSetValue"]
    attributes = {a["name"]: a.get("value") for a in medium["attributes"]}
    assert attributes["ecs.availability-zone"] == "us-east-1a"
    assert attributes["ecs.instance-type"] == "t3.medium"
    assert attributes["ecs.os-type"] == "linux" and attributes["ecs.cpu-architecture"] == "x86_64"
    assert medium["agentConnected"] and medium["status"] == "ACTIVE" and medium["versionInfo"]["agentVersion"]
    assert medium["healthStatus"]["overallStatus"] == "OK"
    by_az = ecs.list_container_instances(cluster=CLUSTER, filter="attribute:ecs.availability-zone == us-east-1b")
    assert by_az["containerInstanceArns"] == [large["containerInstanceArn"]]
    with pytest.raises(ClientError) as error:
        ecs.list_container_instances(cluster=CLUSTER, filter="attribute:ecs.availability-zone ~~ x")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
    env["control"]("ec2/delay-boot", {"instance_id": env["late"], "seconds": 0})
    wait_for(lambda: env["late"] in describe_instances(ecs), what="delayed instance registers")


def test_run_task_lifecycle_and_stop(env):
    ecs = env["ecs"]
    td = ecs.register_task_definition(family="job", containerDefinitions=[
        {"name": "job", "image": "busybox", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 8080}]}
    ])["taskDefinition"]["taskDefinitionArn"]
    usable = len([c for c in describe_instances(ecs).values() if c["status"] == "ACTIVE" and c["agentConnected"]])
    result = ecs.run_task(cluster=CLUSTER, taskDefinition=td, count=usable + 1, startedBy="tester")
    assert len(result["tasks"]) == usable  # one static host port per instance
    assert [f["reason"] for f in result["failures"]] == ["RESOURCE:PORTS"]
    task = result["tasks"][0]
    assert task["lastStatus"] == "PROVISIONING" and task["desiredStatus"] == "RUNNING"
    arn = task["taskArn"]

    def status():
        return ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]["lastStatus"]

    seen = set()
    wait_for(lambda: seen.add(status()) or "RUNNING" in seen, what="RUNNING")
    assert "PENDING" in seen
    listed = ecs.list_tasks(cluster=CLUSTER, startedBy="tester", family="job")["taskArns"]
    assert arn in listed and len(listed) == usable
    stopped = ecs.stop_task(cluster=CLUSTER, task=arn, reason="done")["task"]
    assert stopped["desiredStatus"] == "STOPPED" and stopped["stopCode"] == "UserInitiated"
    wait_for(lambda: status() == "STOPPED", what="STOPPED")
    final = ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]
    assert final["stoppedReason"] == "done" and final["stoppedAt"] >= final["startedAt"]
    assert arn in ecs.list_tasks(cluster=CLUSTER, desiredStatus="STOPPED")["taskArns"]
    other = listed[1] if listed[0] == arn else listed[0]
    wait_for(lambda: ecs.describe_tasks(cluster=CLUSTER, tasks=[other])["tasks"][0]["lastStatus"] == "RUNNING")
    env["control"]("ecs/stop-task", {"cluster": CLUSTER, "task": other, "reason": "Essential container in task "
                                                                                   "exited"})
    wait_for(lambda: ecs.describe_tasks(cluster=CLUSTER, tasks=[other])["tasks"][0]["lastStatus"] == "STOPPED")
    for remaining in ecs.list_tasks(cluster=CLUSTER, family="job")["taskArns"]:
        ecs.stop_task(cluster=CLUSTER, task=remaining)
    with pytest.raises(ClientError) as error:
        ecs.stop_task(cluster=CLUSTER, task="0123456789abcdef0123456789abcdef")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"


def test_awsvpc_task_gets_an_eni_in_the_instance_subnet(env):
    ecs = env["ecs"]
    td = ecs.register_task_definition(family="vpcjob", networkMode="awsvpc", containerDefinitions=[
        {"name": "app", "image": "app", "memory": 64, "portMappings": [{"containerPort": 8000}]}
    ])["taskDefinition"]["taskDefinitionArn"]
    with pytest.raises(ClientError) as error:
        ecs.run_task(cluster=CLUSTER, taskDefinition=td)
    assert "Network Configuration must be provided" in error.value.response["Error"]["Message"]
    network = {"awsvpcConfiguration": {"subnets": [s["SubnetId"] for s in env["subnets"]]}}
    result = ecs.run_task(cluster=CLUSTER, taskDefinition=td, count=2, networkConfiguration=network,
                          placementConstraints=[{"type": "memberOf",
                                                 "expression": "attribute:ecs.availability-zone == us-east-1b"}])
    assert len(result["tasks"]) == 2 and not result["failures"]
    subnet_b = ipaddress.ip_network(env["subnets"][1]["CidrBlock"])
    ips = set()
    for task in result["tasks"]:
        details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
        assert task["attachments"][0]["type"] == "ElasticNetworkInterface"
        assert details["subnetId"] == env["subnets"][1]["SubnetId"]
        assert ipaddress.ip_address(details["privateIPv4Address"]) in subnet_b
        ips.add(details["privateIPv4Address"])
    assert len(ips) == 2
    # t3.large: 3 network interfaces, one for the instance -> 2 task ENIs
    more = ecs.run_task(cluster=CLUSTER, taskDefinition=td, networkConfiguration=network, placementConstraints=[
        {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1b"}])
    assert not more["tasks"] and more["failures"][0]["reason"] == "RESOURCE:ENI"
    for task in result["tasks"]:
        ecs.stop_task(cluster=CLUSTER, task=task["taskArn"])


def test_service_targets_and_failed_health_checks(env):
    ecs, elb, control = env["ecs"], env["elb"], env["control"]
    alb = elb.create_load_balancer(Name="tasks-alb", Subnets=[s["SubnetId"] for s in env["subnets"]])
    tg = elb.create_target_group(Name="tasks-ip", Protocol="HTTP", Port=8000, VpcId=env["vpc"], TargetType="ip",
                                 HealthCheckIntervalSeconds=5, HealthyThresholdCount=2,
                                 UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "20"}])
    td = ecs.register_task_definition(family="vpcjob", networkMode="awsvpc", containerDefinitions=[
        {"name": "app", "image": "app", "memory": 64, "portMappings": [{"containerPort": 8000}]}
    ])["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": [s["SubnetId"] for s in env["subnets"]]}}
    lbs = [{"targetGroupArn": tg, "containerName": "app", "containerPort": 8000}]
    with pytest.raises(ClientError) as error:
        ecs.create_service(cluster=CLUSTER, serviceName="api", taskDefinition=td, desiredCount=2,
                           loadBalancers=lbs, networkConfiguration=network)
    assert "does not have an associated load balancer" in error.value.response["Error"]["Message"]
    elb.create_listener(LoadBalancerArn=alb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    ecs.create_service(cluster=CLUSTER, serviceName="api", taskDefinition=td, desiredCount=2, loadBalancers=lbs,
                       networkConfiguration=network)

    def healthy():
        return [d for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
                if d["TargetHealth"]["State"] == "healthy"]

    wait_for(lambda: len(healthy()) == 2, what="2 healthy targets")
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=ecs.list_tasks(cluster=CLUSTER, serviceName="api")[
        "taskArns"])["tasks"]
    ips = {d["value"] for t in tasks for d in t["attachments"][0]["details"] if d["name"] == "privateIPv4Address"}
    assert {(d["Target"]["Id"], d["Target"]["Port"]) for d in healthy()} == {(ip, 8000) for ip in ips}
    sick = sorted(ips)[0]
    control("elbv2/set-target-health", {"target_group_arn": tg, "target_id": sick, "state": "unhealthy"})
    stopped = wait_for(lambda: ecs.list_tasks(cluster=CLUSTER, serviceName="api", desiredStatus="STOPPED")[
        "taskArns"], what="unhealthy task stopped")
    task = ecs.describe_tasks(cluster=CLUSTER, tasks=stopped)["tasks"][0]
    assert task["stoppedReason"] == f"Task failed ELB health checks in (target-group {tg})"
    wait_for(lambda: len(healthy()) == 2 and ecs.describe_services(cluster=CLUSTER, services=["api"])[
        "services"][0]["runningCount"] == 2, what="replacement healthy")
    messages = [e["message"] for e in ecs.describe_services(cluster=CLUSTER, services=["api"])["services"][0][
        "events"]]
    assert any(m.startswith("(service api) has begun draining connections on 1 tasks.") for m in messages)
    assert any(m.startswith(f"(service api) deregistered 1 targets in (target-group {tg})") for m in messages)
    ecs.update_service(cluster=CLUSTER, service="api", desiredCount=0)
    ecs.delete_service(cluster=CLUSTER, service="api")
    wait_for(lambda: not ecs.list_services(cluster=CLUSTER)["serviceArns"], what="service deleted")


def test_terminated_instance_deregisters_and_stops_its_tasks(env):
    ecs, ec2 = env["ecs"], env["ec2"]
    victim = ec2.run_instances(ImageId=env["image"], MinCount=1, MaxCount=1, SubnetId=env["subnets"][0]["SubnetId"],
                               UserData=env["shell"])["Instances"][0]["InstanceId"]
    ci = wait_for(lambda: describe_instances(ecs).get(victim), what="agent registered")
    task = ecs.start_task(cluster=CLUSTER, taskDefinition="sleeper", containerInstances=[ci["containerInstanceArn"]])[
        "tasks"][0]
    ec2.terminate_instances(InstanceIds=[victim])
    wait_for(lambda: ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"][0]["lastStatus"]
             == "STOPPED", what="task stopped")
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"][0]
    assert stopped["stoppedReason"] == f"Host EC2 (instance {victim}) terminated."
    gone = ecs.describe_container_instances(cluster=CLUSTER, containerInstances=[ci["containerInstanceArn"]])
    assert gone["containerInstances"][0]["status"] == "INACTIVE"
    assert not gone["containerInstances"][0]["agentConnected"]
    assert victim not in describe_instances(ecs)
    with pytest.raises(ClientError) as error:
        ecs.delete_cluster(cluster=CLUSTER)
    assert error.value.response["Error"]["Code"] == "ClusterContainsContainerInstancesException"


def test_stopped_instance_disconnects_its_agent_and_forced_deregistration(env, controls):
    ecs, ec2 = env["ecs"], env["ec2"]
    late = ec2.run_instances(ImageId=env["image"], MinCount=1, MaxCount=1, SubnetId=env["subnets"][0]["SubnetId"],
                             UserData=env["shell"])["Instances"][0]["InstanceId"]
    ci = wait_for(lambda: describe_instances(ecs).get(late), what="agent registered")
    task = ecs.start_task(cluster=CLUSTER, taskDefinition="sleeper", containerInstances=[
        ci["containerInstanceArn"]])["tasks"][0]
    ec2.stop_instances(InstanceIds=[late])
    wait_for(lambda: not describe_instances(ecs)[late]["agentConnected"], what="agent disconnected")
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"][0]
    assert stopped["lastStatus"] == "STOPPED" and stopped["stoppedReason"] == f"Host EC2 (instance {late}) stopped."
    assert describe_instances(ecs)[late]["status"] == "ACTIVE"
    ec2.start_instances(InstanceIds=[late])
    wait_for(lambda: describe_instances(ecs)[late]["agentConnected"], what="agent reconnected")
    ecs.start_task(cluster=CLUSTER, taskDefinition="sleeper", containerInstances=[ci["containerInstanceArn"]])
    with pytest.raises(ClientError) as error:
        ecs.deregister_container_instance(cluster=CLUSTER, containerInstance=ci["containerInstanceArn"])
    assert error.value.response["Error"]["Message"] == "Found running tasks on the instance."
    gone = ecs.deregister_container_instance(cluster=CLUSTER, containerInstance=ci["containerInstanceArn"],
                                             force=True)["containerInstance"]
    assert gone["status"] == "INACTIVE"
    with controls.frozen():  # the agent of a deregistered instance does not come back by itself
        controls.advance(controls.delay("ec2_instance_boot") + 0.1)
        assert late not in describe_instances(ecs)


def test_no_tick_errors(env):
    assert not [e for e in env["control"]("status")["errors"] if "ecs" in e]
