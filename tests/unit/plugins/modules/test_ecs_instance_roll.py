"""main() of ecs_instance_roll_info (the plan) and ecs_instance_roll (one batch) on stubbed clients: check mode
reads and reports, a plan of an outdated group, a successful replacement of one instance (capacity raised, the
replacement ACTIVE, the old instance drained and terminated, the roll state recorded), and the AWS error paths."""
import datetime

from ansible_collections.cloudops.ecs.plugins.modules import ecs_instance_roll, ecs_instance_roll_info

CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/shop"
SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/shop/web"
GROUP = "shop-ondemand"
TEMPLATE = "lt-0aaaaaaaaaaaaaaa1"
NOW = datetime.datetime.now(datetime.timezone.utc)
STATUSES = ("ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING")


def instance(instance_id, version, az="us-east-1a", state="InService"):
    return {"InstanceId": instance_id, "AvailabilityZone": az, "LifecycleState": state, "HealthStatus": "Healthy",
            "LaunchTemplate": {"LaunchTemplateId": TEMPLATE, "LaunchTemplateName": "shop", "Version": version},
            "ProtectedFromScaleIn": False}


def group(instances, desired=None, maximum=None, tags=()):
    count = len(instances) if desired is None else desired
    return {"AutoScalingGroupName": GROUP, "MinSize": 0, "MaxSize": count if maximum is None else maximum,
            "DesiredCapacity": count, "DefaultCooldown": 300, "AvailabilityZones": ["us-east-1a"],
            "HealthCheckType": "EC2", "CreatedTime": NOW, "Instances": instances, "Tags": list(tags),
            "LaunchTemplate": {"LaunchTemplateId": TEMPLATE, "Version": "$Latest"}}


def describe_group(stubs, *args, **kwargs):
    stubs["autoscaling"].add_response("describe_auto_scaling_groups", {"AutoScalingGroups": [group(*args, **kwargs)]},
                                      {"AutoScalingGroupNames": [GROUP]})


def template(stubs):
    stubs["ec2"].add_response("describe_launch_templates", {"LaunchTemplates": [{
        "LaunchTemplateId": TEMPLATE, "LaunchTemplateName": "shop", "DefaultVersionNumber": 1,
        "LatestVersionNumber": 2}]}, {"LaunchTemplateIds": [TEMPLATE]})


def ci_arn(instance_id):
    return "arn:aws:ecs:us-east-1:123456789012:container-instance/shop/" + instance_id[2:]


def ci(instance_id, status="ACTIVE", tasks=0):
    return {"containerInstanceArn": ci_arn(instance_id), "ec2InstanceId": instance_id, "status": status,
            "agentConnected": True, "runningTasksCount": tasks, "pendingTasksCount": 0}


def container_instances(stubs, cluster, items):
    """ci_utils.container_instances: one list per status, then one describe."""
    for status in STATUSES:
        stubs["ecs"].add_response("list_container_instances", {"containerInstanceArns": [
            i["containerInstanceArn"] for i in items if i["status"] == status]},
            {"cluster": cluster, "status": status, "maxResults": 100})
    if items:
        stubs["ecs"].add_response("describe_container_instances", {"containerInstances": items, "failures": []}, {
            "cluster": cluster, "containerInstances": sorted(i["containerInstanceArn"] for i in items)})


def steady_services(stubs):
    stubs["ecs"].add_response("list_services", {"serviceArns": [SERVICE_ARN]}, {"cluster": "shop", "maxResults": 100})
    stubs["ecs"].add_response("describe_services", {"services": [{
        "serviceName": "web", "serviceArn": SERVICE_ARN, "status": "ACTIVE", "desiredCount": 2, "runningCount": 2,
        "pendingCount": 0, "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "rolloutState": "COMPLETED",
                                            "desiredCount": 2, "runningCount": 2}],
        "events": []}]}, {"cluster": "shop", "services": [SERVICE_ARN]})


# -- ecs_instance_roll_info ------------------------------------------------------------------------------------

def plan_reads(stubs):
    stubs["ecs"].add_response("describe_clusters", {"clusters": [{"clusterArn": CLUSTER_ARN, "clusterName": "shop",
                                                                 "status": "ACTIVE"}]},
                              {"clusters": ["shop"], "include": ["TAGS"]})
    describe_group(stubs, [instance("i-0aaaaaaaaaaaaaaa1", "1"), instance("i-0aaaaaaaaaaaaaaa2", "1", "us-east-1b"),
                           instance("i-0aaaaaaaaaaaaaaa3", "2", "us-east-1c")])
    template(stubs)
    container_instances(stubs, CLUSTER_ARN, [ci("i-0aaaaaaaaaaaaaaa1"), ci("i-0aaaaaaaaaaaaaaa2", "DRAINING"),
                                             ci("i-0aaaaaaaaaaaaaaa3")])
    stubs["autoscaling"].add_response("describe_policies", {"ScalingPolicies": [
        {"AutoScalingGroupName": GROUP, "PolicyName": "ECSManagedAutoScalingPolicy-1"}]}, {})


PLAN_ARGS = {"stack_name": "shop", "cluster": "shop", "auto_scaling_group_names": [GROUP], "batch_size": 1}


def test_plan_lists_the_outdated_instances_draining_first_in_batches(stubs, run_module):
    plan_reads(stubs)
    result, failed = run_module(ecs_instance_roll_info, PLAN_ARGS)
    assert not failed, result.get("msg")
    assert result["cluster"] == "shop" and result["changed"] is False
    assert result["instance_ids"] == ["i-0aaaaaaaaaaaaaaa2", "i-0aaaaaaaaaaaaaaa1"]  # an interrupted drain first
    assert result["batches"] == [
        {"auto_scaling_group_name": GROUP, "instance_ids": ["i-0aaaaaaaaaaaaaaa2"], "label": "1/2"},
        {"auto_scaling_group_name": GROUP, "instance_ids": ["i-0aaaaaaaaaaaaaaa1"], "label": "2/2"}]
    (planned,) = result["groups"]
    assert planned["launch_template_version"] == "2" and planned["resuming"] is False
    assert planned["draining_instance_ids"] == ["i-0aaaaaaaaaaaaaaa2"]
    assert planned["scaling_policies"] == ["ECSManagedAutoScalingPolicy-1"]


def test_plan_in_check_mode_makes_the_same_reads_and_the_same_plan(stubs, run_module):
    plan_reads(stubs)
    result, failed = run_module(ecs_instance_roll_info, dict(PLAN_ARGS, batch_size=2), check_mode=True)
    assert not failed, result.get("msg")
    assert result["batches"] == [{"auto_scaling_group_name": GROUP, "label": "1/1",
                                  "instance_ids": ["i-0aaaaaaaaaaaaaaa2", "i-0aaaaaaaaaaaaaaa1"]}]


def test_plan_aws_error_names_the_stack(stubs, run_module):
    stubs["ecs"].add_client_error("describe_clusters", "AccessDeniedException", "denied")
    result, failed = run_module(ecs_instance_roll_info, PLAN_ARGS)
    assert failed and result["msg"].startswith("Could not plan the roll of stack shop")


# -- ecs_instance_roll --------------------------------------------------------------------------------------------

OLD, NEW = "i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2"
ROLL_ARGS = {"cluster": "shop", "auto_scaling_group_name": GROUP, "instance_ids": [OLD]}


def candidates(stubs, items):
    template(stubs)
    container_instances(stubs, "shop", items)


def test_roll_check_mode_reports_the_batch_and_changes_nothing(stubs, run_module):
    describe_group(stubs, [instance(OLD, "1")])
    candidates(stubs, [ci(OLD, tasks=2)])
    result, failed = run_module(ecs_instance_roll, ROLL_ARGS, check_mode=True)
    assert not failed, result.get("msg")
    assert result == {"changed": True, "steps": [], "instance_ids": [OLD], "elapsed": 0.0}


def test_roll_of_a_rolled_group_is_no_change(stubs, run_module):
    describe_group(stubs, [instance(NEW, "2")])
    candidates(stubs, [ci(NEW, tasks=2)])
    result, failed = run_module(ecs_instance_roll, dict(ROLL_ARGS, instance_ids=[NEW]))
    assert not failed and result == {"changed": False, "steps": [], "instance_ids": [], "elapsed": 0.0}


def test_roll_replaces_one_instance_replacement_first_then_drain_then_terminate(stubs, run_module):
    autoscaling, ecs = stubs["autoscaling"], stubs["ecs"]
    old, new = instance(OLD, "1"), instance(NEW, "2")
    describe_group(stubs, [old])                       # what is left to do
    candidates(stubs, [ci(OLD, tasks=2)])
    describe_group(stubs, [old])                       # replace(): the group now
    candidates(stubs, [ci(OLD, tasks=2)])
    steady_services(stubs)                             # health gate
    autoscaling.add_response("describe_policies", {"ScalingPolicies": []}, {"AutoScalingGroupName": GROUP})
    autoscaling.add_response("create_or_update_tags", {}, None)  # the roll state, before any change
    autoscaling.add_response("update_auto_scaling_group", {}, {
        "AutoScalingGroupName": GROUP, "DesiredCapacity": 2, "MaxSize": 2})
    describe_group(stubs, [old, new], desired=2, maximum=2)  # the replacement is up ...
    container_instances(stubs, "shop", [ci(OLD, tasks=2), ci(NEW)])  # ... and ACTIVE
    container_instances(stubs, "shop", [ci(OLD, tasks=2), ci(NEW)])  # drain the old one
    ecs.add_response("update_container_instances_state", {"containerInstances": [ci(OLD, "DRAINING", 2)],
                                                          "failures": []},
                     {"cluster": "shop", "containerInstances": [ci_arn(OLD)], "status": "DRAINING"})
    ecs.add_response("describe_container_instances", {"containerInstances": [ci(OLD, "DRAINING")], "failures": []},
                     {"cluster": "shop", "containerInstances": [ci_arn(OLD)]})
    steady_services(stubs)                             # drained; services steady
    describe_group(stubs, [old, new], desired=2, maximum=2)
    autoscaling.add_response("terminate_instance_in_auto_scaling_group", {"Activity": {
        "ActivityId": "a-1", "AutoScalingGroupName": GROUP, "Cause": "terminated", "StartTime": NOW,
        "StatusCode": "InProgress"}}, {"InstanceId": OLD, "ShouldDecrementDesiredCapacity": True})
    describe_group(stubs, [new], desired=1, maximum=2)  # gone

    result, failed = run_module(ecs_instance_roll, ROLL_ARGS)
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["instance_ids"] == [OLD]
    steps = [s["step"] for s in result["steps"]]
    assert steps == [f"{OLD}: health gate", "desired 1 -> 2, max 1 -> 2", f"batch {OLD}: replacement ACTIVE",
                     f"{OLD}: drained, services steady, targets healthy", f"{OLD}: terminated"], steps


def test_roll_aws_error_stops_with_what_was_done(stubs, run_module):
    describe_group(stubs, [instance(OLD, "1")])
    candidates(stubs, [ci(OLD, tasks=2)])
    describe_group(stubs, [instance(OLD, "1")])
    candidates(stubs, [ci(OLD, tasks=2)])
    steady_services(stubs)
    stubs["autoscaling"].add_client_error("describe_policies", "AccessDenied", "not allowed", 403)
    result, failed = run_module(ecs_instance_roll, ROLL_ARGS)
    assert failed and result["msg"].startswith(f"Roll of {GROUP} stopped")
    assert result["changed"] is False
