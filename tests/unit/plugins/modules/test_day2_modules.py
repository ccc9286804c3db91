"""Main paths of the day-2 modules (verify, roll plan, roll step) on stubbed clients."""
import datetime

from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import ecs_instance_roll, ecs_instance_roll_info, ecs_stack_health_info

CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/shop"
SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/shop/web"
NOW = datetime.datetime.now(datetime.timezone.utc)


def cluster(stubs):
    stubs["ecs"].add_response("describe_clusters", {"clusters": [{"clusterArn": CLUSTER_ARN, "clusterName": "shop",
                                                                 "status": "ACTIVE"}]},
                              {"clusters": ["shop"], "include": ["TAGS"]})


def services(stubs, running):
    stubs["ecs"].add_response("list_services", {"serviceArns": [SERVICE_ARN]}, {"cluster": CLUSTER_ARN, "maxResults": 100})
    stubs["ecs"].add_response("describe_services", {"services": [{
        "serviceName": "web", "serviceArn": SERVICE_ARN, "status": "ACTIVE", "desiredCount": 2, "runningCount": running,
        "pendingCount": 0, "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "rolloutState": "COMPLETED"}],
        "events": [{"id": "e1", "createdAt": NOW, "message": "(service web) has reached a steady state."}]}]})


def test_verify_healthy_stack(stubs, run_module):
    cluster(stubs)
    services(stubs, running=2)
    result, failed = run_module(ecs_stack_health_info, {"stack_name": "shop", "cluster": "shop", "checks": ["services"]})
    assert not failed, result.get("msg")
    # an _info module: that it wrote nothing is the Stubber's to say (any call not queued above fails the test)
    assert result["healthy"] is True and result["cluster"] == "shop" and result["failed_checks"] == []


def test_verify_waits_until_healthy_then_reports(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    cluster(stubs)
    services(stubs, running=1)
    cluster(stubs)
    services(stubs, running=2)
    result, failed = run_module(ecs_stack_health_info, {"stack_name": "shop", "cluster": "shop", "checks": ["services"],
                                                        "wait": True})
    assert not failed, result.get("msg")
    assert result["healthy"] is True and result["elapsed"] == 1.0


def test_verify_unhealthy_fails_naming_the_check(stubs, run_module):
    cluster(stubs)
    services(stubs, running=1)
    result, failed = run_module(ecs_stack_health_info, {"stack_name": "shop", "cluster": "shop", "checks": ["services"]})
    assert failed and result["msg"].startswith("Stack shop is unhealthy: services (")
    assert result["failed_checks"] == ["services"] and result["healthy"] is False


def test_verify_aws_error(stubs, run_module):
    stubs["ecs"].add_client_error("describe_clusters", "AccessDeniedException", "denied")
    result, failed = run_module(ecs_stack_health_info, {"stack_name": "shop", "cluster": "shop"})
    assert failed and result["msg"].startswith("Could not read the health of stack shop")


def test_roll_plan_without_a_cluster_fails_clearly(stubs, run_module):
    stubs["ecs"].add_response("describe_clusters", {"clusters": []})
    result, failed = run_module(ecs_instance_roll_info, {"stack_name": "shop", "cluster": "shop"})
    assert failed and result["msg"] == "No ECS cluster shop"


def test_roll_plan_rejects_a_zero_batch(stubs, run_module):
    result, failed = run_module(ecs_instance_roll_info, {"stack_name": "shop", "batch_size": 0})
    assert failed and result["msg"] == "batch_size must be at least 1, got 0"


def test_roll_finish_with_nothing_to_finish_is_no_change(stubs, run_module):
    stubs["autoscaling"].add_response("describe_auto_scaling_groups", {"AutoScalingGroups": [{
        "AutoScalingGroupName": "shop-ondemand", "MinSize": 0, "MaxSize": 3, "DesiredCapacity": 2, "DefaultCooldown": 300,
        "AvailabilityZones": ["us-east-1a"], "HealthCheckType": "EC2", "CreatedTime": NOW, "Instances": [], "Tags": []}]},
        {"AutoScalingGroupNames": ["shop-ondemand"]})
    result, failed = run_module(ecs_instance_roll, {"cluster": "shop", "auto_scaling_group_name": "shop-ondemand",
                                                    "step": "finish"})
    assert not failed and result == {"changed": False, "steps": [], "instance_ids": [], "elapsed": 0.0}


def test_roll_of_a_missing_group_stops_with_the_reason(stubs, run_module):
    stubs["autoscaling"].add_response("describe_auto_scaling_groups", {"AutoScalingGroups": []})
    result, failed = run_module(ecs_instance_roll, {"cluster": "shop", "auto_scaling_group_name": "shop-x",
                                                    "step": "finish"})
    assert failed and result["msg"] == "Roll of shop-x stopped: no Auto Scaling group shop-x (a re-run continues from here)"


def test_roll_step_needs_a_group_or_batches(stubs, run_module):
    result, failed = run_module(ecs_instance_roll, {"cluster": "shop"})
    assert failed and "one of the following is required: auto_scaling_group_name, batches" in result["msg"]
    result, failed = run_module(ecs_instance_roll, {"cluster": "shop", "auto_scaling_group_name": "shop-a",
                                                    "batches": [{"auto_scaling_group_name": "shop-b"}]})
    assert failed and "mutually exclusive" in result["msg"]
