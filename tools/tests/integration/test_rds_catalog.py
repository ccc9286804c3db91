"""DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions for Aurora MySQL, as the RDS API reference
describes them: filters, empty lists (not errors) for unknown versions and classes, Marker paging."""


def test_engine_versions_filter_by_version_and_family(client):
    rds = client("rds")
    versions = rds.describe_db_engine_versions(Engine="aurora-mysql")["DBEngineVersions"]
    assert "8.0.mysql_aurora.3.08.2" in [v["EngineVersion"] for v in versions]
    assert all(v["DBParameterGroupFamily"] == "aurora-mysql8.0" and v["Status"] == "available" for v in versions)
    one = rds.describe_db_engine_versions(Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.08.2")
    assert [v["EngineVersion"] for v in one["DBEngineVersions"]] == ["8.0.mysql_aurora.3.08.2"]
    assert rds.describe_db_engine_versions(Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.99.0")[
        "DBEngineVersions"] == []
    assert rds.describe_db_engine_versions(Engine="aurora-mysql", DBParameterGroupFamily="aurora-mysql5.7")[
        "DBEngineVersions"] == []


def test_orderable_classes_for_a_version(client):
    rds = client("rds")
    options = rds.describe_orderable_db_instance_options(
        Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.08.2", DBInstanceClass="db.r6g.large")["OrderableDBInstanceOptions"]
    assert len(options) == 1 and options[0]["Vpc"] is True and options[0]["StorageType"] == "aurora"
    assert "us-east-1a" in [z["Name"] for z in options[0]["AvailabilityZones"]]
    assert rds.describe_orderable_db_instance_options(
        Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.08.2", DBInstanceClass="db.m9.huge")["OrderableDBInstanceOptions"] == []


def test_orderable_options_page_with_marker(client):
    rds = client("rds")
    first = rds.describe_orderable_db_instance_options(Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.08.2",
                                                        MaxRecords=20)
    assert len(first["OrderableDBInstanceOptions"]) == 20 and first["Marker"]
    pages = rds.get_paginator("describe_orderable_db_instance_options").paginate(
        Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.08.2", PaginationConfig={"PageSize": 20})
    classes = [o["DBInstanceClass"] for page in pages for o in page["OrderableDBInstanceOptions"]]
    assert len(classes) == len(set(classes)) > 20 and "db.t4g.medium" in classes
