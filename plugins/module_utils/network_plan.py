# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure subnet planning for the network role: derive per-AZ subnet CIDRs from the VPC CIDR and
validate a plan (sizes, overlaps, containment, AZ count, NAT mode) without any AWS call.

Derivation scheme (VPC /16 .. /21; larger prefixes must give the subnets explicitly):
  * the VPC is cut into 16 equal blocks (VPC prefix + 4: a /16 gives /20 blocks);
  * private subnet i (i = 0, 1, 2) is block i (a /16 VPC gives 10.0.0.0/20, 10.0.16.0/20, 10.0.32.0/20);
  * public subnets are cut from the last block, each of prefix min(VPC prefix + 8, 27)
    (a /16 VPC gives 10.0.240.0/24, 10.0.241.0/24, 10.0.242.0/24);
  * blocks 3 .. 14 stay free for later tiers.
Every error names the variable that holds the bad value and says how to fix it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

MIN_SUBNET_PREFIX = 27
NAT_MODES = ("per_az", "single", "none")
MIN_AZS = 2
MAX_AZS = 3


def parse_network(value):
    """An IPv4 network in strict CIDR form (no host bits), or None when it is not one."""
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.IPv4Network(value.strip(), strict=True)
    except ValueError:
        return None


def available_zone_names(zones):
    """Names of the region's usable Availability Zones, sorted (the order vpc_network picks them in)."""
    return sorted(z["ZoneName"] for z in zones
                  if z.get("State", "available") == "available"
                  and z.get("ZoneType", "availability-zone") == "availability-zone"
                  and z.get("OptInStatus", "opt-in-not-required") != "not-opted-in")


def derive_subnets(vpc_cidr, az_count):
    """(public_cidrs, private_cidrs) for az_count AZs under the documented scheme.
    Raises ValueError when the VPC CIDR cannot hold them."""
    vpc = parse_network(vpc_cidr)
    if vpc is None:
        raise ValueError("%r is not an IPv4 CIDR" % (vpc_cidr,))
    if vpc.prefixlen < 16 or vpc.prefixlen > 21:
        raise ValueError(
            "subnets can be derived from a /16 to /21 VPC CIDR only (got /%d)" % vpc.prefixlen
        )
    blocks = list(vpc.subnets(new_prefix=vpc.prefixlen + 4))
    private = [str(block) for block in blocks[:az_count]]
    public_prefix = min(vpc.prefixlen + 8, MIN_SUBNET_PREFIX)
    public = [str(net) for net in list(blocks[-1].subnets(new_prefix=public_prefix))[:az_count]]
    return public, private


def plan_network(
    vpc_cidr,
    azs,
    nat_mode="per_az",
    public_cidrs=None,
    private_cidrs=None,
    existing_cidrs=None,
    az_count=None,
):
    """Validate the inputs and return {"errors": [...], "azs", "public_cidrs", "private_cidrs"}.

    vpc_cidr: the VPC CIDR (given, or read from the existing VPC);
    azs: the AZ names to use (already cut to az_count);
    public_cidrs / private_cidrs: explicit lists aligned with azs, or empty to derive them;
    existing_cidrs: {subnet_id: cidr} of subnets in the VPC that are not ours (existing-VPC mode);
    az_count: the requested count (network_az_count), checked against 2..3.
    """
    errors = []
    azs = list(azs or [])
    existing_cidrs = dict(existing_cidrs or {})
    count = len(azs) if az_count is None else az_count
    if nat_mode not in NAT_MODES:
        errors.append(
            "network_nat_mode is %r: use one of %s" % (nat_mode, ", ".join(NAT_MODES))
        )
    if not isinstance(count, int) or count < MIN_AZS or count > MAX_AZS:
        errors.append(
            "network_az_count is %r: use 2 or 3 AZs (one public and one private subnet per AZ)" % (count,)
        )
    if len(azs) != len(set(azs)):
        errors.append("network_azs lists an AZ twice (%s): give distinct AZ names" % ", ".join(azs))
    if isinstance(count, int) and len(azs) < count:
        errors.append(
            "network_azs: %d AZ(s) available or given (%s) but network_az_count is %d: give %d AZ names"
            % (len(azs), ", ".join(azs) or "none", count, count)
        )
    if nat_mode == "per_az" and len(azs) < 2:
        errors.append(
            "network_nat_mode per_az needs at least 2 AZs (got %d): add AZs to network_azs or use network_nat_mode single"
            % len(azs)
        )
    vpc = parse_network(vpc_cidr)
    if vpc is None:
        errors.append(
            "network_vpc_cidr %r is not an IPv4 network in CIDR form (e.g. 10.0.0.0/16, no host bits set)" % (vpc_cidr,)
        )
    elif vpc.prefixlen < 16 or vpc.prefixlen > 28:
        errors.append("network_vpc_cidr %s: a VPC CIDR must be between /16 and /28" % vpc_cidr)
    if errors:
        return {"errors": errors, "azs": azs, "public_cidrs": [], "private_cidrs": []}

    public_cidrs = list(public_cidrs or [])
    private_cidrs = list(private_cidrs or [])
    if not public_cidrs or not private_cidrs:
        try:
            derived_public, derived_private = derive_subnets(vpc_cidr, len(azs))
        except ValueError as exc:
            errors.append(
                "network_vpc_cidr %s: %s; use a /16 to /21 VPC or set network_public_subnet_cidrs and "
                "network_private_subnet_cidrs explicitly" % (vpc_cidr, exc)
            )
            return {"errors": errors, "azs": azs, "public_cidrs": [], "private_cidrs": []}
        public_cidrs = public_cidrs or derived_public
        private_cidrs = private_cidrs or derived_private

    planned = []
    for tier, variable, cidrs in (
        ("public", "network_public_subnet_cidrs", public_cidrs),
        ("private", "network_private_subnet_cidrs", private_cidrs),
    ):
        if len(cidrs) != len(azs):
            errors.append(
                "%s has %d CIDR(s) for %d AZ(s) (%s): give one CIDR per AZ, in AZ order"
                % (variable, len(cidrs), len(azs), ", ".join(azs))
            )
            continue
        for index, (az, cidr) in enumerate(zip(azs, cidrs)):
            label = "%s[%d] %s (%s subnet in %s)" % (variable, index, cidr, tier, az)
            net = parse_network(cidr)
            if net is None:
                errors.append("%s is not an IPv4 network in CIDR form (no host bits set): fix %s" % (label, variable))
                continue
            if net.prefixlen > MIN_SUBNET_PREFIX:
                errors.append(
                    "%s is smaller than /%d: use a /%d or larger block in %s"
                    % (label, MIN_SUBNET_PREFIX, MIN_SUBNET_PREFIX, variable)
                )
            if not net.subnet_of(vpc):
                errors.append("%s is outside the VPC CIDR %s: pick a block inside it in %s" % (label, vpc, variable))
            planned.append((label, variable, net))

    for i, (label_a, variable_a, net_a) in enumerate(planned):
        for label_b, _variable_b, net_b in planned[i + 1:]:
            if net_a.overlaps(net_b):
                errors.append("%s overlaps %s: give non-overlapping CIDRs" % (label_a, label_b))
        for subnet_id, cidr in sorted(existing_cidrs.items()):
            other = parse_network(cidr)
            if other is not None and net_a.overlaps(other):
                errors.append(
                    "%s overlaps the existing subnet %s (%s) of the VPC: choose a free block in %s"
                    % (label_a, subnet_id, cidr, variable_a)
                )
    return {"errors": errors, "azs": azs, "public_cidrs": public_cidrs, "private_cidrs": private_cidrs}
