# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure readiness predicates over AWS API responses: no I/O, so waits, verification and rolls share
one definition of "ready" and each is unit-tested on plain dicts.

Every predicate returns (ready: bool, reasons: list of str); reasons say what is not ready yet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def service_rolled_out(service):
    """An ECS service (DescribeServices item) whose rollout is done: ACTIVE, one deployment, that
    deployment PRIMARY with rolloutState COMPLETED, and running == desired with nothing pending."""
    reasons = []
    name = service.get("serviceName", "?")
    if service.get("status") != "ACTIVE":
        reasons.append("%s: status %s" % (name, service.get("status")))
    deployments = service.get("deployments") or []
    if len(deployments) != 1:
        reasons.append("%s: %d deployments" % (name, len(deployments)))
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        reasons.append("%s: no PRIMARY deployment" % name)
    elif primary.get("rolloutState") not in (None, "COMPLETED"):
        reasons.append("%s: rollout %s (%s)" % (name, primary.get("rolloutState"), primary.get("rolloutStateReason", "")))
    if service.get("runningCount") != service.get("desiredCount") or service.get("pendingCount"):
        reasons.append(
            "%s: running %s of %s desired, %s pending"
            % (name, service.get("runningCount"), service.get("desiredCount"), service.get("pendingCount"))
        )
    return not reasons, reasons


def targets_healthy(target_health_descriptions, minimum=1):
    """DescribeTargetHealth output: at least `minimum` targets, every registered target healthy
    (draining targets are on their way out and do not count either way)."""
    reasons = []
    current = [t for t in target_health_descriptions if t["TargetHealth"]["State"] != "draining"]
    healthy = [t for t in current if t["TargetHealth"]["State"] == "healthy"]
    for target in current:
        state = target["TargetHealth"]["State"]
        if state != "healthy":
            reasons.append(
                "target %s:%s is %s (%s)"
                % (target["Target"]["Id"], target["Target"].get("Port", "-"), state,
                   target["TargetHealth"].get("Reason", ""))
            )
    if len(healthy) < minimum:
        reasons.append("%d healthy targets, %d needed" % (len(healthy), minimum))
    return not reasons, reasons


def service_deployment_failed(service, deployment_id=None, task_definition_arn=None):
    """Whether the deployment a change started has failed for good: (failed, reasons).

    Failed means the deployment `deployment_id` (or, without one, the PRIMARY deployment) reports
    rolloutState FAILED (the deployment circuit breaker tripped), or it vanished and the PRIMARY
    deployment now runs another task definition than `task_definition_arn` (rolled back)."""
    name = service.get("serviceName", "?")
    deployments = service.get("deployments") or []
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if deployment_id:
        ours = next((d for d in deployments if d.get("id") == deployment_id), None)
    else:
        ours = primary
    if ours is not None and ours.get("rolloutState") == "FAILED":
        reason = ours.get("rolloutStateReason") or "rollout FAILED"
        rolled_back = primary is not None and primary is not ours
        return True, [
            "%s: deployment %s failed: %s%s"
            % (name, ours.get("id", "?"), reason,
               "; rolling back to %s" % primary.get("taskDefinition") if rolled_back else "")
        ]
    if deployment_id and ours is None and primary is not None and task_definition_arn and \
            primary.get("taskDefinition") != task_definition_arn:
        return True, [
            "%s: deployment %s is gone and the service runs %s instead of %s (rolled back by the deployment "
            "circuit breaker)" % (name, deployment_id, primary.get("taskDefinition"), task_definition_arn)
        ]
    if service.get("status") in ("INACTIVE", "DRAINING"):
        return True, ["%s: status %s" % (name, service.get("status"))]
    return False, []


def service_runs_task_definition(service, task_definition_arn):
    """The PRIMARY deployment runs `task_definition_arn`: (ready, reasons)."""
    name = service.get("serviceName", "?")
    primary = next((d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), None)
    running = (primary or {}).get("taskDefinition") or service.get("taskDefinition")
    if task_definition_arn and running != task_definition_arn:
        return False, ["%s: runs %s, not %s" % (name, running, task_definition_arn)]
    return True, []


PLACEMENT_EVENT_MARKERS = ("unable to place", "was unable to", "insufficient", "no container instance",
                           "is unhealthy in", "failed", "stopped")


def service_problem_events(service, since=None, limit=5):
    """Recent service events that explain a stalled rollout (placement failures, unhealthy tasks,
    task start failures), newest first; `since` is a datetime or epoch seconds to ignore older ones."""
    problems = []
    for event in service.get("events") or []:
        created = event.get("createdAt")
        if since is not None and created is not None:
            created_s = created.timestamp() if hasattr(created, "timestamp") else float(created)
            since_s = since.timestamp() if hasattr(since, "timestamp") else float(since)
            if created_s < since_s:
                continue
        message = event.get("message", "")
        if any(marker in message.lower() for marker in PLACEMENT_EVENT_MARKERS):
            problems.append(message)
        if len(problems) >= limit:
            break
    return problems


def container_instance_active(container_instance):
    """A container instance that can take tasks: ACTIVE with its agent connected."""
    name = container_instance.get("ec2InstanceId") or container_instance.get("containerInstanceArn", "?")
    reasons = []
    if container_instance.get("status") != "ACTIVE":
        reasons.append("%s: container instance %s" % (name, container_instance.get("status")))
    elif not container_instance.get("agentConnected"):
        reasons.append("%s: ECS agent not connected" % name)
    return not reasons, reasons


def container_instance_drained(container_instance, service_tasks=None):
    """A DRAINING container instance whose service tasks have left. `service_tasks` are the
    DescribeTasks items still RUNNING or PENDING on it (None: use the instance's own counts)."""
    name = container_instance.get("ec2InstanceId") or container_instance.get("containerInstanceArn", "?")
    reasons = []
    if container_instance.get("status") not in ("DRAINING", "INACTIVE", "DEREGISTERING"):
        reasons.append("%s: container instance %s, not DRAINING" % (name, container_instance.get("status")))
    if service_tasks is None:
        left = int(container_instance.get("runningTasksCount") or 0) + int(container_instance.get("pendingTasksCount") or 0)
    else:
        left = len([t for t in service_tasks if t.get("lastStatus") != "STOPPED"])
    if left:
        reasons.append("%s: %d tasks still on it" % (name, left))
    return not reasons, reasons


def aurora_cluster_available(cluster, instances, expected_instances=None):
    """An Aurora cluster (DescribeDBClusters item) and its instances (DescribeDBInstances items)
    ready for traffic: cluster `available`, a writer elected, every instance `available` (instances
    being deleted are ignored), `expected_instances` of them when given, managed secret active."""
    reasons = []
    if not cluster:
        return False, ["cluster does not exist"]
    name = cluster.get("DBClusterIdentifier", "?")
    if cluster.get("Status") != "available":
        reasons.append("%s: status %s" % (name, cluster.get("Status")))
    members = cluster.get("DBClusterMembers") or []
    if not any(m.get("IsClusterWriter") for m in members):
        reasons.append("%s: no writer instance" % name)
    live = [i for i in instances if i.get("DBInstanceStatus") not in ("deleting", "deleted")]
    for instance in live:
        if instance.get("DBInstanceStatus") != "available":
            reasons.append("%s: status %s" % (instance["DBInstanceIdentifier"], instance.get("DBInstanceStatus")))
    if expected_instances is not None and len(live) != expected_instances:
        reasons.append("%s: %d instances, %d expected" % (name, len(live), expected_instances))
    secret = cluster.get("MasterUserSecret")
    if secret and secret.get("SecretStatus") not in (None, "active"):
        reasons.append("%s: master user secret %s" % (name, secret.get("SecretStatus")))
    return not reasons, reasons


# ServiceDeployment.status values: still moving, rolled back or stopped (the new revision does not serve).
DEPLOYMENT_MOVING = ("PENDING", "IN_PROGRESS")
DEPLOYMENT_ROLLING_BACK = ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
DEPLOYMENT_UNDONE = ("ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED", "STOP_REQUESTED")


def deployment_id(arn):
    """The short id of a service deployment ARN (its last path part)."""
    return (arn or "?").rsplit("/", 1)[-1]


def paused_hook(deployment):
    """The PAUSE hook a service deployment waits at (a DescribeServiceDeployments lifecycleHookDetails item), or None."""
    for hook in (deployment or {}).get("lifecycleHookDetails") or []:
        if hook.get("status") == "AWAITING_ACTION":
            return hook
    return None


def deployment_failure_reasons(deployment):
    """Why a service deployment rolled back or stopped: its status reason, the rollback's reason, the alarms that
    triggered, the circuit breaker and the hooks that failed or timed out."""
    reasons = []
    if deployment.get("statusReason"):
        reasons.append(deployment["statusReason"])
    rollback = deployment.get("rollback") or {}
    if rollback.get("reason") and rollback["reason"] not in reasons:
        reasons.append("rollback: %s" % rollback["reason"])
    alarms = deployment.get("alarms") or {}
    if alarms.get("triggeredAlarmNames"):
        reasons.append("alarms in ALARM: %s" % ", ".join(alarms["triggeredAlarmNames"]))
    breaker = deployment.get("deploymentCircuitBreaker") or {}
    if breaker.get("status") == "TRIGGERED":
        counts = (breaker.get("failureCount"), breaker.get("threshold"))
        reasons.append("circuit breaker: %s failed tasks (threshold %s)" % counts)
    for hook in deployment.get("lifecycleHookDetails") or []:
        if hook.get("status") in ("FAILED", "TIMED_OUT"):
            target = hook.get("targetArn") or hook.get("targetType") or "hook"
            reasons.append("lifecycle hook %s %s" % (target, hook["status"]))
    return reasons or ["no reason given"]


def service_deployment_state(deployment):
    """(state, reasons) of a DescribeServiceDeployments item: state is `done` (SUCCESSFUL), `paused` (a PAUSE hook
    awaits ContinueServiceDeployment), `moving`, `rolling_back` or `failed` (rolled back or stopped: the previous
    revision serves)."""
    name = deployment_id(deployment.get("serviceDeploymentArn"))
    status = deployment.get("status")
    stage = deployment.get("lifecycleStage") or "-"
    if status == "SUCCESSFUL":
        return "done", []
    if status in DEPLOYMENT_UNDONE:
        return "failed", ["deployment %s %s: %s" % (name, status, "; ".join(deployment_failure_reasons(deployment)))]
    if status in DEPLOYMENT_ROLLING_BACK:
        why = "; ".join(deployment_failure_reasons(deployment))
        return "rolling_back", ["deployment %s %s: %s" % (name, status, why)]
    hook = paused_hook(deployment)
    if hook is not None:
        return "paused", ["deployment %s paused at %s: awaiting approval (hook %s)" % (name, stage, hook.get("hookId"))]
    return "moving", ["deployment %s %s at stage %s" % (name, status, stage)]


def production_weights(rule):
    """{target group ARN: weight} of a listener rule's forward action (DescribeRules item); a single target group
    gets 100."""
    weights = {}
    for action in (rule or {}).get("Actions") or []:
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if groups:
            for group in groups:
                weights[group["TargetGroupArn"]] = int(group.get("Weight", 1) if len(groups) > 1 else 100)
        elif action.get("TargetGroupArn"):
            weights[action["TargetGroupArn"]] = 100
    return weights


def traffic_on_one_group(rule):
    """(target group ARN, reasons): the group taking all production traffic of a listener rule, or None."""
    weights = production_weights(rule)
    total = sum(weights.values())
    full = [arn for arn, weight in weights.items() if weight and weight == total]
    if len(full) == 1:
        return full[0], []
    shares = ", ".join("%s %d" % (arn.split(":")[-1], weight) for arn, weight in sorted(weights.items()))
    return None, ["production traffic split (%s)" % (shares or "no forward action")]
