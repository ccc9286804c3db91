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


@pytest.mark.parametrize("case", sorted(CASES))
def test_site_refuses_a_bad_input_before_any_change(playbook, aws, before, case):
    extra_vars, expected = CASES[case]
    run = playbook(SITE, extra_vars=extra_vars)
    out = " ".join(run.output.split())
    assert run.rc != 0
    assert "Pre-flight found" in out and "nothing was changed" in out
    assert expected in out, run.output
    assert "Traceback" not in run.output
    # The pre-flight is the only task that ran.
    assert "TASK [Network" not in run.output and run.stats.get("ok", 0) == 0, run.output
    assert account(aws) == before


def test_site_passes_the_preflight_with_the_shipped_inventory_in_check_mode(playbook, aws, before):
    run = playbook(SITE, check=True)
    preflight = run.output.split("TASK [Pre-flight of every role's inputs", 1)[1].split("TASK [", 1)[0]
    assert "ok: [localhost]" in preflight, run.output
    assert account(aws) == before
