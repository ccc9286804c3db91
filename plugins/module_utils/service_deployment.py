# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One service's deployments (ecs_service_deployment): deploy a new image or task definition and wait as
ecs_service waits, or act on the deployment in progress - continue it past the PAUSE hook it waits at, or roll it
back (ContinueServiceDeployment ROLLBACK at a PAUSE hook, StopServiceDeployment ROLLBACK otherwise)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import DEPLOYMENT_MOVING
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import deployment_failure_reasons
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import deployment_id
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import paused_hook
from ansible_collections.cloudops.ecs.plugins.module_utils.service_rollout import EcsServices
from ansible_collections.cloudops.ecs.plugins.module_utils.service_rollout import service_result
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import READ_ONLY_KEYS

# A rollback is over when the deployment reached one of these.
ROLLED_BACK = ("ROLLBACK_SUCCESSFUL", "STOPPED")


def with_image(task_definition, container, image):
    """The RegisterTaskDefinition request of a task definition (DescribeTaskDefinition item) with `container`'s image
    replaced; None when it already runs that image. Raises CloudopsError for an unknown container."""
    containers = task_definition.get("containerDefinitions") or []
    names = [c.get("name") for c in containers]
    if container not in names:
        raise CloudopsError(message="container=%s: task definition %s has no such container (it has %s); set container to "
                                    "one of them" % (container, task_definition.get("taskDefinitionArn"), ", ".join(names)))
    if next(c for c in containers if c.get("name") == container).get("image") == image:
        return None
    request = dict((k, v) for k, v in task_definition.items() if k not in READ_ONLY_KEYS)
    request["containerDefinitions"] = [dict(c, image=image) if c.get("name") == container else c for c in containers]
    return request


def summary(result):
    """One line on where a deploy, continue or rollback left the service."""
    line = "%s: %s, strategy %s" % (result["name"], result["action"], result.get("deployment_strategy") or "-")
    if result.get("stages"):
        stages = [s["stage"] + (" (%s)" % ", ".join(s["hooks"]) if s["hooks"] else "") for s in result["stages"]]
        line += "; stages %s" % " > ".join(stages)
    if result.get("traffic_steps"):
        line += "; production traffic %s" % " > ".join("%g%%" % w for w in result["traffic_steps"])
    if result.get("service_deployment_status"):
        line += "; deployment %s %s" % (deployment_id(result.get("service_deployment_arn")),
                                        result["service_deployment_status"])
    if result.get("paused_hook"):
        line += "; paused at %s for approval: continue it (make deploy SERVICE=%s ACTION=continue) or roll it back " \
                "(ACTION=rollback)" % (result["paused_hook"].get("lifecycle_stage"), result["name"])
    return line


class ServiceDeployment(EcsServices):
    """Deploys, continues or rolls back the deployment of the service `service`."""

    def __init__(self, *args, **kwargs):
        super(ServiceDeployment, self).__init__(*args, **kwargs)
        self.name = self.params["service"]

    def current(self):
        service = self.describe([self.name])[self.name]
        if service is None:
            names = sorted(arn.rsplit("/", 1)[-1] for arn in self.paginate(
                "ecs", "list_services", "serviceArns", "list the services of cluster %s" % self.cluster, cluster=self.cluster))
            raise CloudopsError(message="service=%s: no such service in cluster %s (it has %s); name one of them"
                                        % (self.name, self.cluster, ", ".join(names) or "none"))
        return service

    def new_task_definition(self, service):
        """(ARN the service should run, registered): the task_definition option resolved, or the service's task
        definition with the image replaced (a new revision only when the image differs)."""
        if self.params.get("task_definition"):
            arn = self.resolve_task_definition(self.params["task_definition"])
            if arn is None:
                raise CloudopsError(message="task_definition=%s: no ACTIVE revision; register it first"
                                            % self.params["task_definition"])
            return arn, False
        if not self.params.get("image"):
            return service["taskDefinition"], False
        current = self.call("ecs", "describe_task_definition", "describe task definition %s" % service["taskDefinition"],
                            taskDefinition=service["taskDefinition"], include=["TAGS"])
        request = with_image(current["taskDefinition"], self.params.get("container") or self.name, self.params["image"])
        if request is None:
            return service["taskDefinition"], False
        if self.check_mode:
            return "%s (new revision with image %s)" % (current["taskDefinition"]["family"], self.params["image"]), True
        if current.get("tags"):
            request["tags"] = current["tags"]
        registered = self.call("ecs", "register_task_definition", "register a revision of %s" % request["family"],
                               **request)
        return registered["taskDefinition"]["taskDefinitionArn"], True

    def deploy(self, service):
        td_arn, registered = self.new_task_definition(service)
        spec = {"name": self.name, "state": "present"}
        changed = registered or td_arn != service["taskDefinition"] or self.params["force_new_deployment"]
        if not changed:
            return service_result(spec, service, False, "none", [], td_arn)
        differences = ["taskDefinition"] if td_arn != service["taskDefinition"] else ["forceNewDeployment"]
        result = service_result(spec, service, True, "deploy", differences, td_arn)
        if self.check_mode:
            return result
        if result["deployment_strategy"] != "ROLLING":
            self._known_deployments[self.name] = set(d["serviceDeploymentArn"] for d in self.service_deployments(self.name))
        update = {"taskDefinition": td_arn}
        if self.params["force_new_deployment"]:
            update["forceNewDeployment"] = True
        service = self.ecs("update_service", "deploy service %s" % self.name, cluster=self.cluster, service=self.name,
                           **update)["service"]
        return service_result(spec, service, True, "deploy", differences, td_arn)

    def act_on_deployment(self, service, action):
        """Continue or roll back the deployment in progress."""
        deployment = self.latest_deployment(self.name)
        if deployment is None or deployment.get("status") not in DEPLOYMENT_MOVING:
            state = "it has none"
            if deployment:
                state = "its latest deployment %s is %s" % (deployment_id(deployment.get("serviceDeploymentArn")),
                                                            deployment.get("status"))
            raise CloudopsError(message="service=%s: no deployment in progress to %s (%s)" % (
                self.name, "continue" if action == "continue" else "roll back", state))
        hook = paused_hook(deployment)
        if action == "continue" and hook is None:
            raise CloudopsError(message="service=%s: deployment %s is not paused (it is %s at stage %s); nothing to "
                                        "continue, it goes on by itself" % (
                                            self.name, deployment_id(deployment["serviceDeploymentArn"]),
                                            deployment.get("status"), deployment.get("lifecycleStage")))
        spec = {"name": self.name, "state": "present"}
        result = service_result(spec, service, True, action, [])
        paused = dict(hook_id=hook.get("hookId"), lifecycle_stage=deployment.get("lifecycleStage")) if hook else None
        result.update(service_deployment_arn=deployment["serviceDeploymentArn"],
                      lifecycle_stage=deployment.get("lifecycleStage"), task_definition_arn=None, paused_hook=paused)
        if self.check_mode:
            return result, deployment
        arn = deployment["serviceDeploymentArn"]
        if hook is not None:
            self.ecs("continue_service_deployment", "%s deployment %s" % (action, arn), serviceDeploymentArn=arn,
                     hookId=hook["hookId"], action="CONTINUE" if action == "continue" else "ROLLBACK")
        else:
            self.ecs("stop_service_deployment", "roll back deployment %s" % arn, serviceDeploymentArn=arn,
                     stopType="ROLLBACK")
        return result, deployment

    def wait_rolled_back(self, result):
        """Wait until the deployment rolled back (the previous revision serves again)."""
        arn = result["service_deployment_arn"]
        lines = {"last": None}

        def check():
            described = self.call("ecs", "describe_service_deployments", "describe deployment %s" % arn,
                                  serviceDeploymentArns=[arn])["serviceDeployments"][0]
            line = "%s: deployment %s %s, stage %s" % (self.name, deployment_id(arn), described.get("status"),
                                                       described.get("lifecycleStage"))
            if self.progress is not None and line != lines["last"]:
                self.progress(line)
                lines["last"] = line
            result.update(service_deployment_status=described.get("status"),
                          lifecycle_stage=described.get("lifecycleStage"))
            if described.get("status") == "ROLLBACK_FAILED":
                raise CloudopsError(message="Rolling back deployment %s of %s failed: %s" % (
                    deployment_id(arn), self.name, "; ".join(deployment_failure_reasons(described))), service=result)
            done = described.get("status") in ROLLED_BACK
            return done, [] if done else [line], described

        interval = self.params["wait_interval"]
        outcome = self.wait(check, "deployment %s of %s to roll back" % (deployment_id(arn), self.name),
                            interval=min(1.0, interval), max_interval=interval)
        return round(outcome.elapsed, 1)

    def run(self):
        action = self.params["action"]
        service = self.current()
        waited = 0.0
        if action == "deploy":
            result = self.deploy(service)
            if self.params["wait"] and not self.check_mode and result["changed"]:
                waited = self.wait_rolled_out([result])
        else:
            result, _deployment = self.act_on_deployment(service, action)
            if self.params["wait"] and not self.check_mode:
                if action == "continue":
                    self._known_deployments[self.name] = set()
                    result.pop("paused_hook", None)
                    waited = self.wait_rolled_out([result])
                else:
                    waited = self.wait_rolled_back(result)
        return dict(changed=result["changed"], service=result, summary=summary(result), waited_seconds=waited)
