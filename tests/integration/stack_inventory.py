"""What carries a stack's tag, read back from AWS: the yardstick of the teardown and journey tests ("nothing tagged
left") and of the interrupted and faulty site.yml runs (no duplicates)."""
import os

import yaml

STACK_TAG = "cloudops:stack"


def tag_map(tags, key="Key", value="Value"):
    return {t[key]: t[value] for t in tags or []}


def stack_inventory(aws, stack="demo"):
    """{kind: sorted ids} of everything in the services site.yml touches that carries cloudops:stack=<stack> and is
    not already on its way out (deleting databases, deleted NAT gateways and endpoints, keys pending deletion,
    secrets scheduled for deletion, INACTIVE ECS resources). Scalable targets and scaling policies have no stack
    tag: they are the stack's by their resource id service/<cluster>/..."""
    inventory = {}
    flt = [{"Name": "tag:" + STACK_TAG, "Values": [stack]}]

    def add(kind, ids):
        if ids:
            inventory[kind] = sorted(set(ids))

    def tagged(tags, key="Key", value="Value"):
        return tag_map(tags, key, value).get(STACK_TAG) == stack

    ec2 = aws("ec2")
    add("vpc", [v["VpcId"] for v in ec2.describe_vpcs(Filters=flt)["Vpcs"]])
    add("subnet", [s["SubnetId"] for s in ec2.describe_subnets(Filters=flt)["Subnets"]])
    add("route_table", [r["RouteTableId"] for r in ec2.describe_route_tables(Filters=flt)["RouteTables"]])
    add("internet_gateway", [i["InternetGatewayId"] for i in ec2.describe_internet_gateways(Filters=flt)["InternetGateways"]])
    add("nat_gateway", [n["NatGatewayId"] for n in ec2.describe_nat_gateways(Filters=flt)["NatGateways"]
                        if n["State"] not in ("deleted", "deleting")])
    add("elastic_ip", [a["AllocationId"] for a in ec2.describe_addresses(Filters=flt)["Addresses"]])
    add("security_group", [g["GroupId"] for g in ec2.describe_security_groups(Filters=flt)["SecurityGroups"]])
    add("vpc_endpoint", [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]
                         if e["State"].lower() not in ("deleted", "deleting")])
    add("launch_template", [t["LaunchTemplateId"] for t in ec2.describe_launch_templates(Filters=flt)["LaunchTemplates"]])
    add("flow_log", [f["FlowLogId"] for f in ec2.describe_flow_logs(Filter=flt)["FlowLogs"]])

    add("autoscaling_group", [g["AutoScalingGroupName"] for g in aws("autoscaling").describe_auto_scaling_groups(
        Filters=flt)["AutoScalingGroups"]])

    ecs = aws("ecs")
    cluster_arns = ecs.list_clusters()["clusterArns"]
    clusters = [c for c in (ecs.describe_clusters(clusters=cluster_arns, include=["TAGS"])["clusters"] if cluster_arns else [])
                if c["status"] != "INACTIVE" and tagged(c.get("tags"), "key", "value")]
    add("ecs_cluster", [c["clusterName"] for c in clusters])
    services = []
    for cluster in clusters:
        arns = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        if arns:
            services += [s["serviceArn"] for s in ecs.describe_services(cluster=cluster["clusterArn"], services=arns)["services"]
                         if s["status"] != "INACTIVE"]
    add("ecs_service", services)
    add("ecs_capacity_provider", [p["name"] for p in ecs.describe_capacity_providers(include=["TAGS"])["capacityProviders"]
                                  if p.get("status") == "ACTIVE" and tagged(p.get("tags"), "key", "value")])
    add("task_definition", [arn for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
                            if tagged(ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]).get("tags"),
                                      "key", "value")])
    scaling = aws("application-autoscaling")
    owned = f"service/{stack}/"
    add("scalable_target", [t["ResourceId"] for t in scaling.describe_scalable_targets(ServiceNamespace="ecs")[
        "ScalableTargets"] if t["ResourceId"].startswith(owned)])
    add("scaling_policy", [p["PolicyARN"] for p in scaling.describe_scaling_policies(ServiceNamespace="ecs")[
        "ScalingPolicies"] if p["ResourceId"].startswith(owned)])
    # alarms carry no tags: the stack's are named after it (the account holds no other stack)
    add("cloudwatch_alarm", [a["AlarmName"] for a in aws("cloudwatch").describe_alarms()["MetricAlarms"]
                             if a["AlarmName"].startswith(f"{stack}-")])

    elbv2 = aws("elbv2")
    for kind, arns in (
            ("load_balancer", [b["LoadBalancerArn"] for b in elbv2.describe_load_balancers()["LoadBalancers"]]),
            ("target_group", [g["TargetGroupArn"] for g in elbv2.describe_target_groups()["TargetGroups"]])):
        add(kind, [d["ResourceArn"] for start in range(0, len(arns), 20)
                   for d in elbv2.describe_tags(ResourceArns=arns[start:start + 20])["TagDescriptions"]
                   if tagged(d["Tags"])])

    rds = aws("rds")
    # a database the API still shows as deleting is on its way out
    add("db_cluster", [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]
                       if tagged(c.get("TagList")) and c["Status"] != "deleting"])
    add("db_instance", [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]
                        if tagged(i.get("TagList")) and i["DBInstanceStatus"] != "deleting"])
    for kind, method, key, name, arn in (
            ("db_subnet_group", "describe_db_subnet_groups", "DBSubnetGroups", "DBSubnetGroupName", "DBSubnetGroupArn"),
            ("db_cluster_parameter_group", "describe_db_cluster_parameter_groups", "DBClusterParameterGroups",
             "DBClusterParameterGroupName", "DBClusterParameterGroupArn"),
            ("db_parameter_group", "describe_db_parameter_groups", "DBParameterGroups", "DBParameterGroupName",
             "DBParameterGroupArn")):
        add(kind, [g[name] for g in getattr(rds, method)()[key]
                   if not g[name].startswith("default.")
                   and tagged(rds.list_tags_for_resource(ResourceName=g[arn])["TagList"])])

    kms = aws("kms")
    keys = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") != "AWS" and meta["KeyState"] != "PendingDeletion" and tagged(
                kms.list_resource_tags(KeyId=key["KeyId"])["Tags"], "TagKey", "TagValue"):
            keys.append(key["KeyId"])
    add("kms_key", keys)

    logs = aws("logs")
    add("log_group", [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]
                      if logs.list_tags_log_group(logGroupName=g["logGroupName"])["tags"].get(STACK_TAG) == stack])

    iam = aws("iam")
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if tagged(iam.list_role_tags(RoleName=r["RoleName"])["Tags"])]
    add("iam_role", roles)
    # the local IAM cannot list instance profile tags: a profile is the stack's by its tags or by its roles
    add("instance_profile", [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]
                             if tagged(p.get("Tags")) or {r["RoleName"] for r in p["Roles"]} & set(roles)])
    add("iam_policy", [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
                       if tagged(iam.list_policy_tags(PolicyArn=p["Arn"])["Tags"])])

    sns = aws("sns")
    add("sns_topic", [t["TopicArn"] for t in sns.list_topics()["Topics"]
                      if tagged(sns.list_tags_for_resource(ResourceArn=t["TopicArn"])["Tags"])])
    events = aws("events")
    add("events_rule", [r["Name"] for r in events.list_rules()["Rules"]
                        if tagged(events.list_tags_for_resource(ResourceARN=r["Arn"])["Tags"])])
    acm = aws("acm")
    add("acm_certificate", [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]
                            if tagged(acm.list_tags_for_certificate(CertificateArn=c["CertificateArn"])["Tags"])])
    add("secret", [s["ARN"] for s in aws("secretsmanager").list_secrets()["SecretList"]
                   if tagged(s.get("Tags")) and not s.get("DeletedDate")])
    add("efs_file_system", [f["FileSystemId"] for f in aws("efs").describe_file_systems()["FileSystems"]
                            if tagged(f.get("Tags")) and f["LifeCycleState"] not in ("deleting", "deleted")])
    ecr = aws("ecr")
    add("ecr_repository", [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]
                           if tagged(ecr.list_tags_for_resource(resourceArn=r["repositoryArn"])["tags"])])
    route53 = aws("route53")
    zones = route53.list_hosted_zones()["HostedZones"]
    owned, others = [], []
    for zone in zones:
        zone_id = zone["Id"].rsplit("/", 1)[-1]
        tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)["ResourceTagSet"].get("Tags")
        (owned if tagged(tags) else others).append(zone_id)
    add("route53_zone", owned)
    # records the stack writes into zones it does not own (the operator's public zone): aliases to a load balancer and
    # ACM validation CNAMEs (the account holds no other stack)
    add("route53_record", [f"{zone_id}/{r['Name']}/{r['Type']}" for zone_id in others
                           for r in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
                           if ".elb.amazonaws.com" in (r.get("AliasTarget") or {}).get("DNSName", "")
                           or any("acm-validations.aws" in v["Value"] for v in r.get("ResourceRecords") or [])])
    return inventory


# -- what a converged stack holds, against the inventory -----------------------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIVE_NAT_STATES = ("pending", "available")


def inventory_vars(inventory="local"):
    """The group_vars of inventories/<inventory> (every file of group_vars/all), as one dict."""
    folder = os.path.join(ROOT, "inventories", inventory, "group_vars", "all")
    merged = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yml", ".yaml")):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                merged.update(yaml.safe_load(handle) or {})
    return merged


def expected_stack(inventory="local"):
    """{kind: count} of what one clean site.yml run on the inventory makes, for the kinds a run that was killed,
    or retried through faults, could make twice; plus the launch template versions and task definition revisions a
    clean run makes (version 1 of each template, revision 1 of each family: a re-run makes none)."""
    v = inventory_vars(inventory)
    stack = v["cloudops_stack_name"]
    azs = int(v.get("network_az_count", 3))
    nats = {"per_az": azs, "single": 1, "none": 0}[v.get("network_nat_mode", "per_az")]
    groups = v["ecs_instances_groups"]
    services = v["services_list"]
    # flow logs, database, ECS Exec, alerts topic, and the service log groups' key unless the inventory gives one
    aliases = {f"alias/{stack}-vpc-flow-logs", f"alias/{stack}-database", f"alias/{stack}-ecs-exec",
               f"alias/{stack}-service-alerts"}
    if not v.get("services_log_kms_key_arn"):
        aliases.add(f"alias/{stack}-service-logs")
    # the instances' system log groups' key, unless the inventory gives one or ships no system logs
    if v.get("ecs_instances_system_logs", True) and not v.get("ecs_instances_system_logs_kms_key_arn"):
        aliases.add(f"alias/{stack}-instance-logs")
    return {
        "counts": {
            "vpc": 1, "internet_gateway": 1, "subnet": 2 * azs, "nat_gateway": nats, "elastic_ip": nats, "flow_log": 1,
            "ecs_cluster": 1, "autoscaling_group": len(groups), "ecs_capacity_provider": len(groups),
            "launch_template": len(groups), "ecs_service": len(services), "task_definition": len(services),
            # a traffic-shifting service (blue_green, linear, canary) has an alternate target group as well
            "target_group": sum(1 for s in services if s.get("listener_rule")) + sum(
                1 for s in services if s.get("listener_rule") and s.get("deployment_strategy", "rolling") != "rolling"),
            "load_balancer": 1,
            "db_cluster": 1, "db_instance": 2 if v.get("database_mode") == "ha" else 1, "efs_file_system": 1,
            "acm_certificate": 1, "sns_topic": 1, "events_rule": 1,
            "route53_zone": 1 if v.get("dns_private_zone", True) else 0,
            "kms_key": len(aliases),
        },
        "kms_aliases": aliases,
        "launch_template_versions": {f"{stack}-{g['name']}": 1 for g in groups},
        "task_definition_revisions": {f"{stack}-{s['name']}": [1] for s in services},
    }


def duplicates(aws, stack="demo", inventory="local"):
    """(figures, problems): what the stack holds of each kind expected_stack() names, and one line per kind where it
    holds more (a duplicate) or less than a clean run makes; [] when the stack is exactly what a clean run makes."""
    expected = expected_stack(inventory)
    found = stack_inventory(aws, stack)
    figures = {kind: len(found.get(kind, [])) for kind in expected["counts"]}
    problems = [f"{kind}: {figures[kind]}, a clean run makes {count}" for kind, count in expected["counts"].items()
                if figures[kind] != count]

    ec2 = aws("ec2")
    flt = [{"Name": "tag:" + STACK_TAG, "Values": [stack]}]
    subnets = {s["SubnetId"]: s["AvailabilityZone"] for s in ec2.describe_subnets(Filters=flt)["Subnets"]}
    nats = [n for n in ec2.describe_nat_gateways(Filters=flt)["NatGateways"] if n["State"] in LIVE_NAT_STATES]
    per_az = {}
    for nat in nats:
        per_az.setdefault(subnets.get(nat["SubnetId"], "?"), []).append(nat["NatGatewayId"])
    figures["nat_gateways_per_az"] = {az: len(ids) for az, ids in sorted(per_az.items())}
    problems += [f"NAT gateways in {az}: {ids}" for az, ids in per_az.items() if len(ids) > 1]
    nat_eips = {a["AllocationId"] for n in nats for a in n.get("NatGatewayAddresses", [])}
    eips = set(found.get("elastic_ip", []))
    if eips != nat_eips:
        problems.append(f"Elastic IPs not on a NAT gateway: {sorted(eips - nat_eips)}")

    kms = aws("kms")
    keys = set(found.get("kms_key", []))
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"] if a.get("TargetKeyId") in keys}
    figures["kms_aliases"] = sorted(aliases)
    if set(aliases) != expected["kms_aliases"]:
        problems.append(f"KMS aliases {sorted(aliases)}, a clean run makes {sorted(expected['kms_aliases'])}")
    if set(aliases.values()) != keys:
        problems.append(f"KMS keys of the stack without an alias: {sorted(keys - set(aliases.values()))}")

    versions = {t["LaunchTemplateName"]: t["LatestVersionNumber"] for t in ec2.describe_launch_templates(
        Filters=[{"Name": "launch-template-name", "Values": list(expected["launch_template_versions"])}])[
        "LaunchTemplates"]}
    figures["launch_template_versions"] = versions
    if versions != expected["launch_template_versions"]:
        problems.append(f"launch template versions {versions}, a clean run makes {expected['launch_template_versions']}")

    ecs = aws("ecs")
    revisions = {}
    for family in expected["task_definition_revisions"]:
        arns = [arn for status in ("ACTIVE", "INACTIVE")
                for arn in ecs.list_task_definitions(familyPrefix=family, status=status)["taskDefinitionArns"]]
        revisions[family] = sorted(int(arn.rsplit(":", 1)[1]) for arn in arns if arn.rsplit("/", 1)[1].rsplit(":", 1)[0] == family)
    figures["task_definition_revisions"] = revisions
    if revisions != expected["task_definition_revisions"]:
        problems.append(f"task definition revisions {revisions}, a clean run makes {expected['task_definition_revisions']}")
    return figures, problems
