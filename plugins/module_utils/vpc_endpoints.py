# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge the whole set of VPC endpoints of a stack in one pass: the endpoint security group
(HTTPS from the VPC CIDR only), gateway endpoints on route tables, interface endpoints with private
DNS in subnets. Missing endpoints are created, drifted ones modified in place (ModifyVpcEndpoint),
endpoints of the stack that are no longer wanted deleted. Only endpoints tagged with the stack are
ever changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import endpoint_service_prefix
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import STACK_TAG

GONE_STATES = ("deleted", "deleting", "rejected", "failed", "expired")
HTTPS = 443


class EndpointError(CloudopsError):
    pass


# --------------------------------------------------------------------------------------------------
# Pure helpers (unit-tested)
# --------------------------------------------------------------------------------------------------
def service_short_name(service_name, prefix, region):
    """com.amazonaws.us-east-1.ecr.api -> ecr.api (None when it is not a service of this prefix/region)."""
    head = "%s.%s." % (prefix, region)
    return service_name[len(head):] if service_name.startswith(head) else None


def detect_prefix(service_names, region):
    """The partition's endpoint service prefix, read from the names of the regional S3 / EC2 services
    (other names such as aws.sagemaker.<region>.notebook carry other prefixes)."""
    for anchor in ("s3", "ec2", "sts"):
        tail = ".%s.%s" % (region, anchor)
        for name in service_names:
            if name.endswith(tail) and len(name) > len(tail):
                return name[: -len(tail)]
    return endpoint_service_prefix(service_names, region)


def unknown_services(wanted, available_names, prefix, region):
    """Short service names that DescribeVpcEndpointServices does not offer in this region."""
    offered = set(available_names)
    return [s for s in wanted if "%s.%s.%s" % (prefix, region, s) not in offered]


def missing_for_private_install(required, interface_services, gateway_services):
    """Services a private (no NAT) install needs that are not in the endpoint lists, in `required` order."""
    have = set(interface_services) | set(gateway_services)
    return [s for s in required if s not in have]


def endpoint_diff(current, desired):
    """ModifyVpcEndpoint arguments turning `current` (a DescribeVpcEndpoints item) into `desired`
    ({type, subnet_ids, security_group_ids, private_dns, route_table_ids}); empty dict = converged."""
    changes = {}
    if desired["type"] == "Interface":
        changes.update(_id_changes("SubnetIds", current.get("SubnetIds"), desired["subnet_ids"]))
        changes.update(_id_changes("SecurityGroupIds", [g["GroupId"] for g in current.get("Groups") or []],
                                   desired["security_group_ids"]))
        if bool(current.get("PrivateDnsEnabled")) != bool(desired["private_dns"]):
            changes["PrivateDnsEnabled"] = bool(desired["private_dns"])
    else:
        changes.update(_id_changes("RouteTableIds", current.get("RouteTableIds"), desired["route_table_ids"]))
    return changes


def _id_changes(name, current, desired):
    """{Add<name>: ids to add, Remove<name>: ids to remove} (only the non-empty ones), sorted."""
    have, want = set(current or []), set(desired)
    changes = {}
    if want - have:
        changes["Add" + name] = sorted(want - have)
    if have - want:
        changes["Remove" + name] = sorted(have - want)
    return changes


def describe_change(service, changes):
    parts = []
    for key in sorted(changes):
        parts.append("%s %s" % (key, changes[key]))
    return "modify endpoint %s: %s" % (service, ", ".join(parts))


def endpoint_view(endpoint, prefix, region):
    """What the diff shows of one endpoint."""
    view = {"type": endpoint.get("VpcEndpointType")}
    if endpoint.get("VpcEndpointType") == "Gateway":
        view["route_table_ids"] = sorted(endpoint.get("RouteTableIds") or [])
    else:
        view["subnet_ids"] = sorted(endpoint.get("SubnetIds") or [])
        view["security_group_ids"] = sorted(g["GroupId"] for g in endpoint.get("Groups") or [])
        view["private_dns"] = bool(endpoint.get("PrivateDnsEnabled"))
    return view


def desired_view(desired):
    if desired["type"] == "Gateway":
        return {"type": "Gateway", "route_table_ids": sorted(desired["route_table_ids"])}
    return {"type": "Interface", "subnet_ids": sorted(desired["subnet_ids"]),
            "security_group_ids": sorted(desired["security_group_ids"]), "private_dns": bool(desired["private_dns"])}


# --------------------------------------------------------------------------------------------------
# AWS side
# --------------------------------------------------------------------------------------------------
def _strip(perm):
    item = dict((k, v) for k, v in perm.items() if v not in ([], None))
    if "UserIdGroupPairs" in item:
        item["UserIdGroupPairs"] = [dict((k, v) for k, v in pair.items() if k in ("GroupId", "UserId"))
                                    for pair in item["UserIdGroupPairs"]]
    return item


class VpcEndpoints(tagging.StackTagged, Service):
    SERVICES = ("ec2",)
    EXTRA_RETRY_CODES = {"ec2": ["InvalidVpcEndpointId.NotFound", "InvalidGroup.NotFound", "InvalidSubnetID.NotFound",
                                 "InvalidRouteTableID.NotFound"]}

    def __init__(self, *args, **kwargs):
        super(VpcEndpoints, self).__init__(*args, **kwargs)
        self.stack = self.params["stack"]
        self.changes = []

    def change(self, text):
        self.changes.append(text)

    # -- reads -------------------------------------------------------------------------------------
    def services(self):
        """(prefix, offered service names) from DescribeVpcEndpointServices (it has no paginator)."""
        names = self.endpoint_service_names()
        prefix = self.params.get("service_prefix") or detect_prefix(names, self.region)
        return prefix, names

    def stack_endpoints(self, vpc_id):
        endpoints = self.paginate("ec2", "describe_vpc_endpoints", "VpcEndpoints", Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]}] + tagging.stack_filters(self.stack))
        return [e for e in endpoints if e.get("State", "").lower() not in GONE_STATES]

    def name_of(self, short):
        return "%s-%s" % (self.params.get("name_prefix") or self.stack, short)

    # -- security group -------------------------------------------------------------------------------
    def converge_security_group(self, vpc_id, vpc_cidr):
        spec = self.params["security_group"]
        name = spec["name"]
        found = self.paginate("ec2", "describe_security_groups", "SecurityGroups", Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}])
        if found and not self.owned(found[0]):
            raise EndpointError("security group %s (%s) exists and is not tagged %s=%s: rename it or tag it"
                                % (name, found[0]["GroupId"], STACK_TAG, self.stack))
        if not found:
            self.change("create security group %s (HTTPS from %s)" % (name, vpc_cidr))
            if self.check_mode:
                return None
            group_id = self.request("ec2", "create_security_group", GroupName=name, Description=spec["description"],
                                    VpcId=vpc_id, TagSpecifications=self.tag_spec("security-group", name))["GroupId"]
            group = {"GroupId": group_id, "IpPermissions": [], "IpPermissionsEgress": [
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
        else:
            group = found[0]
            group_id = group["GroupId"]
            self.converge_tags(group_id, group, name)
        wanted = {"IpProtocol": "tcp", "FromPort": HTTPS, "ToPort": HTTPS,
                  "IpRanges": [{"CidrIp": vpc_cidr, "Description": "HTTPS from the VPC to the endpoints"}]}
        has_wanted = False
        extra = []
        for perm in group.get("IpPermissions") or []:
            ranges = perm.get("IpRanges") or []
            if (perm.get("IpProtocol") == "tcp" and perm.get("FromPort") == HTTPS and perm.get("ToPort") == HTTPS
                    and any(r.get("CidrIp") == vpc_cidr for r in ranges)):
                has_wanted = True
                others = [r for r in ranges if r.get("CidrIp") != vpc_cidr]
                if others or perm.get("UserIdGroupPairs") or perm.get("Ipv6Ranges") or perm.get("PrefixListIds"):
                    extra.append(_strip(dict(perm, IpRanges=others)))
            else:
                extra.append(_strip(perm))
        extra = [p for p in extra if p.get("IpRanges") or p.get("Ipv6Ranges") or p.get("UserIdGroupPairs") or p.get("PrefixListIds")]
        if extra:
            self.change("remove %d other ingress rule(s) from %s" % (len(extra), name))
            if not self.check_mode:
                self.request("ec2", "revoke_security_group_ingress", GroupId=group_id, IpPermissions=extra)
        if not has_wanted:
            self.change("allow HTTPS from %s in %s" % (vpc_cidr, name))
            if not self.check_mode:
                self.request("ec2", "authorize_security_group_ingress", GroupId=group_id, IpPermissions=[wanted])
        if group.get("IpPermissionsEgress"):
            # endpoints answer connections; they open none
            self.change("remove the egress rules of %s" % name)
            if not self.check_mode:
                self.request("ec2", "revoke_security_group_egress", GroupId=group_id,
                             IpPermissions=[_strip(p) for p in group["IpPermissionsEgress"]])
        return group_id

    def vpc_cidr(self, vpc_id):
        vpcs = self.paginate("ec2", "describe_vpcs", "Vpcs", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        if not vpcs:
            raise EndpointError("vpc_id %s: no such VPC" % vpc_id)
        return vpcs[0]["CidrBlock"]

    # -- present -------------------------------------------------------------------------------------------
    def present(self):
        p = self.params
        vpc_id = p["vpc_id"]
        vpc_cidr = p.get("vpc_cidr") or self.vpc_cidr(vpc_id)  # given by the network role's result
        prefix, offered = self.services()
        wanted_services = list(p["interface_services"]) + list(p["gateway_services"])
        unknown = unknown_services(wanted_services, offered, prefix, self.region)
        if unknown:
            raise EndpointError("unknown VPC endpoint service(s) in %s: %s; DescribeVpcEndpointServices does not offer them "
                                "(fix interface_services / gateway_services, in the endpoints role "
                                "endpoints_interface_services / endpoints_gateway_services)" % (self.region, ", ".join(unknown)))
        overlap = set(p["interface_services"]) & set(p["gateway_services"])
        if overlap:
            raise EndpointError("service(s) listed as both interface and gateway endpoints: %s" % ", ".join(sorted(overlap)))

        existing = self.stack_endpoints(vpc_id)
        before = dict((service_short_name(e["ServiceName"], prefix, self.region) or e["ServiceName"],
                       endpoint_view(e, prefix, self.region)) for e in existing)

        group_id = self.converge_security_group(vpc_id, vpc_cidr) if p["security_group"] else None
        group_ids = list(p["security_group_ids"] or [])
        if group_id:
            group_ids.insert(0, group_id)
        elif p["security_group"]:
            group_ids.insert(0, "(new security group)")

        desired = {}
        for short in p["interface_services"]:
            desired[short] = {"type": "Interface", "subnet_ids": p["subnet_ids"], "security_group_ids": group_ids,
                              "private_dns": p["private_dns_enabled"]}
        for short in p["gateway_services"]:
            desired[short] = {"type": "Gateway", "route_table_ids": p["route_table_ids"]}

        by_service = {}
        duplicates = []
        for endpoint in existing:
            short = service_short_name(endpoint["ServiceName"], prefix, self.region) or endpoint["ServiceName"]
            if short in by_service or short not in desired or endpoint.get("VpcEndpointType") != desired[short]["type"]:
                duplicates.append((short, endpoint))
            else:
                by_service[short] = endpoint

        ids = {}
        for short, want in desired.items():
            endpoint = by_service.get(short)
            service_name = "%s.%s.%s" % (prefix, self.region, short)
            if endpoint is None:
                self.change("create %s endpoint %s" % (want["type"].lower(), short))
                if self.check_mode:
                    ids[short] = None
                    continue
                kwargs = {"VpcId": vpc_id, "ServiceName": service_name, "VpcEndpointType": want["type"],
                          "TagSpecifications": self.tag_spec("vpc-endpoint", self.name_of(short))}
                if want["type"] == "Interface":
                    kwargs.update(SubnetIds=want["subnet_ids"], SecurityGroupIds=want["security_group_ids"],
                                  PrivateDnsEnabled=want["private_dns"])
                else:
                    kwargs.update(RouteTableIds=want["route_table_ids"])
                created = self.request("ec2", "create_vpc_endpoint", **kwargs)["VpcEndpoint"]
                ids[short] = created["VpcEndpointId"]
                by_service[short] = created
                continue
            ids[short] = endpoint["VpcEndpointId"]
            diff = endpoint_diff(endpoint, want)
            if want["type"] == "Interface" and "(new security group)" in want["security_group_ids"]:
                diff.pop("RemoveSecurityGroupIds", None)
            if diff:
                self.change(describe_change(short, diff))
                if not self.check_mode:
                    self.request("ec2", "modify_vpc_endpoint", VpcEndpointId=endpoint["VpcEndpointId"], **diff)
            self.converge_tags(endpoint["VpcEndpointId"], endpoint, self.name_of(short))

        removed = [e for _s, e in duplicates]
        for short, endpoint in duplicates:
            self.change("delete endpoint %s (%s, no longer wanted)" % (short, endpoint["VpcEndpointId"]))
        if removed and not self.check_mode:
            self.delete([e["VpcEndpointId"] for e in removed])

        if p["wait"] and not self.check_mode:
            self.wait_available([i for i in ids.values() if i])
            unavailable = []
        else:
            unavailable = [short for short in desired if (by_service.get(short) or {}).get("State", "").lower() != "available"]

        after = dict((short, desired_view(want)) for short, want in desired.items())
        return {
            # Nothing changed and every endpoint available: a later wait call would return at once and can be skipped.
            "ready": not self.changes and not unavailable,
            "changed": bool(self.changes),
            "changes": self.changes,
            "diff": {"before": before, "after": after},
            "service_prefix": prefix,
            "security_group_id": group_id,
            "endpoints": ids,
        }

    def delete(self, endpoint_ids):
        for batch in chunks(endpoint_ids, 25):
            response = self.request("ec2", "delete_vpc_endpoints", VpcEndpointIds=batch)
            failed = [u for u in response.get("Unsuccessful", []) if u.get("Error", {}).get("Code") != "InvalidVpcEndpoint.NotFound"]
            if failed:
                raise EndpointError("could not delete endpoints: %s" % failed)

    def wait_available(self, endpoint_ids):
        if not endpoint_ids:
            return

        def check():
            found = self.paginate("ec2", "describe_vpc_endpoints", "VpcEndpoints", VpcEndpointIds=endpoint_ids)
            states = dict((e["VpcEndpointId"], e.get("State", "").lower()) for e in found)
            bad = [i for i, s in states.items() if s in ("failed", "rejected", "deleted", "expired")]
            if bad:
                raise EndpointError("endpoint(s) failed: %s" % ", ".join("%s %s" % (i, states[i]) for i in bad))
            waiting = ["%s %s" % (i, states.get(i)) for i in endpoint_ids if states.get(i) != "available"]
            return not waiting, waiting, None
        self.wait(check, "endpoints to be available")

    # -- absent ------------------------------------------------------------------------------------------------
    def absent(self):
        vpc_id = self.params["vpc_id"]
        filters = tagging.stack_filters(self.stack)
        if vpc_id:
            filters.append({"Name": "vpc-id", "Values": [vpc_id]})
        endpoints = [e for e in self.paginate("ec2", "describe_vpc_endpoints", "VpcEndpoints", Filters=filters)
                     if e.get("State", "").lower() not in GONE_STATES]
        before = dict((e["ServiceName"], e["VpcEndpointId"]) for e in endpoints)
        for endpoint in endpoints:
            self.change("delete endpoint %s (%s)" % (endpoint["ServiceName"], endpoint["VpcEndpointId"]))
        if endpoints and not self.check_mode:
            self.delete([e["VpcEndpointId"] for e in endpoints])
            if self.params["wait"]:
                self.wait_deleted([e["VpcEndpointId"] for e in endpoints])
        spec = self.params.get("security_group")
        if spec:
            sg_filters = [{"Name": "group-name", "Values": [spec["name"]]}] + tagging.stack_filters(self.stack)
            if vpc_id:
                sg_filters.append({"Name": "vpc-id", "Values": [vpc_id]})
            for group in self.paginate("ec2", "describe_security_groups", "SecurityGroups", Filters=sg_filters):
                self.change("delete security group %s (%s)" % (group["GroupName"], group["GroupId"]))
                if not self.check_mode:
                    self.delete_group(group["GroupId"])
        return {"changed": bool(self.changes), "changes": self.changes,
                "diff": {"before": before, "after": before if self.check_mode else {}}}

    def wait_deleted(self, endpoint_ids):
        def check():
            # by tag, not by id: AWS answers NotFound for ids of endpoints that are gone
            found = self.paginate("ec2", "describe_vpc_endpoints", "VpcEndpoints", Filters=tagging.stack_filters(self.stack))
            deleting = ["%s %s" % (e["VpcEndpointId"], e.get("State")) for e in found if e["VpcEndpointId"] in endpoint_ids
                        and e.get("State", "").lower() not in ("deleted", "failed")]
            return not deleting, deleting, None
        self.wait(check, "endpoints to be deleted")

    def delete_group(self, group_id):
        # endpoint network interfaces go away shortly after the endpoints: retry while still in use
        def attempt():
            try:
                self.request("ec2", "delete_security_group", GroupId=group_id)
            except is_boto3_error_code("DependencyViolation"):
                return False, ["security group %s still in use" % group_id], None
            return True, [], None
        self.wait(attempt, "security group %s to be deleted" % group_id)

    def run(self):
        return self.run_by_state("endpoint")
