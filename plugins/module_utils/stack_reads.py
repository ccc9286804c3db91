# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Batched reads of one stack for the health checks (health.py stays pure) and the roll: the
snapshot health.evaluate() takes, the stack's Auto Scaling groups, EC2 instances, recommended AMIs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils import container_instance as ci_utils
from ansible_collections.cloudops.ecs.plugins.module_utils import health
from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import chunks, paginate, paginate_by_token


def stack_auto_scaling_groups(autoscaling, stack_name):
    groups = paginate_by_token(autoscaling, "describe_auto_scaling_groups", "AutoScalingGroups",
                               Filters=tagging.stack_filters(stack_name))
    # filter again on the tags themselves: a filter an implementation ignores must not widen the scope
    return [g for g in groups if tagging.of_stack(g.get("Tags") or [], stack_name)]


def ec2_instances(ec2, instance_ids):
    found = {}
    for batch in chunks(sorted(set(i for i in instance_ids if i)), 200):
        for reservation in paginate(ec2, "describe_instances", "Reservations", InstanceIds=batch):
            for instance in reservation.get("Instances") or []:
                found[instance["InstanceId"]] = instance
    return found


def recommended_amis(ssm, parameters):
    """{SSM parameter: recommended image id, or None when it cannot be read}, ten names per call. An
    unreadable parameter makes the AMI check say "unknown", it does not fail verify."""
    found = {name: None for name in parameters}
    for batch in chunks(parameters, 10):
        try:
            page = ssm.get_parameters(aws_retry=True, Names=batch)
        except Exception:  # noqa: BLE001 - reported as unknown
            continue
        for item in page.get("Parameters") or []:
            found[item["Name"]] = item.get("Value")
    return found


def gather(clients, cluster_item, stack_name, options):
    """The snapshot evaluate() takes. `clients`: {"ecs", "elbv2", "autoscaling", "ec2", "ssm", "rds"}
    retrying clients; `options["checks"]` limits what is read to what the selected checks need."""
    wanted = set(options.get("checks") or health.CHECK_NAMES)
    ecs = clients["ecs"]
    snapshot = {}
    cluster = cluster_item["clusterArn"] if cluster_item else None
    if cluster and wanted & {"services", "targets"}:
        snapshot["services"] = ci_utils.services(ecs, cluster)
    if cluster and wanted & {"container_instances", "az_coverage", "spare_capacity", "ami"}:
        snapshot["container_instances"] = ci_utils.container_instances(ecs, cluster)
    if cluster and "spare_capacity" in wanted:
        snapshot["tasks_by_instance"] = ci_utils.tasks_by_instance(ci_utils.tasks(ecs, cluster))
    if cluster and "stopped_tasks" in wanted:
        snapshot["stopped_tasks"] = ci_utils.tasks(ecs, cluster, desired_status="STOPPED")
    if "targets" in wanted:
        arns = health.service_target_groups(snapshot.get("services") or [])
        snapshot["target_health"] = ci_utils.target_health(clients["elbv2"], arns) if arns else {}
    if wanted & {"container_instances", "az_coverage"}:
        groups = stack_auto_scaling_groups(clients["autoscaling"], stack_name)
        snapshot["expected_instance_ids"] = [
            i["InstanceId"] for g in groups for i in g.get("Instances") or []
            if i.get("LifecycleState") == "InService"
        ]
        snapshot["stack_azs"] = sorted(set(options.get("availability_zones") or [
            az for g in groups for az in g.get("AvailabilityZones") or []]))
    if wanted & {"az_coverage", "ami"} and snapshot.get("container_instances"):
        snapshot["ec2_instances"] = ec2_instances(clients["ec2"], [c.get("ec2InstanceId") for c in snapshot["container_instances"]])
    if "ami" in wanted:
        ec2 = clients["ec2"]
        cis = snapshot.get("container_instances") or []
        instances = snapshot.get("ec2_instances") or {}
        image_ids = sorted({i.get("ImageId") for i in instances.values() if i.get("ImageId")})
        images = ec2.describe_images(aws_retry=True, ImageIds=image_ids).get("Images") if image_ids else []
        snapshot["images"] = {i["ImageId"]: i for i in images or []}
        expectations = health.ami_expectations(cis, instances, snapshot["images"], options.get("ami_parameters"))
        parameters = sorted({e["parameter"] for e in expectations if e["parameter"]})
        snapshot["recommended_amis"] = recommended_amis(clients["ssm"], parameters)
    if "database" in wanted:
        rds = clients["rds"]
        db_clusters = paginate(rds, "describe_db_clusters", "DBClusters")
        snapshot["db_clusters"] = [c for c in db_clusters if tagging.of_stack(c.get("TagList") or [], stack_name)]
        snapshot["db_instances"] = []
        if snapshot["db_clusters"]:
            snapshot["db_instances"] = paginate(
                rds, "describe_db_instances", "DBInstances",
                Filters=[{"Name": "db-cluster-id", "Values": [c["DBClusterIdentifier"] for c in snapshot["db_clusters"]]}])
    if "network" in wanted:
        ec2 = clients["ec2"]
        snapshot["nat_gateways"] = paginate(ec2, "describe_nat_gateways", "NatGateways",
                                            Filters=tagging.stack_filters(stack_name))
        snapshot["vpc_endpoints"] = paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints",
                                             Filters=tagging.stack_filters(stack_name))
    if "alarms" in wanted and "cloudwatch" in clients:
        # the stack's alarms are named after it (its own, its services' deployment alarms); only those in ALARM
        alarms = paginate(clients["cloudwatch"], "describe_alarms", "MetricAlarms", AlarmNamePrefix=stack_name + "-",
                          StateValue="ALARM")
        snapshot["alarms"] = [a for a in alarms if a.get("StateValue") == "ALARM"]
    return snapshot
