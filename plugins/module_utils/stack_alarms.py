# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudWatch alarms of one stack: what the load balancer, target groups, services, capacity providers, Aurora
cluster and NAT gateways of the stack should be watched for (pure builders, `desired_alarms`), and StackAlarms, which
reads every alarm under the stack's name prefix in one paginated DescribeAlarms listing and converges them with
PutMetricAlarm only where they differ, DeleteAlarms (100 names a call) for those no longer wanted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

DEFAULT_THRESHOLDS = {
    # percentage of requests answered 5xx (by the targets or the load balancer), per minute
    "alb_5xx_rate_percent": 5.0,
    # 95th percentile of the targets' response time, in seconds
    "target_response_time_seconds": 2.0,
    # unhealthy targets in a target group above this count
    "unhealthy_hosts": 0,
    "service_cpu_percent": 90.0,
    "service_memory_percent": 90.0,
    # CapacityProviderReservation above this (100: more capacity wanted than there is) for capacity_reservation_minutes
    "capacity_reservation_percent": 100.0,
    "capacity_reservation_minutes": 30,
    "database_cpu_percent": 80.0,
    # Aurora FreeableMemory below this, in MiB
    "database_freeable_memory_mib": 256,
    # AuroraReplicaLagMaximum above this, in milliseconds (HA mode only)
    "database_replica_lag_ms": 2000,
    # ErrorPortAllocation above this count per minute (any is a dropped connection)
    "nat_port_allocation_errors": 0,
    # PacketsDropCount above this count per minute
    "nat_packets_dropped": 100,
    # minutes a condition must hold (every minute of them) before the alarm fires
    "evaluation_minutes": 5,
}

# what DescribeAlarms answers and PutMetricAlarm takes, compared to find a difference
COMPARED = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions", "MetricName",
            "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
            "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "Metrics")


def arn_suffix(arn, marker):
    """What CloudWatch names a load balancer or target group by: the ARN after `loadbalancer/` (app/<name>/<id>), or
    from `targetgroup/` (targetgroup/<name>/<id>)."""
    if not arn:
        return ""
    if marker == "loadbalancer/":
        return arn.split(marker, 1)[-1]
    return marker + arn.split(marker, 1)[-1] if marker in arn else arn


def _dimensions(**values):
    return [{"Name": name, "Value": value} for name, value in sorted(values.items())]


def _metric(namespace, name, statistic, dimensions, threshold, operator, description, minutes, treat_missing="notBreaching",
            datapoints=None):
    alarm = {
        "Namespace": namespace, "MetricName": name, "Dimensions": dimensions, "Period": 60,
        "EvaluationPeriods": int(minutes), "DatapointsToAlarm": int(datapoints or minutes),
        "Threshold": float(threshold), "ComparisonOperator": operator, "TreatMissingData": treat_missing,
        "AlarmDescription": description,
    }
    if statistic.startswith("p"):
        alarm["ExtendedStatistic"] = statistic
    else:
        alarm["Statistic"] = statistic
    return alarm


def _stat(metric_id, namespace, name, dimensions):
    return {"Id": metric_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions}, "Period": 60, "Stat": "Sum"}}


def desired_alarms(prefix, stack, thresholds=None):
    """{alarm name: PutMetricAlarm parameters without name and actions} for the stack's resources.

    `stack`: load_balancer_arn, target_groups ([{name, arn}]), cluster_name, services ([names]), capacity_providers
    ([names]), db_cluster_identifier, database_ha, nat_gateway_ids. A target group is {name, arn} (or target_group_arn,
    as the services role publishes them). What is empty gets no alarm, except a load balancer (load_balancer_planned) or
    target group (planned) whose ARN is not known yet (check mode on a new account): planned with an empty value."""
    t = dict(DEFAULT_THRESHOLDS, **dict((k, v) for k, v in (thresholds or {}).items() if v is not None))
    minutes = int(t["evaluation_minutes"])
    alarms = {}
    lb_arn = stack.get("load_balancer_arn")
    load_balancer = arn_suffix(lb_arn, "loadbalancer/")
    if lb_arn is not None and (lb_arn or stack.get("load_balancer_planned")):
        lb = _dimensions(LoadBalancer=load_balancer)
        alarms[prefix + "alb-5xx-rate"] = {
            "AlarmDescription": "More than %s%% of the requests to %s answered 5xx" % (t["alb_5xx_rate_percent"], load_balancer),
            "Metrics": [
                {"Id": "rate", "Label": "5xx percent", "ReturnData": True,
                 "Expression": "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests"},
                _stat("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb),
                _stat("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb),
                _stat("requests", "AWS/ApplicationELB", "RequestCount", lb),
            ],
            "EvaluationPeriods": minutes, "DatapointsToAlarm": minutes, "Threshold": float(t["alb_5xx_rate_percent"]),
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
        }
        alarms[prefix + "alb-response-time"] = _metric(
            "AWS/ApplicationELB", "TargetResponseTime", "p95", lb, t["target_response_time_seconds"], "GreaterThanThreshold",
            "95th percentile response time of %s above %s s" % (load_balancer, t["target_response_time_seconds"]), minutes)
    for group in stack.get("target_groups") or []:
        group_arn = group.get("arn") or group.get("target_group_arn") or ""
        if not group.get("name") or not (group_arn or group.get("planned")):
            continue
        alarms[prefix + "tg-%s-unhealthy-hosts" % group["name"]] = _metric(
            "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum",
            _dimensions(TargetGroup=arn_suffix(group_arn, "targetgroup/"), LoadBalancer=load_balancer),
            t["unhealthy_hosts"], "GreaterThanThreshold",
            "Unhealthy targets in target group %s" % group["name"], minutes)
    cluster = stack.get("cluster_name") or ""
    for service in stack.get("services") or [] if cluster else []:
        for metric, key, what in (("CPUUtilization", "service_cpu_percent", "CPU"),
                                  ("MemoryUtilization", "service_memory_percent", "memory")):
            alarms[prefix + "service-%s-%s" % (service, what.lower())] = _metric(
                "AWS/ECS", metric, "Average", _dimensions(ClusterName=cluster, ServiceName=service), t[key],
                "GreaterThanThreshold", "Service %s %s utilisation above %s%%" % (service, what, t[key]), minutes)
    for provider in stack.get("capacity_providers") or [] if cluster else []:
        alarms[prefix + "cp-%s-reservation" % provider] = _metric(
            "AWS/ECS/ManagedScaling", "CapacityProviderReservation", "Minimum",
            _dimensions(CapacityProviderName=provider, ClusterName=cluster), t["capacity_reservation_percent"],
            "GreaterThanThreshold", "Capacity provider %s wanted more instances than it could get for %s minutes" % (
                provider, t["capacity_reservation_minutes"]), t["capacity_reservation_minutes"])
    db = stack.get("db_cluster_identifier") or ""
    if db:
        dims = _dimensions(DBClusterIdentifier=db)
        alarms[prefix + "db-cpu"] = _metric("AWS/RDS", "CPUUtilization", "Average", dims, t["database_cpu_percent"],
                                            "GreaterThanThreshold", "Aurora %s CPU above %s%%" % (db, t["database_cpu_percent"]),
                                            minutes)
        alarms[prefix + "db-freeable-memory"] = _metric(
            "AWS/RDS", "FreeableMemory", "Minimum", dims, int(t["database_freeable_memory_mib"]) * 1024 * 1024,
            "LessThanThreshold", "Aurora %s freeable memory below %s MiB" % (db, t["database_freeable_memory_mib"]), minutes)
        if stack.get("database_ha"):
            alarms[prefix + "db-replica-lag"] = _metric(
                "AWS/RDS", "AuroraReplicaLagMaximum", "Maximum", dims, t["database_replica_lag_ms"], "GreaterThanThreshold",
                "Aurora %s replica lag above %s ms" % (db, t["database_replica_lag_ms"]), minutes)
    for nat in stack.get("nat_gateway_ids") or []:
        dims = _dimensions(NatGatewayId=nat)
        alarms[prefix + "nat-%s-port-allocation" % nat] = _metric(
            "AWS/NATGateway", "ErrorPortAllocation", "Sum", dims, t["nat_port_allocation_errors"], "GreaterThanThreshold",
            "NAT gateway %s could not allocate source ports" % nat, 1)
        alarms[prefix + "nat-%s-packets-dropped" % nat] = _metric(
            "AWS/NATGateway", "PacketsDropCount", "Sum", dims, t["nat_packets_dropped"], "GreaterThanThreshold",
            "NAT gateway %s dropped more than %s packets a minute" % (nat, t["nat_packets_dropped"]), minutes)
    return alarms


def explicit_alarm(item):
    """PutMetricAlarm parameters (without the name) of an item of the alarms option: a metric alarm whose actions are
    its alarm_actions only (such as a scaling policy; an alarm a deployment watches has none)."""
    alarm = {
        "Namespace": item["namespace"], "MetricName": item["metric_name"],
        "Dimensions": _dimensions(**dict((k, str(v)) for k, v in (item.get("dimensions") or {}).items())),
        "Period": int(item["period"]), "EvaluationPeriods": int(item["evaluation_periods"]),
        "Threshold": float(item["threshold"]), "ComparisonOperator": item["comparison"],
        "TreatMissingData": item["treat_missing_data"], "ActionsEnabled": True,
        "AlarmActions": list(item.get("alarm_actions") or []), "OKActions": [], "InsufficientDataActions": [],
    }
    if item.get("description"):
        alarm["AlarmDescription"] = item["description"]
    if item["statistic"].startswith("p"):
        alarm["ExtendedStatistic"] = item["statistic"]
    else:
        alarm["Statistic"] = item["statistic"]
    return alarm


def with_actions(alarm, actions):
    return dict(alarm, ActionsEnabled=True, AlarmActions=list(actions), OKActions=list(actions),
                InsufficientDataActions=[])


def _normal(key, value):
    if key == "Threshold" and value is not None:
        return float(value)
    if key == "Dimensions":
        return sorted(((d.get("Name"), d.get("Value")) for d in value or []))
    if key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        return sorted(value or [])
    if key == "Metrics":
        return [_normal_metric(m) for m in value or []]
    return value


def _normal_metric(metric):
    """A metric of a metric math alarm as compared: ReturnData defaults to true, dimensions in any order."""
    normal = dict(metric, ReturnData=metric.get("ReturnData", True))
    if "MetricStat" in metric:
        stat = metric["MetricStat"]
        normal["MetricStat"] = dict(stat, Metric=dict(stat["Metric"], Dimensions=_normal(
            "Dimensions", stat["Metric"].get("Dimensions"))))
    return normal


def differences(current, desired):
    """The fields in which a described alarm differs from the desired PutMetricAlarm parameters."""
    return [key for key in COMPARED
            if _normal(key, current.get(key) if key not in ("Metrics", "Dimensions") else current.get(key) or [])
            != _normal(key, desired.get(key) if key not in ("Metrics", "Dimensions") else desired.get(key) or [])]


class StackAlarms(Service):
    SERVICES = ("cloudwatch",)

    def __init__(self, *args, **kwargs):
        super(StackAlarms, self).__init__(*args, **kwargs)
        self.changes = []

    @property
    def prefix(self):
        return self.params["name_prefix"]

    def current(self):
        alarms = self.paginate("cloudwatch", "describe_alarms", "MetricAlarms", "read the alarms %s*" % self.prefix,
                               AlarmNamePrefix=self.prefix, AlarmTypes=["MetricAlarm"])
        return dict((a["AlarmName"], a) for a in alarms)

    def desired(self):
        params = self.params
        stack = dict(
            load_balancer_arn=params["load_balancer_arn"], load_balancer_planned=bool(params["load_balancer_name"]),
            target_groups=params["target_groups"], cluster_name=params["cluster_name"], services=params["services"],
            capacity_providers=params["capacity_providers"], db_cluster_identifier=params["db_cluster_identifier"],
            database_ha=params["database_ha"], nat_gateway_ids=params["nat_gateway_ids"])
        actions = [a for a in params["alarm_actions"] or [] if a]
        desired = dict((name, with_actions(alarm, actions))
                       for name, alarm in desired_alarms(self.prefix, stack, params["thresholds"]).items())
        for item in params.get("alarms") or []:
            if not item["name"].startswith(self.prefix):
                raise CloudopsError(message="alarms: %s does not start with name_prefix %s (the alarms under it are the "
                                    "ones read and compared): rename it or change name_prefix" % (item["name"], self.prefix))
            desired[item["name"]] = explicit_alarm(item)
        return desired

    def put(self, name, alarm, created):
        request = dict(alarm, AlarmName=name)
        if created and self.params["tags"]:
            request["Tags"] = tagging.to_list(dict((k, str(v)) for k, v in self.params["tags"].items()))
        if not self.check_mode:
            self.call("cloudwatch", "put_metric_alarm", "put the alarm %s" % name, **request)

    def present(self):
        current, desired = self.current(), self.desired()
        before, after = {}, {}
        for name in sorted(desired):
            if name not in current:
                self.changes.append("create alarm %s" % name)
                after[name] = desired[name]
                self.put(name, desired[name], created=True)
                continue
            changed = differences(current[name], desired[name])
            if changed:
                self.changes.append("update alarm %s (%s)" % (name, ", ".join(changed)))
                before[name] = dict((k, current[name].get(k)) for k in changed)
                after[name] = dict((k, desired[name].get(k)) for k in changed)
                self.put(name, desired[name], created=False)
        stale = sorted(set(current) - set(desired)) if self.params["purge"] else []
        self.delete(stale, current, before)
        result = dict(changed=bool(self.changes), changes=self.changes, alarm_names=sorted(desired),
                      alarms_in_alarm=sorted(n for n, a in current.items() if n in desired and a.get("StateValue") == "ALARM"))
        result["diff"] = dict(before=before, after=after)
        return result

    def delete(self, names, current, before):
        for name in names:
            self.changes.append("delete alarm %s" % name)
            before[name] = dict((k, current[name].get(k)) for k in ("MetricName", "Namespace", "Dimensions"))
        if not self.check_mode:
            for batch in chunks(names, 100):
                self.call("cloudwatch", "delete_alarms", "delete the alarms %s" % ", ".join(batch[:3]), AlarmNames=batch)

    def absent(self):
        current = self.current()
        before = {}
        self.delete(sorted(current), current, before)
        return dict(changed=bool(self.changes), changes=self.changes, alarm_names=[], alarms_in_alarm=[],
                    diff=dict(before=before, after={}))

    def run(self):
        return self.run_by_state("stack alarms %s" % self.prefix)
