"""ECS API handlers for container instances, tasks and services (scheduling is in ecs_scheduler.py)."""


class EcsTasksApi:
    pass
