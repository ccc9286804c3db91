# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only AWS checks of the platform inputs (the platform_preflight module): the region and AZs exist,
instance types exist, are offered in the AZs and match the AMI architecture, the DB class is orderable for the
engine version, certificates are ISSUED and cover their domains, KMS keys and secrets exist, an existing VPC
exists (with DNS support and hostnames when private-DNS endpoints go in it), subnets have free addresses,
endpoint services are offered. Nothing here changes anything. `checks` is what validation.aws_checks() built.

Each check batches its calls (one describe per resource type); the interpretation of the answers is pure
(functions below the class) and unit tested.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils.arn import partition_of_region
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import LazyClients
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.network_plan import available_zone_names
from ansible_collections.cloudops.ecs.plugins.module_utils.validation import Problem
from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_endpoints import detect_prefix
from ansible_collections.cloudops.ecs.plugins.module_utils.vpc_endpoints import unknown_services

NOT_FOUND_CODES = ("NotFoundException", "ResourceNotFoundException", "ResourceNotFoundFault", "InvalidArnException",
                   "ValidationException", "InvalidParameterException", "AccessDeniedException")


# --------------------------------------------------------------------------------------------------
# Pure interpretation of AWS answers
# --------------------------------------------------------------------------------------------------
def zone_problems(spec, available, region):
    """(problems, the AZs the network will use)."""
    names = list(spec.get("names") or [])
    if names:
        missing = [n for n in names if n not in available]
        problems = [Problem(spec["variable"], n, "%s has no Availability Zone %s (it has %s): fix the name or leave "
                            "network_azs empty" % (region, n, ", ".join(available) or "none")) for n in missing]
        return problems, [n for n in names if n in available]
    count = spec.get("count") or 0
    if len(available) < count:
        return [Problem("network_az_count", count, "%s has only %d usable Availability Zones (%s); lower network_az_count"
                        % (region, len(available), ", ".join(available)))], available
    return [], available[:count]


def instance_type_problems(groups, described, offerings, images, azs):
    """described: {type: DescribeInstanceTypes item}; offerings: {type: set(AZ)}; images: {ami_id: architecture}."""
    problems = []
    for group in groups:
        variable = group["variable"]
        types = list(group.get("instance_types") or [])
        unknown = [t for t in types if t not in described]
        for instance_type in unknown:
            problems.append(Problem(variable + ".instance_type", instance_type, "no such EC2 instance type in this region; "
                                    "fix the name (e.g. m6i.large, m7g.large)"))
        ami_id = group.get("ami_id")
        architecture = group.get("architecture")
        if ami_id:
            if ami_id not in images:
                problems.append(Problem(variable + ".ami_id", ami_id, "no such AMI in this region: fix the id or remove "
                                        "it to use the ECS-optimized AMI"))
                continue
            architecture = images[ami_id]
        for instance_type in [t for t in types if t in described]:
            supported = described[instance_type].get("ProcessorInfo", {}).get("SupportedArchitectures", [])
            if architecture and architecture not in supported:
                what = "AMI %s is %s" % (ami_id, architecture) if ami_id else "the ECS-optimized AMI picked is %s" % architecture
                problems.append(Problem(variable + ".instance_type", instance_type, "runs %s but %s: pick a matching "
                                        "instance type or AMI" % (", ".join(supported), what)))
        if azs:
            known = [t for t in types if t in described]
            if len(types) == 1:
                for instance_type in known:
                    missing = [az for az in azs if az not in offerings.get(instance_type, ())]
                    if missing:
                        problems.append(Problem(variable + ".instance_type", instance_type, "not offered in %s: pick "
                                                "another type or other AZs (network_azs)" % ", ".join(missing)))
            elif known:
                for az in azs:
                    if not [t for t in known if az in offerings.get(t, ())]:
                        problems.append(Problem(variable + ".instance_types", known, "none is offered in %s: add a type "
                                                "offered there or pick other AZs (network_azs)" % az))
    return problems


def certificate_problems(spec, certificate):
    if certificate is None:
        return [Problem(spec["variable"], spec["arn"], "no such ACM certificate in this account and region")]
    problems = []
    region = spec.get("region")
    arn_region = certificate.get("CertificateArn", spec["arn"]).split(":")[3:4]
    if region and arn_region and arn_region[0] != region:
        problems.append(Problem(spec["variable"], spec["arn"], "the certificate is in %s but the load balancer in %s: an ALB "
                                "takes certificates of its own region; request or import one there" % (arn_region[0], region)))
    if spec.get("partition") and spec["arn"].split(":")[1:2] != [spec["partition"]]:
        problems.append(Problem(spec["variable"], spec["arn"], "the certificate is not in this account's partition (%s): use "
                                "an ACM certificate of this account" % spec["partition"]))
    if certificate.get("Status") != "ISSUED":
        problems.append(Problem(spec["variable"], spec["arn"], "the certificate is %s, not ISSUED: complete its validation "
                                "or use an issued one" % certificate.get("Status")))
    names = set([certificate.get("DomainName")] + list(certificate.get("SubjectAlternativeNames") or []))
    for domain in spec.get("domains") or []:
        if not covers(names, domain):
            problems.append(Problem(spec["variable"], spec["arn"], "the certificate (%s) does not cover %s: add it to the "
                                    "certificate or use one that covers it" % (", ".join(sorted(n for n in names if n)),
                                                                               domain)))
    return problems


def hosted_zone_problems(spec, zones):
    """zones: ListHostedZonesByName items starting at the name."""
    wanted = spec["name"].lower().rstrip(".") + "."
    public = [z for z in zones if z.get("Name", "").lower() == wanted and not (z.get("Config") or {}).get("PrivateZone")]
    if not public:
        return [Problem(spec["variable"], spec["name"], "no public Route 53 hosted zone of this name in the account: create "
                        "it (and delegate the domain to it) or name the zone that holds the domain")]
    if len(public) > 1:
        return [Problem(spec["variable"], spec["name"], "%d public hosted zones have this name: delete the unused ones"
                        % len(public))]
    return []


def opens_ssh(permission):
    """Whether an ingress permission lets SSH in: TCP over port 22, or every protocol from an address range."""
    protocol = str(permission.get("IpProtocol"))
    if protocol == "tcp":
        return int(permission.get("FromPort", 0)) <= 22 <= int(permission.get("ToPort", 65535))
    return protocol == "-1" and bool(permission.get("IpRanges") or permission.get("Ipv6Ranges"))


def security_group_problems(spec, group):
    if group is None:
        return [Problem(spec["variable"], spec["id"], "no such security group in this account and region: use the "
                        "network role's group (cloudops_network.security_groups) or an existing group's id")]
    if spec.get("no_ssh") and any(opens_ssh(p) for p in group.get("IpPermissions") or []):
        return [Problem(spec["variable"], spec["id"], "the security group allows SSH (port 22): remove that rule; the "
                        "instances are reached with SSM Session Manager")]
    return []


def format_problems(problems):
    return "Pre-flight found %d problem(s); nothing was changed. Fix:\n%s" % (
        len(problems), "\n".join("- " + p["message"] for p in problems))


def covers(names, domain):
    domain = domain.lower().rstrip(".")
    for name in names:
        name = (name or "").lower().rstrip(".")
        if name == domain:
            return True
        if name.startswith("*.") and "." in domain and domain.split(".", 1)[1] == name[2:]:
            return True
    return False


def subnet_problems(spec, subnets):
    """subnets: {subnet_id: DescribeSubnets item}."""
    problems = []
    missing = [s for s in spec["ids"] if s not in subnets]
    for subnet_id in missing:
        problems.append(Problem(spec["variable"], subnet_id, "no such subnet in this account and region"))
    found = [subnets[s] for s in spec["ids"] if s in subnets]
    for subnet in found:
        free = subnet.get("AvailableIpAddressCount", 0)
        if free < spec.get("per_subnet", 1):
            problems.append(Problem(spec["variable"], subnet["SubnetId"], "has %d free IP addresses, %d needed: use a larger "
                                    "subnet or free addresses" % (free, spec["per_subnet"])))
    total = sum(s.get("AvailableIpAddressCount", 0) for s in found)
    if found and spec.get("total") and total < spec["total"]:
        problems.append(Problem(spec["variable"], spec["ids"], "%d free IP addresses in all, but %s: %s" % (
            total, spec.get("needs") or "the instance groups may grow to %d instances" % spec["total"],
            spec.get("fix") or "use larger subnets or lower max_size")))
    return problems


# --------------------------------------------------------------------------------------------------
# AWS side
# --------------------------------------------------------------------------------------------------
def caller_view(identity):
    """GetCallerIdentity as amazon.aws.aws_caller_info returns it (account, arn, user_id), with the partition the
    ARN names, so a playbook reads the caller once, in its pre-flight."""
    arn = identity.get("Arn", "")
    return {"account": identity.get("Account"), "arn": arn, "user_id": identity.get("UserId"),
            "partition": arn.split(":")[1] if arn.count(":") >= 5 else None}


class PreflightChecks(Service):
    """The read-only AWS checks of the `checks` option; a client is made only for the services the checks
    need. AWS errors the checks do not interpret fail the module ("Failed to run the read-only pre-flight
    checks")."""

    SERVICES = ("ec2", "rds", "acm", "kms", "secretsmanager", "route53", "sts")

    def __init__(self, *args, **kwargs):
        super(PreflightChecks, self).__init__(*args, **kwargs)
        self.problems = []
        self.facts = {}
        self.caller = {}

    @classmethod
    def clients_for(cls, module):
        return LazyClients(module)

    def run(self):
        """The module's result; every problem found fails it (listing them all)."""
        result = self.check(self.params.get("checks") or {})
        if result["problems"]:
            raise CloudopsError(message=format_problems(result["problems"]), **result)
        return dict(result, changed=False)

    def check(self, checks):
        if not self.region_exists():
            return self.result()
        self.caller = caller_view(self.caller_identity())
        azs = self.zones(checks.get("azs"))
        if checks.get("vpc"):
            self.vpc(checks["vpc"])
        if checks.get("instance_groups"):
            self.instance_groups(checks["instance_groups"], azs)
        if checks.get("db"):
            self.database(checks["db"])
        for spec in checks.get("certificates") or []:
            self.certificate(spec)
        for spec in checks.get("hosted_zones") or []:
            zones = self.request("route53", "list_hosted_zones_by_name", DNSName=spec["name"], MaxItems="100")["HostedZones"]
            self.problems.extend(hosted_zone_problems(spec, zones))
        for spec in checks.get("kms_keys") or []:
            self.kms_key(spec)
        for spec in checks.get("secrets") or []:
            self.secret(spec)
        if checks.get("subnets"):
            self.subnets(checks["subnets"])
        if checks.get("security_groups"):
            self.security_groups(checks["security_groups"])
        if checks.get("endpoint_services"):
            self.endpoint_services(checks["endpoint_services"])
        return self.result()

    def result(self):
        return {"problems": [p.as_dict() for p in self.problems], "api_calls": self.api_calls, "facts": self.facts,
                "caller": self.caller}

    def region_exists(self):
        try:
            regions = self.request("ec2", "describe_regions", AllRegions=True)["Regions"]
        except botocore.exceptions.EndpointConnectionError:
            self.problems.append(Problem("cloudops_aws_region", self.region, "no EC2 endpoint answers for this region: "
                                         "use an AWS region name such as us-east-1"))
            return False
        by_name = dict((r["RegionName"], r) for r in regions)
        region = by_name.get(self.region)
        if region is None:
            self.problems.append(Problem("cloudops_aws_region", self.region, "no such AWS region (regions: %s)"
                                         % ", ".join(sorted(by_name))))
            return False
        if region.get("OptInStatus") == "not-opted-in":
            self.problems.append(Problem("cloudops_aws_region", self.region, "this account has not opted in to the region: "
                                         "enable it in the account settings or pick another region"))
            return False
        return True

    def zones(self, spec):
        if not spec:
            return []
        available = available_zone_names(self.availability_zones())
        problems, azs = zone_problems(spec, available, self.region)
        self.problems.extend(problems)
        self.facts["azs"] = azs
        return azs

    def vpc(self, spec):
        vpcs = self.request("ec2", "describe_vpcs", Filters=[{"Name": "vpc-id", "Values": [spec["id"]]}])["Vpcs"]
        if not vpcs:
            self.problems.append(Problem(spec["variable"], spec["id"], "no such VPC in this account and region"))
            return
        self.facts["vpc_cidr"] = vpcs[0]["CidrBlock"]
        if spec.get("needs_dns"):
            off = []
            for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
                if not self.request("ec2", "describe_vpc_attribute", VpcId=spec["id"], Attribute=attribute)[key]["Value"]:
                    off.append(attribute)
            if off:
                self.problems.append(Problem(spec["variable"], spec["id"], "the VPC has %s off, and interface endpoints with "
                                             "private DNS need DNS support and DNS hostnames on: set network_enable_dns: "
                                             "true (the network role turns them on) or endpoints_private_dns_enabled: false"
                                             % " and ".join(off)))

    def instance_groups(self, groups, azs):
        types = sorted(set(t for g in groups for t in g.get("instance_types") or []))
        described, offerings, images = {}, {}, {}
        if types:
            # DescribeInstanceTypes refuses the whole call for one unknown type: it is asked only for offered types.
            # A type offered in one of the AZs is offered in the region; the region is asked only about the others.
            if azs:
                for offer in self.request_pages("ec2", "describe_instance_type_offerings", "InstanceTypeOfferings",
                                                LocationType="availability-zone",
                                                Filters=[{"Name": "instance-type", "Values": types},
                                                         {"Name": "location", "Values": list(azs)}]):
                    offerings.setdefault(offer["InstanceType"], set()).add(offer["Location"])
            not_in_azs, in_region = [t for t in types if t not in offerings], set()
            if not_in_azs:
                in_region = set(o["InstanceType"] for o in self.request_pages(
                    "ec2", "describe_instance_type_offerings", "InstanceTypeOfferings", LocationType="region",
                    Filters=[{"Name": "instance-type", "Values": not_in_azs}]))
            existing = sorted(set(offerings) | in_region)
            if existing:
                for item in self.request_pages("ec2", "describe_instance_types", "InstanceTypes", InstanceTypes=existing):
                    described[item["InstanceType"]] = item
        ami_ids = sorted(set(g["ami_id"] for g in groups if g.get("ami_id")))
        if ami_ids:
            for image in self.request("ec2", "describe_images", Filters=[{"Name": "image-id", "Values": ami_ids}])["Images"]:
                images[image["ImageId"]] = image.get("Architecture")
        self.problems.extend(instance_type_problems(groups, described, offerings, images, azs))

    def database(self, spec):
        versions = self.request("rds", "describe_db_engine_versions", Engine=spec["engine"],
                                EngineVersion=spec["engine_version"])["DBEngineVersions"]
        if not versions:
            self.problems.append(Problem(spec["version_variable"], spec["engine_version"], "%s has no engine version %s in "
                                         "%s: pick one DescribeDBEngineVersions lists (e.g. 8.0.mysql_aurora.3.08.2)"
                                         % (spec["engine"], spec["engine_version"], self.region)))
            return
        options = self.request("rds", "describe_orderable_db_instance_options", Engine=spec["engine"],
                               EngineVersion=spec["engine_version"], DBInstanceClass=spec["instance_class"],
                               MaxRecords=20)["OrderableDBInstanceOptions"]
        if not options:
            self.problems.append(Problem(spec["variable"], spec["instance_class"], "not orderable for %s %s in %s: pick a "
                                         "class Aurora MySQL offers (e.g. db.r6g.large, db.t4g.medium)"
                                         % (spec["engine"], spec["engine_version"], self.region)))

    def certificate(self, spec):
        spec = dict(spec, region=spec.get("region") or self.region, partition=partition_of_region(self.region))
        try:
            certificate = self.request("acm", "describe_certificate", CertificateArn=spec["arn"])["Certificate"]
        except is_boto3_error_code(NOT_FOUND_CODES):
            certificate = None
        self.problems.extend(certificate_problems(spec, certificate))

    def kms_key(self, spec):
        try:
            key = self.request("kms", "describe_key", KeyId=spec["key"])["KeyMetadata"]
        except is_boto3_error_code(NOT_FOUND_CODES):
            self.problems.append(Problem(spec["variable"], spec["key"], "no such KMS key in this account and region"))
            return
        if key.get("KeyState") != "Enabled":
            self.problems.append(Problem(spec["variable"], spec["key"], "the KMS key is %s: enable it or use another key"
                                         % key.get("KeyState")))

    def secret(self, spec):
        try:
            secret = self.request("secretsmanager", "describe_secret", SecretId=spec["arn"])
        except is_boto3_error_code(NOT_FOUND_CODES):
            self.problems.append(Problem(spec["variable"], spec["arn"], "no such Secrets Manager secret in this account "
                                         "and region"))
            return
        if secret.get("DeletedDate"):
            self.problems.append(Problem(spec["variable"], spec["arn"], "the secret is scheduled for deletion: restore it "
                                         "or use another one"))

    def subnets(self, specs):
        ids = sorted(set(s for spec in specs for s in spec["ids"]))
        found = self.request_pages("ec2", "describe_subnets", "Subnets", Filters=[{"Name": "subnet-id", "Values": ids}])
        by_id = dict((s["SubnetId"], s) for s in found)
        for spec in specs:
            self.problems.extend(subnet_problems(spec, by_id))

    def security_groups(self, specs):
        ids = sorted(set(spec["id"] for spec in specs))
        try:
            found = self.request_pages("ec2", "describe_security_groups", "SecurityGroups",
                                       Filters=[{"Name": "group-id", "Values": ids}])
        except is_boto3_error_code(("InvalidGroupId.Malformed", "InvalidGroup.NotFound")):
            found = []
        by_id = dict((g["GroupId"], g) for g in found)
        for spec in specs:
            self.problems.extend(security_group_problems(spec, by_id.get(spec["id"])))

    def endpoint_services(self, spec):
        names = self.endpoint_service_names()
        prefix = detect_prefix(names, self.region)
        unknown = unknown_services(spec["names"], names, prefix, self.region)
        if unknown:
            self.problems.append(Problem(spec["variable"], unknown, "unknown VPC endpoint service(s) in %s: %s; use short "
                                         "names DescribeVpcEndpointServices lists (e.g. ecr.api, logs, s3)"
                                         % (self.region, ", ".join(unknown))))
