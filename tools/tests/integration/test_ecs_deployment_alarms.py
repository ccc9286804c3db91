"""Deployment alarms on the local AWS (fast profile): a deployment whose deploymentConfiguration.alarms names a
CloudWatch alarm in ALARM fails, and with rollback the service returns to its last completed task definition."""
from local_aws import polling

CLUSTER = "alarms"


def test_an_alarm_fails_the_deployment_and_rolls_it_back(client):
    ec2, ecs, cloudwatch = client("ec2"), client("ecs"), client("cloudwatch")
    vpc = ec2.create_vpc(CidrBlock="10.55.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.55.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    ecs.create_cluster(clusterName=CLUSTER)
    ec2.run_instances(ImageId=ec2.describe_images()["Images"][0]["ImageId"], MinCount=1, MaxCount=1,
                      SubnetId=subnet["SubnetId"], InstanceType="m6i.large",
                      UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    polling.wait_for(lambda: ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"],
                     what="a container instance")
    for image in ("app:1", "app:2"):
        ecs.register_task_definition(family="app", containerDefinitions=[
            {"name": "app", "image": image, "memory": 32, "essential": True}])
    cloudwatch.put_metric_alarm(AlarmName="app-errors", Namespace="App", MetricName="Errors", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    ecs.create_service(cluster=CLUSTER, serviceName="app", taskDefinition="app:1", desiredCount=2,
                       deploymentConfiguration={"alarms": {"alarmNames": ["app-errors"], "enable": True,
                                                           "rollback": True}})

    def service():
        return ecs.describe_services(cluster=CLUSTER, services=["app"])["services"][0]

    polling.wait_for(lambda: service()["deployments"][0].get("rolloutState") == "COMPLETED", what="first rollout")

    cloudwatch.set_alarm_state(AlarmName="app-errors", StateValue="ALARM", StateReason="errors after the deploy")
    ecs.update_service(cluster=CLUSTER, service="app", taskDefinition="app:2")
    polling.wait_for(lambda: service()["taskDefinition"].endswith("app:1"), what="rolled back to app:1")
    cloudwatch.set_alarm_state(AlarmName="app-errors", StateValue="OK", StateReason="recovered")
    polling.wait_for(lambda: [(d["taskDefinition"].rsplit(":", 1)[1], d.get("rolloutState"))
                              for d in service()["deployments"]] == [("1", "COMPLETED")], what="rollback completed")
    messages = [e["message"] for e in service()["events"]]
    assert any("deployment failed: alarm detected." in m for m in messages), messages
