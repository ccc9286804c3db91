"""The database role against the local AWS: bad input refused before any change, create (standard), check mode reports
no change, standard -> ha -> standard in place (writer kept; a re-run of ha changing nothing: the database Molecule
scenario, tests/integration/test_molecule_foundation.py), managed master secret (no password anywhere), refusal to
delete while protected, teardown with final snapshot."""
import json
import re

import pytest

PLAYBOOK = "tests/integration/playbooks/database_site.yml"
CLUSTER = "demo-aurora"


@pytest.fixture(scope="module")
def network(aws, local_aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    azs = ["us-east-1a", "us-east-1b"]
    private = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.41.{10 + i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        for i, az in enumerate(azs)
    ]
    instances = ec2.create_security_group(GroupName="demo-ecs-instances", Description="ECS instances", VpcId=vpc)["GroupId"]
    return {
        "vpc_id": vpc, "vpc_cidr": "10.41.0.0/16", "azs": azs, "private_subnet_ids": private,
        "public_subnet_ids": [], "security_groups": {"ecs_instances": instances, "alb": ""},
    }


def run(playbook, network, check=False, diff=False, **extra):
    # database_mode pinned to standard: the local inventory runs the demo in ha
    extra_vars = {"cloudops_network": network, "database_instance_class": "db.t4g.medium",
                  "database_deletion_protection": False, "database_test_wait": False,
                  "database_mode": "standard"}
    extra_vars.update(extra)
    return playbook(PLAYBOOK, extra_vars=extra_vars, check=check, diff=diff)


def published(result):
    match = re.search(r"CLOUDOPS_DATABASE=(\{.*?\})'?$", result.output.replace("\n        ", " "), re.M)
    assert match, result.output
    return json.loads(match.group(1))


def cluster(aws):
    found = aws("rds").describe_db_clusters()["DBClusters"]
    return next((c for c in found if c["DBClusterIdentifier"] == CLUSTER), None)


def instances(aws):
    """Live instances of the cluster (deleted ones stay visible as `deleting` for a while, as on AWS)."""
    return {i["DBInstanceIdentifier"]: i for i in aws("rds").describe_db_instances()["DBInstances"]
            if i.get("DBClusterIdentifier") == CLUSTER and i["DBInstanceStatus"] not in ("deleting", "deleted")}


def writer(aws):
    return [m["DBInstanceIdentifier"] for m in cluster(aws)["DBClusterMembers"] if m["IsClusterWriter"]]


def _database_resources(aws):
    """What the role would create first, by kind (whatever another test left is compared, not assumed away)."""
    rds = aws("rds")
    return {"clusters": sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]),
            "subnet_groups": sorted(g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]),
            "aliases": sorted(a["AliasName"] for a in aws("kms").list_aliases()["Aliases"]),
            "security_groups": sorted(g["GroupId"] for g in aws("ec2").describe_security_groups()["SecurityGroups"])}


def test_bad_input_is_refused_before_any_change(playbook, network, aws):
    before = _database_resources(aws)
    result = run(playbook, dict(network, azs=["us-east-1a"]), database_engine_version="5.7.mysql_aurora.2.11.2",
                 database_backup_retention_days=3, database_mode="ha")
    assert result.rc != 0
    output = " ".join(result.output.split())
    assert "database_engine_version = '5.7.mysql_aurora.2.11.2': not an Aurora MySQL 3.x version" in output
    assert "database_backup_retention_days = 3: Aurora keeps automated backups 1 to 35 days" in output
    assert "database_mode = 'ha': ha needs at least 2 AZs" in output
    assert result.writes == [], result.writes
    assert _database_resources(aws) == before


def test_create_check_switch_modes_and_teardown(playbook, network, aws):
    created = run(playbook, network, database_test_wait=True)
    assert created.rc == 0, created.output
    fact = published(created)
    current = cluster(aws)
    assert current["Status"] == "available"
    assert current["EngineVersion"] == "8.0.mysql_aurora.3.08.2"
    assert current["StorageEncrypted"] and current["KmsKeyId"] == fact["kms_key_arn"]
    assert current["BackupRetentionPeriod"] == 7
    assert sorted(current["EnabledCloudwatchLogsExports"]) == ["audit", "error", "slowquery"]
    assert current["IAMDatabaseAuthenticationEnabled"] and current["CopyTagsToSnapshot"]
    # not a default name scanners flag (admin), not one MySQL or RDS reserve
    assert current["MasterUsername"] == "cloudops_admin"
    assert current["DeletionProtection"] is False and current["PubliclyAccessible"] is False
    tags = {t["Key"]: t["Value"] for t in current["TagList"]}
    assert tags["cloudops:stack"] == "demo" and tags["Environment"] == "local" and tags["Owner"] == "platform-team"
    secret_arn = current["MasterUserSecret"]["SecretArn"]
    assert fact["master_user_secret_arn"] == secret_arn
    assert fact["writer_endpoint"] == current["Endpoint"] and fact["reader_endpoint"] == current["ReaderEndpoint"]
    assert fact["port"] == 3306 and fact["cluster_identifier"] == CLUSTER
    # the password exists only in Secrets Manager, never in the run's output
    password = json.loads(aws("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])["password"]
    assert password and password not in created.output
    key = aws("kms").get_key_rotation_status(KeyId=fact["kms_key_arn"])
    assert key["KeyRotationEnabled"] is True
    # the security group admits MySQL from the ECS instances' group only
    group = aws("ec2").describe_security_groups(GroupIds=[fact["security_group_id"]])["SecurityGroups"][0]
    assert [(p["FromPort"], p["ToPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]], p["IpRanges"]) for p in group["IpPermissions"]] == [
        (3306, 3306, [network["security_groups"]["ecs_instances"]], [])]
    assert [g["VpcSecurityGroupId"] for g in current["VpcSecurityGroups"]] == [fact["security_group_id"]]
    subnet_group = aws("rds").describe_db_subnet_groups(DBSubnetGroupName="demo-database")["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == sorted(network["private_subnet_ids"])
    assert list(instances(aws)) == ["demo-aurora-1"] and writer(aws) == ["demo-aurora-1"]
    assert instances(aws)["demo-aurora-1"]["AvailabilityZone"] == "us-east-1a"

    checked = run(playbook, network, check=True, diff=True)
    assert checked.rc == 0, checked.output
    assert checked.changed == 0, checked.output
    assert checked.writes == [], checked.writes

    to_ha = run(playbook, network, database_mode="ha")
    assert to_ha.rc == 0, to_ha.output
    assert to_ha.changed == 1, to_ha.output
    members = instances(aws)
    assert sorted(members) == ["demo-aurora-1", "demo-aurora-2"]
    assert members["demo-aurora-2"]["AvailabilityZone"] == "us-east-1b"
    assert writer(aws) == ["demo-aurora-1"]

    back = run(playbook, network, database_mode="standard", database_deletion_protection=True)
    assert back.rc == 0, back.output
    assert list(instances(aws)) == ["demo-aurora-1"] and writer(aws) == ["demo-aurora-1"]
    assert cluster(aws)["DeletionProtection"] is True

    refused = run(playbook, network, database_state="absent")
    assert refused.rc != 0
    assert "deletion protection on; refusing to delete it" in refused.output
    assert cluster(aws) is not None and list(instances(aws)) == ["demo-aurora-1"]

    removed = run(playbook, network, database_state="absent", database_force_destroy=True)
    assert removed.rc == 0, removed.output
    assert cluster(aws) is None and instances(aws) == {}
    snapshots = aws("rds").describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert [s["DBClusterIdentifier"] for s in snapshots if s["DBClusterSnapshotIdentifier"].startswith("demo-aurora-final-")] == [CLUSTER]
    assert aws("rds").describe_db_subnet_groups()["DBSubnetGroups"] == []
    groups = aws("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": ["demo-database"]}])["SecurityGroups"]
    assert groups == []
