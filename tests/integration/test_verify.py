"""Health verification on the local AWS: a healthy stack passes every check (in check mode, read-only);
an unhealthy target makes verify fail naming the check."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import day2_stack as d  # noqa: E402

from local_aws.polling import wait_for  # noqa: E402

PLAYBOOK = "playbooks/verify.yml"
CHECKS = ["services", "targets", "container_instances", "az_coverage", "spare_capacity", "ami", "database",
          "network", "stopped_tasks", "alarms"]


@pytest.fixture(scope="module")
def stack(aws, local_aws):
    built = d.build(aws)
    d.start_service(aws, built)
    return built


def test_verify_passes_then_names_the_failing_check(playbook, aws, stack, endpoint):
    healthy = playbook(PLAYBOOK, check=True)
    assert healthy.rc == 0, healthy.output
    assert healthy.writes == [], healthy.writes  # read-only
    for name in CHECKS:
        assert f"OK   {name}:" in healthy.output, name
    assert "6 healthy targets in 1 target groups" in healthy.output
    assert "3 container instances ACTIVE, agent connected" in healthy.output
    assert "instances in us-east-1a, us-east-1b, us-east-1c" in healthy.output
    assert "is healthy" in healthy.output

    target = aws("elbv2").describe_target_health(TargetGroupArn=stack["target_group_arn"])["TargetHealthDescriptions"][0]
    bad = target["Target"]["Id"]
    d.control(endpoint, "elbv2/set-target-health", {"target_group_arn": stack["target_group_arn"], "target_id": bad,
                                                     "state": "unhealthy"})
    try:
        wait_for(lambda: d.healthy_targets(aws, stack) < stack["tasks"], timeout=60, step=0.2, what="an unhealthy target")
        failed = playbook(PLAYBOOK)
        assert failed.rc != 0
        assert "FAIL targets:" in failed.output, failed.output
        failing = failed.output.split("failing checks:", 1)[1].split(".", 1)[0]
        assert "targets" in failing
        assert "OK   ami:" in failed.output and "OK   database:" in failed.output  # the rest is still reported
    finally:
        d.control(endpoint, "elbv2/set-target-health", {"target_group_arn": stack["target_group_arn"],
                                                         "target_id": bad, "state": "healthy"})


def test_an_alarm_of_the_stack_in_alarm_warns_and_fails_only_when_asked(playbook, aws, stack):
    cloudwatch = aws("cloudwatch")
    name = "demo-alarm-service-web-cpu"
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/ECS", MetricName="CPUUtilization", Statistic="Average",
                                Dimensions=[{"Name": "ClusterName", "Value": "demo"}, {"Name": "ServiceName", "Value": "web"}],
                                Period=60, EvaluationPeriods=5, Threshold=90.0, ComparisonOperator="GreaterThanThreshold")
    # another stack's alarm in ALARM is not this stack's business
    cloudwatch.put_metric_alarm(AlarmName="other-alarm-db-cpu", Namespace="AWS/RDS", MetricName="CPUUtilization",
                                Statistic="Average", Period=60, EvaluationPeriods=5, Threshold=80.0,
                                ComparisonOperator="GreaterThanThreshold")
    cloudwatch.set_alarm_state(AlarmName="other-alarm-db-cpu", StateValue="ALARM", StateReason="not ours")
    try:
        assert "OK   alarms: no alarm of the stack in ALARM" in playbook(PLAYBOOK, check=True).output
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: 5 datapoints")
        warned = playbook(PLAYBOOK, check=True)
        assert warned.rc == 0, warned.output
        assert f"WARN alarms: {name}: Threshold Crossed: 5 datapoints" in warned.output
        assert "not ours" not in warned.output
        failed = playbook(PLAYBOOK, extra_vars={"verify_fail_on_warnings": True})
        assert failed.rc != 0
        assert "alarms" in failed.output.split("failing checks:", 1)[1].split(".", 1)[0]
    finally:
        cloudwatch.delete_alarms(AlarmNames=[name, "other-alarm-db-cpu"])
