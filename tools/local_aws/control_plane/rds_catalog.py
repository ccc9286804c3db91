"""RDS catalog for Aurora MySQL: DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions.

moto has no DescribeDBEngineVersions (HTTP 500) and answers DescribeOrderableDBInstanceOptions with an empty
list for aurora-mysql. Here both answer as the RDS API reference describes, from a catalog of Aurora MySQL 3
versions and the DB instance classes Aurora MySQL offers: filters Engine, EngineVersion, DBParameterGroupFamily,
DBInstanceClass, Vpc; MaxRecords (20-100, default 100) and Marker paging; an unknown version or class gives an
empty list, not an error. Other engines are left to moto.
"""
from local_aws.control_plane.core import Component, Response
from local_aws.control_plane.moto_patch import xml

RDS_NAMESPACE = "http://rds.amazonaws.com/doc/2014-10-31/"
ENGINE = "aurora-mysql"
FAMILY = "aurora-mysql8.0"
VERSIONS = ("3.04.0", "3.04.1", "3.04.2", "3.04.3", "3.05.2", "3.06.0", "3.06.1", "3.07.0", "3.07.1", "3.08.0",
            "3.08.1", "3.08.2", "3.09.0", "3.10.0")
SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
CLASSES = (
    [f"db.r5.{s}" for s in SIZES + ("24xlarge",)] + [f"db.r6g.{s}" for s in SIZES]
    + [f"db.r6i.{s}" for s in SIZES + ("24xlarge", "32xlarge")] + [f"db.r7g.{s}" for s in SIZES]
    + [f"db.r7i.{s}" for s in SIZES + ("24xlarge", "48xlarge")] + [f"db.r8g.{s}" for s in SIZES]
    + [f"db.x2g.{s}" for s in SIZES] + ["db.t3.medium", "db.t3.large", "db.t4g.medium", "db.t4g.large", "db.serverless"]
)
AZ_LETTERS = "abcdef"


def engine_version(minor):
    return f"8.0.mysql_aurora.{minor}"


def catalog_versions(params):
    if params.get("Engine", ENGINE) != ENGINE:
        return None
    family = params.get("DBParameterGroupFamily")
    if family and family != FAMILY:
        return []
    wanted = params.get("EngineVersion")
    versions = [engine_version(v) for v in VERSIONS]
    if params.get("DefaultOnly") == "true":
        versions = [engine_version("3.08.2")]
    return [v for v in versions if not wanted or v == wanted]


def orderable(params):
    if params.get("Engine") != ENGINE:
        return None
    wanted_version, wanted_class = params.get("EngineVersion"), params.get("DBInstanceClass")
    if params.get("Vpc") == "false":
        return []
    return [(version, klass) for version in (engine_version(v) for v in VERSIONS) for klass in CLASSES
            if (not wanted_version or version == wanted_version) and (not wanted_class or klass == wanted_class)]


def page(items, params):
    size = max(20, min(100, int(params.get("MaxRecords") or 100)))
    start = int(params.get("Marker") or 0)
    chunk = items[start:start + size]
    marker = str(start + size) if start + size < len(items) else None
    return chunk, marker


class RdsCatalog(Component):
    name = "rds_catalog"

    def intercepts(self):
        return {("rds", "DescribeDBEngineVersions"): self._versions,
                ("rds", "DescribeOrderableDBInstanceOptions"): self._orderable}

    def _versions(self, request):
        versions = catalog_versions(request.params)
        if versions is None:
            return None
        chunk, marker = page(versions, request.params)
        members = "".join(
            "<DBEngineVersion>" + xml("Engine", ENGINE) + xml("EngineVersion", v) + xml("MajorEngineVersion", "8.0")
            + xml("DBParameterGroupFamily", FAMILY) + xml("DBEngineDescription", "Aurora MySQL")
            + xml("DBEngineVersionDescription", "Aurora MySQL 3 (compatible with MySQL 8.0)") + xml("Status", "available")
            + "<ExportableLogTypes>" + "".join(xml("member", t) for t in ("audit", "error", "general", "slowquery",
                                                                        "iam-db-auth-error")) + "</ExportableLogTypes>"
            + xml("SupportsLogExportsToCloudwatchLogs", True) + xml("SupportsReadReplica", True)
            + "<SupportedEngineModes>" + xml("member", "provisioned") + "</SupportedEngineModes>"
            + "</DBEngineVersion>" for v in chunk)
        return Response.xml("DescribeDBEngineVersions", f"<DBEngineVersions>{members}</DBEngineVersions>"
                            + xml("Marker", marker), RDS_NAMESPACE)

    def _orderable(self, request):
        options = orderable(request.params)
        if options is None:
            return None
        chunk, marker = page(options, request.params)
        zones = "".join("<AvailabilityZone>" + xml("Name", request.region + letter) + "</AvailabilityZone>"
                        for letter in AZ_LETTERS)
        members = "".join(
            "<OrderableDBInstanceOption>" + xml("Engine", ENGINE) + xml("EngineVersion", version)
            + xml("DBInstanceClass", klass) + xml("LicenseModel", "general-public-license")
            + f"<AvailabilityZones>{zones}</AvailabilityZones>" + xml("MultiAZCapable", False)
            + xml("ReadReplicaCapable", False) + xml("Vpc", True) + xml("SupportsStorageEncryption", True)
            + xml("StorageType", "aurora") + xml("SupportsIAMDatabaseAuthentication", True)
            + xml("SupportsPerformanceInsights", True) + xml("SupportsClusters", True)
            + "<SupportedEngineModes>" + xml("member", "provisioned") + "</SupportedEngineModes>"
            + "</OrderableDBInstanceOption>" for version, klass in chunk)
        return Response.xml("DescribeOrderableDBInstanceOptions",
                            f"<OrderableDBInstanceOptions>{members}</OrderableDBInstanceOptions>" + xml("Marker", marker),
                            RDS_NAMESPACE)
