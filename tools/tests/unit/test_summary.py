"""tools/summary.py prints what the APIs return for the stack's tag, and only that."""
import io
import json
import os
import sys

import boto3
import pytest
from moto import mock_aws

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import summary  # noqa: E402

REGION = "us-east-1"


@pytest.fixture
def session(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


def render(session, stack="demo"):
    out = io.StringIO()
    summary.Summary(session, None, stack, out=out).run()
    return out.getvalue()


def tag(stack, name):
    return [{"Key": "cloudops:stack", "Value": stack}, {"Key": "Name", "Value": name}]


def build(session, stack):
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": tag(stack, f"{stack}-vpc")}])["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/24", AvailabilityZone="us-east-1a", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": tag(stack, f"{stack}-public-a")}])["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.10.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway")
    return vpc, public, private["SubnetId"], nat


def test_empty_account_says_nothing_exists(session):
    text = render(session)
    for line in ("no VPC tagged for this stack", "no DB cluster tagged for this stack",
                 "no ECS cluster tagged for this stack", "no Auto Scaling group tagged for this stack",
                 "no load balancer tagged for this stack", "no hosted zone tagged for this stack"):
        assert line in text


def test_reports_the_stack_resources_only(session):
    vpc, public, private, nat = build(session, "demo")
    other_vpc = build(session, "other")[0]

    rds = session.client("rds")
    rds.create_db_cluster(DBClusterIdentifier="demo-db", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword="password123", Tags=tag("demo", "demo-db"))
    rds.create_db_instance(DBInstanceIdentifier="demo-db-1", DBClusterIdentifier="demo-db", Engine="aurora-mysql",
                           DBInstanceClass="db.t4g.medium")

    ecs = session.client("ecs")
    ecs.create_cluster(clusterName="demo", tags=[{"key": "cloudops:stack", "value": "demo"}])
    ecs.create_cluster(clusterName="other", tags=[{"key": "cloudops:stack", "value": "other"}])
    ec2 = session.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=private)["Instances"][0]
    document = {"instanceId": instance["InstanceId"], "availabilityZone": "us-east-1b", "region": REGION}
    ecs.register_container_instance(cluster="demo", instanceIdentityDocument=json.dumps(document))

    elbv2 = session.client("elbv2")
    balancer = elbv2.create_load_balancer(Name="demo-alb", Subnets=[public, private], Tags=tag("demo", "demo-alb"),
                                          Scheme="internet-facing")["LoadBalancers"][0]
    group = elbv2.create_target_group(Name="demo-web", Protocol="HTTP", Port=80, VpcId=vpc,
                                      TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": instance["InstanceId"], "Port": 8080}])
    ecs.register_task_definition(family="web", containerDefinitions=[
        {"name": "web", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80}]}])
    ecs.create_service(cluster="demo", serviceName="web", taskDefinition="web", desiredCount=2,
                       loadBalancers=[{"targetGroupArn": group, "containerName": "web", "containerPort": 80}])

    route53 = session.client("route53")
    zone = route53.create_hosted_zone(Name="demo.internal", CallerReference="demo", VPC={"VPCRegion": REGION, "VPCId": vpc},
                                      HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"]
    route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone.rsplit("/", 1)[-1], AddTags=tag("demo", "z"))
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": "db.demo.internal", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "w.rds.test"}]}}]})
    route53.create_hosted_zone(Name="other.internal", CallerReference="other")

    text = render(session)
    assert f"private zone demo.internal ({zone.rsplit('/', 1)[-1]})" in text
    assert "  db.demo.internal CNAME -> w.rds.test" in text
    assert "other.internal" not in text
    assert f"VPC {vpc} 10.20.0.0/16 demo-vpc" in text
    assert other_vpc not in text
    assert f"subnet {public} us-east-1a 10.20.0.0/24 demo-public-a public" in text
    assert f"subnet {private} us-east-1b 10.20.10.0/24" in text
    assert f"NAT {nat} in {public} available" in text
    assert "endpoint s3 (Gateway) available" in text
    assert "cluster demo-db aurora-mysql" in text
    assert "writer demo-db-1 db.t4g.medium" in text
    assert "cluster demo ACTIVE, capacity providers: none" in text
    assert "cluster other" not in text
    assert "container instances in us-east-1b: 1 ACTIVE" in text
    assert "service web ACTIVE: running 0/2 (pending" in text
    assert "targets demo-web port 80: 1 healthy" in text
    assert f"demo-alb (internet-facing) active: {balancer['DNSName']}" in text
    assert "listener HTTP:80" in text
    assert "no Auto Scaling group tagged for this stack" in text


def test_a_failing_section_does_not_hide_the_others(session, monkeypatch):
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(summary.Summary, "database", broken)
    text = render(session)
    assert "Database:\n  could not read: boom" in text
    assert "no load balancer tagged for this stack" in text
