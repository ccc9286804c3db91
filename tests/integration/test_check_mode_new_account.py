"""`site.yml --check --diff` on a new account, for every shipped inventory (endpoint and credentials overridden so
they talk to the local AWS): it exits 0, every role says what it would create, and the account is left exactly as
it was. teardown.yml --check on the new account has nothing to do."""
import re

import pytest

CHECK_ONLY = {"cloudops_aws_access_key": "testing", "cloudops_aws_secret_key": "testing"}
# each role's planned work, as its tasks report it in check mode when the stack's network does not exist yet
WOULD_CREATE = {
    "network": r"^\+\s+vpc:$",  # the network module's --diff: nothing before, a VPC after
    "endpoints": r"msg: would create gateway endpoints",
    "database": r"msg: would create the DB subnet group",
    "load_balancer": r"msg: would create the \S+ ALB \S+ with listeners on",
    "ecs_instances": r"msg: would create the Auto Scaling groups",
    "services": r"msg: would create the target groups and listener rules",
    "dns": r"msg: would create the private hosted zone",
}
REGIONS = {"dev": "us-east-1", "staging": "us-east-1", "prod": "us-west-2"}
# prod serves HTTPS: its inventory names no domain (the operator's to set), so the check run names one in the
# operator's public zone, which exists before the stack
PROD_DOMAIN = {"load_balancer_domain": "app.example.test", "dns_public_zone": "example.test"}


def account_snapshot(aws_in):
    """What a check run must not create, in one region: everything but the default VPC."""
    ec2, iam = aws_in("ec2"), aws_in("iam")
    return {
        "vpcs": sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]),
        "security_groups": sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]
                                  if g["GroupName"] != "default"),
        "launch_templates": ec2.describe_launch_templates()["LaunchTemplates"],
        "kms_keys": aws_in("kms").list_keys()["Keys"],
        "iam_roles": [r["RoleName"] for r in iam.list_roles()["Roles"]],
        "log_groups": aws_in("logs").describe_log_groups()["logGroups"],
        "ecs_clusters": aws_in("ecs").list_clusters()["clusterArns"],
        "task_definitions": aws_in("ecs").list_task_definitions()["taskDefinitionArns"],
        "db_clusters": aws_in("rds").describe_db_clusters()["DBClusters"],
        "load_balancers": aws_in("elbv2").describe_load_balancers()["LoadBalancers"],
        "topics": aws_in("sns").list_topics()["Topics"],
        "auto_scaling_groups": aws_in("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"],
        "hosted_zones": aws_in("route53").list_hosted_zones()["HostedZones"],
        "certificates": aws_in("acm").list_certificates()["CertificateSummaryList"],
    }


@pytest.fixture
def aws_in(endpoint):
    import boto3

    def make(region):
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name=region)
        return lambda service: session.client(service, endpoint_url=endpoint)

    return make


@pytest.mark.parametrize("inventory", ["dev", "staging", "prod"])
def test_check_mode_on_a_new_account_reports_every_role_and_creates_nothing(inventory, playbook, aws_in):
    clients = aws_in(REGIONS[inventory])
    extra_vars = dict(CHECK_ONLY)
    if inventory == "prod":
        _public_zone(clients, PROD_DOMAIN["dns_public_zone"])
        extra_vars.update(PROD_DOMAIN)
    before = account_snapshot(clients)

    run = playbook("playbooks/site.yml", inventory=inventory, extra_vars=extra_vars, check=True, diff=True)

    assert run.rc == 0, run.output[-6000:]
    assert run.changed >= len(WOULD_CREATE), run.output[-6000:]
    missing = [role for role, pattern in WOULD_CREATE.items() if not re.search(pattern, run.output, re.M)]
    assert not missing, run.output[-6000:]
    assert "Traceback" not in run.output
    assert account_snapshot(clients) == before


def _public_zone(clients, name):
    route53 = clients("route53")
    if not [z for z in route53.list_hosted_zones_by_name(DNSName=name)["HostedZones"] if z["Name"] == name + "."]:
        route53.create_hosted_zone(Name=name, CallerReference=name)


def test_prod_without_https_is_refused_before_anything_is_read_or_made(playbook, aws_in):
    run = playbook("playbooks/site.yml", inventory="prod", extra_vars=CHECK_ONLY, check=True)
    assert run.rc != 0
    assert "load_balancer_domain" in run.output and "load_balancer_allow_plain_http" in run.output, run.output[-3000:]
    assert run.writes == [], run.writes


def test_teardown_check_on_a_new_account_has_nothing_to_do(playbook, aws_in):
    clients = aws_in("us-east-1")
    before = account_snapshot(clients)
    run = playbook("playbooks/teardown.yml", extra_vars=CHECK_ONLY, check=True)
    assert run.rc == 0, run.output[-6000:]
    assert "DRY RUN: nothing deleted; -e teardown_confirm=true deletes these 0 resources" in run.output, \
        run.output[-6000:]
    assert run.writes == [], run.writes  # a dry run in check mode: only Describe/List/Get calls
    assert account_snapshot(clients) == before
