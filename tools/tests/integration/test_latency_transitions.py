"""NAT gateway, VPC endpoint and Aurora status transitions on the local AWS, read back with boto3; boto3
waiters still succeed; DescribeDBClusterEndpoints works. The clock is frozen: each transition happens
when the test moves plane time past the profile's delay, never earlier."""
import pytest

EARLY = 0.01  # plane seconds short of a transition


def test_nat_gateway_pending_available_deleting_and_tags(client, clock):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.0.0/24")["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip, TagSpecifications=[
        {"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "nat-a"}]}])["NatGateway"]
    assert nat["State"] == "pending"
    nat_id = nat["NatGatewayId"]
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "pending"
    assert ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["available"]},
                                              {"Name": "subnet-id", "Values": [subnet]}])["NatGateways"] == []
    clock.advance(clock.delay("nat_gateway_pending") - EARLY)
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "pending"
    clock.advance(2 * EARLY)
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id], WaiterConfig={"Delay": 0.2, "MaxAttempts": 1})
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [nat_id]},
                                      {"Name": "resource-type", "Values": ["natgateway"]}])["Tags"]
    assert [(t["Key"], t["Value"], t["ResourceType"]) for t in tags] == [("Name", "nat-a", "natgateway")]
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleting"
    clock.advance(clock.delay("nat_gateway_deleting") - EARLY)
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleting"
    clock.advance(2 * EARLY)
    ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[nat_id], WaiterConfig={"Delay": 0.2, "MaxAttempts": 1})


def test_interface_endpoint_pending_then_available_gateway_at_once(client, clock):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.41.0.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    interface = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", SubnetIds=[subnet],
                                        ServiceName="com.amazonaws.us-east-1.ecr.api")["VpcEndpoint"]
    gateway = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Gateway", RouteTableIds=[table],
                                      ServiceName="com.amazonaws.us-east-1.s3")["VpcEndpoint"]
    assert interface["State"] == "pending"
    assert gateway["State"] == "available"

    def state(endpoint_id):
        return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"]

    assert state(interface["VpcEndpointId"]) == "pending"
    clock.advance(clock.delay("vpc_endpoint_pending") - EARLY)
    assert state(interface["VpcEndpointId"]) == "pending"
    clock.advance(2 * EARLY)
    assert state(interface["VpcEndpointId"]) == "available"


def test_aurora_creating_modifying_deleting_waiters_and_endpoints(client, clock):
    rds = client("rds")
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
    once = {"Delay": 0.2, "MaxAttempts": 1}
    clock.advance(clock.delay("rds_cluster_create") - EARLY)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "creating"
    clock.advance(2 * EARLY)
    rds.get_waiter("db_cluster_available").wait(DBClusterIdentifier="db", WaiterConfig=once)
    # the instance was created with the cluster: its wait overlaps the cluster's
    clock.advance(clock.delay("rds_instance_create") - clock.delay("rds_cluster_create") - 2 * EARLY)
    assert rds.describe_db_instances(DBInstanceIdentifier="db-1")["DBInstances"][0]["DBInstanceStatus"] == "creating"
    clock.advance(2 * EARLY)
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="db-1", WaiterConfig=once)
    endpoints = rds.describe_db_cluster_endpoints(DBClusterIdentifier="db")["DBClusterEndpoints"]
    cluster = rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]
    assert {(e["EndpointType"], e["Endpoint"], e["Status"]) for e in endpoints} == {
        ("WRITER", cluster["Endpoint"], "available"), ("READER", cluster["ReaderEndpoint"], "available")}
    readers = rds.describe_db_cluster_endpoints(
        DBClusterIdentifier="db", Filters=[{"Name": "db-cluster-endpoint-type", "Values": ["reader"]}])
    assert [e["EndpointType"] for e in readers["DBClusterEndpoints"]] == ["READER"]
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_cluster_endpoints(DBClusterIdentifier="missing")
    rds.modify_db_cluster(DBClusterIdentifier="db", BackupRetentionPeriod=14, ApplyImmediately=True)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "modifying"
    clock.advance(clock.delay("rds_cluster_modify") - EARLY)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "modifying"
    clock.advance(2 * EARLY)
    rds.get_waiter("db_cluster_available").wait(DBClusterIdentifier="db", WaiterConfig=once)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["BackupRetentionPeriod"] == 14
    # deletion: `deleting` for a while through the describe APIs, then not found; the waiters succeed
    assert rds.delete_db_instance(DBInstanceIdentifier="db-1", SkipFinalSnapshot=True)["DBInstance"][
        "DBInstanceStatus"] == "deleting"
    assert rds.describe_db_instances(DBInstanceIdentifier="db-1")["DBInstances"][0]["DBInstanceStatus"] == "deleting"
    assert [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]] == ["db-1"]
    rds.delete_db_cluster(DBClusterIdentifier="db", SkipFinalSnapshot=True)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "deleting"
    clock.advance(clock.delay("rds_cluster_delete") - EARLY)
    assert rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"][0]["Status"] == "deleting"
    clock.advance(2 * EARLY)
    rds.get_waiter("db_cluster_deleted").wait(DBClusterIdentifier="db", WaiterConfig=once)
    clock.advance(clock.delay("rds_instance_delete") - clock.delay("rds_cluster_delete") - 2 * EARLY)
    assert rds.describe_db_instances(DBInstanceIdentifier="db-1")["DBInstances"][0]["DBInstanceStatus"] == "deleting"
    clock.advance(2 * EARLY)
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="db-1", WaiterConfig=once)
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_clusters(DBClusterIdentifier="db")
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault):
        rds.describe_db_instances(DBInstanceIdentifier="db-1")
