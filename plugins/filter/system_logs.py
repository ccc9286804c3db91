# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: system_logs
short_description: The container instances' system logs - log groups, CloudWatch agent configuration, role policy
version_added: 0.1.0
description:
  - From the log group name prefix of the stack's instances, returns C(log_groups) (ecs-agent, ecs-init, docker,
    containerd, cloud-init, journal), C(agent_config) (the CloudWatch agent configuration shipping
    C(/var/log/ecs/ecs-agent.log), C(/var/log/ecs/ecs-init.log), the docker and containerd daemon logs, the
    cloud-init logs and C(/var/log/messages) to them, one stream per instance and file), C(rsyslog_rules) (the
    lines splitting the docker and containerd messages into their files) and, given the identity, C(policy) (the
    instance role's C(logs:CreateLogStream) and C(logs:PutLogEvents) on exactly those log groups).
options:
  _input:
    description: Log group name prefix, such as C(/shop/instances/).
    type: str
    required: true
  partition:
    description: AWS partition of the account.
    type: str
    default: ""
  region:
    description: Region of the log groups.
    type: str
    default: ""
  account_id:
    description: Account of the log groups.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: What the instances ship where
  ansible.builtin.set_fact:
    system_logs: "{{ '/shop/instances/' | cloudops.ecs.system_logs('aws', 'us-east-1', '123456789012') }}"
"""

RETURN = r"""
_value:
  description: log_groups, agent_config, rsyslog_rules and (with the identity) policy.
  type: dict
"""

from ansible_collections.cloudops.ecs.plugins.module_utils.system_logs import system_logs


class FilterModule(object):
    def filters(self):
        return {"system_logs": system_logs}
