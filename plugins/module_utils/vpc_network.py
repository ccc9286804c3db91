# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge a whole VPC network (VPC, subnets, internet gateway, NAT gateways with Elastic IPs,
route tables and associations, default security group, empty named security groups, flow log)
in one pass: read everything with a handful of batched describe calls, plan, validate, then act.

Ownership: every resource this code creates carries the `cloudops:stack` tag and a Name derived
from the stack; it only changes or deletes resources that carry both. Resources of an existing VPC
(its subnets, route tables, internet gateway, default security group) are read, never changed,
unless the caller asks for it explicitly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils import aws
from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import identity_from_arn
from ansible_collections.cloudops.ecs.plugins.module_utils.flow_log_destination import FlowLogDestination
from ansible_collections.cloudops.ecs.plugins.module_utils.network_plan import available_zone_names
from ansible_collections.cloudops.ecs.plugins.module_utils.network_plan import plan_network
from ansible_collections.cloudops.ecs.plugins.module_utils import validation

STACK_TAG = tagging.STACK_TAG
TIERS = ("public", "private")
DEFAULT_ROUTE = "0.0.0.0/0"
LIVE_NAT_STATES = ("pending", "available")


class NetworkError(CloudopsError):
    """A problem found before or while changing anything; the message says what and how to fix it."""


# --------------------------------------------------------------------------------------------------
# Pure helpers (unit-tested)
# --------------------------------------------------------------------------------------------------
def resource_names(prefix, azs):
    """Names of everything the network owns, derived from the stack prefix."""
    names = {
        "vpc": "%s-vpc" % prefix,
        "igw": "%s-igw" % prefix,
        "flow_log": "%s-vpc-flow-log" % prefix,
        "subnets": {},
        "route_tables": {},
        "nat": {},
        "eip": {},
    }
    for az in azs:
        for tier in TIERS:
            names["subnets"][(tier, az)] = "%s-%s-%s" % (prefix, tier, az)
            names["route_tables"][(tier, az)] = "%s-%s-%s" % (prefix, tier, az)
        names["nat"][az] = "%s-nat-%s" % (prefix, az)
        names["eip"][az] = "%s-nat-%s" % (prefix, az)
    return names


def name_checks(prefix, params):
    """(what, name, pattern) of every name derived from the stack prefix that AWS restricts."""
    checks = [("security group name", sg["name"], validation.SG_NAME) for sg in params.get("security_groups") or []]
    flow_log = params.get("flow_log") or {}
    if flow_log:
        checks.append(("log group name", flow_log.get("log_group_name") or "", validation.LOG_GROUP))
        if not flow_log.get("iam_role_arn"):
            checks.append(("IAM role name", flow_log.get("role_name") or "%s-vpc-flow-logs" % prefix, validation.IAM_NAME))
            if not flow_log.get("kms_key_arn"):
                checks.append(("KMS alias", "alias/%s-vpc-flow-logs" % prefix, validation.KMS_ALIAS))
    return checks


def nat_azs(azs, nat_mode):
    """The AZs that hold a NAT gateway for this mode."""
    if nat_mode == "per_az":
        return list(azs)
    if nat_mode == "single":
        return list(azs[:1])
    return []


def nat_az_for(az, azs, nat_mode):
    """The AZ whose NAT gateway the private route table of `az` points at (None: no default route)."""
    if nat_mode == "per_az":
        return az
    if nat_mode == "single":
        return azs[0]
    return None


def default_route(route_table):
    for route in route_table.get("Routes", []):
        if route.get("DestinationCidrBlock") == DEFAULT_ROUTE:
            return route
    return None


def route_target(route):
    """(kind, id) of a route's target, or None."""
    if route is None:
        return None
    for key, kind in (("NatGatewayId", "nat"), ("GatewayId", "igw"), ("TransitGatewayId", "tgw"),
                      ("NetworkInterfaceId", "eni"), ("VpcPeeringConnectionId", "pcx"), ("InstanceId", "instance")):
        if route.get(key):
            return (kind, route[key])
    return ("other", None)


# --------------------------------------------------------------------------------------------------
# AWS side
# --------------------------------------------------------------------------------------------------
class VpcNetwork(tagging.StackTagged, aws.Service):
    # Ids of resources made a moment ago may not be visible yet (eventual consistency): retry those too.
    EXTRA_RETRY_CODES = {"ec2": ["InvalidNatGatewayID.NotFound", "InvalidInternetGatewayID.NotFound",
                                 "InvalidSubnetID.NotFound", "InvalidRouteTableID.NotFound", "InvalidGroup.NotFound",
                                 "InvalidVpcID.NotFound"],
                         "iam": ["MalformedPolicyDocument"]}

    def __init__(self, *args, **kwargs):
        super(VpcNetwork, self).__init__(*args, **kwargs)
        self.stack = self.params["stack"]
        self.prefix = self.params.get("name_prefix") or self.stack
        self.changes = []

    @classmethod
    def clients_for(cls, module):
        """ec2 and sts; kms, logs and iam only when the module builds the flow log destination itself."""
        flow_log = module.params.get("flow_log")
        services = ["ec2", "sts"] + (["kms", "logs", "iam"] if flow_log and not flow_log.get("iam_role_arn") else [])
        return aws.clients(module, services, cls.EXTRA_RETRY_CODES)

    @staticmethod
    def tags_of(resource):
        return tagging.to_dict(resource.get("Tags"))

    def change(self, text):
        self.changes.append(text)

    # -- read ------------------------------------------------------------------------------------
    def find_vpc(self):
        vpc_id = self.params.get("vpc_id")
        if vpc_id:
            vpcs = self.request_pages("ec2", "describe_vpcs", "Vpcs", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
            if not vpcs:
                raise NetworkError("network_vpc_id %s: no such VPC in this account and region" % vpc_id)
            return vpcs[0], False
        names = resource_names(self.prefix, [])
        vpcs = self.request_pages("ec2", "describe_vpcs", "Vpcs", Filters=[
            {"Name": "tag:%s" % STACK_TAG, "Values": [self.stack]},
            {"Name": "tag:Name", "Values": [names["vpc"]]},
        ])
        if len(vpcs) > 1:
            raise NetworkError("more than one VPC is tagged %s=%s and Name=%s (%s): remove the stray ones"
                               % (STACK_TAG, self.stack, names["vpc"], ", ".join(v["VpcId"] for v in vpcs)))
        return (vpcs[0], True) if vpcs else (None, True)

    def read(self, vpc):
        """Everything in the VPC, in one describe call per resource type."""
        state = {"subnets": [], "route_tables": [], "igws": [], "nats": [], "sgs": [], "flow_logs": [],
                 "eips": [], "dns": {}}
        state["eips"] = self.request("ec2", "describe_addresses", Filters=[
            {"Name": "tag:%s" % STACK_TAG, "Values": [self.stack]}])["Addresses"]
        if vpc is None:
            return state
        vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        state["subnets"] = self.request_pages("ec2", "describe_subnets", "Subnets", Filters=vpc_filter)
        state["route_tables"] = self.request_pages("ec2", "describe_route_tables", "RouteTables", Filters=vpc_filter)
        state["igws"] = self.request_pages("ec2", "describe_internet_gateways", "InternetGateways", Filters=[
            {"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])
        state["nats"] = [n for n in self.request_pages("ec2", "describe_nat_gateways", "NatGateways", Filter=vpc_filter)
                         if n.get("State") in LIVE_NAT_STATES + ("deleting",)]
        state["sgs"] = self.request_pages("ec2", "describe_security_groups", "SecurityGroups", Filters=vpc_filter)
        state["flow_logs"] = self.request_pages("ec2", "describe_flow_logs", "FlowLogs", Filters=[
            {"Name": "resource-id", "Values": [vpc["VpcId"]]}])
        return state

    def read_dns(self, vpc_id):
        dns = {}
        for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
            dns[attribute] = self.request("ec2", "describe_vpc_attribute", VpcId=vpc_id, Attribute=attribute)[key]["Value"]
        return dns

    # -- present -----------------------------------------------------------------------------------
    def identity(self):
        if "sts" not in self.clients:
            return {"partition": None, "account_id": None}
        caller = self.caller_identity()
        return identity_from_arn(caller["Arn"], caller["Account"])

    def check_names(self):
        """The names this run would create are valid for their services (checked before the first change)."""
        errors = []
        for what, name, pattern in name_checks(self.prefix, self.params):
            if not pattern.match(name):
                errors.append("the %s %r derived from cloudops_stack_name %r is invalid: use lowercase letters, digits "
                              "and hyphens in cloudops_stack_name" % (what, name, self.stack))
        if errors:
            raise NetworkError("; ".join(errors))

    def pick_azs(self):
        names = available_zone_names(self.availability_zones())
        if self.params["azs"]:
            missing = [az for az in self.params["azs"] if az not in names]
            if missing:
                raise NetworkError("network_azs %s: %s has no such Availability Zone (it has %s); fix the names or leave "
                                   "network_azs empty" % (", ".join(missing), self.region, ", ".join(names)))
            return list(self.params["azs"]), len(self.params["azs"])
        return names[:self.params["az_count"]], self.params["az_count"]

    def destination(self, identity):
        spec = self.params.get("flow_log") or {}
        if not spec or spec.get("iam_role_arn") or not self.clients.get("iam"):
            return None
        return FlowLogDestination(self, spec, identity, self.region,
                                  dict(self.params.get("tags") or {}, **{STACK_TAG: self.stack}), self.prefix)

    def plan(self):
        """Read the stack and plan it; raises NetworkError, before any change, on what cannot work."""
        p = self.params
        identity = self.identity()
        self.identity_result = identity
        azs, az_count = self.pick_azs()
        vpc, new_vpc_mode = self.find_vpc()
        if vpc is not None and new_vpc_mode and p.get("cidr_block") and vpc["CidrBlock"] != p["cidr_block"]:
            raise NetworkError("the stack VPC %s has CIDR %s, not network_vpc_cidr %s: a VPC CIDR cannot change in place"
                               % (vpc["VpcId"], vpc["CidrBlock"], p["cidr_block"]))
        foreign = {}
        if vpc is not None and not new_vpc_mode:
            for subnet in self.request_pages("ec2", "describe_subnets", "Subnets", Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]):
                if not self.owned(subnet):
                    foreign[subnet["SubnetId"]] = subnet["CidrBlock"]
        plan = plan_network(vpc["CidrBlock"] if vpc is not None else p.get("cidr_block"), azs, nat_mode=p["nat_mode"],
                            public_cidrs=p["public_subnet_cidrs"], private_cidrs=p["private_subnet_cidrs"],
                            existing_cidrs=foreign, az_count=az_count)
        if plan["errors"]:
            raise NetworkError("; ".join(plan["errors"]))
        azs = plan["azs"]
        public_cidrs = p["public_subnet_cidrs"] = plan["public_cidrs"]
        private_cidrs = p["private_subnet_cidrs"] = plan["private_cidrs"]
        names = resource_names(self.prefix, azs)
        if vpc is None and not p.get("cidr_block"):
            raise NetworkError("cidr_block is required to create a VPC")
        state = self.read(vpc)
        enable_dns = p["enable_dns"] if p["enable_dns"] is not None else new_vpc_mode
        restrict_default_sg = (p["restrict_default_security_group"]
                               if p["restrict_default_security_group"] is not None else new_vpc_mode)
        wanted = {}
        for tier, cidrs in (("public", public_cidrs), ("private", private_cidrs)):
            for az, cidr in zip(azs, cidrs):
                wanted[(tier, az)] = cidr
        return identity, azs, names, vpc, new_vpc_mode, state, wanted, enable_dns, restrict_default_sg

    def existing_subnets(self, state, wanted, names):
        """The planned subnets that exist ({(tier, az): subnet}); NetworkError for a subnet with another
        CIDR, a foreign subnet overlapping the plan, or a foreign group with a planned group's name."""
        p = self.params
        subnets = {}
        for key, cidr in wanted.items():
            for subnet in state["subnets"]:
                if self.owned(subnet, names["subnets"][key]):
                    if subnet["CidrBlock"] != cidr or subnet["AvailabilityZone"] != key[1]:
                        raise NetworkError(
                            "subnet %s (%s) exists with CIDR %s in %s, wanted %s in %s: subnet CIDRs cannot change "
                            "in place; keep the old value or remove the network first"
                            % (names["subnets"][key], subnet["SubnetId"], subnet["CidrBlock"],
                               subnet["AvailabilityZone"], cidr, key[1]))
                    subnets[key] = subnet
        for key, cidr in wanted.items():
            if key in subnets:
                continue
            for subnet in state["subnets"]:
                if subnet["CidrBlock"] == cidr or _overlaps(subnet["CidrBlock"], cidr):
                    if subnet in subnets.values():
                        continue
                    raise NetworkError("%s subnet CIDR %s in %s overlaps subnet %s (%s) already in the VPC: choose a "
                                       "free block" % (key[0], cidr, key[1], subnet["SubnetId"], subnet["CidrBlock"]))
        for sg_spec in p["security_groups"]:
            for sg in state["sgs"]:
                if sg["GroupName"] == sg_spec["name"] and not self.owned(sg):
                    raise NetworkError("security group %s (%s) already exists in the VPC and is not tagged %s=%s: "
                                       "rename it or tag it" % (sg_spec["name"], sg["GroupId"], STACK_TAG, self.stack))
        return subnets

    def converge_vpc(self, vpc, names, new_vpc_mode, enable_dns):
        """The VPC (created when missing) with DNS enabled when asked; None in check mode when new."""
        p = self.params
        if vpc is None:
            self.change("create VPC %s %s" % (names["vpc"], p["cidr_block"]))
            if self.check_mode:
                return None
            vpc = self.request("ec2", "create_vpc", CidrBlock=p["cidr_block"],
                               TagSpecifications=self.tag_spec("vpc", names["vpc"]))["Vpc"]
            self.wait_vpc(vpc["VpcId"])
            dns = {"enableDnsSupport": True, "enableDnsHostnames": False}
        else:
            if new_vpc_mode:
                self.converge_tags(vpc["VpcId"], vpc, names["vpc"], "VPC")
            dns = self.read_dns(vpc["VpcId"]) if enable_dns else {}
        vpc_id = vpc["VpcId"]
        if enable_dns:
            for attribute in ("enableDnsSupport", "enableDnsHostnames"):
                if not dns.get(attribute):
                    self.change("enable %s on %s" % (attribute, vpc_id))
                    if not self.check_mode:
                        self.request("ec2", "modify_vpc_attribute", VpcId=vpc_id, **{attribute[0].upper() + attribute[1:]: {"Value": True}})
        return vpc

    def restrict_default_security_group(self, state, vpc_id):
        """Strip the rules of the default security group (new VPCs; existing ones only when asked)."""
        for sg in state["sgs"]:
            if sg["GroupName"] != "default":
                continue
            if sg.get("IpPermissions"):
                self.change("remove the ingress rules of the default security group %s" % sg["GroupId"])
                if not self.check_mode:
                    self.request("ec2", "revoke_security_group_ingress", GroupId=sg["GroupId"],
                                 IpPermissions=_clean_permissions(sg["IpPermissions"]))
            if sg.get("IpPermissionsEgress"):
                self.change("remove the egress rules of the default security group %s" % sg["GroupId"])
                if not self.check_mode:
                    self.request("ec2", "revoke_security_group_egress", GroupId=sg["GroupId"],
                                 IpPermissions=_clean_permissions(sg["IpPermissionsEgress"]))
        if not state["sgs"] and not self.check_mode:
            # a VPC made in this run: its default group comes with one egress rule
            for sg in self.request_pages("ec2", "describe_security_groups", "SecurityGroups", Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]):
                if sg.get("IpPermissionsEgress"):
                    self.change("remove the egress rules of the default security group %s" % sg["GroupId"])
                    self.request("ec2", "revoke_security_group_egress", GroupId=sg["GroupId"],
                                 IpPermissions=_clean_permissions(sg["IpPermissionsEgress"]))
                if sg.get("IpPermissions"):
                    self.change("remove the ingress rules of the default security group %s" % sg["GroupId"])
                    self.request("ec2", "revoke_security_group_ingress", GroupId=sg["GroupId"],
                                 IpPermissions=_clean_permissions(sg["IpPermissions"]))

    def converge_internet_gateway(self, state, names, vpc_id):
        p = self.params
        igw_id = None
        if p["internet_gateway"]:
            attached = state["igws"]
            ours = [g for g in attached if self.owned(g)]
            if ours:
                igw_id = ours[0]["InternetGatewayId"]
                self.converge_tags(igw_id, ours[0], names["igw"], "internet gateway")
            elif attached:
                igw_id = attached[0]["InternetGatewayId"]  # the existing VPC's own gateway: used, not touched
            else:
                self.change("create and attach internet gateway %s" % names["igw"])
                if not self.check_mode:
                    detached = self.request_pages("ec2", "describe_internet_gateways", "InternetGateways", Filters=[
                        {"Name": "tag:%s" % STACK_TAG, "Values": [self.stack]},
                        {"Name": "tag:Name", "Values": [names["igw"]]}])
                    detached = [g for g in detached if not g.get("Attachments")]
                    if detached:
                        igw_id = detached[0]["InternetGatewayId"]
                    else:
                        igw_id = self.request("ec2", "create_internet_gateway", TagSpecifications=self.tag_spec(
                            "internet-gateway", names["igw"]))["InternetGateway"]["InternetGatewayId"]
                    self.request("ec2", "attach_internet_gateway", InternetGatewayId=igw_id, VpcId=vpc_id)
        return igw_id

    def converge_subnets(self, wanted, subnets, state, names, azs, vpc_id):
        for key in sorted(wanted, key=lambda k: (TIERS.index(k[0]), azs.index(k[1]))):
            name = names["subnets"][key]
            if key in subnets:
                self.converge_tags(subnets[key]["SubnetId"], subnets[key], name, "subnet")
                continue
            self.change("create %s subnet %s %s in %s" % (key[0], name, wanted[key], key[1]))
            if not self.check_mode:
                subnets[key] = self.request("ec2", "create_subnet", VpcId=vpc_id, CidrBlock=wanted[key], AvailabilityZone=key[1],
                                            TagSpecifications=self.tag_spec("subnet", name))["Subnet"]
        stale = [s for s in state["subnets"] if self.owned(s) and s not in subnets.values()]
        for subnet in stale:
            self.warnings.append("subnet %s (%s) carries the stack tag but is not in the plan; it is left in place"
                                 % (subnet["SubnetId"], subnet["CidrBlock"]))

    def converge_route_tables(self, wanted, subnets, state, names, azs, vpc_id):
        route_tables = {}
        for key in sorted(wanted, key=lambda k: (TIERS.index(k[0]), azs.index(k[1]))):
            name = names["route_tables"][key]
            found = [rt for rt in state["route_tables"] if self.owned(rt, name)]
            if found:
                route_tables[key] = found[0]
                self.converge_tags(found[0]["RouteTableId"], found[0], name, "route table")
                continue
            self.change("create route table %s" % name)
            if not self.check_mode:
                route_tables[key] = self.request("ec2", "create_route_table", VpcId=vpc_id, TagSpecifications=self.tag_spec(
                    "route-table", name))["RouteTable"]
        associations = {}
        for rt in state["route_tables"]:
            for assoc in rt.get("Associations", []):
                if assoc.get("SubnetId"):
                    associations[assoc["SubnetId"]] = (rt["RouteTableId"], assoc["RouteTableAssociationId"])
        for key, subnet in sorted(subnets.items()):
            if key not in route_tables:
                continue
            rt_id = route_tables[key]["RouteTableId"]
            current = associations.get(subnet["SubnetId"])
            if current is None:
                self.change("associate subnet %s with route table %s" % (names["subnets"][key], names["route_tables"][key]))
                if not self.check_mode:
                    self.request("ec2", "associate_route_table", RouteTableId=rt_id, SubnetId=subnet["SubnetId"])
            elif current[0] != rt_id:
                self.change("move subnet %s to route table %s" % (names["subnets"][key], names["route_tables"][key]))
                if not self.check_mode:
                    self.request("ec2", "replace_route_table_association", AssociationId=current[1], RouteTableId=rt_id)
        return route_tables

    def converge_nat_gateways(self, state, subnets, names, azs):
        """NAT gateways of the mode, created without waiting; returns ({az: NAT}, [az wanted])."""
        p = self.params
        nats = {}
        for nat in state["nats"]:
            for az in azs:
                subnet = subnets.get(("public", az))
                if subnet and nat["SubnetId"] == subnet["SubnetId"] and nat["State"] in LIVE_NAT_STATES:
                    nats.setdefault(az, nat)
        want_nat = nat_azs(azs, p["nat_mode"])
        for az in want_nat:
            if az in nats:
                self.converge_tags(nats[az]["NatGatewayId"], nats[az], names["nat"][az], "NAT gateway")
                continue
            self.change("create NAT gateway %s with Elastic IP %s" % (names["nat"][az], names["eip"][az]))
            if self.check_mode:
                continue
            spare = [a for a in state["eips"] if self.owned(a, names["eip"][az]) and not a.get("AssociationId")]
            if spare:
                allocation_id = spare[0]["AllocationId"]
            else:
                allocation_id = self.request("ec2", "allocate_address", Domain="vpc", TagSpecifications=self.tag_spec(
                    "elastic-ip", names["eip"][az]))["AllocationId"]
            nats[az] = self.request("ec2", "create_nat_gateway", SubnetId=subnets[("public", az)]["SubnetId"],
                                    AllocationId=allocation_id, ConnectivityType="public",
                                    TagSpecifications=self.tag_spec("natgateway", names["nat"][az]))["NatGateway"]
        for eip in state["eips"]:
            for az in want_nat:
                if az in nats and self.owned(eip, names["eip"][az]):
                    self.converge_tags(eip["AllocationId"], eip, names["eip"][az], "Elastic IP")
        return nats, want_nat

    def converge_private_routes(self, route_tables, nats, names, azs):
        """Private default routes to the AZ's (or the single) NAT once it is available; returns the
        route tables still waiting for their NAT."""
        p = self.params
        pending = []
        for az in azs:
            rt = route_tables.get(("private", az))
            if rt is None and not self.check_mode:
                continue
            target_az = nat_az_for(az, azs, p["nat_mode"])
            if target_az is None:
                self.converge_default_route(rt, None, names["route_tables"][("private", az)])
                continue
            nat = nats.get(target_az)
            if nat is None:  # check mode, NAT still to create
                self.change("route %s 0.0.0.0/0 to NAT gateway %s" % (names["route_tables"][("private", az)], names["nat"][target_az]))
                continue
            if nat.get("State") != "available" and not _routes_to(rt, nat["NatGatewayId"]):
                pending.append(names["route_tables"][("private", az)])
                continue
            self.converge_default_route(rt, ("nat", nat["NatGatewayId"]), names["route_tables"][("private", az)])
        return pending

    def remove_unwanted_nats(self, state, subnets, nats, want_nat):
        """NAT gateways no longer wanted (mode change), after routes moved away from them."""
        kept = [nats[az]["NatGatewayId"] for az in want_nat if az in nats]
        public_ids = set(s["SubnetId"] for k, s in subnets.items() if k[0] == "public")
        unwanted = [n for n in state["nats"] if n["State"] in LIVE_NAT_STATES and n["NatGatewayId"] not in kept
                    and n["SubnetId"] in public_ids]
        for az in [az for az in nats if az not in want_nat]:
            del nats[az]
        if unwanted:
            self.delete_nats(unwanted, state["eips"])

    def converge_security_groups(self, state, vpc_id):
        """The named security groups, created empty; returns {key: id}."""
        p = self.params
        sg_ids = {}
        for sg_spec in p["security_groups"]:
            found = [sg for sg in state["sgs"] if sg["GroupName"] == sg_spec["name"]]
            if found:
                sg_ids[sg_spec["key"]] = found[0]["GroupId"]
                self.converge_tags(found[0]["GroupId"], found[0], sg_spec["name"], "security group")
                continue
            self.change("create security group %s" % sg_spec["name"])
            if not self.check_mode:
                sg_ids[sg_spec["key"]] = self.request(
                    "ec2", "create_security_group", GroupName=sg_spec["name"], Description=sg_spec["description"],
                    VpcId=vpc_id, TagSpecifications=self.tag_spec("security-group", sg_spec["name"]))["GroupId"]
        return sg_ids

    def present(self):
        p = self.params
        identity, azs, names, vpc, new_vpc_mode, state, wanted, enable_dns, restrict_default_sg = self.plan()
        subnets = self.existing_subnets(state, wanted, names)
        self.check_names()
        before = self.summary(vpc, state, names, azs)
        destination = self.destination(identity)
        flow_role_arn = destination.present() if destination else None
        vpc = self.converge_vpc(vpc, names, new_vpc_mode, enable_dns)
        if vpc is None:
            return self.result(None, state, names, azs, before, p, planned_only=True, identity=identity)
        vpc_id = vpc["VpcId"]
        if restrict_default_sg:
            self.restrict_default_security_group(state, vpc_id)
        igw_id = self.converge_internet_gateway(state, names, vpc_id)
        self.converge_subnets(wanted, subnets, state, names, azs, vpc_id)
        route_tables = self.converge_route_tables(wanted, subnets, state, names, azs, vpc_id)
        for az in azs:
            rt = route_tables.get(("public", az))
            if rt is not None:
                self.converge_default_route(rt, ("igw", igw_id) if igw_id else None, names["route_tables"][("public", az)])
        nats, want_nat = self.converge_nat_gateways(state, subnets, names, azs)
        if p["wait"] and not self.check_mode:
            nats = self.wait_nats(nats)
        pending = self.converge_private_routes(route_tables, nats, names, azs)
        self.remove_unwanted_nats(state, subnets, nats, want_nat)
        sg_ids = self.converge_security_groups(state, vpc_id)
        flow_log_id = self.converge_flow_log(vpc_id, state["flow_logs"], names["flow_log"], flow_role_arn)
        result = self.result(vpc, state, names, azs, before, p, subnets=subnets, route_tables=route_tables,
                             nats=nats, igw_id=igw_id, sg_ids=sg_ids, flow_log_id=flow_log_id, identity=identity)
        result["pending_nat_routes"] = pending
        # Nothing changed and every private route in place: a later wait call would do nothing and can be skipped.
        result["ready"] = not result["changed"] and not pending
        return result

    def converge_default_route(self, rt, target, rt_name):
        current = default_route(rt) if rt else None
        current_target = route_target(current)
        if target is None:
            if current is not None and rt is not None:
                self.change("remove the default route of %s" % rt_name)
                if not self.check_mode:
                    self.request("ec2", "delete_route", RouteTableId=rt["RouteTableId"], DestinationCidrBlock=DEFAULT_ROUTE)
            return
        kind, target_id = target
        args = {"NatGatewayId": target_id} if kind == "nat" else {"GatewayId": target_id}
        if current is None:
            self.change("route %s 0.0.0.0/0 to %s" % (rt_name, target_id or kind))
            if not self.check_mode and rt is not None and target_id:
                self.request("ec2", "create_route", RouteTableId=rt["RouteTableId"], DestinationCidrBlock=DEFAULT_ROUTE, **args)
        elif current_target != target or current.get("State") == "blackhole":
            self.change("point %s 0.0.0.0/0 at %s (was %s)" % (rt_name, target_id, current_target[1]))
            if not self.check_mode and target_id:
                self.request("ec2", "replace_route", RouteTableId=rt["RouteTableId"], DestinationCidrBlock=DEFAULT_ROUTE, **args)

    def converge_flow_log(self, vpc_id, flow_logs, name, role_arn=None):
        spec = self.params.get("flow_log")
        if spec:
            spec = dict(spec, iam_role_arn=spec.get("iam_role_arn") or role_arn)
        ours = [f for f in flow_logs if self.owned(f)]
        if not spec:
            for flow_log in ours:
                self.change("delete flow log %s" % flow_log["FlowLogId"])
            if ours and not self.check_mode:
                self.request("ec2", "delete_flow_logs", FlowLogIds=[f["FlowLogId"] for f in ours])
            return None
        keep = None
        for flow_log in ours:
            same = (flow_log.get("LogGroupName") == spec["log_group_name"]
                    and flow_log.get("TrafficType") == spec["traffic_type"]
                    and flow_log.get("DeliverLogsPermissionArn") == spec["iam_role_arn"]
                    and int(flow_log.get("MaxAggregationInterval") or 600) == spec["max_aggregation_interval"])
            if same and keep is None:
                keep = flow_log
        drop = [f for f in ours if f is not keep]
        for flow_log in drop:
            self.change("delete flow log %s (configuration changed)" % flow_log["FlowLogId"])
        if drop and not self.check_mode:
            self.request("ec2", "delete_flow_logs", FlowLogIds=[f["FlowLogId"] for f in drop])
        if keep is not None:
            self.converge_tags(keep["FlowLogId"], keep, name, "flow log")
            return keep["FlowLogId"]
        self.change("create flow log %s (%s traffic to %s)" % (name, spec["traffic_type"], spec["log_group_name"]))
        if self.check_mode:
            return None
        response = self.request("ec2", "create_flow_logs", ResourceIds=[vpc_id], ResourceType="VPC",
                                TrafficType=spec["traffic_type"], LogDestinationType="cloud-watch-logs",
                                LogGroupName=spec["log_group_name"], DeliverLogsPermissionArn=spec["iam_role_arn"],
                                MaxAggregationInterval=spec["max_aggregation_interval"],
                                TagSpecifications=self.tag_spec("vpc-flow-log", name))
        if response.get("Unsuccessful"):
            raise NetworkError("flow log creation failed: %s" % response["Unsuccessful"])
        return response["FlowLogIds"][0]

    # -- waits (through the waiter: deadline, growing interval, progress) -------------------------------
    def wait_for(self, check, what, interval=1.0, timeout=None):
        """self.wait() of a check -> (done, reasons); NetworkError naming `what` when it runs out."""
        timeout = self.params["wait_timeout"] if timeout is None else timeout
        result = waiter.wait(lambda: check() + (None,), timeout, what=what, clock=self.clock, interval=interval,
                             progress=self.progress)
        if not result.satisfied:
            reasons = (": " + "; ".join(result.reasons)) if result.reasons else ""
            raise NetworkError("%s not done after %ss%s" % (what, timeout, reasons))

    def wait_vpc(self, vpc_id):
        def available():
            try:
                vpc = self.request("ec2", "describe_vpcs", VpcIds=[vpc_id])["Vpcs"][0]
            except is_boto3_error_code("InvalidVpcID.NotFound"):
                return False, ["not visible yet"]
            return vpc.get("State") == "available", ["state %s" % vpc.get("State")]
        self.wait_for(available, "VPC %s available" % vpc_id, interval=0.5)

    def wait_nats(self, nats):
        ids = [n["NatGatewayId"] for n in nats.values() if n.get("State") != "available"]
        if not ids:
            return nats

        def available():
            try:
                found = self.request("ec2", "describe_nat_gateways", NatGatewayIds=ids)["NatGateways"]
            except is_boto3_error_code("NatGatewayNotFound"):
                found = []
            by_id = dict((n["NatGatewayId"], n) for n in found)
            for az, nat in list(nats.items()):
                if nat["NatGatewayId"] in by_id:
                    nats[az] = by_id[nat["NatGatewayId"]]
            failed = [n for n in by_id.values() if n["State"] in ("failed", "deleted", "deleting")]
            if failed:
                raise NetworkError("NAT gateway(s) failed: %s" % "; ".join(
                    "%s %s %s" % (n["NatGatewayId"], n.get("FailureCode", ""), n.get("FailureMessage", "")) for n in failed))
            waiting = ["%s %s" % (i, (by_id.get(i) or {}).get("State", "not visible")) for i in ids
                       if (by_id.get(i) or {}).get("State") != "available"]
            return not waiting, waiting
        self.wait_for(available, "NAT gateway(s) %s available" % ", ".join(ids), interval=2)
        return nats

    def wait_nats_gone(self, ids, gone_states=("deleted",)):
        def gone():
            found = self.request("ec2", "describe_nat_gateways", NatGatewayIds=ids)["NatGateways"]
            left = ["%s %s" % (n["NatGatewayId"], n["State"]) for n in found if n["State"] not in gone_states]
            return not left, left
        self.wait_for(gone, "NAT gateway(s) %s deleted" % ", ".join(ids), interval=2)

    def delete_nats(self, nats, eips):
        for nat in nats:
            self.change("delete NAT gateway %s" % nat["NatGatewayId"])
        if self.check_mode:
            return
        allocation_ids = [a["AllocationId"] for n in nats for a in n.get("NatGatewayAddresses", []) if a.get("AllocationId")]
        for nat in nats:
            self.request("ec2", "delete_nat_gateway", NatGatewayId=nat["NatGatewayId"])
        self.wait_nats_gone([n["NatGatewayId"] for n in nats])
        for eip in eips:
            if eip["AllocationId"] in allocation_ids and self.owned(eip):
                self.change("release Elastic IP %s" % eip.get("PublicIp"))
                self.release_address(eip["AllocationId"])

    def release_address(self, allocation_id):
        def released():
            try:
                self.request("ec2", "release_address", AllocationId=allocation_id)
            except is_boto3_error_code(["InvalidAddress.NotFound", "InvalidAllocationID.NotFound"]):
                pass
            except is_boto3_error_code("InvalidIPAddress.InUse"):
                return False, ["Elastic IP %s still in use" % allocation_id]
            return True, []
        self.wait_for(released, "Elastic IP %s released" % allocation_id)

    # -- absent --------------------------------------------------------------------------------------
    def absent(self):
        vpc, new_vpc_mode = self.find_vpc()
        state = self.read(vpc)
        names = resource_names(self.prefix, [])
        before = self.summary(vpc, state, names, None)
        if vpc is not None:
            vpc_id = vpc["VpcId"]
            ours_flow = [f for f in state["flow_logs"] if self.owned(f)]
            if ours_flow:
                self.change("delete flow log(s) %s" % ", ".join(f["FlowLogId"] for f in ours_flow))
                if not self.check_mode:
                    self.request("ec2", "delete_flow_logs", FlowLogIds=[f["FlowLogId"] for f in ours_flow])
            our_subnets = [s for s in state["subnets"] if self.owned(s)]
            our_subnet_ids = set(s["SubnetId"] for s in our_subnets)
            nats = [n for n in state["nats"] if n["SubnetId"] in our_subnet_ids and n["State"] in LIVE_NAT_STATES + ("deleting",)]
            if nats:
                live = [n for n in nats if n["State"] != "deleting"]
                if live:
                    self.delete_nats_only(live)
                self.wait_nats_deleted(nats)
            self.release_our_eips()
            for rt in state["route_tables"]:
                if not self.owned(rt) or any(a.get("Main") for a in rt.get("Associations", [])):
                    continue
                self.change("delete route table %s" % rt["RouteTableId"])
                if not self.check_mode:
                    for assoc in rt.get("Associations", []):
                        self.request("ec2", "disassociate_route_table", AssociationId=assoc["RouteTableAssociationId"])
                    self.request("ec2", "delete_route_table", RouteTableId=rt["RouteTableId"])
            our_sgs = [sg for sg in state["sgs"] if self.owned(sg) and sg["GroupName"] != "default"]
            for sg in our_sgs:
                self.change("delete security group %s (%s)" % (sg["GroupName"], sg["GroupId"]))
            if not self.check_mode:
                for sg in our_sgs:  # rules first: our groups may reference each other
                    if sg.get("IpPermissions"):
                        self.request("ec2", "revoke_security_group_ingress", GroupId=sg["GroupId"],
                                     IpPermissions=_clean_permissions(sg["IpPermissions"]))
                    if sg.get("IpPermissionsEgress"):
                        self.request("ec2", "revoke_security_group_egress", GroupId=sg["GroupId"],
                                     IpPermissions=_clean_permissions(sg["IpPermissionsEgress"]))
                for sg in our_sgs:
                    self.call_dependent("delete_security_group", "security group %s" % sg["GroupName"], GroupId=sg["GroupId"])
            for subnet in our_subnets:
                self.change("delete subnet %s (%s)" % (subnet["SubnetId"], subnet["CidrBlock"]))
                if not self.check_mode:
                    self.call_dependent("delete_subnet", "subnet %s" % subnet["SubnetId"], SubnetId=subnet["SubnetId"])
            for igw in state["igws"]:
                if not self.owned(igw):
                    continue
                self.change("detach and delete internet gateway %s" % igw["InternetGatewayId"])
                if not self.check_mode:
                    self.request("ec2", "detach_internet_gateway", InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
                    self.request("ec2", "delete_internet_gateway", InternetGatewayId=igw["InternetGatewayId"])
            if new_vpc_mode and self.owned(vpc):
                self.change("delete VPC %s" % vpc_id)
                if not self.check_mode:
                    self.call_dependent("delete_vpc", "VPC %s" % vpc_id, VpcId=vpc_id)
        else:
            self.release_our_eips()
        # detached gateways left by an interrupted run
        for igw in self.request_pages("ec2", "describe_internet_gateways", "InternetGateways", Filters=[
                {"Name": "tag:%s" % STACK_TAG, "Values": [self.stack]}]):
            if not igw.get("Attachments"):
                self.change("delete internet gateway %s" % igw["InternetGatewayId"])
                if not self.check_mode:
                    self.request("ec2", "delete_internet_gateway", InternetGatewayId=igw["InternetGatewayId"])
        spec = self.params.get("flow_log")
        if spec and not spec.get("iam_role_arn") and self.clients.get("iam"):
            self.destination(self.identity()).absent()
        after = {} if not self.check_mode else before
        return {"changed": bool(self.changes), "changes": self.changes,
                "diff": {"before": before, "after": after}}

    def delete_nats_only(self, nats):
        for nat in nats:
            self.change("delete NAT gateway %s" % nat["NatGatewayId"])
            if not self.check_mode:
                self.request("ec2", "delete_nat_gateway", NatGatewayId=nat["NatGatewayId"])

    def wait_nats_deleted(self, nats):
        if self.check_mode:
            return
        self.wait_nats_gone([n["NatGatewayId"] for n in nats], ("deleted", "failed"))

    def release_our_eips(self):
        eips = self.request("ec2", "describe_addresses", Filters=[{"Name": "tag:%s" % STACK_TAG, "Values": [self.stack]}])["Addresses"]
        for eip in eips:
            self.change("release Elastic IP %s (%s)" % (eip.get("PublicIp"), eip["AllocationId"]))
            if not self.check_mode:
                self.release_address(eip["AllocationId"])

    def call_dependent(self, method, what, /, **kwargs):
        """Deletes that fail while something else still uses the resource, with a message that says so."""
        outcome = {}

        def attempt():
            try:
                outcome["response"] = self.request("ec2", method, **kwargs)
            except is_boto3_error_code("DependencyViolation") as exc:
                outcome["message"] = exc.response["Error"].get("Message", "")
                return False, [outcome["message"]]
            return True, []
        try:
            self.wait_for(attempt, "%s deleted" % what, timeout=min(self.params["wait_timeout"], 120))
        except NetworkError:
            raise NetworkError("%s is still in use (%s): remove what depends on it (for example VPC endpoints, "
                               "load balancers, instances, other security groups' rules) and run again"
                               % (what, outcome.get("message", ""))) from None
        return outcome.get("response")

    # -- results ---------------------------------------------------------------------------------------
    def summary(self, vpc, state, names, azs):
        """A name-keyed picture of what the stack owns, comparable before and after (ids left out)."""
        if vpc is None:
            return {}
        out = {"vpc": {"cidr": vpc["CidrBlock"]}, "subnets": {}, "route_tables": {}, "nat_gateways": [],
               "security_groups": [], "flow_log": None}
        subnet_names = {}
        for subnet in state["subnets"]:
            if self.owned(subnet):
                name = self.tags_of(subnet).get("Name")
                subnet_names[subnet["SubnetId"]] = name
                out["subnets"][name] = "%s %s" % (subnet["CidrBlock"], subnet["AvailabilityZone"])
        nat_names = {}
        for nat in state["nats"]:
            if nat["SubnetId"] in subnet_names and nat["State"] in LIVE_NAT_STATES:
                name = self.tags_of(nat).get("Name") or nat["NatGatewayId"]
                nat_names[nat["NatGatewayId"]] = name
                out["nat_gateways"].append(name)
        out["nat_gateways"].sort()
        for rt in state["route_tables"]:
            if self.owned(rt):
                target = route_target(default_route(rt))
                if target and target[0] == "nat":
                    target = "nat:%s" % nat_names.get(target[1], target[1])
                elif target:
                    target = target[0]
                out["route_tables"][self.tags_of(rt).get("Name")] = {
                    "default_route": target,
                    "subnets": sorted(subnet_names.get(a.get("SubnetId"), a.get("SubnetId")) for a in rt.get("Associations", [])
                                      if a.get("SubnetId")),
                }
        out["security_groups"] = sorted(sg["GroupName"] for sg in state["sgs"] if self.owned(sg))
        ours = [f for f in state["flow_logs"] if self.owned(f)]
        if ours:
            out["flow_log"] = {"traffic_type": ours[0].get("TrafficType"), "log_group": ours[0].get("LogGroupName")}
        return out

    def desired_summary(self, p, names, azs):
        out = {"vpc": {"cidr": p.get("cidr_block") or ""}, "subnets": {},
               "route_tables": {}, "nat_gateways": sorted(names["nat"][az] for az in nat_azs(azs, p["nat_mode"])),
               "security_groups": sorted(sg["name"] for sg in p["security_groups"]), "flow_log": None}
        for tier, cidrs in (("public", p["public_subnet_cidrs"]), ("private", p["private_subnet_cidrs"])):
            for az, cidr in zip(azs, cidrs):
                out["subnets"][names["subnets"][(tier, az)]] = "%s %s" % (cidr, az)
                if tier == "public":
                    target = "igw" if p["internet_gateway"] else None
                else:
                    nat_az = nat_az_for(az, azs, p["nat_mode"])
                    target = "nat:%s" % names["nat"][nat_az] if nat_az else None
                out["route_tables"][names["route_tables"][(tier, az)]] = {
                    "default_route": target, "subnets": [names["subnets"][(tier, az)]]}
        if p.get("flow_log"):
            out["flow_log"] = {"traffic_type": p["flow_log"]["traffic_type"], "log_group": p["flow_log"]["log_group_name"]}
        return out

    def result(self, vpc, state, names, azs, before, p, planned_only=False, subnets=None, route_tables=None,
               nats=None, igw_id=None, sg_ids=None, flow_log_id=None, identity=None):
        subnets = subnets or {}
        route_tables = route_tables or {}
        nats = nats or {}
        after = self.desired_summary(p, names, azs)
        if vpc is not None:
            after["vpc"]["cidr"] = vpc["CidrBlock"]
        if before and not p.get("cidr_block"):
            after["vpc"]["cidr"] = before["vpc"]["cidr"]

        def ids(tier):
            return [subnets[(tier, az)]["SubnetId"] if (tier, az) in subnets else None for az in azs]

        def rt_ids(tier):
            return [route_tables[(tier, az)]["RouteTableId"] if (tier, az) in route_tables else None for az in azs]

        return {
            "changed": bool(self.changes),
            "changes": self.changes,
            "diff": {"before": before, "after": after},
            "vpc_id": vpc["VpcId"] if vpc else None,
            "vpc_cidr": vpc["CidrBlock"] if vpc else p.get("cidr_block"),
            "azs": azs,
            "public_subnet_ids": ids("public"),
            "private_subnet_ids": ids("private"),
            "public_route_table_ids": rt_ids("public"),
            "private_route_table_ids": rt_ids("private"),
            "nat_gateway_ids": [nats[az]["NatGatewayId"] for az in nat_azs(azs, p["nat_mode"]) if az in nats],
            "internet_gateway_id": igw_id,
            # every planned group is named, with id None until it exists (check mode on a new account)
            "security_groups": {spec["key"]: (sg_ids or {}).get(spec["key"]) for spec in p["security_groups"]},
            "flow_log_id": flow_log_id,
            "pending_nat_routes": [],
            "ready": False,
            "partition": (identity or {}).get("partition"),
            "account_id": (identity or {}).get("account_id"),
        }

    def run(self):
        return self.run_by_state("network")


def _overlaps(a, b):
    import ipaddress

    try:
        return ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b))
    except ValueError:
        return False


def _routes_to(rt, nat_id):
    route = default_route(rt) if rt else None
    return route is not None and route.get("NatGatewayId") == nat_id


def _clean_permissions(permissions):
    """Describe output -> revoke input (drop read-only fields AWS rejects)."""
    cleaned = []
    for perm in permissions:
        item = dict((k, v) for k, v in perm.items() if v not in ([], None))
        if "UserIdGroupPairs" in item:
            item["UserIdGroupPairs"] = [dict((k, v) for k, v in pair.items() if k in ("GroupId", "UserId"))
                                        for pair in item["UserIdGroupPairs"]]
        cleaned.append(item)
    return cleaned
