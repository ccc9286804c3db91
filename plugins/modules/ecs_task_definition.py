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
  - With I(task_definitions), converges several families in one module process (one process per family is most of
    the time a loop of this module takes).
  - Supports check mode and diff mode.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  family:
    description: Name of the task definition family. Required unless I(task_definitions) is given.
    type: str
  task_definitions:
    description:
      - Several families at once, each a dict of this module's options (I(family), I(container_definitions),
        I(network_mode), I(execution_role_arn), I(task_role_arn), I(volumes), I(placement_constraints),
        I(runtime_platform), I(keep_revisions), I(tags), I(purge_tags), I(state), ...), validated like them.
      - Mutually exclusive with I(family).
    type: list
    elements: dict
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

- name: Register the task definitions of two services in one module process
  cloudops.ecs.ecs_task_definition:
    task_definitions:
      - family: shop-prod-web
        container_definitions: [{name: web, image: "public.ecr.aws/nginx/nginx:1.27", memory: 512}]
      - family: shop-prod-api
        container_definitions: [{name: api, image: "public.ecr.aws/docker/library/python:3.12-slim", memory: 256}]
        keep_revisions: 5

- name: Remove every revision of a family
  cloudops.ecs.ecs_task_definition:
    family: shop-prod-old
    state: absent
"""

RETURN = r"""
task_definition_arn:
  description: ARN of the revision now current (the new one when registered). Absent in check mode for a new family.
  returned: when state=present, without I(task_definitions)
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/shop-prod-web:7
revision:
  description: Revision number of I(task_definition_arn).
  returned: when state=present, without I(task_definitions)
  type: int
  sample: 7
family:
  description: The family.
  returned: without I(task_definitions)
  type: str
registered:
  description: Whether a new revision was (or in check mode would be) registered.
  returned: without I(task_definitions)
  type: bool
differences:
  description: What differs from the latest ACTIVE revision (top-level keys and C(containerDefinitions[name].key)).
  returned: without I(task_definitions)
  type: list
  elements: str
  sample: ["containerDefinitions[web].image"]
deregistered:
  description: ARNs of revisions deregistered (or that would be in check mode).
  returned: without I(task_definitions)
  type: list
  elements: str
task_definitions:
  description: With I(task_definitions), the result of each family in the same order (the keys above, and C(diff)).
  returned: with I(task_definitions)
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import batch_argument_spec, run_one_or_many
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition_family import TaskDefinitionFamily
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import tags_argument_spec


FAMILY_OPTIONS = dict(
    family=dict(type="str"),
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


def main():
    module = AnsibleAWSModule(
        argument_spec=batch_argument_spec(FAMILY_OPTIONS, "task_definitions", key="family"),
        supports_check_mode=True,
        mutually_exclusive=[("family", "task_definitions")],
        required_one_of=[("family", "task_definitions")],
        required_if=[("state", "present", ["container_definitions", "task_definitions"], True)],
    )
    run_one_or_many(module, TaskDefinitionFamily, FAMILY_OPTIONS, "task_definitions", key="family",
                    description="register task definitions",
                    required_if=[("state", "present", ["container_definitions"])])


if __name__ == "__main__":
    main()
