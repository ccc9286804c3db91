"""The load_balancer role against the local AWS: bad input refused before any change; an
internet-facing ALB with a demo certificate (HTTP 301 to HTTPS, TLS 1.3 policy, 404 default, header
dropping), security group rules on the ALB and instance groups; check mode and re-runs report no change
and keep listener rules other roles added; plain HTTP with a warning; guarded teardown; internal ALB.
Each test gets its own VPC and security groups (boto3, cheap), so none depends on what another left."""
import json
import re

import pytest

PLAYBOOK = "tests/integration/playbooks/load_balancer_site.yml"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@pytest.fixture
def network(aws, local_aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    azs = ["us-east-1a", "us-east-1b"]
    public = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
              for i, az in enumerate(azs)]
    private = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{10 + i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
               for i, az in enumerate(azs)]
    alb = ec2.create_security_group(GroupName="demo-alb", Description="ALB", VpcId=vpc)["GroupId"]
    instances = ec2.create_security_group(GroupName="demo-ecs-instances", Description="ECS instances", VpcId=vpc)["GroupId"]
    return {"vpc_id": vpc, "vpc_cidr": "10.42.0.0/16", "azs": azs, "public_subnet_ids": public,
            "private_subnet_ids": private, "security_groups": {"alb": alb, "ecs_instances": instances}}


def run(playbook, network, check=False, diff=False, **extra):
    extra_vars = {"cloudops_network": network, "load_balancer_deletion_protection": False, "load_balancer_test_wait": False,
                  "load_balancer_demo_certificate": False}
    extra_vars.update(extra)
    return playbook(PLAYBOOK, extra_vars=extra_vars, check=check, diff=diff)


def published(result):
    match = re.search(r"CLOUDOPS_LOAD_BALANCER=(\{.*?\})'?$", result.output.replace("\n        ", " "), re.M)
    assert match, result.output
    return json.loads(match.group(1))


def load_balancers(aws, network):
    """The load balancers in this test's VPC, by name."""
    return {lb["LoadBalancerName"]: lb for lb in aws("elbv2").describe_load_balancers()["LoadBalancers"]
            if lb["VpcId"] == network["vpc_id"]}


def listeners(aws, arn):
    return {listener["Port"]: listener for listener in aws("elbv2").describe_listeners(LoadBalancerArn=arn)["Listeners"]}


def attributes(aws, arn):
    return {a["Key"]: a["Value"] for a in aws("elbv2").describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}


def ingress(aws, group_id):
    rules = aws("ec2").describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroupRules"]
    return sorted((r["FromPort"], r["ToPort"], r.get("CidrIpv4") or r["ReferencedGroupInfo"]["GroupId"])
                  for r in rules if not r["IsEgress"])


def test_bad_input_is_refused_before_any_change(playbook, network, aws):
    scheme = run(playbook, network, load_balancer_scheme="public")
    assert scheme.rc != 0
    assert "load_balancer_scheme" in scheme.output and "internet-facing, internal" in scheme.output
    wrong = run(playbook, network, load_balancer_certificate_arn="arn:aws:iam::123456789012:server-certificate/demo",
                load_balancer_allowed_cidrs=["everyone"], load_balancer_subnet_ids=network["public_subnet_ids"][:1])
    assert wrong.rc != 0
    output = " ".join(wrong.output.split())
    assert ("load_balancer_certificate_arn = 'arn:aws:iam::123456789012:server-certificate/demo': not an ACM certificate "
            "ARN (arn:<partition>:acm:us-east-1:") in output
    assert "load_balancer_allowed_cidrs = ['everyone']: give a non-empty list of IPv4 CIDRs" in output
    assert "load_balancer_subnet_ids = ['subnet-" in output and "an ALB needs subnets in at least two AZs" in output
    other_region = run(playbook, network, load_balancer_certificate_arn="arn:aws:acm:eu-west-1:123456789012:certificate/"
                       "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
    assert other_region.rc != 0 and "not an ACM certificate ARN (arn:<partition>:acm:us-east-1:" in " ".join(
        other_region.output.split())
    assert load_balancers(aws, network) == {}
    assert ingress(aws, network["security_groups"]["alb"]) == []
    assert [run.writes for run in (scheme, wrong, other_region)] == [[], [], []]


def test_https_alb_converges_keeps_service_rules_and_tears_down(playbook, network, aws):
    alb_sg, instance_sg = network["security_groups"]["alb"], network["security_groups"]["ecs_instances"]
    created = run(playbook, network, load_balancer_demo_certificate=True, load_balancer_target_ports=[8080],
                  load_balancer_test_wait=True)
    assert created.rc == 0, created.output
    fact = published(created)
    lb = load_balancers(aws, network)["demo-alb"]
    assert lb["Scheme"] == "internet-facing" and lb["State"]["Code"] == "active"
    assert sorted(az["SubnetId"] for az in lb["AvailabilityZones"]) == sorted(network["public_subnet_ids"])
    assert lb["SecurityGroups"] == [alb_sg]
    assert fact["arn"] == lb["LoadBalancerArn"] and fact["dns_name"] == lb["DNSName"] and fact["security_group_id"] == alb_sg
    found = listeners(aws, lb["LoadBalancerArn"])
    assert sorted(found) == [80, 443]
    assert fact["http_listener_arn"] == found[80]["ListenerArn"]
    assert fact["https_listener_arn"] == fact["default_listener_arn"] == found[443]["ListenerArn"]
    redirect = found[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS" and redirect["RedirectConfig"]["Port"] == "443"
    assert redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"
    https = found[443]
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"] == TLS_POLICY
    assert https["DefaultActions"][0]["Type"] == "fixed-response"
    assert https["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "404"
    certificate = aws("acm").describe_certificate(CertificateArn=https["Certificates"][0]["CertificateArn"])["Certificate"]
    assert certificate["Type"] == "IMPORTED" and certificate["DomainName"] == "demo.cloudops.internal"
    assert "PRIVATE KEY" not in created.output
    attrs = attributes(aws, lb["LoadBalancerArn"])
    assert attrs["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attrs["deletion_protection.enabled"] == "false"
    tags = {t["Key"]: t["Value"] for t in aws("elbv2").describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]}
    assert tags == {"Name": "demo-alb", "Environment": "local", "cloudops:stack": "demo", "Owner": "platform-team"}
    assert ingress(aws, alb_sg) == [(80, 80, "0.0.0.0/0"), (443, 443, "0.0.0.0/0")]
    assert ingress(aws, instance_sg) == [(8080, 8080, alb_sg), (32768, 65535, alb_sg)]

    # a listener rule the services role would add must survive re-runs of this role
    group = aws("elbv2").create_target_group(Name="demo-web", Protocol="HTTP", Port=80, VpcId=network["vpc_id"])["TargetGroups"][0]
    aws("elbv2").create_rule(ListenerArn=found[443]["ListenerArn"], Priority=10,
                             Conditions=[{"Field": "path-pattern", "Values": ["/web/*"]}],
                             Actions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}])

    checked = run(playbook, network, load_balancer_demo_certificate=True, load_balancer_target_ports=[8080], check=True, diff=True)
    assert checked.rc == 0, checked.output
    assert checked.changed == 0, checked.output
    assert checked.writes == [], checked.writes
    again = run(playbook, network, load_balancer_demo_certificate=True, load_balancer_target_ports=[8080])
    assert again.rc == 0, again.output
    assert again.changed == 0, again.output
    rules = aws("elbv2").describe_rules(ListenerArn=found[443]["ListenerArn"])["Rules"]
    assert [r["Priority"] for r in rules if not r["IsDefault"]] == ["10"]

    plain = run(playbook, network, load_balancer_deletion_protection=True)
    assert plain.rc == 0, plain.output
    assert "serves plain HTTP on port 80 without encryption" in " ".join(plain.output.split())
    found = listeners(aws, lb["LoadBalancerArn"])
    assert sorted(found) == [80]
    assert found[80]["DefaultActions"][0]["Type"] == "fixed-response"
    assert attributes(aws, lb["LoadBalancerArn"])["deletion_protection.enabled"] == "true"
    assert ingress(aws, alb_sg) == [(80, 80, "0.0.0.0/0")]
    assert published(plain)["default_listener_arn"] == found[80]["ListenerArn"]

    refused = run(playbook, network, load_balancer_state="absent")
    assert refused.rc != 0 and "deletion protection on; refusing to delete it" in " ".join(refused.output.split())
    assert "demo-alb" in load_balancers(aws, network)

    removed = run(playbook, network, load_balancer_state="absent", load_balancer_force_destroy=True,
                  load_balancer_demo_certificate=True, load_balancer_target_ports=[8080])
    assert removed.rc == 0, removed.output
    assert load_balancers(aws, network) == {}
    assert ingress(aws, alb_sg) == [] and ingress(aws, instance_sg) == []
    assert aws("acm").list_certificates()["CertificateSummaryList"] == []


def test_internal_alb_uses_private_subnets_and_the_vpc_cidr(playbook, network, aws):
    internal = run(playbook, network, load_balancer_scheme="internal", load_balancer_name="demo-internal",
                   load_balancer_bridge_ports=False, load_balancer_target_ports=[9000])
    assert internal.rc == 0, internal.output
    lb = load_balancers(aws, network)["demo-internal"]
    assert lb["Scheme"] == "internal"
    assert sorted(az["SubnetId"] for az in lb["AvailabilityZones"]) == sorted(network["private_subnet_ids"])
    assert ingress(aws, network["security_groups"]["alb"]) == [(80, 80, "10.42.0.0/16")]
    assert ingress(aws, network["security_groups"]["ecs_instances"]) == [(9000, 9000, network["security_groups"]["alb"])]
