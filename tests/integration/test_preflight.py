"""site.yml refuses every bad input of the whole platform in its first task, naming the variable, the value and
the fix, without a traceback, and leaves the account exactly as it was. One local AWS for all cases; each case
stops in the pre-flight (a few seconds)."""
import pytest

SITE = "playbooks/site.yml"
GROUP = {"name": "ondemand", "instance_type": "m6i.large", "min_size": 1, "max_size": 2, "desired_capacity": 1}
WEB = {"name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 256, "container_port": 80,
       "listener_rule": {"path": "/*", "priority": 100}}

CASES = {
    "database_mode": ({"database_mode": "huge"}, "database_mode = 'huge': use standard (one writer) or ha"),
    "backup_retention_40": ({"database_backup_retention_days": 40},
                            "database_backup_retention_days = 40: Aurora keeps automated backups 1 to 35 days"),
    "scheme_public": ({"load_balancer_scheme": "public"},
                      "load_balancer_scheme = 'public': use internet-facing (public subnets, reachable from the internet) "
                      "or internal"),
    "min_above_max": ({"ecs_instances_groups": [dict(GROUP, min_size=5, max_size=2, desired_capacity=3)]},
                      "ecs_instances_groups[ondemand].min_size = 5: greater than max_size (2): lower min_size or raise "
                      "max_size"),
    "min_percent_above_max_percent": ({"services_list": [dict(WEB, min_percent=100, max_percent=50)]},
                                      "services_list[0].max_percent: 50 is out of range; use 100-200"),
    "unknown_instance_type": ({"ecs_instances_groups": [dict(GROUP, instance_type="m9z.mega")]},
                              "ecs_instances_groups[ondemand].instance_type = 'm9z.mega': no such EC2 instance type in "
                              "this region; fix the name"),
    "container_port_99999": ({"services_list": [dict(WEB, container_port=99999)]},
                             "services_list[0].container_port = 99999: not a port: use the port the container listens "
                             "on, 1-65535"),
    "stack_name_with_space": ({"cloudops_stack_name": "my stack"},
                              "cloudops_stack_name = 'my stack': use lowercase letters, digits and single hyphens"),
    "az_the_region_lacks": ({"network_azs": ["us-east-1a", "us-east-1z"], "network_az_count": 2},
                            "network_azs = 'us-east-1z': us-east-1 has no Availability Zone us-east-1z"),
    "db_class_not_orderable": ({"database_instance_class": "db.m9.huge"},
                               "database_instance_class = 'db.m9.huge': not orderable for aurora-mysql"),
}


def account(aws):
    """Everything a run of site.yml could leave behind, in the services it touches first."""
    ec2, kms, iam, logs = aws("ec2"), aws("kms"), aws("iam"), aws("logs")
    return {
        "vpcs": sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]),
        "subnets": sorted(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]),
        "security_groups": sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]),
        "kms_keys": sorted(k["KeyId"] for k in kms.list_keys()["Keys"]),
        "roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
        "log_groups": sorted(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]),
        "tagged": sorted(r["ResourceARN"] for r in aws("resourcegroupstaggingapi").get_resources(
            TagFilters=[{"Key": "cloudops:stack"}])["ResourceTagMappingList"]),
    }


@pytest.fixture(scope="module")
def before(aws):
    return account(aws)


# The pre-flight reports every bad input at once: the input rules (no AWS call) in one run, and the read-only
# AWS checks (made only when the rules pass) in another; each case's message is asserted on its own.
RULE_CASES = ["database_mode", "backup_retention_40", "scheme_public", "min_above_max", "min_percent_above_max_percent",
              "container_port_99999", "stack_name_with_space"]
AWS_CASES = ["unknown_instance_type", "az_the_region_lacks", "db_class_not_orderable"]


def combined(names):
    extra_vars = {}
    for name in names:
        for key, value in CASES[name][0].items():
            if key in ("ecs_instances_groups", "services_list") and key in extra_vars:
                value = [dict(extra_vars[key][0], **value[0])]
            extra_vars[key] = value
    return extra_vars


@pytest.mark.parametrize("names", [RULE_CASES, AWS_CASES], ids=["rules", "aws"])
def test_site_refuses_every_bad_input_before_any_change(playbook, aws, before, names):
    run = playbook(SITE, extra_vars=combined(names))
    out = " ".join(run.output.split())
    assert run.rc != 0
    assert f"Pre-flight found {len(names)} problem(s); nothing was changed" in out, run.output
    for name in names:
        assert CASES[name][1] in out, (name, run.output)
    assert "Traceback" not in run.output
    # Nothing ran but the AWS session (playbooks/tasks/aws_session.yml: the job's environment check, the connection
    # settings resolved) and the pre-flight.
    assert "TASK [Network" not in run.output and run.stats.get("ok", 0) <= 2, run.output
    assert account(aws) == before


@pytest.mark.parametrize("play, extra_vars, expected", [
    ("playbooks/teardown.yml", {"teardown_kms_pending_days": 3, "teardown_confirm": True},
     "teardown_kms_pending_days = 3: KMS schedules key deletion 7 to 30 days ahead: use 7-30"),
    ("playbooks/roll_instances.yml", {"roll_batch_size": 0},
     "instance_roll_batch_size = 0: instances replaced at once per group (-e roll_batch_size): 1 to 100"),
    ("playbooks/verify.yml", {"verify_checks": ["services", "dns"]}, "verify_checks = ['services', 'dns']: name checks"),
], ids=["teardown", "roll", "verify"])
def test_day2_playbooks_refuse_bad_inputs_first(playbook, aws, before, play, extra_vars, expected):
    run = playbook(play, extra_vars=extra_vars)
    out = " ".join(run.output.split())
    assert run.rc != 0 and expected in out, run.output
    # Nothing ran but the AWS session (environment check, connection settings), the role's argument-spec validation
    # (roll) and the pre-flight.
    assert run.stats.get("ok", 0) <= 3 and run.stats.get("changed", 0) == 0 and "Traceback" not in run.output
    assert account(aws) == before


def test_site_passes_the_preflight_with_the_shipped_inventory_in_check_mode(playbook, aws, before):
    run = playbook(SITE, check=True)
    preflight = run.output.split("TASK [Pre-flight of every role's inputs", 1)[1].split("TASK [", 1)[0]
    assert "ok: [localhost]" in preflight, run.output
    assert account(aws) == before
