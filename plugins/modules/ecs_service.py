#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ecs_service
short_description: Create, update, delete ECS services and wait until they are really rolled out
version_added: 1.0.0
description:
- Manages one ECS service (top-level options) or several in one call (I(services)), which batches DescribeServices
  and runs a single wait for all of them.
- Detects every managed difference (task definition, desired count, deployment configuration with the circuit breaker
  and alarms, placement strategy and constraints, capacity-provider strategy or launch type, load balancers, health-check
  grace period, ECS Exec, tag propagation, network configuration, tags) and reports it in C(--diff).
- The task definition may be a family (resolved to its latest C(ACTIVE) revision), C(family:revision) or an ARN;
  a service already running the resolved revision is not updated.
- With I(desired_count_owner=autoscaling), the desired count of an existing service is never reset (Application
  Auto Scaling owns it); I(desired_count) is only used on creation.
- With I(wait=true), waits until every service's rollout is C(COMPLETED), running equals desired with nothing pending,
  the service runs the requested task definition and every target group of the service has as many healthy targets
  as tasks. Fails early when the deployment circuit breaker fails the rollout (and says whether it rolled back),
  and on timeout names what is not ready (rollout state, counts, unhealthy targets with their reasons, placement
  failures from service events).
- I(state=absent) scales a replica service to zero, deletes it and, with I(wait=true), waits until it is C(INACTIVE).
author:
- cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description: Name or ARN of the cluster.
    required: true
    type: str
  name:
    description: Name of the service (single-service form). Mutually exclusive with I(services).
    type: str
  services:
    description:
    - Several services managed in one call; each item takes the per-service options of this module (I(name), I(state),
      I(task_definition), I(desired_count) and so on).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the service (single-service form). Mutually exclusive with I(services).
        type: str
      state:
        description: Desired state of the service (single-service form; per item in I(services)).
        type: str
        choices: &id001
        - present
        - absent
        default: present
      task_definition:
        description: &id002
        - C(family), C(family:revision) or task definition ARN. Required to create a service.
        type: str
      desired_count:
        description: Number of tasks (replica services only; ignored for C(DAEMON)).
        type: int
      desired_count_owner:
        description: &id003
        - C(module) converges the desired count on every run; C(autoscaling) sets it only on creation and leaves
          it to Application Auto Scaling afterwards.
        type: str
        choices: &id004
        - module
        - autoscaling
        default: module
      scheduling_strategy:
        description: C(REPLICA) or C(DAEMON) (one task per container instance). Cannot change after creation.
        type: str
        choices: &id005
        - REPLICA
        - DAEMON
        default: REPLICA
      launch_type:
        description: Launch type; mutually exclusive with I(capacity_provider_strategy). Leave both unset to use
          the cluster's default capacity-provider strategy.
        type: str
        choices: &id006
        - EC2
        - FARGATE
        - EXTERNAL
      capacity_provider_strategy:
        description: Capacity-provider strategy items (C(capacity_provider), C(weight), C(base)).
        type: list
        elements: dict
        suboptions:
          capacity_provider:
            description: Capacity provider name.
            type: str
            required: true
          weight:
            description: Relative share of tasks.
            type: int
            default: 0
          base:
            description: Tasks placed on this provider first.
            type: int
            default: 0
      deployment_configuration:
        description: &id007
        - Rolling deployment settings; unset keys take the AWS defaults.
        - C(minimum_healthy_percent), C(maximum_percent), C(circuit_breaker) (C(enable), C(rollback)), C(alarms)
          (C(alarm_names), C(enable), C(rollback)).
        type: dict
        suboptions:
          minimum_healthy_percent:
            description: Lower limit of running tasks during a deployment, in percent of the desired count (0-100).
            type: int
          maximum_percent:
            description: Upper limit of running and pending tasks during a deployment, in percent (100-200).
            type: int
          circuit_breaker:
            description: Deployment circuit breaker.
            type: dict
            suboptions:
              enable:
                description: Turn it on.
                type: bool
                default: false
              rollback:
                description: Roll back to the last completed deployment on failure.
                type: bool
                default: false
          alarms:
            description: CloudWatch alarms that fail a deployment.
            type: dict
            suboptions:
              alarm_names:
                description: Alarm names.
                type: list
                elements: str
                required: true
              enable:
                description: Turn it on.
                type: bool
                default: true
              rollback:
                description: Roll back to the last completed deployment on failure.
                type: bool
                default: true
      placement_strategy:
        description: Placement strategy items (C(type) spread, binpack or random; C(field)).
        type: list
        elements: dict
        suboptions:
          type:
            description: Type.
            type: str
            choices: &id008
            - spread
            - binpack
            - random
            required: true
          field:
            description: Field, for example C(attribute:ecs.availability-zone), C(memory), C(instanceId).
            type: str
      placement_constraints:
        description: Placement constraint items (C(type) distinctInstance or memberOf; C(expression)).
        type: list
        elements: dict
        suboptions:
          type:
            description: Type.
            type: str
            choices: &id009
            - distinctInstance
            - memberOf
            required: true
          expression:
            description: Cluster query language expression (memberOf).
            type: str
      load_balancers:
        description: Target groups the service registers tasks in (C(target_group_arn), C(container_name), C(container_port)).
        type: list
        elements: dict
        suboptions:
          target_group_arn:
            description: Target group ARN.
            type: str
            required: true
          container_name:
            description: Container registered in the target group.
            type: str
            required: true
          container_port:
            description: Container port registered.
            type: int
            required: true
      health_check_grace_period_seconds:
        description: Seconds ECS ignores failing load balancer health checks after a task starts.
        type: int
      enable_execute_command:
        description: Enable ECS Exec.
        type: bool
      enable_ecs_managed_tags:
        description: Let ECS tag tasks with the cluster and service names.
        type: bool
      propagate_tags:
        description: Copy tags to tasks from the task definition or the service.
        type: str
        choices: &id010
        - TASK_DEFINITION
        - SERVICE
        - NONE
      network_configuration:
        description: For C(awsvpc) task definitions; C(subnets), C(security_groups), C(assign_public_ip) (default
          false).
        type: dict
        suboptions:
          subnets:
            description: Subnet ids.
            type: list
            elements: str
            required: true
          security_groups:
            description: Security group ids.
            type: list
            elements: str
          assign_public_ip:
            description: Give tasks a public IP (keep false).
            type: bool
            default: false
      force_new_deployment:
        description: Start a new deployment even if nothing changed (always reports a change).
        type: bool
        default: false
      tags:
        description: Tags of the service (C(key) / value dict).
        type: dict
        aliases:
        - resource_tags
      purge_tags:
        description: Remove tags not listed in I(tags).
        type: bool
        default: true
  state:
    description: Desired state of the service (single-service form; per item in I(services)).
    type: str
    choices: *id001
    default: present
  task_definition:
    description: *id002
    type: str
  desired_count:
    description: Number of tasks (replica services only; ignored for C(DAEMON)).
    type: int
  desired_count_owner:
    description: *id003
    type: str
    choices: *id004
    default: module
  scheduling_strategy:
    description: C(REPLICA) or C(DAEMON) (one task per container instance). Cannot change after creation.
    type: str
    choices: *id005
    default: REPLICA
  launch_type:
    description: Launch type; mutually exclusive with I(capacity_provider_strategy). Leave both unset to use the
      cluster's default capacity-provider strategy.
    type: str
    choices: *id006
  capacity_provider_strategy:
    description: Capacity-provider strategy items (C(capacity_provider), C(weight), C(base)).
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: Capacity provider name.
        type: str
        required: true
      weight:
        description: Relative share of tasks.
        type: int
        default: 0
      base:
        description: Tasks placed on this provider first.
        type: int
        default: 0
  deployment_configuration:
    description: *id007
    type: dict
    suboptions:
      minimum_healthy_percent:
        description: Lower limit of running tasks during a deployment, in percent of the desired count (0-100).
        type: int
      maximum_percent:
        description: Upper limit of running and pending tasks during a deployment, in percent (100-200).
        type: int
      circuit_breaker:
        description: Deployment circuit breaker.
        type: dict
        suboptions:
          enable:
            description: Turn it on.
            type: bool
            default: false
          rollback:
            description: Roll back to the last completed deployment on failure.
            type: bool
            default: false
      alarms:
        description: CloudWatch alarms that fail a deployment.
        type: dict
        suboptions:
          alarm_names:
            description: Alarm names.
            type: list
            elements: str
            required: true
          enable:
            description: Turn it on.
            type: bool
            default: true
          rollback:
            description: Roll back to the last completed deployment on failure.
            type: bool
            default: true
  placement_strategy:
    description: Placement strategy items (C(type) spread, binpack or random; C(field)).
    type: list
    elements: dict
    suboptions:
      type:
        description: Type.
        type: str
        choices: *id008
        required: true
      field:
        description: Field, for example C(attribute:ecs.availability-zone), C(memory), C(instanceId).
        type: str
  placement_constraints:
    description: Placement constraint items (C(type) distinctInstance or memberOf; C(expression)).
    type: list
    elements: dict
    suboptions:
      type:
        description: Type.
        type: str
        choices: *id009
        required: true
      expression:
        description: Cluster query language expression (memberOf).
        type: str
  load_balancers:
    description: Target groups the service registers tasks in (C(target_group_arn), C(container_name), C(container_port)).
    type: list
    elements: dict
    suboptions:
      target_group_arn:
        description: Target group ARN.
        type: str
        required: true
      container_name:
        description: Container registered in the target group.
        type: str
        required: true
      container_port:
        description: Container port registered.
        type: int
        required: true
  health_check_grace_period_seconds:
    description: Seconds ECS ignores failing load balancer health checks after a task starts.
    type: int
  enable_execute_command:
    description: Enable ECS Exec.
    type: bool
  enable_ecs_managed_tags:
    description: Let ECS tag tasks with the cluster and service names.
    type: bool
  propagate_tags:
    description: Copy tags to tasks from the task definition or the service.
    type: str
    choices: *id010
  network_configuration:
    description: For C(awsvpc) task definitions; C(subnets), C(security_groups), C(assign_public_ip) (default false).
    type: dict
    suboptions:
      subnets:
        description: Subnet ids.
        type: list
        elements: str
        required: true
      security_groups:
        description: Security group ids.
        type: list
        elements: str
      assign_public_ip:
        description: Give tasks a public IP (keep false).
        type: bool
        default: false
  force_new_deployment:
    description: Start a new deployment even if nothing changed (always reports a change).
    type: bool
    default: false
  wait:
    description: Wait for rollouts (or deletions) to finish; see the description.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait before failing.
    type: int
    default: 900
  wait_interval:
    description: Seconds between polls while waiting (the first polls are faster).
    type: float
    default: 5
extends_documentation_fragment:
- amazon.aws.common.modules
- amazon.aws.region.modules
- amazon.aws.tags
- amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Web service, rolled out and healthy behind the ALB
  cloudops.ecs.ecs_service:
    cluster: shop-prod
    name: web
    task_definition: shop-prod-web
    desired_count: 3
    deployment_configuration:
      minimum_healthy_percent: 100
      maximum_percent: 200
      circuit_breaker: {enable: true, rollback: true}
    placement_strategy:
      - {type: spread, field: "attribute:ecs.availability-zone"}
      - {type: binpack, field: memory}
    load_balancers:
      - target_group_arn: "{{ web_tg_arn }}"
        container_name: web
        container_port: 8080
    health_check_grace_period_seconds: 30
    tags:
      cloudops:stack: shop-prod
    wait: true
    wait_timeout: 600

- name: Several services in one call, one wait for all
  cloudops.ecs.ecs_service:
    cluster: shop-prod
    services:
      - name: web
        task_definition: shop-prod-web
        desired_count: 2
        desired_count_owner: autoscaling
      - name: log-agent
        task_definition: shop-prod-log-agent
        scheduling_strategy: DAEMON
    wait: true

- name: Delete a service (scaled to zero first)
  cloudops.ecs.ecs_service:
    cluster: shop-prod
    name: old
    state: absent
    wait: true
"""

RETURN = r"""
services:
  description: One entry per service, in request order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Service name.
      type: str
    state:
      description: C(present) or C(absent).
      type: str
    changed:
      description: Whether this service was (or in check mode would be) created, updated or deleted.
      type: bool
    action:
      description: C(create), C(update), C(delete) or C(none).
      type: str
    differences:
      description: API fields that differed (C(taskDefinition), C(desiredCount), C(deploymentConfiguration), C(tags) ...).
      type: list
      elements: str
    service_arn:
      description: ARN of the service.
      type: str
    task_definition_arn:
      description: Task definition the service runs (or will run).
      type: str
    deployment_id:
      description: Id of the deployment this call started, if any.
      type: str
    status:
      description: Service status after the call (and wait).
      type: str
    desired_count:
      description: Desired count after the call.
      type: int
    running_count:
      description: Running count after the call.
      type: int
    rollout_state:
      description: rolloutState of the PRIMARY deployment after the call.
      type: str
service:
  description: The single service's entry of I(services) (single-service form only).
  returned: when name is given
  type: dict
waited_seconds:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import comparable_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import create_request
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import planned_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import service_differences
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_deployment_failed
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_problem_events
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_rolled_out
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_runs_task_definition
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import targets_healthy
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import parse_task_definition_reference

SERVICE_OPTIONS = dict(
    name=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    task_definition=dict(type="str"),
    desired_count=dict(type="int"),
    desired_count_owner=dict(type="str", choices=["module", "autoscaling"], default="module"),
    scheduling_strategy=dict(type="str", choices=["REPLICA", "DAEMON"], default="REPLICA"),
    launch_type=dict(type="str", choices=["EC2", "FARGATE", "EXTERNAL"]),
    capacity_provider_strategy=dict(
        type="list", elements="dict",
        options=dict(capacity_provider=dict(type="str", required=True), weight=dict(type="int", default=0),
                     base=dict(type="int", default=0)),
    ),
    deployment_configuration=dict(
        type="dict",
        options=dict(
            minimum_healthy_percent=dict(type="int"),
            maximum_percent=dict(type="int"),
            circuit_breaker=dict(type="dict", options=dict(enable=dict(type="bool", default=False),
                                                           rollback=dict(type="bool", default=False))),
            alarms=dict(type="dict", options=dict(alarm_names=dict(type="list", elements="str", required=True),
                                                  enable=dict(type="bool", default=True),
                                                  rollback=dict(type="bool", default=True))),
        ),
    ),
    placement_strategy=dict(type="list", elements="dict",
                            options=dict(type=dict(type="str", required=True, choices=["spread", "binpack", "random"]),
                                         field=dict(type="str"))),
    placement_constraints=dict(type="list", elements="dict",
                               options=dict(type=dict(type="str", required=True,
                                                      choices=["distinctInstance", "memberOf"]),
                                            expression=dict(type="str"))),
    load_balancers=dict(type="list", elements="dict",
                        options=dict(target_group_arn=dict(type="str", required=True),
                                     container_name=dict(type="str", required=True),
                                     container_port=dict(type="int", required=True))),
    health_check_grace_period_seconds=dict(type="int"),
    enable_execute_command=dict(type="bool"),
    enable_ecs_managed_tags=dict(type="bool"),
    propagate_tags=dict(type="str", choices=["TASK_DEFINITION", "SERVICE", "NONE"]),
    network_configuration=dict(type="dict",
                               options=dict(subnets=dict(type="list", elements="str", required=True),
                                            security_groups=dict(type="list", elements="str"),
                                            assign_public_ip=dict(type="bool", default=False))),
    force_new_deployment=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


class ServiceManager(object):
    def __init__(self, module):
        self.module = module
        self.client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
        self._elbv2 = None
        self.cluster = module.params["cluster"]
        self._td_cache = {}

    @property
    def elbv2(self):
        if self._elbv2 is None:
            self._elbv2 = self.module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
        return self._elbv2

    def fail(self, error, msg, **kwargs):
        self.module.fail_json_aws(error, msg=msg, **kwargs)

    # -- reads ---------------------------------------------------------------------------------------
    def describe(self, names):
        """name -> DescribeServices item (ACTIVE or DRAINING; INACTIVE and MISSING map to None)."""
        found = {}
        for start in range(0, len(names), 10):
            batch = names[start:start + 10]
            try:
                response = self.client.describe_services(
                    cluster=self.cluster, services=batch, include=["TAGS"], aws_retry=True
                )
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                code = getattr(error, "response", {}).get("Error", {}).get("Code")
                if code == "ClusterNotFoundException" and self.module.check_mode:
                    return {}  # check mode on a new account: the cluster is only planned, so is every service
                self.fail(error, "Could not describe services %s in cluster %s" % (", ".join(batch), self.cluster))
            for service in response.get("services", []):
                if service.get("status") != "INACTIVE":
                    found[service["serviceName"]] = service
        return dict((name, found.get(name)) for name in names)

    def resolve_task_definition(self, reference):
        """ARN of the revision `reference` means now; None when it does not exist (check mode on a
        family that is registered in the same run)."""
        if reference is None:
            return None
        if reference in self._td_cache:
            return self._td_cache[reference]
        _family, _revision, is_arn = parse_task_definition_reference(reference)
        if is_arn:
            arn = reference
        else:
            try:
                response = self.client.describe_task_definition(taskDefinition=reference, aws_retry=True)
                arn = response["taskDefinition"]["taskDefinitionArn"]
                if response["taskDefinition"].get("status") != "ACTIVE" and ":" not in reference:
                    arn = None
            except botocore.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") == "ClientException" and self.module.check_mode:
                    arn = None
                else:
                    self.fail(error, "Could not resolve task definition %s" % reference)
            except botocore.exceptions.BotoCoreError as error:
                self.fail(error, "Could not resolve task definition %s" % reference)
        self._td_cache[reference] = arn
        return arn

    # -- writes --------------------------------------------------------------------------------------
    def create(self, spec, td_arn):
        request = create_request(spec, self.cluster, td_arn)
        try:
            return self.client.create_service(aws_retry=True, **request)["service"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            self.fail(error, "Could not create service %s" % spec["name"])

    def update(self, name, update):
        try:
            return self.client.update_service(cluster=self.cluster, service=name, aws_retry=True, **update)["service"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            self.fail(error, "Could not update service %s" % name)

    def retag(self, arn, to_set, to_unset):
        try:
            if to_unset:
                self.client.untag_resource(resourceArn=arn, tagKeys=to_unset, aws_retry=True)
            if to_set:
                self.client.tag_resource(
                    resourceArn=arn, tags=[{"key": k, "value": str(v)} for k, v in to_set.items()], aws_retry=True
                )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            self.fail(error, "Could not tag %s" % arn)

    def delete(self, service):
        name = service["serviceName"]
        try:
            if service.get("schedulingStrategy") != "DAEMON" and service.get("desiredCount"):
                self.client.update_service(cluster=self.cluster, service=name, desiredCount=0, aws_retry=True)
            return self.client.delete_service(cluster=self.cluster, service=name, force=True, aws_retry=True)[
                "service"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            self.fail(error, "Could not delete service %s" % name)

    def target_health(self, target_group_arn):
        try:
            return self.elbv2.describe_target_health(TargetGroupArn=target_group_arn, aws_retry=True)[
                "TargetHealthDescriptions"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            self.fail(error, "Could not describe target health of %s" % target_group_arn)


def primary_deployment(service):
    return next((d for d in (service or {}).get("deployments") or [] if d.get("status") == "PRIMARY"), None)


def validate(module, specs):
    names = [spec.get("name") for spec in specs]
    for index, spec in enumerate(specs):
        where = "services[%d]" % index if module.params["services"] is not None else ""
        prefix = where + "." if where else ""
        if not spec.get("name"):
            module.fail_json(msg="%sname is required" % prefix)
        if names.count(spec["name"]) > 1:
            module.fail_json(msg="%sname: service %s is listed more than once" % (prefix, spec["name"]))
        if spec["state"] == "absent":
            continue
        if spec.get("launch_type") and spec.get("capacity_provider_strategy"):
            module.fail_json(msg="%slaunch_type and %scapacity_provider_strategy are mutually exclusive: set one"
                             % (prefix, prefix))
        if spec["scheduling_strategy"] == "DAEMON" and spec.get("desired_count") is not None:
            module.fail_json(msg="%sdesired_count: a DAEMON service runs one task per instance; remove desired_count"
                             % prefix)
        config = spec.get("deployment_configuration") or {}
        for key, low, high in (("minimum_healthy_percent", 0, 100), ("maximum_percent", 100, 200)):
            value = config.get(key)
            if value is not None and not low <= value <= high:
                module.fail_json(msg="%sdeployment_configuration.%s=%s is out of range: use %d-%d"
                                 % (prefix, key, value, low, high))


def merged_specs(module):
    params = module.params
    if params["services"] is None:
        return [dict((key, params.get(key)) for key in SERVICE_OPTIONS)]
    return params["services"]


def service_result(spec, service, changed, action, differences, td_arn=None, deployment_id=None):
    primary = primary_deployment(service)
    return dict(
        name=spec["name"],
        state=spec["state"],
        changed=changed,
        action=action,
        differences=differences,
        service_arn=(service or {}).get("serviceArn"),
        task_definition_arn=td_arn or (service or {}).get("taskDefinition"),
        deployment_id=deployment_id,
        status=(service or {}).get("status"),
        desired_count=(service or {}).get("desiredCount"),
        running_count=(service or {}).get("runningCount"),
        rollout_state=(primary or {}).get("rolloutState"),
    )


def converge(manager, specs):
    module = manager.module
    current = manager.describe([spec["name"] for spec in specs])
    results, diff_before, diff_after = [], {}, {}
    for spec in specs:
        name = spec["name"]
        service = current.get(name)
        if spec["state"] == "absent":
            if service is None or service.get("status") != "ACTIVE":
                results.append(service_result(spec, service, False, "none", []))
                continue
            diff_before[name], diff_after[name] = comparable_view(service), {}
            if not module.check_mode:
                service = manager.delete(service)
            results.append(service_result(spec, service, True, "delete", ["state"]))
            continue

        td_arn = manager.resolve_task_definition(spec.get("task_definition"))
        if service is not None and service.get("status") == "DRAINING":
            module.fail_json(msg="Service %s is still DRAINING after a deletion; re-run once it is INACTIVE" % name)
        if service is None:
            if not spec.get("task_definition"):
                module.fail_json(msg="task_definition is required to create service %s" % name)
            diff_before[name] = {}
            diff_after[name] = dict((k, v) for k, v in create_request(spec, manager.cluster, td_arn or
                                                                      spec["task_definition"]).items()
                                    if k not in ("cluster", "serviceName"))
            deployment_id = None
            if not module.check_mode:
                service = manager.create(spec, td_arn)
                deployment_id = (primary_deployment(service) or {}).get("id")
            results.append(service_result(spec, service, True, "create", ["service"], td_arn, deployment_id))
            continue

        if td_arn is None and spec.get("task_definition"):
            # Check mode: a family registered in the same run does not exist yet; it will differ.
            td_for_diff = "%s (to be registered)" % spec["task_definition"]
        else:
            td_for_diff = td_arn
        differences, update, immutable = service_differences(service, spec, td_for_diff)
        if immutable:
            module.fail_json(
                msg="Service %s: %s cannot be changed on an existing service; delete it (state=absent) and "
                    "create it again" % (name, ", ".join(immutable)),
                services=results,
            )
        if spec.get("force_new_deployment"):
            update["forceNewDeployment"] = True
            differences.append("forceNewDeployment")
        to_set, to_unset = {}, []
        if spec.get("tags") is not None:
            current_tags = boto3_tag_list_to_ansible_dict(service.get("tags") or [], "key", "value")
            to_set, to_unset = compare_aws_tags(current_tags, spec["tags"], spec.get("purge_tags", True))
            if to_set or to_unset:
                differences.append("tags")
                diff_before.setdefault(name, comparable_view(service))["tags"] = current_tags
                diff_after.setdefault(name, planned_view(service, update))["tags"] = dict(
                    (k, v) for k, v in dict(current_tags, **to_set).items() if k not in to_unset)
        if not differences:
            results.append(service_result(spec, service, False, "none", [], td_arn))
            continue
        diff_before.setdefault(name, comparable_view(service))
        diff_after.setdefault(name, planned_view(service, update))
        deployment_id = None
        if not module.check_mode:
            if update:
                before_primary = (primary_deployment(service) or {}).get("id")
                service = manager.update(name, update)
                after_primary = (primary_deployment(service) or {}).get("id")
                if after_primary != before_primary:
                    deployment_id = after_primary
            if to_set or to_unset:
                manager.retag(service["serviceArn"], to_set, to_unset)
        results.append(service_result(spec, service, True, "update", differences, td_arn, deployment_id))
    return results, diff_before, diff_after


def readiness(manager, service, result):
    """(ready, failed, reasons) for one service we wait on."""
    if result["state"] == "absent":
        if service is None or service.get("status") == "INACTIVE":
            return True, False, []
        message = "%s: status %s, %s running" % (result["name"], service.get("status"), service.get("runningCount"))
        return False, False, [message]
    if service is None:
        return False, True, ["%s: service does not exist" % result["name"]]
    failed, reasons = service_deployment_failed(service, result.get("deployment_id"), result.get("task_definition_arn"))
    if failed:
        return False, True, reasons
    ready, reasons = service_rolled_out(service)
    runs, run_reasons = service_runs_task_definition(service, result.get("task_definition_arn"))
    reasons = reasons + run_reasons
    if ready and runs:
        desired = service.get("desiredCount") or 0
        for lb in service.get("loadBalancers") or []:
            if not lb.get("targetGroupArn"):
                continue
            healthy, target_reasons = targets_healthy(manager.target_health(lb["targetGroupArn"]), minimum=desired)
            if not healthy:
                reasons.extend("%s: %s in %s" % (result["name"], r, lb["targetGroupArn"].split(":")[-1])
                               for r in target_reasons)
    return not reasons, False, reasons


def wait_for(manager, results, started_at):
    module = manager.module
    deadline = time.time() + module.params["wait_timeout"]
    interval = min(1.0, module.params["wait_interval"])
    pending = dict((r["name"], r) for r in results)
    reasons_by_name = {}
    services = {}
    while True:
        services = manager.describe(list(pending))
        for name in list(pending):
            result = pending[name]
            ready, failed, reasons = readiness(manager, services.get(name), result)
            if failed:
                problems = service_problem_events(services.get(name) or {}, since=started_at)
                refresh(results, services)
                module.fail_json(
                    msg="Service %s did not roll out: %s%s" % (
                        name, "; ".join(reasons),
                        (". Recent service events: " + " | ".join(problems)) if problems else ""),
                    services=results, reasons=reasons, events=problems,
                )
            if ready:
                del pending[name]
                reasons_by_name.pop(name, None)
            else:
                reasons_by_name[name] = reasons
        refresh(results, services)
        if not pending:
            return
        if time.time() + interval > deadline:
            details = []
            for name, reasons in reasons_by_name.items():
                problems = service_problem_events(services.get(name) or {}, since=started_at)
                details.append("; ".join(reasons) + ((" (events: " + " | ".join(problems) + ")") if problems else ""))
            module.fail_json(
                msg="Timed out after %ss waiting for %s: %s" % (
                    module.params["wait_timeout"], ", ".join(sorted(pending)), " / ".join(details)),
                services=results, reasons=reasons_by_name,
            )
        time.sleep(interval)
        interval = min(interval * 1.5, module.params["wait_interval"])


def refresh(results, services):
    for result in results:
        service = services.get(result["name"])
        if service is None and result["name"] not in services:
            continue
        primary = primary_deployment(service)
        result.update(
            status=(service or {}).get("status", "INACTIVE" if result["state"] == "absent" else None),
            desired_count=(service or {}).get("desiredCount"),
            running_count=(service or {}).get("runningCount"),
            rollout_state=(primary or {}).get("rolloutState"),
        )


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        services=dict(type="list", elements="dict", options=SERVICE_OPTIONS),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=900),
        wait_interval=dict(type="float", default=5),
    )
    for key, option in SERVICE_OPTIONS.items():
        argument_spec[key] = option
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("name", "services")],
        required_one_of=[("name", "services")],
    )
    specs = merged_specs(module)
    validate(module, specs)
    manager = ServiceManager(module)
    started_at = time.time()
    results, diff_before, diff_after = converge(manager, specs)
    waited = 0.0
    if module.params["wait"] and not module.check_mode:
        wait_started = time.time()
        wait_for(manager, results, started_at)
        waited = round(time.time() - wait_started, 1)
    output = dict(changed=any(r["changed"] for r in results), services=results, waited_seconds=waited)
    if module.params["services"] is None:
        output["service"] = results[0]
    if module._diff:
        output["diff"] = dict(before=diff_before, after=diff_after)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
