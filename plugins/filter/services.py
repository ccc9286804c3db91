# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: services_task_definition
short_description: Build and check the services role's ECS payloads
version_added: 0.1.0
description:
  - Filters over C(services_list) items (the services role's input schema) and a C(settings) dict of the role's
    inputs and the facts of earlier roles (stack prefixes, region, cluster, VPC, subnets, target groups, capacity
    providers and their CPU architectures).
  - C(services_input_errors) every problem as strings of the form C(services_list[i].field - problem; fix).
  - C(services_task_definitions) the C(task_definitions) items of cloudops.ecs.ecs_task_definition for every service (role ARNs
    taken from a cloudops.ecs.iam_roles result's C(roles)).
  - C(services_task_definition) the cloudops.ecs.ecs_task_definition arguments of one service (main container,
    sidecars, FireLens log router, tmpfs, bind and EFS volumes, CPU architecture placement and runtime platform).
  - C(services_service_items) the cloudops.ecs.ecs_service items; C(services_target_groups) the
    cloudops.ecs.elb_target_groups items (both groups of a traffic-shifting service); C(services_listener_rules) the
    cloudops.ecs.elb_listener_rules items; C(services_existing_target_groups) service name to target group ARN (from
    an elb_target_groups or elb_target_group_info result's target groups).
  - C(services_published) the C(cloudops_services) fact (name, service, task definition and target group ARNs,
    log group of each service) from the ecs_service result (O(deployed)) and the task definition results
    (O(task_definitions)).
  - C(services_secrets_policy) and C(services_task_policy) the execution and task role policies of one service;
    C(services_iam_roles) the cloudops.ecs.iam_roles items of every service's execution and task roles (given the
    trust policy and the access points); C(services_role_names) the names of one service's two roles.
  - C(services_efs_access_points) and C(services_task_security_groups) what the role creates for EFS volumes and
    awsvpc tasks (the cloudops.ecs.security_group items, in a VPC with tags), C(services_task_security_group_ids)
    service name to its task security group id (from a cloudops.ecs.security_group result's groups);
    C(services_capacity_provider_architectures) and C(services_group_strategy) from instance groups.
  - C(services_scaling_targets) the cloudops.ecs.ecs_service_scaling items (scalable target, target-tracking and
    step policies, scheduled actions) of every REPLICA service; C(services_step_alarms) the CloudWatch alarms of the
    step policies (given policy name to ARN).
  - C(services_ecr_repositories) the cloudops.ecs.ecr_repository items of C(services_ecr_repositories).
  - Deployments - C(services_existing_alternate_target_groups) service name to alternate target group ARN (O(every) for every
    load-balanced service), C(services_rules_by_service) service name to listener rule ARN (from the
    cloudops.ecs.elb_listener_rules rules), C(services_deployment_roles) the cloudops.ecs.iam_roles items of the roles
    ECS assumes for the services that need them (shifting traffic, invoking lifecycle hooks, managing EBS task volumes;
    given their trust policy); C(services_test_listener_rules) the rules of the test listener; C(services_alternate_target_groups_in_use) service
    name to the ARN of its alternate target group where ECS's load balancer of the service names it (from
    DescribeServices items, O(current_services)), C(services_rule_target_groups) service name to the group its listener
    rule forwards all traffic to, and C(services_production_target_groups) the target groups by service with a rolling
    service whose rule serves from its alternate group kept on that group; for teardown C(services_deploy_role_names).
options:
  _input:
    description: The services (C(services_list)) or one service.
    type: raw
    required: true
  settings:
    description: The role's settings (keys of C(SETTINGS_DEFAULTS) in module_utils/service_spec.py).
    type: dict
  deployed:
    description: For C(services_published), the registered result of cloudops.ecs.ecs_service.
    type: dict
  trust_policy:
    description: For C(services_iam_roles) and C(services_deployment_roles), the trust policy of the roles.
    type: dict
  task_definitions:
    description: For C(services_published), the registered results of the role's cloudops.ecs.ecs_task_definition loop.
    type: list
    elements: dict
  current_services:
    description: For C(services_alternate_target_groups_in_use), the services as DescribeServices returns them.
    type: list
    elements: dict
  every:
    description: For C(services_existing_alternate_target_groups), those of every load-balanced service.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Refuse bad service inputs
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors | join(' | ') }}"
  vars:
    errors: "{{ services_list | cloudops.ecs.services_input_errors(settings) }}"
"""

RETURN = r"""
_value:
  description: The payload (see the description of each filter).
  type: raw
"""

from ansible_collections.cloudops.ecs.plugins.module_utils import service_spec


def services_input_errors(services, settings=None):
    return service_spec.input_errors(services, settings)


def services_task_definition(svc, settings=None, execution_role_arn=None, task_role_arn=None, access_points=None):
    return service_spec.task_definition(svc, settings, execution_role_arn, task_role_arn, access_points)


def services_service_items(services, settings=None):
    return service_spec.service_items(services, settings)


def services_listener_rules(services, settings=None):
    return service_spec.listener_rules(services, settings)


def services_target_groups(services, settings=None):
    return service_spec.target_groups(services, settings)


def services_existing_target_groups(services, target_groups, settings=None):
    return service_spec.existing_target_groups(services, target_groups, settings)


def services_published(services, settings=None, deployed=None, task_definitions=None):
    return service_spec.published(services, settings, deployed, task_definitions)


def services_secrets_policy(svc):
    return service_spec.secrets_policy(svc)


def services_task_policy(svc, settings=None, access_points=None):
    return service_spec.task_policy(svc, settings, access_points)


def services_iam_roles(services, settings=None, trust_policy=None, access_points=None):
    return service_spec.iam_roles(services, settings, trust_policy, access_points)


def services_task_definitions(services, settings=None, access_points=None, roles=None, keep_revisions=None):
    return service_spec.task_definitions(services, settings, access_points, roles, keep_revisions)


def services_role_names(svc, settings=None):
    return service_spec.role_names(svc, settings)


def services_needs_task_policy(svc):
    return service_spec.needs_task_policy(svc)


def services_all_secrets(svc):
    return service_spec.all_secrets(svc)


def services_efs_access_points(services, settings=None):
    return service_spec.efs_access_points(services, settings)


def services_task_security_groups(services, settings=None, load_balancer_security_group_id="", vpc_id="", tags=None):
    return service_spec.task_security_groups(services, settings, load_balancer_security_group_id, vpc_id, tags)


def services_task_security_group_ids(services, settings=None, groups=None):
    return service_spec.task_security_group_ids(services, settings, groups)


def services_efs_client_rules(services, settings=None):
    return service_spec.efs_client_rules(services, settings)


def services_scaling_targets(services, settings=None):
    return service_spec.scaling_targets(services, settings)


def services_step_alarms(services, settings=None, policy_arns=None):
    return service_spec.step_alarms(services, settings, policy_arns)


def services_ecr_repositories(repos, settings=None):
    return service_spec.ecr_repositories(repos, settings)


def services_deployment_alarms(services, settings=None):
    return service_spec.deployment_alarms(services, settings)


def services_capacity_provider_architectures(groups):
    return service_spec.capacity_provider_architectures(groups)


def services_planned_groups(groups, stack_name):
    return service_spec.planned_groups(groups, stack_name)


def services_group_strategy(groups):
    return service_spec.group_capacity_provider_strategy(groups)


def services_existing_alternate_target_groups(services, target_groups, settings=None, every=False):
    return service_spec.existing_alternate_target_groups(services, target_groups, settings, every)


def services_alternate_target_groups_in_use(services, current_services, settings=None):
    return service_spec.alternate_target_groups_in_use(services, current_services, settings)


def services_rule_target_groups(services, rule_results, settings=None):
    return service_spec.rule_target_groups(services, rule_results, settings)


def services_production_target_groups(services, target_groups, settings=None):
    return service_spec.production_target_groups(services, target_groups, settings)


def services_rules_by_service(services, rule_results, settings=None):
    return service_spec.rules_by_service(services, rule_results, settings)


def services_deployment_roles(services, settings=None, trust_policy=None):
    return service_spec.deployment_roles(services, settings, trust_policy)


def services_test_listener_rules(services, settings=None):
    return service_spec.test_listener_rules(services, settings)


def services_deploy_role_names(settings=None):
    return [service_spec.load_balancer_role_name(settings), service_spec.hook_role_name(settings),
            service_spec.volume_role_name(settings)]


class FilterModule(object):
    def filters(self):
        return {
            "services_input_errors": services_input_errors,
            "services_task_definition": services_task_definition,
            "services_service_items": services_service_items,
            "services_listener_rules": services_listener_rules,
            "services_existing_target_groups": services_existing_target_groups,
            "services_published": services_published,
            "services_secrets_policy": services_secrets_policy,
            "services_task_policy": services_task_policy,
            "services_needs_task_policy": services_needs_task_policy,
            "services_iam_roles": services_iam_roles,
            "services_deployment_roles": services_deployment_roles,
            "services_role_names": services_role_names,
            "services_task_definitions": services_task_definitions,
            "services_all_secrets": services_all_secrets,
            "services_efs_access_points": services_efs_access_points,
            "services_task_security_groups": services_task_security_groups,
            "services_task_security_group_ids": services_task_security_group_ids,
            "services_efs_client_rules": services_efs_client_rules,
            "services_scaling_targets": services_scaling_targets,
            "services_target_groups": services_target_groups,
            "services_step_alarms": services_step_alarms,
            "services_deployment_alarms": services_deployment_alarms,
            "services_ecr_repositories": services_ecr_repositories,
            "services_capacity_provider_architectures": services_capacity_provider_architectures,
            "services_group_strategy": services_group_strategy,
            "services_planned_groups": services_planned_groups,
            "services_existing_alternate_target_groups": services_existing_alternate_target_groups,
            "services_rules_by_service": services_rules_by_service,
            "services_alternate_target_groups_in_use": services_alternate_target_groups_in_use,
            "services_rule_target_groups": services_rule_target_groups,
            "services_production_target_groups": services_production_target_groups,
            "services_deploy_role_names": services_deploy_role_names,
            "services_test_listener_rules": services_test_listener_rules,
        }
