#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ecs_task_definition
short_description: Register an ECS task definition only when its content changed
version_added: 0.1.0
description:
  - Registers a new revision of an ECS task definition family only when the requested content differs
    from the latest C(ACTIVE) revision. Both sides are normalised first (AWS defaults such as C(essential),
    port mapping C(protocol) and C(hostPort), health-check timings, empty lists, number-to-string
    conversions, unordered lists), so re-running a playbook never registers a new revision.
  - Tags are reconciled on the latest revision without registering a new one.
  - Optionally deregisters older C(ACTIVE) revisions, keeping the newest I(keep_revisions).
  - With I(state=absent), deregisters every C(ACTIVE) revision of the family.
  - Supports check mode and diff mode.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  family:
    description: Name of the task definition family.
    required: true
    type: str
  state:
    description: C(present) registers when needed; C(absent) deregisters every ACTIVE revision.
    type: str
    choices: [present, absent]
    default: present
  container_definitions:
    description:
      - Container definitions in the shape of the ECS API (camelCase keys, for example C(name), C(image),
        C(memory), C(portMappings), C(environment), C(secrets), C(logConfiguration), C(healthCheck)).
      - Required when I(state=present).
    type: list
    elements: dict
  network_mode:
    description: Docker networking mode of the containers.
    type: str
    choices: [bridge, host, awsvpc, none]
    default: bridge
  task_role_arn:
    description: IAM role the containers assume.
    type: str
  execution_role_arn:
    description: IAM role the ECS agent uses to pull images, read secrets and write logs.
    type: str
  cpu:
    description: Task-level CPU units (for example C(256)); optional on EC2.
    type: str
  memory:
    description: Task-level memory in MiB (for example C(512)); optional on EC2.
    type: str
  requires_compatibilities:
    description: Launch types the task definition is validated against.
    type: list
    elements: str
    choices: [EC2, FARGATE, EXTERNAL]
  volumes:
    description: Task volumes in the shape of the ECS API.
    type: list
    elements: dict
  placement_constraints:
    description: Task placement constraints in the shape of the ECS API.
    type: list
    elements: dict
  pid_mode:
    description: Process namespace mode.
    type: str
    choices: [host, task]
  ipc_mode:
    description: IPC namespace mode.
    type: str
    choices: [host, task, none]
  runtime_platform:
    description: Operating system family and CPU architecture (C(operatingSystemFamily), C(cpuArchitecture)).
    type: dict
  keep_revisions:
    description:
      - When set, deregister older C(ACTIVE) revisions of the family, keeping this many newest ones
        (at least one, since the latest is the one in use).
    type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register the web task definition (no new revision when nothing changed)
  cloudops.ecs.ecs_task_definition:
    family: shop-prod-web
    network_mode: bridge
    execution_role_arn: "{{ execution_role_arn }}"
    container_definitions:
      - name: web
        image: public.ecr.aws/nginx/nginx:1.27
        memory: 512
        portMappings:
          - containerPort: 80
        readonlyRootFilesystem: true
    tags:
      cloudops:stack: shop-prod
    keep_revisions: 5
  register: web_td

- name: Remove every revision of a family
  cloudops.ecs.ecs_task_definition:
    family: shop-prod-old
    state: absent
"""

RETURN = r"""
task_definition_arn:
  description: ARN of the revision now current (the new one when registered). Absent in check mode for a new family.
  returned: when state=present
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/shop-prod-web:7
revision:
  description: Revision number of I(task_definition_arn).
  returned: when state=present
  type: int
  sample: 7
family:
  description: The family.
  returned: always
  type: str
registered:
  description: Whether a new revision was (or in check mode would be) registered.
  returned: always
  type: bool
differences:
  description: What differs from the latest ACTIVE revision (top-level keys and C(containerDefinitions[name].key)).
  returned: always
  type: list
  elements: str
  sample: ["containerDefinitions[web].image"]
deregistered:
  description: ARNs of revisions deregistered (or that would be in check mode).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition_family import TaskDefinitionFamily
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


def main():
    argument_spec = dict(
        family=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        container_definitions=dict(type="list", elements="dict"),
        network_mode=dict(type="str", choices=["bridge", "host", "awsvpc", "none"], default="bridge"),
        task_role_arn=dict(type="str"),
        execution_role_arn=dict(type="str"),
        cpu=dict(type="str"),
        memory=dict(type="str"),
        requires_compatibilities=dict(type="list", elements="str", choices=["EC2", "FARGATE", "EXTERNAL"]),
        volumes=dict(type="list", elements="dict"),
        placement_constraints=dict(type="list", elements="dict"),
        pid_mode=dict(type="str", choices=["host", "task"]),
        ipc_mode=dict(type="str", choices=["host", "task", "none"]),
        runtime_platform=dict(type="dict"),
        keep_revisions=dict(type="int"),
        **tags_argument_spec(("resource_tags",)),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["container_definitions"])],
    )
    run_service(module, TaskDefinitionFamily.from_module(module))


if __name__ == "__main__":
    main()
