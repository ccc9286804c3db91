"""The ECS component: state per account and region, the ECS JSON API, the scheduler and test controls."""
import botocore.session
from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend

from local_aws.control_plane.core import Component
from local_aws.control_plane.ecs_api import TARGET_PREFIX, EcsApi, Store
from local_aws.control_plane.ecs_deployments import EcsDeploymentsApi
from local_aws.control_plane.ecs_scheduler import Scheduler
from local_aws.control_plane.ecs_tasks import EcsTasksApi
from local_aws.control_plane.moto_patch import patch


def _operations():
    return botocore.session.get_session().get_service_model("ecs").operation_names


class EcsComponent(EcsDeploymentsApi, EcsTasksApi, EcsApi, Component):
    name = "ecs"

    def __init__(self, plane):
        super().__init__(plane)
        self.stores = {}
        self.scheduler = Scheduler(self)
        component = self

        def service_exists(original):
            def _ecs_service_exists_for_target(backend, resource_id):
                # Application Auto Scaling asks moto's ECS, which is not used: answer from our services
                _, cluster, name = resource_id.split("/")
                service = component.store_for(backend.account_id, backend.region_name).services.get((cluster, name))
                if service is None or service["status"] != "ACTIVE":
                    raise AWSValidationException(f"ECS service doesn't exist: {resource_id}")
                return True
            return _ecs_service_exists_for_target

        patch(ApplicationAutoscalingBackend, "_ecs_service_exists_for_target", service_exists)

    def store_for(self, account_id, region):
        key = (account_id, region)
        if key not in self.stores:
            self.stores[key] = Store(account_id, region)
        return self.stores[key]

    def intercepts(self):
        return {("ecs", op): self.handle for op in _operations()}

    def tick(self, now):
        for store in list(self.stores.values()):
            self.scheduler.tick(store, now)

    def reset(self):
        self.stores.clear()
        self.scheduler.reset()

    def controls(self):
        return self.scheduler.controls()

    def service_counts(self):
        """{"cluster/service": (identity, counts)} now (the invariant recorder reads it): running tasks as
        DescribeServices counts them, those of the PRIMARY deployment, the healthy ones, desired, deployments."""
        counts = {}
        for store in self.stores.values():
            running = {}
            for task in store.tasks.values():
                if task["_service"] and task["lastStatus"] == "RUNNING" and task["desiredStatus"] == "RUNNING":
                    running.setdefault(task["_service"], []).append(task)
            for key, service in store.services.items():
                mine = running.get(key, [])
                primary = service["deployments"][0]["id"] if service["deployments"] else None
                identity = {"cluster": key[0], "service": key[1], "arn": service["serviceArn"]}
                counts[f"{key[0]}/{key[1]}"] = (identity, {
                    "running": len(mine),
                    "primary_running": len([t for t in mine if t["_deployment"] == primary]),
                    "healthy": len([t for t in mine if t["_healthy"]]),
                    "desired": service["desiredCount"],
                    "deployments": len(service["deployments"]),
                })
        return counts

    def production_traffic(self):
        """{"cluster/service": (identity, {"desired": n, "rules": [(rule ARN, {target group ARN: weight})]})} now,
        for services whose load balancers have a production listener rule (the invariant recorder reads it)."""
        found = {}
        for store in self.stores.values():
            for key, service in store.services.items():
                if service["status"] != "ACTIVE":
                    continue
                rules = self.scheduler.production_weights(store, service)
                if rules:
                    identity = {"cluster": key[0], "service": key[1], "arn": service["serviceArn"]}
                    found[f"{key[0]}/{key[1]}"] = (identity, {"desired": service["desiredCount"], "rules": rules})
        return found

    def container_instance_states(self):
        """{(cluster, containerInstanceArn): (ec2InstanceId, status)} now (the invariant recorder reads it)."""
        return {(ci["_cluster"], arn): (ci["_ec2"], ci["status"])
                for store in self.stores.values() for arn, ci in store.container_instances.items()}


__all__ = ["EcsComponent", "TARGET_PREFIX"]
