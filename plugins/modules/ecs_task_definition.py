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

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import normalize_task_definition
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import revisions_to_deregister
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import task_definition_differences

REQUEST_KEYS = (
    ("container_definitions", "containerDefinitions"),
    ("network_mode", "networkMode"),
    ("task_role_arn", "taskRoleArn"),
    ("execution_role_arn", "executionRoleArn"),
    ("cpu", "cpu"),
    ("memory", "memory"),
    ("requires_compatibilities", "requiresCompatibilities"),
    ("volumes", "volumes"),
    ("placement_constraints", "placementConstraints"),
    ("pid_mode", "pidMode"),
    ("ipc_mode", "ipcMode"),
    ("runtime_platform", "runtimePlatform"),
)


def latest_active(client, module, family):
    try:
        response = client.describe_task_definition(taskDefinition=family, include=["TAGS"], aws_retry=True)
    except botocore.exceptions.ClientError as error:
        # An unknown family answers ClientException ("Unable to describe task definition.").
        if error.response.get("Error", {}).get("Code") == "ClientException":
            return None, {}
        module.fail_json_aws(error, msg="Could not describe task definition family %s" % family)
    except botocore.exceptions.BotoCoreError as error:
        module.fail_json_aws(error, msg="Could not describe task definition family %s" % family)
    definition = response["taskDefinition"]
    if definition.get("status") != "ACTIVE":
        return None, {}
    return definition, boto3_tag_list_to_ansible_dict(response.get("tags") or [], "key", "value")


@AWSRetry.jittered_backoff()
def _list_task_definitions(client, **kwargs):
    return client.get_paginator("list_task_definitions").paginate(**kwargs).build_full_result()


def active_revisions(client, module, family):
    try:
        arns = _list_task_definitions(client, familyPrefix=family, status="ACTIVE").get("taskDefinitionArns", [])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="Could not list revisions of %s" % family)
    # familyPrefix is a prefix: keep this family only.
    return [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]


def deregister(client, module, arns):
    for arn in arns:
        try:
            client.deregister_task_definition(taskDefinition=arn, aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            module.fail_json_aws(error, msg="Could not deregister %s" % arn)


def desired_request(params):
    request = {"family": params["family"]}
    for option, key in REQUEST_KEYS:
        if params.get(option) not in (None, [], {}):
            request[key] = params[option]
    return request


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
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["container_definitions"])],
    )
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    params = module.params
    family = params["family"]
    result = dict(changed=False, family=family, registered=False, differences=[], deregistered=[])

    if params["state"] == "absent":
        arns = active_revisions(client, module, family)
        if arns and not module.check_mode:
            deregister(client, module, arns)
        result.update(changed=bool(arns), deregistered=arns)
        if module._diff:
            result["diff"] = dict(before={"active_revisions": arns}, after={"active_revisions": []})
        module.exit_json(**result)

    request = desired_request(params)
    current, current_tags = latest_active(client, module, family)
    differences = task_definition_differences(current, request)
    result["differences"] = differences
    desired_tags = params["tags"]

    if differences:
        result.update(changed=True, registered=True)
        if not module.check_mode:
            register = dict(request)
            tags = desired_tags if desired_tags is not None else current_tags
            if tags:
                register["tags"] = [{"key": k, "value": str(v)} for k, v in tags.items()]
            try:
                response = client.register_task_definition(aws_retry=True, **register)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                module.fail_json_aws(error, msg="Could not register task definition %s" % family)
            arn = response["taskDefinition"]["taskDefinitionArn"]
            result.update(task_definition_arn=arn, revision=response["taskDefinition"]["revision"])
        elif current is not None:
            result.update(revision=current["revision"] + 1)
    else:
        arn = current["taskDefinitionArn"]
        result.update(task_definition_arn=arn, revision=current["revision"])
        if desired_tags is not None:
            to_set, to_unset = compare_aws_tags(current_tags, desired_tags, params["purge_tags"])
            if to_set or to_unset:
                result["changed"] = True
                result["differences"] = ["tags"]
                if not module.check_mode:
                    try:
                        if to_unset:
                            client.untag_resource(resourceArn=arn, tagKeys=to_unset, aws_retry=True)
                        if to_set:
                            client.tag_resource(
                                resourceArn=arn, tags=[{"key": k, "value": str(v)} for k, v in to_set.items()],
                                aws_retry=True,
                            )
                    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                        module.fail_json_aws(error, msg="Could not tag %s" % arn)

    if params["keep_revisions"] is not None:
        arns = active_revisions(client, module, family)
        if result["registered"] and result.get("task_definition_arn") and result["task_definition_arn"] not in arns:
            arns.append(result["task_definition_arn"])
        elif result["registered"] and module.check_mode:
            # The revision check mode would register counts as the newest one.
            arns.append("%s:%d" % (family, (max([int(a.rsplit(":", 1)[1]) for a in arns] or [0]) + 1)))
        stale = revisions_to_deregister(arns, params["keep_revisions"])
        if stale:
            result["changed"] = True
            result["deregistered"] = stale
            if not module.check_mode:
                deregister(client, module, stale)

    if module._diff:
        result["diff"] = dict(
            before=normalize_task_definition(current) if current else {},
            after=normalize_task_definition(request),
        )
        if current is not None:
            result["diff"]["before"]["tags"] = current_tags
        result["diff"]["after"]["tags"] = desired_tags if desired_tags is not None else current_tags
    module.exit_json(**result)


if __name__ == "__main__":
    main()
