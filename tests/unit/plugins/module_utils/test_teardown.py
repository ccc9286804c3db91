from ansible_collections.cloudops.ecs.plugins.module_utils import teardown


class ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


def test_scope_requires_stack_tag_and_matching_environment():
    assert teardown.in_scope({"cloudops:stack": "demo"}, "demo", "local")
    assert teardown.in_scope({"cloudops:stack": "demo", "Environment": "local"}, "demo", "local")
    assert not teardown.in_scope({"cloudops:stack": "demo", "Environment": "prod"}, "demo", "local")
    assert not teardown.in_scope({"cloudops:stack": "demo-2"}, "demo", "local")
    assert not teardown.in_scope({}, "demo")


def test_listing_is_in_dependency_order():
    resources = [teardown.stack_resource("vpc", "vpc-1", "demo"), teardown.stack_resource("ecs_service", "arn:s", "web"),
                 teardown.stack_resource("kms_key", "k-1"), teardown.stack_resource("autoscaling_group", "demo-asg")]
    assert [r["kind"] for r in teardown.ordered(resources)] == ["ecs_service", "autoscaling_group", "vpc", "kms_key"]
    assert teardown.listing(resources) == [
        "ecs_service        web (arn:s)", "autoscaling_group  demo-asg", "vpc                demo (vpc-1)",
        "kms_key            k-1"]
    assert teardown.counts(resources)["vpc"] == 1
    assert teardown.listing([]) == []


def test_prod_is_refused_without_allow_prod():
    assert teardown.prod_refusal("prod", True, False)
    assert teardown.prod_refusal("prod", True, True) is None
    assert teardown.prod_refusal("prod", False, False) is None  # a dry run only lists
    assert teardown.prod_refusal("dev", True, False) is None


def test_final_snapshot_identifier_is_valid():
    assert teardown.final_snapshot_identifier("shop--db_1", now=0) == "shop-db-1-final-19700101000000"


class FakeEc2:
    def __init__(self, fail_times):
        self.fail_times = fail_times
        self.calls = []

    def delete_subnet(self, aws_retry=False, SubnetId=None):
        self.calls.append(("delete_subnet", SubnetId))
        if self.fail_times:
            self.fail_times -= 1
            raise ClientError("DependencyViolation")

    def delete_vpc(self, aws_retry=False, VpcId=None):
        self.calls.append(("delete_vpc", VpcId))
        raise ClientError("InvalidVpcID.NotFound")

    def delete_security_group(self, aws_retry=False, GroupId=None):
        raise ClientError("UnauthorizedOperation")


def _deleter(ec2, timeout=60):
    clock = {"t": 0.0}

    def sleep(seconds):
        clock["t"] += seconds

    return teardown.Deleter({"ec2": ec2}, timeout=timeout, clock=lambda: clock["t"], sleep=sleep), clock


def test_dependency_violations_are_retried_and_not_found_is_done():
    ec2 = FakeEc2(fail_times=3)
    deleter, clock = _deleter(ec2)
    deleter._network({"subnet": [teardown.stack_resource("subnet", "subnet-1")], "vpc": [teardown.stack_resource("vpc", "vpc-1")]})
    assert ec2.calls == [("delete_subnet", "subnet-1")] * 4 + [("delete_vpc", "vpc-1")]
    assert deleter.log == ["deleted subnet subnet-1", "deleted vpc vpc-1"]
    assert clock["t"] > 0


def test_retries_stop_at_the_deadline_and_other_errors_stop_at_once():
    deleter, _ec2 = _deleter(FakeEc2(fail_times=1000), timeout=5)
    try:
        deleter._network({"subnet": [teardown.stack_resource("subnet", "subnet-1")]})
        raise AssertionError("expected a TeardownError")
    except teardown.TeardownError as error:
        assert "subnet-1" in str(error) and "DependencyViolation" in str(error)
    deleter, clock = _deleter(FakeEc2(fail_times=0))
    try:
        deleter._network({"security_group": [teardown.stack_resource("security_group", "sg-1", "web")]})
        raise AssertionError("expected a TeardownError")
    except teardown.TeardownError as error:
        assert "UnauthorizedOperation" in str(error) and clock["t"] == 0


class Recorder:
    """A fake client: canned responses per method, every call recorded."""

    def __init__(self, **responses):
        self.responses = responses
        self.calls = []

    def __getattr__(self, name):
        def call(aws_retry=False, **kwargs):
            self.calls.append((name, kwargs))
            response = self.responses.get(name, {})
            return response(**kwargs) if callable(response) else response
        return call


def test_scalable_targets_are_the_stack_clusters_services_and_go_with_their_policies():
    aas = Recorder(
        describe_scalable_targets={"ScalableTargets": [
            {"ResourceId": "service/demo/web", "ScalableDimension": "ecs:service:DesiredCount"},
            {"ResourceId": "service/other/web", "ScalableDimension": "ecs:service:DesiredCount"}]},
        describe_scaling_policies={"ScalingPolicies": [
            {"PolicyName": "demo-web-cpu", "ResourceId": "service/demo/web", "ScalableDimension": "ecs:service:DesiredCount"},
            {"PolicyName": "other-web-cpu", "ResourceId": "service/other/web",
             "ScalableDimension": "ecs:service:DesiredCount"}]})
    found = teardown._discover_scaling(aas, ["demo"])
    assert [(r["id"], r["policies"]) for r in found] == [("service/demo/web", ["demo-web-cpu"])]
    assert teardown._discover_scaling(aas, []) == []

    deleter = teardown.Deleter({"application-autoscaling": aas})
    aas.calls = []
    deleter._scalable_targets(found)
    assert [name for name, _kwargs in aas.calls] == ["delete_scaling_policy", "deregister_scalable_target"]


def test_alarms_of_the_stack_are_found_by_what_they_scale_or_watch_and_deleted_100_a_call():
    tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/0123456789abcdef"
    lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo-alb/fedcba9876543210"
    policy = ("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1111:resource/ecs/service/%s/web:"
              "policyName/backlog")
    alarms = [
        {"AlarmName": "demo-web-backlog", "AlarmActions": [policy % "demo"]},
        {"AlarmName": "demo-web-target-5xx", "Dimensions": [
            {"Name": "TargetGroup", "Value": "targetgroup/demo-web/0123456789abcdef"},
            {"Name": "LoadBalancer", "Value": "app/demo-alb/fedcba9876543210"}]},
        {"AlarmName": "demo-alb-5xx", "Dimensions": [{"Name": "LoadBalancer", "Value": "app/demo-alb/fedcba9876543210"}]},
        {"AlarmName": "demo-cpu", "Dimensions": [{"Name": "ClusterName", "Value": "demo"}]},
        # another stack's: its cluster, its target group, a policy of its service
        {"AlarmName": "demo2-web-backlog", "AlarmActions": [policy % "demo2"]},
        {"AlarmName": "demo2-cpu", "Dimensions": [{"Name": "ClusterName", "Value": "demo2"}]},
        {"AlarmName": "demo2-5xx", "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/demo2-web/99"}]}]
    cloudwatch = Recorder(describe_alarms={"MetricAlarms": alarms})
    found = [teardown.stack_resource("ecs_cluster", "arn:cluster/demo", "demo"),
             teardown.stack_resource("target_group", tg, "demo-web"), teardown.stack_resource("load_balancer", lb, "demo-alb")]
    discovered = teardown._discover_alarms(cloudwatch, found)
    assert [r["name"] for r in discovered] == ["demo-web-backlog", "demo-web-target-5xx", "demo-alb-5xx", "demo-cpu"]
    assert teardown._discover_alarms(cloudwatch, []) == []
    assert teardown.ordered(discovered + found)[0]["kind"] == "cloudwatch_alarm"

    many = [teardown.stack_resource("cloudwatch_alarm", "demo-%03d" % i) for i in range(150)]
    cloudwatch.calls = []
    teardown.Deleter({"cloudwatch": cloudwatch})._alarms(many)
    assert [len(kwargs["AlarmNames"]) for name, kwargs in cloudwatch.calls] == [100, 50]


def test_alert_rules_lose_their_targets_before_the_rule_and_topics_go_after():
    events = Recorder(list_targets_by_rule={"Targets": [{"Id": "topic"}]})
    sns = Recorder()
    deleter = teardown.Deleter({"events": events, "sns": sns})
    deleter._alerts([teardown.stack_resource("events_rule", "demo-stopped-tasks", event_bus="default")],
                    [teardown.stack_resource("sns_topic", "arn:topic", "demo-stopped-tasks")])
    assert [name for name, _kwargs in events.calls] == ["list_targets_by_rule", "remove_targets", "delete_rule"]
    assert events.calls[1][1]["Ids"] == ["topic"]
    assert sns.calls == [("delete_topic", {"TopicArn": "arn:topic"})]


def test_daemon_services_are_deleted_without_a_desired_count():
    ecs = Recorder(describe_services={"services": [{"status": "INACTIVE"}]})
    deleter = teardown.Deleter({"ecs": ecs})
    deleter._services([teardown.stack_resource("ecs_service", "arn:agent", "log-agent", cluster="c", daemon=True),
                       teardown.stack_resource("ecs_service", "arn:web", "web", cluster="c", daemon=False)])
    names = [name for name, _kwargs in ecs.calls if name != "describe_services"]
    assert names == ["delete_service", "update_service", "delete_service"]


def test_managed_secrets_are_left_to_their_owner_and_deleted_ones_are_not_listed():
    tag = [{"Key": "cloudops:stack", "Value": "demo"}]
    secretsmanager = Recorder(list_secrets={"SecretList": [
        {"ARN": "arn:a", "Name": "demo-app", "Tags": tag},
        {"ARN": "arn:b", "Name": "rds!cluster-1", "Tags": tag, "OwningService": "rds"},
        {"ARN": "arn:c", "Name": "demo-old", "Tags": tag, "DeletedDate": "2026-01-01"},
        {"ARN": "arn:d", "Name": "other", "Tags": [{"Key": "cloudops:stack", "Value": "other"}]}]})
    assert [r["id"] for r in teardown._discover_secrets(secretsmanager, "demo", "local")] == ["arn:a"]


def test_launch_templates_described_without_tags_are_read_from_describe_tags():
    tags = [{"ResourceId": "lt-1", "Key": "cloudops:stack", "Value": "demo"},
            {"ResourceId": "lt-1", "Key": "Environment", "Value": "local"}]
    ec2 = Recorder(describe_launch_templates={"LaunchTemplates": [
        {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "demo-ondemand", "Tags": []}]},
        describe_tags={"Tags": tags})
    found = teardown._discover_ec2(ec2, "demo", "local")
    assert [(r["kind"], r["id"]) for r in found] == [("launch_template", "lt-1")]


class _Tagging:
    """GetResources answering in two pages."""

    def __init__(self, pages):
        self.pages, self.calls = pages, []

    def get_resources(self, aws_retry=False, **kwargs):
        self.calls.append(kwargs)
        return self.pages[len(self.calls) - 1]


def test_tagging_api_discovery_is_one_paginated_call_scoped_by_arn():
    tag = [{"Key": teardown.STACK_TAG, "Value": "demo"}]
    other_env = tag + [{"Key": "Environment", "Value": "dev"}]
    tagging = _Tagging([
        {"ResourceTagMappingList": [
            {"ResourceARN": "arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/demo/ecs:*", "Tags": tag},
            {"ResourceARN": "arn:aws-us-gov:kms:us-gov-west-1:1:key/k-1", "Tags": tag}], "PaginationToken": "t"},
        {"ResourceTagMappingList": [
            {"ResourceARN": "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:1:loadbalancer/app/demo-alb/9", "Tags": tag},
            {"ResourceARN": "arn:aws-us-gov:kms:us-gov-west-1:1:key/k-dev", "Tags": other_env}]}])
    tagged = teardown.tagged_resources(tagging, "demo")
    assert len(tagging.calls) == 2 and tagging.calls[1]["PaginationToken"] == "t"
    assert tagging.calls[0]["TagFilters"] == [{"Key": teardown.STACK_TAG, "Values": ["demo"]}]
    assert teardown._scoped_arns(tagged, "demo", "local", "kms", "key/") == ["arn:aws-us-gov:kms:us-gov-west-1:1:key/k-1"]
    assert teardown._scoped_arns(tagged, "demo", "local", "logs", "log-group:") == [
        "arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/demo/ecs:*"]
    assert teardown._scoped_arns(tagged, "demo", None, "elasticloadbalancing", "targetgroup/") == []


def test_progress_says_each_kind_as_its_deletion_starts_and_what_a_wait_waits_for_every_20s():
    """The capacity providers take 45 s to go: a line at 20 and 40 s names them and their state."""
    clock = {"t": 0.0}

    def sleep(seconds):
        clock["t"] += seconds

    def providers(capacityProviders=None):
        state = "DELETE_COMPLETE" if clock["t"] >= 45 else "DELETE_IN_PROGRESS"
        return {"capacityProviders": [{"name": name, "status": "ACTIVE", "updateStatus": state}
                                      for name in capacityProviders]}

    ecs = Recorder(describe_capacity_providers=providers)
    lines = []
    deleter = teardown.Deleter({"ecs": ecs}, clock=lambda: clock["t"], sleep=sleep, progress=lines.append)
    deleter._capacity_providers([teardown.stack_resource("ecs_capacity_provider", "arn:cp", "demo-ondemand")],
                                [teardown.stack_resource("ecs_cluster", "arn:c", "demo", capacity_providers=["demo-ondemand"])])
    assert lines[:2] == ["ecs_cluster: detached capacity providers from demo",
                         "ecs_capacity_provider: deleting 1: demo-ondemand"]
    waits = lines[2:-1]
    assert [line.split(";")[0] for line in waits] == [
        "waiting for capacity providers demo-ondemand to be deleted: 20s of 1800s",
        "waiting for capacity providers demo-ondemand to be deleted: 40s of 1800s"]
    assert all(line.endswith("; demo-ondemand DELETE_IN_PROGRESS") for line in waits)
    assert lines[-1] == "waited 50.0s for capacity providers demo-ondemand to be deleted" == deleter.log[-1]


def test_a_deletion_aws_refuses_for_long_says_so_every_20s_and_many_names_are_cut_short():
    deleter, clock = _deleter(FakeEc2(fail_times=15))  # refused at 0, 0.5, 1.12, ... 16.63, 20, 25.82, 33.1 and 40 s
    lines = []
    deleter.progress = lines.append
    deleter._network({"subnet": [teardown.stack_resource("subnet", "subnet-%d" % n) for n in range(7)]})
    assert lines[0] == "subnet: deleting 7: subnet-0, subnet-1, subnet-2, subnet-3, subnet-4 and 2 more"
    assert lines[1:] == ["waiting for AWS to allow deleting subnet-0: %ds of 60s; subnet-0: DependencyViolation" % t
                         for t in (20, 40)]
    assert clock["t"] == 50 and deleter.log[0] == "deleted subnet subnet-0"


def test_a_wait_that_times_out_says_what_is_still_there():
    clock = {"t": 0.0}
    ecs = Recorder(describe_services={"services": [{"status": "DRAINING", "runningCount": 1}]})

    def sleep(seconds):
        clock["t"] += seconds

    deleter = teardown.Deleter({"ecs": ecs}, timeout=30, clock=lambda: clock["t"], sleep=sleep)
    try:
        deleter._services([teardown.stack_resource("ecs_service", "arn:web", "web", cluster="c", daemon=False)])
        raise AssertionError("expected a TeardownError")
    except teardown.TeardownError as error:
        assert str(error) == "timed out after 30s waiting for services to become INACTIVE: web DRAINING, 1 running"


def test_discovery_says_what_it_looks_for_and_what_it_found():
    empty = Recorder(list_clusters={"clusterArns": []}, list_task_definition_families={"families": []},
                     describe_capacity_providers={"capacityProviders": []})
    lines = []
    found = teardown.discover({"ecs": empty, "autoscaling": Recorder(), "ec2": Recorder(), "elbv2": Recorder(),
                               "rds": Recorder(), "logs": Recorder(), "iam": Recorder(), "kms": Recorder()},
                              "demo", "local", progress=lines.append)
    assert found == []
    assert lines == ["discovering what carries the tag cloudops:stack=demo (environment local)",
                     "reading IAM roles, instance profiles and policies (their tags, one call per role)",
                     "found 0 resources: none"]


def test_the_stacks_records_in_a_zone_it_does_not_own_are_its_aliases_and_validation_records():
    from ansible_collections.cloudops.ecs.plugins.module_utils import teardown as td

    alias = {"Name": "app.example.com.", "Type": "A", "AliasTarget": {
        "HostedZoneId": "Z35", "DNSName": "dualstack.demo-alb-1.us-east-1.elb.amazonaws.com.", "EvaluateTargetHealth": False}}
    other_alias = {"Name": "shop.example.com.", "Type": "A", "AliasTarget": {
        "HostedZoneId": "Z35", "DNSName": "other-alb-1.us-east-1.elb.amazonaws.com.", "EvaluateTargetHealth": False}}
    validation = {"Name": "_x.app.example.com.", "Type": "CNAME", "TTL": 300,
                  "ResourceRecords": [{"Value": "_y.acm-validations.aws."}]}
    operators = {"Name": "example.com.", "Type": "MX", "TTL": 300, "ResourceRecords": [{"Value": "10 mx.example.com"}]}
    mine = td.stack_records([alias, other_alias, validation, operators], {("_x.app.example.com.", "_y.acm-validations.aws.")},
                            {"demo-alb-1.us-east-1.elb.amazonaws.com."})
    assert mine == [alias, validation]


def test_route53_goes_before_the_load_balancer_it_points_at():
    from ansible_collections.cloudops.ecs.plugins.module_utils import teardown as td

    assert td.ORDER.index("route53_record") < td.ORDER.index("route53_zone") < td.ORDER.index("load_balancer")
    assert td.ORDER.index("route53_record") < td.ORDER.index("acm_certificate")


def test_alarms_notifying_a_stack_topic_or_watching_its_database_or_nat_gateways_are_the_stacks():
    topic = "arn:aws:sns:us-east-1:123456789012:demo-stopped-tasks"
    other_topic = "arn:aws:sns:us-east-1:123456789012:demo2-stopped-tasks"
    lb = "app/demo-alb/fedcba9876543210"
    alarms = [
        {"AlarmName": "demo-alarm-db-cpu", "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "demo"}]},
        {"AlarmName": "demo-alarm-nat-nat-1-port-allocation", "Dimensions": [{"Name": "NatGatewayId", "Value": "nat-1"}]},
        {"AlarmName": "demo-alarm-custom", "OKActions": [topic], "Dimensions": [{"Name": "Other", "Value": "x"}]},
        # metric math: the dimensions are in the metrics
        {"AlarmName": "demo-alarm-alb-5xx-rate", "Metrics": [
            {"Id": "rate", "Expression": "100 * m / r"},
            {"Id": "m", "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
                                                  "Dimensions": [{"Name": "LoadBalancer", "Value": lb}]}}}]},
        {"AlarmName": "demo2-alarm-db-cpu", "AlarmActions": [other_topic],
         "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "demo2"}]},
        {"AlarmName": "demo2-alarm-nat", "Dimensions": [{"Name": "NatGatewayId", "Value": "nat-2"}]}]
    cloudwatch = Recorder(describe_alarms={"MetricAlarms": alarms})
    found = [teardown.stack_resource("sns_topic", topic, "demo-stopped-tasks"),
             teardown.stack_resource("db_cluster", "demo"), teardown.stack_resource("nat_gateway", "nat-1"),
             teardown.stack_resource("load_balancer", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/"
                                     + lb, "demo-alb")]
    assert [r["name"] for r in teardown._discover_alarms(cloudwatch, found)] == [
        "demo-alarm-db-cpu", "demo-alarm-nat-nat-1-port-allocation", "demo-alarm-custom", "demo-alarm-alb-5xx-rate"]
    only_topic = teardown._discover_alarms(cloudwatch, found[:1])
    assert [r["name"] for r in only_topic] == ["demo-alarm-custom"]


def test_auto_scaling_groups_being_deleted_are_not_found_again():
    tags = [{"Key": "cloudops:stack", "Value": "demo"}]
    autoscaling = Recorder(describe_auto_scaling_groups={"AutoScalingGroups": [
        {"AutoScalingGroupName": "demo-general", "Tags": tags, "Instances": [{"InstanceId": "i-1"}]},
        {"AutoScalingGroupName": "demo-spot", "Tags": tags, "Status": "Delete in progress"}]})

    found = teardown._discover_autoscaling(autoscaling, "demo", "local")

    assert [(item["id"], item["instance_ids"]) for item in found] == [("demo-general", ["i-1"])]
