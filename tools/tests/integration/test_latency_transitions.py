"""NAT gateway, VPC endpoint and Aurora status transitions on the local AWS, read back with boto3
(fast profile: AWS seconds / 100); boto3 waiters still succeed; DescribeDBClusterEndpoints works."""
import time

import pytest

SCALE = 100.0


def test_nat_gateway_pending_available_deleting_and_tags(client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.0.0/24")["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    started = time.monotonic()
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip, TagSpecifications=[
        {"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "nat-a"}]}])["NatGateway"]
    assert nat["State"] == "pending"
    nat_id = nat["NatGatewayId"]
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "pending"
    assert ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["available"]}])["NatGateways"] == []
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id], WaiterConfig={"Delay": 0.2})
    assert 90 / SCALE - 0.05 <= time.monotonic() - started < 90 / SCALE + 5.0
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [nat_id]},
                                      {"Name": "resource-type", "Values": ["natgateway"]}])["Tags"]
    assert [(t["Key"], t["Value"], t["ResourceType"]) for t in tags] == [("Name", "nat-a", "natgateway")]
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleting"
    ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[nat_id], WaiterConfig={"Delay": 0.2})


def test_interface_endpoint_pending_then_available_gateway_at_once(client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.41.0.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    started = time.monotonic()
    interface = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", SubnetIds=[subnet],
                                        ServiceName="com.amazonaws.us-east-1.ecr.api")["VpcEndpoint"]
    gateway = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Gateway", RouteTableIds=[table],
                                      ServiceName="com.amazonaws.us-east-1.s3")["VpcEndpoint"]
    assert interface["State"] == "pending"
    assert gateway["State"] == "available"

    def state(endpoint_id):
        return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"]

    assert state(interface["VpcEndpointId"]) == "pending"
    while state(interface["VpcEndpointId"]) == "pending":
        time.sleep(0.05)
    assert 60 / SCALE - 0.05 <= time.monotonic() - started < 60 / SCALE + 5.0
    assert state(interface["VpcEndpointId"]) == "available"


def test_aurora_creating_modifying_deleting_waiters_and_endpoints(client):
    rds = client("rds")
    started = time.monotonic()
    cluster = rds.create_db_cluster(DBClusterIdentifier="db", Engine="aurora-mysql", MasterUsername="admin",
                                    MasterUserPassword="secret-password-1")["DBCluster"]
    assert cluster["Status"] == "creating"
    rds.create_db_instance(DBInstanceIdentifier="db-1", DBClusterIdentifier="db", Engine="aurora-mysql",
                           DBInstanceClass="db.r6g.large")
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "creating"
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "creating"
    assert rds.describe_db_instances(DBInstanceIdentifier="db-1")["DBInstances"][0]["DBInstanceStatus"] == "creating"
    endpoints = rds.describe_db_cluster_endpoints(DBClusterIdentifier="db")["DBClusterEndpoints"]
    assert [(e["EndpointType"], e["Status"]) for e in endpoints] == [("WRITER", "creating"), ("READER", "creating")]
    rds.get_waiter("db_cluster_available").wait(DBClusterIdentifier="db", WaiterConfig={"Delay": 0.2})
    cluster_ready = time.monotonic() - started
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="db-1", WaiterConfig={"Delay": 0.2})
    instance_ready = time.monotonic() - started
    assert 300 / SCALE - 0.05 <= cluster_ready < 300 / SCALE + 5.0
    assert 420 / SCALE - 0.05 <= instance_ready < 420 / SCALE + 5.0  # overlapped with the cluster's wait
    endpoints = rds.describe_db_cluster_endpoints(DBClusterIdentifier="db")["DBClusterEndpoints"]
    cluster = rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]
    assert {(e["EndpointType"], e["Endpoint"], e["Status"]) for e in endpoints} == {
        ("WRITER", cluster["Endpoint"], "available"), ("READER", cluster["ReaderEndpoint"], "available")}
    readers = rds.describe_db_cluster_endpoints(
        DBClusterIdentifier="db", Filters=[{"Name": "db-cluster-endpoint-type", "Values": ["reader"]}])
    assert [e["EndpointType"] for e in readers["DBClusterEndpoints"]] == ["READER"]
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_cluster_endpoints(DBClusterIdentifier="missing")
    modified = time.monotonic()
    rds.modify_db_cluster(DBClusterIdentifier="db", BackupRetentionPeriod=14, ApplyImmediately=True)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "modifying"
    rds.get_waiter("db_cluster_available").wait(DBClusterIdentifier="db", WaiterConfig={"Delay": 0.2})
    assert 60 / SCALE - 0.05 <= time.monotonic() - modified < 60 / SCALE + 5.0
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["BackupRetentionPeriod"] == 14
    # deletion: `deleting` for a while through the describe APIs, then not found; the waiters succeed
    deleted = time.monotonic()
    assert rds.delete_db_instance(DBInstanceIdentifier="db-1", SkipFinalSnapshot=True)["DBInstance"][
        "DBInstanceStatus"] == "deleting"
    assert rds.describe_db_instances(DBInstanceIdentifier="db-1")["DBInstances"][0]["DBInstanceStatus"] == "deleting"
    assert [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]] == ["db-1"]
    rds.delete_db_cluster(DBClusterIdentifier="db", SkipFinalSnapshot=True)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "deleting"
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="db-1", WaiterConfig={"Delay": 0.2})
    assert 240 / SCALE - 0.05 <= time.monotonic() - deleted < 240 / SCALE + 5.0
    rds.get_waiter("db_cluster_deleted").wait(DBClusterIdentifier="db", WaiterConfig={"Delay": 0.2})
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_clusters(DBClusterIdentifier="db")
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault):
        rds.describe_db_instances(DBInstanceIdentifier="db-1")
