"""Blue/green, linear and canary deployments of the services role and deploy.yml on the local control plane, with
the invariants the local AWS records: healthy capacity behind the production listener rule never below the desired
count, the rule's weights passing the strategy's documented steps; a failing lifecycle hook and a deployment alarm
each rolling back with the old revision still serving; a PAUSE hook waiting until deploy.yml continues it. The
alternate target group, the two-group rule (whose weights a re-run leaves to ECS) and the roles ECS assumes are
checked, with check mode naming the strategy and the stages, and teardown removing all of it. A service switched back
to rolling after a deployment moved its traffic to the alternate group keeps serving from that group, in place."""
import re

import pytest

from local_aws.controls import Controls
from local_aws.polling import wait_for

pytestmark = pytest.mark.long
PLAYBOOK = "tests/integration/playbooks/services_role.yml"
DEPLOY = "playbooks/deploy.yml"
CLUSTER = "deploy-test"
STACK = "demo"  # cloudops_stack_name of inventories/local
ACCOUNT = "123456789012"
HOOK = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{STACK}-smoke-test"
IMAGE = "public.ecr.aws/nginx/nginx:1.%d"


def _web(image=IMAGE % 27, **deployment):
    return [dict({"name": "web", "image": image, "memory": 128, "container_port": 80, "desired_count": 2,
                  "listener_rule": {"path": "/*", "priority": 10}, "deployment_strategy": "blue_green",
                  "bake_time": 0, "tmpfs": [{"path": "/var/cache/nginx"}, {"path": "/var/run", "size": 1}]},
                 **deployment)]


@pytest.fixture(scope="module")
def prerequisites(aws):
    """VPC, three subnets, an internal ALB with an HTTP listener, the cluster and three container instances."""
    ec2, elbv2, ecs = aws("ec2"), aws("elbv2"), aws("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone="us-east-1" + az)[
        "Subnet"]["SubnetId"] for i, az in enumerate("abc")]
    sg = ec2.create_security_group(GroupName="deploy-test", Description="deploy test", VpcId=vpc)["GroupId"]
    lb = elbv2.create_load_balancer(Name="deploy-test", Subnets=subnets[:2], SecurityGroups=[sg], Scheme="internal")[
        "LoadBalancers"][0]["LoadBalancerArn"]
    listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])["Listeners"][0]["ListenerArn"]
    ecs.create_cluster(clusterName=CLUSTER)
    aws("logs").create_log_group(logGroupName=f"/{CLUSTER}/ecs-exec")
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    for subnet in subnets:
        ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.medium", SubnetId=subnet,
                          UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    wait_for(lambda: len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) >= 3, timeout=60,
             step=0.2, what="the instances registered as container instances")
    return {
        "services_vpc_id": vpc, "services_subnet_ids": subnets, "services_security_group_ids": [sg],
        "services_listener_arn": listener, "services_cluster_name": CLUSTER, "services_load_balancer_arn": lb,
        "services_wait_interval": 1, "services_wait_timeout": 300, "services_log_retention_days": 14,
        "services_alerts_enabled": False, "services_autoscaling_enabled": False,
        "cloudops_cluster": {"cluster_name": CLUSTER, "exec_log_group_name": f"/{CLUSTER}/ecs-exec"},
    }


def _web_service(aws):
    return aws("ecs").describe_services(cluster=CLUSTER, services=["web"])["services"][0]


def _rule(aws, prerequisites):
    rules = aws("elbv2").describe_rules(ListenerArn=prerequisites["services_listener_arn"])["Rules"]
    [rule] = [r for r in rules if r["Priority"] == "10"]
    return rule


def _weights(rule):
    [action] = [a for a in rule["Actions"] if a["Type"] == "forward"]
    return {g["TargetGroupArn"].split("/")[-2]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]}


def _serving(aws, prerequisites):
    """(target group name serving all production traffic, its healthy target count, the revision the service runs)."""
    weights = _weights(_rule(aws, prerequisites))
    [serving] = [name for name, weight in weights.items() if weight == 100]
    arn = [g["TargetGroupArn"] for g in aws("elbv2").describe_target_groups(Names=[serving])["TargetGroups"]][0]
    health = aws("elbv2").describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    healthy = sum(1 for t in health if t["TargetHealth"]["State"] == "healthy")
    return serving, healthy, _web_service(aws)["taskDefinition"].rsplit(":", 1)[1]


def _flat(output):
    """The output with the callback's line wrapping undone."""
    return " ".join(output.replace("\n    ", " ").split())


def _deploy(playbook, prerequisites, **extra):
    return playbook(DEPLOY, extra_vars=dict({"deploy_service": "web", "deploy_cluster_name": CLUSTER,
                                             "deploy_wait_timeout": 300,
                                             "services_list": _web()}, **extra))


def _invariants(report):
    traffic = report.traffic(CLUSTER, "web")
    assert traffic["below_desired"] == 0 and traffic["min_production_healthy"] >= 2, traffic
    return traffic


def test_blue_green_converges_deploys_with_its_stages_and_never_drops_below_desired(playbook, aws, endpoint,
                                                                                    prerequisites):
    elbv2, iam = aws("elbv2"), aws("iam")
    created = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web()))
    assert created.rc == 0, created.output
    web = _web_service(aws)
    assert web["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    [lb] = web["loadBalancers"]
    groups = {lb["targetGroupArn"].split("/")[-2], lb["advancedConfiguration"]["alternateTargetGroupArn"].split("/")[-2]}
    assert groups == {f"{STACK}-web", f"{STACK}-web-alt"}
    assert lb["advancedConfiguration"]["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/{STACK}-ecs-load-balancers"
    assert lb["advancedConfiguration"]["productionListenerRule"] == _rule(aws, prerequisites)["RuleArn"]
    assert sorted(_weights(_rule(aws, prerequisites)).values()) == [0, 100]
    attached = iam.list_attached_role_policies(RoleName=f"{STACK}-ecs-load-balancers")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [
        "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"]
    trust = iam.get_role(RoleName=f"{STACK}-ecs-load-balancers")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}

    again = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web()))
    assert again.rc == 0 and again.changed == 0, again.changed_tasks

    # Check mode of a new image: the strategy and the stages it would pass, nothing written.
    checked = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 28)), check=True)
    assert checked.rc == 0 and checked.writes == [], checked.writes
    checked_deploy = playbook(DEPLOY, extra_vars={"deploy_service": "web", "deploy_cluster_name": CLUSTER,
                                                  "deploy_image": IMAGE % 28, "services_list": _web()}, check=True)
    assert checked_deploy.rc == 0 and checked_deploy.writes == [], checked_deploy.output
    assert "web: deploy, strategy BLUE_GREEN; stages PRE_SCALE_UP > SCALE_UP > POST_SCALE_UP > TEST_TRAFFIC_SHIFT" \
        in _flat(checked_deploy.output), checked_deploy.output
    assert "production traffic 100%" in _flat(checked_deploy.output)

    # The deploy: green next to blue, all traffic shifted at once, a line per stage; never below desired.
    controls = Controls(endpoint)
    before, _healthy, old_revision = _serving(aws, prerequisites)
    controls.mark()
    deployed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 28)))
    assert deployed.rc == 0, deployed.output
    traffic = _invariants(controls.report())
    # a line per lifecycle stage: seen at a poll, or named as passed between two polls
    for stage in ("PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"):
        assert f"stage {stage}" in deployed.output or ("passed " in deployed.output and stage in deployed.output), \
            deployed.output
    assert "web: rolled out: running 2/2, targets healthy 2/2; deployment" in deployed.output
    after, healthy, revision = _serving(aws, prerequisites)
    assert after != before and healthy == 2 and int(revision) == int(old_revision) + 1
    assert controls.report().weights(CLUSTER, "web", after) == [0, 100], traffic["weights"]

    # ECS owns the weights: a re-run after the swap changes nothing (no rule modified, no traffic moved back).
    again = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 28)))
    assert again.rc == 0 and again.changed == 0, again.changed_tasks
    assert _serving(aws, prerequisites)[0] == after
    assert elbv2.describe_target_groups(Names=[f"{STACK}-web-alt"])["TargetGroups"]


def test_linear_and_canary_pass_their_documented_weights(playbook, aws, endpoint, prerequisites):
    controls = Controls(endpoint)
    for number, (deployment, steps) in enumerate((
            ({"deployment_strategy": "linear", "linear": {"step_percent": 25, "step_bake_time": 0}}, [25, 50, 75, 100]),
            ({"deployment_strategy": "canary", "canary": {"percent": 10, "bake_time": 0}}, [10, 100]))):
        switched = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 28, **deployment)))
        assert switched.rc == 0, switched.output
        assert _web_service(aws)["deploymentConfiguration"]["strategy"] == deployment["deployment_strategy"].upper()
        serving = _serving(aws, prerequisites)[0]
        controls.mark()
        image = IMAGE % (29 + number)
        deployed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(image, **deployment)))
        assert deployed.rc == 0, deployed.output
        report = controls.report()
        _invariants(report)
        green = f"{STACK}-web-alt" if serving == f"{STACK}-web" else f"{STACK}-web"
        assert report.weights(CLUSTER, "web", green) == [0] + steps
        assert _serving(aws, prerequisites)[0] == green
        again = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(image, **deployment)))
        assert again.rc == 0 and again.changed == 0, again.changed_tasks


def test_a_failing_hook_and_an_alarm_roll_back_with_the_old_revision_serving(playbook, aws, endpoint, prerequisites):
    controls = Controls(endpoint)
    hooked = {"lifecycle_hooks": [{"function_arn": HOOK, "stages": ["POST_SCALE_UP"]}]}
    converged = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 30, **hooked)))
    assert converged.rc == 0, converged.output
    policy = aws("iam").get_role_policy(RoleName=f"{STACK}-ecs-lifecycle-hooks", PolicyName="invoke-lifecycle-hooks")
    assert policy["PolicyDocument"]["Statement"][0]["Action"] == ["lambda:InvokeFunction"]
    assert policy["PolicyDocument"]["Statement"][0]["Resource"] == [HOOK]
    before = _serving(aws, prerequisites)

    controls.lambda_hook(HOOK, "FAILED")
    controls.mark()
    failed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 31, **hooked)))
    controls.lambda_hook(HOOK, "SUCCEEDED")
    assert failed.rc != 0
    assert "Service web did not deploy" in _flat(failed.output) and f"lifecycle hook {HOOK} FAILED" in _flat(failed.output), \
        failed.output
    assert "the previous revision serves" in _flat(failed.output)
    _invariants(controls.report())
    assert _serving(aws, prerequisites) == before
    assert controls.lambda_hook_invocations(HOOK)[-1]["roleArn"] == \
        f"arn:aws:iam::{ACCOUNT}:role/{STACK}-ecs-lifecycle-hooks"

    # The role's 5XX deployment alarm in ALARM rolls the next deploy back too.
    cloudwatch = aws("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName=f"{STACK}-web-target-5xx", StateValue="ALARM", StateReason="5XX")
    controls.mark()
    alarmed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 31)))
    cloudwatch.set_alarm_state(AlarmName=f"{STACK}-web-target-5xx", StateValue="OK", StateReason="quiet")
    assert alarmed.rc != 0
    assert f"alarms in ALARM: {STACK}-web-target-5xx" in _flat(alarmed.output), alarmed.output
    _invariants(controls.report())
    assert _serving(aws, prerequisites) == before


def test_a_pause_hook_waits_until_deploy_yml_continues_it(playbook, aws, endpoint, prerequisites):
    paused = {"lifecycle_hooks": [{"type": "pause", "stages": ["POST_TEST_TRAFFIC_SHIFT"]}]}
    # From a new service (whatever the tests before left): its first deployment has no blue revision, so no pause.
    fresh = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(), services_state="absent"))
    assert fresh.rc == 0, fresh.output
    converged = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 30, **paused)))
    assert converged.rc == 0, converged.output
    before = _serving(aws, prerequisites)

    # Nothing paused yet: continuing is refused before any change.
    refused = _deploy(playbook, prerequisites, deploy_action="continue", services_list=_web(IMAGE % 30, **paused))
    assert refused.rc != 0 and "no deployment in progress to continue" in _flat(refused.output), refused.output
    assert refused.writes == []
    unknown = _deploy(playbook, prerequisites, deploy_service="wbe", services_list=_web(IMAGE % 30, **paused))
    assert unknown.rc != 0 and "deploy_service" in _flat(unknown.output) and unknown.writes == [], unknown.output

    deployed = _deploy(playbook, prerequisites, deploy_image=IMAGE % 32, services_list=_web(IMAGE % 30, **paused))
    assert deployed.rc == 0, deployed.output
    assert "paused at POST_TEST_TRAFFIC_SHIFT for approval" in _flat(deployed.output), deployed.output
    assert _serving(aws, prerequisites)[:2] == before[:2]  # production traffic still on blue, healthy

    controls = Controls(endpoint)
    controls.mark()
    approved = _deploy(playbook, prerequisites, deploy_action="continue", services_list=_web(IMAGE % 30, **paused))
    assert approved.rc == 0, approved.output
    assert "SUCCESSFUL" in _flat(approved.output), approved.output
    _invariants(controls.report())
    serving, healthy, _revision = _serving(aws, prerequisites)
    assert serving != before[0] and healthy == 2
    image = aws("ecs").describe_task_definition(taskDefinition=_web_service(aws)["taskDefinition"])[
        "taskDefinition"]["containerDefinitions"][0]["image"]
    assert image == IMAGE % 32

    # A second deploy paused, rolled back by deploy.yml: blue serves again.
    before = _serving(aws, prerequisites)
    deployed = _deploy(playbook, prerequisites, deploy_image=IMAGE % 33, services_list=_web(IMAGE % 30, **paused))
    assert deployed.rc == 0 and "paused at" in _flat(deployed.output), deployed.output
    rolled_back = _deploy(playbook, prerequisites, deploy_action="rollback", services_list=_web(IMAGE % 30, **paused))
    assert rolled_back.rc == 0 and "ROLLBACK_SUCCESSFUL" in _flat(rolled_back.output), rolled_back.output
    assert _serving(aws, prerequisites) == before


def _forwards_to(rule):
    """The names of the target groups the rule's forward action sends to, in its order."""
    [action] = rule["Actions"]
    groups = action.get("ForwardConfig", {}).get("TargetGroups") or [{"TargetGroupArn": action["TargetGroupArn"]}]
    return [g["TargetGroupArn"].split("/")[-2] for g in groups]


def _published_target_group(output):
    """The target group name the role published in cloudops_services (the test playbook shows the fact)."""
    [name] = re.findall(r'target_group_arn: \S*targetgroup/([^/\s]+)/', output)
    return name


@pytest.mark.destructive
def test_switching_back_to_rolling_keeps_the_serving_group_and_teardown_removes_both(playbook, aws, endpoint,
                                                                                      prerequisites):
    elbv2, iam = aws("elbv2"), aws("iam")
    controls = Controls(endpoint)
    primary, alternate = f"{STACK}-web", f"{STACK}-web-alt"
    rolling = _web(IMAGE % 28, deployment_strategy="rolling", bake_time=None)
    # From a new blue/green service, deployed once: ECS serves it from the alternate group.
    fresh = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(), services_state="absent"))
    assert fresh.rc == 0, fresh.output
    converged = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web()))
    assert converged.rc == 0, converged.output
    deployed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 28)))
    assert deployed.rc == 0, deployed.output
    assert _serving(aws, prerequisites)[:2] == (alternate, 2)

    # Check mode names exactly the tasks the switch changes, and writes nothing.
    checked = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=rolling), check=True)
    assert checked.rc == 0 and checked.writes == [], checked.writes
    controls.mark()
    switched = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=rolling))
    assert switched.rc == 0, switched.output
    assert checked.changed_tasks == switched.changed_tasks, (checked.changed_tasks, switched.changed_tasks)
    report = controls.report()
    # Recorded on every state change: while the rule was the service's production rule, healthy targets behind it
    # never below desired and no weight on the first group; the serving group never below desired throughout.
    _invariants(report)
    assert report.weights(CLUSTER, "web", primary) in ([], [0]), report.traffic(CLUSTER, "web")["weights"]
    assert 0 not in report.weights(CLUSTER, "web", alternate), report.traffic(CLUSTER, "web")["weights"]
    assert report.target_group(alternate)["min_healthy"] >= 2, report.target_group(alternate)
    assert report.service(CLUSTER, "web")["min_running"] >= 2, report.service(CLUSTER, "web")
    web = _web_service(aws)
    assert web["deploymentConfiguration"].get("strategy", "ROLLING") == "ROLLING"
    assert [(lb["targetGroupArn"].split("/")[-2], "advancedConfiguration" in lb) for lb in web["loadBalancers"]] == [
        (alternate, False)]
    assert _forwards_to(_rule(aws, prerequisites)) == [alternate]
    assert _published_target_group(switched.output) == alternate
    health = elbv2.describe_target_health(TargetGroupArn=web["loadBalancers"][0]["targetGroupArn"])
    assert sum(1 for t in health["TargetHealthDescriptions"] if t["TargetHealth"]["State"] == "healthy") == 2
    # The first group is kept, unused (no targets, no rule), ready for the next traffic-shifting deployment.
    [kept] = elbv2.describe_target_groups(Names=[primary])["TargetGroups"]
    assert elbv2.describe_target_health(TargetGroupArn=kept["TargetGroupArn"])["TargetHealthDescriptions"] == []

    again = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=rolling))
    assert again.rc == 0 and again.changed == 0, again.changed_tasks
    assert _published_target_group(again.output) == alternate
    unchanged = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=rolling), check=True)
    assert unchanged.rc == 0 and unchanged.changed == 0 and unchanged.writes == [], unchanged.changed_tasks

    # Back to blue/green in place: the pair follows ECS (the serving group stays production), check mode names the
    # changes (the rule's second group included), and the switch and a further deploy never drop below desired.
    blue_green = _web(IMAGE % 28)
    checked = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=blue_green), check=True)
    assert checked.rc == 0 and checked.writes == [], checked.writes
    assert "cloudops.ecs.services : Listener rules to the services' target groups (both groups of a traffic-shifting " \
        "service; ECS owns their weights)" in checked.changed_tasks, checked.changed_tasks
    controls.mark()
    back = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=blue_green))
    assert back.rc == 0, back.output
    assert checked.changed_tasks == back.changed_tasks, (checked.changed_tasks, back.changed_tasks)
    report = controls.report()
    traffic = _invariants(report)
    # the rule got its second group with all traffic still on the serving group; the deployment the switch starts
    # (new load balancer settings) shifts it from there
    assert report.weights(CLUSTER, "web", alternate)[0] == 100 and report.weights(CLUSTER, "web", primary)[0] == 0, \
        traffic["weights"]
    web = _web_service(aws)
    assert web["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    [lb] = web["loadBalancers"]
    # the pair in the order ECS had it: the group that served is production
    assert (lb["targetGroupArn"].split("/")[-2], lb["advancedConfiguration"]["alternateTargetGroupArn"].split("/")[-2]) \
        == (alternate, primary)
    assert sorted(_forwards_to(_rule(aws, prerequisites))) == [primary, alternate]
    serving, healthy, _revision = _serving(aws, prerequisites)
    assert healthy == 2
    again = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=blue_green))
    assert again.rc == 0 and again.changed == 0, again.changed_tasks

    controls.mark()
    redeployed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(IMAGE % 29)))
    assert redeployed.rc == 0, redeployed.output
    _invariants(controls.report())
    after, healthy, _revision = _serving(aws, prerequisites)
    assert after != serving and healthy == 2

    removed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=_web(), services_state="absent"))
    assert removed.rc == 0, removed.output
    assert not [g for g in elbv2.describe_target_groups()["TargetGroups"] if g["TargetGroupName"].startswith(STACK)]
    assert not [r for r in elbv2.describe_rules(ListenerArn=prerequisites["services_listener_arn"])["Rules"]
                if not r["IsDefault"]]
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert f"{STACK}-ecs-load-balancers" not in roles and f"{STACK}-ecs-lifecycle-hooks" not in roles
