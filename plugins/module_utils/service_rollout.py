# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS services (ecs_service): create, update or delete one or several services in one call and wait
until each is really rolled out. Comparison and requests are ecs_service.py's (pure); readiness is
readiness.py's; this class reads, applies the differences and waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils import progress as progress_lines
from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks, paginate_by_token
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import DEPLOYMENT_STAGES
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import HOOK_STAGES
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import STRATEGIES
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import TRAFFIC_SHIFTING
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import comparable_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import create_request
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import deployment_configuration
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import deployment_stages
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import traffic_steps
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import planned_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_service import service_differences
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import deployment_id as short_deployment_id
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import paused_hook
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_deployment_failed
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_deployment_state
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_problem_events
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_rolled_out
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_runs_task_definition
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import targets_healthy
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import traffic_on_one_group
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
            strategy=dict(type="str", choices=list(STRATEGIES)),
            bake_time_in_minutes=dict(type="int"),
            linear=dict(type="dict", options=dict(step_percent=dict(type="float"),
                                                  step_bake_time_in_minutes=dict(type="int"))),
            canary=dict(type="dict", options=dict(canary_percent=dict(type="float"),
                                                  canary_bake_time_in_minutes=dict(type="int"))),
            lifecycle_hooks=dict(type="list", elements="dict", options=dict(
                target_type=dict(type="str", choices=["AWS_LAMBDA", "PAUSE"], default="AWS_LAMBDA"),
                hook_target_arn=dict(type="str"),
                role_arn=dict(type="str"),
                lifecycle_stages=dict(type="list", elements="str", required=True, choices=list(HOOK_STAGES)),
                timeout_in_minutes=dict(type="int"),
                timeout_action=dict(type="str", choices=["CONTINUE", "ROLLBACK"]),
            )),
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
                                     container_port=dict(type="int", required=True),
                                     advanced_configuration=dict(type="dict", options=dict(
                                         alternate_target_group_arn=dict(type="str", required=True),
                                         production_listener_rule=dict(type="str", required=True),
                                         test_listener_rule=dict(type="str"),
                                         role_arn=dict(type="str", required=True))))),
    health_check_grace_period_seconds=dict(type="int"),
    enable_execute_command=dict(type="bool"),
    enable_ecs_managed_tags=dict(type="bool"),
    propagate_tags=dict(type="str", choices=["TASK_DEFINITION", "SERVICE", "NONE"]),
    network_configuration=dict(type="dict",
                               options=dict(subnets=dict(type="list", elements="str", required=True),
                                            security_groups=dict(type="list", elements="str"),
                                            assign_public_ip=dict(type="bool", default=False))),
    volume_configurations=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        managed_ebs_volume=dict(type="dict", required=True, options=dict(
            role_arn=dict(type="str", required=True),
            encrypted=dict(type="bool"),
            kms_key_id=dict(type="str"),
            volume_type=dict(type="str"),
            size_in_gib=dict(type="int"),
            snapshot_id=dict(type="str"),
            volume_initialization_rate=dict(type="int"),
            iops=dict(type="int"),
            throughput=dict(type="int"),
            filesystem_type=dict(type="str", choices=["ext3", "ext4", "xfs", "ntfs"]),
            tag_specifications=dict(type="list", elements="dict", options=dict(
                resource_type=dict(type="str", default="volume", choices=["volume"]),
                tags=dict(type="dict"),
                propagate_tags=dict(type="str", choices=["TASK_DEFINITION", "SERVICE", "NONE"]))),
        )),
    )),
    force_new_deployment=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def primary_deployment(service):
    return next((d for d in (service or {}).get("deployments") or [] if d.get("status") == "PRIMARY"), None)


def validate(specs, listed):
    """Input errors, before any call; `listed` when the specs come from the services option."""
    names = [spec.get("name") for spec in specs]
    for index, spec in enumerate(specs):
        prefix = "services[%d]." % index if listed else ""
        if not spec.get("name"):
            raise CloudopsError(message="%sname is required" % prefix)
        if names.count(spec["name"]) > 1:
            raise CloudopsError(message="%sname: service %s is listed more than once" % (prefix, spec["name"]))
        if spec["state"] == "absent":
            continue
        if spec.get("launch_type") and spec.get("capacity_provider_strategy"):
            raise CloudopsError(message="%slaunch_type and %scapacity_provider_strategy are mutually exclusive: set one"
                                        % (prefix, prefix))
        if spec["scheduling_strategy"] == "DAEMON" and spec.get("desired_count") is not None:
            raise CloudopsError(message="%sdesired_count: a DAEMON service runs one task per instance; remove "
                                        "desired_count" % prefix)
        config = spec.get("deployment_configuration") or {}
        for key, low, high in (("minimum_healthy_percent", 0, 100), ("maximum_percent", 100, 200)):
            value = config.get(key)
            if value is not None and not low <= value <= high:
                raise CloudopsError(message="%sdeployment_configuration.%s=%s is out of range: use %d-%d"
                                            % (prefix, key, value, low, high))
        for problem in strategy_errors(spec):
            raise CloudopsError(message=prefix + problem)


def _range_error(where, value, low, high, step=None):
    if value is None:
        return None
    if not low <= value <= high or (step and abs(round(value / step) * step - value) > 1e-9):
        return "%s=%s is out of range: use %s-%s%s" % (where, value, low, high, " in steps of %s" % step if step else "")
    return None


def strategy_errors(spec):
    """Problems of a spec's deployment strategy settings (the ranges of the ECS API reference)."""
    config = spec.get("deployment_configuration") or {}
    strategy = config.get("strategy")
    errors = []
    if strategy in (None, "ROLLING"):
        for key in ("bake_time_in_minutes", "linear", "canary", "lifecycle_hooks"):
            if config.get(key):
                errors.append("deployment_configuration.%s: only BLUE_GREEN, LINEAR and CANARY use it; set "
                              "deployment_configuration.strategy or remove it" % key)
        return errors
    linear, canary = config.get("linear") or {}, config.get("canary") or {}
    for problem in (
            _range_error("deployment_configuration.bake_time_in_minutes", config.get("bake_time_in_minutes"), 0, 1440),
            _range_error("deployment_configuration.linear.step_percent", linear.get("step_percent"), 3.0, 100.0, 0.1),
            _range_error("deployment_configuration.linear.step_bake_time_in_minutes",
                         linear.get("step_bake_time_in_minutes"), 0, 1440),
            _range_error("deployment_configuration.canary.canary_percent", canary.get("canary_percent"), 0.1, 100.0, 0.1),
            _range_error("deployment_configuration.canary.canary_bake_time_in_minutes",
                         canary.get("canary_bake_time_in_minutes"), 0, 1440)):
        if problem:
            errors.append(problem)
    if linear and strategy != "LINEAR":
        errors.append("deployment_configuration.linear: used by strategy LINEAR only, not %s" % strategy)
    if canary and strategy != "CANARY":
        errors.append("deployment_configuration.canary: used by strategy CANARY only, not %s" % strategy)
    for index, hook in enumerate(config.get("lifecycle_hooks") or []):
        where = "deployment_configuration.lifecycle_hooks[%d]" % index
        if (hook.get("target_type") or "AWS_LAMBDA") == "AWS_LAMBDA":
            if not hook.get("hook_target_arn") or not hook.get("role_arn"):
                errors.append(where + ": an AWS_LAMBDA hook needs hook_target_arn (the function) and role_arn (the role "
                              "ECS assumes to invoke it)")
        elif hook.get("hook_target_arn"):
            errors.append(where + ".hook_target_arn: a PAUSE hook has no target; remove it")
        if not hook.get("lifecycle_stages"):
            errors.append(where + ".lifecycle_stages: empty; name the stages the hook runs at")
    for index, lb in enumerate(spec.get("load_balancers") or []):
        if not lb.get("advanced_configuration"):
            errors.append("load_balancers[%d].advanced_configuration: strategy %s shifts traffic between two target "
                          "groups; give alternate_target_group_arn, production_listener_rule and role_arn" % (index, strategy))
    return errors


def merged_specs(params):
    if params["services"] is None:
        return [dict((key, params.get(key)) for key in SERVICE_OPTIONS)]
    return params["services"]


# Differences that start a new deployment of the service.
DEPLOYING = ("service", "taskDefinition", "forceNewDeployment", "loadBalancers", "networkConfiguration",
             "capacityProviderStrategy", "placementStrategy", "placementConstraints")


def effective_strategy_configuration(spec, service):
    """The deploymentConfiguration a deployment of the service uses: the spec's when it sets a strategy, else the
    service's own."""
    desired = deployment_configuration(spec.get("deployment_configuration"), spec.get("scheduling_strategy") or "REPLICA")
    if desired and desired.get("strategy"):
        return desired
    return (service or {}).get("deploymentConfiguration") or {}


def deployment_plan(spec, service, differences):
    """The strategy a deployment of the service uses and, when this change starts one, the lifecycle stages it
    passes (with the hooks run at each) and the production traffic steps (percent on the new revision)."""
    config = effective_strategy_configuration(spec, service)
    plan = {"deployment_strategy": config.get("strategy") or "ROLLING", "stages": [], "traffic_steps": []}
    if any(d in DEPLOYING for d in differences):
        plan["stages"] = deployment_stages(config)
        plan["traffic_steps"] = traffic_steps(config)
    return plan


def service_result(spec, service, changed, action, differences, td_arn=None, deployment_id=None):
    primary = primary_deployment(service)
    result = deployment_plan(spec, service, differences)
    result.update(
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
    return result


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


def deployment_line(deployment):
    """The part of a progress line about a service deployment: its id, status, lifecycle stage and the share of
    production traffic on the new revision."""
    target = deployment.get("targetServiceRevision") or {}
    line = "deployment %s %s, stage %s" % (short_deployment_id(deployment.get("serviceDeploymentArn")),
                                           deployment.get("status"), deployment.get("lifecycleStage") or "-")
    if target.get("requestedProductionTrafficWeight") is not None:
        line += ", production traffic %s%% new" % ("%g" % target["requestedProductionTrafficWeight"])
    hook = paused_hook(deployment)
    if hook is not None:
        line += ", paused for approval (hook %s)" % hook.get("hookId")
    return line


def passed_stages(before, after):
    """The lifecycle stages a service deployment went through between two reads without being seen in them (the
    stages are short, polls are seconds apart): those between the stage read before (or the start) and the stage read
    now, while the deployment moves forward."""
    if after.get("status") not in ("PENDING", "IN_PROGRESS", "SUCCESSFUL") or after.get("lifecycleStage") not in \
            DEPLOYMENT_STAGES:
        return []
    same = before is not None and before.get("serviceDeploymentArn") == after.get("serviceDeploymentArn")
    start = DEPLOYMENT_STAGES.index("PRE_SCALE_UP")
    if same and before.get("lifecycleStage") in DEPLOYMENT_STAGES:
        start = DEPLOYMENT_STAGES.index(before["lifecycleStage"]) + 1
    return list(DEPLOYMENT_STAGES[start:DEPLOYMENT_STAGES.index(after["lifecycleStage"])])


def rollout_status(service, targets=None, ready=False, absent=False, deployment=None):
    """One progress line about a service being rolled out (or deleted): its running/desired counts, what is
    pending, the rollout state of its PRIMARY deployment (or its service deployment's stage) and, once read, its
    healthy targets (healthy, total)."""
    if deployment is not None and not absent and service is not None:
        parts = ["running %s/%s" % (service.get("runningCount", 0), service.get("desiredCount", 0))]
        if service.get("pendingCount"):
            parts.append("pending %s" % service["pendingCount"])
        if targets is not None:
            parts.append("targets healthy %d/%d" % targets)
        return "%s%s; %s" % ("rolled out: " if ready else "", ", ".join(parts), deployment_line(deployment))
    if absent:
        if service is None or service.get("status") == "INACTIVE":
            return "deleted"
        return "%s, %s running" % (service.get("status"), service.get("runningCount", 0))
    if service is None:
        return "does not exist"
    parts = ["running %s/%s" % (service.get("runningCount", 0), service.get("desiredCount", 0))]
    if service.get("pendingCount"):
        parts.append("pending %s" % service["pendingCount"])
    deployments = service.get("deployments") or []
    if len(deployments) > 1:
        parts.append("%d deployments" % len(deployments))
    rollout = (primary_deployment(service) or {}).get("rolloutState")
    if rollout and not ready:
        parts.append("rollout %s" % rollout)
    if targets is not None:
        parts.append("targets healthy %d/%d" % targets)
    return ("rolled out: " if ready else "") + ", ".join(parts)


class EcsServices(Service):
    SERVICES = ("ecs", "elbv2")

    def __init__(self, *args, **kwargs):
        self.started_at = kwargs.pop("started_at", None)
        super(EcsServices, self).__init__(*args, **kwargs)
        self.cluster = self.params["cluster"]
        self._td_cache = {}
        self._read = None  # name -> the service as converge() read it
        self._targets = {}  # service name -> (healthy, total) targets, as last read
        self._known_deployments = {}  # service name -> service deployment ARNs before this run's change
        self._deployments = {}  # service name -> its service deployment (DescribeServiceDeployments), as last read
        self._passed = {}  # service name -> stages its deployment passed between the last two reads
        self.diff_before, self.diff_after = {}, {}

    def ecs(self, method, description, /, **params):
        return self.call("ecs", method, description, **params)

    # -- reads ----------------------------------------------------------------------------------------------
    def describe(self, names):
        """name -> DescribeServices item (ACTIVE or DRAINING; INACTIVE and MISSING map to None)."""
        found = {}
        for batch in chunks(names, 10):
            try:
                response = self.clients["ecs"].describe_services(aws_retry=True, cluster=self.cluster, services=batch,
                                                                 include=["TAGS"])
            except is_boto3_error_code("ClusterNotFoundException") as error:
                if self.check_mode:
                    return {}  # check mode on a new account: the cluster is only planned, so is every service
                raise CloudopsError(message="Could not describe services %s in cluster %s" % (", ".join(batch), self.cluster),
                                    exception=error) from error
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:  # pylint: disable=duplicate-except
                raise CloudopsError(message="Could not describe services %s in cluster %s" % (", ".join(batch), self.cluster),
                                    exception=error) from error
            for service in response.get("services", []):
                if service.get("status") != "INACTIVE":
                    found[service["serviceName"]] = service
        return dict((name, found.get(name)) for name in names)

    def resolve_task_definition(self, reference):
        """ARN of the revision `reference` means now; None when it does not exist (check mode on a family
        that is registered in the same run)."""
        if reference is None:
            return None
        if reference in self._td_cache:
            return self._td_cache[reference]
        _family, _revision, is_arn = parse_task_definition_reference(reference)
        arn = reference if is_arn else self.describe_task_definition(reference)
        self._td_cache[reference] = arn
        return arn

    def describe_task_definition(self, reference):
        what = "Could not resolve task definition %s" % reference
        try:
            response = self.clients["ecs"].describe_task_definition(aws_retry=True, taskDefinition=reference)
        except is_boto3_error_code("ClientException") as error:
            if self.check_mode:
                return None
            raise CloudopsError(message=what, exception=error) from error
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:  # pylint: disable=duplicate-except
            raise CloudopsError(message=what, exception=error) from error
        if response["taskDefinition"].get("status") != "ACTIVE" and ":" not in reference:
            return None
        return response["taskDefinition"]["taskDefinitionArn"]

    def service_deployments(self, name):
        """The service's deployments (ListServiceDeployments briefs), newest first."""
        self.api_calls += 1
        try:
            found = paginate_by_token(self.clients["ecs"], "list_service_deployments", "serviceDeployments", "nextToken",
                                      "nextToken", cluster=self.cluster, service=name)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise CloudopsError(message="Failed to list the deployments of service %s" % name, exception=error) from error
        return sorted(found, key=lambda d: str(d.get("createdAt") or d.get("startedAt") or ""), reverse=True)

    def latest_deployment(self, name):
        """The newest service deployment not listed before this run's change (DescribeServiceDeployments item)."""
        known = self._known_deployments.get(name, set())
        for brief in self.service_deployments(name):
            if brief["serviceDeploymentArn"] not in known:
                described = self.call("ecs", "describe_service_deployments", "describe deployment of service %s" % name,
                                      serviceDeploymentArns=[brief["serviceDeploymentArn"]])
                return (described.get("serviceDeployments") or [None])[0]
            break
        return None

    def listener_rule(self, rule_arn):
        rules = self.call("elbv2", "describe_rules", "describe listener rule %s" % rule_arn, RuleArns=[rule_arn])["Rules"]
        return rules[0] if rules else None

    def target_health(self, target_group_arn):
        return self.call("elbv2", "describe_target_health", "describe target health of %s" % target_group_arn,
                         TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]

    # -- converge, one service ------------------------------------------------------------------------------
    def delete(self, spec, service):
        name = spec["name"]
        if service is None or service.get("status") != "ACTIVE":
            return service_result(spec, service, False, "none", [])
        self.diff_before[name], self.diff_after[name] = comparable_view(service), {}
        if not self.check_mode:
            what = "delete service %s" % name
            if service.get("schedulingStrategy") != "DAEMON" and service.get("desiredCount"):
                self.ecs("update_service", what, cluster=self.cluster, service=name, desiredCount=0)
            service = self.ecs("delete_service", what, cluster=self.cluster, service=name, force=True)["service"]
        return service_result(spec, service, True, "delete", ["state"])

    def create(self, spec, td_arn):
        name = spec["name"]
        if not spec.get("task_definition"):
            raise CloudopsError(message="task_definition is required to create service %s" % name)
        self.diff_before[name] = {}
        self.diff_after[name] = dict((k, v) for k, v in create_request(spec, self.cluster, td_arn or spec["task_definition"])
                                     .items() if k not in ("cluster", "serviceName"))
        service, deployment_id = None, None
        if not self.check_mode:
            service = self.ecs("create_service", "create service %s" % name,
                               **create_request(spec, self.cluster, td_arn))["service"]
            deployment_id = (primary_deployment(service) or {}).get("id")
        return service_result(spec, service, True, "create", ["service"], td_arn, deployment_id)

    def tag_changes(self, spec, service, update, differences):
        """(to_set, to_unset) for the service's tags; records them in the differences and the diff."""
        name = spec["name"]
        current_tags = tagging.to_dict(service.get("tags"), "key", "value")
        to_set, to_unset = tagging.changes(current_tags, spec.get("tags"), spec.get("purge_tags", True))
        if to_set or to_unset:
            differences.append("tags")
            self.diff_before.setdefault(name, comparable_view(service))["tags"] = current_tags
            self.diff_after.setdefault(name, planned_view(service, update))["tags"] = tagging.after(
                current_tags, to_set, to_unset)
        return to_set, to_unset

    def update(self, spec, service, td_arn, results):
        name = spec["name"]
        if td_arn is None and spec.get("task_definition"):
            # Check mode: a family registered in the same run does not exist yet; it will differ.
            td_for_diff = "%s (to be registered)" % spec["task_definition"]
        else:
            td_for_diff = td_arn
        differences, update, immutable = service_differences(service, spec, td_for_diff)
        if immutable:
            raise CloudopsError(message="Service %s: %s cannot be changed on an existing service; delete it "
                                        "(state=absent) and create it again" % (name, ", ".join(immutable)),
                                services=results)
        if spec.get("force_new_deployment"):
            update["forceNewDeployment"] = True
            differences.append("forceNewDeployment")
        to_set, to_unset = self.tag_changes(spec, service, update, differences)
        if not differences:
            return service_result(spec, service, False, "none", [], td_arn)
        self.diff_before.setdefault(name, comparable_view(service))
        self.diff_after.setdefault(name, planned_view(service, update))
        deployment_id = None
        if not self.check_mode:
            if update and any(d in DEPLOYING for d in differences) and \
                    deployment_plan(spec, service, differences)["deployment_strategy"] in TRAFFIC_SHIFTING:
                self._known_deployments[name] = set(d["serviceDeploymentArn"] for d in self.service_deployments(name))
            if update:
                before_primary = (primary_deployment(service) or {}).get("id")
                service = self.ecs("update_service", "update service %s" % name, cluster=self.cluster, service=name,
                                   **update)["service"]
                after_primary = (primary_deployment(service) or {}).get("id")
                if after_primary != before_primary:
                    deployment_id = after_primary
            arn = service["serviceArn"]
            if to_unset:
                self.ecs("untag_resource", "tag %s" % arn, resourceArn=arn, tagKeys=to_unset)
            if to_set:
                self.ecs("tag_resource", "tag %s" % arn, resourceArn=arn, tags=tagging.to_list(to_set, "key", "value"))
        return service_result(spec, service, True, "update", differences, td_arn, deployment_id)

    def converge(self, specs):
        current = self.describe([spec["name"] for spec in specs])
        self._read = current
        results = []
        for spec in specs:
            service = current.get(spec["name"])
            if spec["state"] == "absent":
                results.append(self.delete(spec, service))
                continue
            td_arn = self.resolve_task_definition(spec.get("task_definition"))
            if service is not None and service.get("status") == "DRAINING":
                raise CloudopsError(message="Service %s is still DRAINING after a deletion; re-run once it is INACTIVE"
                                            % spec["name"])
            results.append(self.create(spec, td_arn) if service is None else self.update(spec, service, td_arn, results))
        return results

    # -- wait -----------------------------------------------------------------------------------------------
    def readiness(self, service, result):
        """(ready, failed, reasons) for one service we wait on."""
        if result["state"] == "absent":
            if service is None or service.get("status") == "INACTIVE":
                return True, False, []
            message = "%s: status %s, %s running" % (result["name"], service.get("status"), service.get("runningCount"))
            return False, False, [message]
        if service is None:
            return False, True, ["%s: service does not exist" % result["name"]]
        if ((service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING") in TRAFFIC_SHIFTING:
            return self.traffic_shift_readiness(service, result)
        failed, reasons = service_deployment_failed(service, result.get("deployment_id"), result.get("task_definition_arn"))
        if failed:
            return False, True, reasons
        ready, reasons = service_rolled_out(service)
        runs, run_reasons = service_runs_task_definition(service, result.get("task_definition_arn"))
        reasons = reasons + run_reasons
        if ready and runs:
            desired = service.get("desiredCount") or 0
            counted = [0, 0]
            for lb in service.get("loadBalancers") or []:
                if not lb.get("targetGroupArn"):
                    continue
                descriptions = self.target_health(lb["targetGroupArn"])
                current = [t for t in descriptions if t["TargetHealth"]["State"] != "draining"]
                counted[0] += len([t for t in current if t["TargetHealth"]["State"] == "healthy"])
                counted[1] += len(current)
                self._targets[result["name"]] = tuple(counted)
                healthy, target_reasons = targets_healthy(descriptions, minimum=desired)
                if not healthy:
                    reasons.extend("%s: %s in %s" % (result["name"], r, lb["targetGroupArn"].split(":")[-1])
                                   for r in target_reasons)
        return not reasons, False, reasons

    def traffic_shift_readiness(self, service, result):
        """(ready, failed, reasons) of a BLUE_GREEN, LINEAR or CANARY service: its service deployment SUCCESSFUL (or
        paused at a PAUSE hook, which ends the wait), the service on the requested task definition with running ==
        desired, and per load balancer all production traffic on one target group whose targets are all healthy."""
        name = result["name"]
        started = name in self._known_deployments
        deployment = self.latest_deployment(name)
        if deployment is None and started:
            return False, False, ["%s: the service deployment has not started yet" % name]
        if deployment is not None:
            self._passed[name] = passed_stages(self._deployments.get(name), deployment)
            self._deployments[name] = deployment
            result.update(service_deployment_arn=deployment.get("serviceDeploymentArn"),
                          service_deployment_status=deployment.get("status"),
                          lifecycle_stage=deployment.get("lifecycleStage"))
            state, reasons = service_deployment_state(deployment)
            reasons = ["%s: %s" % (name, r) for r in reasons]
            if state == "paused":
                hook = paused_hook(deployment)
                result["paused_hook"] = dict(hook_id=hook.get("hookId"), lifecycle_stage=deployment.get("lifecycleStage"))
                return True, False, []
            if state in ("moving", "rolling_back"):
                return False, False, reasons
            if state == "failed" and started:
                return False, True, reasons + ["%s: the previous revision serves" % name]
        runs, reasons = service_runs_task_definition(service, result.get("task_definition_arn"))
        if service.get("runningCount") != service.get("desiredCount") or service.get("pendingCount"):
            reasons.append("%s: running %s of %s desired, %s pending" % (
                name, service.get("runningCount"), service.get("desiredCount"), service.get("pendingCount")))
        if reasons:
            return False, False, reasons
        desired = service.get("desiredCount") or 0
        counted = [0, 0]
        for lb in service.get("loadBalancers") or []:
            group = lb.get("targetGroupArn")
            rule_arn = (lb.get("advancedConfiguration") or {}).get("productionListenerRule")
            if rule_arn:
                group, traffic_reasons = traffic_on_one_group(self.listener_rule(rule_arn))
                reasons.extend("%s: %s" % (name, r) for r in traffic_reasons)
            if not group:
                continue
            descriptions = self.target_health(group)
            current = [t for t in descriptions if t["TargetHealth"]["State"] != "draining"]
            counted[0] += len([t for t in current if t["TargetHealth"]["State"] == "healthy"])
            counted[1] += len(current)
            self._targets[name] = tuple(counted)
            healthy, target_reasons = targets_healthy(descriptions, minimum=desired)
            if not healthy:
                reasons.extend("%s: %s in %s" % (name, r, group.split(":")[-1]) for r in target_reasons)
        return not reasons, False, reasons

    def wait_rolled_out(self, results, described=None):
        """Wait until every service is rolled out (or gone); fails early when a rollout failed. `described`: the
        services as just read (nothing changed since), for the first check. Returns the seconds waited."""
        pending = dict((r["name"], r) for r in results)
        first = {"services": described}
        state = {"reasons": {}, "services": {}}
        lines = progress_lines.Changes(self.progress)
        deleting = [r["state"] == "absent" for r in results]
        goal = "be deleted" if all(deleting) else "roll out or be deleted" if any(deleting) else "roll out"
        what = "services %s to %s" % (", ".join(sorted(pending)), goal)
        if self.progress is not None:
            self.progress("waiting for %s (at most %ss)" % (what, self.params["wait_timeout"]))

        def check():
            services = first.pop("services", None) or self.describe(list(pending))
            state["services"] = services
            for name in list(pending):
                ready, failed, reasons = self.readiness(services.get(name), pending[name])
                if self._passed.get(name) and self.progress is not None:
                    self.progress("%s: deployment %s passed %s" % (
                        name, short_deployment_id(self._deployments[name].get("serviceDeploymentArn")),
                        ", ".join(self._passed.pop(name))))
                lines.say(name, rollout_status(services.get(name), self._targets.get(name), ready and not failed,
                                               pending[name]["state"] == "absent", self._deployments.get(name)))
                if failed:
                    problems = service_problem_events(services.get(name) or {}, since=self.started_at)
                    refresh(results, services)
                    raise CloudopsError(
                        message="Service %s did not %s: %s%s" % (
                            name, "deploy" if name in self._deployments else "roll out",
                            "; ".join(reasons),
                            (". Recent service events: " + " | ".join(problems)) if problems else ""),
                        services=results, reasons=reasons, events=problems)
                if ready:
                    del pending[name]
                    state["reasons"].pop(name, None)
                else:
                    state["reasons"][name] = reasons
            refresh(results, services)
            return not pending, [r for reasons in state["reasons"].values() for r in reasons], None

        interval = self.params["wait_interval"]
        outcome = waiter.wait(check, self.params["wait_timeout"], what=what,
                              clock=self.clock, interval=min(1.0, interval), max_interval=interval,
                              progress=self.progress)
        if not outcome.satisfied:
            details = []
            for name, reasons in state["reasons"].items():
                problems = service_problem_events(state["services"].get(name) or {}, since=self.started_at)
                details.append("; ".join(reasons) + ((" (events: " + " | ".join(problems) + ")") if problems else ""))
            raise CloudopsError(
                message="Timed out after %ss waiting for %s: %s" % (
                    self.params["wait_timeout"], ", ".join(sorted(pending)), " / ".join(details)),
                services=results, reasons=state["reasons"])
        return round(outcome.elapsed, 1)

    def run(self):
        specs = merged_specs(self.params)
        validate(specs, self.params["services"] is not None)
        results = self.converge(specs)
        waited = 0.0
        if self.params["wait"] and not self.check_mode:
            # Nothing changed: the first check reads the services as converge just did.
            waited = self.wait_rolled_out(results, None if any(r["changed"] for r in results) else self._read)
        output = dict(changed=any(r["changed"] for r in results), services=results, waited_seconds=waited)
        if self.params["services"] is None:
            output["service"] = results[0]
        if self.diff_mode:
            output["diff"] = dict(before=self.diff_before, after=self.diff_after)
        return output
