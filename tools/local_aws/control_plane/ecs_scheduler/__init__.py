"""Time-driven ECS behaviour, one part per concern:

- agent.py: container instances register when their EC2 instance boots, leave when it stops;
- placement.py: instance resources and the choice of instances for new tasks;
- tasks.py: the task lifecycle, target registration and health, injected failures;
- services.py: services, deployments, the circuit breaker, events;
- traffic.py: blue/green, linear and canary deployments, lifecycle hooks, service deployments and revisions;
- capacity.py: capacity providers (managed draining, termination protection, scaling).

The parts are mixins of one Scheduler: they reach each other through `self`, and other components
through `self.plane.component(name)`. Everything runs from tick() under plane.lock; nothing sleeps.
Internal times are plane seconds (plane.now()); timestamps returned by the API are wall-clock epoch seconds.
"""
import random

from local_aws.control_plane.ecs_scheduler.agent import Agent
from local_aws.control_plane.ecs_scheduler.capacity import CapacityProviders
from local_aws.control_plane.ecs_scheduler.common import INACTIVE_RETENTION, short
from local_aws.control_plane.ecs_scheduler.placement import Placement
from local_aws.control_plane.ecs_scheduler.services import Services
from local_aws.control_plane.ecs_scheduler.tasks import TaskLifecycle
from local_aws.control_plane.ecs_scheduler.traffic import TrafficShifting


class Scheduler(Agent, Placement, TaskLifecycle, Services, TrafficShifting, CapacityProviders):
    def __init__(self, component):
        TaskLifecycle.__init__(self)
        self.component = component
        self.plane = component.plane
        self.boot_delay = {}   # ec2 instance id -> extra seconds before the agent registers
        self.rng = random.Random(7)
        self.held_drains = set()  # clusters ("*": every one) whose draining instances keep their service tasks
        self.hook_results = {}    # Lambda function ARN or name -> the answer of its deployment lifecycle hook
        self.hook_invocations = []  # every Lambda hook invocation: functionArn, payload, result, at

    def reset(self):
        self.fail_rules.clear()
        self.boot_delay.clear()
        self.held_drains.clear()
        self.hook_results.clear()
        del self.hook_invocations[:]

    def controls(self):
        return {**self.agent_controls(), **self.task_controls(), **self.service_controls(),
                **self.traffic_controls()}

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
                self.settle_service_deployment(store, service)
            else:
                self.reconcile_shifting(store, service, now)  # the ordinary reconcile unless traffic shifts
            self.update_counts(store, service)
        self.capacity_providers_tick(store, now)
        self.purge(store, now)

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


__all__ = ["Scheduler", "short"]
