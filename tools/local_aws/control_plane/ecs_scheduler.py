"""Time-driven ECS behaviour: agent registration, task lifecycle, placement, services, deployments,
load-balancer registration, draining, capacity-provider management.

Everything runs from tick() under plane.lock; nothing sleeps. Internal times are plane seconds
(plane.now()); timestamps returned by the API are wall-clock epoch seconds.
"""
import base64
import ipaddress
import math
import random
import re
import time
import uuid
from collections import Counter

from moto.autoscaling.models import autoscaling_backends
from moto.ec2.models import ec2_backends
from moto.ec2.models.instance_types import INSTANCE_TYPES

from local_aws.control_plane import ecs_placement as placement

DRAINING_HOOK = "ecs-managed-draining-termination-hook"
AGENT_RESERVED_MEMORY = 256  # MiB the OS and agent keep: registered memory = instance memory - this
RESERVED_PORTS = [22, 2375, 2376, 51678, 51679]
ECS_CLUSTER_RE = re.compile(r"ECS_CLUSTER\s*=\s*[\"']?([A-Za-z0-9_-]+)")
STOPPED_RETENTION = 3600      # AWS seconds a STOPPED task stays visible
INACTIVE_RETENTION = 3600     # AWS seconds an INACTIVE container instance or service stays visible
AGENT_VERSION = {"agentVersion": "1.89.1", "agentHash": "a1b2c3d4", "dockerVersion": "DockerVersion: 25.0.8"}
ALIVE = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")
DRAIN_REASON = "Task stopped because the container instance is being drained"


def short(arn):
    return arn.split("/")[-1]


def deployment_id():
    return "ecs-svc/" + "".join(random.choice("0123456789") for _ in range(19))


def user_data_text(instance):
    raw = instance.user_data
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    raw = str(raw or "")
    try:
        return base64.b64decode(raw, validate=False).decode("utf-8", "replace")
    except (ValueError, UnicodeDecodeError):
        return raw


class Scheduler:
    def __init__(self, component):
        self.component = component
        self.plane = component.plane
        self.fail_rules = []   # [{cluster, family, remaining (None = forever), reason}]
        self.boot_delay = {}   # ec2 instance id -> extra seconds before the agent registers
        self.rng = random.Random(7)

    def reset(self):
        self.fail_rules.clear()
        self.boot_delay.clear()

    # -- helpers ------------------------------------------------------------------------------------
    def _component(self, name):
        return next((c for c in self.plane.components if c.name == name), None)

    def event(self, service, message):
        service["events"].insert(0, {"id": str(uuid.uuid4()), "createdAt": time.time(), "message": message})
        del service["events"][100:]

    @staticmethod
    def _asg_backend(store):
        return autoscaling_backends[store.account_id][store.region]

    @staticmethod
    def _ec2_backend(store):
        return ec2_backends[store.account_id][store.region]

    def asg_name(self, store, arn):
        name = arn.split("autoScalingGroupName/", 1)[1] if "autoScalingGroupName/" in arn else (
            arn if not arn.startswith("arn:") else None)
        if name and name in self._asg_backend(store).autoscaling_groups:
            return name
        return None

    def asg_protects_new_instances(self, store, name):
        group = self._asg_backend(store).autoscaling_groups.get(name)
        return bool(group and group.new_instances_protected_from_scale_in)

    def ensure_draining_hook(self, store, name):
        backend = self._asg_backend(store)
        if f"{name}_{DRAINING_HOOK}" not in backend.lifecycle_hooks:
            backend.create_lifecycle_hook(DRAINING_HOOK, name, "autoscaling:EC2_INSTANCE_TERMINATING", 3600,
                                          "CONTINUE")

    def group_of(self, store, instance_id):
        autoscaling = self._component("autoscaling")
        if autoscaling is not None and hasattr(autoscaling, "group_of"):
            return autoscaling.group_of(instance_id)
        for name, group in self._asg_backend(store).autoscaling_groups.items():
            if any(s.instance.id == instance_id for s in group.instance_states):
                return name
        return None

    def lifecycle_state(self, store, instance_id):
        autoscaling = self._component("autoscaling")
        if autoscaling is not None and hasattr(autoscaling, "lifecycle_state"):
            return autoscaling.lifecycle_state(instance_id)
        for group in self._asg_backend(store).autoscaling_groups.values():
            for state in group.instance_states:
                if state.instance.id == instance_id:
                    return state.lifecycle_state
        return None

    # -- controls ------------------------------------------------------------------------------------
    def controls(self):
        return {
            "ecs/fail-task-starts": self._control_fail,
            "ecs/stop-task": self._control_stop,
            "ec2/delay-boot": self._control_delay_boot,
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

    def _control_delay_boot(self, payload):
        self.boot_delay[payload["instance_id"]] = float(payload["seconds"])
        return {"instance_id": payload["instance_id"], "seconds": float(payload["seconds"])}

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

    # -- tick ------------------------------------------------------------------------------------------
    def tick(self, store, now):
        by_service = {}
        for task in store.tasks.values():
            if task["_service"]:
                by_service.setdefault(task["_service"], []).append(task)
        store.by_service = by_service
        self.agent(store, now)
        self.tasks_tick(store, now)
        for service in list(store.services.values()):
            if service["schedulingStrategy"] == "DAEMON":
                self.reconcile_daemon(store, service, now)
            else:
                self.reconcile_replica(store, service, now)
            self.update_counts(store, service)
        self.capacity_providers_tick(store, now)
        self.purge(store, now)

    # -- agent ---------------------------------------------------------------------------------------
    def agent(self, store, now):
        if not store.clusters:
            return
        try:
            backend = self._ec2_backend(store)
        except KeyError:
            return
        by_instance = {ci["_ec2"]: ci for ci in store.container_instances.values() if ci["status"] != "INACTIVE"}
        for reservation in list(backend.reservations.values()):
            for instance in reservation.instances:
                state = instance._state.name
                ci = by_instance.get(instance.id)
                if state in ("pending", "running"):
                    seen = store.agent_seen.setdefault(instance.id, {"first": now})
                    if ci is not None:
                        if not ci["agentConnected"] and state == "running":
                            ci["agentConnected"] = True
                        continue
                    if "cluster" not in seen:
                        match = ECS_CLUSTER_RE.search(user_data_text(instance))
                        seen["cluster"] = match.group(1) if match else None
                    if not seen["cluster"] or seen.get("deregistered"):
                        continue
                    due = seen["first"] + self.plane.delay("ec2_instance_boot") + self.boot_delay.get(instance.id, 0)
                    cluster = store.clusters.get(seen["cluster"])
                    if now >= due and cluster is not None and cluster["status"] == "ACTIVE":
                        self.register_instance(store, cluster, instance)
                else:
                    store.agent_seen.pop(instance.id, None)
                    if ci is not None:
                        self.instance_gone(store, ci, instance.id, state, now)

    def register_instance(self, store, cluster, instance):
        info = INSTANCE_TYPES.get(instance.instance_type, {})
        vcpus = info.get("VCpuInfo", {}).get("DefaultVCpus", 2)
        memory = info.get("MemoryInfo", {}).get("SizeInMiB", 4096) - AGENT_RESERVED_MEMORY
        enis = info.get("NetworkInfo", {}).get("MaximumNetworkInterfaces", 3) - 1
        arch = (info.get("ProcessorInfo", {}).get("SupportedArchitectures") or ["x86_64"])[0]
        zone = getattr(instance.placement, "zone", None) or f"{store.region}a"
        ci_id = uuid.uuid4().hex
        arn = store.arn(f"container-instance/{cluster['clusterName']}/{ci_id}")
        provider_name = None
        group = self.group_of(store, instance.id)
        if group:
            for provider in store.capacity_providers.values():
                if provider["status"] == "ACTIVE" and provider["_asg"] == group:
                    provider_name = provider["name"]
        attributes = [
            {"name": "ecs.availability-zone", "value": zone},
            {"name": "ecs.instance-type", "value": instance.instance_type},
            {"name": "ecs.ami-id", "value": instance.image_id},
            {"name": "ecs.os-type", "value": "linux"},
            {"name": "ecs.os-family", "value": "LINUX"},
            {"name": "ecs.cpu-architecture", "value": arch},
            {"name": "ecs.vpc-id", "value": instance.vpc_id or ""},
            {"name": "ecs.subnet-id", "value": instance.subnet_id or ""},
            {"name": "ecs.capability.task-eni"},
            {"name": "ecs.capability.execution-role-awslogs"},
            {"name": "ecs.capability.container-health-check"},
            {"name": "com.amazonaws.ecs.capability.task-iam-role"},
            {"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"},
            {"name": "com.amazonaws.ecs.capability.docker-remote-api.1.44"},
        ]
        store.container_instances[arn] = {
            "containerInstanceArn": arn,
            "ec2InstanceId": instance.id,
            **({"capacityProviderName": provider_name} if provider_name else {}),
            "version": 1,
            "versionInfo": dict(AGENT_VERSION),
            "remainingResources": [],
            "registeredResources": self._resources(vcpus * 1024, memory, RESERVED_PORTS),
            "status": "ACTIVE",
            "agentConnected": True,
            "runningTasksCount": 0,
            "pendingTasksCount": 0,
            "attributes": attributes,
            "registeredAt": time.time(),
            "attachments": [],
            "tags": [],
            "healthStatus": {"overallStatus": "OK", "details": [
                {"type": "CONTAINER_RUNTIME", "status": "OK", "lastUpdated": time.time(),
                 "lastStatusChange": time.time()}]},
            "_cluster": cluster["clusterName"],
            "_ec2": instance.id,
            "_az": zone,
            "_subnet": instance.subnet_id,
            "_cpu": vcpus * 1024,
            "_memory": memory,
            "_enis": max(enis, 0),
            "_inactive_at": None,
        }

    @staticmethod
    def _resources(cpu, memory, ports):
        return [
            {"name": "CPU", "type": "INTEGER", "doubleValue": 0.0, "longValue": 0, "integerValue": int(cpu)},
            {"name": "MEMORY", "type": "INTEGER", "doubleValue": 0.0, "longValue": 0, "integerValue": int(memory)},
            {"name": "PORTS", "type": "STRINGSET", "doubleValue": 0.0, "longValue": 0, "integerValue": 0,
             "stringSetValue": [str(p) for p in sorted(ports)]},
            {"name": "PORTS_UDP", "type": "STRINGSET", "doubleValue": 0.0, "longValue": 0, "integerValue": 0,
             "stringSetValue": []},
        ]

    def instance_gone(self, store, ci, instance_id, state, now):
        """The EC2 instance stopped or terminated: agent disconnected; terminated = deregistered."""
        if not ci["agentConnected"] and ci["status"] == "INACTIVE":
            return
        ci["agentConnected"] = False
        word = "terminated" if state in ("terminated", "shutting-down") else "stopped"
        for task in list(store.tasks.values()):
            if task.get("containerInstanceArn") == ci["containerInstanceArn"] and task["lastStatus"] != "STOPPED":
                self.stop_task(store, task, f"Host EC2 (instance {instance_id}) {word}.", "TerminationNotice",
                               immediate=True)
        if word == "terminated":
            self.deregister_instance(store, ci, now)

    def deregister_instance(self, store, ci, now):
        # the agent of a deregistered instance stops; it registers again only after the instance restarts
        store.agent_seen.setdefault(ci["_ec2"], {"first": now})["deregistered"] = True
        ci["status"] = "INACTIVE"
        ci["agentConnected"] = False
        ci["_inactive_at"] = now

    # -- resources -----------------------------------------------------------------------------------
    def usage(self, store, ci):
        cpu = memory = enis = 0
        ports = set(RESERVED_PORTS)
        running = pending = 0
        for task in store.tasks.values():
            if task.get("containerInstanceArn") != ci["containerInstanceArn"] or task["lastStatus"] == "STOPPED":
                continue
            demand = task["_demand"]
            cpu += demand["cpu"]
            memory += demand["memory"]
            ports |= set(task["_ports"])
            enis += 1 if demand.get("awsvpc") else 0
            if task["lastStatus"] == "RUNNING":
                running += 1
            elif task["lastStatus"] in ("PROVISIONING", "PENDING", "ACTIVATING"):
                pending += 1
        return {"cpu": ci["_cpu"] - cpu, "memory": ci["_memory"] - memory, "ports": ports,
                "enis": ci["_enis"] - enis, "running": running, "pending": pending}

    def refresh_instance(self, store, ci):
        used = self.usage(store, ci)
        ci["remainingResources"] = self._resources(used["cpu"], used["memory"], used["ports"])
        ci["runningTasksCount"] = used["running"]
        ci["pendingTasksCount"] = used["pending"]

    def candidate(self, store, ci):
        used = self.usage(store, ci)
        return {"arn": ci["containerInstanceArn"], "id": short(ci["containerInstanceArn"]), "ec2": ci["_ec2"],
                "attrs": {a["name"]: a.get("value") for a in ci["attributes"]},
                "cpu": used["cpu"], "memory": used["memory"], "ports": used["ports"], "enis": used["enis"],
                "agentConnected": ci["agentConnected"], "runningTasksCount": used["running"]}

    @staticmethod
    def demand(td):
        containers = td["containerDefinitions"]
        if td.get("cpu"):
            cpu = int(float(re.sub(r"[^0-9.]", "", td["cpu"])) * (1024 if "vcpu" in td["cpu"].lower() else 1))
        else:
            cpu = sum(int(c.get("cpu") or 0) for c in containers)
        if td.get("memory"):
            memory = int(float(re.sub(r"[^0-9.]", "", td["memory"])) * (1024 if "gb" in td["memory"].lower() else 1))
        else:
            memory = sum(int(c.get("memoryReservation") or c.get("memory") or 0) for c in containers)
        mode = td.get("networkMode") or "bridge"
        ports, dynamic = [], 0
        for container in containers:
            for mapping in container.get("portMappings") or []:
                if mode == "awsvpc" or "containerPort" not in mapping:
                    continue
                host = mapping.get("hostPort", 0) if mode == "bridge" else mapping["containerPort"]
                if host:
                    ports.append(int(host))
                else:
                    dynamic += 1
        return {"cpu": cpu, "memory": memory, "ports": ports, "dynamic": dynamic, "awsvpc": mode == "awsvpc"}

    def candidates(self, store, cluster, strategy=None, instances=None):
        """Container instances that can get new tasks: ACTIVE, agent connected, of the strategy's providers."""
        providers = {s["capacityProvider"] for s in strategy or []}
        result = []
        for ci in store.container_instances.values():
            if ci["_cluster"] != cluster["clusterName"] or ci["status"] != "ACTIVE" or not ci["agentConnected"]:
                continue
            if providers and ci.get("capacityProviderName") not in providers:
                continue
            if instances is not None and ci["containerInstanceArn"] not in instances:
                continue
            result.append(self.candidate(store, ci))
        return result

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
            "connectivityAt": time.time(),
            "createdAt": time.time(),
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
        elbv2 = self._component("elbv2")
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
                task["pullStartedAt"] = time.time()
                task["_fail"] = self._fail_reason(store, task)
                task["_next"] = now + self.plane.delay("ecs_task_pending")
            elif status == "PENDING" and now >= task["_next"]:
                if task["_fail"]:
                    self.stop_task(store, task, task["_fail"], "TaskFailedToStart", failed=True, immediate=True)
                    for container in task["containers"]:
                        container["reason"] = task["stoppedReason"]
                    continue
                self._set_status(task, "RUNNING")
                task["pullStoppedAt"] = task["startedAt"] = time.time()
                task["_started"] = now
                if task["attachments"]:
                    task["attachments"][0]["status"] = "ATTACHED"
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
            tg = lb.get("targetGroupArn")
            if not tg:
                continue
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
            task["stoppingAt"] = time.time()
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
        elbv2 = self._component("elbv2")
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
        task["stoppedAt"] = task["executionStoppedAt"] = time.time()
        task["_purge_at"] = self.plane.now() + self.plane.scaled(STOPPED_RETENTION)
        task["connectivity"] = "DISCONNECTED"
        for container in task["containers"]:
            container["exitCode"] = 0 if task.get("stopCode") == "UserInitiated" else 137
            if not was_running:
                container.pop("exitCode", None)
        if task["attachments"]:
            task["attachments"][0]["status"] = "DELETED"
        ci = store.container_instances.get(task.get("containerInstanceArn"))
        if ci is not None:
            self.refresh_instance(store, ci)

    # -- placement ---------------------------------------------------------------------------------------
    def place(self, store, cluster, td, count, strategies, constraints, strategy=None, group_tasks=None,
              instances=None):
        """Choose instances for `count` tasks. Returns ([(candidate, dynamic ports)], failure or None).

        failure = (closest candidate or None, reason key) for the first task that could not be placed.
        """
        demand = self.demand(td)
        cands = self.candidates(store, cluster, strategy, instances)
        all_constraints = list(constraints or []) + list(td.get("placementConstraints") or [])
        by_arn = {c["arn"]: c for c in cands}
        group = []
        for task in group_tasks or []:
            ci = store.container_instances.get(task.get("containerInstanceArn"))
            if ci is not None:
                group.append(by_arn.get(ci["containerInstanceArn"]) or self.candidate(store, ci))
        chosen = []
        for _ in range(count):
            best, failure = placement.choose(cands, demand, strategies, all_constraints, group, self.rng)
            if best is None:
                return chosen, failure or (None, None)
            chosen.append((best, placement.consume(best, demand)))
            group.append(best)
        return chosen, None

    @staticmethod
    def unplaceable_message(service_name, failure):
        closest, reason = failure
        prefix = f"(service {service_name}) was unable to place a task because no container instance met all of " \
                 "its requirements."
        suffix = "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
        if closest is None:
            return f"{prefix} Reason: No Container Instances were found in your cluster. {suffix}"
        return f"{prefix} The closest matching (container-instance {closest['id']}) " \
               f"{placement.REASON_EVENT[reason]}. {suffix}"

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
        if len(strategy) > 1:
            chosen, failure = [], None
            counts = Counter(t.get("capacityProviderName") for t in group)
            for _ in range(count):
                provider = self.pick_provider(strategy, counts)
                picked, failure = self.place(store, cluster, td, 1, service.get("placementStrategy"),
                                             service.get("placementConstraints"), [provider], group, instances)
                if not picked:
                    break
                chosen += picked
                counts[provider["capacityProvider"]] += 1
                group.append({"containerInstanceArn": picked[0][0]["arn"]})
        else:
            chosen, failure = self.place(store, cluster, td, count, service.get("placementStrategy"),
                                         service.get("placementConstraints"), strategy, group, instances)
        started = []
        tags = {"SERVICE": service.get("tags"), "TASK_DEFINITION": td.get("_tags")}.get(service.get("propagateTags"))
        tags = list(tags or [])
        for candidate in chosen:
            task = self.create_task(
                store, cluster, td, candidate, self.demand(td), started_by=deployment["id"], service=service,
                deployment=deployment["id"], launch={"strategy": strategy}, tags=tags,
                exec_enabled=service.get("enableExecuteCommand"))
            started.append(short(task["taskArn"]))
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
        if not breaker.get("enable") or primary.get("rolloutState") != "IN_PROGRESS":
            return
        if primary["failedTasks"] < self.failure_threshold(primary["desiredCount"] or service["desiredCount"]):
            return
        primary["rolloutState"] = "FAILED"
        primary["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
        primary["updatedAt"] = time.time()
        name = service["serviceName"]
        self.event(service, f"(service {name}) (deployment {primary['id']}) deployment failed: tasks failed to start.")
        last = service.get("_completed")
        if breaker.get("rollback") and last:
            self.event(service, f"(service {name}) rolling back to deployment {last['id']}.")
            self.new_deployment(store, service, last["taskDefinition"],
                                reason=f"ECS deployment circuit breaker: rolling back to deploymentId {last['id']}.")
            service["taskDefinition"] = last["taskDefinition"]

    def new_deployment(self, store, service, task_definition, reason=None):
        now = time.time()
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
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": reason or "ECS deployment ecs-svc started.",
        }
        deployment = {k: v for k, v in deployment.items() if v is not None}
        if reason is None:
            deployment["rolloutStateReason"] = f"ECS deployment {deployment['id']} in progress."
        service["deployments"].insert(0, deployment)
        service["_steady"] = False
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
            primary["updatedAt"] = time.time()
            service["_completed"] = {"id": primary["id"], "taskDefinition": primary["taskDefinition"]}
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

    # -- capacity providers: managed draining, termination protection, scaling ------------------------
    def capacity_providers_tick(self, store, now):
        autoscaling = self._component("autoscaling")
        providers = {p["name"]: p for p in store.capacity_providers.values() if p["status"] == "ACTIVE"}
        if not providers:
            return
        for ci in list(store.container_instances.values()):
            provider = providers.get(ci.get("capacityProviderName"))
            if provider is None or ci["status"] == "INACTIVE":
                continue
            group = provider["autoScalingGroupProvider"]
            if group["managedDraining"] == "ENABLED":
                state = self.lifecycle_state(store, ci["_ec2"])
                if state == "Terminating:Wait":
                    if ci["status"] == "ACTIVE":
                        ci["status"] = "DRAINING"
                        ci["_managed_drain"] = True
                    service_tasks = [t for t in store.tasks.values()
                                     if t.get("containerInstanceArn") == ci["containerInstanceArn"]
                                     and t["lastStatus"] != "STOPPED" and t["_service"]]
                    if not service_tasks and not ci.get("_hook_completed") and autoscaling is not None \
                            and hasattr(autoscaling, "complete_lifecycle_action"):
                        ci["_hook_completed"] = True
                        try:
                            autoscaling.complete_lifecycle_action(provider["_asg"], DRAINING_HOOK, ci["_ec2"],
                                                                  "CONTINUE")
                        except ValueError:  # the hook was completed or timed out meanwhile
                            pass
        for provider in providers.values():
            self._manage_provider(store, provider, autoscaling, now)

    def _manage_provider(self, store, provider, autoscaling, now):
        group = provider["autoScalingGroupProvider"]
        cis = [c for c in store.container_instances.values()
               if c.get("capacityProviderName") == provider["name"] and c["status"] != "INACTIVE"]
        busy = {c["_ec2"] for c in cis if any(
            t.get("containerInstanceArn") == c["containerInstanceArn"] and t["lastStatus"] != "STOPPED"
            and not (t["_service"] and store.services.get(t["_service"], {}).get("schedulingStrategy") == "DAEMON")
            for t in store.tasks.values())}
        if group["managedTerminationProtection"] == "ENABLED" and autoscaling is not None \
                and hasattr(autoscaling, "set_instance_protection"):
            wanted = {c["_ec2"]: c["_ec2"] in busy for c in cis}
            known = provider.setdefault("_protection", {})
            changes = {}
            for instance_id, protect in wanted.items():
                if known.get(instance_id) != protect:
                    changes.setdefault(protect, []).append(instance_id)
                    known[instance_id] = protect
            for protect, ids in changes.items():
                try:
                    autoscaling.set_instance_protection(provider["_asg"], ids, protect, region=store.region,
                                                        account=store.account_id)
                except Exception:  # noqa: BLE001 - instance already leaving the group
                    pass
        scaling = group["managedScaling"]
        if scaling["status"] != "ENABLED" or autoscaling is None or not hasattr(autoscaling, "set_desired_capacity"):
            return
        if now < provider.get("_next_scale", 0):
            return
        provider["_next_scale"] = now + self.plane.scaled(60)
        unplaced = sum(s.get("_unplaced", 0) for s in store.services.values() if s["status"] == "ACTIVE"
                       and any(i["capacityProvider"] == provider["name"] for i in self._service_strategy(store, s)))
        needed = len(busy) + (min(max(unplaced, scaling["minimumScalingStepSize"]),
                                  scaling["maximumScalingStepSize"]) if unplaced else 0)
        desired = math.ceil(needed * 100 / scaling["targetCapacity"])
        try:
            asg = self._asg_backend(store).autoscaling_groups[provider["_asg"]]
        except KeyError:
            return
        desired = max(asg.min_size, min(asg.max_size, desired))
        current = asg.desired_capacity
        registered = len([c for c in cis if c["status"] == "ACTIVE"])
        if desired > current or (desired < current and registered >= current):
            try:
                autoscaling.set_desired_capacity(provider["_asg"], desired, region=store.region,
                                                 account=store.account_id)
            except ValueError:
                pass

    @staticmethod
    def _service_strategy(store, service):
        cluster = store.clusters.get(service["_cluster"])
        return service.get("capacityProviderStrategy") or (
            cluster["defaultCapacityProviderStrategy"] if cluster and not service.get("launchType") else [])

    # -- housekeeping -------------------------------------------------------------------------------
    def purge(self, store, now):
        for arn, task in list(store.tasks.items()):
            if task["lastStatus"] == "STOPPED" and now >= task.get("_purge_at", now):
                del store.tasks[arn]
        retention = self.plane.scaled(INACTIVE_RETENTION)
        for arn, ci in list(store.container_instances.items()):
            if ci["status"] == "INACTIVE" and ci.get("_inactive_at") is not None and now >= ci["_inactive_at"] + retention:
                del store.container_instances[arn]
        for key, service in list(store.services.items()):
            if service["status"] == "INACTIVE" and now >= service.get("_inactive_at", now) + retention:
                del store.services[key]
