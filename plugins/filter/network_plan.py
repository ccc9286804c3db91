# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: network_plan
short_description: Plan and validate per-AZ subnet CIDRs for a VPC
version_added: 0.1.0
description:
  - Derives one public and one private subnet CIDR per AZ from the VPC CIDR (unless given) and validates
    the plan without any AWS call. Returns a dict with C(errors) (each names the variable to fix), C(azs),
    C(public_cidrs) and C(private_cidrs).
  - "Derivation: the VPC (a /16 to /21) is cut into 16 blocks; private subnet i is block i; public subnets
    are cut from the last block with prefix min(VPC prefix + 8, 27). A /16 gives private /20s and public /24s."
options:
  _input:
    description: The VPC CIDR.
    type: str
    required: true
  azs:
    description: AZ names, in order.
    type: list
    elements: str
    required: true
  nat_mode:
    description: per_az, single or none.
    type: str
    default: per_az
  public_cidrs:
    description: Explicit public subnet CIDRs (empty to derive).
    type: list
    elements: str
  private_cidrs:
    description: Explicit private subnet CIDRs (empty to derive).
    type: list
    elements: str
  existing_cidrs:
    description: Subnets already in the VPC that are not ours, subnet id -> CIDR.
    type: dict
  az_count:
    description: The requested AZ count.
    type: int
"""

EXAMPLES = r"""
- name: Plan the subnets
  ansible.builtin.set_fact:
    plan: "{{ '10.0.0.0/16' | cloudops.ecs.network_plan(['us-east-1a', 'us-east-1b', 'us-east-1c']) }}"
"""

RETURN = r"""
_value:
  description: C(errors), C(azs), C(public_cidrs), C(private_cidrs).
  type: dict
"""

from ansible_collections.cloudops.ecs.plugins.module_utils.network_plan import plan_network


def network_plan(vpc_cidr, azs, nat_mode="per_az", public_cidrs=None, private_cidrs=None, existing_cidrs=None,
                 az_count=None):
    if az_count is not None:
        try:
            az_count = int(az_count)
        except (TypeError, ValueError):
            pass
    return plan_network(vpc_cidr, azs, nat_mode=nat_mode, public_cidrs=public_cidrs, private_cidrs=private_cidrs,
                        existing_cidrs=existing_cidrs, az_count=az_count)


class FilterModule(object):
    def filters(self):
        return {"network_plan": network_plan}
