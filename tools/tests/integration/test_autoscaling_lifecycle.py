"""Auto Scaling on the local AWS, read back with boto3: AZ spread, launch template data, SourceVersion,
lifecycle hooks, protection and termination policy, activities (fast profile: AWS seconds / 100)."""
import base64
import functools

import pytest
from botocore.exceptions import ClientError

from local_aws import polling

EARLY = 0.01  # plane seconds short of a transition
USER_DATA = "#!/bin/bash\necho ECS_CLUSTER=local >> /etc/ecs/ecs.config\n"

AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"


wait_for = functools.partial(polling.wait_for, step=0.02)


@pytest.fixture(scope="module")
def env(client):
    ec2, asg, iam = client("ec2"), client("autoscaling"), client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = {
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]:
            f"us-east-1{z}"
        for i, z in enumerate("abc")
    }
    sg = ec2.create_security_group(GroupName="asg-nodes", Description="nodes", VpcId=vpc)["GroupId"]
    iam.create_role(RoleName="asg-node", AssumeRolePolicyDocument="{}")
    profile = iam.create_instance_profile(InstanceProfileName="asg-node")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="asg-node", RoleName="asg-node")
    image = client("ssm").get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"]
    template = ec2.create_launch_template(LaunchTemplateName="asg-nodes", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t3.micro", "IamInstanceProfile": {"Arn": profile},
        "SecurityGroupIds": [sg], "UserData": base64.b64encode(USER_DATA.encode()).decode(),
        "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled"},
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda",
                                 "Ebs": {"VolumeSize": 40, "VolumeType": "gp3", "Encrypted": True}}],
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "ecs-node"}]}],
    })["LaunchTemplate"]["LaunchTemplateId"]
    return {"ec2": ec2, "asg": asg, "subnets": subnets, "sg": sg, "image": image, "template": template,
            "profile": profile}


def group(env, name="nodes"):
    return env["asg"].describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]


def states(env, name="nodes"):
    return {i["InstanceId"]: i for i in group(env, name)["Instances"]}


def ec2_state(env, instance_id):
    return env["ec2"].describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]


def step_spread_over_three_subnets_with_launch_template_data(env, clock):
    asg, ec2 = env["asg"], env["ec2"]
    asg.create_auto_scaling_group(
        AutoScalingGroupName="nodes", MinSize=0, MaxSize=8, DesiredCapacity=6,
        VPCZoneIdentifier=",".join(env["subnets"]),
        LaunchTemplate={"LaunchTemplateId": env["template"], "Version": "$Latest"},
        Tags=[{"Key": "Name", "Value": "node", "PropagateAtLaunch": True}],
    )
    found = states(env)
    assert len(found) == 6
    assert sorted(i["AvailabilityZone"] for i in found.values()) == [
        "us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b", "us-east-1c", "us-east-1c"]
    assert {i["LifecycleState"] for i in found.values()} == {"InService"}
    assert {i["LaunchTemplate"]["Version"] for i in found.values()} == {"1"}
    assert group(env)["LaunchTemplate"]["Version"] == "$Latest"
    described = ec2.describe_instances(InstanceIds=list(found))["Reservations"]
    instances = [i for r in described for i in r["Instances"]]
    assert sorted(i["SubnetId"] for i in instances) == sorted(list(env["subnets"]) * 2)
    for instance in instances:
        assert env["subnets"][instance["SubnetId"]] == instance["Placement"]["AvailabilityZone"]
        assert instance["IamInstanceProfile"]["Arn"] == env["profile"]
        assert instance["MetadataOptions"]["HttpTokens"] == "required"
        assert instance["MetadataOptions"]["HttpPutResponseHopLimit"] == 2
        assert instance["InstanceType"] == "t3.micro"
        assert instance["ImageId"] == env["image"]
        assert [g["GroupId"] for g in instance["SecurityGroups"]] == [env["sg"]]
        assert "/dev/xvda" in [b["DeviceName"] for b in instance["BlockDeviceMappings"]]
        assert "PublicIpAddress" not in instance
        tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
        assert tags["Role"] == "ecs-node" and tags["Name"] == "node"
        assert tags["aws:autoscaling:groupName"] == "nodes"
    user_data = ec2.describe_instance_attribute(InstanceId=instances[0]["InstanceId"], Attribute="userData")
    assert base64.b64decode(user_data["UserData"]["Value"]).decode() == USER_DATA


def step_source_version_copies_and_overrides_and_new_instances_report_it(env, clock):
    ec2, asg = env["ec2"], env["asg"]
    created = ec2.create_launch_template_version(
        LaunchTemplateId=env["template"], SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.small"})
    assert created["LaunchTemplateVersion"]["VersionNumber"] == 2
    data = ec2.describe_launch_template_versions(LaunchTemplateId=env["template"], Versions=["2"])[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert data["InstanceType"] == "t3.small"
    assert data["ImageId"] == env["image"]
    assert data["IamInstanceProfile"] == {"Arn": env["profile"]}
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    before = set(states(env))
    asg.set_desired_capacity(AutoScalingGroupName="nodes", DesiredCapacity=8)
    found = states(env)
    new = set(found) - before
    assert len(new) == 2
    assert {found[i]["LaunchTemplate"]["Version"] for i in new} == {"2"}
    assert sorted(found[i]["AvailabilityZone"] for i in new) == ["us-east-1a", "us-east-1b"]
    assert {i["InstanceType"] for i in found.values() if i["InstanceId"] in new} == {"t3.small"}


def step_desired_outside_bounds_rejected(env, clock):
    asg = env["asg"]
    with pytest.raises(ClientError) as error:
        asg.set_desired_capacity(AutoScalingGroupName="nodes", DesiredCapacity=9)
    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert error.value.response["Error"]["Message"] == (
        "New SetDesiredCapacity value 9 is above max value 8 for the AutoScalingGroup.")
    with pytest.raises(ClientError) as error:
        asg.update_auto_scaling_group(AutoScalingGroupName="nodes", DesiredCapacity=12)
    assert error.value.response["Error"]["Message"] == (
        "Desired capacity:12 must be between the specified min size:0 and max size:8")
    assert group(env)["DesiredCapacity"] == 8


def step_scale_in_respects_protection_then_oldest_version_and_az_balance(env, clock):
    asg = env["asg"]
    found = states(env)
    old = sorted(i for i in found if found[i]["LaunchTemplate"]["Version"] == "1")
    protected = [i for i in old if found[i]["AvailabilityZone"] == "us-east-1a"]
    asg.set_instance_protection(AutoScalingGroupName="nodes", InstanceIds=protected, ProtectedFromScaleIn=True)
    asg.set_desired_capacity(AutoScalingGroupName="nodes", DesiredCapacity=4)
    left = states(env)
    assert len(left) == 4
    assert set(protected) <= set(left)
    # 8 instances: a=3 (2 protected v1, 1 v2), b=3 (2 v1, 1 v2), c=2 (v1). The fullest AZ with an
    # unprotected instance goes first, and within it the oldest template version: b loses a v1, then a
    # loses its only unprotected instance (v2) as the fullest AZ, then c and b lose a v1 each.
    assert sorted(left[i]["AvailabilityZone"] for i in left) == ["us-east-1a", "us-east-1a", "us-east-1b",
                                                                 "us-east-1c"]
    assert sorted(left[i]["LaunchTemplate"]["Version"] for i in left) == ["1", "1", "1", "2"]
    assert [left[i]["LaunchTemplate"]["Version"] for i in left if left[i]["AvailabilityZone"] == "us-east-1b"] == ["2"]
    for gone in set(found) - set(left):
        assert ec2_state(env, gone) in ("shutting-down", "terminated")
    assert all(i["ProtectedFromScaleIn"] == (i["InstanceId"] in protected) for i in left.values())


def step_launch_hook_holds_until_complete_and_abandon_replaces(env, clock):
    asg = env["asg"]
    asg.put_lifecycle_hook(LifecycleHookName="launch", AutoScalingGroupName="nodes",
                           LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING", HeartbeatTimeout=3600,
                           DefaultResult="ABANDON")
    before = set(states(env))
    asg.set_desired_capacity(AutoScalingGroupName="nodes", DesiredCapacity=5)
    (new,) = set(states(env)) - before
    clock.advance(clock.scaled(3600) - EARLY, step=1.0)  # held for the whole heartbeat timeout
    assert states(env)[new]["LifecycleState"] == "Pending:Wait"
    asg.complete_lifecycle_action(LifecycleHookName="launch", AutoScalingGroupName="nodes",
                                  LifecycleActionResult="CONTINUE", InstanceId=new)
    assert states(env)[new]["LifecycleState"] == "InService"
    with pytest.raises(ClientError) as error:
        asg.complete_lifecycle_action(LifecycleHookName="launch", AutoScalingGroupName="nodes",
                                      LifecycleActionResult="CONTINUE", InstanceId=new)
    assert error.value.response["Error"]["Code"] == "ValidationError"
    # ABANDON: the instance terminates and the group launches a replacement (held again)
    before = set(states(env))
    asg.set_desired_capacity(AutoScalingGroupName="nodes", DesiredCapacity=6)
    (abandoned,) = set(states(env)) - before
    asg.complete_lifecycle_action(LifecycleHookName="launch", AutoScalingGroupName="nodes",
                                  LifecycleActionResult="ABANDON", InstanceId=abandoned)
    found = states(env)
    assert abandoned not in found
    assert ec2_state(env, abandoned) in ("shutting-down", "terminated")
    (replacement,) = set(found) - before
    assert found[replacement]["LifecycleState"] == "Pending:Wait"
    asg.delete_lifecycle_hook(LifecycleHookName="launch", AutoScalingGroupName="nodes")
    asg.complete_lifecycle_action(LifecycleHookName="launch", AutoScalingGroupName="nodes",
                                  LifecycleActionResult="CONTINUE", InstanceId=replacement)
    assert states(env)[replacement]["LifecycleState"] == "InService"


def step_terminate_hook_times_out_to_default_and_heartbeat_extends(env, clock):
    asg = env["asg"]
    timeout = clock.scaled(200)  # plane seconds
    asg.put_lifecycle_hook(LifecycleHookName="drain", AutoScalingGroupName="nodes",
                           LifecycleTransition="autoscaling:EC2_INSTANCE_TERMINATING", HeartbeatTimeout=200,
                           DefaultResult="CONTINUE")
    asg.set_instance_protection(AutoScalingGroupName="nodes", InstanceIds=list(states(env)),
                                ProtectedFromScaleIn=False)
    before = states(env)
    asg.set_desired_capacity(AutoScalingGroupName="nodes", DesiredCapacity=5)
    (leaving,) = [i for i, s in states(env).items() if s["LifecycleState"] == "Terminating:Wait"]
    assert len(before) == 6 and ec2_state(env, leaving) == "running"
    clock.advance(timeout * 0.6)
    asg.record_lifecycle_action_heartbeat(LifecycleHookName="drain", AutoScalingGroupName="nodes", InstanceId=leaving)
    clock.advance(timeout - EARLY)
    assert states(env)[leaving]["LifecycleState"] == "Terminating:Wait"  # heartbeat restarted the timeout
    clock.advance(2 * EARLY)
    assert leaving not in states(env)  # the timeout's DefaultResult (CONTINUE) terminated it
    assert ec2_state(env, leaving) in ("shutting-down", "terminated")
    assert len(states(env)) == 5


def step_terminate_instance_with_and_without_decrement(env, clock):
    asg = env["asg"]
    asg.delete_lifecycle_hook(LifecycleHookName="drain", AutoScalingGroupName="nodes")
    first, second = sorted(states(env))[:2]
    answer = asg.terminate_instance_in_auto_scaling_group(InstanceId=first, ShouldDecrementDesiredCapacity=False)
    assert answer["Activity"]["Description"] == f"Terminating EC2 instance: {first}"
    found = states(env)
    assert first not in found and len(found) == 5 and group(env)["DesiredCapacity"] == 5
    asg.terminate_instance_in_auto_scaling_group(InstanceId=second, ShouldDecrementDesiredCapacity=True)
    found = states(env)
    assert second not in found and len(found) == 4 and group(env)["DesiredCapacity"] == 4


def step_activities_metrics_and_delete(env, clock):
    asg = env["asg"]
    activities = asg.describe_scaling_activities(AutoScalingGroupName="nodes")["Activities"]
    launches = [a for a in activities if a["Description"].startswith("Launching a new EC2 instance")]
    terminations = [a for a in activities if a["Description"].startswith("Terminating EC2 instance")]
    assert len(launches) == 12 and len(terminations) == 8  # 6+2+1+1 (abandoned)+1+1; 4+1+1+2
    assert {a["StatusCode"] for a in launches} == {"Successful", "Cancelled"}
    assert {a["StatusCode"] for a in terminations} == {"Successful"}
    assert "shrinking the capacity from 8 to 4" in " ".join(a["Cause"] for a in terminations)
    assert activities == sorted(activities, key=lambda a: a["StartTime"], reverse=True)
    page = asg.describe_scaling_activities(AutoScalingGroupName="nodes", MaxRecords=5)
    assert len(page["Activities"]) == 5 and page["NextToken"]
    asg.enable_metrics_collection(AutoScalingGroupName="nodes", Granularity="1Minute",
                                  Metrics=["GroupInServiceInstances", "GroupDesiredCapacity"])
    asg.disable_metrics_collection(AutoScalingGroupName="nodes", Metrics=["GroupDesiredCapacity"])
    assert [m["Metric"] for m in group(env)["EnabledMetrics"]] == ["GroupInServiceInstances"]
    asg.disable_metrics_collection(AutoScalingGroupName="nodes")
    assert group(env)["EnabledMetrics"] == []
    instances = list(states(env))
    with pytest.raises(ClientError) as error:
        asg.delete_auto_scaling_group(AutoScalingGroupName="nodes")
    assert error.value.response["Error"]["Code"] == "ResourceInUse"
    asg.delete_auto_scaling_group(AutoScalingGroupName="nodes", ForceDelete=True)
    assert asg.describe_auto_scaling_groups(AutoScalingGroupNames=["nodes"])["AutoScalingGroups"] == []
    assert {ec2_state(env, i) for i in instances} <= {"shutting-down", "terminated"}


FROZEN = {step_launch_hook_holds_until_complete_and_abandon_replaces,
          step_terminate_hook_times_out_to_default_and_heartbeat_extends}


def test_one_group_through_its_life(env, controls):
    """One group, step by step: each step starts from what the previous left (instances, template
    versions, hooks, and the launch and termination counts the activities step checks), so they run in
    this order inside one test. Hook timeouts run on a frozen clock; the rest in real time."""
    for step in (step_spread_over_three_subnets_with_launch_template_data,
                 step_source_version_copies_and_overrides_and_new_instances_report_it,
                 step_desired_outside_bounds_rejected,
                 step_scale_in_respects_protection_then_oldest_version_and_az_balance,
                 step_launch_hook_holds_until_complete_and_abandon_replaces,
                 step_terminate_hook_times_out_to_default_and_heartbeat_extends,
                 step_terminate_instance_with_and_without_decrement,
                 step_activities_metrics_and_delete):
        if step in FROZEN:
            with controls.frozen():
                step(env, controls)
        else:
            step(env, controls)


def test_resizing_keeps_the_mixed_instances_policy(env):
    asg = env["asg"]
    asg.create_auto_scaling_group(
        AutoScalingGroupName="mixed", MinSize=0, MaxSize=4, DesiredCapacity=0,
        VPCZoneIdentifier=",".join(env["subnets"]),
        MixedInstancesPolicy={
            "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": env["template"], "Version": "$Latest"},
                               "Overrides": [{"InstanceType": "m7g.large"}, {"InstanceType": "m6g.large"}]},
            "InstancesDistribution": {"OnDemandPercentageAboveBaseCapacity": 0}})
    asg.update_auto_scaling_group(AutoScalingGroupName="mixed", MinSize=1, DesiredCapacity=2)
    mixed = group(env, "mixed")
    assert (mixed["MinSize"], mixed["DesiredCapacity"]) == (1, 2)
    overrides = mixed["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"]
    assert [o["InstanceType"] for o in overrides] == ["m7g.large", "m6g.large"]
    assert wait_for(lambda: len(states(env, "mixed")) == 2)
