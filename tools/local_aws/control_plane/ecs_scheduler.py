"""Time-driven ECS behaviour: agent registration, task lifecycle, placement, services, draining."""
from moto.autoscaling.models import autoscaling_backends

DRAINING_HOOK = "ecs-managed-draining-termination-hook"


class Scheduler:
    def __init__(self, component):
        self.component = component
        self.plane = component.plane

    def reset(self):
        pass

    def controls(self):
        return {}

    def tick(self, store, now):
        pass

    # -- Auto Scaling (moto's backend, in process) ----------------------------------------------
    @staticmethod
    def _asg_backend(store):
        return autoscaling_backends[store.account_id][store.region]

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
