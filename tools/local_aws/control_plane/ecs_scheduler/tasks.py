"""Task lifecycle: PROVISIONING -> PENDING -> RUNNING, target registration and health, stopping through
DEACTIVATING/STOPPING/DEPROVISIONING to STOPPED, injected start failures."""
import ipaddress
import uuid

from local_aws.control_plane.ecs_scheduler.common import STOPPED_RETENTION, short
from local_aws.control_plane.ecs_volumes import create_task_volume, delete_task_volume


class TaskLifecycle:
    """Part of the Scheduler; uses refresh_instance (placement), event and _count_failure (services)."""

    def __init__(self):
        self.fail_rules = []   # [{cluster, family, remaining (None = forever), reason}]

    def task_controls(self):
        return {
            "ecs/fail-task-starts": self._control_fail,
            "ecs/stop-task": self._control_stop,
            "ecs/state": self._control_state,
        }

    def _control_fail(self, payload):
        reason = payload.get("reason") or "CannotPullContainerError: pull image manifest has been retried 5 time(s)"
        forever = bool(payload.get("forever"))
        count = None if forever else int(payload.get("count", 1))
        if not forever and count < 0:
            raise ValueError("count must be >= 0")
        rule = {"cluster": payload.get("cluster"), "family": payload.get("family"), "remaining": count,
                "reason": reason}
        if not forever and count == 0:
            self.fail_rules = [r for r in self.fail_rules
                               if (r["cluster"], r["family"]) != (rule["cluster"], rule["family"])]
            return {"rules": len(self.fail_rules)}
        self.fail_rules.append(rule)
        return {"rules": len(self.fail_rules)}

    def _control_stop(self, payload):
        for store in self.component.stores.values():
            cluster = store.clusters.get(short(payload.get("cluster") or "default"))
            if cluster is None:
                continue
            task = store.task(cluster, payload["task"])
            if task is not None:
                self.stop_task(store, task, payload.get("reason") or "Essential container in task exited",
                               "EssentialContainerExited", failed=True)
                return {"taskArn": task["taskArn"], "lastStatus": task["lastStatus"]}
        raise KeyError(f"task {payload.get('task')} not found")

    def _control_state(self, _payload):
        result = {}
        for (account, region), store in self.component.stores.items():
            result[f"{account}/{region}"] = {
                "clusters": len(store.clusters), "container_instances": len(store.container_instances),
                "tasks": {status: len([t for t in store.tasks.values() if t["lastStatus"] == status])
                          for status in ("PROVISIONING", "PENDING", "RUNNING", "DEACTIVATING", "STOPPING",
                                         "DEPROVISIONING", "STOPPED")},
                "services": len(store.services), "fail_rules": len(self.fail_rules)}
        return result

    def _fail_reason(self, store, task):
        cluster = short(task["clusterArn"])
        td = short(task["taskDefinitionArn"])
        family = td.split(":")[0]
        for rule in self.fail_rules:
            if rule["cluster"] and short(rule["cluster"]) != cluster:
                continue
            if rule["family"] and rule["family"] not in (family, td):
                continue
            if rule["remaining"] is not None:
                rule["remaining"] -= 1
                if rule["remaining"] <= 0:
                    self.fail_rules.remove(rule)
            return rule["reason"]
        return None

    # -- tasks ----------------------------------------------------------------------------------------
    def create_task(self, store, cluster, td, chosen, demand, started_by=None, group=None, service=None,
                    deployment=None, overrides=None, launch=None, network=None, tags=None, exec_enabled=False):
        """chosen: (candidate, dynamic host ports) as place() returns them."""
        now = self.plane.now()
        candidate, dynamic = chosen
        ci = store.container_instances[candidate["arn"]]
        task_id = uuid.uuid4().hex
        arn = store.arn(f"task/{cluster['clusterName']}/{task_id}")
        mode = td.get("networkMode") or "bridge"
        attachments, eni_ip = [], None
        if mode == "awsvpc":
            eni_ip = self._allocate_ip(store, ci)
            eni_id = "eni-" + uuid.uuid4().hex[:17]
            attachments.append({
                "id": str(uuid.uuid4()), "type": "ElasticNetworkInterface", "status": "PRECREATED",
                "details": [
                    {"name": "subnetId", "value": ci["_subnet"] or ""},
                    {"name": "networkInterfaceId", "value": eni_id},
                    {"name": "macAddress", "value": "0e:" + ":".join(uuid.uuid4().hex[i:i + 2] for i in range(0, 10, 2))},
                    {"name": "privateDnsName", "value": f"ip-{eni_ip.replace('.', '-')}.ec2.internal"},
                    {"name": "privateIPv4Address", "value": eni_ip},
                ]})
        containers, ports, dyn = [], set(demand["ports"]), list(dynamic)
        for definition in td["containerDefinitions"]:
            bindings = []
            for mapping in definition.get("portMappings") or []:
                if "containerPort" not in mapping or mode == "awsvpc":
                    continue
                host = mapping.get("hostPort") or (mapping["containerPort"] if mode == "host" else dyn.pop(0))
                ports.add(host)
                bindings.append({"bindIP": "0.0.0.0", "containerPort": mapping["containerPort"], "hostPort": host,
                                 "protocol": mapping.get("protocol", "tcp")})
            container = {
                "containerArn": store.arn(f"container/{cluster['clusterName']}/{task_id}/{uuid.uuid4()}"),
                "taskArn": arn, "name": definition["name"], "image": definition["image"],
                "lastStatus": "PENDING", "networkBindings": bindings, "networkInterfaces": [],
                "healthStatus": "UNKNOWN", "cpu": str(definition.get("cpu", 0)),
            }
            if eni_ip:
                container["networkInterfaces"] = [{"attachmentId": attachments[0]["id"], "privateIpv4Address": eni_ip}]
            if definition.get("memory") is not None:
                container["memory"] = str(definition["memory"])
            if definition.get("memoryReservation") is not None:
                container["memoryReservation"] = str(definition["memoryReservation"])
            containers.append(container)
        family = td["family"]
        task = {
            "taskArn": arn,
            "clusterArn": cluster["clusterArn"],
            "taskDefinitionArn": td["taskDefinitionArn"],
            "containerInstanceArn": ci["containerInstanceArn"],
            "overrides": overrides or {"containerOverrides": [], "inferenceAcceleratorOverrides": []},
            "lastStatus": "PROVISIONING",
            "desiredStatus": "RUNNING",
            "cpu": str(demand["cpu"]),
            "memory": str(demand["memory"]),
            "containers": containers,
            "version": 1,
            "connectivity": "CONNECTED",
            "connectivityAt": self.plane.epoch(),
            "createdAt": self.plane.epoch(),
            "group": group or (f"service:{service['serviceName']}" if service else f"family:{family}"),
            "availabilityZone": ci["_az"],
            "attachments": attachments,
            "healthStatus": "UNKNOWN",
            "tags": list(tags or []),
            "enableExecuteCommand": bool(exec_enabled),
            "attributes": [{"name": "ecs.cpu-architecture",
                            "value": next((a.get("value") for a in ci["attributes"]
                                           if a["name"] == "ecs.cpu-architecture"), "x86_64")}],
            "_cluster": cluster["clusterName"],
            "_demand": demand,
            "_ports": sorted(ports),
            "_service": service["_key"] if service else None,
            "_deployment": deployment,
            "_next": now + self.plane.delay("ecs_task_provisioning"),
            "_fail": None,
            "_targets": [],
            "_eni_ip": eni_ip,
            "_healthy": False,
        }
        if started_by:
            task["startedBy"] = started_by
        if launch and launch.get("capacityProviderName"):
            task["capacityProviderName"] = launch["capacityProviderName"]
        elif ci.get("capacityProviderName") and launch and launch.get("strategy"):
            task["capacityProviderName"] = ci["capacityProviderName"]
        else:
            task["launchType"] = "EC2"
        volumes = next((d.get("volumeConfigurations") for d in (service or {}).get("deployments") or []
                        if d["id"] == deployment), None)
        for configuration in volumes or []:
            task["attachments"].append(create_task_volume(store, task, ci, configuration, service.get("tags")))
        store.tasks[arn] = task
        if service is not None:
            store.by_service.setdefault(service["_key"], []).append(task)
        self.refresh_instance(store, ci)
        return task

    def _allocate_ip(self, store, ci):
        used = {t["_eni_ip"] for t in store.tasks.values() if t.get("_eni_ip") and t["lastStatus"] != "STOPPED"}
        try:
            backend = self._ec2_backend(store)
            subnet = backend.get_subnet(ci["_subnet"])
            network = ipaddress.ip_network(subnet.cidr_block)
            for reservation in backend.reservations.values():
                for instance in reservation.instances:
                    used.add(instance.private_ip)
        except Exception:  # noqa: BLE001 - a subnet moto no longer knows: any private range will do
            network = ipaddress.ip_network("10.255.0.0/16")
        for offset, address in enumerate(network.hosts()):
            if offset < 4:
                continue  # AWS reserves the first addresses of a subnet
            if str(address) not in used:
                return str(address)
        return str(network.network_address + 4)

    def tasks_tick(self, store, now):
        elbv2 = self.plane.component("elbv2")
        health_cache = {}
        for task in list(store.tasks.values()):
            status = task["lastStatus"]
            if status == "STOPPED":
                continue
            if task["desiredStatus"] == "STOPPED":
                self._advance_stop(store, task, now, elbv2, health_cache)
                continue
            if status == "PROVISIONING" and now >= task["_next"]:
                self._set_status(task, "PENDING")
                task["pullStartedAt"] = self.plane.epoch()
                task["_fail"] = self._fail_reason(store, task)
                task["_next"] = now + self.plane.delay("ecs_task_pending")
            elif status == "PENDING" and now >= task["_next"]:
                if task["_fail"]:
                    self.stop_task(store, task, task["_fail"], "TaskFailedToStart", failed=True, immediate=True)
                    for container in task["containers"]:
                        container["reason"] = task["stoppedReason"]
                    continue
                self._set_status(task, "RUNNING")
                task["pullStoppedAt"] = task["startedAt"] = self.plane.epoch()
                task["_started"] = now
                for attachment in task["attachments"]:
                    attachment["status"] = "ATTACHED"
                self._register_targets(store, task, elbv2)
            elif status == "RUNNING":
                self._check_health(store, task, now, elbv2, health_cache)

    @staticmethod
    def _set_status(task, status):
        task["lastStatus"] = status
        task["version"] += 1
        for container in task["containers"]:
            container["lastStatus"] = status if status in ("PENDING", "RUNNING", "STOPPED") else container["lastStatus"]

    def _service_of(self, store, task):
        return store.services.get(task["_service"]) if task["_service"] else None

    def _register_targets(self, store, task, elbv2):
        service = self._service_of(store, task)
        if service is None or not service.get("loadBalancers"):
            task["_healthy"] = True
            return
        for lb in service["loadBalancers"]:
            if not lb.get("targetGroupArn"):
                continue
            tg = self.target_group_for(service, task, lb)
            if task.get("_eni_ip"):
                target = {"Id": task["_eni_ip"], "Port": lb["containerPort"]}
            else:
                container = next((c for c in task["containers"] if c["name"] == lb["containerName"]), None)
                binding = next((b for b in (container or {}).get("networkBindings", [])
                                if b["containerPort"] == lb["containerPort"]), None)
                if binding is None:
                    continue
                ci = store.container_instances.get(task["containerInstanceArn"])
                target = {"Id": ci["_ec2"], "Port": binding["hostPort"]}
            if elbv2 is not None:
                try:
                    elbv2.register(tg, [target])
                except Exception as error:  # noqa: BLE001 - report like ECS does, keep the task
                    self.event(service, f"(service {service['serviceName']}) failed to register targets in "
                                        f"(target-group {tg}) with ({error})")
                    continue
            task["_targets"].append((tg, target))
            service["_registered"].setdefault(tg, 0)
            service["_registered"][tg] += 1
        if elbv2 is None:
            task["_healthy"] = True

    def _target_states(self, elbv2, tg, cache):
        if tg not in cache:
            try:
                cache[tg] = {(i["Target"]["Id"], int(i["Target"].get("Port") or 0)): i["TargetHealth"]
                             for i in elbv2.health(tg)}
            except Exception:  # noqa: BLE001 - the group is gone
                cache[tg] = {}
        return cache[tg]

    def _check_health(self, store, task, now, elbv2, cache):
        if not task["_targets"] or elbv2 is None:
            task["_healthy"] = True
            return
        states = [self._target_states(elbv2, tg, cache).get((t["Id"], int(t["Port"])), {}).get("State")
                  for tg, t in task["_targets"]]
        task["_healthy"] = all(s == "healthy" for s in states)
        service = self._service_of(store, task)
        grace = self.plane.scaled((service or {}).get("healthCheckGracePeriodSeconds") or 0)
        for (tg, _), state in zip(task["_targets"], states, strict=False):
            if state == "unhealthy" and now >= task.get("_started", now) + grace:
                self.stop_task(store, task, f"Task failed ELB health checks in (target-group {tg})",
                               "ServiceSchedulerInitiated", failed=True)
                return

    def stop_task(self, store, task, reason, code, failed=False, immediate=False):
        """Ask a task to stop: deregister its targets (DEACTIVATING), then STOPPING, then STOPPED."""
        if task["desiredStatus"] == "STOPPED" and task["lastStatus"] == "STOPPED":
            return
        first = task["desiredStatus"] != "STOPPED"
        if first:
            task["desiredStatus"] = "STOPPED"
            task["stoppedReason"] = reason
            task["stopCode"] = code
            task["stoppingAt"] = self.plane.epoch()
            task["version"] += 1
            service = self._service_of(store, task)
            if service is not None:
                if failed:
                    self._count_failure(store, service, task)
                if task["lastStatus"] == "RUNNING":
                    service["_stopped_batch"].append(short(task["taskArn"]))
        now = self.plane.now()
        if immediate or task["lastStatus"] in ("PROVISIONING", "PENDING"):
            self._deregister_targets(store, task)
            self._finish_stop(store, task)
            return
        if first:
            if task["_targets"]:
                self._deregister_targets(store, task)
                task["lastStatus"] = "DEACTIVATING"
            else:
                task["lastStatus"] = "STOPPING"
                task["_next"] = now + self.plane.delay("ecs_task_stopping")

    def _deregister_targets(self, store, task):
        if not task["_targets"] or task.get("_deregistered"):
            return
        task["_deregistered"] = True
        elbv2 = self.plane.component("elbv2")
        service = self._service_of(store, task)
        for tg, target in task["_targets"]:
            if elbv2 is not None:
                try:
                    elbv2.deregister(tg, [target])
                except Exception:  # noqa: BLE001 - group deleted meanwhile
                    pass
            if service is not None:
                service["_deregistered"].setdefault(tg, 0)
                service["_deregistered"][tg] += 1
        if service is not None:
            service["_draining_batch"] += 1

    def _advance_stop(self, store, task, now, elbv2, cache):
        if task["lastStatus"] == "DEACTIVATING":
            if elbv2 is not None:
                for tg, target in task["_targets"]:
                    state = self._target_states(elbv2, tg, cache).get((target["Id"], int(target["Port"])), {})
                    if state.get("State") == "draining":
                        return
            task["lastStatus"] = "STOPPING"
            task["version"] += 1
            task["_next"] = now + self.plane.delay("ecs_task_stopping")
        elif task["lastStatus"] == "STOPPING" and now >= task["_next"]:
            if task.get("_eni_ip"):  # awsvpc: the task ENI is detached before STOPPED
                task["lastStatus"] = "DEPROVISIONING"
                task["version"] += 1
                task["_next"] = now + self.plane.delay("ecs_task_provisioning")
            else:
                self._finish_stop(store, task)
        elif task["lastStatus"] == "DEPROVISIONING" and now >= task["_next"]:
            self._finish_stop(store, task)
        elif task["lastStatus"] in ("PROVISIONING", "PENDING", "RUNNING"):
            task["lastStatus"] = "STOPPING"
            task["_next"] = now + self.plane.delay("ecs_task_stopping")

    def _finish_stop(self, store, task):
        was_running = task["lastStatus"] in ("RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING")
        self._set_status(task, "STOPPED")
        task["stoppedAt"] = task["executionStoppedAt"] = self.plane.epoch()
        task["_purge_at"] = self.plane.now() + self.plane.scaled(STOPPED_RETENTION)
        task["connectivity"] = "DISCONNECTED"
        for container in task["containers"]:
            container["exitCode"] = 0 if task.get("stopCode") == "UserInitiated" else 137
            if not was_running:
                container.pop("exitCode", None)
        for attachment in task["attachments"]:
            attachment["status"] = "DELETED"
        delete_task_volume(store, task)
        ci = store.container_instances.get(task.get("containerInstanceArn"))
        if ci is not None:
            self.refresh_instance(store, ci)

