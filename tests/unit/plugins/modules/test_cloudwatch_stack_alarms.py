import pytest
from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.module_utils.stack_alarms import desired_alarms, differences, with_actions
from ansible_collections.cloudops.ecs.plugins.modules import cloudwatch_stack_alarms

TOPIC = "arn:aws:sns:us-east-1:123456789012:shop-stopped-tasks"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/0123456789abcdef"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/fedcba9876543210"
PREFIX = "shop-alarm-"
ARGS = {"name_prefix": PREFIX, "alarm_actions": [TOPIC], "load_balancer_arn": LB,
        "target_groups": [{"name": "web", "arn": TG}], "cluster_name": "shop", "services": ["web"],
        "capacity_providers": ["shop-ondemand"], "db_cluster_identifier": "shop", "database_ha": True,
        "nat_gateway_ids": ["nat-1"], "tags": {"cloudops:stack": "shop"}}
STACK = {"load_balancer_arn": LB, "target_groups": [{"name": "web", "arn": TG}], "cluster_name": "shop",
         "services": ["web"], "capacity_providers": ["shop-ondemand"], "db_cluster_identifier": "shop",
         "database_ha": True, "nat_gateway_ids": ["nat-1"]}


def described(alarms):
    """What DescribeAlarms answers for alarms put with these parameters (moto and AWS add state fields)."""
    out = []
    for name, alarm in alarms.items():
        item = dict(alarm, AlarmName=name, StateValue="OK", Dimensions=list(reversed(alarm.get("Dimensions") or [])))
        out.append(item)
    return {"MetricAlarms": out}


def all_desired(**thresholds):
    return dict((n, with_actions(a, [TOPIC])) for n, a in desired_alarms(PREFIX, STACK, thresholds).items())


def test_every_resource_gets_its_alarms():
    names = sorted(desired_alarms(PREFIX, STACK))
    assert names == sorted(PREFIX + n for n in [
        "alb-5xx-rate", "alb-response-time", "tg-web-unhealthy-hosts", "service-web-cpu", "service-web-memory",
        "cp-shop-ondemand-reservation", "db-cpu", "db-freeable-memory", "db-replica-lag",
        "nat-nat-1-port-allocation", "nat-nat-1-packets-dropped"])
    alarms = desired_alarms(PREFIX, STACK)
    assert alarms[PREFIX + "tg-web-unhealthy-hosts"]["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": "app/shop/0123456789abcdef"},
        {"Name": "TargetGroup", "Value": "targetgroup/shop-web/fedcba9876543210"}]
    reservation = alarms[PREFIX + "cp-shop-ondemand-reservation"]
    assert reservation["Namespace"] == "AWS/ECS/ManagedScaling" and reservation["EvaluationPeriods"] == 30
    assert reservation["Threshold"] == 100.0 and reservation["ComparisonOperator"] == "GreaterThanThreshold"
    memory = alarms[PREFIX + "db-freeable-memory"]
    assert memory["Threshold"] == 256 * 1024 * 1024 and memory["ComparisonOperator"] == "LessThanThreshold"
    assert alarms[PREFIX + "alb-response-time"]["ExtendedStatistic"] == "p95"


def test_replica_lag_only_in_ha_and_thresholds_are_inputs():
    thresholds = {"service_cpu_percent": 70, "evaluation_minutes": 3, "database_cpu_percent": None}
    alarms = desired_alarms(PREFIX, dict(STACK, database_ha=False), thresholds)
    assert PREFIX + "db-replica-lag" not in alarms
    cpu = alarms[PREFIX + "service-web-cpu"]
    assert cpu["Threshold"] == 70.0 and cpu["EvaluationPeriods"] == cpu["DatapointsToAlarm"] == 3
    assert alarms[PREFIX + "db-cpu"]["Threshold"] == 80.0


def test_a_described_alarm_equal_but_for_order_and_types_does_not_differ():
    desired = all_desired()
    current = described(desired)["MetricAlarms"]
    for alarm in current:
        alarm["Threshold"] = int(alarm["Threshold"]) if alarm["Threshold"] == int(alarm["Threshold"]) else alarm["Threshold"]
        for metric in alarm.get("Metrics") or []:
            metric.pop("ReturnData", None) if metric.get("ReturnData") else None
    assert all(differences(a, desired[a["AlarmName"]]) == [] for a in current)
    changed = dict(current[0], Threshold=12345.0, OKActions=[])
    assert differences(changed, desired[changed["AlarmName"]]) == ["OKActions", "Threshold"]


def test_converged_alarms_change_nothing(stubs, run_module):
    stubs["cloudwatch"].add_response("describe_alarms", described(all_desired()),
                                     {"AlarmNamePrefix": PREFIX, "AlarmTypes": ["MetricAlarm"]})
    result, failed = run_module(cloudwatch_stack_alarms, ARGS)
    assert not failed and result["changed"] is False and result["changes"] == []
    assert result["api_calls"] == 1


def test_creates_missing_updates_different_and_deletes_stale(stubs, run_module):
    desired = all_desired()
    current = dict((n, a) for n, a in desired.items() if n != PREFIX + "db-cpu")
    current[PREFIX + "service-web-cpu"] = dict(current[PREFIX + "service-web-cpu"], Threshold=50.0)
    current[PREFIX + "service-old-cpu"] = dict(desired[PREFIX + "service-web-cpu"])
    stubs["cloudwatch"].add_response("describe_alarms", described(current))
    stubs["cloudwatch"].add_response("put_metric_alarm", {}, dict(desired[PREFIX + "db-cpu"], AlarmName=PREFIX + "db-cpu",
                                                                  Tags=[{"Key": "cloudops:stack", "Value": "shop"}]))
    stubs["cloudwatch"].add_response("put_metric_alarm", {}, dict(desired[PREFIX + "service-web-cpu"],
                                                                  AlarmName=PREFIX + "service-web-cpu"))
    stubs["cloudwatch"].add_response("delete_alarms", {}, {"AlarmNames": [PREFIX + "service-old-cpu"]})
    result, failed = run_module(cloudwatch_stack_alarms, ARGS)
    assert not failed, result
    assert result["changes"] == ["create alarm shop-alarm-db-cpu", "update alarm shop-alarm-service-web-cpu (Threshold)",
                                 "delete alarm shop-alarm-service-old-cpu"]
    assert result["diff"]["before"][PREFIX + "service-web-cpu"] == {"Threshold": 50.0}


def test_check_mode_reads_only(stubs, run_module):
    stubs["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": []})
    result, failed = run_module(cloudwatch_stack_alarms, ARGS, check_mode=True)
    assert not failed and len(result["changes"]) == 11 and result["api_calls"] == 1


def test_check_mode_on_a_new_account_plans_the_load_balancer_alarms_by_name(stubs, run_module):
    stubs["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": []})
    args = dict(ARGS, load_balancer_arn="", load_balancer_name="shop", target_groups=[{"name": "web", "arn": "", "planned": True}])
    result, failed = run_module(cloudwatch_stack_alarms, args, check_mode=True)
    assert not failed and "create alarm shop-alarm-alb-5xx-rate" in result["changes"]
    assert "create alarm shop-alarm-tg-web-unhealthy-hosts" in result["changes"]


def test_absent_deletes_everything_under_the_prefix_in_batches_of_100(stubs, run_module):
    names = ["%s%03d" % (PREFIX, i) for i in range(150)]
    stubs["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": [{"AlarmName": n} for n in names]})
    stubs["cloudwatch"].add_response("delete_alarms", {}, {"AlarmNames": names[:100]})
    stubs["cloudwatch"].add_response("delete_alarms", {}, {"AlarmNames": names[100:]})
    result, failed = run_module(cloudwatch_stack_alarms, {"name_prefix": PREFIX, "state": "absent"})
    assert not failed and len(result["changes"]) == 150


@pytest.mark.parametrize("partition", ["aws", "aws-cn"])
def test_dimension_values_do_not_depend_on_the_partition(partition):
    stack = dict(STACK, load_balancer_arn=LB.replace("arn:aws:", "arn:%s:" % partition))
    alarm = desired_alarms(PREFIX, stack)[PREFIX + "alb-response-time"]
    assert alarm["Dimensions"] == [{"Name": "LoadBalancer", "Value": "app/shop/0123456789abcdef"}]
    assert ANY == alarm


DEPLOYMENT_ALARM = {"name": PREFIX + "web-target-5xx", "description": "5XX responses of web", "namespace": "AWS/ApplicationELB",
                    "metric_name": "HTTPCode_Target_5XX_Count", "statistic": "Sum", "threshold": 10,
                    "comparison": "GreaterThanThreshold", "treat_missing_data": "notBreaching",
                    "dimensions": {"LoadBalancer": "app/demo/abc", "TargetGroup": "targetgroup/demo-web/def"}}


def test_alarms_given_one_by_one_are_converged_and_nothing_else_is_purged(stubs, run_module):
    # As amazon.aws.cloudwatch_metric_alarm left it: no OK or insufficient-data actions, thresholds as integers.
    existing = {"AlarmName": DEPLOYMENT_ALARM["name"], "AlarmDescription": "5XX responses of web", "ActionsEnabled": True,
                "AlarmActions": [], "OKActions": [], "InsufficientDataActions": [], "Namespace": "AWS/ApplicationELB",
                "MetricName": "HTTPCode_Target_5XX_Count", "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1,
                "Threshold": 10, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
                "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/demo-web/def"},
                               {"Name": "LoadBalancer", "Value": "app/demo/abc"}]}
    other = dict(existing, AlarmName=PREFIX + "someone-elses")
    cloudwatch = stubs["cloudwatch"]
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": [existing, other]},
                            {"AlarmNamePrefix": PREFIX, "AlarmTypes": ["MetricAlarm"]})
    args = {"name_prefix": PREFIX, "purge": False, "alarms": [DEPLOYMENT_ALARM]}
    result, failed = run_module(cloudwatch_stack_alarms, args)
    assert not failed and result["changed"] is False, result
    step = dict(DEPLOYMENT_ALARM, name=PREFIX + "web-step-backlog", alarm_actions=["arn:policy/backlog"])
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": [existing, other]},
                            {"AlarmNamePrefix": PREFIX, "AlarmTypes": ["MetricAlarm"]})
    cloudwatch.add_response("put_metric_alarm", {}, {
        "AlarmName": PREFIX + "web-step-backlog", "AlarmDescription": "5XX responses of web", "ActionsEnabled": True,
        "AlarmActions": ["arn:policy/backlog"], "OKActions": [], "InsufficientDataActions": [],
        "Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count", "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": 10.0, "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching", "Dimensions": existing["Dimensions"][::-1]})
    result, failed = run_module(cloudwatch_stack_alarms, dict(args, alarms=[DEPLOYMENT_ALARM, step]))
    assert not failed, result
    assert result["changes"] == ["create alarm %sweb-step-backlog" % PREFIX]


def test_an_alarm_outside_the_prefix_fails_before_any_change(stubs, run_module):
    stubs["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": []},
                                     {"AlarmNamePrefix": PREFIX, "AlarmTypes": ["MetricAlarm"]})
    result, failed = run_module(cloudwatch_stack_alarms, {"name_prefix": PREFIX, "alarms": [
        dict(DEPLOYMENT_ALARM, name="web-target-5xx")]})
    assert failed and result["msg"].startswith("alarms: web-target-5xx does not start with name_prefix " + PREFIX)
