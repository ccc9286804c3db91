# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ECS cluster with its settings, exec configuration, Service Connect namespace, capacity
providers and tags (ecs_cluster). The comparisons are ecs_cluster.py's (pure); this class reads,
applies them and deletes a cluster once what it runs is gone. With `exec_log_group` it first converges the log
group of ECS Exec sessions and the KMS key it owns for them (encrypted_log_groups.EncryptedLogGroups), which then
fill in the exec configuration's key and log group."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.arn import log_group_arn
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import LazyClients, Service
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import cluster_changes
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import cluster_desired
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import current_cluster_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import desired_cluster_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import dict_to_ecs_tags
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import ecs_tags_to_dict
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_cluster import validate_strategy
from ansible_collections.cloudops.ecs.plugins.module_utils.encrypted_log_groups import EncryptedLogGroups
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

INCLUDE = ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "TAGS"]
BUSY = ["ClusterContainsServicesException", "ClusterContainsTasksException", "UpdateInProgressException"]


def result_cluster(cluster):
    if not cluster:
        return {}
    out = camel_dict_to_snake_dict(dict((k, v) for k, v in cluster.items() if k != "tags"))
    out["tags"] = ecs_tags_to_dict(cluster.get("tags"))
    out.setdefault("capacity_providers", [])
    out.setdefault("default_capacity_provider_strategy", [])
    return out


def diff_view(view):
    if not view:
        return {}
    return {
        "settings": view["settings"],
        "execute_command_configuration": view["executeCommandConfiguration"],
        "service_connect_namespace": view["serviceConnectNamespace"],
        "capacity_providers": view["capacityProviders"],
        "default_capacity_provider_strategy": view["defaultCapacityProviderStrategy"],
        "tags": view["tags"],
    }


def create_request(name, wanted):
    request = {"clusterName": name}
    if wanted["settings"]:
        request["settings"] = [{"name": k, "value": v} for k, v in sorted(wanted["settings"].items())]
    if wanted["executeCommandConfiguration"]:
        request["configuration"] = {"executeCommandConfiguration": wanted["executeCommandConfiguration"]}
    if wanted["serviceConnectNamespace"]:
        request["serviceConnectDefaults"] = {"namespace": wanted["serviceConnectNamespace"]}
    if wanted["tags"]:
        request["tags"] = dict_to_ecs_tags(wanted["tags"])
    return request


def validate(params):
    exec_config = params.get("execute_command_configuration")
    if exec_config and exec_config.get("logging") == "OVERRIDE" and not exec_config.get("log_configuration") \
            and not params.get("exec_log_group"):
        raise CloudopsError(message="execute_command_configuration.logging=OVERRIDE needs log_configuration "
                                    "(cloud_watch_log_group_name and/or s3_bucket_name)")


def with_exec_destination(option, log_group_name, key_arn):
    """The execute_command_configuration option with the owned log group and key filled in where it names none
    (logging OVERRIDE to that group, encryption required)."""
    option = dict(option or {})
    if not option.get("kms_key_id") and key_arn:
        option["kms_key_id"] = key_arn
    option["logging"] = "OVERRIDE"
    log = dict(option.get("log_configuration") or {})
    log.setdefault("cloud_watch_log_group_name", log_group_name)
    if log.get("cloud_watch_log_group_name") == log_group_name:
        log["cloud_watch_encryption_enabled"] = True
    option["log_configuration"] = log
    return option


class Cluster(Service):
    SERVICES = ("ecs", "servicediscovery", "kms", "logs", "sts")

    def __init__(self, *args, **kwargs):
        super(Cluster, self).__init__(*args, **kwargs)
        self.name = self.params["name"]
        self.exec_changes = []

    @classmethod
    def clients_for(cls, module):
        """Only the clients a run uses (Service Connect and the exec log group are options)."""
        return LazyClients(module)

    def change(self, text):
        self.exec_changes.append(text)

    def exec_log_group(self):
        """Converge the owned ECS Exec log group and its key: {name, arn, key_arn} ({} without the option)."""
        spec = self.params.get("exec_log_group")
        if not spec:
            return {}
        destination = EncryptedLogGroups.of_caller(
            self, spec.get("tags"), spec.get("key_alias"), key_arn=spec.get("kms_key_arn"),
            key_description=spec.get("key_description") or "", key_scope=[spec["name"]])
        key_arn = destination.key()
        destination.log_group(spec["name"], spec["retention_days"], key_arn)
        return {"name": spec["name"], "key_arn": key_arn or "",
                "arn": log_group_arn(destination.partition, self.region, destination.account_id, spec["name"])}

    def ecs(self, method, description, /, **params):
        return self.call("ecs", method, description, **params)

    def describe(self):
        result = self.ecs("describe_clusters", "describe cluster %s" % self.name, clusters=[self.name], include=INCLUDE)
        for cluster in result.get("clusters") or []:
            if cluster.get("status") != "INACTIVE":
                return cluster
        return None

    def resolve_namespace(self, name_or_arn):
        """A Cloud Map namespace ARN from a name or ARN (None = option not set, '' = remove)."""
        if name_or_arn is None or name_or_arn == "" or name_or_arn.startswith("arn:"):
            return name_or_arn
        for namespace in self.paginate("servicediscovery", "list_namespaces", "Namespaces", "list Cloud Map namespaces"):
            if namespace["Name"] == name_or_arn:
                return namespace["Arn"]
        raise CloudopsError(message="service_connect_namespace: no Cloud Map namespace named %s; create it or pass "
                                    "its ARN" % name_or_arn)

    def apply_changes(self, cluster, current, wanted, changes):
        what = "update cluster %s (%s)" % (self.name, ", ".join(sorted(changes)))
        update = {}
        if "settings" in changes:
            update["settings"] = [{"name": "containerInsights", "value": wanted["settings"]["containerInsights"]}]
        if "configuration" in changes:
            update["configuration"] = {"executeCommandConfiguration": wanted["executeCommandConfiguration"]}
        if "service_connect" in changes:
            update["serviceConnectDefaults"] = {"namespace": wanted["serviceConnectNamespace"] or ""}
        if update:
            self.ecs("update_cluster", what, cluster=self.name, **update)
        if "capacity_providers" in changes:
            self.ecs("put_cluster_capacity_providers", what, cluster=self.name,
                     capacityProviders=wanted["capacityProviders"],
                     defaultCapacityProviderStrategy=wanted["defaultCapacityProviderStrategy"])
        if "tags" in changes:
            to_set, to_remove = tagging.changes(current["tags"], wanted["tags"], True)
            if to_remove:
                self.ecs("untag_resource", what, resourceArn=cluster["clusterArn"], tagKeys=to_remove)
            if to_set:
                self.ecs("tag_resource", what, resourceArn=cluster["clusterArn"], tags=dict_to_ecs_tags(to_set))

    def present(self):
        exec_log_group = self.exec_log_group()
        params = self.params
        if exec_log_group:
            params = dict(params, execute_command_configuration=with_exec_destination(
                params.get("execute_command_configuration"), exec_log_group["name"], exec_log_group["key_arn"]))
        desired = cluster_desired(params, self.resolve_namespace(params.get("service_connect_namespace")))
        cluster = self.describe()
        current = current_cluster_view(cluster)
        wanted = desired_cluster_view(desired, current)
        providers_set = desired["capacityProviders"] is not None or desired["defaultCapacityProviderStrategy"] is not None
        errors = validate_strategy(wanted["capacityProviders"] if providers_set else None,
                                   desired["defaultCapacityProviderStrategy"])
        if errors:
            raise CloudopsError(message="; ".join(errors))
        diff = {"before": diff_view(current), "after": diff_view(wanted)}
        if cluster is None:
            changes = ["created"]
            if self.check_mode:
                return dict(changed=True, changes=self.exec_changes + changes, cluster={}, diff=diff,
                            exec_log_group=exec_log_group)
            cluster = self.ecs("create_cluster", "create cluster %s" % self.name,
                               **create_request(self.name, wanted))["cluster"]
            # Capacity providers go through PutClusterCapacityProviders, so create and update share a path.
            current = current_cluster_view(self.describe() or cluster)
            self.apply_changes(cluster, current, wanted, cluster_changes(current, wanted) - {"tags"})
        else:
            changes = sorted(cluster_changes(current, wanted))
            if changes and not self.check_mode:
                self.apply_changes(cluster, current, wanted, set(changes))
        final = self.describe() if changes and not self.check_mode else cluster  # unchanged: what was read
        changes = self.exec_changes + changes
        return dict(changed=bool(changes), changes=changes, cluster=result_cluster(final), diff=diff,
                    exec_log_group=exec_log_group)

    def delete(self):
        """One DeleteCluster attempt for the waiter: done when deleted or gone, not while still busy."""
        try:
            self.clients["ecs"].delete_cluster(aws_retry=True, cluster=self.name)
        except is_boto3_error_code(BUSY) as e:
            return False, ["cluster %s still busy: %s" % (self.name, e.response["Error"]["Code"])], None
        except is_boto3_error_code("ClusterNotFoundException"):
            pass
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            raise CloudopsError(message="Failed to delete cluster %s" % self.name, exception=e) from e
        return True, [], None

    def absent(self):
        cluster = self.describe()
        if cluster is None:
            return dict(changed=False, changes=[], cluster={}, diff={"before": {}, "after": {}})
        diff = {"before": diff_view(current_cluster_view(cluster)), "after": {}}
        listing = "list what cluster %s still runs" % self.name
        services = self.paginate("ecs", "list_services", "serviceArns", listing, cluster=self.name)
        instances = self.paginate("ecs", "list_container_instances", "containerInstanceArns", listing, cluster=self.name)
        if (services or instances) and not self.params["force"]:
            raise CloudopsError(
                message="Cluster %s still has %d service(s) and %d container instance(s): delete them first (services "
                        "role state absent, ecs_instances_state absent) or set force=true to delete the services and "
                        "deregister the instances" % (self.name, len(services), len(instances)),
                services=services, container_instances=instances)
        if self.check_mode:
            return dict(changed=True, changes=["deleted"], cluster=result_cluster(cluster), diff=diff)
        clearing = "clear cluster %s" % self.name
        for service in services:
            self.ecs("update_service", clearing, cluster=self.name, service=service, desiredCount=0)
            self.ecs("delete_service", clearing, cluster=self.name, service=service, force=True)
        for instance in instances:
            self.ecs("deregister_container_instance", clearing, cluster=self.name, containerInstance=instance, force=True)
        self.wait(self.delete, "cluster %s to be deleted" % self.name)
        return dict(changed=True, changes=["deleted"], cluster={}, diff=diff)

    def run(self):
        validate(self.params)
        return self.present() if self.params["state"] == "present" else self.absent()
