# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe teardown of one stack: discover what carries the stack tag, list it, delete it in
dependency order.

Discovery at account scale: one paginated Resource Groups Tagging API GetResources call (tag filter
cloudops:stack=<stack>) finds the log groups, KMS keys, load balancers, target groups, SNS topics and
ACM certificates of the stack, instead of one tag read per resource of those kinds in the account.
The rest is read through each service's own API with tag filters or tags in the describe answer (EC2,
Auto Scaling, ECS, EFS, Secrets Manager, Aurora clusters), and per-resource tag reads for RDS subnet
and parameter groups, EventBridge rules and ECR repositories (GetResources covers them on AWS; the
local AWS does not answer for them yet) and IAM roles: GetResources does not support IAM users and
roles nor Auto Scaling groups (AWS documents it; its answer is empty for them). A resource is in scope only when its `cloudops:stack` tag equals the stack
name and its `Environment` tag, when present, equals the environment: a shared account with a
stack of the same name in another environment is left alone. Resources already on their way out
(INACTIVE services and clusters, deleting databases, deleted NAT gateways, keys pending deletion)
are not listed, so a second teardown is a no-op.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import paginate_by_token
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import live
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.tags import STACK_TAG

# deletion order; each kind's resources go before the next kind's
ORDER = [
    "cloudwatch_alarm",
    "events_rule",
    "sns_topic",
    "scalable_target",
    "ecs_service",
    "task_definition",
    "ecs_capacity_provider",
    "autoscaling_group",
    "ecs_container_instance",
    "ecs_cluster",
    "launch_template",
    "route53_record",
    "route53_zone",
    "load_balancer",
    "target_group",
    "db_instance",
    "db_cluster",
    "db_subnet_group",
    "db_cluster_parameter_group",
    "db_parameter_group",
    "acm_certificate",
    "efs_file_system",
    "ecr_repository",
    "vpc_endpoint",
    "nat_gateway",
    "elastic_ip",
    "internet_gateway",
    "subnet",
    "route_table",
    "security_group",
    "flow_log",
    "vpc",
    "log_group",
    "instance_profile",
    "iam_role",
    "iam_policy",
    "secret",
    "kms_key",
]


class TeardownError(CloudopsError):
    pass


def tag_dict(tags, key="Key", value="Value"):
    return {t.get(key): t.get(value) for t in tags or []}


def in_scope(tags, stack_name, environment=None):
    """Carries the stack tag, and no Environment tag naming another environment."""
    if tags.get(STACK_TAG) != stack_name:
        return False
    return environment is None or tags.get("Environment") in (None, environment)


def stack_resource(kind, rid, name=None, **extra):
    item = {"kind": kind, "id": rid, "name": name or rid}
    item.update(extra)
    return item


def ordered(resources):
    rank = {kind: index for index, kind in enumerate(ORDER)}
    return sorted(resources, key=lambda r: (rank.get(r["kind"], len(ORDER)), r["name"], r["id"]))


def listing(resources):
    """The dry-run report: `kind  name (id)` per resource, in deletion order."""
    width = max([len(r["kind"]) for r in resources] or [0])
    lines = []
    for item in ordered(resources):
        label = item["name"] if item["name"] == item["id"] else "%s (%s)" % (item["name"], item["id"])
        lines.append("%s  %s" % (item["kind"].ljust(width), label))
    return lines


def counts(resources):
    result = {}
    for item in resources:
        result[item["kind"]] = result.get(item["kind"], 0) + 1
    return result


def prod_refusal(environment, confirm, allow_prod):
    """The message refusing a confirmed teardown of prod without allow_prod, else None."""
    if confirm and environment == "prod" and not allow_prod:
        return ("Refusing to delete the prod environment: set teardown_allow_prod=true (allow_prod) together "
                "with teardown_confirm=true to really delete it")
    return None


def final_snapshot_identifier(cluster_identifier, now=None):
    """A valid DB snapshot identifier: letters, digits and hyphens, at most 255, no double hyphen."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now if now is not None else time.time()))
    base = "".join(c if c.isalnum() or c == "-" else "-" for c in cluster_identifier)
    while "--" in base:
        base = base.replace("--", "-")
    return ("%s-final-%s" % (base.strip("-"), stamp))[:255]


# -- discovery (I/O) -------------------------------------------------------------------------------------


def _pages(client, method, key, token_in="NextToken", token_out="NextToken", **kwargs):
    return paginate_by_token(client, method, key, token_in, token_out, **kwargs)


def _ec2_filter(stack_name):
    return [{"Name": "tag:" + STACK_TAG, "Values": [stack_name]}]


def tagged_resources(tagging, stack_name):
    """{ARN: tags} of everything GetResources finds with the stack tag (one paginated call)."""
    found = {}
    kwargs = {"TagFilters": [{"Key": STACK_TAG, "Values": [stack_name]}]}
    while True:
        page = tagging.get_resources(aws_retry=True, **kwargs)
        for item in page.get("ResourceTagMappingList") or []:
            found[item["ResourceARN"]] = tag_dict(item.get("Tags"))
        token = page.get("PaginationToken")
        if not token:
            return found
        kwargs["PaginationToken"] = token


def _arn_parts(arn):
    """(service, resource) of an ARN: arn:partition:service:region:account:resource."""
    parts = arn.split(":", 5)
    return (parts[2], parts[5]) if len(parts) == 6 else ("", "")


def _scoped_arns(tagged, stack_name, environment, service, prefix=""):
    return [arn for arn, tags in sorted(tagged.items())
            if _arn_parts(arn)[0] == service and _arn_parts(arn)[1].startswith(prefix)
            and in_scope(tags, stack_name, environment)]


def discover(clients, stack_name, environment=None, progress=None):
    """Everything of the stack that still exists, as resource dicts (kind, id, name, ...); `progress` gets a line
    as discovery starts, before the reads that take one call per resource (IAM roles), and with what it found."""
    say = progress or (lambda line: None)
    say("discovering what carries the tag %s=%s%s" % (STACK_TAG, stack_name,
                                                      " (environment %s)" % environment if environment else ""))
    if "resourcegroupstaggingapi" in clients:
        found = _discover_with_tagging(clients, stack_name, environment, say)
    else:
        found = _discover_by_service(clients, stack_name, environment, say)
    kinds = counts(found)
    say("found %d resources: %s" % (len(found), ", ".join("%d %s" % (kinds[k], k) for k in ORDER if k in kinds) or "none"))
    return found


def _discover_by_service(clients, stack_name, environment, say):
    found = []
    found.extend(_discover_ecs(clients["ecs"], stack_name, environment))
    found.extend(_discover_autoscaling(clients["autoscaling"], stack_name, environment))
    found.extend(_discover_ec2(clients["ec2"], stack_name, environment))
    found.extend(_discover_elbv2(clients["elbv2"], stack_name, environment))
    found.extend(_discover_rds(clients["rds"], stack_name, environment))
    found.extend(_discover_logs(clients["logs"], stack_name, environment))
    say("reading IAM roles, instance profiles and policies (their tags, one call per role)")
    found.extend(_discover_iam(clients["iam"], stack_name, environment))
    found.extend(_discover_kms(clients["kms"], stack_name, environment))
    clusters = [r["name"] for r in found if r["kind"] == "ecs_cluster"]
    for name, discover_service in (("application-autoscaling", lambda c: _discover_scaling(c, clusters)),
                                   ("events", lambda c: _discover_events(c, stack_name, environment)),
                                   ("sns", lambda c: _discover_sns(c, stack_name, environment)),
                                   ("acm", lambda c: _discover_acm(c, stack_name, environment)),
                                   ("efs", lambda c: _discover_efs(c, stack_name, environment)),
                                   ("ecr", lambda c: _discover_ecr(c, stack_name, environment)),
                                   ("secretsmanager", lambda c: _discover_secrets(c, stack_name, environment))):
        if name in clients:
            found.extend(discover_service(clients[name]))
    return ordered(found + _discover_by_reference(clients, found, stack_name, environment))


def _discover_by_reference(clients, found, stack_name, environment):
    """What is the stack's by what it points at, not by a tag: records aliasing its load balancers or validating its
    certificates, then alarms watching or notifying any of those resources (last: they may watch any of them)."""
    referring = []
    if "route53" in clients:
        referring.extend(_discover_route53(clients["route53"], clients.get("acm"), clients["elbv2"], found, stack_name,
                                           environment))
    if "cloudwatch" in clients:
        referring.extend(_discover_alarms(clients["cloudwatch"], found + referring))
    return referring


def _discover_with_tagging(clients, stack_name, environment, say):
    tagged = tagged_resources(clients["resourcegroupstaggingapi"], stack_name)
    found = []
    found.extend(_discover_ecs(clients["ecs"], stack_name, environment))
    found.extend(_discover_autoscaling(clients["autoscaling"], stack_name, environment))
    found.extend(_discover_ec2(clients["ec2"], stack_name, environment))
    for arn in _scoped_arns(tagged, stack_name, environment, "elasticloadbalancing", "loadbalancer/"):
        found.append(stack_resource("load_balancer", arn, arn.split("/")[-2]))
    for arn in _scoped_arns(tagged, stack_name, environment, "elasticloadbalancing", "targetgroup/"):
        found.append(stack_resource("target_group", arn, arn.split("/")[-2]))
    found.extend(_discover_rds(clients["rds"], stack_name, environment))
    for arn in _scoped_arns(tagged, stack_name, environment, "logs", "log-group:"):
        name = arn.split(":", 6)[-1]
        found.append(stack_resource("log_group", name[:-2] if name.endswith(":*") else name))
    say("reading IAM roles, instance profiles and policies (their tags, one call per role)")
    found.extend(_discover_iam(clients["iam"], stack_name, environment))
    kms = clients["kms"]
    key_ids = [arn.rsplit("/", 1)[-1] for arn in _scoped_arns(tagged, stack_name, environment, "kms", "key/")]
    if key_ids:
        aliases = _pages(kms, "list_aliases", "Aliases", token_in="Marker", token_out="NextMarker")
        for key_id in key_ids:
            found.extend(_kms_key(kms, key_id, aliases))
    clusters = [r["name"] for r in found if r["kind"] == "ecs_cluster"]
    if "application-autoscaling" in clients:
        found.extend(_discover_scaling(clients["application-autoscaling"], clusters))
    if "events" in clients:
        found.extend(_discover_events(clients["events"], stack_name, environment))
    for arn in _scoped_arns(tagged, stack_name, environment, "sns"):
        found.append(stack_resource("sns_topic", arn, arn.rsplit(":", 1)[-1]))
    for arn in _scoped_arns(tagged, stack_name, environment, "acm", "certificate/"):
        found.append(stack_resource("acm_certificate", arn, arn))
    if "efs" in clients:
        found.extend(_discover_efs(clients["efs"], stack_name, environment))
    if "ecr" in clients:
        found.extend(_discover_ecr(clients["ecr"], stack_name, environment))
    if "secretsmanager" in clients:
        found.extend(_discover_secrets(clients["secretsmanager"], stack_name, environment))
    return ordered(found + _discover_by_reference(clients, found, stack_name, environment))


def _discover_ecs(ecs, stack_name, environment):
    found = []
    arns = _pages(ecs, "list_clusters", "clusterArns", token_in="nextToken", token_out="nextToken")
    clusters = []
    for start in range(0, len(arns), 100):
        clusters.extend(ecs.describe_clusters(aws_retry=True, clusters=arns[start:start + 100], include=["TAGS"])
                        .get("clusters") or [])
    for cluster in clusters:
        if cluster.get("status") == "INACTIVE" or not in_scope(tag_dict(cluster.get("tags"), "key", "value"),
                                                               stack_name, environment):
            continue
        arn = cluster["clusterArn"]
        service_arns = _pages(ecs, "list_services", "serviceArns", token_in="nextToken", token_out="nextToken", cluster=arn)
        for start in range(0, len(service_arns), 10):
            for service in ecs.describe_services(aws_retry=True, cluster=arn, services=service_arns[start:start + 10]).get(
                    "services") or []:
                if service.get("status") == "ACTIVE":
                    found.append(stack_resource("ecs_service", service["serviceArn"], service["serviceName"], cluster=arn,
                                                daemon=service.get("schedulingStrategy") == "DAEMON"))
        for status in ("ACTIVE", "DRAINING"):
            for ci_arn in _pages(ecs, "list_container_instances", "containerInstanceArns", token_in="nextToken",
                                 token_out="nextToken", cluster=arn, status=status):
                found.append(stack_resource("ecs_container_instance", ci_arn, ci_arn.rsplit("/", 1)[-1], cluster=arn))
        found.append(stack_resource("ecs_cluster", arn, cluster["clusterName"],
                                    capacity_providers=list(cluster.get("capacityProviders") or [])))
    for family in _pages(ecs, "list_task_definition_families", "families", token_in="nextToken", token_out="nextToken",
                         status="ACTIVE"):
        latest = ecs.describe_task_definition(aws_retry=True, taskDefinition=family, include=["TAGS"])
        if not in_scope(tag_dict(latest.get("tags"), "key", "value"), stack_name, environment):
            continue
        revisions = _pages(ecs, "list_task_definitions", "taskDefinitionArns", token_in="nextToken",
                           token_out="nextToken", familyPrefix=family, status="ACTIVE")
        found.append(stack_resource("task_definition", family, "%s (%d revisions)" % (family, len(revisions)),
                                    revisions=[r for r in revisions if r.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]))
    providers = _pages(ecs, "describe_capacity_providers", "capacityProviders", token_in="nextToken",
                       token_out="nextToken", include=["TAGS"])
    for provider in providers:
        if provider.get("status") != "ACTIVE" or provider.get("name", "").startswith(("FARGATE",)):
            continue
        if provider.get("updateStatus") in ("DELETE_IN_PROGRESS", "DELETE_COMPLETE"):
            continue
        if in_scope(tag_dict(provider.get("tags"), "key", "value"), stack_name, environment):
            found.append(stack_resource("ecs_capacity_provider", provider["capacityProviderArn"], provider["name"]))
    return found


def _discover_autoscaling(autoscaling, stack_name, environment):
    found = []
    groups = _pages(autoscaling, "describe_auto_scaling_groups", "AutoScalingGroups",
                    Filters=[{"Name": "tag:" + STACK_TAG, "Values": [stack_name]}])
    for group in live(groups):
        if in_scope(tag_dict(group.get("Tags")), stack_name, environment):
            found.append(stack_resource("autoscaling_group", group["AutoScalingGroupName"],
                                        instance_ids=[i["InstanceId"] for i in group.get("Instances") or []]))
    return found


def _discover_ec2(ec2, stack_name, environment):
    found = []
    flt = _ec2_filter(stack_name)

    def scoped(items):
        return [i for i in items if in_scope(tag_dict(i.get("Tags")), stack_name, environment)]

    def name_of(item, default):
        return tag_dict(item.get("Tags")).get("Name") or default

    templates = _pages(ec2, "describe_launch_templates", "LaunchTemplates", Filters=flt)
    untagged = [lt["LaunchTemplateId"] for lt in templates if not lt.get("Tags")]
    if untagged:
        # some EC2 implementations match the tag filter but describe the template without its tags: read them
        tags = {}
        for tag in _pages(ec2, "describe_tags", "Tags", Filters=[{"Name": "resource-id", "Values": untagged}]):
            tags.setdefault(tag["ResourceId"], []).append(tag)
        for lt in templates:
            if not lt.get("Tags"):
                lt["Tags"] = tags.get(lt["LaunchTemplateId"], [])
    for lt in scoped(templates):
        found.append(stack_resource("launch_template", lt["LaunchTemplateId"], lt["LaunchTemplateName"]))
    for ep in scoped(_pages(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=flt)):
        if (ep.get("State") or "").lower() not in ("deleted", "deleting"):
            found.append(stack_resource("vpc_endpoint", ep["VpcEndpointId"], name_of(ep, ep.get("ServiceName"))))
    for nat in scoped(_pages(ec2, "describe_nat_gateways", "NatGateways", Filters=flt)):
        if nat.get("State") not in ("deleted", "deleting"):
            found.append(stack_resource("nat_gateway", nat["NatGatewayId"], name_of(nat, nat["NatGatewayId"])))
    for address in scoped(ec2.describe_addresses(aws_retry=True, Filters=flt).get("Addresses") or []):
        found.append(stack_resource("elastic_ip", address["AllocationId"], name_of(address, address.get("PublicIp")),
                                    association_id=address.get("AssociationId")))
    for igw in scoped(_pages(ec2, "describe_internet_gateways", "InternetGateways", Filters=flt)):
        found.append(stack_resource("internet_gateway", igw["InternetGatewayId"], name_of(igw, igw["InternetGatewayId"]),
                                    vpc_ids=[a["VpcId"] for a in igw.get("Attachments") or []]))
    for subnet in scoped(_pages(ec2, "describe_subnets", "Subnets", Filters=flt)):
        found.append(stack_resource("subnet", subnet["SubnetId"], name_of(subnet, subnet["SubnetId"])))
    for table in scoped(_pages(ec2, "describe_route_tables", "RouteTables", Filters=flt)):
        if any(a.get("Main") for a in table.get("Associations") or []):
            continue  # the main route table goes with its VPC
        found.append(stack_resource("route_table", table["RouteTableId"], name_of(table, table["RouteTableId"]),
                                    associations=[a["RouteTableAssociationId"] for a in table.get("Associations") or []
                                                  if a.get("RouteTableAssociationId")]))
    for group in scoped(_pages(ec2, "describe_security_groups", "SecurityGroups", Filters=flt)):
        if group.get("GroupName") == "default":
            continue  # goes with its VPC
        found.append(stack_resource("security_group", group["GroupId"], group.get("GroupName"),
                                    has_rules=bool(group.get("IpPermissions") or group.get("IpPermissionsEgress"))))
    for flow_log in scoped(_pages(ec2, "describe_flow_logs", "FlowLogs", Filter=flt)):
        found.append(stack_resource("flow_log", flow_log["FlowLogId"], name_of(flow_log, flow_log["FlowLogId"])))
    for vpc in scoped(_pages(ec2, "describe_vpcs", "Vpcs", Filters=flt)):
        found.append(stack_resource("vpc", vpc["VpcId"], name_of(vpc, vpc["VpcId"])))
    return found


def _elbv2_tags(elbv2, arns):
    tags = {}
    for start in range(0, len(arns), 20):
        for description in elbv2.describe_tags(aws_retry=True, ResourceArns=arns[start:start + 20]).get("TagDescriptions") or []:
            tags[description["ResourceArn"]] = tag_dict(description.get("Tags"))
    return tags


def _discover_elbv2(elbv2, stack_name, environment):
    found = []
    balancers = _pages(elbv2, "describe_load_balancers", "LoadBalancers", token_in="Marker", token_out="NextMarker")
    tags = _elbv2_tags(elbv2, [b["LoadBalancerArn"] for b in balancers])
    for balancer in balancers:
        if in_scope(tags.get(balancer["LoadBalancerArn"], {}), stack_name, environment):
            found.append(stack_resource("load_balancer", balancer["LoadBalancerArn"], balancer["LoadBalancerName"]))
    groups = _pages(elbv2, "describe_target_groups", "TargetGroups", token_in="Marker", token_out="NextMarker")
    tags = _elbv2_tags(elbv2, [g["TargetGroupArn"] for g in groups])
    for group in groups:
        if in_scope(tags.get(group["TargetGroupArn"], {}), stack_name, environment):
            found.append(stack_resource("target_group", group["TargetGroupArn"], group["TargetGroupName"]))
    return found


def _discover_rds_databases(rds, stack_name, environment):
    """Aurora clusters (their tags come with DescribeDBClusters) and their members."""
    found = []
    for cluster in _pages(rds, "describe_db_clusters", "DBClusters", token_in="Marker", token_out="Marker"):
        if cluster.get("Status") in ("deleting",) or not in_scope(tag_dict(cluster.get("TagList")), stack_name, environment):
            continue
        for member in cluster.get("DBClusterMembers") or []:
            found.append(stack_resource("db_instance", member["DBInstanceIdentifier"], cluster=cluster["DBClusterIdentifier"]))
        found.append(stack_resource("db_cluster", cluster["DBClusterIdentifier"],
                                    deletion_protection=bool(cluster.get("DeletionProtection"))))
    return found


def _discover_rds(rds, stack_name, environment):
    found = _discover_rds_databases(rds, stack_name, environment)
    for group in _pages(rds, "describe_db_subnet_groups", "DBSubnetGroups", token_in="Marker", token_out="Marker"):
        arn = group.get("DBSubnetGroupArn")
        if not arn:
            continue
        tags = tag_dict(rds.list_tags_for_resource(aws_retry=True, ResourceName=arn).get("TagList"))
        if in_scope(tags, stack_name, environment):
            found.append(stack_resource("db_subnet_group", group["DBSubnetGroupName"]))
    for kind, method, key, name_key, arn_key in (
            ("db_cluster_parameter_group", "describe_db_cluster_parameter_groups", "DBClusterParameterGroups",
             "DBClusterParameterGroupName", "DBClusterParameterGroupArn"),
            ("db_parameter_group", "describe_db_parameter_groups", "DBParameterGroups", "DBParameterGroupName",
             "DBParameterGroupArn")):
        for group in _pages(rds, method, key, token_in="Marker", token_out="Marker"):
            if group[name_key].startswith("default.") or not group.get(arn_key):
                continue
            tags = tag_dict(rds.list_tags_for_resource(aws_retry=True, ResourceName=group[arn_key]).get("TagList"))
            if in_scope(tags, stack_name, environment):
                found.append(stack_resource(kind, group[name_key]))
    return found


def _discover_logs(logs, stack_name, environment):
    found = []
    for group in _pages(logs, "describe_log_groups", "logGroups", token_in="nextToken", token_out="nextToken"):
        tags = logs.list_tags_log_group(aws_retry=True, logGroupName=group["logGroupName"]).get("tags") or {}
        if in_scope(tags, stack_name, environment):
            found.append(stack_resource("log_group", group["logGroupName"]))
    return found


def _discover_iam(iam, stack_name, environment):
    found = []
    roles = _pages(iam, "list_roles", "Roles", token_in="Marker", token_out="Marker")
    stack_roles = set()
    for role in roles:
        if (role.get("Path") or "/").startswith(("/aws-service-role/", "/aws-reserved/")):
            continue
        tags = tag_dict(_pages(iam, "list_role_tags", "Tags", token_in="Marker", token_out="Marker", RoleName=role["RoleName"]))
        if in_scope(tags, stack_name, environment):
            stack_roles.add(role["RoleName"])
            found.append(stack_resource("iam_role", role["RoleName"]))
    for profile in _pages(iam, "list_instance_profiles", "InstanceProfiles", token_in="Marker", token_out="Marker"):
        tags = tag_dict(profile.get("Tags"))
        if "Tags" not in profile:
            try:
                tags = tag_dict(_pages(iam, "list_instance_profile_tags", "Tags", token_in="Marker", token_out="Marker",
                                       InstanceProfileName=profile["InstanceProfileName"]))
            except Exception:  # where profile tags cannot be read, a profile of the stack's roles still belongs to it
                tags = {}
        role_names = [r["RoleName"] for r in profile.get("Roles") or []]
        if in_scope(tags, stack_name, environment) or (not tags and role_names and set(role_names) <= stack_roles):
            found.append(stack_resource("instance_profile", profile["InstanceProfileName"], roles=role_names))
    for policy in _pages(iam, "list_policies", "Policies", token_in="Marker", token_out="Marker", Scope="Local"):
        tags = tag_dict(policy.get("Tags")) if "Tags" in policy else tag_dict(_pages(
            iam, "list_policy_tags", "Tags", token_in="Marker", token_out="Marker", PolicyArn=policy["Arn"]))
        if in_scope(tags, stack_name, environment):
            found.append(stack_resource("iam_policy", policy["Arn"], policy["PolicyName"]))
    return found


def _discover_kms(kms, stack_name, environment):
    found = []
    aliases = _pages(kms, "list_aliases", "Aliases", token_in="Marker", token_out="NextMarker")
    for key in _pages(kms, "list_keys", "Keys", token_in="Marker", token_out="NextMarker"):
        try:
            tags = tag_dict(_pages(kms, "list_resource_tags", "Tags", token_in="Marker", token_out="NextMarker",
                                   KeyId=key["KeyId"]), "TagKey", "TagValue")
        except Exception:  # AWS managed keys and keys of other principals refuse ListResourceTags
            continue
        if in_scope(tags, stack_name, environment):
            found.extend(_kms_key(kms, key["KeyId"], aliases))
    return found


def _kms_key(kms, key_id, aliases):
    """The key as a resource, unless it is on its way out or AWS manages it."""
    meta = kms.describe_key(aws_retry=True, KeyId=key_id)["KeyMetadata"]
    if meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion") or meta.get("KeyManager") == "AWS":
        return []
    names = [a["AliasName"] for a in aliases if a.get("TargetKeyId") == key_id]
    return [stack_resource("kms_key", key_id, names[0] if names else key_id, aliases=names)]


def alarm_dimensions(alarm):
    """The dimensions of a metric alarm, and of every metric of a metric math alarm."""
    dimensions = list(alarm.get("Dimensions") or [])
    for metric in alarm.get("Metrics") or []:
        dimensions.extend(((metric.get("MetricStat") or {}).get("Metric") or {}).get("Dimensions") or [])
    return dimensions


def alarm_of_stack(alarm, clusters, target_groups, load_balancers, topics=(), db_clusters=(), nat_gateways=()):
    """A metric alarm watches or acts on the stack: its actions scale a service of the stack's clusters or notify
    one of its SNS topics, or a dimension names one of its clusters, target groups, load balancers, Aurora clusters
    or NAT gateways. Alarms are found by what they point at: some roles' alarms carry no tags (amazon.aws
    cloudwatch_metric_alarm has none), and GetResources does not list alarms everywhere."""
    services = tuple(":resource/ecs/service/%s/" % name for name in clusters)
    actions = (alarm.get("AlarmActions") or []) + (alarm.get("OKActions") or []) + \
        (alarm.get("InsufficientDataActions") or [])
    if services and any(":scalingPolicy:" in arn and any(s in arn for s in services) for arn in actions):
        return True
    if any(arn in topics for arn in actions):
        return True
    for dimension in alarm_dimensions(alarm):
        name, value = dimension.get("Name"), dimension.get("Value") or ""
        if (name == "ClusterName" and value in clusters) or (name == "TargetGroup" and value in target_groups) \
                or (name == "LoadBalancer" and value in load_balancers) \
                or (name == "DBClusterIdentifier" and value in db_clusters) \
                or (name == "NatGatewayId" and value in nat_gateways):
            return True
    return False


def _discover_alarms(cloudwatch, found):
    clusters = [r["name"] for r in found if r["kind"] == "ecs_cluster"]
    # CloudWatch names them by the end of their ARNs: targetgroup/<name>/<id> and app/<name>/<id>
    target_groups = {r["id"].split(":", 5)[-1] for r in found if r["kind"] == "target_group"}
    load_balancers = {r["id"].split(":", 5)[-1].split("loadbalancer/", 1)[-1] for r in found
                      if r["kind"] == "load_balancer"}
    topics = {r["id"] for r in found if r["kind"] == "sns_topic"}
    db_clusters = {r["id"] for r in found if r["kind"] == "db_cluster"}
    nat_gateways = {r["id"] for r in found if r["kind"] == "nat_gateway"}
    if not (clusters or target_groups or load_balancers or topics or db_clusters or nat_gateways):
        return []
    alarms = _pages(cloudwatch, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])
    return [stack_resource("cloudwatch_alarm", a["AlarmName"]) for a in alarms
            if alarm_of_stack(a, clusters, target_groups, load_balancers, topics, db_clusters, nat_gateways)]


def _discover_scaling(aas, clusters):
    """Scalable targets (and their policies) of the services of the stack's clusters: owned by the stack through
    the resource id service/<cluster>/<service>, whatever their tags."""
    found = []
    if not clusters:
        return found
    prefixes = tuple("service/%s/" % name for name in clusters)
    targets = [t for t in _pages(aas, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="ecs")
               if t["ResourceId"].startswith(prefixes)]
    if not targets:
        return found
    policies = _pages(aas, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace="ecs")
    for target in targets:
        names = [p["PolicyName"] for p in policies if p["ResourceId"] == target["ResourceId"]
                 and p["ScalableDimension"] == target["ScalableDimension"]]
        found.append(stack_resource("scalable_target", target["ResourceId"], target["ResourceId"],
                                    dimension=target["ScalableDimension"], policies=names))
    return found


def _discover_events(events, stack_name, environment):
    found = []
    for rule in _pages(events, "list_rules", "Rules"):
        tags = tag_dict(events.list_tags_for_resource(aws_retry=True, ResourceARN=rule["Arn"]).get("Tags"))
        if in_scope(tags, stack_name, environment):
            found.append(stack_resource("events_rule", rule["Name"], event_bus=rule.get("EventBusName") or "default"))
    return found


def _discover_sns(sns, stack_name, environment):
    found = []
    for topic in _pages(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        tags = tag_dict(sns.list_tags_for_resource(aws_retry=True, ResourceArn=arn).get("Tags"))
        if in_scope(tags, stack_name, environment):
            found.append(stack_resource("sns_topic", arn, arn.rsplit(":", 1)[-1]))
    return found


def _discover_acm(acm, stack_name, environment):
    found = []
    for cert in _pages(acm, "list_certificates", "CertificateSummaryList"):
        arn = cert["CertificateArn"]
        tags = tag_dict(acm.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags"))
        if in_scope(tags, stack_name, environment):
            found.append(stack_resource("acm_certificate", arn, cert.get("DomainName") or arn))
    return found


def _fqdn(name):
    return (name or "").replace("\\052", "*").lower().rstrip(".") + "."


def _zone_owned(zone, tags, stack_name, environment):
    """The stack's zone: its tags, or the comment it was created with (tagging may have been interrupted)."""
    if tags:
        return in_scope(tags, stack_name, environment)
    return ((zone.get("Config") or {}).get("Comment") or "") == "cloudops:stack=" + stack_name


def _zone_tags(route53, zone_ids):
    tags = {}
    for start in range(0, len(zone_ids), 10):
        answer = route53.list_tags_for_resources(aws_retry=True, ResourceType="hostedzone",
                                                 ResourceIds=zone_ids[start:start + 10])
        for item in answer.get("ResourceTagSets") or []:
            tags[item["ResourceId"]] = tag_dict(item.get("Tags"))
    return tags


def stack_records(records, validation, alb_names):
    """The record sets of a zone the stack does not own that are the stack's: the validation CNAMEs of its
    certificates ({(name, value)}) and aliases to its load balancers ({DNS name})."""
    mine = []
    for record in records:
        alias = record.get("AliasTarget")
        if alias and _fqdn(alias.get("DNSName")).replace("dualstack.", "", 1) in alb_names:
            mine.append(record)
        elif record.get("Type") == "CNAME" and any((_fqdn(record["Name"]), _fqdn(r["Value"])) in validation
                                                   for r in record.get("ResourceRecords") or []):
            mine.append(record)
    return mine


def _discover_route53(route53, acm, elbv2, found, stack_name, environment):
    """Hosted zones the stack made (deleted with every record), and, in zones that existed before (the operator's
    public zone), the records it wrote there: aliases to its load balancers and its certificates' validation
    CNAMEs. Only zones whose name holds one of the stack's certificate names are read record by record."""
    zones = _pages(route53, "list_hosted_zones", "HostedZones", token_in="Marker", token_out="NextMarker")
    if not zones:
        return []
    ids = [z["Id"].rsplit("/", 1)[-1] for z in zones]
    tags = _zone_tags(route53, ids)
    result, others = [], []
    for zone, zone_id in zip(zones, ids):
        if _zone_owned(zone, tags.get(zone_id), stack_name, environment):
            result.append(stack_resource("route53_zone", zone_id, zone["Name"].rstrip(".")))
        else:
            others.append((zone, zone_id))
    validation, names = set(), set()
    for item in found:
        if item["kind"] == "acm_certificate" and acm is not None:
            certificate = acm.describe_certificate(aws_retry=True, CertificateArn=item["id"]).get("Certificate") or {}
            names.update(_fqdn(n).lstrip("*.") for n in [certificate.get("DomainName")]
                         + list(certificate.get("SubjectAlternativeNames") or []) if n)
            for option in certificate.get("DomainValidationOptions") or []:
                record = option.get("ResourceRecord")
                if record:
                    validation.add((_fqdn(record["Name"]), _fqdn(record["Value"])))
    arns = [item["id"] for item in found if item["kind"] == "load_balancer"]
    alb_names = set()
    for start in range(0, len(arns), 20):
        for balancer in elbv2.describe_load_balancers(aws_retry=True, LoadBalancerArns=arns[start:start + 20]).get(
                "LoadBalancers") or []:
            alb_names.add(_fqdn(balancer.get("DNSName")))
    for zone, zone_id in others:
        apex = _fqdn(zone["Name"])
        if not any(name == apex or name.endswith("." + apex) for name in names):
            continue
        records = _record_sets(route53, zone_id)
        for record in stack_records(records, validation, alb_names):
            label = "%s %s in %s" % (_fqdn(record["Name"]).rstrip("."), record["Type"], apex.rstrip("."))
            result.append(stack_resource("route53_record", "%s/%s/%s" % (zone_id, _fqdn(record["Name"]), record["Type"]),
                                         label, zone_id=zone_id, record=record))
    return result


def _record_sets(route53, zone_id):
    found, kwargs = [], {"HostedZoneId": zone_id}
    while True:
        page = route53.list_resource_record_sets(aws_retry=True, **kwargs)
        found.extend(page.get("ResourceRecordSets") or [])
        if not page.get("IsTruncated"):
            return found
        kwargs.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])


def _discover_efs(efs, stack_name, environment):
    found = []
    for fs in _pages(efs, "describe_file_systems", "FileSystems", token_in="Marker", token_out="NextMarker"):
        if fs.get("LifeCycleState") in ("deleting", "deleted"):
            continue
        if in_scope(tag_dict(fs.get("Tags")), stack_name, environment):
            found.append(stack_resource("efs_file_system", fs["FileSystemId"], fs.get("Name") or fs["FileSystemId"]))
    return found


def _discover_ecr(ecr, stack_name, environment):
    found = []
    for repo in _pages(ecr, "describe_repositories", "repositories", token_in="nextToken", token_out="nextToken"):
        tags = tag_dict(ecr.list_tags_for_resource(aws_retry=True, resourceArn=repo["repositoryArn"]).get("tags"))
        if in_scope(tags, stack_name, environment):
            found.append(stack_resource("ecr_repository", repo["repositoryName"]))
    return found


def _discover_secrets(secretsmanager, stack_name, environment):
    """Secrets of the stack not already scheduled for deletion; secrets another service manages (the Aurora master
    user secret) go with their owner."""
    found = []
    for secret in _pages(secretsmanager, "list_secrets", "SecretList"):
        if secret.get("DeletedDate") or secret.get("OwningService"):
            continue
        if in_scope(tag_dict(secret.get("Tags")), stack_name, environment):
            found.append(stack_resource("secret", secret["ARN"], secret.get("Name")))
    return found


# -- deletion (I/O) ---------------------------------------------------------------------------------------

NOT_FOUND_CODES = (
    "ResourceNotFoundException", "ClusterNotFoundException", "ServiceNotFoundException", "NotFoundException",
    "InvalidLaunchTemplateId.NotFound", "InvalidVpcEndpointId.NotFound", "NatGatewayNotFound",
    "InvalidAllocationID.NotFound", "InvalidInternetGatewayID.NotFound", "InvalidSubnetID.NotFound",
    "InvalidRouteTableID.NotFound", "InvalidGroup.NotFound", "InvalidVpcID.NotFound", "InvalidFlowLogId.NotFound",
    "LoadBalancerNotFound", "TargetGroupNotFound", "DBClusterNotFoundFault", "DBInstanceNotFound",
    "DBSubnetGroupNotFoundFault", "NoSuchEntity", "NoSuchHostedZone", "InvalidChangeBatch",
    "InvalidAssociationID.NotFound", "NotFound", "ObjectNotFoundException", "FileSystemNotFound",
    "MountTargetNotFound", "RepositoryNotFoundException", "DBParameterGroupNotFound",
    "DBClusterParameterGroupNotFound", "DBClusterParameterGroupNotFoundFault",
)
RETRY_CODES = ("DependencyViolation", "ResourceInUse", "ResourceInUseFault", "InvalidDBClusterStateFault",
               "InvalidDBInstanceState", "InvalidDBSubnetGroupStateFault", "ClusterContainsServicesException",
               "ClusterContainsContainerInstancesException", "ClusterContainsTasksException", "InvalidIPAddress.InUse",
               "DeleteConflict", "ResourceInUseException", "UpdateInProgressException", "FileSystemInUse",
               "InvalidDBParameterGroupState", "InvalidDBParameterGroupStateFault", "HostedZoneNotEmpty",
               "PriorRequestNotComplete")


def _still_there(items):
    """(done, reasons) of a deletion wait from the (name, state) pairs of what is still there."""
    reasons = ["%s %s" % (name, state or "still there") for name, state in items]
    return not reasons, reasons


def _code(error):
    response = getattr(error, "response", None) or {}
    return (response.get("Error") or {}).get("Code", "")


class Deleter:
    """Deletes discovered resources in ORDER, waiting where a later kind depends on an earlier one
    being gone, with one deadline for the whole teardown. `progress` gets a line per kind of resource
    as its deletion starts, and what a wait (or a retry of a deletion AWS refuses for now) still waits
    for at least every waiter.PROGRESS_EVERY seconds."""

    def __init__(self, clients, timeout=1800, skip_final_snapshot=False, kms_pending_days=7, log=None,
                 clock=None, sleep=None, now=None, progress=None):
        self.clients = clients
        self.clock = waiter.Clock(now=clock, sleep=sleep)
        self.deadline = self.clock.now() + timeout
        self.timeout = timeout
        self.skip_final_snapshot = skip_final_snapshot
        self.kms_pending_days = kms_pending_days
        self.log = log if log is not None else []
        self.now = now
        self.progress = progress
        self.snapshots = []

    # -- helpers ---------------------------------------------------------------------------------------
    def say(self, line):
        if self.progress is not None:
            self.progress(line)

    def _each(self, items, doing="deleting"):
        """The items of one kind, saying first that their deletion starts."""
        if items:
            names = [item["name"] for item in items]
            more = " and %d more" % (len(names) - 5) if len(names) > 5 else ""
            self.say("%s: %s %d: %s%s" % (items[0]["kind"], doing, len(names), ", ".join(names[:5]), more))
        return items

    def _remaining(self):
        return max(0.0, self.deadline - self.clock.now())

    def _call(self, what, fn, *args, **kwargs):
        """fn(); not-found counts as done, dependency errors are retried until the deadline."""
        last = {}

        def attempt():
            try:
                return True, [], fn(*args, **kwargs)
            except Exception as error:  # botocore ClientError and friends, matched by code
                code = _code(error)
                if code in NOT_FOUND_CODES or (code in ("ValidationError", "ValidationException", "InvalidParameterException",
                                                        "ClientException")
                                               and "not found" in str(error).lower()):
                    return True, [], None
                if code not in RETRY_CODES:
                    raise TeardownError("%s: %s" % (what, error)) from error
                last["error"] = error
                return False, ["%s: %s" % (what, code)], None

        result = waiter.wait(attempt, self._remaining(), what="AWS to allow deleting %s" % what, clock=self.clock,
                             interval=0.5, progress=self.say)
        if not result.satisfied:
            raise TeardownError("%s: %s" % (what, last["error"])) from last["error"]
        return result.value

    def _wait(self, what, gone):
        """Wait until gone() -> (done, [what is still there]); the log says what was waited for and how long."""
        def check():
            done, reasons = gone()
            return done, reasons, None

        result = waiter.wait(check, self._remaining(), what=what, clock=self.clock, interval=0.5, progress=self.say)
        if not result.satisfied:
            still = "; ".join(result.reasons[:5]) or "not done"
            raise TeardownError("timed out after %ss waiting for %s: %s" % (self.timeout, what, still))
        self.log.append("waited %.1fs for %s" % (result.elapsed, what))
        if result.elapsed:
            self.say("waited %.1fs for %s" % (result.elapsed, what))

    def _done(self, item, action="deleted"):
        self.log.append("%s %s %s" % (action, item["kind"], item["name"]))

    # -- the run -----------------------------------------------------------------------------------------
    def run(self, resources):
        by = {}
        for item in ordered(resources):
            by.setdefault(item["kind"], []).append(item)
        self._alarms(by.get("cloudwatch_alarm", []))
        self._alerts(by.get("events_rule", []), by.get("sns_topic", []))
        self._scalable_targets(by.get("scalable_target", []))
        self._services(by.get("ecs_service", []))
        ecs = self.clients["ecs"]
        for item in self._each(by.get("task_definition", []), "deregistering"):
            for arn in item.get("revisions") or []:
                self._call(arn, ecs.deregister_task_definition, aws_retry=True, taskDefinition=arn)
            self._done(item, "deregistered")
        self._databases_start(by.get("db_instance", []), by.get("db_cluster", []))
        self._capacity_providers(by.get("ecs_capacity_provider", []), by.get("ecs_cluster", []))
        self._auto_scaling_groups(by.get("autoscaling_group", []))
        self._clusters(by.get("ecs_container_instance", []), by.get("ecs_cluster", []))
        ec2 = self.clients["ec2"]
        for item in self._each(by.get("launch_template", [])):
            self._call(item["name"], ec2.delete_launch_template, aws_retry=True, LaunchTemplateId=item["id"])
            self._done(item)
        self._route53(by.get("route53_record", []), by.get("route53_zone", []))
        self._load_balancers(by.get("load_balancer", []), by.get("target_group", []))
        acm = self.clients.get("acm")
        for item in self._each(by.get("acm_certificate", [])):
            self._call(item["name"], acm.delete_certificate, aws_retry=True, CertificateArn=item["id"])
            self._done(item)
        self._file_systems(by.get("efs_file_system", []))
        ecr = self.clients.get("ecr")
        for item in self._each(by.get("ecr_repository", [])):
            self._call(item["name"], ecr.delete_repository, aws_retry=True, repositoryName=item["id"], force=True)
            self._done(item)
        self._databases_finish(by.get("db_cluster", []), by.get("db_instance", []), by.get("db_subnet_group", []))
        rds = self.clients["rds"]
        for item in self._each(by.get("db_cluster_parameter_group", [])):
            self._call(item["name"], rds.delete_db_cluster_parameter_group, aws_retry=True,
                       DBClusterParameterGroupName=item["id"])
            self._done(item)
        for item in self._each(by.get("db_parameter_group", [])):
            self._call(item["name"], rds.delete_db_parameter_group, aws_retry=True, DBParameterGroupName=item["id"])
            self._done(item)
        self._network(by)
        logs = self.clients["logs"]
        for item in self._each(by.get("log_group", [])):
            self._call(item["name"], logs.delete_log_group, aws_retry=True, logGroupName=item["id"])
            self._done(item)
        self._iam(by.get("instance_profile", []), by.get("iam_role", []))
        self._policies(by.get("iam_policy", []))
        secretsmanager = self.clients.get("secretsmanager")
        for item in self._each(by.get("secret", []), "scheduling the deletion of"):
            self._call(item["name"], secretsmanager.delete_secret, aws_retry=True, SecretId=item["id"],
                       RecoveryWindowInDays=self.kms_pending_days)
            self._done(item, "scheduled deletion (%d days) of" % self.kms_pending_days)
        kms = self.clients["kms"]
        for item in self._each(by.get("kms_key", []), "scheduling the deletion of"):
            for alias in item.get("aliases") or []:
                self._call(alias, kms.delete_alias, aws_retry=True, AliasName=alias)
            self._call(item["name"], kms.schedule_key_deletion, aws_retry=True, KeyId=item["id"],
                       PendingWindowInDays=self.kms_pending_days)
            self._done(item, "scheduled deletion (%d days) of" % self.kms_pending_days)
        return self.log

    def _alerts(self, rules, topics):
        """EventBridge rules lose their targets first (a rule with targets cannot be deleted), then the topics."""
        events = self.clients.get("events")
        for item in self._each(rules):
            bus = item.get("event_bus") or "default"
            targets = _pages(events, "list_targets_by_rule", "Targets", Rule=item["id"], EventBusName=bus)
            if targets:
                self._call(item["name"], events.remove_targets, aws_retry=True, Rule=item["id"], EventBusName=bus,
                           Ids=[t["Id"] for t in targets], Force=True)
            self._call(item["name"], events.delete_rule, aws_retry=True, Name=item["id"], EventBusName=bus, Force=True)
            self._done(item)
        sns = self.clients.get("sns")
        for item in self._each(topics):
            self._call(item["name"], sns.delete_topic, aws_retry=True, TopicArn=item["id"])
            self._done(item)

    def _alarms(self, alarms):
        """First, so no alarm acts on a scaling policy or service while it goes; up to 100 names a call."""
        cloudwatch = self.clients.get("cloudwatch")
        alarms = self._each(alarms)
        for start in range(0, len(alarms), 100):
            batch = alarms[start:start + 100]
            self._call("alarms %s" % ", ".join(a["name"] for a in batch[:3]), cloudwatch.delete_alarms, aws_retry=True,
                       AlarmNames=[a["id"] for a in batch])
            for item in batch:
                self._done(item)

    def _scalable_targets(self, targets):
        """Scaling policies, then their scalable targets, so autoscaling does not fight the services' scale-down."""
        aas = self.clients.get("application-autoscaling")
        for item in self._each(targets, "deregistering"):
            for policy in item.get("policies") or []:
                self._call(policy, aas.delete_scaling_policy, aws_retry=True, PolicyName=policy, ServiceNamespace="ecs",
                           ResourceId=item["id"], ScalableDimension=item["dimension"])
            self._call(item["name"], aas.deregister_scalable_target, aws_retry=True, ServiceNamespace="ecs",
                       ResourceId=item["id"], ScalableDimension=item["dimension"])
            self._done(item, "deregistered")

    def _file_systems(self, file_systems):
        """Mount targets first (they hold network interfaces in the subnets), then the file systems."""
        efs = self.clients.get("efs")
        for item in self._each(file_systems):
            targets = _pages(efs, "describe_mount_targets", "MountTargets", token_in="Marker", token_out="NextMarker",
                             FileSystemId=item["id"])
            for target in targets:
                self._call(item["name"], efs.delete_mount_target, aws_retry=True, MountTargetId=target["MountTargetId"])

            def no_mount_targets(fs_id=item["id"]):
                try:
                    found = efs.describe_mount_targets(aws_retry=True, FileSystemId=fs_id).get("MountTargets") or []
                except Exception as error:
                    if _code(error) in NOT_FOUND_CODES:
                        return True, []
                    raise
                return _still_there((t["MountTargetId"], t.get("LifeCycleState")) for t in found)

            if targets:
                self._wait("mount targets of %s to be deleted" % item["name"], no_mount_targets)
            self._call(item["name"], efs.delete_file_system, aws_retry=True, FileSystemId=item["id"])
            self._done(item)

    def _policies(self, policies):
        """Customer managed policies: detached from every role, user and group, old versions deleted, then deleted."""
        iam = self.clients["iam"]
        for item in self._each(policies):
            arn = item["id"]
            for kind, key, name_key, detach, arg in (
                    ("Role", "PolicyRoles", "RoleName", iam.detach_role_policy, "RoleName"),
                    ("User", "PolicyUsers", "UserName", iam.detach_user_policy, "UserName"),
                    ("Group", "PolicyGroups", "GroupName", iam.detach_group_policy, "GroupName")):
                for entity in _pages(iam, "list_entities_for_policy", key, token_in="Marker", token_out="Marker",
                                     PolicyArn=arn, EntityFilter=kind):
                    self._call(item["name"], detach, aws_retry=True, PolicyArn=arn, **{arg: entity[name_key]})
            versions = self._call(item["name"], iam.list_policy_versions, aws_retry=True, PolicyArn=arn) or {}
            for version in versions.get("Versions") or []:
                if not version.get("IsDefaultVersion"):
                    self._call(item["name"], iam.delete_policy_version, aws_retry=True, PolicyArn=arn,
                               VersionId=version["VersionId"])
            self._call(item["name"], iam.delete_policy, aws_retry=True, PolicyArn=arn)
            self._done(item)

    def _services(self, services):
        ecs = self.clients["ecs"]
        for item in self._each(services):
            if not item.get("daemon"):  # a DAEMON service takes no desired count; deleting it stops its tasks
                self._call(item["name"], ecs.update_service, aws_retry=True, cluster=item["cluster"],
                           service=item["id"], desiredCount=0)
            self._call(item["name"], ecs.delete_service, aws_retry=True, cluster=item["cluster"], service=item["id"],
                       force=True)
            self._done(item)

        def gone():
            left = []
            for item in services:
                described = ecs.describe_services(aws_retry=True, cluster=item["cluster"], services=[item["id"]]).get(
                    "services") or []
                left.extend((item["name"], "%s, %s running" % (s.get("status"), s.get("runningCount", 0)))
                            for s in described if s.get("status") != "INACTIVE")
            return _still_there(left)

        if services:
            self._wait("services to become INACTIVE", gone)

    def _capacity_providers(self, providers, clusters):
        ecs = self.clients["ecs"]
        for cluster in clusters:
            if cluster.get("capacity_providers"):
                self._call(cluster["name"], ecs.put_cluster_capacity_providers, aws_retry=True, cluster=cluster["id"],
                           capacityProviders=[], defaultCapacityProviderStrategy=[])
                self.log.append("detached capacity providers from ecs_cluster %s" % cluster["name"])
                self.say("ecs_cluster: detached capacity providers from %s" % cluster["name"])
        for item in self._each(providers):
            self._call(item["name"], ecs.delete_capacity_provider, aws_retry=True, capacityProvider=item["name"])
            self._done(item)
        names = [item["name"] for item in providers]

        def deleted():
            # DeleteCapacityProvider is asynchronous (updateStatus DELETE_IN_PROGRESS); its group is deleted after
            # ECS has let go of it (its managed scaling policy and draining hook removed)
            found = ecs.describe_capacity_providers(aws_retry=True, capacityProviders=names).get("capacityProviders") or []
            return _still_there((p.get("name"), p.get("updateStatus") or p.get("status")) for p in found
                                if p.get("status") != "INACTIVE" and p.get("updateStatus") != "DELETE_COMPLETE")

        if names:
            self._wait("capacity providers %s to be deleted" % ", ".join(names), deleted)

    def _auto_scaling_groups(self, groups):
        autoscaling = self.clients["autoscaling"]
        for item in self._each(groups):
            if item.get("instance_ids"):
                self._call(item["name"], autoscaling.set_instance_protection, aws_retry=True,
                           AutoScalingGroupName=item["id"], InstanceIds=item["instance_ids"], ProtectedFromScaleIn=False)
            self._call(item["name"], autoscaling.delete_auto_scaling_group, aws_retry=True,
                       AutoScalingGroupName=item["id"], ForceDelete=True)
            self._done(item)
        names = [g["id"] for g in groups]

        def gone():
            found = autoscaling.describe_auto_scaling_groups(aws_retry=True, AutoScalingGroupNames=names).get(
                "AutoScalingGroups") or []
            return _still_there((g["AutoScalingGroupName"], "%s, %d instances" % (
                g.get("Status") or "present", len(g.get("Instances") or []))) for g in found)

        if names:
            self._wait("Auto Scaling groups %s to be deleted" % ", ".join(names), gone)

    def _clusters(self, container_instances, clusters):
        ecs = self.clients["ecs"]
        for item in self._each(container_instances, "deregistering"):
            self._call(item["name"], ecs.deregister_container_instance, aws_retry=True, cluster=item["cluster"],
                       containerInstance=item["id"], force=True)
            self._done(item, "deregistered")
        for item in self._each(clusters):
            self._call(item["name"], ecs.delete_cluster, aws_retry=True, cluster=item["id"])
            self._done(item)

    def _route53(self, records, zones):
        """The stack's records in other zones, one change batch per zone; then each zone of the stack emptied (one
        batch, every record but its apex NS and SOA) and deleted. Changes are waited for until INSYNC."""
        route53 = self.clients.get("route53")
        by_zone = {}
        for item in self._each(records):
            by_zone.setdefault(item["zone_id"], []).append(item)
        for zone_id, items in sorted(by_zone.items()):
            self._change(zone_id, [item["record"] for item in items])
            for item in items:
                self._done(item)
        for item in self._each(zones):
            try:
                zone = route53.get_hosted_zone(aws_retry=True, Id=item["id"])["HostedZone"]
            except Exception as error:
                if _code(error) == "NoSuchHostedZone":
                    self._done(item)
                    continue
                raise
            apex = _fqdn(zone["Name"])
            self._change(item["id"], [r for r in _record_sets(route53, item["id"])
                                      if not (_fqdn(r["Name"]) == apex and r["Type"] in ("NS", "SOA"))])
            self._call(item["name"], route53.delete_hosted_zone, aws_retry=True, Id=item["id"])
            self._done(item)

    def _change(self, zone_id, record_sets):
        if not record_sets:
            return
        route53 = self.clients.get("route53")
        info = self._call("records of hosted zone %s" % zone_id, route53.change_resource_record_sets, aws_retry=True,
                          HostedZoneId=zone_id, ChangeBatch={"Comment": "teardown", "Changes": [
                              {"Action": "DELETE", "ResourceRecordSet": r} for r in record_sets]})
        if not info:
            return
        change_id = info["ChangeInfo"]["Id"]

        def insync():
            status = route53.get_change(aws_retry=True, Id=change_id)["ChangeInfo"]["Status"]
            pending = "%d record deletion(s) in %s: %s" % (len(record_sets), zone_id, status)
            return status == "INSYNC", [] if status == "INSYNC" else [pending]

        self._wait("record deletions in hosted zone %s to be INSYNC" % zone_id, insync)

    def _load_balancers(self, balancers, target_groups):
        elbv2 = self.clients["elbv2"]
        for item in self._each(balancers):
            self._call(item["name"], elbv2.modify_load_balancer_attributes, aws_retry=True, LoadBalancerArn=item["id"],
                       Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}])
            self._call(item["name"], elbv2.delete_load_balancer, aws_retry=True, LoadBalancerArn=item["id"])
            self._done(item)
        arns = [b["id"] for b in balancers]

        def gone():
            try:
                found = elbv2.describe_load_balancers(aws_retry=True, LoadBalancerArns=arns).get("LoadBalancers") or []
            except Exception as error:
                if _code(error) == "LoadBalancerNotFound":
                    return True, []
                raise
            return _still_there((b.get("LoadBalancerName"), (b.get("State") or {}).get("Code")) for b in found)

        if arns:
            self._wait("load balancers to be deleted", gone)
        for item in self._each(target_groups):
            self._call(item["name"], elbv2.delete_target_group, aws_retry=True, TargetGroupArn=item["id"])
            self._done(item)

    def _databases_start(self, instances, clusters):
        """Databases take longest: start deleting them early, wait for them later."""
        rds = self.clients["rds"]
        for item in clusters:
            if item.get("deletion_protection"):
                self._call(item["name"], rds.modify_db_cluster, aws_retry=True, DBClusterIdentifier=item["id"],
                           DeletionProtection=False, ApplyImmediately=True)
        for item in self._each(instances):
            self._call(item["name"], rds.delete_db_instance, aws_retry=True, DBInstanceIdentifier=item["id"])
            self._done(item)
        for item in self._each(clusters):
            kwargs = {"DBClusterIdentifier": item["id"]}
            if self.skip_final_snapshot:
                kwargs["SkipFinalSnapshot"] = True
                action = "deleted (no final snapshot)"
            else:
                snapshot = final_snapshot_identifier(item["id"], self.now)
                kwargs.update(SkipFinalSnapshot=False, FinalDBSnapshotIdentifier=snapshot)
                self.snapshots.append(snapshot)
                action = "deleted (final snapshot %s)" % snapshot
            self._call(item["name"], rds.delete_db_cluster, aws_retry=True, **kwargs)
            self._done(item, action)

    def _databases_finish(self, clusters, instances, subnet_groups):
        rds = self.clients["rds"]

        def gone():
            left = []
            for item in clusters:
                try:
                    found = rds.describe_db_clusters(aws_retry=True, DBClusterIdentifier=item["id"]).get("DBClusters")
                except Exception as error:
                    if _code(error) == "DBClusterNotFoundFault":
                        continue
                    raise
                left.extend((c["DBClusterIdentifier"], c.get("Status")) for c in found or [])
            return _still_there(left)

        if clusters:
            self._wait("database clusters to be deleted", gone)
        for item in self._each(subnet_groups):
            self._call(item["name"], rds.delete_db_subnet_group, aws_retry=True, DBSubnetGroupName=item["id"])
            self._done(item)

    def _network(self, by):
        ec2 = self.clients["ec2"]
        endpoints = [e["id"] for e in by.get("vpc_endpoint", [])]
        if endpoints:
            self._each(by["vpc_endpoint"])
            self._call("VPC endpoints", ec2.delete_vpc_endpoints, aws_retry=True, VpcEndpointIds=endpoints)
            for item in by["vpc_endpoint"]:
                self._done(item)
        nats = [n["id"] for n in by.get("nat_gateway", [])]
        for item in self._each(by.get("nat_gateway", [])):
            self._call(item["name"], ec2.delete_nat_gateway, aws_retry=True, NatGatewayId=item["id"])
            self._done(item)

        def nats_gone():
            found = ec2.describe_nat_gateways(aws_retry=True, NatGatewayIds=nats).get("NatGateways") or []
            return _still_there((n["NatGatewayId"], n.get("State")) for n in found if n.get("State") != "deleted")

        def endpoints_gone():
            try:
                found = ec2.describe_vpc_endpoints(aws_retry=True, VpcEndpointIds=endpoints).get("VpcEndpoints") or []
            except Exception as error:
                if _code(error) == "InvalidVpcEndpointId.NotFound":
                    return True, []
                raise
            return _still_there((e["VpcEndpointId"], e.get("State")) for e in found
                                if (e.get("State") or "").lower() != "deleted")

        if nats:
            self._wait("NAT gateways to be deleted", nats_gone)
        if endpoints:
            self._wait("VPC endpoints to be deleted", endpoints_gone)
        for item in self._each(by.get("elastic_ip", []), "releasing"):
            if item.get("association_id"):
                self._call(item["name"], ec2.disassociate_address, aws_retry=True, AssociationId=item["association_id"])
            self._call(item["name"], ec2.release_address, aws_retry=True, AllocationId=item["id"])
            self._done(item, "released")
        for item in self._each(by.get("internet_gateway", [])):
            for vpc_id in item.get("vpc_ids") or []:
                self._call(item["name"], ec2.detach_internet_gateway, aws_retry=True, InternetGatewayId=item["id"],
                           VpcId=vpc_id)
            self._call(item["name"], ec2.delete_internet_gateway, aws_retry=True, InternetGatewayId=item["id"])
            self._done(item)
        for item in self._each(by.get("subnet", [])):
            self._call(item["name"], ec2.delete_subnet, aws_retry=True, SubnetId=item["id"])
            self._done(item)
        for item in self._each(by.get("route_table", [])):
            for association in item.get("associations") or []:
                self._call(item["name"], ec2.disassociate_route_table, aws_retry=True, AssociationId=association)
            self._call(item["name"], ec2.delete_route_table, aws_retry=True, RouteTableId=item["id"])
            self._done(item)
        groups = by.get("security_group", [])
        # rules first: groups that reference each other cannot be deleted one by one otherwise
        for item in self._each(groups):
            if not item.get("has_rules"):
                continue
            described = self._call(item["name"], ec2.describe_security_groups, aws_retry=True, GroupIds=[item["id"]])
            for group in (described or {}).get("SecurityGroups") or []:
                if group.get("IpPermissions"):
                    self._call(item["name"], ec2.revoke_security_group_ingress, aws_retry=True, GroupId=item["id"],
                               IpPermissions=group["IpPermissions"])
                if group.get("IpPermissionsEgress"):
                    self._call(item["name"], ec2.revoke_security_group_egress, aws_retry=True, GroupId=item["id"],
                               IpPermissions=group["IpPermissionsEgress"])
        for item in groups:
            self._call(item["name"], ec2.delete_security_group, aws_retry=True, GroupId=item["id"])
            self._done(item)
        flow_logs = [f["id"] for f in by.get("flow_log", [])]
        if flow_logs:
            self._each(by["flow_log"])
            self._call("flow logs", ec2.delete_flow_logs, aws_retry=True, FlowLogIds=flow_logs)
            for item in by["flow_log"]:
                self._done(item)
        for item in self._each(by.get("vpc", [])):
            self._call(item["name"], ec2.delete_vpc, aws_retry=True, VpcId=item["id"])
            self._done(item)

    def _iam(self, profiles, roles):
        iam = self.clients["iam"]
        for item in self._each(profiles):
            for role in item.get("roles") or []:
                self._call(item["name"], iam.remove_role_from_instance_profile, aws_retry=True,
                           InstanceProfileName=item["id"], RoleName=role)
            self._call(item["name"], iam.delete_instance_profile, aws_retry=True, InstanceProfileName=item["id"])
            self._done(item)
        for item in self._each(roles):
            name = item["id"]
            for profile in _pages(iam, "list_instance_profiles_for_role", "InstanceProfiles", token_in="Marker",
                                  token_out="Marker", RoleName=name):
                self._call(name, iam.remove_role_from_instance_profile, aws_retry=True,
                           InstanceProfileName=profile["InstanceProfileName"], RoleName=name)
            for policy in _pages(iam, "list_attached_role_policies", "AttachedPolicies", token_in="Marker",
                                 token_out="Marker", RoleName=name):
                self._call(name, iam.detach_role_policy, aws_retry=True, RoleName=name, PolicyArn=policy["PolicyArn"])
            for policy_name in _pages(iam, "list_role_policies", "PolicyNames", token_in="Marker", token_out="Marker",
                                      RoleName=name):
                self._call(name, iam.delete_role_policy, aws_retry=True, RoleName=name, PolicyName=policy_name)
            self._call(name, iam.delete_role, aws_retry=True, RoleName=name)
            self._done(item)
