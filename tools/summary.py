"""Print a short summary of what exists on AWS (or the local AWS) for one stack.

Everything printed is read from the APIs: resources are found by the stack tag (`cloudops:stack`), or
through a tagged parent (subnets, NAT gateways and endpoints of the stack's VPC; services of its
cluster). A section whose resources do not exist says so.

Usage: python tools/summary.py [--endpoint URL] [--stack NAME] [--region REGION]
Defaults: the stack name and region of inventories/local, the endpoint in the local AWS's state folder
($LOCAL_AWS_STATE_DIR, default .local-aws/).
"""
import argparse
import collections
import os
import sys

import boto3
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACK_TAG = "cloudops:stack"


def inventory_defaults():
    path = os.path.join(ROOT, "inventories", "local", "group_vars", "all", "aws.yml")
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except OSError:
        data = {}
    endpoint = None
    try:
        state_dir = os.environ.get("LOCAL_AWS_STATE_DIR") or os.path.join(ROOT, ".local-aws")
        with open(os.path.join(state_dir, "endpoint"), encoding="utf-8") as handle:
            endpoint = handle.read().strip() or None
    except OSError:
        pass
    return {
        "stack": str(data.get("cloudops_stack_name", "demo")),
        "region": str(data.get("cloudops_aws_region", "us-east-1")),
        "endpoint": endpoint,
    }


def tags_of(items, key="Tags"):
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in items.get(key) or []}


def pages(client, operation, key, **kwargs):
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key) or []
    else:
        yield from getattr(client, operation)(**kwargs).get(key) or []


class Summary:
    def __init__(self, session, endpoint, stack, out=sys.stdout):
        self.session = session
        self.endpoint = endpoint
        self.stack = stack
        self.out = out
        self._clients = {}

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint)
        return self._clients[service]

    def say(self, text=""):
        print(text, file=self.out)

    def section(self, title, build):
        self.say(f"{title}:")
        try:
            lines = build()
        except Exception as error:  # noqa: BLE001 - a section that cannot be read must not hide the others
            lines = [f"could not read: {error}"]
        for line in lines:
            self.say(f"  {line}")

    # -- network ----------------------------------------------------------------------------------------
    def vpcs(self):
        filters = [{"Name": f"tag:{STACK_TAG}", "Values": [self.stack]}]
        return list(pages(self.client("ec2"), "describe_vpcs", "Vpcs", Filters=filters))

    def network(self):
        ec2 = self.client("ec2")
        vpcs = self.vpcs()
        if not vpcs:
            return ["no VPC tagged for this stack"]
        lines = []
        for vpc in vpcs:
            vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
            lines.append(f"VPC {vpc['VpcId']} {vpc['CidrBlock']} {tags_of(vpc).get('Name', '')}".rstrip())
            subnets = sorted(pages(ec2, "describe_subnets", "Subnets", Filters=vpc_filter),
                             key=lambda s: (tags_of(s).get("Name", ""), s["AvailabilityZone"]))
            if not subnets:
                lines.append("  no subnets")
            for subnet in subnets:
                name = tags_of(subnet).get("Name", "")
                public = "public" if subnet.get("MapPublicIpOnLaunch") else ""
                lines.append(f"  subnet {subnet['SubnetId']} {subnet['AvailabilityZone']} {subnet['CidrBlock']} "
                             f"{name} {public}".rstrip())
            nats = [n for n in pages(ec2, "describe_nat_gateways", "NatGateways", Filters=vpc_filter)
                    if n.get("State") != "deleted"]
            if not nats:
                lines.append("  no NAT gateway")
            for nat in nats:
                lines.append(f"  NAT {nat['NatGatewayId']} in {nat.get('SubnetId')} {nat.get('State')}")
            endpoints = list(pages(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=vpc_filter))
            if not endpoints:
                lines.append("  no VPC endpoints")
            for endpoint in sorted(endpoints, key=lambda e: e.get("ServiceName", "")):
                service = endpoint.get("ServiceName", "").rsplit(".", 1)[-1]
                lines.append(f"  endpoint {service} ({endpoint.get('VpcEndpointType')}) {endpoint.get('State')}")
        return lines

    # -- database ---------------------------------------------------------------------------------------
    def database(self):
        rds = self.client("rds")
        clusters = [c for c in pages(rds, "describe_db_clusters", "DBClusters")
                    if tags_of(c, "TagList").get(STACK_TAG) == self.stack]
        if not clusters:
            return ["no DB cluster tagged for this stack"]
        instances = {i["DBInstanceIdentifier"]: i for i in pages(rds, "describe_db_instances", "DBInstances")}
        lines = []
        for cluster in clusters:
            lines.append(f"cluster {cluster['DBClusterIdentifier']} {cluster.get('Engine')} "
                         f"{cluster.get('EngineVersion')} {cluster.get('Status')}")
            lines.append(f"  writer endpoint {cluster.get('Endpoint')}")
            if cluster.get("ReaderEndpoint"):
                lines.append(f"  reader endpoint {cluster.get('ReaderEndpoint')}")
            members = cluster.get("DBClusterMembers") or []
            if not members:
                lines.append("  no member instances")
            for member in members:
                instance = instances.get(member["DBInstanceIdentifier"], {})
                role = "writer" if member.get("IsClusterWriter") else "reader"
                lines.append(f"  {role} {member['DBInstanceIdentifier']} {instance.get('DBInstanceClass', '')} "
                             f"{instance.get('AvailabilityZone', '')} {instance.get('DBInstanceStatus', 'unknown')}")
        return lines

    # -- ECS --------------------------------------------------------------------------------------------
    def clusters(self):
        ecs = self.client("ecs")
        arns = list(pages(ecs, "list_clusters", "clusterArns"))
        found = []
        for start in range(0, len(arns), 100):
            described = ecs.describe_clusters(clusters=arns[start:start + 100], include=["TAGS"])["clusters"]
            found += [c for c in described if tags_of(c, "tags").get(STACK_TAG) == self.stack]
        return found

    def ecs(self):
        ecs, ec2 = self.client("ecs"), self.client("ec2")
        clusters = self.clusters()
        if not clusters:
            return ["no ECS cluster tagged for this stack"]
        lines = []
        for cluster in clusters:
            lines.append(f"cluster {cluster['clusterName']} {cluster.get('status')}, capacity providers: "
                         f"{', '.join(cluster.get('capacityProviders') or []) or 'none'}")
            arns = list(pages(ecs, "list_container_instances", "containerInstanceArns", cluster=cluster["clusterArn"]))
            instances = []
            for start in range(0, len(arns), 100):
                instances += ecs.describe_container_instances(
                    cluster=cluster["clusterArn"], containerInstances=arns[start:start + 100])["containerInstances"]
            if not instances:
                lines.append("  no container instances")
            azs = {}
            ec2_ids = [i["ec2InstanceId"] for i in instances if i.get("ec2InstanceId")]
            if ec2_ids:
                for reservation in pages(ec2, "describe_instances", "Reservations", InstanceIds=ec2_ids):
                    for instance in reservation["Instances"]:
                        azs[instance["InstanceId"]] = instance["Placement"]["AvailabilityZone"]
            per_az = collections.defaultdict(collections.Counter)
            for instance in instances:
                attributes = {a["name"]: a.get("value") for a in instance.get("attributes") or []}
                az = attributes.get("ecs.availability-zone") or azs.get(instance.get("ec2InstanceId"), "unknown AZ")
                state = instance.get("status", "?") + ("" if instance.get("agentConnected") else " (agent disconnected)")
                per_az[az][state] += 1
            for az in sorted(per_az):
                counts = ", ".join(f"{n} {state}" for state, n in sorted(per_az[az].items()))
                lines.append(f"  container instances in {az}: {counts}")
            lines += self.services(cluster)
        return lines

    def services(self, cluster):
        ecs, elbv2 = self.client("ecs"), self.client("elbv2")
        arns = list(pages(ecs, "list_services", "serviceArns", cluster=cluster["clusterArn"]))
        if not arns:
            return ["  no services"]
        lines = []
        for start in range(0, len(arns), 10):
            for service in ecs.describe_services(cluster=cluster["clusterArn"], services=arns[start:start + 10])["services"]:
                primary = next((d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), {})
                lines.append(
                    f"  service {service['serviceName']} {service.get('status')}: running "
                    f"{service.get('runningCount')}/{service.get('desiredCount')} (pending {service.get('pendingCount')}), "
                    f"rollout {primary.get('rolloutState', 'unknown')}, {len(service.get('deployments') or [])} deployment(s)"
                )
                strategy = (service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"
                if strategy != "ROLLING":
                    lines.append("    " + self.service_deployment(ecs, cluster, service, strategy))
                for balancer in service.get("loadBalancers") or []:
                    alternate = (balancer.get("advancedConfiguration") or {}).get("alternateTargetGroupArn")
                    for group in (balancer.get("targetGroupArn"), alternate):
                        if not group:
                            continue
                        health = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
                        states = collections.Counter(t["TargetHealth"]["State"] for t in health)
                        summary = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no targets"
                        name = group.rsplit(":", 1)[-1].split("/")[1] if "/" in group else group
                        lines.append(f"    targets {name} port {balancer.get('containerPort')}: {summary}")
        return lines

    @staticmethod
    def service_deployment(ecs, cluster, service, strategy):
        """A line on a traffic-shifting service's latest service deployment: status, lifecycle stage, traffic."""
        found = ecs.list_service_deployments(cluster=cluster["clusterArn"], service=service["serviceName"])
        latest = (found.get("serviceDeployments") or [None])[0]
        if latest is None:
            return f"strategy {strategy}: no deployment yet"
        deployment = ecs.describe_service_deployments(serviceDeploymentArns=[latest["serviceDeploymentArn"]])[
            "serviceDeployments"][0]
        weight = (deployment.get("targetServiceRevision") or {}).get("requestedProductionTrafficWeight")
        return (f"strategy {strategy}: deployment {deployment['serviceDeploymentArn'].rsplit('/', 1)[-1]} "
                f"{deployment.get('status')}, stage {deployment.get('lifecycleStage', '-')}"
                + (f", production traffic {weight:g}% on it" if weight is not None else ""))

    # -- load balancer ----------------------------------------------------------------------------------
    def load_balancers(self):
        elbv2 = self.client("elbv2")
        balancers = list(pages(elbv2, "describe_load_balancers", "LoadBalancers"))
        tagged = []
        for start in range(0, len(balancers), 20):
            chunk = balancers[start:start + 20]
            descriptions = elbv2.describe_tags(ResourceArns=[b["LoadBalancerArn"] for b in chunk])["TagDescriptions"]
            stack_arns = {d["ResourceArn"] for d in descriptions if tags_of(d).get(STACK_TAG) == self.stack}
            tagged += [b for b in chunk if b["LoadBalancerArn"] in stack_arns]
        if not tagged:
            return ["no load balancer tagged for this stack"]
        lines = []
        for balancer in tagged:
            lines.append(f"{balancer['LoadBalancerName']} ({balancer.get('Scheme')}) "
                         f"{balancer.get('State', {}).get('Code')}: {balancer.get('DNSName')}")
            for listener in pages(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=balancer["LoadBalancerArn"]):
                lines.append(f"  listener {listener.get('Protocol')}:{listener.get('Port')}")
        return lines

    # -- DNS --------------------------------------------------------------------------------------------
    def dns(self):
        route53 = self.client("route53")
        lines = []
        for zone in pages(route53, "list_hosted_zones", "HostedZones"):
            zone_id = zone["Id"].rsplit("/", 1)[-1]
            tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)["ResourceTagSet"]
            if tags_of(tags).get(STACK_TAG) != self.stack:
                continue
            kind = "private" if (zone.get("Config") or {}).get("PrivateZone") else "public"
            lines.append(f"{kind} zone {zone['Name'].rstrip('.')} ({zone_id})")
            for record in pages(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone["Id"]):
                if record["Type"] in ("NS", "SOA"):
                    continue
                target = (record.get("AliasTarget") or {}).get("DNSName") or ", ".join(
                    r["Value"] for r in record.get("ResourceRecords") or [])
                lines.append(f"  {record['Name'].rstrip('.')} {record['Type']} -> {target.rstrip('.')}")
        return lines or ["no hosted zone tagged for this stack"]

    # -- Auto Scaling -----------------------------------------------------------------------------------
    def auto_scaling(self):
        autoscaling = self.client("autoscaling")
        groups = [g for g in pages(autoscaling, "describe_auto_scaling_groups", "AutoScalingGroups")
                  if tags_of(g).get(STACK_TAG) == self.stack]
        if not groups:
            return ["no Auto Scaling group tagged for this stack"]
        lines = []
        for group in groups:
            states = collections.Counter(i.get("LifecycleState") for i in group.get("Instances") or [])
            detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no instances"
            lines.append(f"{group['AutoScalingGroupName']}: desired {group.get('DesiredCapacity')} "
                         f"(min {group.get('MinSize')}, max {group.get('MaxSize')}); {detail}")
        return lines

    def run(self):
        self.say(f"Stack {self.stack!r} at {self.endpoint or 'AWS'} ({self.session.region_name})")
        self.section("Network", self.network)
        self.section("Database", self.database)
        self.section("ECS", self.ecs)
        self.section("Auto Scaling", self.auto_scaling)
        self.section("Load balancer", self.load_balancers)
        self.section("DNS", self.dns)


def main(argv=None):
    defaults = inventory_defaults()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=defaults["endpoint"], help="AWS endpoint URL (the local AWS)")
    parser.add_argument("--stack", default=defaults["stack"], help="value of the cloudops:stack tag")
    parser.add_argument("--region", default=defaults["region"])
    args = parser.parse_args(argv)
    if args.endpoint:
        # The local AWS takes any credentials; never send real ones to it.
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name=args.region)
    else:
        session = boto3.session.Session(region_name=args.region)
    Summary(session, args.endpoint, args.stack).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
