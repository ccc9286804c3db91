from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.modules import application_load_balancer

PREFIX = "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
LB_ARN = PREFIX + "loadbalancer/app/shop/0123456789abcdef"
LISTENER_ARN = PREFIX + "listener/app/shop/0123456789abcdef/0123456789abcdef"
TG = PREFIX + "targetgroup/web/0123456789abcdef"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
LISTENER = {"Port": 80, "Protocol": "HTTP", "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG}]}
ARGS = {"name": "shop", "subnets": SUBNETS, "listeners": [LISTENER], "tags": {"cloudops:stack": "shop"}}


def lb(state="active"):
    return {"LoadBalancerArn": LB_ARN, "LoadBalancerName": "shop", "Scheme": "internet-facing", "Type": "application",
            "DNSName": "shop-1.us-east-1.elb.amazonaws.com", "State": {"Code": state},
            "AvailabilityZones": [{"SubnetId": s, "ZoneName": "us-east-1a"} for s in SUBNETS], "SecurityGroups": []}


def existing(stubs, tags=None, listeners=None, state="active"):
    elbv2 = stubs["elbv2"]
    elbv2.add_response("describe_load_balancers", {"LoadBalancers": [lb(state)]}, {"Names": ["shop"]})
    elbv2.add_response("describe_listeners", {"Listeners": listeners if listeners is not None else [
        dict(LISTENER, ListenerArn=LISTENER_ARN, LoadBalancerArn=LB_ARN)]}, {"LoadBalancerArn": LB_ARN})
    elbv2.add_response("describe_load_balancer_attributes", {"Attributes": []}, {"LoadBalancerArn": LB_ARN})
    elbv2.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": LB_ARN, "Tags": [
        {"Key": k, "Value": v} for k, v in (tags or {"cloudops:stack": "shop"}).items()]}]}, {"ResourceArns": [LB_ARN]})


def test_no_change(stubs, run_module):
    existing(stubs)
    result, failed = run_module(application_load_balancer, ARGS)
    assert not failed and result["changed"] is False and result["actions"] == []
    assert result["listener_arns"] == {"80": LISTENER_ARN}
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["ready"] is True  # active and unchanged: a later wait call has nothing to wait for


def test_a_load_balancer_still_provisioning_is_not_ready(stubs, run_module):
    existing(stubs, state="provisioning")
    result, failed = run_module(application_load_balancer, ARGS)
    assert not failed and result["changed"] is False and result["ready"] is False


def test_check_mode_on_an_empty_account_shows_what_it_would_create(stubs, run_module):
    stubs["elbv2"].add_client_error("describe_load_balancers", "LoadBalancerNotFound")
    result, failed = run_module(application_load_balancer, ARGS, check_mode=True)
    assert not failed and result["changed"] is True and result["actions"] == ["create load balancer"]
    assert result["exists"] is False and result["diff"]["after"]["subnets"] == SUBNETS


def test_tag_and_listener_changes(stubs, run_module):
    existing(stubs, tags={"cloudops:stack": "shop", "old": "x"}, listeners=[])
    elbv2 = stubs["elbv2"]
    elbv2.add_response("remove_tags", {}, {"ResourceArns": [LB_ARN], "TagKeys": ["old"]})
    elbv2.add_response("create_listener", {"Listeners": [{"ListenerArn": LISTENER_ARN}]},
                       dict(LISTENER, LoadBalancerArn=LB_ARN))
    result, failed = run_module(application_load_balancer, ARGS)
    assert not failed and result["actions"] == ["update tags", "create listener HTTP/80"]
    assert result["diff"]["after"]["tags"] == {"cloudops:stack": "shop"}
    assert result["listener_arns"] == {"80": LISTENER_ARN}
    assert result["ready"] is False


def test_create_and_wait_until_active(stubs, run_module, monkeypatch):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    elbv2 = stubs["elbv2"]
    elbv2.add_client_error("describe_load_balancers", "LoadBalancerNotFound")
    elbv2.add_response("create_load_balancer", {"LoadBalancers": [lb("provisioning")]}, {
        "Name": "shop", "Subnets": SUBNETS, "Scheme": "internet-facing", "Type": "application", "IpAddressType": "ipv4",
        "Tags": [{"Key": "cloudops:stack", "Value": "shop"}]})
    elbv2.add_response("create_listener", {"Listeners": [{"ListenerArn": LISTENER_ARN}]}, None)
    elbv2.add_response("describe_load_balancers", {"LoadBalancers": [lb("provisioning")]})
    elbv2.add_response("describe_load_balancers", {"LoadBalancers": [lb("active")]})
    elbv2.add_response("describe_load_balancers", {"LoadBalancers": [lb("active")]})
    elbv2.add_response("describe_load_balancer_attributes", {"Attributes": []})
    result, failed = run_module(application_load_balancer, dict(ARGS, wait=True))
    assert not failed and result["state"] == "active"
    assert clock.slept == [1.0]


def test_deletion_protection_refuses_to_delete(stubs, run_module):
    stubs["elbv2"].add_response("describe_load_balancers", {"LoadBalancers": [lb()]})
    stubs["elbv2"].add_response("describe_load_balancer_attributes", {"Attributes": [
        {"Key": "deletion_protection.enabled", "Value": "true"}]})
    result, failed = run_module(application_load_balancer, {"name": "shop", "state": "absent"})
    assert failed and "has deletion protection on; refusing to delete it" in result["msg"]


def test_aws_error_fails_with_its_message(stubs, run_module):
    stubs["elbv2"].add_client_error("describe_load_balancers", "AccessDenied", "denied")
    result, failed = run_module(application_load_balancer, ARGS)
    assert failed and result["msg"].startswith("Failed to describe load balancer shop")


def test_a_long_wait_says_what_it_waits_for_every_20s_in_the_progress_file(stubs, run_module, monkeypatch, tmp_path):
    clock = waiter.ManualClock()
    monkeypatch.setattr(waiter, "Clock", lambda: clock)
    elbv2 = stubs["elbv2"]
    elbv2.add_client_error("describe_load_balancers", "LoadBalancerNotFound")
    elbv2.add_response("create_load_balancer", {"LoadBalancers": [lb("provisioning")]}, None)
    elbv2.add_response("create_listener", {"Listeners": [{"ListenerArn": LISTENER_ARN}]}, None)
    for _poll in range(10):  # at 0, 1, 2.25, 3.81, 5.77, 8.21, 11.26, 15.07, 19.84 and 20 s
        elbv2.add_response("describe_load_balancers", {"LoadBalancers": [lb("provisioning")]})
    elbv2.add_response("describe_load_balancers", {"LoadBalancers": [lb("active")]})
    elbv2.add_response("describe_load_balancers", {"LoadBalancers": [lb("active")]})
    elbv2.add_response("describe_load_balancer_attributes", {"Attributes": []})
    path = tmp_path / "progress.log"
    result, failed = run_module(application_load_balancer, dict(ARGS, wait=True, progress_file=str(path)))
    assert not failed and result["state"] == "active"
    assert path.read_text().splitlines() == ["waiting for load balancer shop to be active: 20s of 600s; state provisioning"]
