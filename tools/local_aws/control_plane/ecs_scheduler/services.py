"""Services and deployments: replica and daemon reconciliation, rolling deployments within min/max
percent, the circuit breaker, service events and counts."""
import math
import uuid
from collections import Counter

from moto.cloudwatch.models import cloudwatch_backends

from local_aws.control_plane import ecs_placement as placement
from local_aws.control_plane.ecs_scheduler.common import DRAIN_REASON, deployment_id, short


class Services:
    """Part of the Scheduler; uses place/candidate/demand (placement), create_task/stop_task (tasks)."""

    def service_controls(self):
        return {"ecs/hold-drains": self._control_hold_drains}

    def _control_hold_drains(self, payload):
        """{cluster?, hold: true|false}: while held, the service tasks on DRAINING container instances of that
        cluster (every cluster when omitted) are not stopped (their replacements still start elsewhere within
        maximumPercent), as a drain whose connections take long to close; false releases it."""
        key = short(payload["cluster"]) if payload.get("cluster") else "*"
        if payload.get("hold", True):
            self.held_drains.add(key)
        else:
            self.held_drains.discard(key)
        return {"held": sorted(self.held_drains)}

    def drain_held(self, cluster):
        return "*" in self.held_drains or short(cluster) in self.held_drains

    def event(self, service, message):
        service["events"].insert(0, {"id": str(uuid.uuid4()), "createdAt": self.plane.epoch(), "message": message})
        del service["events"][100:]

    # -- services --------------------------------------------------------------------------------------
    def service_tasks(self, store, service, alive=True):
        return [t for t in self.all_service_tasks(store, service) if not alive or t["desiredStatus"] == "RUNNING"]

    @staticmethod
    def all_service_tasks(store, service):
        """Every task of the service still known (STOPPED included), from the per-tick index."""
        return [t for t in store.by_service.get(service["_key"], ()) if t["taskArn"] in store.tasks]

    def _launch(self, store, cluster, service):
        strategy = service.get("capacityProviderStrategy") or (
            cluster["defaultCapacityProviderStrategy"] if not service.get("launchType") else [])
        return strategy

    def start_service_tasks(self, store, service, deployment, count, instances=None):
        if count <= 0:
            return 0
        cluster = store.clusters[service["_cluster"]]
        td = store.task_definition(deployment["taskDefinition"]) or store.task_definitions.get(
            short(deployment["taskDefinition"]).split(":")[0], {}).get(
            int(deployment["taskDefinition"].rsplit(":", 1)[1]))
        strategy = self._launch(store, cluster, service)
        group = [t for t in self.service_tasks(store, service)]
        tags = {"SERVICE": service.get("tags"), "TASK_DEFINITION": td.get("_tags")}.get(service.get("propagateTags"))
        tags = list(tags or [])
        started = []

        def launch(candidate):
            # created at once, so the next placement sees its resources and host ports taken
            task = self.create_task(
                store, cluster, td, candidate, self.demand(td), started_by=deployment["id"], service=service,
                deployment=deployment["id"], launch={"strategy": strategy}, tags=tags,
                exec_enabled=service.get("enableExecuteCommand"))
            started.append(short(task["taskArn"]))

        if len(strategy) > 1:
            chosen, failure = [], None
            # a strategy's base and weights count the tasks that stay: not those on a draining instance or stopping
            counts = Counter(t.get("capacityProviderName") for t in group if t.get("desiredStatus") == "RUNNING"
                             and (store.container_instances.get(t.get("containerInstanceArn")) or {}).get("status")
                             == "ACTIVE")
            for _ in range(count):
                provider = self.pick_provider(strategy, counts)
                picked, failure = self.place(store, cluster, td, 1, service.get("placementStrategy"),
                                             service.get("placementConstraints"), [provider], group, instances)
                if not picked:
                    break
                chosen += picked
                launch(picked[0])
                counts[provider["capacityProvider"]] += 1
                group.append({"containerInstanceArn": picked[0][0]["arn"]})
        else:
            chosen, failure = self.place(store, cluster, td, count, service.get("placementStrategy"),
                                         service.get("placementConstraints"), strategy, group, instances)
            for candidate in chosen:
                launch(candidate)
        if started:
            service["_started_batch"].extend(started)
            service["_steady"] = False
        if failure is not None and len(chosen) < count:
            message = self.unplaceable_message(service["serviceName"], failure)
            if not service["events"] or service["events"][0]["message"] != message:
                self.event(service, message)
            service["_unplaced"] = count - len(chosen)
        else:
            service["_unplaced"] = 0
        return len(chosen)

    @staticmethod
    def pick_provider(strategy, counts):
        """The provider of a capacity-provider strategy that gets the next task: bases first, then weights."""
        for item in strategy:
            if counts.get(item["capacityProvider"], 0) < item.get("base", 0):
                return item
        weighted = [item for item in strategy if item.get("weight", 0) > 0] or list(strategy)
        return min(weighted, key=lambda item: (
            (counts.get(item["capacityProvider"], 0) + 1 - item.get("base", 0)) / max(item.get("weight", 0), 1e-9),
            strategy.index(item)))

    def _count_failure(self, store, service, task):
        deployment = next((d for d in service["deployments"] if d["id"] == task["_deployment"]), None)
        if deployment is None or deployment.get("rolloutState") != "IN_PROGRESS":
            return
        deployment["failedTasks"] += 1

    @staticmethod
    def failure_threshold(desired):
        return min(200, max(3, math.ceil(desired * 0.5)))

    def _circuit_breaker(self, store, service, now):
        primary = service["deployments"][0]
        breaker = service["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}
        if not breaker.get("enable") or primary.get("rolloutState") != "IN_PROGRESS" or primary.get("_shift"):
            return
        if primary["failedTasks"] < self.failure_threshold(primary["desiredCount"] or service["desiredCount"]):
            return
        self._fail_deployment(store, service, "ECS deployment circuit breaker: tasks failed to start.",
                              "tasks failed to start", breaker.get("rollback"), "ECS deployment circuit breaker")

    def _deployment_alarms(self, store, service, now):
        """deploymentConfiguration.alarms: an IN_PROGRESS deployment fails as soon as one of the named CloudWatch
        alarms is in ALARM; with rollback, a new deployment returns to the last completed task definition."""
        primary = service["deployments"][0]
        alarms = service["deploymentConfiguration"].get("alarms") or {}
        if not alarms.get("enable") or not alarms.get("alarmNames") or primary.get("rolloutState") != "IN_PROGRESS" \
                or primary.get("_shift"):  # traffic-shifting deployments watch their alarms in traffic.py
            return
        firing = sorted(name for name in alarms["alarmNames"] if alarm_state(store, name) == "ALARM")
        if not firing:
            return
        self._fail_deployment(store, service, f"ECS deployment failed: alarm(s) {', '.join(firing)} in ALARM state.",
                              "alarm detected", alarms.get("rollback"), "ECS deployment alarms")

    def _fail_deployment(self, store, service, reason, event_cause, rollback, rollback_by):
        """The PRIMARY deployment FAILED, with ECS's events; with rollback, a new deployment returns to the last
        completed task definition."""
        primary = service["deployments"][0]
        primary["rolloutState"] = "FAILED"
        primary["rolloutStateReason"] = reason
        primary["updatedAt"] = self.plane.epoch()
        name = service["serviceName"]
        self.event(service, f"(service {name}) (deployment {primary['id']}) deployment failed: {event_cause}.")
        last = service.get("_completed")
        if rollback and last:
            self.event(service, f"(service {name}) rolling back to deployment {last['id']}.")
            # the tasks of the rollback get the volumes of the deployment it returns to
            service["_volume_configurations"] = [dict(v) for v in last.get("volumeConfigurations") or []]
            self.new_deployment(store, service, last["taskDefinition"],
                                reason=f"{rollback_by}: rolling back to deploymentId {last['id']}.")
            service["taskDefinition"] = last["taskDefinition"]

    def new_deployment(self, store, service, task_definition, reason=None):
        now = self.plane.epoch()
        previous = service["deployments"][0] if service["deployments"] else None
        for deployment in service["deployments"]:
            if deployment["status"] == "PRIMARY":
                deployment["status"] = "ACTIVE"
                deployment["updatedAt"] = now
        deployment = {
            "id": deployment_id(),
            "status": "PRIMARY",
            "taskDefinition": task_definition,
            "desiredCount": service["desiredCount"],
            "pendingCount": 0,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": now,
            "updatedAt": now,
            "launchType": service.get("launchType"),
            "capacityProviderStrategy": service.get("capacityProviderStrategy"),
            "networkConfiguration": service.get("networkConfiguration"),
            "volumeConfigurations": service.get("_volume_configurations") or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": reason or "ECS deployment ecs-svc started.",
        }
        deployment = {k: v for k, v in deployment.items() if v is not None}
        if reason is None:
            deployment["rolloutStateReason"] = f"ECS deployment {deployment['id']} in progress."
        service["deployments"].insert(0, deployment)
        service["_steady"] = False
        self.start_service_deployment(store, service, deployment, previous)
        return deployment

    def reconcile_replica(self, store, service, now):
        if service["status"] == "INACTIVE":
            return
        primary = service["deployments"][0]
        desired = service["desiredCount"] if service["status"] == "ACTIVE" else 0
        config = service["deploymentConfiguration"]
        max_total = math.floor(desired * config.get("maximumPercent", 200) / 100)
        min_healthy = math.ceil(desired * config.get("minimumHealthyPercent", 100) / 100)
        if service["status"] == "DRAINING":
            for task in self.service_tasks(store, service):
                self.stop_task(store, task, f"Scaling activity initiated by (deployment {primary['id']})",
                               "ServiceSchedulerInitiated")
            self._flush_events(service)
            if not [t for t in self.all_service_tasks(store, service) if t["lastStatus"] != "STOPPED"]:
                service["status"] = "INACTIVE"
                service["_inactive_at"] = now
                for deployment in service["deployments"]:
                    deployment["status"] = "INACTIVE" if deployment is not primary else deployment["status"]
            return
        self._circuit_breaker(store, service, now)
        self._deployment_alarms(store, service, now)
        primary = service["deployments"][0]
        draining = {a for a, ci in store.container_instances.items() if ci["status"] != "ACTIVE"}
        tasks = self.service_tasks(store, service)
        prim = [t for t in tasks if t["_deployment"] == primary["id"] and t["containerInstanceArn"] not in draining]
        healthy = len([t for t in tasks if t["lastStatus"] == "RUNNING" and t["_healthy"]])
        scaling = f"Scaling activity initiated by (deployment {primary['id']})"
        # scale in the primary
        if len(prim) > desired:
            extra = sorted(prim, key=lambda t: (t["_healthy"], t["lastStatus"] == "RUNNING"))[:len(prim) - desired]
            for task in extra:
                healthy -= 1 if task["_healthy"] and task["lastStatus"] == "RUNNING" else 0
                self.stop_task(store, task, scaling, "ServiceSchedulerInitiated")
            tasks = self.service_tasks(store, service)
            prim = [t for t in prim if t["desiredStatus"] == "RUNNING"]
        # start new tasks of the primary
        if primary.get("rolloutState") != "FAILED" or len(service["deployments"]) == 1:
            need = desired - len(prim)
            room = max_total - len(tasks)
            if need > 0 and room > 0:
                self.start_service_tasks(store, service, primary, min(need, room))
            elif need <= 0:
                service["_unplaced"] = 0
        # stop replaced tasks: old deployments and draining instances, within minimum healthy percent
        victims = [t for t in self.service_tasks(store, service)
                   if t["_deployment"] != primary["id"] or t["containerInstanceArn"] in draining]
        victims.sort(key=lambda t: (t["lastStatus"] == "RUNNING" and t["_healthy"],))
        if self.drain_held(service["_cluster"]):  # the ecs/hold-drains control
            victims = [t for t in victims if t["containerInstanceArn"] not in draining]
        for task in victims:
            is_healthy = task["lastStatus"] == "RUNNING" and task["_healthy"]
            if is_healthy and healthy - 1 < min_healthy:
                continue
            reason = DRAIN_REASON if task["containerInstanceArn"] in draining else scaling
            self.stop_task(store, task, reason, "ServiceSchedulerInitiated")
            healthy -= 1 if is_healthy else 0
        self._flush_events(service)
        self._finish_deployments(store, service, desired, draining)

    def reconcile_daemon(self, store, service, now):
        if service["status"] == "INACTIVE":
            return
        primary = service["deployments"][0]
        cluster = store.clusters[service["_cluster"]]
        scaling = f"Scaling activity initiated by (deployment {primary['id']})"
        tasks = self.service_tasks(store, service)
        if service["status"] == "DRAINING":
            for task in tasks:
                self.stop_task(store, task, scaling, "ServiceSchedulerInitiated")
            self._flush_events(service)
            if not [t for t in self.all_service_tasks(store, service) if t["lastStatus"] != "STOPPED"]:
                service["status"] = "INACTIVE"
                service["_inactive_at"] = now
            return
        td = store.task_definitions[short(primary["taskDefinition"]).split(":")[0]][
            int(primary["taskDefinition"].rsplit(":", 1)[1])]
        constraints = list(service.get("placementConstraints") or []) + list(td.get("placementConstraints") or [])
        eligible = []
        for ci in store.container_instances.values():
            if ci["_cluster"] != cluster["clusterName"] or ci["status"] != "ACTIVE" or not ci["agentConnected"]:
                continue
            candidate = self.candidate(store, ci)
            try:
                if all(placement.matches(c.get("expression"), candidate) for c in constraints
                       if c.get("type") == "memberOf"):
                    eligible.append(ci["containerInstanceArn"])
            except placement.ExpressionError:
                continue
        by_instance = {}
        for task in tasks:
            by_instance.setdefault(task["containerInstanceArn"], []).append(task)
        for arn, on_instance in by_instance.items():
            ci = store.container_instances.get(arn)
            if arn in eligible:
                current = [t for t in on_instance if t["_deployment"] == primary["id"]]
                for task in on_instance:
                    if task["_deployment"] != primary["id"] or task in current[1:]:
                        self.stop_task(store, task, scaling, "ServiceSchedulerInitiated")
            else:
                others = [t for t in store.tasks.values() if t.get("containerInstanceArn") == arn
                          and t["lastStatus"] != "STOPPED" and t["_service"] and t["_service"] != service["_key"]
                          and store.services.get(t["_service"], {}).get("schedulingStrategy") != "DAEMON"]
                if ci is None or ci["status"] == "INACTIVE" or not others:
                    for task in on_instance:
                        reason = DRAIN_REASON if ci is not None and ci["status"] == "DRAINING" else scaling
                        self.stop_task(store, task, reason, "ServiceSchedulerInitiated")
        for arn in eligible:
            on_instance = [t for t in self.all_service_tasks(store, service)
                           if t.get("containerInstanceArn") == arn and t["lastStatus"] != "STOPPED"]
            if not on_instance:
                self.start_service_tasks(store, service, primary, 1, instances={arn})
        service["desiredCount"] = len(eligible)
        primary["desiredCount"] = len(eligible)
        self._flush_events(service)
        self._finish_deployments(store, service, len(eligible), set())

    def _flush_events(self, service):
        name = service["serviceName"]
        if service["_draining_batch"]:
            self.event(service, f"(service {name}) has begun draining connections on "
                                f"{service['_draining_batch']} tasks.")
            service["_draining_batch"] = 0
        for tg, count in service["_deregistered"].items():
            self.event(service, f"(service {name}) deregistered {count} targets in (target-group {tg})")
        service["_deregistered"] = {}
        if service["_stopped_batch"]:
            ids = " ".join(f"(task {t})" for t in service["_stopped_batch"])
            self.event(service, f"(service {name}) has stopped {len(service['_stopped_batch'])} running tasks: {ids}.")
            service["_stopped_batch"] = []
            service["_steady"] = False
        if service["_started_batch"]:
            ids = " ".join(f"(task {t})" for t in service["_started_batch"])
            self.event(service, f"(service {name}) has started {len(service['_started_batch'])} tasks: {ids}.")
            service["_started_batch"] = []
        for tg, count in service["_registered"].items():
            self.event(service, f"(service {name}) registered {count} targets in (target-group {tg})")
        service["_registered"] = {}

    def _finish_deployments(self, store, service, desired, draining):
        primary = service["deployments"][0]
        tasks = self.service_tasks(store, service)
        for deployment in service["deployments"][1:]:
            left = [t for t in self.all_service_tasks(store, service)
                    if t["_deployment"] == deployment["id"] and t["lastStatus"] != "STOPPED"]
            if not left:
                deployment["status"] = "INACTIVE"
        service["deployments"] = [d for d in service["deployments"] if d["status"] != "INACTIVE"]
        prim_healthy = [t for t in tasks if t["_deployment"] == primary["id"] and t["lastStatus"] == "RUNNING"
                        and t["_healthy"] and t["containerInstanceArn"] not in draining]
        others_alive = [t for t in self.all_service_tasks(store, service)
                        if t["lastStatus"] != "STOPPED" and (t["_deployment"] != primary["id"]
                                                              or t["desiredStatus"] == "STOPPED")]
        settled = len(prim_healthy) == desired and len(tasks) == desired and len(service["deployments"]) == 1 \
            and not [t for t in self.all_service_tasks(store, service)
                     if t["lastStatus"] not in ("RUNNING", "STOPPED")]
        name = service["serviceName"]
        if settled and primary.get("rolloutState") == "IN_PROGRESS":
            primary["rolloutState"] = "COMPLETED"
            primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
            primary["updatedAt"] = self.plane.epoch()
            service["_completed"] = {"id": primary["id"], "taskDefinition": primary["taskDefinition"],
                                     "volumeConfigurations": primary.get("volumeConfigurations") or []}
            self.event(service, f"(service {name}) (deployment {primary['id']}) deployment completed.")
        if settled and not others_alive and not service["_steady"]:
            service["_steady"] = True
            self.event(service, f"(service {name}) has reached a steady state.")

    def update_counts(self, store, service):
        tasks = [t for t in self.all_service_tasks(store, service) if t["lastStatus"] != "STOPPED"]
        service["runningCount"] = len([t for t in tasks if t["lastStatus"] == "RUNNING"
                                       and t["desiredStatus"] == "RUNNING"])
        service["pendingCount"] = len([t for t in tasks if t["lastStatus"] in ("PROVISIONING", "PENDING")])
        for index, deployment in enumerate(service["deployments"]):
            mine = [t for t in tasks if t["_deployment"] == deployment["id"]]
            deployment["runningCount"] = len([t for t in mine if t["lastStatus"] == "RUNNING"
                                              and t["desiredStatus"] == "RUNNING"])
            deployment["pendingCount"] = len([t for t in mine if t["lastStatus"] in ("PROVISIONING", "PENDING")])
            if index == 0:
                deployment["desiredCount"] = service["desiredCount"] if service["status"] == "ACTIVE" else 0
            else:
                deployment["desiredCount"] = len([t for t in mine if t["desiredStatus"] == "RUNNING"])


def alarm_state(store, name):
    """StateValue of the CloudWatch alarm `name` in the store's account and region (None when absent)."""
    regional = cloudwatch_backends.get(store.account_id, {})
    if store.region not in regional:
        return None
    alarm = regional[store.region].alarms.get(name)
    return alarm.state_value if alarm is not None else None
