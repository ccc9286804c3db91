# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: service_principal
short_description: The principal of an AWS service in a partition
version_added: 0.1.0
description:
  - C(logs | cloudops.ecs.service_principal(partition)) gives C(logs.amazonaws.com) in C(aws),
    C(logs.amazonaws.com.cn) in C(aws-cn), C(logs.c2s.ic.gov) in C(aws-iso); with O(region) the regional
    form (C(logs.us-east-1.amazonaws.com)) that CloudWatch Logs key policies need.
  - Same rules as the collection's modules (plugins/module_utils/arn.py).
options:
  _input:
    description: Service name (C(logs), C(events), C(ecs-tasks), C(ec2), C(vpc-flow-logs), ...).
    type: str
    required: true
  partition:
    description: AWS partition (C(aws), C(aws-us-gov), C(aws-cn), C(aws-iso), C(aws-iso-b)).
    type: str
    required: true
  region:
    description: Region, for the regional form.
    type: str
"""

EXAMPLES = r"""
- name: CloudWatch Logs may use the key
  ansible.builtin.set_fact:
    logs_principal: "{{ 'logs' | cloudops.ecs.service_principal(partition, region=cloudops_aws_region) }}"
"""

RETURN = r"""
_value:
  description: The service principal.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudops.ecs.plugins.module_utils.arn import service_principal as _service_principal


def service_principal(service, partition, region=None):
    try:
        return _service_principal(service, partition, region)
    except ValueError as e:
        raise AnsibleFilterError("service_principal: %s" % e) from e


class FilterModule:
    def filters(self):
        return {"service_principal": service_principal}
