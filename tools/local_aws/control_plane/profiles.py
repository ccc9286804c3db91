"""Latency profiles: how long things take on the local AWS.

Every duration is an AWS-like figure in seconds divided by the profile's scale, so a playbook's wall
time shows how well it overlaps waits. `fast` (tests) divides by 100; `aws` (benchmarks) by
LOCAL_AWS_SCALE, default 10. Durations that a resource configures itself (health-check interval,
deregistration delay, lifecycle-hook heartbeat timeout) go through `Plane.scaled()` the same way.
"""
import os

# name -> seconds on real AWS
AWS_SECONDS = {
    "ec2_instance_boot": 90,        # launch -> ECS agent registered
    "ecs_task_provisioning": 5,     # PROVISIONING -> PENDING
    "ecs_task_pending": 20,         # PENDING -> RUNNING (image pull, container start)
    "ecs_task_stopping": 5,         # desired STOPPED -> STOPPED (after the stop timeout)
    "nat_gateway_pending": 90,
    "nat_gateway_deleting": 60,     # deleting -> deleted
    "rds_cluster_create": 300,
    "rds_instance_create": 420,
    "rds_cluster_modify": 60,       # modifying -> available after ModifyDBCluster
    "rds_instance_modify": 60,      # modifying -> available after ModifyDBInstance
    "rds_cluster_delete": 120,      # deleting, then gone
    "rds_instance_delete": 240,     # deleting, then gone
    "alb_provisioning": 150,
    "vpc_endpoint_pending": 60,
    "acm_dns_validation": 60,       # every validation CNAME exists -> ISSUED
    "acm_validation_timeout": 259200,  # PENDING_VALIDATION -> VALIDATION_TIMED_OUT (72 hours)
}


def load_profile(name):
    if name == "aws":
        scale = float(os.environ.get("LOCAL_AWS_SCALE", "10"))
        tick = 0.1
    elif name == "fast":
        scale = 100.0
        tick = 0.05
    else:
        raise ValueError(f"unknown latency profile {name!r}: use fast or aws")
    return {
        "name": name,
        "scale": scale,
        "delays": {key: seconds / scale for key, seconds in AWS_SECONDS.items()},
        "tick": tick,
    }
