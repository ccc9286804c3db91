"""Roll time per instance on the local AWS, next to the boot and drain delays the control plane is
configured with (a figure, not a test).

    .venv/bin/python benchmarks/roll.py [--profile aws|fast] [--instances 3] [--batch-size 1] [--groups 1]
                                        [--no-parallel-groups] [--no-managed-scaling]

Starts a private local AWS (its own state folder and port), builds a small stack with boto3 (instances
over 3 AZs behind an ALB, a service of 2 tasks per instance, a capacity provider with managed draining and, as
site.yml's defaults, managed scaling at target capacity 100 and managed termination protection), makes a new
launch template version, runs playbooks/roll_instances.yml and prints, per step, the seconds the roll
took and the part the configured delays explain (instance boot, task start, task stop, deregistration
delay) - the rest is the roll's own overhead (polling, API calls, Ansible).

With --groups 2 the instances are split over two Auto Scaling groups on the same launch template, each with a
capacity provider of its own (both in the cluster's default strategy), and the roll replaces a batch of each
group in one step (--no-parallel-groups: one group's batch at a time).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import boto3  # noqa: E402
import day2_stack as d  # noqa: E402

from local_aws.cli import LocalAws  # noqa: E402
from local_aws.control_plane.profiles import AWS_SECONDS  # noqa: E402

DEREGISTRATION_DELAY = 5  # seconds, as day2_stack configures the target group


def status(endpoint):
    request = urllib.request.Request(endpoint + "/_local/status", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def delays(state):
    """Configured delays in local seconds: from the status endpoint when it lists them, else derived
    from the profile's scale and the AWS-like figures."""
    if state.get("delays"):
        return dict(state["delays"])
    return {name: seconds / float(state["scale"]) for name, seconds in AWS_SECONDS.items()}


def second_group(aws, stack, instances, managed_scaling):
    """A second Auto Scaling group of `instances` on the stack's launch template, with a capacity provider of its
    own (as the first: managed draining and, with managed_scaling, managed scaling at target capacity 100 and
    managed termination protection); both providers in the cluster's default strategy."""
    asg, ecs = aws("autoscaling"), aws("ecs")
    name = stack["stack"] + "-instances-2"
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=instances, MaxSize=instances, DesiredCapacity=instances,
        LaunchTemplate={"LaunchTemplateId": stack["launch_template_id"], "Version": "$Latest"},
        VPCZoneIdentifier=",".join(stack["subnet_ids"]), NewInstancesProtectedFromScaleIn=managed_scaling,
        Tags=[dict(t, PropagateAtLaunch=True, ResourceId=name, ResourceType="auto-scaling-group")
              for t in d._kv(stack["stack"], name)])
    arn = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]["AutoScalingGroupARN"]
    managed = "ENABLED" if managed_scaling else "DISABLED"
    provider = ecs.create_capacity_provider(
        name=name + "-cp", autoScalingGroupProvider={
            "autoScalingGroupArn": arn, "managedScaling": {"status": managed, "targetCapacity": 100},
            "managedTerminationProtection": managed, "managedDraining": "ENABLED"})["capacityProvider"]["name"]
    providers = [stack["capacity_provider"], provider]
    ecs.put_cluster_capacity_providers(cluster=stack["cluster"], capacityProviders=providers,
                                      defaultCapacityProviderStrategy=[{"capacityProvider": p, "weight": 1} for p in providers])
    stack["instances"] += instances


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="aws", choices=["aws", "fast"])
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--groups", type=int, default=1, choices=[1, 2], help="Auto Scaling groups the instances are split over")
    parser.add_argument("--no-parallel-groups", action="store_true", help="one group's batch at a time")
    parser.add_argument("--no-managed-scaling", action="store_true", help="capacity provider with managed draining only")
    parser.add_argument("--output", action="store_true", help="print the playbook's output too")
    args = parser.parse_args(argv)

    server = LocalAws(tempfile.mkdtemp(prefix="roll-benchmark-"))
    endpoint = server.start(profile=args.profile)
    try:
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name="us-east-1")

        def aws(service):
            return session.client(service, endpoint_url=endpoint)

        first = args.instances - args.instances // args.groups * (args.groups - 1)
        stack = d.build(aws, instances=first, tasks=2 * args.instances, capacity_provider=True,
                        managed_scaling=not args.no_managed_scaling)
        if args.groups == 2:
            second_group(aws, stack, args.instances - first, not args.no_managed_scaling)
        d.start_service(aws, stack)
        d.new_launch_template_version(aws, stack)
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
               os.path.join(ROOT, "inventories", "local"), os.path.join(ROOT, "playbooks", "roll_instances.yml"),
               "-e", json.dumps({"cloudops_aws_endpoint_url": endpoint, "roll_batch_size": args.batch_size,
                                 "roll_parallel_groups": not args.no_parallel_groups})]
        started = time.monotonic()
        run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        total = time.monotonic() - started
        if run.returncode != 0:
            print(run.stdout[-4000:], run.stderr[-2000:])
            return 1
        if args.output:
            print(run.stdout)
        state = status(endpoint)
        configured = delays(state)
        boot = configured["ec2_instance_boot"]
        task_start = configured["ecs_task_provisioning"] + configured["ecs_task_pending"]
        task_stop = configured["ecs_task_stopping"] + DEREGISTRATION_DELAY / float(state["scale"])
        explained = boot + task_start + task_stop
        # the debug output wraps long lines (a step of several instances): unwrap before matching
        batches = re.findall(r"- '?(i-[0-9a-f, i-]+): ([0-9.]+) s", re.sub(r"\n\s+", " ", run.stdout))
        print(f"profile {state['profile']} (AWS durations / {state['scale']:g}), {args.instances} instances in "
              f"{args.groups} group(s), batch size {args.batch_size}"
              f"{', groups in parallel' if args.groups > 1 and not args.no_parallel_groups else ''}")
        print(f"configured: boot {boot:.2f}s, task start {task_start:.2f}s, task stop + deregistration "
              f"{task_stop:.2f}s  -> {explained:.2f}s per batch")
        print(f"{'step':<44} {'roll (s)':>9} {'delays (s)':>12} {'ratio':>9} {'per instance':>13}")
        for instances, seconds in batches:
            ids = instances.split(", ")
            label = instances if len(ids) <= 2 else f"{ids[0]} and {len(ids) - 1} more"
            print(f"{label:<44} {float(seconds):9.1f} {explained:12.2f} {float(seconds) / explained:8.2f}x "
                  f"{float(seconds) / len(ids):12.1f}s")
        steps = [float(seconds) for _instances, seconds in batches]
        if steps:
            print(f"per step: mean {sum(steps) / len(steps):.1f}s (min {min(steps):.1f}, max {max(steps):.1f}); "
                  f"per instance {sum(steps) / args.instances:.1f}s")
        print(f"playbook wall time {total:.1f}s for {len(batches)} steps")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
