"""Teardown on the local AWS: the dry run lists and deletes nothing; prod is refused; a confirmed
teardown leaves nothing with the stack tag (and spares another environment's resources); a second
teardown is a no-op."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import day2_stack as d  # noqa: E402

PLAYBOOK = "playbooks/teardown.yml"
STACK = "demo"
TAG = [{"Key": d.STACK_TAG, "Value": STACK}, {"Key": "Environment", "Value": "local"}]
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def stack(aws, local_aws):
    built = d.build(aws, stack=STACK, capacity_provider=True)
    d.start_service(aws, built)
    ec2, iam = aws("ec2"), aws("iam")
    vpc = built["vpc_id"]
    igw = ec2.create_internet_gateway(TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": TAG}])
    built["igw"] = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=built["igw"], VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": TAG}])
    ec2.associate_route_table(RouteTableId=table["RouteTable"]["RouteTableId"], SubnetId=built["subnet_ids"][0])
    ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
                            RouteTableIds=[table["RouteTable"]["RouteTableId"]],
                            TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": TAG}])
    ec2.allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": TAG}])
    db_sg = ec2.create_security_group(GroupName="demo-db", Description="db", VpcId=vpc,
                                      TagSpecifications=[{"ResourceType": "security-group", "Tags": TAG}])["GroupId"]
    # groups that reference each other: only deletable once their rules are gone
    ec2.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "UserIdGroupPairs": [{"GroupId": built["security_group_id"]}]}])
    ec2.authorize_security_group_ingress(GroupId=built["security_group_id"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": db_sg}]}])
    aws("logs").create_log_group(logGroupName="/demo/ecs", tags={d.STACK_TAG: STACK})
    key = aws("kms").create_key(Tags=[{"TagKey": d.STACK_TAG, "TagValue": STACK}])["KeyMetadata"]["KeyId"]
    aws("kms").create_alias(AliasName="alias/demo", TargetKeyId=key)
    built["kms_key"] = key
    iam.create_role(RoleName="demo-instances", AssumeRolePolicyDocument=POLICY, Tags=TAG)
    iam.attach_role_policy(RoleName="demo-instances",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")
    iam.create_instance_profile(InstanceProfileName="demo-instances", Tags=TAG)
    iam.add_role_to_instance_profile(InstanceProfileName="demo-instances", RoleName="demo-instances")
    rds = aws("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="demo-db", DBSubnetGroupDescription="db",
                               SubnetIds=built["subnet_ids"], Tags=TAG)
    rds.create_db_cluster(DBClusterIdentifier="demo-db", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword="not-a-real-secret-1", DBSubnetGroupName="demo-db",
                          DeletionProtection=True, StorageEncrypted=True, Tags=TAG)
    rds.create_db_instance(DBInstanceIdentifier="demo-db-1", DBClusterIdentifier="demo-db", Engine="aurora-mysql",
                           DBInstanceClass="db.r6g.large", DBSubnetGroupName="demo-db")
    # the same stack name in another environment, and another stack: never touched
    built["other_vpcs"] = [
        ec2.create_vpc(CidrBlock="10.50.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [
            {"Key": d.STACK_TAG, "Value": STACK}, {"Key": "Environment", "Value": "dev"}]}])["Vpc"]["VpcId"],
        ec2.create_vpc(CidrBlock="10.51.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [
            {"Key": d.STACK_TAG, "Value": "other"}]}])["Vpc"]["VpcId"],
    ]
    return built


def _stack_vpcs(aws):
    vpcs = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:" + d.STACK_TAG, "Values": [STACK]}])["Vpcs"]
    return [v["VpcId"] for v in vpcs if {"Key": "Environment", "Value": "dev"} not in v.get("Tags", [])]


def _left(aws, stack):
    """What still carries the stack tag (this environment), read service by service."""
    ec2, ecs = aws("ec2"), aws("ecs")
    flt = [{"Name": "tag:" + d.STACK_TAG, "Values": [STACK]}]
    left = {
        "vpc": _stack_vpcs(aws),
        "subnet": [s["SubnetId"] for s in ec2.describe_subnets(Filters=flt)["Subnets"]],
        "security_group": [g["GroupId"] for g in ec2.describe_security_groups(Filters=flt)["SecurityGroups"]],
        "internet_gateway": [g["InternetGatewayId"] for g in ec2.describe_internet_gateways(Filters=flt)["InternetGateways"]],
        "route_table": [t["RouteTableId"] for t in ec2.describe_route_tables(Filters=flt)["RouteTables"]],
        "elastic_ip": [a["AllocationId"] for a in ec2.describe_addresses(Filters=flt)["Addresses"]],
        "vpc_endpoint": [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]
                         if e["State"].lower() != "deleted"],
        "launch_template": [t["LaunchTemplateId"] for t in ec2.describe_launch_templates(Filters=flt)["LaunchTemplates"]],
        "autoscaling_group": [g["AutoScalingGroupName"] for g in aws("autoscaling").describe_auto_scaling_groups(
            Filters=flt)["AutoScalingGroups"]],
        "task_definition": ecs.list_task_definitions(familyPrefix="demo-web", status="ACTIVE")["taskDefinitionArns"],
        "ecs_cluster": [c["clusterName"] for c in ecs.describe_clusters(clusters=[stack["cluster"]])["clusters"]
                        if c["status"] != "INACTIVE"],
        "load_balancer": [b["LoadBalancerName"] for b in aws("elbv2").describe_load_balancers()["LoadBalancers"]],
        "target_group": [g["TargetGroupName"] for g in aws("elbv2").describe_target_groups()["TargetGroups"]],
        "db_cluster": [c["DBClusterIdentifier"] for c in aws("rds").describe_db_clusters()["DBClusters"]],
        "db_subnet_group": [g["DBSubnetGroupName"] for g in aws("rds").describe_db_subnet_groups()["DBSubnetGroups"]],
        "log_group": [g["logGroupName"] for g in aws("logs").describe_log_groups(logGroupNamePrefix="/demo")["logGroups"]],
        "iam_role": [r["RoleName"] for r in aws("iam").list_roles()["Roles"] if r["RoleName"].startswith("demo")],
        "instance_profile": [p["InstanceProfileName"] for p in aws("iam").list_instance_profiles()["InstanceProfiles"]],
    }
    key = aws("kms").describe_key(KeyId=stack["kms_key"])["KeyMetadata"]["KeyState"]
    if key != "PendingDeletion":
        left["kms_key"] = [stack["kms_key"]]
    return {kind: ids for kind, ids in left.items() if ids}


def test_dry_run_prod_refusal_confirmed_teardown_and_no_op(playbook, aws, stack):
    before = _left(aws, stack)
    assert {"vpc", "subnet", "autoscaling_group", "ecs_cluster", "task_definition", "load_balancer", "db_cluster", "kms_key"} <= set(before)

    dry = playbook(PLAYBOOK)
    assert dry.rc == 0, dry.output
    assert dry.writes == [], dry.writes  # it only read
    assert "DRY RUN: nothing deleted" in dry.output
    listing = dry.output.split("DRY RUN", 1)[1]
    order = ["ecs_service", "task_definition", "ecs_capacity_provider", "autoscaling_group", "ecs_cluster", "launch_template",
             "load_balancer", "target_group", "db_cluster", "vpc_endpoint", "elastic_ip", "internet_gateway",
             "subnet", "route_table", "security_group", "vpc", "log_group", "instance_profile", "iam_role", "kms_key"]
    positions = [listing.index(kind + " ") for kind in order]
    assert positions == sorted(positions), "listing is not in dependency order"
    assert _left(aws, stack) == before  # nothing deleted

    refused = playbook(PLAYBOOK, extra_vars={"cloudops_environment": "prod", "teardown_confirm": True})
    assert refused.rc != 0
    assert "teardown_allow_prod=true" in refused.output
    assert refused.writes == [], refused.writes
    assert _left(aws, stack) == before

    deleted = playbook(PLAYBOOK, extra_vars={"teardown_confirm": True})
    assert deleted.rc == 0, deleted.output
    assert deleted.changed == 1
    # progress while the module runs (its action plugin shows the lines as they come): what it looks for, then a
    # line per kind as its deletion starts
    progress = [line.split(" | ", 1)[1] for line in deleted.output.splitlines() if line.startswith("    localhost | ")]
    assert progress[0] == "discovering what carries the tag cloudops:stack=demo (environment local)", progress
    kinds = {line.split(":", 1)[0] for line in progress if ": deleting " in line}
    assert {"ecs_service", "ecs_capacity_provider", "autoscaling_group", "load_balancer", "db_cluster", "subnet",
            "security_group", "vpc", "iam_role"} <= kinds, progress
    assert "kms_key: scheduling the deletion of 1: alias/demo" in progress
    assert _left(aws, stack) == {}
    snapshots = aws("rds").describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert any(s["DBClusterSnapshotIdentifier"].startswith("demo-db-final-") for s in snapshots)
    remaining = {v["VpcId"] for v in aws("ec2").describe_vpcs()["Vpcs"]}
    assert set(stack["other_vpcs"]) <= remaining  # another environment's and another stack's VPCs survive

    again = playbook(PLAYBOOK, extra_vars={"teardown_confirm": True})
    assert again.rc == 0, again.output
    assert again.changed == 0
    assert "Deleted 0 resources" in again.output
    assert again.writes == [], again.writes
