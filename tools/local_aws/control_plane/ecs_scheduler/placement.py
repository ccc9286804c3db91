"""Resources of container instances and the choice of instances for new tasks (ecs_placement holds the
pure rules)."""
import re

from local_aws.control_plane import ecs_placement as placement
from local_aws.control_plane.ecs_scheduler.agent import RESERVED_PORTS
from local_aws.control_plane.ecs_scheduler.common import short


class Placement:
    """Part of the Scheduler; uses _resources (agent)."""

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

