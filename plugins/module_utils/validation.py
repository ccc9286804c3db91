# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input rules of every role, in one place (pure, no AWS).

Each `<role>_rules(v)` takes the role's variables (already templated, defaults applied; `v` also holds the
collection-wide `cloudops_*` identity) and returns a list of Problem(variable, value, fix). The platform
pre-flight (action `cloudops.ecs.platform_preflight`) runs every role's rules before anything changes; each
role runs its own when it is used alone. `aws_checks(role, v)` lists the read-only AWS checks a role's
inputs need; the pre-flight module runs them.

`v["__derived"]` is the set of variable names whose value is derived from cloudops_stack_name (the role
default was not overridden): a bad derived name is reported against cloudops_stack_name, the variable the
user must change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.cloudops.ecs.plugins.module_utils.network_plan import plan_network
from ansible_collections.cloudops.ecs.plugins.module_utils.service_spec import ecr_input_errors
from ansible_collections.cloudops.ecs.plugins.module_utils.service_spec import input_errors as service_input_errors

# CloudWatch Logs PutRetentionPolicy accepts only these values (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
# Names reserved by the MySQL engine or by RDS for its own accounts (CreateDBCluster refuses them).
RESERVED_DB_USERS = ("rdsadmin", "rdsrepladmin", "rdsproxyadmin", "rds_superuser_role", "root", "mysql.sys",
                     "mysql.session", "mysql.infoschema", "mysql", "sys", "public")
DB_LOG_TYPES = ("audit", "error", "general", "slowquery", "iam-db-auth-error")
GRAVITON_TYPE = re.compile(r"^([a-z]+[0-9]+g[a-z-]*|a1)[.]")
INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
STACK_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
SG_ID = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")
DNS_NAME = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")
DNS_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
ELB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
KMS_ALIAS = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")
IAM_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
LOG_GROUP = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
DB_IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
SG_NAME = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$")
BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
MAINTENANCE_WINDOW = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-"
                                r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$", re.I)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PLANNED = "planned"
UNSHOWN = object()  # the value is part of the message already


class Problem(object):
    """One bad input: the variable to change, the value it has, and what to do."""

    __slots__ = ("variable", "value", "fix")

    def __init__(self, variable, value, fix):
        self.variable = variable
        self.value = value
        self.fix = fix

    def __str__(self):
        if self.value is UNSHOWN:
            return self.variable + self.fix
        return "%s = %s: %s" % (self.variable, show(self.value), self.fix)

    __repr__ = __str__

    def __eq__(self, other):
        return isinstance(other, Problem) and (self.variable, self.fix) == (other.variable, other.fix)

    def __hash__(self):
        return hash((self.variable, self.fix))

    def as_dict(self):
        return {"variable": self.variable, "value": None if self.value is UNSHOWN else self.value,
                "fix": self.fix.lstrip(" :"), "message": str(self)}

    @classmethod
    def from_message(cls, message):
        """A problem from a message that starts with the variable and already shows the value
        ("services_list[0].memory: 4 MiB is below ...", "network_azs lists an AZ twice ...")."""
        variable = re.split(r"[\s:]", message, maxsplit=1)[0]
        return cls(variable, UNSHOWN, message[len(variable):])


def show(value):
    if isinstance(value, str):
        return repr(value)
    return "%r" % (value,)


def as_int(value, default=None):
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def is_planned(value):
    """A placeholder the pre-flight uses for an id a role earlier in the run will create."""
    return isinstance(value, str) and PLANNED in value


def in_range(problems, variable, value, low, high, fix):
    number = as_int(value)
    if number is None or number < low or number > high:
        problems.append(Problem(variable, value, fix))
    return number


def name_problem(v, variable, what, fix):
    """A bad name: against cloudops_stack_name when the name is derived from it, else against the variable."""
    if variable in v.get("__derived", ()):
        return Problem("cloudops_stack_name", v.get("cloudops_stack_name"),
                       "it gives the %s %s, which is invalid: %s; shorten or change cloudops_stack_name, or set %s"
                       % (what, show(v.get(variable)), fix, variable))
    return Problem(variable, v.get(variable), "%s must be %s" % (what, fix))


def check_name(problems, v, variable, what, pattern, fix, max_length=None):
    value = v.get(variable)
    if value is None or is_planned(value):
        return
    if not isinstance(value, str) or not pattern.match(value) or (max_length and len(value) > max_length):
        problems.append(name_problem(v, variable, what, fix))


def stack_name(v):
    return v.get("cloudops_stack_name") or ""


def stack_derived_problem(v, what, name, fix):
    return Problem("cloudops_stack_name", stack_name(v),
                   "it gives the %s %s, which is invalid: %s; shorten or change cloudops_stack_name" % (what, show(name), fix))


def arn_problem(problems, variable, value, service, what, region=None):
    if not value or is_planned(value):
        return
    pattern = r"^arn:aws[a-z-]*:%s:%s:\d{12}:.+$" % (service, re.escape(region) if region else r"[a-z0-9-]*")
    if not isinstance(value, str) or not re.match(pattern, value):
        problems.append(Problem(variable, value, "not %s ARN (arn:<partition>:%s:%s:<account>:...); fix it or leave it empty"
                                % (what, service, region or "<region>")))


def cidr(value):
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (TypeError, ValueError, ipaddress.AddressValueError, ipaddress.NetmaskValueError):
        return None


# --------------------------------------------------------------------------------------------------
# Identity (every playbook)
# --------------------------------------------------------------------------------------------------
def identity_rules(v):
    problems = []
    name = v.get("cloudops_stack_name")
    if not name or not isinstance(name, str):
        problems.append(Problem("cloudops_stack_name", name, "must be set: it prefixes every resource name and is the "
                                "value of the cloudops:stack tag (e.g. shop-prod)"))
    elif not STACK_NAME.match(name) or "--" in name or name.endswith("-"):
        problems.append(Problem("cloudops_stack_name", name,
                                "use lowercase letters, digits and single hyphens, starting with a letter and not ending "
                                "with a hyphen (it prefixes load balancer, DB, KMS alias, IAM role and log group names)"))
    elif len(name) > 28:
        problems.append(Problem("cloudops_stack_name", name,
                                "%d characters; use at most 28, so that <stack>-alb and target group names fit the 32 "
                                "characters Elastic Load Balancing allows" % len(name)))
    region = v.get("cloudops_aws_region")
    if not isinstance(region, str) or not REGION.match(region):
        problems.append(Problem("cloudops_aws_region", region, "set an AWS region name such as us-east-1 or eu-west-2"))
    environment = v.get("cloudops_environment")
    if not environment or not isinstance(environment, str) or len(environment) > 256:
        problems.append(Problem("cloudops_environment", environment, "set the environment name (local, dev, staging, prod)"))
    tags = v.get("cloudops_tags")
    if tags is not None and not isinstance(tags, dict):
        problems.append(Problem("cloudops_tags", tags, "give a mapping of tag names to values"))
    for key, value in sorted((tags or {}).items()) if isinstance(tags, dict) else ():
        if str(key).lower().startswith("aws:") or not 1 <= len(str(key)) <= 128 or len(str(value)) > 256:
            problems.append(Problem("cloudops_tags", {key: value}, "tag keys are 1-128 characters, values at most 256, and "
                                    "keys may not start with aws:"))
    return problems


# --------------------------------------------------------------------------------------------------
# network
# --------------------------------------------------------------------------------------------------
def network_rules(v):
    problems = []
    if v.get("network_state", "present") != "present":
        return problems
    vpc_id = v.get("network_vpc_id") or ""
    if vpc_id and not VPC_ID.match(vpc_id):
        problems.append(Problem("network_vpc_id", vpc_id, "not a VPC id (vpc-0123456789abcdef0); fix it, or leave it empty "
                                "to create a VPC"))
    region = v.get("cloudops_aws_region") or ""
    azs = list(v.get("network_azs") or [])
    for az in azs:
        if not isinstance(az, str) or not az.startswith(region) or not re.match(r"^[a-z]{2}(-[a-z]+)+-\d+[a-z]$", az):
            problems.append(Problem("network_azs", az, "not an Availability Zone of %s (e.g. %sa); fix the name or leave "
                                    "network_azs empty to use the first network_az_count AZs" % (region, region)))
    count = as_int(v.get("network_az_count"), v.get("network_az_count"))
    planned_azs = azs or ["AZ %d" % (i + 1) for i in range(count if isinstance(count, int) and 0 < count < 7 else 0)]
    vpc_cidr = v.get("network_vpc_cidr") if not vpc_id else (v.get("__existing_vpc_cidr") or None)
    if vpc_cidr is not None or not vpc_id:
        plan = plan_network(vpc_cidr, planned_azs, nat_mode=v.get("network_nat_mode", "per_az"),
                            public_cidrs=v.get("network_public_subnet_cidrs"),
                            private_cidrs=v.get("network_private_subnet_cidrs"), az_count=count)
        problems.extend(Problem.from_message(message) for message in plan["errors"])
    elif not (v.get("network_public_subnet_cidrs") and v.get("network_private_subnet_cidrs")):
        pass  # derived from the existing VPC's CIDR, which the AWS checks read
    if v.get("network_flow_logs_enabled", True):
        retention = as_int(v.get("network_flow_logs_retention_days"))
        if retention not in LOG_RETENTION_DAYS:
            problems.append(Problem("network_flow_logs_retention_days", v.get("network_flow_logs_retention_days"),
                                    retention_fix()))
        check_name(problems, v, "network_flow_logs_log_group_name", "log group name", LOG_GROUP,
                   "1-512 letters, digits, and . - _ / #")
        arn_problem(problems, "network_flow_logs_kms_key_arn", v.get("network_flow_logs_kms_key_arn"), "kms", "a KMS key",
                    region)
        if not v.get("network_flow_logs_kms_key_arn"):
            check_derived(problems, v, "KMS alias", "alias/%s-vpc-flow-logs", KMS_ALIAS,
                          "letters, digits, / _ - after alias/")
        check_derived(problems, v, "IAM role name", "%s-vpc-flow-logs", IAM_NAME, "1-64 letters, digits and +=,.@_-")
    for variable in ("network_alb_security_group_name", "network_ecs_instances_security_group_name"):
        check_name(problems, v, variable, "security group name", SG_NAME,
                   "1-255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*", 255)
        if str(v.get(variable, "")).lower().startswith("sg-"):
            problems.append(name_problem(v, variable, "security group name", "not starting with sg-"))
    in_range(problems, "network_nat_wait_timeout", v.get("network_nat_wait_timeout", 600), 1, 86400,
             "seconds to wait for the NAT gateways: 1 or more (default 600)")
    return problems


def check_derived(problems, v, what, template, pattern, fix):
    """A name the role derives from the stack name without a variable of its own."""
    name = template % stack_name(v)
    if not pattern.match(name):
        problems.append(stack_derived_problem(v, what, name, fix))


def retention_fix():
    return "CloudWatch Logs keeps logs for one of %s days; pick one of those" % ", ".join(str(d) for d in LOG_RETENTION_DAYS)


# --------------------------------------------------------------------------------------------------
# endpoints
# --------------------------------------------------------------------------------------------------
def endpoints_rules(v):
    problems = []
    if v.get("endpoints_state", "present") != "present":
        return problems
    interface = list(v.get("endpoints_interface_services") or [])
    gateway = list(v.get("endpoints_gateway_services") or [])
    if not v.get("endpoints_vpc_id") and not v.get("__check_mode"):
        problems.append(Problem("endpoints_vpc_id", v.get("endpoints_vpc_id"), "empty: run the network role first or set "
                                "endpoints_vpc_id"))
    elif v.get("endpoints_vpc_id") and not is_planned(v["endpoints_vpc_id"]) and not VPC_ID.match(v["endpoints_vpc_id"]):
        problems.append(Problem("endpoints_vpc_id", v["endpoints_vpc_id"], "not a VPC id (vpc-...)"))
    if interface and not v.get("endpoints_subnet_ids"):
        problems.append(Problem("endpoints_subnet_ids", v.get("endpoints_subnet_ids"),
                                "empty: give the private subnets for the interface endpoints"))
    if gateway and not v.get("endpoints_route_table_ids"):
        problems.append(Problem("endpoints_route_table_ids", v.get("endpoints_route_table_ids"),
                                "empty: give the private route tables for the gateway endpoints"))
    vpc_cidr = v.get("endpoints_vpc_cidr")
    if vpc_cidr and not is_planned(vpc_cidr) and cidr(vpc_cidr) is None:
        problems.append(Problem("endpoints_vpc_cidr", vpc_cidr, "not an IPv4 CIDR such as 10.0.0.0/16"))
    for variable, services in (("endpoints_interface_services", interface), ("endpoints_gateway_services", gateway)):
        for service in services:
            if not isinstance(service, str) or not re.match(r"^[a-z0-9][a-z0-9.-]*$", service):
                problems.append(Problem(variable, service, "give short endpoint service names such as ecr.api or s3"))
    if v.get("endpoints_nat_mode") == "none":
        missing = [s for s in v.get("endpoints_required_without_nat") or [] if s not in interface + gateway]
        if missing:
            problems.append(Problem("endpoints_nat_mode", "none",
                                    "endpoints_nat_mode is none (no NAT gateway): the ECS agent and tasks would miss the "
                                    "endpoints %s; add them to endpoints_interface_services (s3 to "
                                    "endpoints_gateway_services) or use a NAT gateway" % ", ".join(missing)))
    check_name(problems, v, "endpoints_security_group_name", "security group name", SG_NAME,
               "1-255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*", 255)
    in_range(problems, "endpoints_wait_timeout", v.get("endpoints_wait_timeout", 600), 1, 86400, "seconds: 1 or more")
    return problems


# --------------------------------------------------------------------------------------------------
# database
# --------------------------------------------------------------------------------------------------
def _minutes(hh, mm):
    return int(hh) * 60 + int(mm)


def database_rules(v):
    problems = []
    state = v.get("database_state", "present")
    if state != "present":
        return problems
    mode = v.get("database_mode")
    if mode not in ("standard", "ha"):
        problems.append(Problem("database_mode", mode, "use standard (one writer) or ha (a writer and a reader in "
                                "another AZ)"))
    version = v.get("database_engine_version")
    if not isinstance(version, str) or not re.match(r"^8\.0\.mysql_aurora\.3\.\d+\.\d+$", version):
        problems.append(Problem("database_engine_version", version, "not an Aurora MySQL 3.x version; set "
                                "8.0.mysql_aurora.3.<minor>.<patch>, e.g. 8.0.mysql_aurora.3.08.2"))
    in_range(problems, "database_backup_retention_days", v.get("database_backup_retention_days"), 7, 35,
             "Aurora keeps automated backups 1 to 35 days and the security baseline needs at least 7: set 7 to 35")
    subnets = list(v.get("database_subnet_ids") or [])
    if len(set(subnets)) < 2:
        problems.append(Problem("database_subnet_ids", subnets, "a DB subnet group needs private subnets in at least two "
                                "AZs; set it, or run the network role first (cloudops_network.private_subnet_ids)"))
    azs = list(v.get("database_availability_zones") or [])
    if mode == "ha" and (len(set(azs)) < 2 or len(set(subnets)) < 2):
        problems.append(Problem("database_mode", mode, "ha needs at least 2 AZs and 2 subnets, got %d AZ(s) in "
                                "database_availability_zones and %d subnet(s); add an AZ or use database_mode standard"
                                % (len(set(azs)), len(set(subnets)))))
    vpc_id = v.get("database_vpc_id")
    if not is_planned(vpc_id) and not (isinstance(vpc_id, str) and VPC_ID.match(vpc_id)):
        problems.append(Problem("database_vpc_id", vpc_id, "not a VPC id; set it or run the network role first "
                                "(cloudops_network.vpc_id)"))
    client = v.get("database_client_security_group_id")
    if not is_planned(client) and not (isinstance(client, str) and SG_ID.match(client)):
        problems.append(Problem("database_client_security_group_id", client, "not a security group id; set it to the ECS "
                                "instances' group (cloudops_network.security_groups.ecs_instances)"))
    klass = v.get("database_instance_class")
    if not isinstance(klass, str) or not re.match(r"^db\.[a-z0-9]+\.[a-z0-9]+$", klass):
        problems.append(Problem("database_instance_class", klass, "not a DB instance class; use e.g. db.r6g.large or "
                                "db.t4g.medium"))
    exports = list(v.get("database_log_exports") or [])
    unknown = [x for x in exports if x not in DB_LOG_TYPES]
    if unknown:
        problems.append(Problem("database_log_exports", unknown, "unknown log types; use %s" % ", ".join(DB_LOG_TYPES)))
    check_name(problems, v, "database_kms_key_alias", "KMS alias", KMS_ALIAS, "alias/<letters, digits, / _ ->")
    if str(v.get("database_kms_key_alias", "")).startswith("alias/aws/"):
        problems.append(name_problem(v, "database_kms_key_alias", "KMS alias", "not under the reserved alias/aws/ prefix"))
    check_name(problems, v, "database_cluster_identifier", "DB cluster identifier", DB_IDENTIFIER,
               "1-63 letters, digits and hyphens, starting with a letter, no two hyphens in a row, not ending with a "
               "hyphen (the instances add -1, -2)", 61)
    user = v.get("database_master_username")
    if not isinstance(user, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,31}$", user):
        problems.append(Problem("database_master_username", user, "1-32 letters, digits or underscores, starting with a "
                                "letter (e.g. cloudops_admin)"))
    elif user.lower() in RESERVED_DB_USERS:
        problems.append(Problem("database_master_username", user, "reserved by MySQL or RDS; pick another name such as "
                                "cloudops_admin or app_admin"))
    name = v.get("database_name")
    if name and (not isinstance(name, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,63}$", name)):
        problems.append(Problem("database_name", name, "1-64 letters, digits or underscores starting with a letter, or "
                                "empty for no initial database"))
    in_range(problems, "database_port", v.get("database_port"), 1150, 65535,
             "Aurora MySQL listens on a port between 1150 and 65535 (default 3306)")
    backup = v.get("database_backup_window") or ""
    match = BACKUP_WINDOW.match(backup) if backup else None
    if backup and (not match or (_minutes(*match.group(3, 4)) - _minutes(*match.group(1, 2))) % 1440 < 30):
        problems.append(Problem("database_backup_window", backup, "use hh24:mi-hh24:mi in UTC, at least 30 minutes "
                                "(e.g. 03:00-04:00), or empty to let AWS pick"))
    maintenance = v.get("database_maintenance_window") or ""
    match = MAINTENANCE_WINDOW.match(maintenance) if maintenance else None
    if maintenance:
        ok = False
        if match:
            start = DAYS.index(match.group(1).lower()) * 1440 + _minutes(*match.group(2, 3))
            end = DAYS.index(match.group(4).lower()) * 1440 + _minutes(*match.group(5, 6))
            ok = (end - start) % (7 * 1440) >= 30
        if not ok:
            problems.append(Problem("database_maintenance_window", maintenance, "use ddd:hh24:mi-ddd:hh24:mi in UTC, at "
                                    "least 30 minutes (e.g. sun:05:00-sun:06:00), or empty to let AWS pick"))
    for index, parameter in enumerate(v.get("database_cluster_parameters") or []):
        method = (parameter or {}).get("apply_method", "pending-reboot") if isinstance(parameter, dict) else None
        if not isinstance(parameter, dict) or not parameter.get("parameter_name") or method not in ("immediate", "pending-reboot"):
            problems.append(Problem("database_cluster_parameters[%d]" % index, parameter, "give parameter_name, "
                                    "parameter_value and apply_method immediate or pending-reboot"))
    in_range(problems, "database_wait_timeout", v.get("database_wait_timeout", 3600), 1, 86400, "seconds: 1 or more")
    check_derived(problems, v, "DB subnet group name", "%s-database", re.compile(r"^[A-Za-z0-9 ._-]{1,255}$"),
                  "letters, digits, spaces, . _ -")
    return problems


# --------------------------------------------------------------------------------------------------
# load_balancer
# --------------------------------------------------------------------------------------------------
def load_balancer_rules(v):
    problems = []
    state = v.get("load_balancer_state", "present")
    check_name(problems, v, "load_balancer_name", "load balancer name", ELB_NAME,
               "1-32 letters, digits or hyphens, not starting or ending with a hyphen")
    if str(v.get("load_balancer_name", "")).startswith("internal-"):
        problems.append(name_problem(v, "load_balancer_name", "load balancer name", "not starting with internal-"))
    if state != "present":
        return problems
    scheme = v.get("load_balancer_scheme")
    if scheme not in ("internet-facing", "internal"):
        problems.append(Problem("load_balancer_scheme", scheme, "use internet-facing (public subnets, reachable from the "
                                "internet) or internal (private subnets)"))
    subnets = list(v.get("load_balancer_subnet_ids") or [])
    if len(set(subnets)) < 2:
        problems.append(Problem("load_balancer_subnet_ids", subnets, "an ALB needs subnets in at least two AZs (%s "
                                "subnets of cloudops_network for a %s ALB)"
                                % ("public" if scheme == "internet-facing" else "private", scheme)))
    for variable in ("load_balancer_security_group_id", "load_balancer_instance_security_group_id"):
        value = v.get(variable)
        if not is_planned(value) and not (isinstance(value, str) and SG_ID.match(value)):
            problems.append(Problem(variable, value, "not a security group id (cloudops_network.security_groups.alb and "
                                    ".ecs_instances from the network role)"))
    cidrs = v.get("load_balancer_allowed_cidrs") or []
    bad = [c for c in cidrs if not is_planned(c) and cidr(c) is None]
    if not cidrs or bad:
        problems.append(Problem("load_balancer_allowed_cidrs", cidrs, "give a non-empty list of IPv4 CIDRs such as "
                                "10.0.0.0/16 (no host bits set)"))
    for port in v.get("load_balancer_target_ports") or []:
        in_range(problems, "load_balancer_target_ports", port, 1, 65535, "container ports are 1-65535")
    test_port = as_int(v.get("load_balancer_test_listener_port", 0))
    if test_port is None or not (test_port == 0 or 1 <= test_port <= 65535) or test_port in (80, 443):
        problems.append(Problem("load_balancer_test_listener_port", v.get("load_balancer_test_listener_port"),
                                "a free port 1-65535 other than 80 and 443 for blue/green test traffic, or 0 for none"))
    test_cidrs = v.get("load_balancer_test_listener_cidrs") or []
    if test_port and (not test_cidrs or [c for c in test_cidrs if not is_planned(c) and cidr(c) is None]):
        problems.append(Problem("load_balancer_test_listener_cidrs", test_cidrs, "give a non-empty list of IPv4 CIDRs "
                                "allowed on the test listener (default the VPC CIDR)"))
    port_range = v.get("load_balancer_dynamic_port_range") or {}
    low = as_int(port_range.get("from")) if isinstance(port_range, dict) else None
    high = as_int(port_range.get("to")) if isinstance(port_range, dict) else None
    if v.get("load_balancer_bridge_ports", True) and (low is None or high is None or not 1 <= low <= high <= 65535):
        problems.append(Problem("load_balancer_dynamic_port_range", port_range, "give {from, to} with 1 <= from <= to <= "
                                "65535 (ECS bridge mode uses 32768-65535)"))
    certificate = v.get("load_balancer_certificate_arn") or ""
    arn_problem(problems, "load_balancer_certificate_arn", certificate, "acm", "an ACM certificate",
                v.get("cloudops_aws_region"))
    if certificate and v.get("load_balancer_demo_certificate"):
        problems.append(Problem("load_balancer_demo_certificate", True, "set either load_balancer_certificate_arn or "
                                "load_balancer_demo_certificate: true, not both"))
    if v.get("load_balancer_demo_certificate"):
        domain = v.get("load_balancer_demo_domain") or ""
        if len(domain) > 64 or not re.match(r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$", domain):
            problems.append(name_problem(v, "load_balancer_demo_domain", "certificate domain", "a DNS name of at most 64 "
                                         "characters (the certificate's common name)"))
    policy = v.get("load_balancer_ssl_policy") or ""
    if not policy.startswith("ELBSecurityPolicy-"):
        problems.append(Problem("load_balancer_ssl_policy", policy, "use an ELB TLS policy such as "
                                "ELBSecurityPolicy-TLS13-1-2-2021-06"))
    in_range(problems, "load_balancer_idle_timeout", v.get("load_balancer_idle_timeout"), 1, 4000,
             "seconds between 1 and 4000 (default 60)")
    bucket = v.get("load_balancer_access_logs_bucket") or ""
    if bucket and not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
        problems.append(Problem("load_balancer_access_logs_bucket", bucket, "an S3 bucket name (3-63 lowercase letters, "
                                "digits, dots, hyphens), or empty for no access logs"))
    in_range(problems, "load_balancer_wait_timeout", v.get("load_balancer_wait_timeout", 900), 1, 86400, "seconds: 1 or more")
    problems.extend(load_balancer_domain_rules(v, certificate))
    return problems


def dns_name_problem(variable, value, what="a DNS name"):
    if not isinstance(value, str) or len(value.rstrip(".")) > 253 or not DNS_NAME.match(value):
        return Problem(variable, value, "must be %s such as app.example.com (labels of letters, digits and hyphens, "
                                        "at most 253 characters; a wildcard only as the first label, *.example.com)" % what)
    return None


def load_balancer_domain_rules(v, certificate):
    """The operator's domain: its names, the certificate that covers them, and HTTPS in prod."""
    problems = []
    domain = v.get("load_balancer_domain") or ""
    names = list(v.get("load_balancer_alternative_names") or [])
    if domain:
        problem = dns_name_problem("load_balancer_domain", domain, "a DNS name without wildcard")
        if problem is None and domain.startswith("*."):
            problem = Problem("load_balancer_domain", domain, "the name the application is served under cannot be a "
                              "wildcard: give it one name (app.example.com) and put *.example.com in "
                              "load_balancer_alternative_names")
        if problem:
            problems.append(problem)
        for name in names:
            problem = dns_name_problem("load_balancer_alternative_names", name)
            if problem:
                problems.append(problem)
        if v.get("load_balancer_demo_certificate"):
            problems.append(Problem("load_balancer_demo_certificate", True, "the demo certificate is self-signed and only "
                                    "for stacks without a domain: set load_balancer_demo_certificate: false (a certificate "
                                    "for load_balancer_domain is requested and validated through DNS)"))
        zone = v.get("load_balancer_domain_zone") or ""
        if zone:
            problem = dns_name_problem("load_balancer_domain_zone", zone, "the public hosted zone's name")
            if problem:
                problems.append(problem)
            elif not certificate and not all(n.lower().rstrip(".") == zone.lower().rstrip(".") or
                                             n.lower().rstrip(".").endswith("." + zone.lower().rstrip("."))
                                             for n in [domain] + names if isinstance(n, str)):
                problems.append(Problem("load_balancer_domain_zone", zone, "the validation records of every name go to "
                                        "this zone, so every name (%s) must be in it: name the zone that holds them"
                                        % ", ".join([domain] + names)))
    elif names:
        problems.append(Problem("load_balancer_alternative_names", names, "alternative names need load_balancer_domain "
                                "(the name the certificate is for): set it, or leave the list empty"))
    https = bool(certificate or domain or v.get("load_balancer_demo_certificate"))
    if (v.get("cloudops_environment") == "prod" and not https and not v.get("load_balancer_allow_plain_http")):
        problems.append(Problem("load_balancer_domain", domain, "prod serves HTTPS: set load_balancer_domain (a "
                                "certificate is requested and validated through DNS) or load_balancer_certificate_arn, or "
                                "allow plain HTTP explicitly with load_balancer_allow_plain_http: true"))
    return problems


def domain_zone(v):
    """The public zone of the load balancer's domain: load_balancer_domain_zone, else the domain's parent."""
    zone = v.get("load_balancer_domain_zone") or ""
    domain = v.get("load_balancer_domain") or ""
    if zone or not domain:
        return zone
    return domain.split(".", 1)[1] if domain.count(".") >= 2 else domain


# --------------------------------------------------------------------------------------------------
# dns
# --------------------------------------------------------------------------------------------------
def dns_rules(v):
    problems = []
    if v.get("dns_state", "present") != "present":
        return problems
    if v.get("dns_private_zone", True):
        name = v.get("dns_private_zone_name")
        if not is_planned(name):
            problem = dns_name_problem("dns_private_zone_name", name, "a DNS name without wildcard")
            if problem is None and str(name).startswith("*."):
                problem = Problem("dns_private_zone_name", name, "a zone name has no wildcard: use e.g. demo.internal")
            if problem:
                problems.append(name_problem(v, "dns_private_zone_name", "private zone name", "a DNS name such as "
                                             "demo.internal") if "dns_private_zone_name" in v.get("__derived", ()) else problem)
        vpc = v.get("dns_vpc_id")
        if not is_planned(vpc) and not (isinstance(vpc, str) and VPC_ID.match(vpc)):
            problems.append(Problem("dns_vpc_id", vpc, "a private zone needs the VPC's id (cloudops_network.vpc_id from the "
                                    "network role), or set dns_private_zone: false"))
        for variable in ("dns_database_writer_name", "dns_database_reader_name", "dns_load_balancer_name"):
            value = v.get(variable)
            if value and not (isinstance(value, str) and DNS_LABEL.match(value)):
                problems.append(Problem(variable, value, "one DNS label (letters, digits, hyphens), or empty for no record"))
    zone = v.get("dns_public_zone") or ""
    if zone:
        problem = dns_name_problem("dns_public_zone", zone, "the name of an existing public hosted zone")
        if problem:
            problems.append(problem)
        for name in v.get("dns_public_names") or []:
            problem = dns_name_problem("dns_public_names", name)
            if problem is None and (str(name).startswith("*.") or not (
                    name.lower().rstrip(".") == zone.lower().rstrip(".")
                    or name.lower().rstrip(".").endswith("." + zone.lower().rstrip(".")))):
                problem = Problem("dns_public_names", name, "every name of the public alias records must be in the zone %s "
                                  "(and not a wildcard)" % zone)
            if problem:
                problems.append(problem)
    elif v.get("dns_public_names"):
        problems.append(Problem("dns_public_names", v.get("dns_public_names"), "names in a public zone need dns_public_zone "
                                "(the operator's existing public hosted zone): set it, or leave the list empty"))
    in_range(problems, "dns_wait_timeout", v.get("dns_wait_timeout", 600), 1, 86400, "seconds: 1 or more")
    return problems


# --------------------------------------------------------------------------------------------------
# ecs_cluster (entry points main and capacity_providers)
# --------------------------------------------------------------------------------------------------
def ecs_cluster_rules(v):
    problems = []
    check_name(problems, v, "ecs_cluster_name", "ECS cluster name", ECS_NAME, "1-255 letters, digits, - or _")
    if v.get("ecs_cluster_state", "present") != "present":
        return problems
    if v.get("ecs_cluster_container_insights") not in ("enabled", "enhanced", "disabled"):
        problems.append(Problem("ecs_cluster_container_insights", v.get("ecs_cluster_container_insights"),
                                "use enabled, enhanced or disabled"))
    if v.get("ecs_cluster_exec_logging", True):
        if as_int(v.get("ecs_cluster_exec_log_retention_days")) not in LOG_RETENTION_DAYS:
            problems.append(Problem("ecs_cluster_exec_log_retention_days", v.get("ecs_cluster_exec_log_retention_days"),
                                    retention_fix()))
        check_name(problems, v, "ecs_cluster_exec_log_group_name", "log group name", LOG_GROUP,
                   "1-512 letters, digits, and . - _ / #")
        if not v.get("ecs_cluster_kms_key_arn"):
            check_derived(problems, v, "KMS alias", "alias/%s-ecs-exec", KMS_ALIAS, "letters, digits, / _ - after alias/")
    arn_problem(problems, "ecs_cluster_kms_key_arn", v.get("ecs_cluster_kms_key_arn"), "kms", "a KMS key",
                v.get("cloudops_aws_region"))
    return problems


def capacity_provider_rules(v):
    problems = []
    groups = []
    for group in v.get("ecs_cluster_instance_groups") or []:
        merged = {"managed_scaling": True, "target_capacity": v.get("ecs_cluster_target_capacity", 100),
                  "managed_termination_protection": v.get("ecs_cluster_managed_termination_protection", True),
                  "managed_draining": v.get("ecs_cluster_managed_draining", True), "weight": 1, "base": 0}
        merged.update(group or {})
        groups.append(merged)
    if not groups:
        problems.append(Problem("ecs_cluster_instance_groups", [], "empty: run the ecs_instances role first "
                                "(cloudops_instances.groups)"))
    if len([g for g in groups if as_int(g.get("base"), 0) > 0]) > 1:
        problems.append(Problem("ecs_cluster_instance_groups", [g.get("name") for g in groups if as_int(g.get("base"), 0) > 0],
                                "only one group may have a base greater than 0 (the default capacity-provider strategy "
                                "allows one base)"))
    if groups and not [g for g in groups if as_int(g.get("weight"), 0) > 0]:
        problems.append(Problem("ecs_cluster_instance_groups", [g.get("name") for g in groups],
                                "at least one group needs a weight greater than 0"))
    for g in groups:
        at = "ecs_cluster_instance_groups[%s]" % g.get("name", "?")
        if not g.get("capacity_provider") or not (g.get("auto_scaling_group_arn") or v.get("__check_mode")):
            problems.append(Problem(at, g.get("name"), "needs auto_scaling_group_arn and capacity_provider (from "
                                    "cloudops_instances.groups)"))
        elif re.match(r"(?i)(aws|ecs|fargate)", str(g["capacity_provider"])):
            problems.append(Problem(at + ".capacity_provider", g["capacity_provider"], "may not start with aws, ecs or fargate"))
        in_range(problems, at + ".target_capacity", g.get("target_capacity"), 1, 100,
                 "percent of the group kept in use by tasks: 1-100 (ecs_cluster_target_capacity)")
        in_range(problems, at + ".weight", g.get("weight"), 0, 1000, "a capacity-provider weight is 0-1000")
        in_range(problems, at + ".base", g.get("base"), 0, 100000, "a capacity-provider base is 0-100000")
        if g.get("managed_termination_protection") and not g.get("managed_scaling"):
            problems.append(Problem(at + ".managed_termination_protection", True, "needs managed_scaling"))
    low = in_range(problems, "ecs_cluster_minimum_scaling_step_size", v.get("ecs_cluster_minimum_scaling_step_size", 1),
                   1, 10000, "instances per scaling step: 1-10000")
    high = in_range(problems, "ecs_cluster_maximum_scaling_step_size", v.get("ecs_cluster_maximum_scaling_step_size", 10),
                    1, 10000, "instances per scaling step: 1-10000")
    if low is not None and high is not None and low > high:
        problems.append(Problem("ecs_cluster_minimum_scaling_step_size", low, "greater than "
                                "ecs_cluster_maximum_scaling_step_size (%d); lower it or raise the maximum" % high))
    in_range(problems, "ecs_cluster_instance_warmup_period", v.get("ecs_cluster_instance_warmup_period", 300), 0, 10000,
             "seconds: 0-10000")
    return problems


# --------------------------------------------------------------------------------------------------
# ecs_instances
# --------------------------------------------------------------------------------------------------
def instance_groups(groups, defaults, stack, ami_id=""):
    """ecs_instances_groups with ecs_instances_group_defaults applied and the derived fields the role uses:
    instance_types, instance_type, arch (from the type names), mixed_arch, resource_name, capacity_provider, ami_id."""
    out = []
    for group in groups or []:
        merged = dict(defaults or {})
        merged.update(group or {})
        if merged.get("instance_types") is not None:
            types = list(merged.get("instance_types") or [])
        else:
            types = [merged["instance_type"]] if merged.get("instance_type") else []
        arm = [t for t in types if isinstance(t, str) and GRAVITON_TYPE.match(t)]
        resource_name = "%s-%s" % (stack, merged.get("name"))
        merged.update({
            "instance_types": types,
            "instance_types_given": bool(merged.get("instance_types")),
            "instance_type": types[0] if types else "",
            "arch": "arm64" if arm else "x86_64",
            "mixed_arch": bool(arm) and len(arm) != len(types),
            "resource_name": resource_name,
            "capacity_provider": ("cp-" + resource_name) if re.match(r"(?i)(aws|ecs|fargate)", resource_name) else resource_name,
            "ami_id": merged.get("ami_id") or ami_id or "",
        })
        out.append(merged)
    return out


def ecs_instances_rules(v):
    problems = []
    present = v.get("ecs_instances_state", "present") == "present"
    groups = instance_groups(v.get("ecs_instances_groups"), v.get("ecs_instances_group_defaults"), stack_name(v),
                             v.get("ecs_instances_ami_id"))
    if not groups:
        problems.append(Problem("ecs_instances_groups", v.get("ecs_instances_groups"), "empty: define at least one "
                                "instance group"))
    names = [g.get("name") for g in groups]
    if len(names) != len(set(str(n) for n in names)):
        problems.append(Problem("ecs_instances_groups", names, "group names must be unique"))
    check_name(problems, v, "ecs_instances_role_name", "IAM role name", IAM_NAME, "1-64 letters, digits and +=,.@_-")
    if present and v.get("ecs_instances_system_logs", True):
        if as_int(v.get("ecs_instances_system_logs_retention_days", 30)) not in LOG_RETENTION_DAYS:
            problems.append(Problem("ecs_instances_system_logs_retention_days",
                                    v.get("ecs_instances_system_logs_retention_days"), retention_fix()))
        check_name(problems, v, "ecs_instances_system_logs_prefix", "log group name prefix", LOG_GROUP,
                   "1-500 letters, digits, and . - _ / #", max_length=500)
        arn_problem(problems, "ecs_instances_system_logs_kms_key_arn", v.get("ecs_instances_system_logs_kms_key_arn"),
                    "kms", "a KMS key", v.get("cloudops_aws_region"))
        if not v.get("ecs_instances_system_logs_kms_key_arn"):
            check_name(problems, v, "ecs_instances_system_logs_key_alias", "KMS alias", KMS_ALIAS,
                       "letters, digits, / _ - after alias/")
    if not present:
        return problems
    if not v.get("ecs_instances_subnet_ids"):
        problems.append(Problem("ecs_instances_subnet_ids", v.get("ecs_instances_subnet_ids"), "empty: pass the private "
                                "subnet ids (cloudops_network.private_subnet_ids)"))
    if not v.get("ecs_instances_security_group_id"):
        problems.append(Problem("ecs_instances_security_group_id", v.get("ecs_instances_security_group_id"), "empty: pass "
                                "cloudops_network.security_groups.ecs_instances"))
    if not v.get("ecs_instances_cluster_name"):
        problems.append(Problem("ecs_instances_cluster_name", v.get("ecs_instances_cluster_name"), "empty: run the "
                                "ecs_cluster role first or set it"))
    if as_int(v.get("ecs_instances_imds_hop_limit")) not in (1, 2):
        problems.append(Problem("ecs_instances_imds_hop_limit", v.get("ecs_instances_imds_hop_limit"), "use 1 (default, "
                                "containers cannot reach IMDS) or 2 (bridge-mode tasks use instance credentials)"))
    if v.get("ecs_instances_efs_enabled") and not v.get("ecs_instances_vpc_id"):
        problems.append(Problem("ecs_instances_vpc_id", v.get("ecs_instances_vpc_id"), "empty: EFS needs the VPC id for "
                                "its security group (cloudops_network.vpc_id)"))
    for key in sorted(v.get("ecs_instances_ecs_config") or {}):
        if not re.match(r"^ECS_[A-Z0-9_]+$", str(key)):
            problems.append(Problem("ecs_instances_ecs_config", key, "not an ECS agent setting (ECS_*)"))
    in_range(problems, "ecs_instances_root_volume_size", v.get("ecs_instances_root_volume_size", 30), 30, 16384,
             "GiB of the gp3 root volume: at least 30 (the ECS-optimized AMI's snapshot), at most 16384")
    in_range(problems, "ecs_instances_health_check_grace_period", v.get("ecs_instances_health_check_grace_period", 120),
             0, 7200, "seconds: 0-7200")
    if not re.match(r"^\d+(ms|s|m|h)$", str(v.get("ecs_instances_container_stop_timeout", "30s"))):
        problems.append(Problem("ecs_instances_container_stop_timeout", v.get("ecs_instances_container_stop_timeout"),
                                "a duration such as 30s or 2m"))
    region = v.get("cloudops_aws_region")
    arn_problem(problems, "ecs_instances_registry_auth_secret_arn", v.get("ecs_instances_registry_auth_secret_arn"),
                "secretsmanager", "a Secrets Manager secret", region)
    arn_problem(problems, "ecs_instances_registry_auth_kms_key_arn", v.get("ecs_instances_registry_auth_kms_key_arn"),
                "kms", "a KMS key", region)
    for g in groups:
        at = "ecs_instances_groups[%s]" % g.get("name")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9-]*$", str(g.get("name"))):
            problems.append(Problem(at + ".name", g.get("name"), "may use letters, digits and dashes only"))
        if g.get("spot") and not g["instance_types_given"]:
            problems.append(Problem(at + ".instance_types", g.get("instance_types"), "a spot group needs several instance "
                                    "types (e.g. [m6i.large, m5.large, m6a.large])"))
        elif not g["instance_types"]:
            problems.append(Problem(at + ".instance_type", "", "set instance_type (or instance_types for a spot group)"))
        for instance_type in g["instance_types"]:
            if not isinstance(instance_type, str) or not INSTANCE_TYPE.match(instance_type):
                problems.append(Problem(at + ".instance_type", instance_type, "not an EC2 instance type name (e.g. m6i.large)"))
        if g["mixed_arch"]:
            problems.append(Problem(at + ".instance_types", g["instance_types"], "mixes Graviton (arm64) and x86_64 types: "
                                    "one AMI cannot serve both, split the group"))
        low, high, desired = (as_int(g.get(k)) for k in ("min_size", "max_size", "desired_capacity"))
        if None in (low, high, desired) or low < 0:
            problems.append(Problem(at, {k: g.get(k) for k in ("min_size", "max_size", "desired_capacity")},
                                    "min_size, max_size and desired_capacity must be whole numbers, 0 or more"))
        elif low > high:
            problems.append(Problem(at + ".min_size", low, "greater than max_size (%d): lower min_size or raise max_size"
                                    % high))
        elif not low <= desired <= high:
            problems.append(Problem(at + ".desired_capacity", desired, "outside min_size..max_size (%d..%d): set it "
                                    "between them" % (low, high)))
        in_range(problems, at + ".target_capacity", g.get("target_capacity"), 1, 100,
                 "percent of the group kept in use by tasks: 1-100")
        in_range(problems, at + ".weight", g.get("weight"), 0, 1000, "a capacity-provider weight is 0-1000")
        in_range(problems, at + ".base", g.get("base"), 0, 100000, "a capacity-provider base is 0-100000")
        in_range(problems, at + ".on_demand_percentage_above_base_capacity",
                 g.get("on_demand_percentage_above_base_capacity"), 0, 100, "percent: 0-100")
        in_range(problems, at + ".on_demand_base_capacity", g.get("on_demand_base_capacity", 0), 0, 100000, "0 or more")
        if g.get("spot") and g.get("spot_allocation_strategy") not in (
                "price-capacity-optimized", "capacity-optimized", "capacity-optimized-prioritized", "lowest-price"):
            problems.append(Problem(at + ".spot_allocation_strategy", g.get("spot_allocation_strategy"),
                                    "use price-capacity-optimized, capacity-optimized, capacity-optimized-prioritized or "
                                    "lowest-price"))
        if "root_volume_size" in g:
            in_range(problems, at + ".root_volume_size", g["root_volume_size"], 30, 16384, "GiB: 30-16384")
        if g.get("ami_id") and not re.match(r"^ami-[0-9a-f]{8}([0-9a-f]{9})?$", str(g["ami_id"])):
            problems.append(Problem(at + ".ami_id", g["ami_id"], "not an AMI id (ami-...); fix it or remove it to use the "
                                    "ECS-optimized AMI"))
        if not re.match(r"^[A-Za-z0-9()./_-]{3,128}$", g["resource_name"]):
            problems.append(Problem(at + ".name", g.get("name"), "gives the launch template and Auto Scaling group name %s: "
                                    "3-128 letters, digits and ()./_- (change the group name or cloudops_stack_name)"
                                    % g["resource_name"]))
    return problems


# --------------------------------------------------------------------------------------------------
# services
# --------------------------------------------------------------------------------------------------
def services_rules(v):
    """The services role's own rules (module_utils/service_spec.py, with the role's __services_settings), then the
    role-wide inputs."""
    problems = []
    settings = dict(v.get("__services_settings") or {})
    settings.setdefault("state", v.get("services_state", "present"))
    for message in service_input_errors(v.get("services_list"), settings):
        problems.append(Problem.from_message(message))
    if settings["state"] != "present":
        return problems
    if as_int(v.get("services_log_retention_days")) not in LOG_RETENTION_DAYS:
        problems.append(Problem("services_log_retention_days", v.get("services_log_retention_days"), retention_fix()))
    arn_problem(problems, "services_log_kms_key_arn", v.get("services_log_kms_key_arn"), "kms", "a KMS key",
                v.get("cloudops_aws_region"))
    arn_problem(problems, "services_exec_kms_key_arn", v.get("services_exec_kms_key_arn"), "kms", "a KMS key",
                v.get("cloudops_aws_region"))
    # The cluster's ECS Exec log group: in a run with the ecs_cluster role it is that role's input, checked (and
    # reported once, against cloudops_stack_name when derived from it) by ecs_cluster_rules.
    if not ("ecs_cluster_exec_log_group_name" in v
            and v.get("services_exec_log_group_name") == v.get("ecs_cluster_exec_log_group_name")):
        check_name(problems, v, "services_exec_log_group_name", "log group name", LOG_GROUP,
                   "1-512 letters, digits and . - _ / # (the cluster's ECS Exec log group)")
    for message in ecr_input_errors(v.get("services_ecr_repositories"), dict(settings, stack_name=stack_name(v))):
        problems.append(Problem.from_message(message))
    arn_problem(problems, "services_ecr_kms_key_arn", v.get("services_ecr_kms_key_arn"), "kms", "a KMS key",
                v.get("cloudops_aws_region"))
    in_range(problems, "services_default_deregistration_delay", v.get("services_default_deregistration_delay", 30), 0, 3600,
             "seconds: 0-3600")
    in_range(problems, "services_default_health_check_grace_period",
             v.get("services_default_health_check_grace_period", 30), 0, 2147483647, "seconds: 0 or more")
    in_range(problems, "services_wait_timeout", v.get("services_wait_timeout", 600), 1, 86400, "seconds: 1 or more")
    in_range(problems, "services_keep_revisions", v.get("services_keep_revisions", 5), 1, 1000, "revisions: 1 or more")
    in_range(problems, "services_default_bake_time", v.get("services_default_bake_time", 5), 0, 1440, "whole minutes: 0-1440")
    email = v.get("services_alert_email") or ""
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        problems.append(Problem("services_alert_email", email, "an e-mail address, or empty for no subscription"))
    for index, svc in enumerate(v.get("services_list") or []):
        if not isinstance(svc, dict) or not svc.get("name"):
            continue
        at = "services_list[%d]" % index
        if svc.get("container_port") is not None:
            in_range(problems, at + ".container_port", svc["container_port"], 1, 65535,
                     "not a port: use the port the container listens on, 1-65535")
        if svc.get("deregistration_delay") is not None:
            in_range(problems, at + ".deregistration_delay", svc["deregistration_delay"], 0, 3600, "seconds: 0-3600")
        log_group = "/%s/services/%s" % (stack_name(v), svc["name"])
        if not LOG_GROUP.match(log_group):
            problems.append(Problem(at + ".name", svc["name"], "gives the log group %s, which is invalid: letters, digits "
                                    "and . - _ / # only (change the service name or cloudops_stack_name)" % log_group))
    return problems


# --------------------------------------------------------------------------------------------------
# day 2: instance_roll, teardown, verify (playbook inputs given with -e)
# --------------------------------------------------------------------------------------------------
def instance_roll_rules(v):
    problems = []
    if not v.get("instance_roll_stack_name"):
        problems.append(Problem("instance_roll_stack_name", v.get("instance_roll_stack_name"),
                                "empty: set cloudops_stack_name (the stack whose groups are rolled)"))
    in_range(problems, "instance_roll_batch_size", v.get("instance_roll_batch_size", 1), 1, 100,
             "instances replaced at once per group (-e roll_batch_size): 1 to 100")
    for suffix in ("boot_timeout", "drain_timeout", "health_timeout"):
        in_range(problems, "instance_roll_" + suffix, v.get("instance_roll_" + suffix, 1), 1, 86400,
                 "seconds (-e roll_%s): 1 or more" % suffix)
    return problems


def teardown_rules(v):
    problems = []
    in_range(problems, "teardown_kms_pending_days", v.get("teardown_kms_pending_days", 7), 7, 30,
             "KMS schedules key deletion 7 to 30 days ahead: use 7-30")
    in_range(problems, "teardown_wait_timeout", v.get("teardown_wait_timeout", 1800), 1, 86400, "seconds: 1 or more")
    if v.get("teardown_confirm") and v.get("cloudops_environment") == "prod" and not v.get("teardown_allow_prod"):
        problems.append(Problem("teardown_allow_prod", v.get("teardown_allow_prod", False),
                                "deleting the prod environment needs -e teardown_allow_prod=true as well as "
                                "-e teardown_confirm=true"))
    return problems


def alarms_rules(v):
    problems = []
    if v.get("alarms_state", "present") != "present":
        return problems
    prefix = v.get("alarms_name_prefix")
    if not prefix or len(prefix) > 160 or any(ord(c) < 32 or ord(c) > 126 for c in prefix):
        problems.append(Problem("alarms_name_prefix", prefix, "printable ASCII, 1 to 160 characters (alarm names are "
                                "at most 255), such as <stack>-alarm-"))
    for suffix in ("evaluation_minutes", "capacity_reservation_minutes"):
        in_range(problems, "alarms_" + suffix, v.get("alarms_" + suffix, 5), 1, 1440,
                 "minutes (periods of 60 s): 1 to 1440")
    for suffix in ("alb_5xx_rate_percent", "service_cpu_percent", "service_memory_percent", "database_cpu_percent"):
        value = v.get("alarms_" + suffix, 0)
        if not isinstance(value, (int, float)) or not 0 <= value <= 100:
            problems.append(Problem("alarms_" + suffix, value, "a percentage: 0 to 100"))
    for suffix in ("target_response_time_seconds", "unhealthy_hosts", "capacity_reservation_percent",
                   "database_freeable_memory_mib", "database_replica_lag_ms", "nat_port_allocation_errors",
                   "nat_packets_dropped"):
        value = v.get("alarms_" + suffix, 0)
        if not isinstance(value, (int, float)) or value < 0:
            problems.append(Problem("alarms_" + suffix, value, "a threshold: 0 or more"))
    topic = v.get("alarms_topic_arn")
    if topic and not is_planned(topic):
        arn_problem(problems, "alarms_topic_arn", topic, "sns", "an SNS topic", v.get("cloudops_aws_region"))
    return problems


VERIFY_CHECKS = ("services", "targets", "instances", "capacity", "ami", "database", "network", "stopped_tasks", "alarms")


def verify_rules(v):
    problems = []
    checks = v.get("verify_checks")
    if checks is not None:
        unknown = [c for c in checks or [] if c not in VERIFY_CHECKS]
        if unknown or not checks:
            problems.append(Problem("verify_checks", checks, "name checks among %s" % ", ".join(VERIFY_CHECKS)))
    if v.get("verify_ami_max_age_days") is not None:
        in_range(problems, "verify_ami_max_age_days", v["verify_ami_max_age_days"], 1, 3650, "days: 1 or more")
    in_range(problems, "verify_wait_timeout", v.get("verify_wait_timeout", 600), 1, 86400, "seconds: 1 or more")
    return problems


DEPLOY_ACTIONS = ("deploy", "continue", "rollback")


def deploy_rules(v):
    problems = []
    services = [svc.get("name") for svc in v.get("services_list") or [] if isinstance(svc, dict)]
    name = v.get("deploy_service")
    if not name:
        problems.append(Problem("deploy_service", name, "name the service to deploy (-e deploy_service=<name>)%s"
                                % ("; one of %s" % ", ".join(services) if services else "")))
    elif services and name not in services:
        problems.append(Problem("deploy_service", name, "not a service of this stack; use one of %s" % ", ".join(services)))
    action = v.get("deploy_action", "deploy")
    if action not in DEPLOY_ACTIONS:
        problems.append(Problem("deploy_action", action, "use deploy, continue (a deployment paused at a pause hook) or "
                                                         "rollback"))
    if v.get("deploy_image") and v.get("deploy_task_definition"):
        problems.append(Problem("deploy_task_definition", v["deploy_task_definition"],
                                "give deploy_image or deploy_task_definition, not both"))
    if action != "deploy" and (v.get("deploy_image") or v.get("deploy_task_definition")):
        problems.append(Problem("deploy_action", action, "%s acts on the deployment in progress; drop deploy_image and "
                                                         "deploy_task_definition, or use deploy" % action))
    in_range(problems, "deploy_wait_timeout", v.get("deploy_wait_timeout", 1800), 1, 86400, "seconds: 1 or more")
    return problems


RULES = {
    "deploy": deploy_rules,
    "network": network_rules,
    "endpoints": endpoints_rules,
    "database": database_rules,
    "load_balancer": load_balancer_rules,
    "dns": dns_rules,
    "ecs_cluster": ecs_cluster_rules,
    "ecs_cluster:capacity_providers": capacity_provider_rules,
    "ecs_instances": ecs_instances_rules,
    "services": services_rules,
    "alarms": alarms_rules,
    "instance_roll": instance_roll_rules,
    "teardown": teardown_rules,
    "verify": verify_rules,
}


def rules_for(role, v):
    """Every problem of one role's inputs (identity excluded)."""
    return RULES[role](v)


# AWS keeps 5 addresses of every subnet; an ALB needs 8 free addresses in each of its subnets.
RESERVED_PER_SUBNET = 5
ALB_ADDRESSES = 8


def subnet_capacity_rules(roles, v):
    """The subnets the network role will create hold what the later roles put in them (the read-only AWS checks
    count free addresses of subnets that exist already)."""
    problems = []
    if "network" not in roles or v.get("network_state", "present") != "present":
        return problems
    azs = list(v.get("network_azs") or []) or [None] * (as_int(v.get("network_az_count"), 3) or 3)
    vpc = cidr(v.get("network_vpc_cidr")) if not v.get("network_vpc_id") else None
    plan = plan_network(str(vpc), ["AZ %d" % (i + 1) for i in range(len(azs))], nat_mode=v.get("network_nat_mode"),
                        public_cidrs=v.get("network_public_subnet_cidrs"),
                        private_cidrs=v.get("network_private_subnet_cidrs")) if vpc else None
    if not plan or plan["errors"]:
        return problems
    count = len(azs)
    needs_private = 0
    if "ecs_instances" in roles:
        groups = instance_groups(v.get("ecs_instances_groups"), v.get("ecs_instances_group_defaults"), stack_name(v))
        needs_private += -(-sum(as_int(g.get("max_size"), 0) or 0 for g in groups) // count)
    if "endpoints" in roles and v.get("endpoints_state", "present") == "present":
        needs_private += len(v.get("endpoints_interface_services") or [])
    if "database" in roles and v.get("database_state", "present") == "present":
        needs_private += 1
    if "services" in roles:
        for svc in v.get("services_list") or []:
            if isinstance(svc, dict) and svc.get("network_mode") == "awsvpc":
                needs_private += -(-awsvpc_task_peak(svc, v, instance_count(roles, v))[0] // count)
    if "load_balancer" in roles and v.get("load_balancer_scheme") == "internal":
        needs_private += ALB_ADDRESSES
    needs_public = (ALB_ADDRESSES if "load_balancer" in roles and v.get("load_balancer_scheme") != "internal" else 0) + (
        1 if v.get("network_nat_mode") in ("per_az", "single") else 0)
    for variable, cidrs, needed in (("network_private_subnet_cidrs", plan["private_cidrs"], needs_private),
                                    ("network_public_subnet_cidrs", plan["public_cidrs"], needs_public)):
        for subnet in cidrs:
            usable = ipaddress.IPv4Network(subnet).num_addresses - RESERVED_PER_SUBNET
            if usable < needed:
                problems.append(Problem(variable, subnet, "holds %d addresses but the stack needs about %d in each such "
                                        "subnet (instances, endpoints, database, load balancer, awsvpc tasks): use "
                                        "larger subnets (a larger network_vpc_cidr) or fewer of them"
                                        % (usable, needed)))
                break
    return problems


def instance_count(roles, v):
    """The most container instances the run's instance groups may have (ecs_instances inputs, else the groups the
    services role reads)."""
    if "ecs_instances" in roles:
        groups = instance_groups(v.get("ecs_instances_groups"), v.get("ecs_instances_group_defaults"), stack_name(v))
    else:
        groups = [g for g in v.get("services_instance_groups") or [] if isinstance(g, dict)]
    return sum(as_int(g.get("max_size"), 0) or 0 for g in groups)


def awsvpc_task_peak(svc, v, instances=0):
    """(tasks, why): the most tasks of an awsvpc service at once, each with its own network interface and address:
    its largest count (autoscaling max or a scheduled action's max, else desired_count) times max_percent while a
    deployment runs both revisions; a DAEMON service one task per instance."""
    if (svc.get("scheduling_strategy") or "REPLICA") == "DAEMON":
        return instances, "one per instance, up to %d" % instances
    scaling = svc.get("autoscaling") if isinstance(svc.get("autoscaling"), dict) else None
    if scaling is not None:
        highs = [as_int(scaling.get("max"), 1) or 1] + [
            as_int(a.get("max"), 0) or 0 for a in scaling.get("scheduled_actions") or [] if isinstance(a, dict)]
        tasks, source = max(highs), "autoscaling max"
    else:
        tasks = as_int(svc.get("desired_count", v.get("services_default_desired_count", 1)), 1) or 0
        source = "desired_count"
    percent = as_int(svc.get("max_percent", v.get("services_default_max_percent", 200)), 200) or 200
    peak = max(tasks, tasks * percent // 100)
    return peak, "%s %d at max_percent %d" % (source, tasks, percent)


def services_subnet_checks(roles, v):
    """Free-address checks of the existing subnets awsvpc tasks go in (services_subnet_ids, or a service's own
    subnet_ids): every such subnet has a free address, and together they hold the tasks at their peak (plus the
    instance groups' largest size when the instances share exactly these subnets in this run)."""
    groups = []
    instances = instance_count(roles, v)
    for index, svc in enumerate(v.get("services_list") or []):
        if not isinstance(svc, dict) or svc.get("network_mode") != "awsvpc" or not svc.get("name"):
            continue
        own = svc.get("subnet_ids")
        variable, ids = ("services_list[%d].subnet_ids" % index, own) if own else (
            "services_subnet_ids", v.get("services_subnet_ids"))
        peak, why = awsvpc_task_peak(svc, v, instances)
        entry = next((g for g in groups if g["variable"] == variable), None)
        if entry is None:
            entry = {"variable": variable, "ids": list(ids or []), "tasks": 0, "parts": []}
            groups.append(entry)
        entry["tasks"] += peak
        entry["parts"].append("%s %d (%s)" % (svc["name"], peak, why))
    checks = []
    for entry in groups:
        ids = [s for s in entry["ids"] if isinstance(s, str) and not is_planned(s)]
        if not ids or len(ids) != len(entry["ids"]) or not entry["tasks"]:
            continue
        needs = "awsvpc tasks need up to %d addresses (%s)" % (entry["tasks"], ", ".join(entry["parts"]))
        total = entry["tasks"]
        if "ecs_instances" in roles and set(ids) == set(v.get("ecs_instances_subnet_ids") or []):
            needs += " and the instance groups, in the same subnets, up to %d" % instances
            total += instances
        checks.append({"variable": entry["variable"], "ids": ids, "per_subnet": 1, "total": total, "needs": needs,
                       "fix": "use larger or more subnets, or lower autoscaling max, desired_count or max_percent"})
    return checks


# --------------------------------------------------------------------------------------------------
# Read-only AWS checks the inputs need (run by the platform_preflight module)
# --------------------------------------------------------------------------------------------------
def aws_checks(roles, v):
    """The read-only AWS checks for these roles' inputs, as the platform_preflight module's `checks` option."""
    checks = {"azs": None, "vpc": None, "instance_groups": [], "db": None, "certificates": [], "kms_keys": [],
              "secrets": [], "subnets": [], "endpoint_services": None, "hosted_zones": [], "security_groups": []}
    if "network" in roles and v.get("network_state", "present") == "present":
        checks["azs"] = {"variable": "network_azs", "names": list(v.get("network_azs") or []),
                         "count": as_int(v.get("network_az_count"), 3)}
        if v.get("network_vpc_id"):
            needs_dns = bool("endpoints" in roles and v.get("endpoints_private_dns_enabled", True)
                             and v.get("endpoints_interface_services") and v.get("endpoints_state", "present") == "present"
                             and v.get("network_enable_dns") is not True)
            checks["vpc"] = {"variable": "network_vpc_id", "id": v["network_vpc_id"], "needs_dns": needs_dns}
        if v.get("network_flow_logs_enabled", True):
            _key(checks, "network_flow_logs_kms_key_arn", v)
    if "endpoints" in roles and v.get("endpoints_state", "present") == "present":
        services = list(v.get("endpoints_interface_services") or []) + list(v.get("endpoints_gateway_services") or [])
        if services:
            checks["endpoint_services"] = {"variable": "endpoints_interface_services", "names": services}
        if "network" not in roles and v.get("endpoints_vpc_id") and not is_planned(v["endpoints_vpc_id"]):
            checks["vpc"] = {"variable": "endpoints_vpc_id", "id": v["endpoints_vpc_id"],
                             "needs_dns": bool(v.get("endpoints_private_dns_enabled", True)
                                               and v.get("endpoints_interface_services"))}
    if "database" in roles and v.get("database_state", "present") == "present":
        checks["db"] = {"variable": "database_instance_class", "instance_class": v.get("database_instance_class"),
                        "engine": "aurora-mysql", "engine_version": v.get("database_engine_version"),
                        "version_variable": "database_engine_version"}
        _subnets(checks, "database_subnet_ids", v.get("database_subnet_ids"), 2)
    if "load_balancer" in roles and v.get("load_balancer_state", "present") == "present":
        certificate = v.get("load_balancer_certificate_arn")
        if certificate:
            hosts = []
            for svc in v.get("services_list") or [] if "services" in roles else []:
                rule = (svc or {}).get("listener_rule") if isinstance(svc, dict) else None
                host = (rule or {}).get("host") if isinstance(rule, dict) else None
                for name in ([host] if isinstance(host, str) else list(host or [])):
                    if name and "*" not in name and name not in hosts:
                        hosts.append(name)
            for name in [v.get("load_balancer_domain")] + list(v.get("load_balancer_alternative_names") or []):
                if name and name not in hosts:
                    hosts.append(name)
            checks["certificates"].append({"variable": "load_balancer_certificate_arn", "arn": certificate,
                                           "domains": hosts})
        elif v.get("load_balancer_domain"):
            checks["hosted_zones"].append({"variable": "load_balancer_domain_zone", "name": domain_zone(v)})
        _subnets(checks, "load_balancer_subnet_ids", v.get("load_balancer_subnet_ids"), 8)
    if "dns" in roles and v.get("dns_state", "present") == "present" and v.get("dns_public_zone"):
        if not any(z["name"] == v["dns_public_zone"] for z in checks["hosted_zones"]):
            checks["hosted_zones"].append({"variable": "dns_public_zone", "name": v["dns_public_zone"]})
    if "ecs_cluster" in roles and v.get("ecs_cluster_state", "present") == "present" and v.get("ecs_cluster_exec_logging", True):
        _key(checks, "ecs_cluster_kms_key_arn", v)
    if "ecs_instances" in roles and v.get("ecs_instances_state", "present") == "present":
        groups = instance_groups(v.get("ecs_instances_groups"), v.get("ecs_instances_group_defaults"), stack_name(v),
                                 v.get("ecs_instances_ami_id"))
        for g in groups:
            checks["instance_groups"].append({"variable": "ecs_instances_groups[%s]" % g.get("name"),
                                              "instance_types": g["instance_types"], "ami_id": g.get("ami_id") or "",
                                              "architecture": g["arch"]})
        _key(checks, "ecs_instances_registry_auth_kms_key_arn", v)
        group = v.get("ecs_instances_security_group_id")
        if group and isinstance(group, str) and not is_planned(group):
            checks["security_groups"].append({"variable": "ecs_instances_security_group_id", "id": group, "no_ssh": True})
        secret = v.get("ecs_instances_registry_auth_secret_arn")
        if secret:
            checks["secrets"].append({"variable": "ecs_instances_registry_auth_secret_arn", "arn": secret})
        largest = sum(as_int(g.get("max_size"), 0) or 0 for g in groups)
        _subnets(checks, "ecs_instances_subnet_ids", v.get("ecs_instances_subnet_ids"), 1, total=largest)
    if "services" in roles and v.get("services_state", "present") == "present":
        _key(checks, "services_log_kms_key_arn", v)
        _key(checks, "services_ecr_kms_key_arn", v)
        for index, repo in enumerate(v.get("services_ecr_repositories") or []):
            if isinstance(repo, dict) and repo.get("kms_key_arn") and not is_planned(repo["kms_key_arn"]):
                checks["kms_keys"].append({"variable": "services_ecr_repositories[%d].kms_key_arn" % index,
                                           "key": repo["kms_key_arn"]})
        checks["subnets"].extend(services_subnet_checks(roles, v))
        for index, svc in enumerate(v.get("services_list") or []):
            for name, arn in sorted(((svc or {}).get("secrets") or {}).items()) if isinstance(svc, dict) else ():
                if ":secretsmanager:" in str(arn):
                    checks["secrets"].append({"variable": "services_list[%d].secrets.%s" % (index, name), "arn": arn})
    return checks


def _key(checks, variable, v):
    value = v.get(variable)
    if value and not is_planned(value):
        checks["kms_keys"].append({"variable": variable, "key": value})


def _subnets(checks, variable, subnet_ids, per_subnet, total=0):
    ids = [s for s in subnet_ids or [] if isinstance(s, str) and not is_planned(s)]
    if ids:
        checks["subnets"].append({"variable": variable, "ids": ids, "per_subnet": per_subnet, "total": total})


# --------------------------------------------------------------------------------------------------
# Planned facts: what a role earlier in the run will publish, for the inputs of the roles after it
# --------------------------------------------------------------------------------------------------
def planned_id(kind, label):
    return "%s-%s-%s" % (kind, PLANNED, label)


def planned_facts(role, v):
    """(fact name, planned value) a role will publish, from its own inputs; ids are placeholders."""
    if role == "network":
        count = as_int(v.get("network_az_count"), 3) or 3
        azs = list(v.get("network_azs") or ["AZ %d" % (i + 1) for i in range(min(max(count, 0), 6))])
        labels = [str(i + 1) for i in range(len(azs))]
        return "cloudops_network", {
            "vpc_id": v.get("network_vpc_id") or planned_id("vpc", "network"),
            "vpc_cidr": v.get("network_vpc_cidr") if not v.get("network_vpc_id") else (
                v.get("__existing_vpc_cidr") or planned_id("cidr", "vpc")),
            "azs": azs,
            "public_subnet_ids": [planned_id("subnet", "public-" + n) for n in labels],
            "private_subnet_ids": [planned_id("subnet", "private-" + n) for n in labels],
            "public_route_table_ids": [planned_id("rtb", "public-" + n) for n in labels],
            "private_route_table_ids": [planned_id("rtb", "private-" + n) for n in labels],
            "nat_gateway_ids": [],
            "nat_mode": v.get("network_nat_mode"),
            "security_groups": {"alb": planned_id("sg", "alb"), "ecs_instances": planned_id("sg", "ecs-instances")},
            "partition": PLANNED,
            "account_id": PLANNED,
        }
    if role == "endpoints":
        return "cloudops_endpoints", {"security_group_id": planned_id("sg", "endpoints"), "service_prefix": PLANNED,
                                      "endpoints": {}}
    if role == "database":
        return "cloudops_database", {"cluster_identifier": v.get("database_cluster_identifier"),
                                     "mode": v.get("database_mode"), "writer_endpoint": PLANNED,
                                     "reader_endpoint": PLANNED, "port": v.get("database_port"),
                                     "security_group_id": planned_id("sg", "database"),
                                     "master_user_secret_arn": planned_id("arn", "secret"),
                                     "kms_key_arn": planned_id("arn", "kms")}
    if role == "load_balancer":
        https = bool(v.get("load_balancer_certificate_arn") or v.get("load_balancer_demo_certificate"))
        return "cloudops_load_balancer", {
            "name": v.get("load_balancer_name"), "arn": planned_id("arn", "alb"), "dns_name": PLANNED,
            "scheme": v.get("load_balancer_scheme"), "security_group_id": v.get("load_balancer_security_group_id"),
            "http_listener_arn": planned_id("arn", "listener-80"),
            "https_listener_arn": planned_id("arn", "listener-443") if https else "",
            "default_listener_arn": planned_id("arn", "listener-443" if https else "listener-80"),
            "certificate_arn": v.get("load_balancer_certificate_arn") or ""}
    if role == "ecs_cluster":
        logged = v.get("ecs_cluster_exec_logging", True)
        key = (v.get("ecs_cluster_kms_key_arn") or planned_id("arn", "kms-ecs-exec")) if logged else ""
        return "cloudops_cluster", {"cluster_name": v.get("ecs_cluster_name"), "cluster_arn": planned_id("arn", "cluster"),
                                    "capacity_providers": [], "kms_key_arn": key, "exec_kms_key_arn": key,
                                    "exec_log_group_name": v.get("ecs_cluster_exec_log_group_name") if logged else ""}
    if role == "ecs_instances":
        groups = []
        for g in instance_groups(v.get("ecs_instances_groups"), v.get("ecs_instances_group_defaults"), stack_name(v),
                                 v.get("ecs_instances_ami_id")):
            g = dict(g, auto_scaling_group_name=g["resource_name"],
                     auto_scaling_group_arn=planned_id("arn", "asg-" + str(g.get("name"))),
                     launch_template_id=planned_id("lt", str(g.get("name"))), created_empty=True)
            groups.append(g)
        return "cloudops_instances", {"security_group_id": v.get("ecs_instances_security_group_id"),
                                      "instance_role_arn": planned_id("arn", "role"),
                                      "instance_profile_arn": planned_id("arn", "profile"), "groups": groups}
    return None, None
