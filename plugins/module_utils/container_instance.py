# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS reads and container-instance state changes shared by the health, roll and drain modules.

Every list call is paginated and every describe is batched to the API maximum (services 10, tasks
and container instances 100), so the cost of a read grows with the fleet in pages, not in calls per
task. Clients are the retrying wrappers AnsibleAWSModule.client() returns; every call passes
aws_retry=True.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks, paginate_by_token
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import container_instance_drained
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import STACK_TAG


def _paginate(client, method, key, **kwargs):
    # ECS lists 10 items a page unless asked for more; 100 is the most every one of its List* calls gives
    return paginate_by_token(client, method, key, "nextToken", "nextToken", maxResults=100, **kwargs)


def ecs_tags(item):
    return {t.get("key"): t.get("value") for t in item.get("tags") or []}


def find_cluster(ecs, cluster=None, stack_name=None):
    """The cluster named `cluster`, or the one tagged cloudops:stack=stack_name. None when absent."""
    if cluster:
        found = ecs.describe_clusters(aws_retry=True, clusters=[cluster], include=["TAGS"]).get("clusters") or []
        found = [c for c in found if c.get("status") != "INACTIVE"]
        return found[0] if found else None
    arns = _paginate(ecs, "list_clusters", "clusterArns")
    for batch in chunks(arns, 100):
        for item in ecs.describe_clusters(aws_retry=True, clusters=batch, include=["TAGS"]).get("clusters") or []:
            if item.get("status") != "INACTIVE" and ecs_tags(item).get(STACK_TAG) == stack_name:
                return item
    return None


def container_instances(ecs, cluster, ec2_instance_ids=None):
    """DescribeContainerInstances items of the cluster (every status but INACTIVE), optionally only
    those on the given EC2 instances."""
    arns = []
    for status in ("ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING"):
        arns.extend(_paginate(ecs, "list_container_instances", "containerInstanceArns", cluster=cluster, status=status))
    items = []
    for batch in chunks(sorted(set(arns)), 100):
        items.extend(ecs.describe_container_instances(aws_retry=True, cluster=cluster, containerInstances=batch)
                     .get("containerInstances") or [])
    if ec2_instance_ids is not None:
        wanted = set(ec2_instance_ids)
        items = [i for i in items if i.get("ec2InstanceId") in wanted]
    return items


def services(ecs, cluster):
    arns = _paginate(ecs, "list_services", "serviceArns", cluster=cluster)
    items = []
    for batch in chunks(arns, 10):
        items.extend(ecs.describe_services(aws_retry=True, cluster=cluster, services=batch).get("services") or [])
    return [s for s in items if s.get("status") == "ACTIVE"]


def tasks(ecs, cluster, desired_status="RUNNING", container_instance=None):
    kwargs = {"cluster": cluster, "desiredStatus": desired_status}
    if container_instance:
        kwargs["containerInstance"] = container_instance
    arns = _paginate(ecs, "list_tasks", "taskArns", **kwargs)
    items = []
    for batch in chunks(arns, 100):
        items.extend(ecs.describe_tasks(aws_retry=True, cluster=cluster, tasks=batch).get("tasks") or [])
    if container_instance:
        # filter again: some ECS implementations ignore the containerInstance filter
        items = [t for t in items if t.get("containerInstanceArn") == container_instance]
    return items


def tasks_by_instance(task_items):
    grouped = {}
    for task in task_items:
        if task.get("lastStatus") == "STOPPED":
            continue
        grouped.setdefault(task.get("containerInstanceArn"), []).append(task)
    return grouped


def service_tasks(task_items):
    return [t for t in task_items if (t.get("group") or "").startswith("service:")]


def target_health(elbv2, target_group_arns):
    """{target group ARN: TargetHealthDescriptions}: one call per target group."""
    return {
        arn: elbv2.describe_target_health(aws_retry=True, TargetGroupArn=arn).get("TargetHealthDescriptions") or []
        for arn in sorted(set(target_group_arns))
    }


def set_state(ecs, cluster, arns, status):
    """UpdateContainerInstancesState for up to 10 instances per call; returns the failures."""
    failures = []
    for batch in chunks(arns, 10):
        result = ecs.update_container_instances_state(aws_retry=True, cluster=cluster, containerInstances=batch,
                                                      status=status)
        failures.extend(result.get("failures") or [])
    return failures


def drain_progress(ecs, cluster, arns):
    """(drained, reasons) for DRAINING container instances: every service task has left."""
    reasons = []
    items = ecs.describe_container_instances(aws_retry=True, cluster=cluster, containerInstances=list(arns)).get(
        "containerInstances") or []
    for ci in items:
        left = None
        if int(ci.get("runningTasksCount") or 0) + int(ci.get("pendingTasksCount") or 0):
            left = service_tasks(tasks(ecs, cluster, container_instance=ci["containerInstanceArn"]))
        ready, why = container_instance_drained(ci, left)
        reasons.extend(why)
    return not reasons, reasons, items


def poll(predicate, timeout, interval=0.5, max_interval=10.0, clock=None, sleep=None, progress=None):
    """waiter.wait() for predicate() -> (done, reasons, value), as (done, reasons, value, elapsed);
    `clock`/`sleep` are the monotonic time and sleep functions to use (tests pass fakes)."""
    result = waiter.wait(predicate, timeout, clock=waiter.Clock(now=clock, sleep=sleep), interval=interval, max_interval=max_interval,
                         progress=progress)
    return result.satisfied, result.reasons, result.value, result.elapsed


STATUS = {"active": "ACTIVE", "draining": "DRAINING"}


class ContainerInstanceState(Service):
    """Sets one container instance ACTIVE or DRAINING (waiting for its service tasks to leave), or
    deregisters it (ecs_container_instance)."""

    SERVICES = ("ecs",)

    def find(self, arn=None, ec2_instance_id=None):
        ecs, cluster = self.clients["ecs"], self.params["cluster"]
        if arn:
            try:
                items = ecs.describe_container_instances(aws_retry=True, cluster=cluster, containerInstances=[arn]).get(
                    "containerInstances") or []
            except botocore.exceptions.ClientError:
                items = []
            return items[0] if items else None
        items = container_instances(ecs, cluster, [ec2_instance_id])
        return items[0] if items else None

    def run(self):
        params, ecs = self.params, self.clients["ecs"]
        cluster, state = params["cluster"], params["state"]
        label = params["container_instance"] or params["ec2_instance_id"]
        try:
            instance = self.find(params["container_instance"], params["ec2_instance_id"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Could not describe container instance %s in cluster %s" % (label, cluster),
                                exception=e) from e
        before = instance.get("status") if instance else "absent"
        if instance is None or before == "INACTIVE":
            if state == "deregistered":
                return dict(changed=False, elapsed=0.0, diff=dict(before={"status": before}, after={"status": before}))
            raise CloudopsError(message="No container instance %s in cluster %s" % (label, cluster))
        after = "absent" if state == "deregistered" else STATUS[state]
        changed = before != after
        arn = instance["containerInstanceArn"]
        diff = dict(before={"status": before}, after={"status": after})
        if state == "deregistered" and changed and not params["force"]:
            busy = int(instance.get("runningTasksCount") or 0) + int(instance.get("pendingTasksCount") or 0)
            if busy:
                raise CloudopsError(message="%s still runs %d tasks: drain it first (state=draining) or set force=true"
                                            % (label, busy))
        if self.check_mode:
            return dict(changed=changed, elapsed=0.0, diff=diff,
                        container_instance=camel_dict_to_snake_dict(dict(instance, status=after)))
        try:
            if changed and state == "deregistered":
                ecs.deregister_container_instance(aws_retry=True, cluster=cluster, containerInstance=arn,
                                                  force=params["force"])
                return dict(changed=True, elapsed=0.0, diff=diff)
            if changed:
                failures = set_state(ecs, cluster, [arn], STATUS[state])
                if failures:
                    raise CloudopsError(message="Could not set %s to %s: %s" % (label, STATUS[state], failures))
            elapsed = 0.0
            if state == "draining" and params["wait"]:
                result = waiter.wait(lambda: drain_progress(ecs, cluster, [arn]), params["wait_timeout"],
                                     what="%s to drain" % label, clock=self.clock, interval=0.5, progress=self.progress)
                elapsed = result.elapsed
                if not result.satisfied:
                    raise CloudopsError(message="%s did not drain within %ss: %s" % (
                        label, params["wait_timeout"], "; ".join(result.reasons)), changed=changed, elapsed=elapsed, diff=diff)
            instance = self.find(arn) or instance
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Could not change container instance %s" % label, exception=e) from e
        return dict(changed=changed, elapsed=round(elapsed, 1), diff=diff, container_instance=camel_dict_to_snake_dict(instance))
