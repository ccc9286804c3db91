"""Application Auto Scaling of ECS services on the local AWS (fast profile): a scalable target of a control-plane
service is accepted, its bounds hold the desired count, target tracking follows the service's CPU metric, a step
policy follows its alarm, scheduled actions (at, cron in a time zone) change the bounds when their time passes on
the plane clock, and every change is a scaling activity."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from local_aws import polling

CLUSTER = "scaling"
RESOURCE = f"service/{CLUSTER}/app"
DIMENSION = "ecs:service:DesiredCount"


@pytest.fixture(scope="module")
def env(client):
    ec2, ecs = client("ec2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    ecs.create_cluster(clusterName=CLUSTER)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"], InstanceType="m6i.xlarge",
                      UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    polling.wait_for(lambda: ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"],
                     what="a container instance")
    ecs.register_task_definition(family="app", containerDefinitions=[
        {"name": "app", "image": "busybox", "memory": 32, "essential": True}])
    ecs.create_service(cluster=CLUSTER, serviceName="app", taskDefinition="app", desiredCount=1)
    return {"ecs": ecs, "scaling": client("application-autoscaling"), "cloudwatch": client("cloudwatch")}


def desired(env):
    return env["ecs"].describe_services(cluster=CLUSTER, services=["app"])["services"][0]["desiredCount"]


def wait_desired(env, count):
    polling.wait_for(lambda: desired(env) == count, what=f"desired count {count}")


def cpu(env, value):
    env["cloudwatch"].put_metric_data(Namespace="AWS/ECS", MetricData=[{
        "MetricName": "CPUUtilization", "Value": value, "Unit": "Percent",
        "Dimensions": [{"Name": "ClusterName", "Value": CLUSTER}, {"Name": "ServiceName", "Value": "app"}]}])


def test_unknown_service_is_refused(env):
    with pytest.raises(ClientError, match="ECS service doesn't exist"):
        env["scaling"].register_scalable_target(ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/nope",
                                                ScalableDimension=DIMENSION, MinCapacity=1, MaxCapacity=2)


def test_policies_move_the_desired_count(env, clock):
    # The clock is frozen: the scale-out cooldown below ends only when the test moves time, so the tick after the
    # first scale-out cannot scale out again before the test lowers the CPU.
    scaling = env["scaling"]
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
                                     MinCapacity=2, MaxCapacity=6)
    wait_desired(env, 2)  # raised to the minimum

    scaling.put_scaling_policy(
        PolicyName="cpu", ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0, "ScaleOutCooldown": 60, "ScaleInCooldown": 0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    cpu(env, 100.0)
    wait_desired(env, 4)  # ceil(2 x 100 / 50)
    cpu(env, 50.0)
    cpu(env, 10.0)
    wait_desired(env, 2)  # ceil(4 x 10 / 50) = 1, held at the minimum
    scaling.delete_scaling_policy(PolicyName="cpu", ServiceNamespace="ecs", ResourceId=RESOURCE,
                                  ScalableDimension=DIMENSION)

    step = scaling.put_scaling_policy(
        PolicyName="queue", ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
        PolicyType="StepScaling", StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 3600,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 100, "ScalingAdjustment": 1},
                                {"MetricIntervalLowerBound": 100, "ScalingAdjustment": 3}]})
    env["cloudwatch"].put_metric_alarm(
        AlarmName="queue-high", Namespace="App", MetricName="Backlog", Statistic="Average", Period=60,
        EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold", AlarmActions=[step["PolicyARN"]])
    env["cloudwatch"].put_metric_data(Namespace="App", MetricData=[{"MetricName": "Backlog", "Value": 150}])
    env["cloudwatch"].set_alarm_state(AlarmName="queue-high", StateValue="ALARM", StateReason="test")
    wait_desired(env, 5)  # breach 140 -> the second step, +3; once per cooldown
    env["cloudwatch"].set_alarm_state(AlarmName="queue-high", StateValue="OK", StateReason="test")

    when = datetime.fromtimestamp(clock.epoch() + 60, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    scaling.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="night", ResourceId=RESOURCE,
                                 ScalableDimension=DIMENSION, Schedule=f"at({when})",
                                 ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 3})
    clock.advance(120, step=30)
    wait_desired(env, 3)  # the new maximum

    activities = scaling.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=RESOURCE)["ScalingActivities"]
    assert [a["Description"] for a in activities] == [
        f"Setting desired count to {n}." for n in (3, 5, 2, 4, 2)]
    assert all(a["StatusCode"] == "Successful" for a in activities)
    assert "queue-high" in activities[1]["Cause"]


def test_a_cron_schedule_in_a_time_zone_applies_its_bounds_when_its_time_passes(env, clock):
    scaling, ecs = env["scaling"], env["ecs"]
    ecs.create_service(cluster=CLUSTER, serviceName="scheduled", taskDefinition="app", desiredCount=1)
    resource = f"service/{CLUSTER}/scheduled"
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION,
                                     MinCapacity=1, MaxCapacity=4)
    # two hours ahead on the plane clock, as a Tokyo wall clock reads it (cron fields in the action's time zone)
    due = datetime.fromtimestamp(clock.epoch() + 2 * 3600, ZoneInfo("Asia/Tokyo"))
    weekday = due.strftime("%a").upper()
    scaling.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="peak", ResourceId=resource,
                                 ScalableDimension=DIMENSION, Schedule=f"cron({due.minute} {due.hour} ? * {weekday} *)",
                                 Timezone="Asia/Tokyo", ScalableTargetAction={"MinCapacity": 3})
    clock.advance(3600, step=600)
    assert desired_of(ecs, "scheduled") == 1  # an hour early
    clock.advance(3600 + 60, step=600)
    polling.wait_for(lambda: desired_of(ecs, "scheduled") == 3, what="the scheduled minimum of 3")
    [target] = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (3, 4)
    scaling.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION)


def desired_of(ecs, service):
    return ecs.describe_services(cluster=CLUSTER, services=[service])["services"][0]["desiredCount"]


def test_deregistering_deletes_policies_and_scheduled_actions_and_updates_keep_the_policy_arn(env):
    scaling, ecs = env["scaling"], env["ecs"]
    ecs.create_service(cluster=CLUSTER, serviceName="other", taskDefinition="app", desiredCount=0)
    resource = f"service/{CLUSTER}/other"
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION,
                                     MinCapacity=0, MaxCapacity=2)
    step = {"AdjustmentType": "ChangeInCapacity", "Cooldown": 60,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}
    first = scaling.put_scaling_policy(PolicyName="step", ServiceNamespace="ecs", ResourceId=resource,
                                       ScalableDimension=DIMENSION, PolicyType="StepScaling",
                                       StepScalingPolicyConfiguration=step)["PolicyARN"]
    again = scaling.put_scaling_policy(PolicyName="step", ServiceNamespace="ecs", ResourceId=resource,
                                       ScalableDimension=DIMENSION, PolicyType="StepScaling",
                                       StepScalingPolicyConfiguration=dict(step, Cooldown=120))["PolicyARN"]
    assert again == first
    scaling.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="nights", ResourceId=resource,
                                 ScalableDimension=DIMENSION, Schedule="cron(0 20 ? * MON-FRI *)",
                                 ScalableTargetAction={"MaxCapacity": 1})
    scaling.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION)
    assert scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"] == []
    assert scaling.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=resource)["ScheduledActions"] == []
    assert scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"] == []


def test_policies_are_described_by_name_and_exact_resource(env):
    scaling, ecs = env["scaling"], env["ecs"]
    for name in ("named", "named2"):
        ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition="app", desiredCount=0)
        scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/{name}",
                                         ScalableDimension=DIMENSION, MinCapacity=0, MaxCapacity=2)
        for policy in ("a", "b"):
            scaling.put_scaling_policy(PolicyName=policy, ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/{name}",
                                       ScalableDimension=DIMENSION, PolicyType="StepScaling",
                                       StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity",
                                                                       "StepAdjustments": [{"ScalingAdjustment": 1,
                                                                                            "MetricIntervalLowerBound": 0}]})
    found = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/named",
                                              PolicyNames=["b"], MaxResults=1)["ScalingPolicies"]
    assert [(p["ResourceId"], p["PolicyName"]) for p in found] == [(f"service/{CLUSTER}/named", "b")]
    pages = scaling.get_paginator("describe_scaling_policies").paginate(
        ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/named", PaginationConfig={"PageSize": 1})
    assert [p["PolicyName"] for page in pages for p in page["ScalingPolicies"]] == ["a", "b"]
