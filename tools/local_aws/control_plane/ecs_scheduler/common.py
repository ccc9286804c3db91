"""What the parts of the ECS scheduler share: constants and small helpers."""
import random

DRAINING_HOOK = "ecs-managed-draining-termination-hook"
STOPPED_RETENTION = 3600      # AWS seconds a STOPPED task stays visible
INACTIVE_RETENTION = 3600     # AWS seconds an INACTIVE container instance or service stays visible
DRAIN_REASON = "Task stopped because the container instance is being drained"


def short(arn):
    return arn.split("/")[-1]


def deployment_id():
    return "ecs-svc/" + "".join(random.choice("0123456789") for _ in range(19))


