#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ecs_service
short_description: Create, update, delete ECS services and wait until they are really rolled out
version_added: 0.1.0
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
- Deployment strategies C(ROLLING), C(BLUE_GREEN), C(LINEAR) and C(CANARY) (I(deployment_configuration.strategy)) with
  bake time, linear steps, canary share, lifecycle hooks and deployment alarms. Each service's result says which
  strategy a change deploys with and, when it starts a deployment, the lifecycle stages and production traffic steps it
  passes (also in check mode).
- For a C(BLUE_GREEN), C(LINEAR) or C(CANARY) service, I(wait=true) waits until its service deployment
  (DescribeServiceDeployments) is C(SUCCESSFUL), all production traffic is on one target group and its targets are
  healthy, with a progress line per lifecycle stage; a deployment rolled back or stopped fails with the reason (status
  reason, alarms, failed hooks). A deployment paused at a C(PAUSE) hook ends the wait and is reported in C(paused_hook).
- With I(wait=true), waits until every service's rollout is C(COMPLETED), running equals desired with nothing pending,
  the service runs the requested task definition and every target group of the service has as many healthy targets
  as tasks. Fails early when the deployment circuit breaker fails the rollout (and says whether it rolled back),
  and on timeout names what is not ready (rollout state, counts, unhealthy targets with their reasons, placement
  failures from service events).
- I(state=absent) scales a replica service to zero, deletes it and, with I(wait=true), waits until it is C(INACTIVE).
- While it waits, a progress line per service whenever its running/desired/pending counts, rollout state or healthy
  targets change, and what is not ready yet at least every 20 seconds (see O(progress_file)).
author:
- cloudops.ecs maintainers (@cloudops)
options:
  cluster:
    description: Name or ARN of the cluster.
    required: true
    type: str
  services:
    description:
    - Several services managed in one call; each item takes the per-service options of this module (I(name), I(state),
      I(task_definition), I(desired_count) and so on).
    type: list
    elements: dict
    suboptions: &service_options
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
          strategy:
            description:
            - C(ROLLING) replaces tasks in place. C(BLUE_GREEN), C(LINEAR) and C(CANARY) start the new revision next to
              the old one and shift production traffic to it (all at once, in steps, or a canary share first) through
              the load balancers' I(advanced_configuration), running I(lifecycle_hooks) at their stages.
            - Unset leaves the strategy as it is.
            type: str
            choices: &id011
            - ROLLING
            - BLUE_GREEN
            - LINEAR
            - CANARY
          bake_time_in_minutes:
            description: Minutes both revisions keep running after all production traffic shifted (0-1440).
            type: int
          linear:
            description: Steps of a C(LINEAR) deployment (AWS defaults 10 percent, 6 minutes).
            type: dict
            suboptions:
              step_percent:
                description: Percent of production traffic shifted per step (3-100, in steps of 0.1).
                type: float
              step_bake_time_in_minutes:
                description: Minutes between two steps (0-1440).
                type: int
          canary:
            description: Canary of a C(CANARY) deployment (AWS defaults 5 percent, 10 minutes).
            type: dict
            suboptions:
              canary_percent:
                description: Percent of production traffic on the new revision first (0.1-100, in steps of 0.1).
                type: float
              canary_bake_time_in_minutes:
                description: Minutes the canary runs before the rest of the traffic shifts (0-1440).
                type: int
          lifecycle_hooks:
            description:
            - Hooks at lifecycle stages of a C(BLUE_GREEN), C(LINEAR) or C(CANARY) deployment. An C(AWS_LAMBDA) hook
              invokes its function (with the role ECS assumes); a C(PAUSE) hook holds the deployment until
              ContinueServiceDeployment continues or rolls it back (the wait ends there and reports C(paused_hook)).
            type: list
            elements: dict
            suboptions:
              target_type:
                description: C(AWS_LAMBDA) or C(PAUSE).
                type: str
                choices: &id012
                - AWS_LAMBDA
                - PAUSE
                default: AWS_LAMBDA
              hook_target_arn:
                description: ARN of the Lambda function (C(AWS_LAMBDA) only).
                type: str
              role_arn:
                description: Role ECS assumes to invoke the function (C(AWS_LAMBDA) only).
                type: str
              lifecycle_stages:
                description: Stages the hook runs at.
                type: list
                elements: str
                required: true
                choices: &id013
                - RECONCILE_SERVICE
                - PRE_SCALE_UP
                - POST_SCALE_UP
                - TEST_TRAFFIC_SHIFT
                - POST_TEST_TRAFFIC_SHIFT
                - PRE_PRODUCTION_TRAFFIC_SHIFT
                - PRODUCTION_TRAFFIC_SHIFT
                - POST_PRODUCTION_TRAFFIC_SHIFT
              timeout_in_minutes:
                description: Minutes ECS waits for the hook before its timeout action.
                type: int
              timeout_action:
                description: What ECS does when the hook times out.
                type: str
                choices: &id014
                - CONTINUE
                - ROLLBACK
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
          advanced_configuration:
            description:
            - The second target group and the listener rules ECS shifts traffic between in a C(BLUE_GREEN), C(LINEAR)
              or C(CANARY) deployment, and the role it modifies them with. ECS swaps production and alternate group at
              each deployment; the pair in either order is no difference.
            type: dict
            suboptions:
              alternate_target_group_arn:
                description: The alternate target group.
                type: str
                required: true
              production_listener_rule:
                description: ARN of the listener rule of production traffic.
                type: str
                required: true
              test_listener_rule:
                description: ARN of the listener rule of test traffic (optional).
                type: str
              role_arn:
                description:
                - Role ECS assumes to modify the listener rules (with the AmazonECSInfrastructureRolePolicyForLoadBalancers
                  policy).
                type: str
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
      volume_configurations:
        description:
        - The volumes of the task definition configured at launch (C(configuredAtLaunch)); ECS creates one EBS volume
          per task with these settings, attaches it and deletes it when the task stops.
        - A change starts a new deployment. Unset leaves the service's volumes alone.
        type: list
        elements: dict
        suboptions:
          name:
            description: Name of the task definition volume.
            type: str
            required: true
          managed_ebs_volume:
            description: The EBS volume ECS creates for each task.
            type: dict
            required: true
            suboptions:
              role_arn:
                description: Infrastructure role ECS manages the volumes with (policy AmazonECSInfrastructureRolePolicyForVolumes).
                type: str
                required: true
              encrypted:
                description: Encrypt the volume.
                type: bool
              kms_key_id:
                description: KMS key of an encrypted volume (default the account's EBS key).
                type: str
              volume_type:
                description: EBS volume type (C(gp3) when unset).
                type: str
              size_in_gib:
                description: Size in GiB (required unless I(snapshot_id) is given).
                type: int
              snapshot_id:
                description: Snapshot the volume is created from.
                type: str
              volume_initialization_rate:
                description: MiB/s at which a volume from a snapshot is initialized.
                type: int
              iops:
                description: Provisioned IOPS (gp3, io1, io2).
                type: int
              throughput:
                description: Throughput in MiB/s (gp3).
                type: int
              filesystem_type:
                description: File system ECS makes on the volume.
                type: str
                choices: [ext3, ext4, xfs, ntfs]
              tag_specifications:
                description: Tags of the volumes.
                type: list
                elements: dict
                suboptions:
                  resource_type:
                    description: Always C(volume).
                    type: str
                    default: volume
                    choices: [volume]
                  tags:
                    description: Tags (key / value dict).
                    type: dict
                  propagate_tags:
                    description: Also copy the tags of the service or task definition.
                    type: str
                    choices: [TASK_DEFINITION, SERVICE, NONE]
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
  # The per-service options again at the top level (single-service form): the same documentation.
  <<: *service_options
  wait:
    description: Wait for rollouts (or deletions) to finish; see the description.
  wait_timeout:
    default: 900
  wait_interval:
    description: Seconds between polls while waiting (the first polls are faster).
    type: float
    default: 5
extends_documentation_fragment:
- cloudops.ecs.wait
- cloudops.ecs.wait.timeout
- cloudops.ecs.progress
- amazon.aws.common.modules
- amazon.aws.region.modules
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
    deployment_strategy:
      description: Strategy a deployment of the service uses (C(ROLLING), C(BLUE_GREEN), C(LINEAR), C(CANARY)).
      type: str
    stages:
      description:
      - Lifecycle stages the deployment this change starts passes, in order, each with the hooks run there
        (C(PAUSE) or a function name); empty for C(ROLLING) or without a deployment.
      type: list
      elements: dict
    traffic_steps:
      description: Percent of production traffic on the new revision after each traffic shift of that deployment.
      type: list
      elements: float
    service_deployment_arn:
      description: The service deployment waited for (traffic-shifting strategies).
      type: str
    service_deployment_status:
      description: Its status after the wait (C(SUCCESSFUL), C(IN_PROGRESS) when paused, ...).
      type: str
    lifecycle_stage:
      description: Its lifecycle stage after the wait.
      type: str
    paused_hook:
      description:
      - The PAUSE hook the deployment waits at (C(hook_id), C(lifecycle_stage)); continue or roll it back with
        cloudops.ecs.ecs_service_deployment.
      type: dict
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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.service_rollout import SERVICE_OPTIONS
from ansible_collections.cloudops.ecs.plugins.module_utils.service_rollout import EcsServices


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        services=dict(type="list", elements="dict", options=SERVICE_OPTIONS),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=900),
        wait_interval=dict(type="float", default=5),
    )
    argument_spec.update(progress.argument_spec())
    for key, option in SERVICE_OPTIONS.items():
        argument_spec[key] = option
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("name", "services")],
        required_one_of=[("name", "services")],
    )
    # Service events newer than the start of this run explain a failed rollout (wall-clock time).
    run_service(module, EcsServices.from_module(module, started_at=time.time()))


if __name__ == "__main__":
    main()
