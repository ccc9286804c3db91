#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudwatch_stack_alarms
short_description: CloudWatch alarms of one ECS-on-EC2 stack, converged in one call
version_added: 0.1.0
description:
  - Builds the alarms the stack should have from what it names, and converges every alarm whose name starts with
    O(name_prefix) to them, with the O(alarm_actions) as alarm and OK actions.
  - The load balancer gets a 5xx rate alarm (target and load balancer 5xx over RequestCount, metric math) and a
    95th percentile TargetResponseTime alarm; every target group an UnHealthyHostCount alarm; every service a
    CPUUtilization and a MemoryUtilization alarm; every capacity provider a CapacityProviderReservation alarm
    (above the threshold for the C(capacity_reservation_minutes) of O(thresholds)); the Aurora cluster CPUUtilization and
    FreeableMemory alarms, and AuroraReplicaLagMaximum when O(database_ha=true); every NAT gateway
    ErrorPortAllocation and PacketsDropCount alarms.
  - Reads the alarms with one paginated DescribeAlarms listing by name prefix; PutMetricAlarm only for a missing
    alarm or one that differs, DeleteAlarms (100 names a call) for alarms under the prefix no longer wanted
    (unless O(purge=false)). Tags are set when an alarm is created.
  - O(alarms) adds alarms given one by one (such as the alarms that fail an ECS deployment or trigger a step scaling
    policy), converged in the same DescribeAlarms listing.
  - Idempotent; check mode and diff supported. O(state=absent) deletes every alarm under the prefix.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name_prefix:
    description: Prefix of every alarm name, such as C(shop-prod-alarm-). Alarms under it belong to this module.
    type: str
    required: true
  alarm_actions:
    description: ARNs notified when an alarm fires and when it is OK again (the stack's SNS topic).
    type: list
    elements: str
    default: []
  load_balancer_arn:
    description: ARN of the application load balancer; empty for none.
    type: str
    default: ""
  load_balancer_name:
    description:
      - Name of the load balancer, so its alarms are planned in check mode while its ARN is not known yet.
    type: str
    default: ""
  target_groups:
    description:
      - Target groups to watch, each with C(name) (used in the alarm name) and C(arn) or C(target_group_arn) (the
        entries of C(cloudops_services) fit as they are). An entry without an ARN is skipped.
    type: list
    elements: dict
    default: []
  cluster_name:
    description: ECS cluster of the services and capacity providers.
    type: str
    default: ""
  services:
    description: Names of the ECS services whose CPU and memory utilisation are watched.
    type: list
    elements: str
    default: []
  capacity_providers:
    description: Names of the cluster's capacity providers.
    type: list
    elements: str
    default: []
  db_cluster_identifier:
    description: Aurora cluster to watch; empty for none.
    type: str
    default: ""
  database_ha:
    description: Whether the Aurora cluster has a reader (adds the replica lag alarm).
    type: bool
    default: false
  nat_gateway_ids:
    description: NAT gateways to watch.
    type: list
    elements: str
    default: []
  alarms:
    description:
      - Metric alarms given one by one, each named under O(name_prefix); their actions are their own
        O(alarms[].alarm_actions) (not O(alarm_actions)).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Alarm name, starting with O(name_prefix).
        type: str
        required: true
      description:
        description: Alarm description.
        type: str
      namespace:
        description: Namespace of the metric, such as C(AWS/ApplicationELB).
        type: str
        required: true
      metric_name:
        description: Name of the metric.
        type: str
        required: true
      statistic:
        description: C(Average), C(Sum), C(Minimum), C(Maximum), C(SampleCount) or a percentile such as C(p95).
        type: str
        default: Average
      dimensions:
        description: Dimensions of the metric.
        type: dict
        default: {}
      period:
        description: Seconds of each evaluated period.
        type: int
        default: 60
      evaluation_periods:
        description: Periods evaluated.
        type: int
        default: 1
      threshold:
        description: The threshold.
        type: float
        required: true
      comparison:
        description: How the statistic compares with O(alarms[].threshold).
        type: str
        required: true
        choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
      treat_missing_data:
        description: How missing data points count.
        type: str
        default: missing
        choices: [breaching, notBreaching, ignore, missing]
      alarm_actions:
        description: ARNs the alarm notifies or triggers when it fires (for example a scaling policy).
        type: list
        elements: str
        default: []
  thresholds:
    description:
      - Thresholds by name; a missing or null one takes its default. Names (defaults) are alb_5xx_rate_percent (5),
        target_response_time_seconds (2), unhealthy_hosts (0), service_cpu_percent (90), service_memory_percent (90),
        capacity_reservation_percent (100), capacity_reservation_minutes (30), database_cpu_percent (80),
        database_freeable_memory_mib (256), database_replica_lag_ms (2000), nat_port_allocation_errors (0),
        nat_packets_dropped (100), evaluation_minutes (5).
    type: dict
    default: {}
  purge:
    description: Delete alarms under O(name_prefix) that are not wanted any more.
    type: bool
    default: true
  tags:
    description: Tags of the alarms the module creates.
    type: dict
  state:
    description: C(present) to converge, C(absent) to delete every alarm under O(name_prefix).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Alarms of the stack, notifying its topic
  cloudops.ecs.cloudwatch_stack_alarms:
    name_prefix: shop-prod-alarm-
    alarm_actions: ["{{ services_alerts_topic_arn }}"]
    load_balancer_arn: "{{ cloudops_load_balancer.arn }}"
    target_groups:
      - name: web
        arn: "{{ web_target_group_arn }}"
    cluster_name: shop-prod
    services: [web, api]
    capacity_providers: [shop-prod-ondemand]
    db_cluster_identifier: shop-prod
    database_ha: true
    nat_gateway_ids: "{{ cloudops_network.nat_gateway_ids }}"
    thresholds:
      service_cpu_percent: 85
    tags:
      cloudops:stack: shop-prod

- name: The alarms that fail a service's deployments, next to the other alarms of the stack (none purged)
  cloudops.ecs.cloudwatch_stack_alarms:
    name_prefix: shop-prod-
    purge: false
    alarms:
      - name: shop-prod-web-target-5xx
        namespace: AWS/ApplicationELB
        metric_name: HTTPCode_Target_5XX_Count
        statistic: Sum
        dimensions: {LoadBalancer: app/shop-prod/0123456789abcdef, TargetGroup: targetgroup/shop-prod-web/fedcba9876543210}
        threshold: 10
        comparison: GreaterThanThreshold
        treat_missing_data: notBreaching
"""

RETURN = r"""
alarm_names:
  description: Names of the alarms the stack has after the run.
  returned: always
  type: list
  elements: str
alarms_in_alarm:
  description: Names of the stack's alarms in the ALARM state when the run read them.
  returned: always
  type: list
  elements: str
changes:
  description: What the run changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: ["create alarm shop-prod-alarm-db-cpu", "update alarm shop-prod-alarm-alb-response-time (Threshold)"]
api_calls:
  description: Number of AWS calls the run made.
  returned: always
  type: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.stack_alarms import StackAlarms


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name_prefix=dict(type="str", required=True),
            alarm_actions=dict(type="list", elements="str", default=[]),
            load_balancer_arn=dict(type="str", default=""),
            load_balancer_name=dict(type="str", default=""),
            target_groups=dict(type="list", elements="dict", default=[]),
            cluster_name=dict(type="str", default=""),
            services=dict(type="list", elements="str", default=[]),
            capacity_providers=dict(type="list", elements="str", default=[]),
            db_cluster_identifier=dict(type="str", default=""),
            database_ha=dict(type="bool", default=False),
            nat_gateway_ids=dict(type="list", elements="str", default=[]),
            alarms=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                namespace=dict(type="str", required=True),
                metric_name=dict(type="str", required=True),
                statistic=dict(type="str", default="Average"),
                dimensions=dict(type="dict", default={}),
                period=dict(type="int", default=60),
                evaluation_periods=dict(type="int", default=1),
                threshold=dict(type="float", required=True),
                comparison=dict(type="str", required=True, choices=[
                    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                    "LessThanOrEqualToThreshold"]),
                treat_missing_data=dict(type="str", default="missing",
                                        choices=["breaching", "notBreaching", "ignore", "missing"]),
                alarm_actions=dict(type="list", elements="str", default=[]),
            )),
            thresholds=dict(type="dict", default={}),
            purge=dict(type="bool", default=True),
            tags=dict(type="dict"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    run_service(module, StackAlarms.from_module(module))


if __name__ == "__main__":
    main()
