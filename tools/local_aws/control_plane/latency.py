"""Creation latency for NAT gateways, interface VPC endpoints and Aurora; DescribeDBClusterEndpoints.

moto makes these resources ready at once. Here the status seen through describe calls moves as on AWS,
after the profile's delays; nothing else about the resource changes:
- NAT gateway: pending -> available (nat_gateway_pending); deleting -> deleted (nat_gateway_deleting).
- Interface VPC endpoint: pending -> available (vpc_endpoint_pending); gateway endpoints stay immediate.
- RDS DB cluster: creating -> available (rds_cluster_create); modifying -> available after
  ModifyDBCluster (rds_cluster_modify).
- RDS DB instance: creating -> available (rds_instance_create); modifying -> available after
  ModifyDBInstance (rds_instance_modify).
- Deleted RDS DB instances and clusters stay visible to DescribeDBInstances/DescribeDBClusters as
  `deleting` for rds_instance_delete / rds_cluster_delete, then DBInstanceNotFound / DBClusterNotFoundFault.
DescribeDBClusterEndpoints (moto answers 500) returns each cluster's WRITER and READER endpoints.
(The ALB provisioning -> active transition lives in the elbv2 component.)
"""
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.vpcs import VPCEndPoint
from moto.rds import models as rds_models

from local_aws.control_plane import moto_patch
from local_aws.control_plane.core import Component, Response
from local_aws.control_plane.moto_patch import TimedStatus, patch, xml

RDS_NAMESPACE = "http://rds.amazonaws.com/doc/2014-10-31/"


def _nat_rule(nat, old, new):
    if old is None and new == "available":
        return "pending", "nat_gateway_pending", None
    if old is not None and new == "deleted":
        return "deleting", "nat_gateway_deleting", None
    return None


def _endpoint_rule(endpoint, old, new):
    if old is None and new == "available" and (endpoint.vpc_endpoint_type or "").lower() == "interface":
        return "pending", "vpc_endpoint_pending", None
    return None


def _cluster_rule(cluster, old, new):
    if old is None and new == "creating":
        return "creating", "rds_cluster_create", "available"
    return None


def _instance_rule(instance, old, new):
    if old is None and new == "available":
        return "creating", "rds_instance_create", None
    return None


class Latency(Component):
    name = "latency"

    def __init__(self, plane):
        super().__init__(plane)
        TimedStatus.delays = plane.profile["delays"]
        moto_patch.clock = plane.now
        TimedStatus(_nat_rule).install(NatGateway, "state")
        TimedStatus(_endpoint_rule).install(VPCEndPoint, "state")
        TimedStatus(_cluster_rule).install(rds_models.DBCluster, "_status")
        # moto's DBCluster.status flips creating -> available on first read; read the timed value instead
        rds_models.DBCluster.status = property(lambda c: c._status, lambda c, v: setattr(c, "_status", v))
        TimedStatus(_instance_rule).install(rds_models.DBInstance, "status")
        patch(rds_models.RDSBackend, "modify_db_cluster", _modifying("rds_cluster_modify", "clusters", "_status"))
        patch(rds_models.RDSBackend, "modify_db_instance", _modifying("rds_instance_modify", "databases", "status"))

        # deleted DB instances and clusters stay visible as `deleting` to the describe APIs for a while
        self.describing = False
        patch(rds_models.RDSBackend, "delete_db_instance", _deleting(self, "instances", "rds_instance_delete"))
        patch(rds_models.RDSBackend, "delete_db_cluster", _deleting(self, "clusters", "rds_cluster_delete"))
        patch(rds_models.RDSBackend, "describe_db_instances",
              _describe_deleting(self, "instances", rds_models.DBInstance, rds_models.DBInstanceNotFoundError))
        patch(rds_models.RDSBackend, "describe_db_clusters",
              _describe_deleting(self, "clusters", rds_models.DBCluster, rds_models.DBClusterNotFoundError))

    def intercepts(self):
        return {
            ("rds", "DescribeDBClusterEndpoints"): self._describe_cluster_endpoints,
            ("rds", "DescribeDBInstances"): self._api_describe,
            ("rds", "DescribeDBClusters"): self._api_describe,
        }

    def after(self):
        return {("rds", "DescribeDBInstances"): self._api_described, ("rds", "DescribeDBClusters"): self._api_described}

    def _api_describe(self, request):
        """Only the describe APIs see deleted resources; moto's own lookups do not."""
        self.describing = True
        return None

    def _api_described(self, request, status, body):
        self.describing = False

    def _describe_cluster_endpoints(self, request):
        backend = rds_models.rds_backends[request.account_id][request.region]
        wanted = request.params.get("DBClusterIdentifier")
        if wanted and wanted not in backend.clusters:
            return Response.xml_error("DBClusterNotFoundFault", f"DBCluster {wanted} not found.", status=404)
        kinds = set()  # Filters.Filter.N.Name=db-cluster-endpoint-type, Filters.Filter.N.Values.Value.M=reader
        for key, value in request.params.items():
            if key.startswith("Filters.") and key.endswith(".Name") and value == "db-cluster-endpoint-type":
                prefix = key[: -len("Name")] + "Values."
                kinds |= {v.upper() for k, v in request.params.items() if k.startswith(prefix)}
        members = []
        for identifier, cluster in backend.clusters.items():
            if wanted and identifier != wanted:
                continue
            status = "creating" if cluster.status == "creating" else "available"
            for kind, endpoint in (("WRITER", cluster.endpoint), ("READER", cluster.reader_endpoint)):
                if kinds and kind not in kinds:
                    continue
                members.append("<DBClusterEndpointList>" + xml("DBClusterIdentifier", identifier)
                               + xml("Endpoint", endpoint) + xml("Status", status) + xml("EndpointType", kind)
                               + "</DBClusterEndpointList>")
        return Response.xml("DescribeDBClusterEndpoints", f"<DBClusterEndpoints>{''.join(members)}</DBClusterEndpoints>",
                            RDS_NAMESPACE)


def _modifying(delay_name, collection, attribute):
    """Wrap an RDS modify call: the resource shows `modifying` for the delay, then its own status."""

    def make(original):
        def modify(backend, *args, **kwargs):
            result = original(backend, *args, **kwargs)
            identifier = _identifier(args, kwargs)
            resource = getattr(backend, collection).get(identifier) if identifier else None
            if resource is None:
                resource = getattr(backend, collection).get(getattr(result, "db_cluster_identifier", None)
                                                            or getattr(result, "db_instance_identifier", None))
            if resource is not None and TimedStatus.delays is not None:
                value = getattr(resource, attribute)
                if value == "available":
                    resource.__dict__[attribute] = (value, "modifying", moto_patch.now() + TimedStatus.delays[delay_name], None)
            return result

        return modify

    return make


def _identifier(args, kwargs):
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, dict):
            for key in ("new_db_cluster_identifier", "db_cluster_identifier", "new_db_instance_identifier",
                        "db_instance_identifier"):
                if value.get(key):
                    return value[key]
        elif isinstance(value, str):
            return value
    return None


def _graveyard(backend, kind):
    """{identifier: resource} of resources still `deleting`; expired ones are dropped."""
    store = backend.__dict__.setdefault("lp_deleting", {"instances": {}, "clusters": {}})[kind]
    now = moto_patch.now()
    for identifier in [i for i, (_, until) in store.items() if until <= now]:
        del store[identifier]
    return {identifier: resource for identifier, (resource, _) in store.items()}


def _deleting(component, kind, delay_name):
    def make(original):
        def delete(backend, *args, **kwargs):
            resource = original(backend, *args, **kwargs)
            if TimedStatus.delays is not None:
                resource.status = "deleting"
                identifier = resource.db_instance_identifier if kind == "instances" else resource.db_cluster_identifier
                _graveyard(backend, kind)
                backend.__dict__["lp_deleting"][kind][identifier] = (resource, moto_patch.now() + TimedStatus.delays[delay_name])
            return resource

        return delete

    return make


def _describe_deleting(component, kind, resource_class, not_found):
    def make(original):
        def describe(backend, *args, **kwargs):
            name = "db_instance_identifier" if kind == "instances" else "db_cluster_identifier"
            identifier = args[0] if args else kwargs.get(name)
            filters = args[1] if len(args) > 1 else kwargs.get("filters")
            ghosts = _graveyard(backend, kind) if component.describing else {}
            live = backend.databases if kind == "instances" else backend.clusters
            ghosts = {i: r for i, r in ghosts.items() if i not in live}
            try:
                found = original(backend, *args, **kwargs)
            except not_found:
                if identifier in ghosts:
                    return [ghosts[identifier]]
                raise
            if not identifier and ghosts:
                if filters:
                    ghosts = backend._filter_resources(ghosts, filters, resource_class)
                found = list(found) + list(ghosts.values())
            return found

        return describe

    return make
