# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ECS capacity provider bound to an Auto Scaling group (ecs_capacity_provider). The comparisons
are ecs_cluster.py's (pure); this class reads, applies them and waits for updates to settle.
`ClusterCapacityProviders` converges several providers and then associates them with their cluster (its default
strategy too), all in one module process."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Batch, Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.cluster import Cluster
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import capacity_provider_changes
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import capacity_provider_desired
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import capacity_provider_update_request
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import capacity_provider_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import dict_to_ecs_tags
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import ecs_tags_to_dict
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import strategy_without
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import validate_capacity_provider
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError


def result_provider(provider):
    if not provider:
        return {}
    out = camel_dict_to_snake_dict(dict((k, v) for k, v in provider.items() if k != "tags"))
    out["tags"] = ecs_tags_to_dict(provider.get("tags"))
    return out


def settled(provider):
    """Readiness of a provider update or deletion: (done, reasons)."""
    status = str((provider or {}).get("updateStatus", ""))
    if provider is not None and status.endswith("_IN_PROGRESS"):
        return False, ["capacity provider %s still %s" % (provider.get("name"), status)]
    return True, []


def describe_providers(service, names):
    """name -> the capacity provider (with its tags), None when it does not exist or is INACTIVE; 100 names a call."""
    found = dict((name, None) for name in names)
    for batch in chunks(names, 100):
        result = service.call("ecs", "describe_capacity_providers", "describe capacity provider %s" % ", ".join(batch),
                              capacityProviders=batch, include=["TAGS"])
        for provider in result.get("capacityProviders") or []:
            if provider.get("name") in found and provider.get("status") != "INACTIVE":
                found[provider["name"]] = provider
    return found


class CapacityProvider(Service):
    SERVICES = ("ecs",)

    def __init__(self, *args, **kwargs):
        super(CapacityProvider, self).__init__(*args, **kwargs)
        self.name = self.params["name"]

    @staticmethod
    def read_all(batch, items):
        return describe_providers(batch, [item["name"] for item in items])  # one request for every provider

    def describe(self):
        return self.read_or_batch_read(lambda: describe_providers(self, [self.name]).get(self.name))

    def wait_settled(self):
        """The provider once its update or deletion is no longer in progress (V(wait_timeout=0): no wait)."""
        if not self.params["wait_timeout"]:
            return self.describe()

        def check():
            provider = self.describe()
            done, reasons = settled(provider)
            return done, reasons, provider
        try:
            return self.wait(check, "capacity provider %s to settle" % self.name).value
        except CloudopsError as e:
            e.kwargs["capacity_provider"] = result_provider(self.describe())
            raise

    def clusters_using(self):
        """Clusters (DescribeClusters items) the provider is associated with."""
        what = "find the clusters using capacity provider %s" % self.name
        found = []
        for batch in chunks(self.paginate("ecs", "list_clusters", "clusterArns", what), 100):
            for cluster in self.call("ecs", "describe_clusters", what, clusters=batch).get("clusters") or []:
                if self.name in (cluster.get("capacityProviders") or []):
                    found.append(cluster)
        return found

    def create(self, desired):
        tags = self.params.get("tags")
        after = capacity_provider_view({"name": self.name, "autoScalingGroupProvider": desired,
                                        "tags": dict_to_ecs_tags(tags)})
        diff = {"before": {}, "after": after}
        if self.check_mode:
            # In check mode on a new stack the group may not exist yet either: report the creation.
            return dict(changed=True, changes=["created"], capacity_provider={}, diff=diff)
        if not desired.get("autoScalingGroupArn"):
            raise CloudopsError(message="auto_scaling_group_arn is required to create capacity provider %s" % self.name)
        request = {"name": self.name, "autoScalingGroupProvider": desired}
        if tags:
            request["tags"] = dict_to_ecs_tags(tags)
        provider = self.call("ecs", "create_capacity_provider", "create capacity provider %s" % self.name,
                             **request)["capacityProvider"]
        return dict(changed=True, changes=["created"], capacity_provider=result_provider(provider), diff=diff)

    def present(self):
        desired = capacity_provider_desired(self.params)
        errors = validate_capacity_provider(desired)
        if errors:
            raise CloudopsError(message="; ".join(errors))
        provider = self.describe()
        if provider is None:
            return self.create(desired)
        updatable, immutable = capacity_provider_changes(desired, provider)
        if immutable:
            raise CloudopsError(
                message="Capacity provider %s is bound to Auto Scaling group %s; the group of a capacity provider "
                        "cannot change. Delete the provider (state=absent, detach=true) and create it again, or use "
                        "another name" % (self.name, provider["autoScalingGroupProvider"].get("autoScalingGroupArn")),
                capacity_provider=result_provider(provider))
        current_tags = ecs_tags_to_dict(provider.get("tags"))
        to_set, to_remove = tagging.changes(current_tags, self.params.get("tags"), self.params["purge_tags"])
        changes = list(updatable) + (["tags"] if to_set or to_remove else [])
        update = capacity_provider_update_request(desired, provider)
        after = capacity_provider_view(dict(provider, autoScalingGroupProvider=dict(
            provider["autoScalingGroupProvider"], **update)))
        after["tags"] = tagging.after(current_tags, to_set, to_remove)
        diff = {"before": capacity_provider_view(provider), "after": after}
        if not changes or self.check_mode:
            return dict(changed=bool(changes), changes=changes, capacity_provider=result_provider(provider), diff=diff)
        what = "update capacity provider %s" % self.name
        arn = provider["capacityProviderArn"]
        if updatable:
            self.call("ecs", "update_capacity_provider", what, name=self.name, autoScalingGroupProvider=update)
        if to_remove:
            self.call("ecs", "untag_resource", what, resourceArn=arn, tagKeys=to_remove)
        if to_set:
            self.call("ecs", "tag_resource", what, resourceArn=arn, tags=dict_to_ecs_tags(to_set))
        return dict(changed=True, changes=changes, capacity_provider=result_provider(self.wait_settled()), diff=diff)

    def absent(self):
        provider = self.describe()
        if provider is None:
            return dict(changed=False, changes=[], capacity_provider={}, detached_from=[], diff={"before": {}, "after": {}})
        diff = {"before": capacity_provider_view(provider), "after": {}}
        clusters = self.clusters_using()
        names = [c["clusterName"] for c in clusters]
        if clusters and not self.params["detach"]:
            raise CloudopsError(
                message="Capacity provider %s is still associated with cluster(s) %s: remove it from their capacity "
                        "providers first, or set detach=true" % (self.name, ", ".join(names)), clusters=names)
        if self.check_mode:
            return dict(changed=True, changes=["deleted"], capacity_provider=result_provider(provider),
                        detached_from=names, diff=diff)
        what = "delete capacity provider %s" % self.name
        try:
            for cluster in clusters:
                providers, strategy = strategy_without(cluster, self.name)
                self.call("ecs", "put_cluster_capacity_providers", what, cluster=cluster["clusterArn"],
                          capacityProviders=providers, defaultCapacityProviderStrategy=strategy)
            self.call("ecs", "delete_capacity_provider", what, capacityProvider=self.name)
        except CloudopsError as e:
            e.kwargs["detached_from"] = names
            raise
        if self.params["wait_timeout"]:
            self.wait_settled()
        return dict(changed=True, changes=["deleted"], capacity_provider={}, detached_from=names, diff=diff)

    def run(self):
        if self.name.lower().startswith(("aws", "ecs", "fargate")):
            raise CloudopsError(message="name: capacity provider names cannot start with aws, ecs or fargate (got %s)"
                                        % self.name)
        return self.present() if self.params["state"] == "present" else self.absent()


class ClusterCapacityProviders(Batch):
    """The providers of the list option (a Batch of CapacityProvider, all read in one request), then, with the
    `cluster` option, that cluster's capacity providers set to the present ones and its default strategy to
    `default_capacity_provider_strategy` (PutClusterCapacityProviders, only when they differ)."""

    def run(self):
        result = super(ClusterCapacityProviders, self).run()
        name = self.params.get("cluster")
        if not name:
            return result
        names = [p["name"] for p in self.params[self.many] if (p.get("state") or "present") == "present"]
        association = Cluster(self.clients, {
            "name": name, "state": "present", "capacity_providers": names,
            "default_capacity_provider_strategy": self.params.get("default_capacity_provider_strategy") or [],
        }, self.check_mode, clock=self.clock, progress=self.progress, diff_mode=self.diff_mode, region=self.region)
        try:
            associated = association.run()
        finally:
            self.api_calls += association.api_calls
        result["api_calls"] = self.api_calls
        result["changed"] = result["changed"] or associated["changed"]
        result["cluster"] = associated["cluster"]
        result["cluster_changes"] = associated["changes"]
        if self.diff_mode:
            result["diff"]["before"]["cluster " + name] = associated["diff"]["before"]
            result["diff"]["after"]["cluster " + name] = associated["diff"]["after"]
        return result
