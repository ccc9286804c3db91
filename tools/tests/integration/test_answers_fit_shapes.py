"""Answers of the ECS, Auto Scaling, ELBv2 and Application Auto Scaling parts of the local AWS fit botocore's
output shapes (checked for every call of every tools test; here the calls a stack makes, in one place)."""
import pytest


def test_every_answer_is_checked_and_fits(client, shapes):
    before = shapes.checked
    ecs, asg, elb, aas = client("ecs"), client("autoscaling"), client("elbv2"), client("application-autoscaling")
    ecs.create_cluster(clusterName="shapes", settings=[{"name": "containerInsights", "value": "enabled"}])
    ecs.register_task_definition(family="shapes", containerDefinitions=[
        {"name": "app", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80}]}])
    ecs.create_service(cluster="shapes", serviceName="app", taskDefinition="shapes", desiredCount=0)
    ecs.describe_clusters(clusters=["shapes"], include=["SETTINGS", "TAGS", "STATISTICS", "ATTACHMENTS"])
    ecs.describe_services(cluster="shapes", services=["app"])
    ecs.describe_task_definition(taskDefinition="shapes", include=["TAGS"])
    ecs.list_account_settings(effectiveSettings=True)
    asg.describe_auto_scaling_groups()
    asg.describe_scaling_activities()
    elb.describe_load_balancers()
    elb.describe_target_groups()
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/shapes/app",
                                 ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=4)
    aas.put_scaling_policy(
        PolicyName="cpu", ServiceNamespace="ecs", ResourceId="service/shapes/app",
        ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    aas.describe_scalable_targets(ServiceNamespace="ecs")
    aas.describe_scaling_policies(ServiceNamespace="ecs")
    assert shapes.checked - before == 15
    assert shapes.errors == []


def test_scalable_targets_need_an_active_service_of_the_local_ecs(client):
    aas = client("application-autoscaling")
    client("ecs").create_cluster(clusterName="shapes")
    with pytest.raises(aas.exceptions.ValidationException, match="ECS service doesn't exist: service/shapes/none"):
        aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/shapes/none",
                                     ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=2)
