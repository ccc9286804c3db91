# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dns_records
short_description: The records of the dns role's private and public zones
version_added: 0.1.0
description:
  - From the dns role's settings, the C(records) items of cloudops.ecs.route53_zone for the private zone (database
    writer and reader CNAMEs, the load balancer's alias) and for the public zone (an alias to the load balancer per
    name, wildcards left out). A record whose target is not known yet is left out.
  - Same rules as plugins/module_utils/route53_records.py C(stack_records).
options:
  _input:
    description:
      - Settings with C(writer_name), C(writer_endpoint), C(reader_name), C(reader_endpoint), C(alb_name),
        C(alb_dns_name), C(alb_zone_id), C(public_names) and C(ttl).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Records of the zones
  ansible.builtin.set_fact:
    records: "{{ {'writer_name': 'db', 'writer_endpoint': 'demo.cluster-x.rds.amazonaws.com'} | cloudops.ecs.dns_records }}"
"""

RETURN = r"""
_value:
  description: C(private) and C(public) lists of record items.
  type: dict
"""

from ansible_collections.cloudops.ecs.plugins.module_utils.route53_records import stack_records


def dns_records(settings):
    return stack_records(settings or {})


class FilterModule:
    def filters(self):
        return {"dns_records": dns_records}
