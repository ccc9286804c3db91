"""ecs_service_scaling on stubbed Application Auto Scaling: a converged target is describes only, check mode
changes nothing, target-tracking and step policies and scheduled actions are put, updated and purged by prefix
(another owner's left alone), a capacity range kept for scheduled actions, absent deregisters, several services
in one process."""
from datetime import datetime, timezone

from ansible_collections.cloudops.ecs.plugins.module_utils import service_scaling
from ansible_collections.cloudops.ecs.plugins.modules import ecs_service_scaling

RID = "service/demo/web"
BASE = {"ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": "ecs:service:DesiredCount"}
TARGET = dict(BASE, MinCapacity=2, MaxCapacity=6, RoleARN="arn:aws:iam::123456789012:role/aas", CreationTime=0)
STEP_ARN = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/ecs/service/demo/web:policyName/x"
STEP = {"name": "demo-web-step-backlog", "cooldown": 120,
        "steps": [{"lower": 0, "upper": 50, "adjustment": 1}, {"lower": 50, "adjustment": 3}]}
STEP_CONFIG = {"AdjustmentType": "ChangeInCapacity", "Cooldown": 120, "MetricAggregationType": "Average",
               "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 50.0,
                                    "ScalingAdjustment": 1},
                                   {"MetricIntervalLowerBound": 50.0, "ScalingAdjustment": 3}]}
ACTION = {"name": "demo-web-schedule-mornings", "schedule": "cron(0 7 ? * MON-FRI *)", "timezone": "Europe/Berlin",
          "min_capacity": 4, "max_capacity": 8, "start_time": "2030-01-01T00:00:00Z"}
CPU = {"name": "demo-web-cpu", "predefined_metric_type": "ECSServiceAverageCPUUtilization", "target_value": 50}
CPU_CONFIG = {"TargetValue": 50.0, "DisableScaleIn": False,
              "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}
ARGS = {"cluster": "demo", "service": "web", "min_capacity": 2, "max_capacity": 6, "purge_prefix": "demo-web-",
        "target_tracking_policies": [CPU], "step_policies": [STEP], "scheduled_actions": [ACTION]}


def policy(name, kind="StepScaling", config=None, arn=STEP_ARN):
    item = dict(BASE, PolicyARN=arn, PolicyName=name, PolicyType=kind, CreationTime=0)
    if kind == "StepScaling":
        item["StepScalingPolicyConfiguration"] = config or STEP_CONFIG
    else:
        item["TargetTrackingScalingPolicyConfiguration"] = config or {
            "TargetValue": 50.0, "ScaleInCooldown": 300, "ScaleOutCooldown": 300,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}
    return item


def action(name, schedule="cron(0 7 ? * MON-FRI *)", bounds=None, start=datetime(2030, 1, 1, tzinfo=timezone.utc)):
    item = dict(BASE, ScheduledActionName=name, ScheduledActionARN="arn:aws:autoscaling:us-east-1:1:sa/" + name,
                Schedule=schedule, Timezone="Europe/Berlin", CreationTime=0,
                ScalableTargetAction=bounds or {"MinCapacity": 4, "MaxCapacity": 8})
    if start:
        item["StartTime"] = start
    return item


DEFAULT = object()  # the module-level TARGET (a mutable default argument would be shared)


def reads(stubs, target=DEFAULT, policies=(), actions=()):
    target = TARGET if target is DEFAULT else target
    aas = stubs["application-autoscaling"]
    aas.add_response("describe_scalable_targets", {"ScalableTargets": [target] if target else []},
                     {"ServiceNamespace": "ecs", "ResourceIds": [RID], "ScalableDimension": BASE["ScalableDimension"]})
    if target:
        aas.add_response("describe_scaling_policies", {"ScalingPolicies": list(policies)}, dict(BASE))
        aas.add_response("describe_scheduled_actions", {"ScheduledActions": list(actions)}, dict(BASE))
    return aas


def test_converged_target_is_only_read(stubs, run_module):
    # The cooldowns AWS chose (not given in the input) are not a difference.
    reads(stubs, policies=[policy("demo-web-step-backlog"), policy("demo-web-cpu", "TargetTrackingScaling")],
          actions=[action("demo-web-schedule-mornings")])
    result, failed = run_module(ecs_service_scaling, ARGS)
    assert not failed, result
    assert result["changed"] is False and result["changes"] == []
    assert result["policies"] == {"demo-web-step-backlog": STEP_ARN}


def test_check_mode_on_a_new_service_reports_and_changes_nothing(stubs, run_module):
    reads(stubs, target=None)
    result, failed = run_module(ecs_service_scaling, ARGS, check_mode=True)
    assert not failed and result["changed"] is True
    assert result["changes"] == ["registered service/demo/web with 2..6 tasks",
                                 "created step policy demo-web-step-backlog",
                                 "created target-tracking policy demo-web-cpu",
                                 "created scheduled action demo-web-schedule-mornings"]
    assert result["policies"] == {"demo-web-step-backlog": ""}
    assert result["diff"]["before"]["target"] is None
    assert result["diff"]["after"]["target"] == {"min_capacity": 2, "max_capacity": 6}
    assert result["diff"]["after"]["target_tracking_policies"]["demo-web-cpu"]["target_value"] == 50.0


def test_changes_put_what_differs_and_purge_only_the_owners_step_policies_and_actions(stubs, run_module):
    other = dict(STEP_CONFIG, Cooldown=300)
    aas = reads(stubs, target=dict(TARGET, MinCapacity=1), policies=[
        policy("demo-web-step-backlog", config=other), policy("demo-web-step-old"),
        policy("demo-web-cpu", "TargetTrackingScaling", config=dict(CPU_CONFIG, TargetValue=70.0)),
        policy("demo-web-memory", "TargetTrackingScaling"),
        policy("someone-elses", arn=STEP_ARN + "2")], actions=[action("demo-web-schedule-nights"), action("manual")])
    aas.add_response("register_scalable_target", {}, dict(BASE, MinCapacity=2, MaxCapacity=6))
    aas.add_response("put_scaling_policy", {"PolicyARN": STEP_ARN}, dict(
        BASE, PolicyName="demo-web-step-backlog", PolicyType="StepScaling", StepScalingPolicyConfiguration=STEP_CONFIG))
    aas.add_response("put_scaling_policy", {"PolicyARN": STEP_ARN + "cpu"}, dict(
        BASE, PolicyName="demo-web-cpu", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=CPU_CONFIG))
    aas.add_response("put_scheduled_action", {}, dict(
        BASE, ScheduledActionName="demo-web-schedule-mornings", Schedule="cron(0 7 ? * MON-FRI *)",
        Timezone="Europe/Berlin", ScalableTargetAction={"MinCapacity": 4, "MaxCapacity": 8},
        StartTime=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    aas.add_response("delete_scheduled_action", {}, dict(BASE, ScheduledActionName="demo-web-schedule-nights"))
    aas.add_response("delete_scaling_policy", {}, dict(BASE, PolicyName="demo-web-memory"))
    aas.add_response("delete_scaling_policy", {}, dict(BASE, PolicyName="demo-web-step-old"))
    result, failed = run_module(ecs_service_scaling, ARGS)
    assert not failed, result
    assert result["changes"] == [
        "capacity of service/demo/web 1..6 -> 2..6", "updated step policy demo-web-step-backlog",
        "updated target-tracking policy demo-web-cpu",
        "created scheduled action demo-web-schedule-mornings", "deleted scheduled action demo-web-schedule-nights",
        "deleted target-tracking policy demo-web-memory", "deleted step policy demo-web-step-old"]
    # Only step policies have alarms of the caller's to remove.
    assert result["removed_policies"] == ["demo-web-step-old"]
    assert result["removed_scheduled_actions"] == ["demo-web-schedule-nights"]
    assert set(result["diff"]["after"]["step_policies"]) == {"demo-web-step-backlog", "someone-elses"}
    assert result["diff"]["before"]["target_tracking_policies"]["demo-web-cpu"]["target_value"] == 70.0
    assert set(result["diff"]["after"]["target_tracking_policies"]) == {"demo-web-cpu"}


def test_keep_capacity_leaves_the_range_a_scheduled_action_set(stubs, run_module):
    reads(stubs, target=dict(TARGET, MinCapacity=4, MaxCapacity=8), policies=[
        policy("demo-web-step-backlog"), policy("demo-web-cpu", "TargetTrackingScaling")],
        actions=[action("demo-web-schedule-mornings")])
    result, failed = run_module(ecs_service_scaling, dict(ARGS, keep_capacity=True))
    assert not failed and result["changed"] is False


def test_a_service_without_autoscaling_and_no_target_is_one_read(stubs, run_module):
    reads(stubs, target=None)
    result, failed = run_module(ecs_service_scaling, {"cluster": "demo", "service": "web", "purge_prefix": "demo-web-"})
    assert not failed and result["changed"] is False and result["policies"] == {}


def test_absent_deletes_the_owners_policies_and_actions_and_deregisters(stubs, run_module):
    aas = reads(stubs, policies=[policy("demo-web-step-backlog"), policy("demo-web-cpu", "TargetTrackingScaling")],
                actions=[action("demo-web-schedule-mornings")])
    aas.add_response("delete_scheduled_action", {}, dict(BASE, ScheduledActionName="demo-web-schedule-mornings"))
    aas.add_response("delete_scaling_policy", {}, dict(BASE, PolicyName="demo-web-cpu"))
    aas.add_response("delete_scaling_policy", {}, dict(BASE, PolicyName="demo-web-step-backlog"))
    aas.add_response("deregister_scalable_target", {}, dict(BASE))
    result, failed = run_module(ecs_service_scaling, {"cluster": "demo", "service": "web", "state": "absent",
                                                      "purge_prefix": "demo-web-", "deregister": True})
    assert not failed, result
    assert result["changes"][-1] == "deregistered service/demo/web" and result["diff"]["after"]["target"] is None


def test_several_services_in_one_process(stubs, run_module):
    api = "service/demo/api"
    aas = stubs["application-autoscaling"]
    # one DescribeScalableTargets for every service, then each registered one's policies and actions
    aas.add_response("describe_scalable_targets", {"ScalableTargets": [TARGET]},
                     {"ServiceNamespace": "ecs", "ResourceIds": [api, RID], "ScalableDimension": BASE["ScalableDimension"]})
    aas.add_response("describe_scaling_policies", {"ScalingPolicies": [
        policy("demo-web-step-backlog"), policy("demo-web-cpu", "TargetTrackingScaling")]}, dict(BASE))
    aas.add_response("describe_scheduled_actions", {"ScheduledActions": [action("demo-web-schedule-mornings")]},
                     dict(BASE))
    stubs["application-autoscaling"].add_response(
        "register_scalable_target", {}, dict(BASE, ResourceId=api, MinCapacity=1, MaxCapacity=3))
    stubs["application-autoscaling"].add_response("put_scaling_policy", {"PolicyARN": STEP_ARN + "api"}, dict(
        BASE, ResourceId=api, PolicyName="demo-api-cpu", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=dict(CPU_CONFIG, ScaleInCooldown=300, ScaleOutCooldown=60)))
    cpu = dict(CPU, name="demo-api-cpu", scale_in_cooldown=300, scale_out_cooldown=60)
    result, failed = run_module(ecs_service_scaling, {"services": [
        ARGS, {"cluster": "demo", "service": "api", "min_capacity": 1, "max_capacity": 3, "purge_prefix": "demo-api-",
               "target_tracking_policies": [cpu]}]})
    assert not failed, result
    web, api_result = result["services"]
    assert result["changed"] is True and web["changed"] is False
    assert api_result["changes"] == ["registered service/demo/api with 1..3 tasks",
                                     "created target-tracking policy demo-api-cpu"]
    assert set(result["diff"]["after"]) == {"web", "api"}


def test_an_item_without_its_cluster_fails_before_any_call(stubs, run_module):
    result, failed = run_module(ecs_service_scaling, {"services": [{"service": "web"}]})
    assert failed and "services[0] (web)" in result["msg"] and "cluster" in result["msg"]
    result, failed = run_module(ecs_service_scaling, {"service": "web"})
    assert failed and result["msg"] == "cluster or services is required"


def test_a_malformed_time_fails_before_any_call(stubs, run_module):
    result, failed = run_module(ecs_service_scaling, dict(ARGS, scheduled_actions=[dict(ACTION, end_time="soon")]))
    assert failed and "demo-web-schedule-mornings: end_time soon is not a UTC time" in result["msg"]


def test_views_compare_what_aws_returns_with_the_inputs():
    assert service_scaling.step_view(STEP_CONFIG) == service_scaling.wanted_step_view(STEP)
    assert service_scaling.tracking_view(CPU_CONFIG) == service_scaling.wanted_tracking_view(CPU)
    assert service_scaling.tracking_configuration(dict(CPU, resource_label="app/x/1/targetgroup/y/2"))[
        "PredefinedMetricSpecification"]["ResourceLabel"] == "app/x/1/targetgroup/y/2"
    assert service_scaling.action_view(action("x")) == service_scaling.wanted_action_view(ACTION)
    assert service_scaling.utc_text("2030-01-01T00:00") == "2030-01-01T00:00:00Z"
    assert service_scaling.utc_text(datetime(2030, 1, 1, 1, tzinfo=timezone.utc)) == "2030-01-01T01:00:00Z"
