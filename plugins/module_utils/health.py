# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stack health checks over a snapshot of describe responses: pure functions, no I/O.

`evaluate(snapshot)` returns a list of checks, each a dict with `name`, `ok`, `severity`
(`critical` checks make verification fail, `warning` checks only when asked to) and `details`
(lines saying what was found). stack_reads.gather() reads the snapshot with batched describes; the
roll reuses the same checks as health gates, so "healthy" means one thing everywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import service_rolled_out
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import targets_healthy

CHECK_NAMES = ("services", "targets", "container_instances", "az_coverage", "spare_capacity", "ami", "database",
               "network", "stopped_tasks", "alarms")
CRITICAL = "critical"
WARNING = "warning"
UNABLE_TO_PLACE = "unable to place"
STEADY_STATE = "has reached a steady state"
# stop codes and reasons that point at a broken task rather than a deployment or a drain
FAILED_STOP_CODES = ("TaskFailedToStart", "EssentialContainerExited")
# Stops someone meant (a drain, scale-in, deployment, StopTask, Spot or host retirement): the containers get
# SIGTERM, then SIGKILL after stopTimeout, so a non-zero exit code (143, 137) is expected, not a failure.
DELIBERATE_STOP_CODES = ("ServiceSchedulerInitiated", "UserInitiated", "SpotInterruption", "TerminationNotice")
FAILED_REASON_MARKERS = ("health check", "OutOfMemory", "CannotPull", "ResourceInitializationError")


def _check(name, ok, details, severity=CRITICAL, **data):
    check = {"name": name, "ok": bool(ok), "severity": severity, "details": list(details)}
    check.update(data)
    return check


def as_datetime(value):
    """A timestamp from boto3 (datetime), JSON (epoch seconds) or ISO text, as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def recent_placement_failures(service, now, window_seconds):
    """Service events in the window that say the scheduler could not place a task, newer than the
    service's latest steady state (events come newest first; older failures were resolved)."""
    found = []
    for event in service.get("events") or []:
        if STEADY_STATE in (event.get("message") or "").lower():
            break
        created = as_datetime(event.get("createdAt"))
        if created is not None and (now - created).total_seconds() > window_seconds:
            continue
        if UNABLE_TO_PLACE in (event.get("message") or "").lower():
            found.append(event.get("message"))
    return found


def check_services(services, now, event_window_seconds=600):
    """Every service steady: running == desired, one PRIMARY deployment COMPLETED, no recent
    "unable to place" events."""
    details = []
    for service in services:
        ready, reasons = service_rolled_out(service)
        details.extend(reasons)
        failures = recent_placement_failures(service, now, event_window_seconds)
        if failures:
            details.append("%s: %s" % (service.get("serviceName"), failures[0]))
    ok = not details
    if not services:
        details.append("no services in the cluster")
    elif ok:
        details.append("%d services steady" % len(services))
    return _check("services", ok, details)


def service_target_groups(services):
    """{target group ARN: minimum healthy targets}: the services' desired counts per target group."""
    groups = {}
    for service in services:
        for balancer in service.get("loadBalancers") or []:
            arn = balancer.get("targetGroupArn")
            if arn:
                groups[arn] = groups.get(arn, 0) + int(service.get("desiredCount") or 0)
    return groups


def check_targets(services, target_health):
    """Every registered target healthy in the services' target groups, and at least as many healthy
    targets as the services want tasks. `target_health`: {target group ARN: TargetHealthDescriptions}."""
    details = []
    ok = True
    groups = service_target_groups(services)
    for arn, minimum in sorted(groups.items()):
        ready, reasons = targets_healthy(target_health.get(arn) or [], minimum=minimum)
        if not ready:
            ok = False
            name = arn.rsplit("/", 2)[-2] if arn.count("/") >= 2 else arn
            details.extend("%s: %s" % (name, reason) for reason in reasons)
    if ok:
        healthy = sum(
            1 for arn in groups for t in target_health.get(arn) or [] if t["TargetHealth"]["State"] == "healthy"
        )
        details.append("%d healthy targets in %d target groups" % (healthy, len(groups)))
    return _check("targets", ok, details)


def container_instance_az(container_instance, ec2_instances=None):
    for attribute in container_instance.get("attributes") or []:
        if attribute.get("name") == "ecs.availability-zone":
            return attribute.get("value")
    instance = (ec2_instances or {}).get(container_instance.get("ec2InstanceId")) or {}
    return (instance.get("Placement") or {}).get("AvailabilityZone") or instance.get("AvailabilityZone")


def check_container_instances(container_instances, expected_instance_ids=(), minimum=1):
    """Container instances ACTIVE with the agent connected; every EC2 instance the stack's Auto
    Scaling groups keep in service is registered."""
    details = []
    active = 0
    registered = set()
    for ci in container_instances:
        registered.add(ci.get("ec2InstanceId"))
        if ci.get("status") != "ACTIVE":
            details.append("%s is %s" % (ci.get("ec2InstanceId"), ci.get("status")))
        elif not ci.get("agentConnected"):
            details.append("%s: ECS agent disconnected" % ci.get("ec2InstanceId"))
        else:
            active += 1
    for instance_id in sorted(set(expected_instance_ids) - registered):
        details.append("%s is in service but not registered in the cluster" % instance_id)
    if active < minimum:
        details.append("%d active container instances, %d needed" % (active, minimum))
    ok = not details
    if ok:
        details.append("%d container instances ACTIVE, agent connected" % active)
    return _check("container_instances", ok, details, active=active)


def check_az_coverage(container_instances, stack_azs, ec2_instances=None):
    """An ACTIVE container instance in every AZ the stack spans."""
    covered = set()
    for ci in container_instances:
        if ci.get("status") == "ACTIVE" and ci.get("agentConnected"):
            az = container_instance_az(ci, ec2_instances)
            if az:
                covered.add(az)
    missing = sorted(set(stack_azs) - covered)
    details = ["no active container instance in %s" % az for az in missing]
    if not missing:
        details.append("instances in %s" % ", ".join(sorted(covered)) if covered else "no AZs to cover")
    return _check("az_coverage", not missing, details, azs=sorted(covered))


def _resource(resources, name):
    for resource in resources or []:
        if resource.get("name") == name:
            return int(resource.get("integerValue") or 0)
    return 0


def _task_size(task):
    """(cpu, memory) a task reserves: task-level sizes, else the sum of its containers'."""
    cpu = task.get("cpu")
    memory = task.get("memory")
    containers = task.get("containers") or []
    if cpu in (None, ""):
        cpu = sum(int(c.get("cpu") or 0) for c in containers)
    if memory in (None, ""):
        memory = sum(int(c.get("memory") or c.get("memoryReservation") or 0) for c in containers)
    return int(cpu), int(memory)


def _fits(items, bins):
    """First-fit decreasing of (cpu, memory) items into [cpu, memory] bins; True when all fit."""
    bins = [list(b) for b in bins]
    for cpu, memory in sorted(items, reverse=True):
        for room in bins:
            if room[0] >= cpu and room[1] >= memory:
                room[0] -= cpu
                room[1] -= memory
                break
        else:
            return False
    return True


def spare_capacity(container_instances, tasks_by_instance=None):
    """Whether the tasks of any one instance fit into the others' remaining CPU and memory.

    With the running tasks per container instance ARN the tasks are packed one by one (a task cannot
    be split across instances); without them the allocated totals are compared. Returns
    (ok, reasons, worst) where worst names the instance with the most allocated resources."""
    active = [ci for ci in container_instances if ci.get("status") == "ACTIVE"]
    reasons = []
    worst = None
    for ci in active:
        registered = (_resource(ci.get("registeredResources"), "CPU"), _resource(ci.get("registeredResources"), "MEMORY"))
        remaining = (_resource(ci.get("remainingResources"), "CPU"), _resource(ci.get("remainingResources"), "MEMORY"))
        allocated = (registered[0] - remaining[0], registered[1] - remaining[1])
        if worst is None or allocated > worst[1]:
            worst = (ci, allocated)
    if worst is None:
        return True, [], None
    for ci in active:
        others = [
            (_resource(o.get("remainingResources"), "CPU"), _resource(o.get("remainingResources"), "MEMORY"))
            for o in active if o is not ci
        ]
        tasks = (tasks_by_instance or {}).get(ci.get("containerInstanceArn"))
        if tasks is not None:
            items = [_task_size(t) for t in tasks]
        else:
            registered = (_resource(ci.get("registeredResources"), "CPU"), _resource(ci.get("registeredResources"), "MEMORY"))
            remaining = (_resource(ci.get("remainingResources"), "CPU"), _resource(ci.get("remainingResources"), "MEMORY"))
            items = [(registered[0] - remaining[0], registered[1] - remaining[1])]
            others = [(sum(o[0] for o in others), sum(o[1] for o in others))]
        items = [i for i in items if i != (0, 0)]
        if items and not _fits(items, others):
            total = (sum(i[0] for i in items), sum(i[1] for i in items))
            reasons.append(
                "the tasks of %s (%d CPU units, %d MiB) do not fit into the other instances' remaining capacity"
                % (ci.get("ec2InstanceId"), total[0], total[1])
            )
    return not reasons, reasons, worst


def check_spare_capacity(container_instances, tasks_by_instance=None):
    ok, reasons, worst = spare_capacity(container_instances, tasks_by_instance)
    details = list(reasons)
    if ok:
        if worst is None:
            details.append("no active container instances")
        else:
            details.append(
                "the largest instance %s (%d CPU units, %d MiB allocated) can be replaced"
                % (worst[0].get("ec2InstanceId"), worst[1][0], worst[1][1])
            )
    return _check("spare_capacity", ok, details)


# ECS-optimized AMI families: the prefix of the image name, and the SSM public parameter of the recommended
# image per CPU architecture (most specific prefix first). The parameter names are the same in every partition.
_ECS_AMI = "/aws/service/ecs/optimized-ami/"
AMI_FAMILIES = (
    ("al2023-ami-ecs-gpu-", {"x86_64": _ECS_AMI + "amazon-linux-2023/gpu/recommended/image_id"}),
    ("al2023-ami-ecs-neuron-", {"x86_64": _ECS_AMI + "amazon-linux-2023/neuron/recommended/image_id"}),
    ("al2023-ami-ecs-", {"x86_64": _ECS_AMI + "amazon-linux-2023/recommended/image_id",
                         "arm64": _ECS_AMI + "amazon-linux-2023/arm64/recommended/image_id"}),
    ("amzn2-ami-ecs-kernel-5.10-", {"x86_64": _ECS_AMI + "amazon-linux-2/kernel-5.10/recommended/image_id",
                                    "arm64": _ECS_AMI + "amazon-linux-2/kernel-5.10/arm64/recommended/image_id"}),
    ("amzn2-ami-ecs-gpu-", {"x86_64": _ECS_AMI + "amazon-linux-2/gpu/recommended/image_id"}),
    ("amzn2-ami-ecs-inf-", {"x86_64": _ECS_AMI + "amazon-linux-2/inf/recommended/image_id"}),
    ("amzn2-ami-ecs-", {"x86_64": _ECS_AMI + "amazon-linux-2/recommended/image_id",
                        "arm64": _ECS_AMI + "amazon-linux-2/arm64/recommended/image_id"}),
    ("bottlerocket-aws-ecs-2-", {"x86_64": "/aws/service/bottlerocket/aws-ecs-2/x86_64/latest/image_id",
                                 "arm64": "/aws/service/bottlerocket/aws-ecs-2/arm64/latest/image_id"}),
)
# Images of no known family (custom AMIs) are compared with the default family, the one the ecs_instances role uses.
DEFAULT_AMI_FAMILY = "al2023-ami-ecs-"


def instance_architecture(ci, instance, image):
    """x86_64 or arm64: from EC2, else the image, else the ECS agent's attribute."""
    arch = (instance or {}).get("Architecture") or (image or {}).get("Architecture")
    if not arch:
        arch = {a.get("name"): a.get("value") for a in ci.get("attributes") or []}.get("ecs.cpu-architecture")
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(arch, arch or "x86_64")


def ami_parameter_for(image, architecture, overrides=None):
    """The SSM parameter of the recommended AMI for an instance on `image` (DescribeImages item or None)
    with `architecture`: an override for that architecture, else the image family's, else the default
    family's. None when the family has no image for that architecture."""
    if overrides and overrides.get(architecture):
        return overrides[architecture]
    name = (image or {}).get("Name") or ""
    families = dict(AMI_FAMILIES)
    family = next((prefix for prefix, _params in AMI_FAMILIES if name.startswith(prefix)), DEFAULT_AMI_FAMILY)
    return families[family].get(architecture)


def ami_expectations(container_instances, ec2_instances, images, overrides=None):
    """Per container instance with a known image: instance_id, image_id, image, architecture and the SSM
    parameter of the recommended AMI it is compared with."""
    found = []
    for ci in container_instances:
        instance = ec2_instances.get(ci.get("ec2InstanceId")) or {}
        if not instance.get("ImageId"):
            continue
        image = images.get(instance["ImageId"])
        arch = instance_architecture(ci, instance, image)
        found.append({"instance_id": ci.get("ec2InstanceId"), "image_id": instance["ImageId"], "image": image,
                      "architecture": arch, "parameter": ami_parameter_for(image, arch, overrides)})
    return found


def check_amis(container_instances, ec2_instances, recommended, images, now, max_age_days=None, overrides=None):
    """Instance AMIs against the recommended ECS-optimized AMI of their own family and architecture
    (arm64 instances against the arm64 parameter). `recommended`: {SSM parameter: image id, or None when
    unreadable}; `images`: {image id: DescribeImages item}. A warning: an old AMI is not an outage, but
    the report says how old it is."""
    details = []
    outdated = []
    ages = {}
    current = {}
    unknown = set()
    for expected in ami_expectations(container_instances, ec2_instances, images, overrides):
        instance_id, image_id, arch, parameter = (expected[k] for k in ("instance_id", "image_id", "architecture",
                                                                        "parameter"))
        created = as_datetime((expected["image"] or {}).get("CreationDate"))
        age = (now - created).days if created else None
        ages[instance_id] = age
        wanted = recommended.get(parameter) if parameter else None
        if not wanted:
            unknown.add(parameter or "no recommended %s AMI for %s" % (arch, image_id))
            continue
        if image_id == wanted:
            current.setdefault((wanted, arch), []).append(instance_id)
            continue
        if max_age_days is None or age is None or age > max_age_days:
            outdated.append(instance_id)
        details.append("%s (%s) runs %s (%s), not the recommended %s" % (
            instance_id, arch, image_id, "%s days old" % age if age is not None else "age unknown", wanted))
    for (image_id, arch), ids in sorted(current.items()):
        details.append("%d %s instances on the recommended AMI %s" % (len(ids), arch, image_id))
    for parameter in sorted(unknown):
        details.append("recommended ECS AMI unknown (%s)" % parameter)
    return _check("ami", not outdated, details, WARNING, recommended=dict(recommended), ages_days=ages)


def check_database(db_clusters, db_instances, ha=None):
    """Aurora clusters tagged with the stack: available, with an available writer, and in HA mode an
    available reader (ha None: every configured member must be available)."""
    details = []
    if not db_clusters:
        return _check("database", True, ["no database in this stack"])
    instances = {i.get("DBInstanceIdentifier"): i for i in db_instances}
    for cluster in db_clusters:
        name = cluster.get("DBClusterIdentifier")
        if cluster.get("Status") != "available":
            details.append("%s is %s" % (name, cluster.get("Status")))
        members = cluster.get("DBClusterMembers") or []
        writers = [m for m in members if m.get("IsClusterWriter")]
        readers = [m for m in members if not m.get("IsClusterWriter")]

        def available(member):
            return (instances.get(member.get("DBInstanceIdentifier")) or {}).get("DBInstanceStatus") == "available"

        if not any(available(m) for m in writers):
            details.append("%s has no available writer" % name)
        if ha and not any(available(m) for m in readers):
            details.append("%s has no available reader (HA)" % name)
        for member in members:
            if not available(member):
                status = (instances.get(member.get("DBInstanceIdentifier")) or {}).get("DBInstanceStatus", "missing")
                details.append("%s member %s is %s" % (name, member.get("DBInstanceIdentifier"), status))
    ok = not details
    if ok:
        details.append(
            "; ".join(
                "%s available, %d writer, %d readers" % (
                    c.get("DBClusterIdentifier"),
                    sum(1 for m in c.get("DBClusterMembers") or [] if m.get("IsClusterWriter")),
                    sum(1 for m in c.get("DBClusterMembers") or [] if not m.get("IsClusterWriter")),
                )
                for c in db_clusters
            )
        )
    return _check("database", ok, details)


def check_network(nat_gateways, vpc_endpoints):
    """NAT gateways and VPC endpoints of the stack available (deleted ones are ignored)."""
    details = []
    nats = [n for n in nat_gateways if n.get("State") not in ("deleted", "deleting")]
    endpoints = [e for e in vpc_endpoints if (e.get("State") or "").lower() not in ("deleted", "deleting")]
    for nat in nats:
        if nat.get("State") != "available":
            details.append("NAT gateway %s is %s" % (nat.get("NatGatewayId"), nat.get("State")))
    for endpoint in endpoints:
        if (endpoint.get("State") or "").lower() != "available":
            details.append(
                "endpoint %s (%s) is %s" % (endpoint.get("VpcEndpointId"), endpoint.get("ServiceName"), endpoint.get("State"))
            )
    ok = not details
    if ok:
        details.append("%d NAT gateways and %d VPC endpoints available" % (len(nats), len(endpoints)))
    return _check("network", ok, details)


def stopped_task_summary(task):
    group = task.get("group") or task.get("taskDefinitionArn", "").rsplit("/", 1)[-1]
    reasons = [task.get("stoppedReason") or task.get("stopCode") or "no reason"]
    for container in task.get("containers") or []:
        if container.get("reason"):
            reasons.append("%s: %s" % (container.get("name"), container.get("reason")))
        elif container.get("exitCode") not in (None, 0):
            reasons.append("%s exited %s" % (container.get("name"), container.get("exitCode")))
    return "%s %s: %s" % (group, task.get("taskArn", "").rsplit("/", 1)[-1], "; ".join(reasons))


def task_failed(task):
    if task.get("stopCode") in FAILED_STOP_CODES:
        return True
    text = " ".join(
        [task.get("stoppedReason") or ""] + [c.get("reason") or "" for c in task.get("containers") or []]
    ).lower()
    if any(marker.lower() in text for marker in FAILED_REASON_MARKERS):
        return True
    if task.get("stopCode") in DELIBERATE_STOP_CODES:
        return False
    return any(c.get("exitCode") not in (None, 0) for c in task.get("containers") or [])


def check_stopped_tasks(stopped_tasks, now, window_seconds=3600):
    """Recent STOPPED tasks with their reasons; tasks that failed (not drained or replaced) warn."""
    recent = []
    for task in stopped_tasks:
        stopped = as_datetime(task.get("stoppedAt") or task.get("stoppingAt") or task.get("createdAt"))
        if stopped is None or (now - stopped).total_seconds() <= window_seconds:
            recent.append(task)
    failed = [t for t in recent if task_failed(t)]
    details = [stopped_task_summary(t) for t in failed + [t for t in recent if t not in failed]]
    if not recent:
        details.append("no tasks stopped in the last %d minutes" % (window_seconds // 60))
    return _check("stopped_tasks", not failed, details, WARNING, recent=len(recent), failed=len(failed))


def check_alarms(alarms):
    """The stack's CloudWatch alarms in the ALARM state, with why (a warning: an alarm is a symptom to look at, not
    by itself a broken stack)."""
    firing = sorted((a for a in alarms if a.get("StateValue") == "ALARM"), key=lambda a: a.get("AlarmName"))
    details = ["%s: %s" % (a.get("AlarmName"), a.get("StateReason") or "in ALARM") for a in firing]
    if not firing:
        details.append("no alarm of the stack in ALARM")
    return _check("alarms", not firing, details, WARNING, in_alarm=[a.get("AlarmName") for a in firing])


def evaluate(snapshot, now=None, options=None):
    """All checks for one stack. `snapshot` keys (all optional): services, target_health,
    container_instances, expected_instance_ids, stack_azs, ec2_instances, tasks_by_instance,
    recommended_amis, images, db_clusters, db_instances, nat_gateways, vpc_endpoints,
    stopped_tasks, alarms. `options`: event_window_seconds, stopped_window_seconds, ami_max_age_days, ami_parameters,
    database_ha, min_container_instances, checks (names to run; default all)."""
    options = options or {}
    now = now or datetime.datetime.now(datetime.timezone.utc)
    services = snapshot.get("services") or []
    container_instances = snapshot.get("container_instances") or []
    ec2_instances = snapshot.get("ec2_instances") or {}
    builders = [
        ("services", lambda: check_services(services, now, options.get("event_window_seconds", 600))),
        ("targets", lambda: check_targets(services, snapshot.get("target_health") or {})),
        ("container_instances", lambda: check_container_instances(
            container_instances, snapshot.get("expected_instance_ids") or (), options.get("min_container_instances", 1))),
        ("az_coverage", lambda: check_az_coverage(container_instances, snapshot.get("stack_azs") or (), ec2_instances)),
        ("spare_capacity", lambda: check_spare_capacity(container_instances, snapshot.get("tasks_by_instance"))),
        ("ami", lambda: check_amis(container_instances, ec2_instances, snapshot.get("recommended_amis") or {},
                                   snapshot.get("images") or {}, now, options.get("ami_max_age_days"),
                                   options.get("ami_parameters"))),
        ("database", lambda: check_database(snapshot.get("db_clusters") or [], snapshot.get("db_instances") or [],
                                            options.get("database_ha"))),
        ("network", lambda: check_network(snapshot.get("nat_gateways") or [], snapshot.get("vpc_endpoints") or [])),
        ("stopped_tasks", lambda: check_stopped_tasks(snapshot.get("stopped_tasks") or [], now,
                                                      options.get("stopped_window_seconds", 3600))),
        ("alarms", lambda: check_alarms(snapshot.get("alarms") or [])),
    ]
    wanted = options.get("checks")
    return [build() for name, build in builders if not wanted or name in wanted]


def failing(checks, include_warnings=False):
    """The checks that make verification fail."""
    return [c for c in checks if not c["ok"] and (c["severity"] == CRITICAL or include_warnings)]


def summary_lines(checks):
    """One readable line per check and detail: `OK   services: 3 services steady`."""
    lines = []
    for check in checks:
        mark = "OK  " if check["ok"] else ("FAIL" if check["severity"] == CRITICAL else "WARN")
        details = check["details"] or [""]
        lines.append("%s %s: %s" % (mark, check["name"], details[0]))
        lines.extend("     %s  %s" % (" " * len(check["name"]), d) for d in details[1:])
    return lines
