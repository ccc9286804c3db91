"""A small ECS-on-EC2 stack built with boto3 for the day-2 tests (verify, roll, teardown), so they do
not depend on the roles: VPC with 3 subnets, cluster, launch template with ECS_CLUSTER user data,
Auto Scaling group of 3 over the 3 subnets, ALB + target group + listener, a service of 6 tasks.

Everything carries the stack tag, like the roles' resources do."""
import base64
import json
import urllib.request

from local_aws.polling import wait_for

STACK_TAG = "cloudops:stack"
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"


def tags(stack, name, environment="local"):
    return {"Name": name, "Environment": environment, STACK_TAG: stack}


def _kv(stack, name, environment="local"):
    return [{"Key": k, "Value": v} for k, v in tags(stack, name, environment).items()]


def control(endpoint, name, payload=None):
    request = urllib.request.Request(endpoint + "/_local/" + name, data=json.dumps(payload or {}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def build(aws, stack="demo", environment="local", instances=3, tasks=6, min_healthy=100, max_percent=200,
          instance_type="m5.large", task_cpu=256, task_memory=256, capacity_provider=False, managed_scaling=False):
    """Create the stack; returns a dict of ids and names."""
    ec2, ecs, asg, elbv2, ssm = aws("ec2"), aws("ecs"), aws("autoscaling"), aws("elbv2"), aws("ssm")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": _kv(stack, stack + "-vpc", environment)}])["Vpc"]["VpcId"]
    subnets = []
    for index, az in enumerate(AZS):
        subnets.append(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{index}.0/24", AvailabilityZone=az,
                                         TagSpecifications=[{"ResourceType": "subnet", "Tags": _kv(
                                             stack, f"{stack}-private-{az}", environment)}])["Subnet"]["SubnetId"])
    sg = ec2.create_security_group(GroupName=stack + "-instances", Description="instances", VpcId=vpc,
                                   TagSpecifications=[{"ResourceType": "security-group",
                                                       "Tags": _kv(stack, stack + "-instances", environment)}])["GroupId"]
    cluster = ecs.create_cluster(clusterName=stack, tags=[{"key": k, "value": v} for k, v in
                                                          tags(stack, stack, environment).items()])["cluster"]
    try:
        image_id = ssm.get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"]
    except Exception:  # noqa: BLE001 - fall back to any AMI
        image_id = ec2.describe_images()["Images"][0]["ImageId"]
    user_data = base64.b64encode(f"#!/bin/bash\necho ECS_CLUSTER={stack} >> /etc/ecs/ecs.config\n".encode()).decode()
    template = ec2.create_launch_template(
        LaunchTemplateName=stack + "-instances",
        LaunchTemplateData={"ImageId": image_id, "InstanceType": instance_type, "UserData": user_data,
                            "SecurityGroupIds": [sg],
                            "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": _kv(stack, stack + "-instances", environment)}],
    )["LaunchTemplate"]
    group_name = stack + "-instances"
    asg.create_auto_scaling_group(
        AutoScalingGroupName=group_name, MinSize=instances, MaxSize=instances, DesiredCapacity=instances,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "$Latest"},
        VPCZoneIdentifier=",".join(subnets), NewInstancesProtectedFromScaleIn=managed_scaling,
        Tags=[dict(t, PropagateAtLaunch=True, ResourceId=group_name, ResourceType="auto-scaling-group")
              for t in _kv(stack, group_name, environment)],
    )
    provider = None
    if capacity_provider:
        # managed draining (scale-in through the group drains the instance first); with managed_scaling also
        # managed scaling at target capacity 100 and managed termination protection, as site.yml's defaults
        group_arn = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"][0][
            "AutoScalingGroupARN"]
        managed = "ENABLED" if managed_scaling else "DISABLED"
        provider = ecs.create_capacity_provider(
            name=stack + "-instances-cp",
            autoScalingGroupProvider={"autoScalingGroupArn": group_arn,
                                      "managedScaling": {"status": managed, "targetCapacity": 100},
                                      "managedTerminationProtection": managed, "managedDraining": "ENABLED"},
            tags=[{"key": k, "value": v} for k, v in tags(stack, stack + "-instances-cp", environment).items()],
        )["capacityProvider"]["name"]
        ecs.put_cluster_capacity_providers(cluster=stack, capacityProviders=[provider],
                                          defaultCapacityProviderStrategy=[{"capacityProvider": provider, "weight": 1}])
    lb = elbv2.create_load_balancer(Name=stack + "-alb", Subnets=subnets, SecurityGroups=[sg], Scheme="internal",
                                    Tags=_kv(stack, stack + "-alb", environment))["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name=stack + "-web", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance",
                                   HealthCheckPath="/", HealthCheckIntervalSeconds=5, HealthyThresholdCount=2,
                                   Tags=_kv(stack, stack + "-web", environment))["TargetGroups"][0]
    elbv2.modify_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"], Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
                                     Tags=_kv(stack, stack + "-http", environment))["Listeners"][0]
    task_definition = ecs.register_task_definition(
        family=stack + "-web", requiresCompatibilities=["EC2"], networkMode="bridge", cpu=str(task_cpu),
        memory=str(task_memory),
        containerDefinitions=[{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "essential": True,
                               "memory": task_memory, "cpu": task_cpu,
                               "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}]}],
        tags=[{"key": k, "value": v} for k, v in tags(stack, stack + "-web", environment).items()],
    )["taskDefinition"]
    return {
        "stack": stack, "vpc_id": vpc, "subnet_ids": subnets, "security_group_id": sg,
        "cluster": cluster["clusterName"], "cluster_arn": cluster["clusterArn"],
        "launch_template_id": template["LaunchTemplateId"], "image_id": image_id,
        "auto_scaling_group_name": group_name, "load_balancer_arn": lb["LoadBalancerArn"],
        "target_group_arn": tg["TargetGroupArn"], "listener_arn": listener["ListenerArn"],
        "task_definition_arn": task_definition["taskDefinitionArn"], "tasks": tasks,
        "min_healthy": min_healthy, "max_percent": max_percent, "instances": instances,
        "capacity_provider": provider,
    }


def start_service(aws, stack):
    """Create the service once the instances are registered, and wait until it is steady."""
    ecs = aws("ecs")
    wait_for(lambda: len(active_instances(aws, stack)) >= stack["instances"], what="container instances", timeout=60,
             step=0.2)
    ecs.create_service(
        cluster=stack["cluster"], serviceName="web", taskDefinition=stack["task_definition_arn"],
        desiredCount=stack["tasks"], launchType="EC2",
        deploymentConfiguration={"minimumHealthyPercent": stack["min_healthy"], "maximumPercent": stack["max_percent"]},
        loadBalancers=[{"targetGroupArn": stack["target_group_arn"], "containerName": "web", "containerPort": 80}],
        placementStrategy=[{"type": "spread", "field": "attribute:ecs.availability-zone"}],
        tags=[{"key": k, "value": v} for k, v in tags(stack["stack"], "web").items()],
    )
    wait_for(lambda: service_steady(aws, stack) and healthy_targets(aws, stack) >= stack["tasks"],
             what="service steady with healthy targets", timeout=60, step=0.2)


def active_instances(aws, stack):
    ecs = aws("ecs")
    arns = ecs.list_container_instances(cluster=stack["cluster"], status="ACTIVE")["containerInstanceArns"]
    if not arns:
        return []
    items = ecs.describe_container_instances(cluster=stack["cluster"], containerInstances=arns)["containerInstances"]
    return [i for i in items if i["status"] == "ACTIVE" and i.get("agentConnected")]


def service(aws, stack, name="web"):
    return aws("ecs").describe_services(cluster=stack["cluster"], services=[name])["services"][0]


def service_steady(aws, stack, name="web"):
    item = service(aws, stack, name)
    deployments = item.get("deployments") or []
    return (item["runningCount"] == item["desiredCount"] and len(deployments) == 1
            and deployments[0].get("rolloutState") in (None, "COMPLETED"))


def healthy_targets(aws, stack):
    described = aws("elbv2").describe_target_health(TargetGroupArn=stack["target_group_arn"])["TargetHealthDescriptions"]
    return sum(1 for t in described if t["TargetHealth"]["State"] == "healthy")


def group_instances(aws, stack):
    group = aws("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[stack["auto_scaling_group_name"]])["AutoScalingGroups"][0]
    return group


def new_launch_template_version(aws, stack):
    """A new launch template version (a new instance type stands in for a new AMI)."""
    ec2 = aws("ec2")
    current = ec2.describe_launch_template_versions(LaunchTemplateId=stack["launch_template_id"],
                                                   Versions=["$Latest"])["LaunchTemplateVersions"][0]
    data = dict(current["LaunchTemplateData"])
    data["InstanceType"] = "m5.xlarge"
    version = ec2.create_launch_template_version(LaunchTemplateId=stack["launch_template_id"], LaunchTemplateData=data)
    return str(version["LaunchTemplateVersion"]["VersionNumber"])
