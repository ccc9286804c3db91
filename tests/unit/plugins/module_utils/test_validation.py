"""Every role's input rules (pure): each bad input names the variable, its value and the fix."""
import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils import validation as v

IDENTITY = {"cloudops_stack_name": "demo", "cloudops_environment": "local", "cloudops_aws_region": "us-east-1",
            "cloudops_tags": {}}

NETWORK = dict(IDENTITY, network_state="present", network_vpc_id="", network_vpc_cidr="10.0.0.0/16", network_az_count=3,
               network_azs=[], network_public_subnet_cidrs=[], network_private_subnet_cidrs=[], network_nat_mode="per_az",
               network_flow_logs_enabled=True, network_flow_logs_retention_days=365,
               network_flow_logs_log_group_name="/demo/vpc-flow-logs", network_flow_logs_kms_key_arn="",
               network_alb_security_group_name="demo-alb", network_ecs_instances_security_group_name="demo-ecs-instances",
               network_nat_wait_timeout=600)
DATABASE = dict(IDENTITY, database_state="present", database_mode="standard",
                database_engine_version="8.0.mysql_aurora.3.08.2", database_instance_class="db.r6g.large",
                database_cluster_identifier="demo-aurora", database_master_username="cloudops_admin", database_name="app",
                database_port=3306, database_backup_retention_days=7, database_backup_window="",
                database_maintenance_window="", database_log_exports=["audit"], database_kms_key_alias="alias/demo-database",
                database_vpc_id="vpc-planned-network", database_subnet_ids=["subnet-planned-1", "subnet-planned-2"],
                database_availability_zones=["us-east-1a", "us-east-1b"],
                database_client_security_group_id="sg-planned-ecs-instances", database_cluster_parameters=[],
                __derived={"database_cluster_identifier", "database_kms_key_alias"})
LB = dict(IDENTITY, load_balancer_state="present", load_balancer_name="demo-alb", load_balancer_scheme="internet-facing",
          load_balancer_subnet_ids=["subnet-planned-1", "subnet-planned-2"],
          load_balancer_security_group_id="sg-planned-alb", load_balancer_instance_security_group_id="sg-planned-i",
          load_balancer_allowed_cidrs=["0.0.0.0/0"], load_balancer_target_ports=[], load_balancer_bridge_ports=True,
          load_balancer_dynamic_port_range={"from": 32768, "to": 65535}, load_balancer_certificate_arn="",
          load_balancer_demo_certificate=False, load_balancer_ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
          load_balancer_idle_timeout=60, load_balancer_access_logs_bucket="", __derived={"load_balancer_name"})
INSTANCES = dict(IDENTITY, ecs_instances_state="present", ecs_instances_subnet_ids=["subnet-planned-1"],
                 ecs_instances_security_group_id="sg-planned", ecs_instances_cluster_name="demo",
                 ecs_instances_role_name="demo-ecs-instance", ecs_instances_imds_hop_limit=1, ecs_instances_ecs_config={},
                 ecs_instances_group_defaults={"spot": False, "min_size": 0, "max_size": 4, "desired_capacity": 1,
                                               "on_demand_base_capacity": 0, "on_demand_percentage_above_base_capacity": 0,
                                               "spot_allocation_strategy": "price-capacity-optimized",
                                               "managed_scaling": True, "target_capacity": 100, "weight": 1, "base": 0},
                 ecs_instances_groups=[{"name": "ondemand", "instance_type": "m6i.large", "min_size": 1, "max_size": 4,
                                        "desired_capacity": 2}])


def variables(problems):
    return [p.variable for p in problems]


def test_the_shipped_defaults_pass():
    assert v.identity_rules(IDENTITY) == []
    assert v.network_rules(NETWORK) == []
    assert v.database_rules(DATABASE) == []
    assert v.load_balancer_rules(LB) == []
    assert v.ecs_instances_rules(INSTANCES) == []


@pytest.mark.parametrize("name", ["my stack", "Demo", "demo-", "de--mo", "1demo", "a" * 29, ""])
def test_a_bad_stack_name_names_cloudops_stack_name(name):
    problems = v.identity_rules(dict(IDENTITY, cloudops_stack_name=name))
    assert variables(problems) == ["cloudops_stack_name"]
    assert problems[0].value == name and ("use" in problems[0].fix or "must be set" in problems[0].fix)


def test_a_derived_name_is_blamed_on_the_stack_name_and_an_explicit_one_on_its_variable():
    derived = v.load_balancer_rules(dict(LB, load_balancer_name="a-very-long-stack-name-for-this-alb"))
    assert variables(derived) == ["cloudops_stack_name"]
    assert "load_balancer_name" in derived[0].fix and "shorten or change cloudops_stack_name" in derived[0].fix
    explicit = v.load_balancer_rules(dict(LB, load_balancer_name="x" * 33, __derived=set()))
    assert variables(explicit) == ["load_balancer_name"] and explicit[0].value == "x" * 33


def test_derived_kms_alias_db_identifier_and_role_names():
    problems = v.database_rules(dict(DATABASE, cloudops_stack_name="my stack", database_cluster_identifier="my stack-aurora",
                                     database_kms_key_alias="alias/my stack-database"))
    assert set(variables(problems)) == {"cloudops_stack_name"} and len(problems) == 2
    assert any("DB cluster identifier" in p.fix for p in problems) and any("KMS alias" in p.fix for p in problems)


@pytest.mark.parametrize("changes, variable", [
    ({"database_mode": "huge"}, "database_mode"),
    ({"database_backup_retention_days": 40}, "database_backup_retention_days"),
    ({"database_backup_retention_days": 3}, "database_backup_retention_days"),
    ({"database_instance_class": "r6g.large"}, "database_instance_class"),
    ({"database_master_username": "rdsadmin"}, "database_master_username"),
    ({"database_master_username": "9admin"}, "database_master_username"),
    ({"database_port": 99999}, "database_port"),
    ({"database_backup_window": "03:00-03:10"}, "database_backup_window"),
    ({"database_maintenance_window": "sun:05:00"}, "database_maintenance_window"),
    ({"database_engine_version": "5.7.mysql_aurora.2.11.2"}, "database_engine_version"),
    ({"database_log_exports": ["audit", "slow"]}, "database_log_exports"),
    ({"database_kms_key_alias": "alias/aws/rds", "__derived": set()}, "database_kms_key_alias"),
])
def test_database_rules(changes, variable):
    problems = v.database_rules(dict(DATABASE, **changes))
    assert variable in variables(problems)
    problem = [p for p in problems if p.variable == variable][0]
    assert problem.fix and str(problem).startswith(variable)


def test_database_ha_needs_two_azs():
    problems = v.database_rules(dict(DATABASE, database_mode="ha", database_availability_zones=["us-east-1a"]))
    assert variables(problems) == ["database_mode"] and "use database_mode standard" in problems[0].fix


@pytest.mark.parametrize("changes, variable", [
    ({"load_balancer_scheme": "public"}, "load_balancer_scheme"),
    ({"load_balancer_allowed_cidrs": ["10.0.0.1/16"]}, "load_balancer_allowed_cidrs"),
    ({"load_balancer_target_ports": [0, 8080]}, "load_balancer_target_ports"),
    ({"load_balancer_idle_timeout": 5000}, "load_balancer_idle_timeout"),
    ({"load_balancer_dynamic_port_range": {"from": 65535, "to": 32768}}, "load_balancer_dynamic_port_range"),
    ({"load_balancer_certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/x"}, "load_balancer_certificate_arn"),
    ({"load_balancer_subnet_ids": ["subnet-1"]}, "load_balancer_subnet_ids"),
])
def test_load_balancer_rules(changes, variable):
    assert variable in variables(v.load_balancer_rules(dict(LB, **changes)))


@pytest.mark.parametrize("changes, variable, fix", [
    ({"network_flow_logs_retention_days": 31}, "network_flow_logs_retention_days", "CloudWatch Logs keeps"),
    ({"network_azs": ["us-west-2a", "us-east-1b"], "network_az_count": 2}, "network_azs", "not an Availability Zone"),
    ({"network_vpc_cidr": "10.0.0.1/16"}, "network_vpc_cidr", "no host bits"),
    ({"network_az_count": 4}, "network_az_count", "2 or 3"),
    ({"network_vpc_id": "vpc-xyz"}, "network_vpc_id", "not a VPC id"),
    ({"network_private_subnet_cidrs": ["10.0.0.0/20", "10.0.0.0/20", "10.0.32.0/20"]}, "network_private_subnet_cidrs",
     "overlaps"),
])
def test_network_rules(changes, variable, fix):
    problems = [p for p in v.network_rules(dict(NETWORK, **changes)) if p.variable.startswith(variable)]
    assert problems and fix in str(problems[0])


@pytest.mark.parametrize("group, variable", [
    ({"min_size": 5, "max_size": 2}, "ecs_instances_groups[ondemand].min_size"),
    ({"min_size": 1, "max_size": 2, "desired_capacity": 3}, "ecs_instances_groups[ondemand].desired_capacity"),
    ({"instance_type": "large"}, "ecs_instances_groups[ondemand].instance_type"),
    ({"instance_types": ["m6i.large", "m7g.large"], "spot": True}, "ecs_instances_groups[ondemand].instance_types"),
    ({"spot": True}, "ecs_instances_groups[ondemand].instance_types"),
    ({"target_capacity": 0}, "ecs_instances_groups[ondemand].target_capacity"),
    ({"ami_id": "image-1"}, "ecs_instances_groups[ondemand].ami_id"),
])
def test_instance_group_rules(group, variable):
    groups = [dict(INSTANCES["ecs_instances_groups"][0], **group)]
    problems = v.ecs_instances_rules(dict(INSTANCES, ecs_instances_groups=groups))
    assert variable in variables(problems)


def test_min_size_above_max_size_says_the_values_and_the_fix():
    groups = [dict(INSTANCES["ecs_instances_groups"][0], min_size=5, max_size=2)]
    problem = v.ecs_instances_rules(dict(INSTANCES, ecs_instances_groups=groups))[0]
    assert str(problem) == ("ecs_instances_groups[ondemand].min_size = 5: greater than max_size (2): lower min_size or "
                            "raise max_size")


def test_instance_groups_normalises_like_the_role():
    groups = v.instance_groups([{"name": "spot", "spot": True, "instance_types": ["m7g.large", "c7g.large"]},
                                {"name": "ecs", "instance_type": "m6i.large"}], {"min_size": 0}, "aws-demo")
    assert groups[0]["arch"] == "arm64" and groups[0]["instance_type"] == "m7g.large" and not groups[0]["mixed_arch"]
    assert groups[0]["resource_name"] == "aws-demo-spot" and groups[0]["capacity_provider"] == "cp-aws-demo-spot"
    assert groups[1]["arch"] == "x86_64" and groups[1]["instance_types"] == ["m6i.large"] and groups[1]["min_size"] == 0


def test_capacity_provider_rules():
    groups = [{"name": "a", "capacity_provider": "demo-a", "auto_scaling_group_arn": "arn", "base": 1},
              {"name": "b", "capacity_provider": "demo-b", "auto_scaling_group_arn": "arn", "base": 2, "target_capacity": 0}]
    problems = v.capacity_provider_rules({"ecs_cluster_instance_groups": groups, "ecs_cluster_minimum_scaling_step_size": 5,
                                          "ecs_cluster_maximum_scaling_step_size": 2})
    assert set(variables(problems)) == {"ecs_cluster_instance_groups", "ecs_cluster_instance_groups[b].target_capacity",
                                        "ecs_cluster_minimum_scaling_step_size"}


def test_ecs_cluster_retention_and_insights():
    problems = v.ecs_cluster_rules(dict(IDENTITY, ecs_cluster_name="demo", ecs_cluster_container_insights="on",
                                        ecs_cluster_exec_logging=True, ecs_cluster_exec_log_retention_days=31,
                                        ecs_cluster_exec_log_group_name="/demo/ecs-exec", ecs_cluster_kms_key_arn=""))
    assert variables(problems) == ["ecs_cluster_container_insights", "ecs_cluster_exec_log_retention_days"]


WEB = {"name": "web", "image": "nginx", "memory": 256, "container_port": 80,
       "listener_rule": {"path": "/*", "priority": 10}}


def test_services_rules_wrap_the_service_errors_as_problems():
    settings = {"state": "present", "cluster_name": "demo", "vpc_id": "vpc-1", "subnet_ids": ["subnet-1"],
                "listener_arn": "arn:listener", "name_prefix": "demo-"}
    good = dict(IDENTITY, services_list=[WEB], __services_settings=settings, services_log_retention_days=30)
    assert v.services_rules(good) == []
    problems = v.services_rules(dict(good, services_list=[dict(WEB, container_port=99999, min_percent=100, max_percent=50)],
                                     services_log_retention_days=31))
    shown = [str(p) for p in problems]
    assert "services_list[0].container_port = 99999: not a port: use the port the container listens on, 1-65535" in shown
    assert any(s.startswith("services_list[0].max_percent: 50 is out of range") for s in shown), shown
    assert any(s.startswith("services_log_retention_days = 31") for s in shown), shown


def test_services_exec_key_and_log_group_come_from_the_cluster_and_are_checked():
    settings = {"state": "present", "cluster_name": "demo", "name_prefix": "demo-"}
    good = dict(IDENTITY, services_list=[], __services_settings=settings, services_log_retention_days=30,
                services_exec_kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/abc",
                services_exec_log_group_name="/demo/ecs-exec")
    assert v.services_rules(good) == []
    problems = v.services_rules(dict(good, services_exec_kms_key_arn="alias/demo-ecs-exec",
                                     services_exec_log_group_name="/demo/ecs exec"))
    assert variables(problems) == ["services_exec_kms_key_arn", "services_exec_log_group_name"]
    # Before the cluster exists its facts are planned: the key is a placeholder, the log group the cluster's input.
    fact, cluster = v.planned_facts("ecs_cluster", {"ecs_cluster_name": "demo", "ecs_cluster_exec_logging": True,
                                                    "ecs_cluster_exec_log_group_name": "/demo/ecs-exec",
                                                    "ecs_cluster_kms_key_arn": ""})
    assert fact == "cloudops_cluster" and cluster["exec_log_group_name"] == "/demo/ecs-exec"
    assert v.is_planned(cluster["exec_kms_key_arn"])
    assert v.services_rules(dict(good, services_exec_kms_key_arn=cluster["exec_kms_key_arn"])) == []
    # In a run with the ecs_cluster role the log group is the cluster's input: its rules report a bad one, once.
    bad = dict(good, services_exec_log_group_name="/demo/ecs exec", ecs_cluster_exec_log_group_name="/demo/ecs exec")
    assert v.services_rules(bad) == []
    assert variables(v.ecs_cluster_rules(dict(bad, ecs_cluster_name="demo", ecs_cluster_exec_log_retention_days=30,
                                              ecs_cluster_container_insights="enabled"))) == [
        "ecs_cluster_exec_log_group_name"]
    unlogged = v.planned_facts("ecs_cluster", {"ecs_cluster_name": "demo", "ecs_cluster_exec_logging": False})[1]
    assert unlogged["exec_kms_key_arn"] == "" and unlogged["exec_log_group_name"] == ""


@pytest.mark.parametrize("rules, changes, variable", [
    (v.teardown_rules, {"teardown_kms_pending_days": 3}, "teardown_kms_pending_days"),
    (v.teardown_rules, {"teardown_confirm": True, "cloudops_environment": "prod"}, "teardown_allow_prod"),
    (v.instance_roll_rules, {"instance_roll_stack_name": "demo", "instance_roll_batch_size": 0}, "instance_roll_batch_size"),
    (v.verify_rules, {"verify_checks": ["services", "dns"]}, "verify_checks"),
])
def test_day2_rules(rules, changes, variable):
    assert variable in variables(rules(changes))


def test_planned_facts_let_later_roles_validate_before_the_network_exists():
    network = v.planned_facts("network", NETWORK)[1]
    assert len(network["private_subnet_ids"]) == 3 and v.is_planned(network["vpc_id"])
    database = dict(DATABASE, database_vpc_id=network["vpc_id"], database_subnet_ids=network["private_subnet_ids"],
                    database_client_security_group_id=network["security_groups"]["ecs_instances"])
    assert v.database_rules(database) == []
    fact, instances = v.planned_facts("ecs_instances", INSTANCES)
    assert fact == "cloudops_instances" and instances["groups"][0]["capacity_provider"] == "demo-ondemand"


def test_aws_checks_ask_only_for_what_the_inputs_name():
    checks = v.aws_checks(["network", "endpoints", "database", "ecs_instances"],
                          dict(NETWORK, **dict(DATABASE, **dict(INSTANCES, endpoints_interface_services=["ecr.api"],
                                                                endpoints_gateway_services=["s3"],
                                                                network_vpc_id="vpc-0123456789abcdef0"))))
    assert checks["azs"] == {"variable": "network_azs", "names": [], "count": 3}
    assert checks["vpc"] == {"variable": "network_vpc_id", "id": "vpc-0123456789abcdef0", "needs_dns": True}
    assert checks["db"]["instance_class"] == "db.r6g.large"
    assert checks["instance_groups"][0]["instance_types"] == ["m6i.large"]
    assert checks["subnets"] == []  # planned subnets are not looked up
    assert checks["endpoint_services"]["names"] == ["ecr.api", "s3"]


def test_planned_subnets_must_hold_what_the_stack_puts_in_them():
    roles = ["network", "endpoints", "database", "load_balancer", "ecs_instances"]
    inputs = dict(NETWORK, **dict(INSTANCES, endpoints_interface_services=["ecr.api"] * 15, load_balancer_scheme="internal"))
    assert v.subnet_capacity_rules(roles, inputs) == []
    small = dict(inputs, network_vpc_cidr="10.8.0.0/21", ecs_instances_groups=[
        dict(INSTANCES["ecs_instances_groups"][0], max_size=300)])
    problems = v.subnet_capacity_rules(roles, small)
    assert [p.variable for p in problems] == ["network_private_subnet_cidrs"]
    assert problems[0].value == "10.8.0.0/25" and "holds 123 addresses but the stack needs about 124" in problems[0].fix


def test_the_default_master_user_is_accepted_and_not_a_default_name():
    import os

    import yaml

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    with open(os.path.join(root, "roles", "database", "defaults", "main.yml"), encoding="utf-8") as handle:
        default = yaml.safe_load(handle)["database_master_username"]
    assert default.lower() not in ("admin", "root", "administrator", "master", "mysql", "user")
    assert v.database_rules(dict(DATABASE, database_master_username=default)) == []
    assert v.database_rules(dict(DATABASE, database_master_username="root"))[0].fix.endswith(
        "pick another name such as cloudops_admin or app_admin")


SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]


def test_existing_subnets_of_awsvpc_tasks_are_checked_for_free_addresses():
    api = {"name": "api", "image": "x", "memory": 64, "network_mode": "awsvpc", "autoscaling": {
        "max": 4, "scheduled_actions": [{"name": "peak", "schedule": "rate(1 day)", "max": 6}]}}
    worker = {"name": "worker", "image": "x", "memory": 64, "network_mode": "awsvpc", "desired_count": 3,
              "max_percent": 150, "subnet_ids": ["subnet-0bbbbbbbbbbbbbbb1"]}
    agent = {"name": "agent", "image": "x", "memory": 64, "network_mode": "awsvpc", "scheduling_strategy": "DAEMON"}
    bridge = {"name": "web", "image": "x", "memory": 64, "desired_count": 50}
    inputs = dict(INSTANCES, services_state="present", services_subnet_ids=SUBNETS, services_default_max_percent=200,
                  services_list=[api, worker, agent, bridge], ecs_instances_subnet_ids=SUBNETS)
    checks = v.aws_checks(["services"], dict(inputs, services_instance_groups=[{"capacity_provider": "p", "max_size": 5}]))
    assert checks["subnets"] == [
        {"variable": "services_subnet_ids", "ids": SUBNETS, "per_subnet": 1, "total": 17,
         "needs": "awsvpc tasks need up to 17 addresses (api 12 (autoscaling max 6 at max_percent 200), "
                  "agent 5 (one per instance, up to 5))",
         "fix": "use larger or more subnets, or lower autoscaling max, desired_count or max_percent"},
        {"variable": "services_list[1].subnet_ids", "ids": ["subnet-0bbbbbbbbbbbbbbb1"], "per_subnet": 1, "total": 4,
         "needs": "awsvpc tasks need up to 4 addresses (worker 4 (desired_count 3 at max_percent 150))",
         "fix": "use larger or more subnets, or lower autoscaling max, desired_count or max_percent"}]
    # With the instance groups in the same run and the same subnets, their largest size counts too.
    checked = v.aws_checks(["ecs_instances", "services"], inputs)["subnets"]
    assert len(checked) == 3
    shared = checked[1]
    assert shared["total"] == 12 + 4 + 4 and shared["needs"].endswith("and the instance groups, in the same subnets, up to 4")
    # Subnets the network role will create are counted by subnet_capacity_rules instead.
    planned = dict(inputs, services_subnet_ids=["subnet-planned-1", "subnet-planned-2"])
    assert [c["variable"] for c in v.aws_checks(["services"], planned)["subnets"]] == ["services_list[1].subnet_ids"]


def test_ecr_repositories_are_checked_with_the_services_and_their_keys_looked_up():
    settings = {"state": "present", "cluster_name": "demo", "name_prefix": "demo-"}
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    good = dict(IDENTITY, services_state="present", services_list=[], __services_settings=settings,
                services_log_retention_days=30, services_ecr_kms_key_arn=key,
                services_ecr_repositories=[{"name": "api"}, {"name": "worker", "kms_key_arn": key}])
    assert v.services_rules(good) == []
    problems = v.services_rules(dict(good, services_ecr_kms_key_arn="aws/ecr",
                                     services_ecr_repositories=[{"name": "Api"}]))
    assert variables(problems) == ["services_ecr_repositories[0].name", "services_ecr_kms_key_arn"]
    keys = v.aws_checks(["services"], good)["kms_keys"]
    assert keys == [{"variable": "services_ecr_kms_key_arn", "key": key},
                    {"variable": "services_ecr_repositories[1].kms_key_arn", "key": key}]


# -- the operator's domain, HTTPS in prod, and the dns role ----------------------------------------------------------
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def _variables(problems):
    return [p.variable for p in problems]


def test_prod_without_https_is_refused_unless_plain_http_is_allowed():
    prod = dict(LB, cloudops_environment="prod")
    problems = v.load_balancer_rules(prod)
    assert _variables(problems) == ["load_balancer_domain"]
    assert "load_balancer_allow_plain_http: true" in problems[0].fix
    assert v.load_balancer_rules(dict(prod, load_balancer_allow_plain_http=True)) == []
    assert v.load_balancer_rules(dict(prod, load_balancer_domain="app.example.com")) == []
    assert v.load_balancer_rules(dict(prod, load_balancer_certificate_arn=CERT)) == []
    assert v.load_balancer_rules(LB) == []  # plain HTTP outside prod: a warning at run time, not an error


def test_domain_names_are_checked_and_need_no_demo_certificate():
    assert _variables(v.load_balancer_rules(dict(LB, load_balancer_domain="*.example.com"))) == ["load_balancer_domain"]
    assert _variables(v.load_balancer_rules(dict(LB, load_balancer_domain="bad_name.example.com"))) == ["load_balancer_domain"]
    assert _variables(v.load_balancer_rules(dict(LB, load_balancer_domain="app.example.com",
                                                 load_balancer_alternative_names=["*.example.com", "x..y"]))) == [
        "load_balancer_alternative_names"]
    assert _variables(v.load_balancer_rules(dict(LB, load_balancer_domain="app.example.com",
                                                 load_balancer_demo_certificate=True,
                                                 load_balancer_demo_domain="demo.cloudops.internal"))) == [
        "load_balancer_demo_certificate"]
    assert _variables(v.load_balancer_rules(dict(LB, load_balancer_alternative_names=["www.example.com"]))) == [
        "load_balancer_alternative_names"]
    outside = v.load_balancer_rules(dict(LB, load_balancer_domain="app.example.com", load_balancer_domain_zone="other.com"))
    assert _variables(outside) == ["load_balancer_domain_zone"]


def test_a_domain_asks_for_its_public_zone_or_a_given_certificate_to_cover_it():
    checks = v.aws_checks(["load_balancer"], dict(LB, load_balancer_domain="app.example.com"))
    assert checks["hosted_zones"] == [{"variable": "load_balancer_domain_zone", "name": "example.com"}]
    assert checks["certificates"] == []
    given = v.aws_checks(["load_balancer"], dict(LB, load_balancer_domain="app.example.com", load_balancer_certificate_arn=CERT,
                                                 load_balancer_alternative_names=["*.example.com"]))
    assert given["hosted_zones"] == []
    assert given["certificates"][0]["domains"] == ["app.example.com", "*.example.com"]


DNS = dict(IDENTITY, dns_state="present", dns_private_zone=True, dns_private_zone_name="demo.internal",
           dns_vpc_id="vpc-0123456789abcdef0", dns_database_writer_name="db", dns_database_reader_name="db-ro",
           dns_load_balancer_name="alb", dns_public_zone="", dns_public_names=[], dns_wait_timeout=600,
           __derived={"dns_private_zone_name"})


def test_dns_inputs():
    assert v.dns_rules(DNS) == []
    assert _variables(v.dns_rules(dict(DNS, dns_vpc_id=""))) == ["dns_vpc_id"]
    assert v.dns_rules(dict(DNS, dns_vpc_id="", dns_private_zone=False)) == []
    assert _variables(v.dns_rules(dict(DNS, dns_database_writer_name="a.b"))) == ["dns_database_writer_name"]
    assert _variables(v.dns_rules(dict(DNS, dns_public_names=["app.example.com"]))) == ["dns_public_names"]
    assert v.dns_rules(dict(DNS, dns_public_zone="example.com", dns_public_names=["app.example.com"])) == []
    assert _variables(v.dns_rules(dict(DNS, dns_public_zone="example.com", dns_public_names=["app.other.com"]))) == [
        "dns_public_names"]
    bad_stack = v.dns_rules(dict(DNS, dns_private_zone_name="Bad_Stack.internal"))
    assert _variables(bad_stack) == ["cloudops_stack_name"]
    assert v.aws_checks(["dns"], dict(DNS, dns_public_zone="example.com"))["hosted_zones"] == [
        {"variable": "dns_public_zone", "name": "example.com"}]


ALARMS = dict(IDENTITY, alarms_state="present", alarms_name_prefix="demo-alarm-", alarms_evaluation_minutes=5,
              alarms_capacity_reservation_minutes=30, alarms_alb_5xx_rate_percent=5.0, alarms_service_cpu_percent=90.0,
              alarms_service_memory_percent=90.0, alarms_database_cpu_percent=80.0, alarms_unhealthy_hosts=0,
              alarms_topic_arn="arn:aws:sns:us-east-1:123456789012:demo-stopped-tasks")


def test_alarms_rules_name_each_bad_threshold():
    assert v.alarms_rules(ALARMS) == []
    problems = v.alarms_rules(dict(ALARMS, alarms_evaluation_minutes=0, alarms_service_cpu_percent=120.0,
                                   alarms_unhealthy_hosts=-1, alarms_name_prefix="",
                                   alarms_topic_arn="arn:aws:sqs:us-east-1:123456789012:q"))
    assert sorted(variables(problems)) == ["alarms_evaluation_minutes", "alarms_name_prefix", "alarms_service_cpu_percent",
                                           "alarms_topic_arn", "alarms_unhealthy_hosts"]
    assert v.alarms_rules(dict(ALARMS, alarms_state="absent", alarms_evaluation_minutes=0)) == []


def test_ecs_instances_system_logs_retention_and_key_are_checked():
    base = dict(IDENTITY, ecs_instances_groups=[{"name": "ondemand", "instance_type": "m6i.large"}],
                ecs_instances_group_defaults={}, ecs_instances_role_name="demo-ecs-instance")
    good = dict(base, ecs_instances_system_logs=True, ecs_instances_system_logs_retention_days=30,
                ecs_instances_system_logs_prefix="/demo/instances/", ecs_instances_system_logs_kms_key_arn="",
                ecs_instances_system_logs_key_alias="alias/demo-instance-logs")
    assert not [p for p in variables(v.ecs_instances_rules(good)) if "system_logs" in p]
    bad = dict(good, ecs_instances_system_logs_retention_days=31, ecs_instances_system_logs_kms_key_arn="key-1")
    assert [p for p in variables(v.ecs_instances_rules(bad)) if "system_logs" in p] == [
        "ecs_instances_system_logs_retention_days", "ecs_instances_system_logs_kms_key_arn"]
    assert not [p for p in variables(v.ecs_instances_rules(dict(bad, ecs_instances_system_logs=False))) if "system_logs" in p]


def test_a_given_instances_security_group_is_looked_up_and_a_planned_one_is_not():
    assert v.aws_checks(["ecs_instances"], INSTANCES)["security_groups"] == []
    given = dict(INSTANCES, ecs_instances_security_group_id="sg-0123456789abcdef0")
    assert v.aws_checks(["ecs_instances"], given)["security_groups"] == [
        {"variable": "ecs_instances_security_group_id", "id": "sg-0123456789abcdef0", "no_ssh": True}]
