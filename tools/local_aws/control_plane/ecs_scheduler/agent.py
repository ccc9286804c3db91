"""The ECS agent: container instances register when their EC2 instance boots, leave when it stops."""
import base64
import re
import uuid

from moto.ec2.models import ec2_backends
from moto.ec2.models.instance_types import INSTANCE_TYPES

AGENT_RESERVED_MEMORY = 256  # MiB the OS and agent keep: registered memory = instance memory - this
RESERVED_PORTS = [22, 2375, 2376, 51678, 51679]
ECS_CLUSTER_RE = re.compile(r"ECS_CLUSTER\s*=\s*[\"']?([A-Za-z0-9_-]+)")
AGENT_VERSION = {"agentVersion": "1.89.1", "agentHash": "a1b2c3d4", "dockerVersion": "DockerVersion: 25.0.8"}


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



class Agent:
    """Part of the Scheduler; uses group_of (capacity) and stop_task (tasks)."""

    def agent_controls(self):
        return {"ec2/delay-boot": self._control_delay_boot}

    def _control_delay_boot(self, payload):
        self.boot_delay[payload["instance_id"]] = float(payload["seconds"])
        return {"instance_id": payload["instance_id"], "seconds": float(payload["seconds"])}

    @staticmethod
    def _ec2_backend(store):
        return ec2_backends[store.account_id][store.region]

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
            "registeredAt": self.plane.epoch(),
            "attachments": [],
            "tags": [],
            "healthStatus": {"overallStatus": "OK", "details": [
                {"type": "CONTAINER_RUNTIME", "status": "OK", "lastUpdated": self.plane.epoch(),
                 "lastStatusChange": self.plane.epoch()}]},
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

