"""The ECS JSON API of the local control plane (AmazonEC2ContainerServiceV20141113.*).

moto's ECS is not used: every ECS action is answered here from state kept per account and region.
Objects are stored in the API's own shape (camelCase); keys starting with "_" are private and never
returned. Scheduling (agent registration, tasks, services, deployments, draining) lives in
ecs_scheduler/ and runs from the component's tick.
"""
import copy
import re
import uuid

from local_aws.control_plane.core import Response

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113"
NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
CP_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
# the SettingName enum of the ECS API model, with the defaults ECS reports
ACCOUNT_SETTING_DEFAULTS = {
    "serviceLongArnFormat": "enabled",
    "taskLongArnFormat": "enabled",
    "containerInstanceLongArnFormat": "enabled",
    "awsvpcTrunking": "disabled",
    "containerInsights": "disabled",
    "fargateTaskRetirementWaitPeriod": "7",
    "tagResourceAuthorization": "on",
    "guardDutyActivate": "off",
    "defaultLogDriverMode": "non-blocking",
}


class EcsError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def client_error(message):
    return EcsError("ClientException", message)


def invalid(message):
    return EcsError("InvalidParameterException", message)


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def public(obj):
    """A deep copy without private ("_"-prefixed) keys."""
    if isinstance(obj, dict):
        return {k: public(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return obj


def new_id():
    return uuid.uuid4().hex


def tags_from(value):
    return [{"key": t["key"], "value": t.get("value", "")} for t in (value or [])]


def merge_tags(existing, new):
    merged = {t["key"]: t.get("value", "") for t in existing}
    for tag in new:
        merged[tag["key"]] = tag.get("value", "")
    return [{"key": k, "value": v} for k, v in merged.items()]


def validate_tags(tags):
    for tag in tags or []:
        key = tag.get("key")
        if not key or len(key) > 128:
            raise invalid("Tag keys must be between 1 and 128 characters.")
        if len(tag.get("value", "")) > 256:
            raise invalid("Tag values must be at most 256 characters.")
        if key.lower().startswith("aws:"):
            raise invalid("Tag keys with the prefix 'aws:' are reserved.")
    if len(tags or []) > 50:
        raise invalid("A resource can have at most 50 tags.")


class Store:
    """ECS state of one account in one region."""

    def __init__(self, account_id, region):
        self.account_id = account_id
        self.region = region
        self.partition = partition_of(region)
        self.clusters = {}            # name -> cluster (ACTIVE or INACTIVE)
        self.capacity_providers = {}  # name -> provider
        self.task_definitions = {}    # family -> {revision: taskDefinition}
        self.container_instances = {}  # arn -> container instance
        self.tasks = {}               # arn -> task
        self.services = {}            # (cluster name, service name) -> service
        self.account_settings = {}    # (principal arn or None, name) -> value
        self.agent_seen = {}          # ec2 instance id -> bookkeeping of the agent scan
        self.by_service = {}          # service key -> its tasks (rebuilt every tick)
        self.service_deployments = {}  # serviceDeploymentArn -> service deployment (traffic.py)
        self.service_revisions = {}   # serviceRevisionArn -> service revision

    def arn(self, resource):
        return f"arn:{self.partition}:ecs:{self.region}:{self.account_id}:{resource}"

    @property
    def root_arn(self):
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    # -- lookups -------------------------------------------------------------------------------------
    def cluster(self, ref, active=True):
        name = (ref or "default").split("/")[-1] if (ref or "").startswith("arn:") else (ref or "default")
        cluster = self.clusters.get(name)
        if cluster is None or (active and cluster["status"] != "ACTIVE"):
            raise EcsError("ClusterNotFoundException", "Cluster not found.")
        return cluster

    def task_definition(self, ref, active_only_for_family=True):
        if not ref:
            raise client_error("Task definition is required.")
        text = ref.split("task-definition/", 1)[1] if ref.startswith("arn:") else ref
        family, _, revision = text.partition(":")
        revisions = self.task_definitions.get(family, {})
        if revision:
            if not revision.isdigit() or int(revision) not in revisions:
                return None
            found = revisions[int(revision)]
            return None if found["status"] == "DELETE_IN_PROGRESS" else found
        active = [r for r in revisions.values() if r["status"] == "ACTIVE"]
        return max(active, key=lambda r: r["revision"]) if active else None

    def service(self, cluster, ref):
        name = ref.split("/")[-1] if ref.startswith("arn:") else ref
        return self.services.get((cluster["clusterName"], name))

    def task(self, cluster, ref):
        task_id = ref.split("/")[-1]
        for arn, task in self.tasks.items():
            if arn.split("/")[-1] == task_id and task["clusterArn"] == cluster["clusterArn"]:
                return task
        return None

    def container_instance(self, cluster, ref):
        ci_id = ref.split("/")[-1]
        for arn, ci in self.container_instances.items():
            if arn.split("/")[-1] == ci_id and ci["_cluster"] == cluster["clusterName"]:
                return ci
        return None

    def capacity_provider(self, ref):
        name = ref.split("/")[-1] if ref.startswith("arn:") else ref
        return self.capacity_providers.get(name)

    def by_arn(self, arn):
        """The taggable object an ARN names, or None."""
        match = re.match(r"^arn:[^:]+:ecs:[^:]*:[^:]*:([a-z-]+)/(.+)$", arn or "")
        if not match:
            return None
        kind, rest = match.groups()
        if kind == "cluster":
            cluster = self.clusters.get(rest)
            return cluster if cluster and cluster["status"] == "ACTIVE" else None
        if kind == "capacity-provider":
            provider = self.capacity_providers.get(rest)
            return provider if provider and provider["status"] == "ACTIVE" else None
        if kind == "task-definition":
            return self.task_definition(arn)
        if kind == "service":
            parts = rest.split("/")
            name = parts[-1]
            for (cluster_name, service_name), service in self.services.items():
                if service_name == name and (len(parts) == 1 or parts[0] == cluster_name):
                    if service["status"] != "INACTIVE":
                        return service
            return None
        if kind == "task":
            return self.tasks.get(arn) or next(
                (t for a, t in self.tasks.items() if a.split("/")[-1] == rest.split("/")[-1]), None)
        if kind == "container-instance":
            return self.container_instances.get(arn) or next(
                (c for a, c in self.container_instances.items() if a.split("/")[-1] == rest.split("/")[-1]), None)
        return None


def paginate(items, body, default_max=100, limit=100):
    max_results = body.get("maxResults") or default_max
    if max_results < 1 or max_results > limit:
        raise invalid(f"maxResults must be between 1 and {limit}.")
    start = int(body.get("nextToken") or 0) if str(body.get("nextToken") or "0").isdigit() else 0
    page = items[start:start + max_results]
    token = str(start + max_results) if start + max_results < len(items) else None
    return page, token


class EcsApi:
    """Mixin with the API handlers; the component provides `store(request)`, `plane`, `scheduler`."""

    # -- dispatch --------------------------------------------------------------------------------
    def handle(self, request):
        store = self.store_for(request.account_id, request.region)
        method = getattr(self, "op_" + request.action, None)
        body = request.json or {}
        if method is None:
            return Response.json_error(
                "UnsupportedFeatureException", f"{request.action} is not supported by the local ECS control plane.")
        try:
            result = method(store, body)
        except EcsError as error:
            print(f"ecs {request.action}: {error.code}: {error.message}", flush=True)  # server.log
            return Response.json_error(error.code, error.message)
        return Response.json(result)

    # -- clusters ------------------------------------------------------------------------------------
    def _cluster_view(self, store, cluster, include=()):
        view = public(cluster)
        active = cluster["status"] == "ACTIVE"
        cis = [c for c in store.container_instances.values()
               if c["_cluster"] == cluster["clusterName"] and c["status"] in ("ACTIVE", "DRAINING")]
        tasks = [t for t in store.tasks.values() if t["clusterArn"] == cluster["clusterArn"]]
        running = [t for t in tasks if t["lastStatus"] == "RUNNING"]
        pending = [t for t in tasks if t["lastStatus"] in ("PROVISIONING", "PENDING", "ACTIVATING")]
        services = [s for s in store.services.values() if s["clusterArn"] == cluster["clusterArn"]]
        view["registeredContainerInstancesCount"] = len(cis) if active else 0
        view["runningTasksCount"] = len(running)
        view["pendingTasksCount"] = len(pending)
        view["activeServicesCount"] = len([s for s in services if s["status"] == "ACTIVE"])
        if "STATISTICS" in include:
            draining = len([s for s in services if s["status"] == "DRAINING"])
            view["statistics"] = [
                {"name": "runningEC2TasksCount", "value": str(len(running))},
                {"name": "runningFargateTasksCount", "value": "0"},
                {"name": "pendingEC2TasksCount", "value": str(len(pending))},
                {"name": "pendingFargateTasksCount", "value": "0"},
                {"name": "runningExternalTasksCount", "value": "0"},
                {"name": "pendingExternalTasksCount", "value": "0"},
                {"name": "activeEC2ServiceCount", "value": str(view["activeServicesCount"])},
                {"name": "activeFargateServiceCount", "value": "0"},
                {"name": "drainingEC2ServiceCount", "value": str(draining)},
                {"name": "drainingFargateServiceCount", "value": "0"},
            ]
        else:
            view["statistics"] = []
        if "TAGS" not in include:
            view.pop("tags", None)
        if "SETTINGS" not in include:
            view.pop("settings", None)
        if "CONFIGURATIONS" not in include:
            view.pop("configuration", None)
        if "ATTACHMENTS" not in include:
            view.pop("attachments", None)
            view.pop("attachmentsStatus", None)
        return view

    @staticmethod
    def _settings(settings, current=None):
        result = {s["name"]: s["value"] for s in (current or [{"name": "containerInsights", "value": "disabled"}])}
        for setting in settings or []:
            if setting.get("name") != "containerInsights":
                raise invalid(f"Invalid cluster setting name: {setting.get('name')}. Valid values: containerInsights.")
            if setting.get("value") not in ("enabled", "disabled", "enhanced"):
                raise invalid("The containerInsights setting value must be one of enabled, disabled or enhanced.")
            result[setting["name"]] = setting["value"]
        return [{"name": k, "value": v} for k, v in result.items()]

    def op_CreateCluster(self, store, body):
        name = body.get("clusterName") or "default"
        if not NAME_RE.match(name):
            raise invalid("Cluster name can only contain letters (uppercase and lowercase), numbers, "
                          "hyphens, and underscores, and must be at most 255 characters.")
        validate_tags(body.get("tags"))
        existing = store.clusters.get(name)
        if existing and existing["status"] == "ACTIVE":
            return {"cluster": self._cluster_view(store, existing, ("SETTINGS", "CONFIGURATIONS", "TAGS"))}
        providers = body.get("capacityProviders") or []
        strategy = body.get("defaultCapacityProviderStrategy") or []
        cluster = {
            "clusterArn": store.arn(f"cluster/{name}"),
            "clusterName": name,
            "status": "ACTIVE",
            "registeredContainerInstancesCount": 0,
            "runningTasksCount": 0,
            "pendingTasksCount": 0,
            "activeServicesCount": 0,
            "statistics": [],
            "tags": tags_from(body.get("tags")),
            "settings": self._settings(body.get("settings")),
            "capacityProviders": [],
            "defaultCapacityProviderStrategy": [],
        }
        if body.get("configuration"):
            cluster["configuration"] = copy.deepcopy(body["configuration"])
        if body.get("serviceConnectDefaults"):
            cluster["serviceConnectDefaults"] = {
                "namespace": body["serviceConnectDefaults"].get("namespace", "")}
        if providers or strategy:
            providers = [p.split("/")[-1] for p in providers]
            self._check_providers(store, cluster, providers, strategy)
            cluster["capacityProviders"] = providers
            cluster["defaultCapacityProviderStrategy"] = [
                {**s, "capacityProvider": s["capacityProvider"].split("/")[-1]} for s in self._strategy(strategy)]
            for provider in providers:
                if provider in store.capacity_providers:
                    store.capacity_providers[provider]["_cluster"] = name
        store.clusters[name] = cluster
        return {"cluster": self._cluster_view(store, cluster, ("SETTINGS", "CONFIGURATIONS", "TAGS"))}

    def op_DescribeClusters(self, store, body):
        include = body.get("include") or []
        clusters, failures = [], []
        for ref in body.get("clusters") or ["default"]:
            name = ref.split("/")[-1] if ref.startswith("arn:") else ref
            cluster = store.clusters.get(name)
            if cluster is None:
                failures.append({"arn": ref if ref.startswith("arn:") else store.arn(f"cluster/{ref}"),
                                 "reason": "MISSING"})
            else:
                clusters.append(self._cluster_view(store, cluster, include))
        return {"clusters": clusters, "failures": failures}

    def op_ListClusters(self, store, body):
        arns = [c["clusterArn"] for c in store.clusters.values() if c["status"] == "ACTIVE"]
        page, token = paginate(arns, body)
        return {"clusterArns": page, **({"nextToken": token} if token else {})}

    def op_UpdateCluster(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        if body.get("settings") is not None:
            cluster["settings"] = self._settings(body["settings"], cluster["settings"])
        if body.get("configuration") is not None:
            cluster["configuration"] = copy.deepcopy(body["configuration"])
        if body.get("serviceConnectDefaults") is not None:
            cluster["serviceConnectDefaults"] = {"namespace": body["serviceConnectDefaults"].get("namespace", "")}
        return {"cluster": self._cluster_view(store, cluster, ("SETTINGS", "CONFIGURATIONS", "TAGS"))}

    def op_UpdateClusterSettings(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        if not body.get("settings"):
            raise invalid("settings can not be empty.")
        cluster["settings"] = self._settings(body["settings"], cluster["settings"])
        return {"cluster": self._cluster_view(store, cluster, ("SETTINGS", "CONFIGURATIONS", "TAGS"))}

    @staticmethod
    def _strategy(strategy):
        return [{"capacityProvider": s["capacityProvider"], "weight": s.get("weight", 0), "base": s.get("base", 0)}
                for s in strategy or []]

    def _check_providers(self, store, cluster, providers, strategy):
        for name in providers:
            provider = store.capacity_provider(name)
            if name in ("FARGATE", "FARGATE_SPOT"):
                continue
            if provider is None or provider["status"] != "ACTIVE":
                raise invalid(f"The specified capacity provider {name} does not exist or is not ACTIVE.")
            owner = provider.get("_cluster")
            if owner and owner != cluster["clusterName"]:
                raise invalid(f"The specified capacity provider {name} is already associated with another cluster. "
                              "A capacity provider can only be associated with one cluster.")
        names = [p.split("/")[-1] for p in providers]
        bases = 0
        for item in strategy or []:
            if item.get("capacityProvider", "").split("/")[-1] not in names:
                raise invalid(f"The specified capacity provider strategy cannot contain a capacity provider that is "
                              f"not associated with the cluster. Associate the capacity provider with the cluster "
                              f"or specify a valid capacity provider and try again. "
                              f"(capacity provider: {item.get('capacityProvider')})")
            weight, base = item.get("weight", 0), item.get("base", 0)
            if not 0 <= weight <= 1000 or not 0 <= base <= 100000:
                raise invalid("The capacity provider strategy weight must be 0-1000 and base 0-100000.")
            bases += 1 if base else 0
        if bases > 1:
            raise invalid("Only one capacity provider in a capacity provider strategy can have a base defined.")
        if strategy and not any(item.get("weight", 0) > 0 for item in strategy):
            raise invalid("At least one capacity provider in a capacity provider strategy must have a weight "
                          "greater than zero.")

    def op_PutClusterCapacityProviders(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        if "capacityProviders" not in body or "defaultCapacityProviderStrategy" not in body:
            raise invalid("capacityProviders and defaultCapacityProviderStrategy are required.")
        providers = [p.split("/")[-1] for p in body["capacityProviders"]]
        strategy = body["defaultCapacityProviderStrategy"]
        self._check_providers(store, cluster, providers, strategy)
        removed = set(cluster["capacityProviders"]) - set(providers)
        for name in removed:
            in_use = any(
                s["clusterArn"] == cluster["clusterArn"] and s["status"] != "INACTIVE"
                and any(i["capacityProvider"] == name for i in s.get("capacityProviderStrategy") or [])
                for s in store.services.values())
            if in_use:
                raise EcsError("ResourceInUseException",
                               "The specified capacity provider is in use and cannot be removed.")
        for name in removed:
            provider = store.capacity_providers.get(name)
            if provider:
                provider.pop("_cluster", None)
        for name in providers:
            provider = store.capacity_providers.get(name)
            if provider:
                provider["_cluster"] = cluster["clusterName"]
        cluster["capacityProviders"] = providers
        cluster["defaultCapacityProviderStrategy"] = [
            {**s, "capacityProvider": s["capacityProvider"].split("/")[-1]} for s in self._strategy(strategy)]
        return {"cluster": self._cluster_view(store, cluster, ("SETTINGS", "CONFIGURATIONS", "TAGS"))}

    def op_DeleteCluster(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        if any(c["_cluster"] == cluster["clusterName"] and c["status"] in ("ACTIVE", "DRAINING")
               for c in store.container_instances.values()):
            raise EcsError("ClusterContainsContainerInstancesException",
                           "The Cluster cannot be deleted while Container Instances are active or draining.")
        if any(s["clusterArn"] == cluster["clusterArn"] and s["status"] in ("ACTIVE", "DRAINING")
               for s in store.services.values()):
            raise EcsError("ClusterContainsServicesException",
                           "The Cluster cannot be deleted while Services are active.")
        if any(t["clusterArn"] == cluster["clusterArn"] and t["lastStatus"] != "STOPPED"
               for t in store.tasks.values()):
            raise EcsError("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
        for name in cluster["capacityProviders"]:
            provider = store.capacity_providers.get(name)
            if provider:
                provider.pop("_cluster", None)
        cluster["status"] = "INACTIVE"
        cluster["capacityProviders"] = []
        cluster["defaultCapacityProviderStrategy"] = []
        return {"cluster": self._cluster_view(store, cluster, ("SETTINGS", "CONFIGURATIONS", "TAGS"))}

    # -- capacity providers -----------------------------------------------------------------------
    @staticmethod
    def _managed_scaling(value, current=None):
        result = dict(current or {
            "status": "DISABLED", "targetCapacity": 100, "minimumScalingStepSize": 1,
            "maximumScalingStepSize": 10000, "instanceWarmupPeriod": 300})
        if value is not None:
            result.update({k: v for k, v in value.items() if v is not None})
        if result["status"] not in ("ENABLED", "DISABLED"):
            raise invalid("managedScaling.status must be ENABLED or DISABLED.")
        if not 1 <= result["targetCapacity"] <= 100:
            raise invalid("The target capacity must be between 1 and 100.")
        if not 1 <= result["minimumScalingStepSize"] <= 10000 or not 1 <= result["maximumScalingStepSize"] <= 10000:
            raise invalid("The scaling step sizes must be between 1 and 10000.")
        if result["minimumScalingStepSize"] > result["maximumScalingStepSize"]:
            raise invalid("The minimum scaling step size must be less than or equal to the maximum scaling step size.")
        if not 0 <= result["instanceWarmupPeriod"] <= 10000:
            raise invalid("The instance warmup period must be between 0 and 10000.")
        return result

    def op_CreateCapacityProvider(self, store, body):
        name = body.get("name") or ""
        if not CP_NAME_RE.match(name):
            raise invalid("The capacity provider name can only contain letters, numbers, hyphens and underscores.")
        if re.match(r"^(aws|ecs|fargate)", name, re.I):
            raise invalid("The capacity provider name cannot be prefixed with \"aws\", \"ecs\", or \"fargate\".")
        validate_tags(body.get("tags"))
        existing = store.capacity_providers.get(name)
        if existing and existing["status"] == "ACTIVE":
            raise client_error("The specified capacity provider already exists. To change the configuration of an "
                               "existing capacity provider, update the capacity provider.")
        group = body.get("autoScalingGroupProvider")
        if not group or not group.get("autoScalingGroupArn"):
            raise invalid("autoScalingGroupProvider.autoScalingGroupArn is required.")
        asg_arn = group["autoScalingGroupArn"]
        for other in store.capacity_providers.values():
            if other["status"] == "ACTIVE" and other["autoScalingGroupProvider"]["autoScalingGroupArn"] == asg_arn:
                raise client_error("The specified Auto Scaling group ARN is already being used by another capacity "
                                   "provider. Specify a unique Auto Scaling group ARN and try again.")
        asg_name = self.scheduler.asg_name(store, asg_arn)
        if asg_name is None:
            raise client_error(f"The specified Auto Scaling group ARN {asg_arn} is not valid. "
                               "Specify a valid Auto Scaling group ARN and try again.")
        scaling = self._managed_scaling(group.get("managedScaling"))
        protection = group.get("managedTerminationProtection", "DISABLED")
        draining = group.get("managedDraining", "ENABLED")
        if protection == "ENABLED":
            if scaling["status"] != "ENABLED":
                raise client_error("The managed termination protection setting for the capacity provider is invalid. "
                                   "To enable managed termination protection for a capacity provider, managed "
                                   "scaling must also be turned on.")
            if not self.scheduler.asg_protects_new_instances(store, asg_name):
                raise client_error("The managed termination protection setting for the capacity provider is invalid. "
                                   "To enable managed termination protection for a capacity provider, the Auto "
                                   "Scaling group must have instance protection from scale in enabled.")
        provider = {
            "capacityProviderArn": store.arn(f"capacity-provider/{name}"),
            "name": name,
            "status": "ACTIVE",
            "autoScalingGroupProvider": {
                "autoScalingGroupArn": asg_arn,
                "managedScaling": scaling,
                "managedTerminationProtection": protection,
                "managedDraining": draining,
            },
            "updateStatus": "CREATE_COMPLETE",
            "tags": tags_from(body.get("tags")),
            "_asg": asg_name,
        }
        if body.get("cluster"):
            provider["cluster"] = body["cluster"]
        store.capacity_providers[name] = provider
        if draining == "ENABLED":
            self.scheduler.ensure_draining_hook(store, asg_name)
        return {"capacityProvider": public(provider)}

    def op_DescribeCapacityProviders(self, store, body):
        refs = body.get("capacityProviders")
        include = body.get("include") or []
        found, failures = [], []
        if refs:
            for ref in refs:
                if ref in ("FARGATE", "FARGATE_SPOT"):
                    found.append({"capacityProviderArn": store.arn(f"capacity-provider/{ref}"), "name": ref,
                                  "status": "ACTIVE", "tags": []})
                    continue
                provider = store.capacity_provider(ref)
                if provider is None:
                    failures.append({"arn": ref if ref.startswith("arn:") else store.arn(f"capacity-provider/{ref}"),
                                     "reason": "MISSING"})
                else:
                    found.append(public(provider))
        else:
            found = [public(p) for p in store.capacity_providers.values() if p["status"] == "ACTIVE"]
        if "TAGS" not in include:
            for provider in found:
                provider.pop("tags", None)
        page, token = paginate(found, body, default_max=10, limit=10) if not refs else (found, None)
        return {"capacityProviders": page, "failures": failures, **({"nextToken": token} if token else {})}

    def op_UpdateCapacityProvider(self, store, body):
        provider = store.capacity_provider(body.get("name") or "")
        if provider is None or provider["status"] != "ACTIVE":
            raise client_error("The specified capacity provider does not exist. Specify a valid name or ARN and "
                               "try again.")
        group = body.get("autoScalingGroupProvider") or {}
        current = provider["autoScalingGroupProvider"]
        if "managedScaling" in group:
            current["managedScaling"] = self._managed_scaling(group["managedScaling"], current["managedScaling"])
        if group.get("managedTerminationProtection"):
            if group["managedTerminationProtection"] == "ENABLED" and current["managedScaling"]["status"] != "ENABLED":
                raise client_error("The managed termination protection setting for the capacity provider is invalid. "
                                   "To enable managed termination protection for a capacity provider, managed "
                                   "scaling must also be turned on.")
            current["managedTerminationProtection"] = group["managedTerminationProtection"]
        if group.get("managedDraining"):
            current["managedDraining"] = group["managedDraining"]
            if group["managedDraining"] == "ENABLED":
                self.scheduler.ensure_draining_hook(store, provider["_asg"])
        provider["updateStatus"] = "UPDATE_COMPLETE"
        return {"capacityProvider": public(provider)}

    def op_DeleteCapacityProvider(self, store, body):
        provider = store.capacity_provider(body.get("capacityProvider") or "")
        if provider is None or provider["status"] != "ACTIVE":
            raise client_error("The specified capacity provider does not exist. Specify a valid name or ARN and "
                               "try again.")
        if provider.get("_cluster"):
            raise client_error("The specified capacity provider is in use and cannot be removed.")
        provider["status"] = "INACTIVE"
        provider["updateStatus"] = "DELETE_COMPLETE"
        return {"capacityProvider": public(provider)}

    # -- task definitions -------------------------------------------------------------------------------
    def op_RegisterTaskDefinition(self, store, body):
        family = body.get("family") or ""
        if not NAME_RE.match(family):
            raise client_error("Family contains invalid characters. Up to 255 letters (uppercase and lowercase), "
                               "numbers, hyphens, and underscores are allowed.")
        validate_tags(body.get("tags"))
        containers = body.get("containerDefinitions") or []
        if not containers:
            raise client_error("Container list cannot be empty.")
        network_mode = body.get("networkMode")
        if network_mode not in (None, "bridge", "host", "awsvpc", "none"):
            raise client_error(f"Invalid networkMode: {network_mode}")
        required = body.get("requiresCompatibilities") or []
        task_cpu, task_memory = body.get("cpu"), body.get("memory")
        if "FARGATE" in required:
            if network_mode != "awsvpc":
                raise client_error("Fargate only supports network mode 'awsvpc'.")
            if not task_cpu or not task_memory:
                raise client_error("Fargate requires task definition to have cpu and memory values.")
        names = set()
        defs = []
        essential = False
        for index, raw in enumerate(containers):
            container = copy.deepcopy(raw)
            name = container.get("name")
            if not name:
                raise client_error(f"Container.name should not be null or empty. (container index {index})")
            if not container.get("image"):
                raise client_error(f"Container.image should not be null or empty. (container {name})")
            if name in names:
                raise client_error(f"Duplicate container name '{name}'. Container names must be unique within a "
                                   "task definition.")
            names.add(name)
            memory, reservation = container.get("memory"), container.get("memoryReservation")
            if ("EC2" in required or not required) and not task_memory and memory is None and reservation is None:
                raise client_error(f"Invalid setting for container '{name}'. At least one of 'memory' or "
                                   "'memoryReservation' must be specified.")
            if memory is not None and reservation is not None and memory < reservation:
                raise client_error(f"Invalid setting for container '{name}'. The 'memory' value must be greater "
                                   "than or equal to the 'memoryReservation' value.")
            if memory is not None and memory < 6:
                raise client_error(f"Invalid 'memory' setting for container '{name}'. Container memory must be at "
                                   "least 6 MiB.")
            mappings = []
            for mapping in container.get("portMappings") or []:
                mapping = dict(mapping)
                if "containerPort" not in mapping and not mapping.get("containerPortRange"):
                    raise client_error(f"Invalid port mapping for container '{name}': containerPort is required.")
                if network_mode in ("awsvpc", "host"):
                    if mapping.get("hostPort") not in (None, mapping.get("containerPort")):
                        raise client_error(
                            f"When networkMode={network_mode}, the host ports and container ports in port "
                            "mappings must match.")
                    if "containerPort" in mapping:
                        mapping["hostPort"] = mapping["containerPort"]
                elif "containerPort" in mapping:
                    mapping.setdefault("hostPort", 0)
                mapping.setdefault("protocol", "tcp")
                mappings.append(mapping)
            container["portMappings"] = mappings
            container.setdefault("cpu", 0)
            container.setdefault("essential", True)
            for key in ("environment", "mountPoints", "volumesFrom", "systemControls"):
                container.setdefault(key, [])
            essential = essential or container["essential"]
            defs.append(container)
        if not essential:
            raise client_error("Task definition must have at least one essential container.")
        for value, label in ((task_cpu, "cpu"), (task_memory, "memory")):
            if value is not None and not re.match(r"^\d+$|^\d+(\.\d+)?\s*(vCPU|GB)$", str(value), re.I):
                raise client_error(f"Invalid '{label}' setting for task.")
        from local_aws.control_plane.ecs_volumes import validate_task_definition_volumes  # it imports this module

        validate_task_definition_volumes(body.get("volumes"))
        revisions = store.task_definitions.setdefault(family, {})
        revision = max(revisions, default=0) + 1
        compatibilities = ["EC2"]
        if network_mode == "awsvpc" and task_cpu and task_memory:
            compatibilities.append("FARGATE")
        task_definition = {
            "taskDefinitionArn": store.arn(f"task-definition/{family}:{revision}"),
            "containerDefinitions": defs,
            "family": family,
            "revision": revision,
            "volumes": copy.deepcopy(body.get("volumes") or []),
            "status": "ACTIVE",
            "requiresAttributes": self._requires_attributes(body, defs),
            "placementConstraints": copy.deepcopy(body.get("placementConstraints") or []),
            "compatibilities": compatibilities,
            "registeredAt": self.plane.epoch(),
            "registeredBy": store.root_arn,
        }
        for key in ("taskRoleArn", "executionRoleArn", "networkMode", "requiresCompatibilities", "cpu", "memory",
                    "pidMode", "ipcMode", "proxyConfiguration", "inferenceAccelerators", "ephemeralStorage",
                    "runtimePlatform", "enableFaultInjection"):
            if body.get(key) is not None:
                task_definition[key] = copy.deepcopy(body[key])
        if task_cpu is not None:
            task_definition["cpu"] = str(task_cpu)
        if task_memory is not None:
            task_definition["memory"] = str(task_memory)
        task_definition["_tags"] = tags_from(body.get("tags"))
        revisions[revision] = task_definition
        return {"taskDefinition": public(task_definition), "tags": list(task_definition["_tags"])}

    @staticmethod
    def _requires_attributes(body, defs):
        attrs = []
        if body.get("networkMode") == "awsvpc":
            attrs.append({"name": "ecs.capability.task-eni"})
        if body.get("executionRoleArn"):
            attrs.append({"name": "ecs.capability.execution-role-awslogs"})
        if body.get("taskRoleArn"):
            attrs.append({"name": "com.amazonaws.ecs.capability.task-iam-role"})
        if any(d.get("logConfiguration", {}).get("logDriver") == "awslogs" for d in defs):
            attrs.append({"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"})
        return attrs

    def op_DescribeTaskDefinition(self, store, body):
        found = store.task_definition(body.get("taskDefinition"))
        if found is None:
            raise client_error("Unable to describe task definition.")
        result = {"taskDefinition": public(found)}
        if "TAGS" in (body.get("include") or []):
            result["tags"] = list(found["_tags"])
        return result

    def op_DeregisterTaskDefinition(self, store, body):
        ref = body.get("taskDefinition") or ""
        text = ref.split("task-definition/", 1)[1] if ref.startswith("arn:") else ref
        if ":" not in text:
            raise client_error("Invalid revision number. Number: " + text)
        found = store.task_definition(ref)
        if found is None:
            raise client_error("The specified task definition does not exist. Specify a valid account, family, "
                               "revision and try again.")
        if found["status"] == "ACTIVE":
            found["status"] = "INACTIVE"
            found["deregisteredAt"] = self.plane.epoch()
        return {"taskDefinition": public(found)}

    def op_DeleteTaskDefinitions(self, store, body):
        refs = body.get("taskDefinitions") or []
        if not refs or len(refs) > 10:
            raise invalid("taskDefinitions must contain between 1 and 10 task definitions.")
        deleted, failures = [], []
        for ref in refs:
            found = store.task_definition(ref)
            if found is None:
                failures.append({"arn": ref, "reason": "The specified task definition does not exist."})
            elif found["status"] != "INACTIVE":
                failures.append({"arn": found["taskDefinitionArn"],
                                 "reason": "The specified task definition is still in ACTIVE status. Please "
                                           "deregister the target and try again."})
            else:
                found["status"] = "DELETE_IN_PROGRESS"
                deleted.append(public(found))
        return {"taskDefinitions": deleted, "failures": failures}

    def op_ListTaskDefinitions(self, store, body):
        status = body.get("status") or "ACTIVE"
        prefix = body.get("familyPrefix")
        items = []
        for family, revisions in store.task_definitions.items():
            if prefix and family != prefix:
                continue
            for revision in revisions.values():
                if revision["status"] == status:
                    items.append((family, revision["revision"], revision["taskDefinitionArn"]))
        items.sort(reverse=body.get("sort") == "DESC")
        page, token = paginate([arn for _, _, arn in items], body)
        return {"taskDefinitionArns": page, **({"nextToken": token} if token else {})}

    def op_ListTaskDefinitionFamilies(self, store, body):
        status = body.get("status") or "ACTIVE"
        prefix = body.get("familyPrefix") or ""
        families = []
        for family, revisions in sorted(store.task_definitions.items()):
            if not family.startswith(prefix):
                continue
            active = any(r["status"] == "ACTIVE" for r in revisions.values())
            if status == "ALL" or (status == "ACTIVE" and active) or (status == "INACTIVE" and not active):
                families.append(family)
        page, token = paginate(families, body)
        return {"families": page, **({"nextToken": token} if token else {})}

    # -- tags ---------------------------------------------------------------------------------------------
    def _taggable(self, store, arn):
        obj = store.by_arn(arn)
        if obj is None:
            if arn and ":cluster/" in arn:
                raise EcsError("ClusterNotFoundException", "Cluster not found.")
            raise invalid("The specified resource could not be found.") if not (arn or "").startswith("arn:") \
                else EcsError("ResourceNotFoundException", "The specified resource could not be found.")
        return obj, ("_tags" if "_tags" in obj else "tags")

    def op_TagResource(self, store, body):
        obj, key = self._taggable(store, body.get("resourceArn"))
        validate_tags(body.get("tags"))
        merged = merge_tags(obj.get(key) or [], tags_from(body.get("tags")))
        validate_tags(merged)
        obj[key] = merged
        return {}

    def op_UntagResource(self, store, body):
        obj, key = self._taggable(store, body.get("resourceArn"))
        drop = set(body.get("tagKeys") or [])
        obj[key] = [t for t in obj.get(key) or [] if t["key"] not in drop]
        return {}

    def op_ListTagsForResource(self, store, body):
        obj, key = self._taggable(store, body.get("resourceArn"))
        return {"tags": list(obj.get(key) or [])}

    # -- account settings ---------------------------------------------------------------------------
    def _setting(self, store, name, principal):
        for key in ((principal, name), (None, name)):
            if key in store.account_settings:
                return store.account_settings[key], key[0]
        return ACCOUNT_SETTING_DEFAULTS.get(name), None

    def op_ListAccountSettings(self, store, body):
        principal = body.get("principalArn") or store.root_arn
        names = [body["name"]] if body.get("name") else list(ACCOUNT_SETTING_DEFAULTS)
        settings = []
        for name in names:
            value, owner = self._setting(store, name, principal)
            explicit = (principal, name) in store.account_settings
            if not explicit and not body.get("effectiveSettings"):
                continue
            if body.get("value") and value != body["value"]:
                continue
            settings.append({"name": name, "value": value, "principalArn": principal if explicit else store.root_arn,
                             "type": "user" if explicit else "aws_managed"})
        page, token = paginate(settings, body, default_max=10, limit=10)
        return {"settings": page, **({"nextToken": token} if token else {})}

    def op_PutAccountSetting(self, store, body):
        name, value = body.get("name"), body.get("value")
        if name not in ACCOUNT_SETTING_DEFAULTS:
            raise invalid(f"The account setting name {name} is not valid.")
        principal = body.get("principalArn") or store.root_arn
        store.account_settings[(principal, name)] = value
        return {"setting": {"name": name, "value": value, "principalArn": principal, "type": "user"}}

    def op_PutAccountSettingDefault(self, store, body):
        name, value = body.get("name"), body.get("value")
        if name not in ACCOUNT_SETTING_DEFAULTS:
            raise invalid(f"The account setting name {name} is not valid.")
        store.account_settings[(None, name)] = value
        return {"setting": {"name": name, "value": value, "principalArn": store.root_arn, "type": "user"}}

    def op_DeleteAccountSetting(self, store, body):
        name = body.get("name")
        principal = body.get("principalArn") or store.root_arn
        value = store.account_settings.pop((principal, name), ACCOUNT_SETTING_DEFAULTS.get(name))
        return {"setting": {"name": name, "value": value, "principalArn": principal, "type": "user"}}

    # -- attributes ---------------------------------------------------------------------------------
    def op_PutAttributes(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        for attribute in body.get("attributes") or []:
            ci = store.container_instance(cluster, attribute.get("targetId") or "")
            if ci is None:
                raise EcsError("TargetNotFoundException", "Could not find the specified target.")
            ci["attributes"] = [a for a in ci["attributes"] if a["name"] != attribute["name"]]
            ci["attributes"].append({"name": attribute["name"], **(
                {"value": attribute["value"]} if attribute.get("value") is not None else {})})
        return {"attributes": body.get("attributes") or []}

    def op_DeleteAttributes(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        for attribute in body.get("attributes") or []:
            ci = store.container_instance(cluster, attribute.get("targetId") or "")
            if ci is None:
                raise EcsError("TargetNotFoundException", "Could not find the specified target.")
            ci["attributes"] = [a for a in ci["attributes"] if a["name"] != attribute["name"]]
        return {"attributes": body.get("attributes") or []}

    def op_ListAttributes(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        if body.get("targetType") != "container-instance":
            raise invalid("targetType must be container-instance.")
        found = []
        for ci in store.container_instances.values():
            if ci["_cluster"] != cluster["clusterName"] or ci["status"] == "INACTIVE":
                continue
            for attribute in ci["attributes"]:
                if body.get("attributeName") and attribute["name"] != body["attributeName"]:
                    continue
                if body.get("attributeValue") and attribute.get("value") != body["attributeValue"]:
                    continue
                found.append({**attribute, "targetType": "container-instance",
                              "targetId": ci["containerInstanceArn"]})
        page, token = paginate(found, body)
        return {"attributes": page, **({"nextToken": token} if token else {})}
