"""ECS API handlers for container instances, tasks and services (scheduling is in ecs_scheduler/)."""
import copy
import re

from local_aws.control_plane import ecs_placement as placement
from local_aws.control_plane.ecs_api import EcsError, client_error, invalid, paginate, public, tags_from, validate_tags
from local_aws.control_plane.ecs_scheduler.common import short
from local_aws.control_plane.ecs_volumes import validate_volume_configurations

SERVICE_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")


def not_found_service():
    return EcsError("ServiceNotFoundException", "Service not found.")


def normalize_network(network):
    """The network configuration as ECS stores it: assignPublicIp defaults to DISABLED."""
    if not network or not network.get("awsvpcConfiguration"):
        return network
    network = copy.deepcopy(network)
    vpc = network["awsvpcConfiguration"]
    if not vpc.get("subnets"):
        raise invalid("subnets can not be empty.")
    if vpc.get("assignPublicIp") == "ENABLED":
        raise invalid("Assign public IP is not supported for this launch type.")
    vpc.setdefault("assignPublicIp", "DISABLED")
    return network


class EcsTasksApi:
    # -- container instances ---------------------------------------------------------------------------
    def _ci_view(self, store, ci, include=()):
        self.scheduler.refresh_instance(store, ci) if ci["status"] != "INACTIVE" else None
        view = public(ci)
        if "TAGS" not in include:
            view.pop("tags", None)
        if "CONTAINER_INSTANCE_HEALTH" not in include:
            view.pop("healthStatus", None)
        return view

    def op_ListContainerInstances(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        status = body.get("status")
        expression = body.get("filter")
        if expression:
            try:
                placement.validate_expression(expression)
            except placement.ExpressionError as error:
                raise invalid(str(error)) from None
        arns = []
        for ci in store.container_instances.values():
            if ci["_cluster"] != cluster["clusterName"]:
                continue
            if status and ci["status"] != status:
                continue
            if not status and ci["status"] == "INACTIVE":
                continue
            if expression and not placement.matches(expression, self.scheduler.candidate(store, ci)):
                continue
            arns.append(ci["containerInstanceArn"])
        page, token = paginate(arns, body)
        return {"containerInstanceArns": page, **({"nextToken": token} if token else {})}

    def op_DescribeContainerInstances(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        refs = body.get("containerInstances") or []
        if not refs or len(refs) > 100:
            raise invalid("containerInstances must contain between 1 and 100 container instances.")
        found, failures = [], []
        for ref in refs:
            ci = store.container_instance(cluster, ref)
            if ci is None:
                failures.append({"arn": ref, "reason": "MISSING"})
            else:
                found.append(self._ci_view(store, ci, body.get("include") or []))
        return {"containerInstances": found, "failures": failures}

    def op_UpdateContainerInstancesState(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        status = body.get("status")
        if status not in ("ACTIVE", "DRAINING"):
            raise invalid("Container instances status should be one of [ACTIVE,DRAINING]")
        found, failures = [], []
        for ref in body.get("containerInstances") or []:
            ci = store.container_instance(cluster, ref)
            if ci is None or ci["status"] == "INACTIVE":
                failures.append({"arn": ref, "reason": "MISSING"})
                continue
            if ci["status"] != status:
                ci["status"] = status
                ci["version"] += 1
            found.append(self._ci_view(store, ci))
        return {"containerInstances": found, "failures": failures}

    def op_DeregisterContainerInstance(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        ci = store.container_instance(cluster, body.get("containerInstance") or "")
        if ci is None or ci["status"] == "INACTIVE":
            raise invalid("The referenced container instance was not found.")
        tasks = [t for t in store.tasks.values()
                 if t.get("containerInstanceArn") == ci["containerInstanceArn"] and t["lastStatus"] != "STOPPED"]
        if tasks and not body.get("force"):
            raise invalid("Found running tasks on the instance.")
        for task in tasks:
            if task["_service"]:
                self.scheduler.stop_task(store, task, "Container instance deregistration forced by user.",
                                         "ServiceSchedulerInitiated", immediate=True)
        self.scheduler.deregister_instance(store, ci, self.plane.now())
        return {"containerInstance": self._ci_view(store, ci)}

    def op_RegisterContainerInstance(self, store, body):
        raise client_error("Container instances register through the ECS agent on an EC2 instance whose user data "
                           "sets ECS_CLUSTER.")

    # -- tasks ------------------------------------------------------------------------------------------------
    @staticmethod
    def _task_view(task, include=()):
        view = public(task)
        if "TAGS" not in include:
            view.pop("tags", None)
        return view

    def _launch_for(self, store, cluster, body):
        if body.get("launchType") and body.get("capacityProviderStrategy"):
            raise invalid("Specifying both a launch type and capacity provider strategy is not supported. "
                          "Remove one and try again.")
        if body.get("launchType") not in (None, "EC2"):
            raise invalid(f"The local control plane runs EC2 tasks only (launchType {body['launchType']}).")
        strategy = body.get("capacityProviderStrategy")
        if strategy:
            for item in strategy:
                if item["capacityProvider"] not in cluster["capacityProviders"]:
                    raise invalid(f"The specified capacity provider strategy cannot contain a capacity provider "
                                  f"that is not associated with the cluster. Associate the capacity provider with "
                                  f"the cluster or specify a valid capacity provider and try again. "
                                  f"(capacity provider: {item['capacityProvider']})")
            return strategy
        return cluster["defaultCapacityProviderStrategy"] if not body.get("launchType") else []

    def _check_placement(self, body):
        try:
            placement.validate_strategies(body.get("placementStrategy"))
            placement.validate_constraints(body.get("placementConstraints"))
        except ValueError as error:
            raise invalid(str(error)) from None

    def _task_definition_for_run(self, store, ref):
        td = store.task_definition(ref)
        if not ref:
            raise invalid("taskDefinition can not be blank.")
        if td is None or td["status"] == "DELETE_IN_PROGRESS":
            raise invalid("TaskDefinition not found.")
        if td["status"] == "INACTIVE":
            raise invalid("TaskDefinition is inactive")
        return td

    @staticmethod
    def _network(td, body):
        network = body.get("networkConfiguration")
        if (td.get("networkMode") == "awsvpc") and not (network and network.get("awsvpcConfiguration")):
            raise invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
        if network and td.get("networkMode") != "awsvpc":
            raise invalid("Network Configuration is not valid for the given networkMode of this task definition.")
        return normalize_network(network)

    def op_RunTask(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        td = self._task_definition_for_run(store, body.get("taskDefinition") or "")
        count = body.get("count", 1)
        if not 1 <= count <= 10:
            raise invalid("count must be between 1 and 10.")
        self._check_placement(body)
        strategy = self._launch_for(store, cluster, body)
        network = self._network(td, body)
        validate_tags(body.get("tags"))
        if not any(ci["_cluster"] == cluster["clusterName"] and ci["status"] != "INACTIVE"
                   for ci in store.container_instances.values()):
            raise invalid("No Container Instances were found in your cluster.")
        group = body.get("group") or f"family:{td['family']}"
        group_tasks = [t for t in store.tasks.values() if t["clusterArn"] == cluster["clusterArn"]
                       and t["group"] == group and t["desiredStatus"] == "RUNNING"]
        chosen, failure = self.scheduler.place(store, cluster, td, count, body.get("placementStrategy"),
                                               body.get("placementConstraints"), strategy, group_tasks)
        tasks = []
        tags = tags_from(body.get("tags"))
        if body.get("propagateTags") == "TASK_DEFINITION":
            tags = td.get("_tags", []) + tags
        for candidate in chosen:
            task = self.scheduler.create_task(
                store, cluster, td, candidate, self.scheduler.demand(td), started_by=body.get("startedBy"),
                group=group, overrides=self._overrides(body), launch={"strategy": strategy}, tags=tags,
                exec_enabled=body.get("enableExecuteCommand"))
            task["_network"] = copy.deepcopy(network)
            tasks.append(self._task_view(task, ("TAGS",)))
        failures = []
        if failure is not None and len(chosen) < count:
            closest, reason = failure
            failures = [{"arn": closest["arn"] if closest else cluster["clusterArn"],
                         "reason": placement.REASON_FAILURE.get(reason, "RESOURCE:MEMORY")}
                        for _ in range(count - len(chosen))]
        return {"tasks": tasks, "failures": failures}

    @staticmethod
    def _overrides(body):
        overrides = copy.deepcopy(body.get("overrides") or {})
        overrides.setdefault("containerOverrides", [])
        overrides.setdefault("inferenceAcceleratorOverrides", [])
        return overrides

    def op_StartTask(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        td = self._task_definition_for_run(store, body.get("taskDefinition") or "")
        refs = body.get("containerInstances") or []
        if not 1 <= len(refs) <= 10:
            raise invalid("containerInstances must contain between 1 and 10 container instances.")
        network = self._network(td, body)
        tasks, failures = [], []
        for ref in refs:
            ci = store.container_instance(cluster, ref)
            if ci is None or ci["status"] == "INACTIVE":
                failures.append({"arn": ref, "reason": "MISSING"})
                continue
            candidate = self.scheduler.candidate(store, ci)
            demand = self.scheduler.demand(td)
            reason = placement.misfit(candidate, demand, td.get("placementConstraints") or [])
            if reason is not None:
                failures.append({"arn": ci["containerInstanceArn"], "reason": placement.REASON_FAILURE[reason]})
                continue
            chosen = (candidate, placement.consume(candidate, demand))
            task = self.scheduler.create_task(
                store, cluster, td, chosen, demand, started_by=body.get("startedBy"), group=body.get("group"),
                overrides=self._overrides(body), tags=tags_from(body.get("tags")),
                exec_enabled=body.get("enableExecuteCommand"))
            task["_network"] = copy.deepcopy(network)
            tasks.append(self._task_view(task, ("TAGS",)))
        return {"tasks": tasks, "failures": failures}

    def op_StopTask(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        task = store.task(cluster, body.get("task") or "")
        if task is None:
            raise invalid("The referenced task was not found.")
        self.scheduler.stop_task(store, task, body.get("reason") or "Task stopped by user", "UserInitiated")
        return {"task": self._task_view(task)}

    def op_DescribeTasks(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        refs = body.get("tasks") or []
        if not refs or len(refs) > 100:
            raise invalid("Tasks cannot be empty.") if not refs else invalid("tasks can have at most 100 items.")
        found, failures = [], []
        for ref in refs:
            task = store.task(cluster, ref)
            if task is None:
                failures.append({"arn": ref, "reason": "MISSING"})
            else:
                found.append(self._task_view(task, body.get("include") or []))
        return {"tasks": found, "failures": failures}

    def op_ListTasks(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        desired = body.get("desiredStatus") or "RUNNING"
        service_key = None
        if body.get("serviceName"):
            service = store.service(cluster, body["serviceName"])
            if service is None:
                raise not_found_service()
            service_key = service["_key"]
        ci_arn = None
        if body.get("containerInstance"):
            ci = store.container_instance(cluster, body["containerInstance"])
            if ci is None:
                raise invalid("The referenced container instance was not found.")
            ci_arn = ci["containerInstanceArn"]
        arns = []
        for task in store.tasks.values():
            if task["clusterArn"] != cluster["clusterArn"] or task["desiredStatus"] != desired:
                continue
            if service_key and task["_service"] != service_key:
                continue
            if ci_arn and task.get("containerInstanceArn") != ci_arn:
                continue
            if body.get("family") and short(task["taskDefinitionArn"]).split(":")[0] != body["family"]:
                continue
            if body.get("startedBy") and task.get("startedBy") != body["startedBy"]:
                continue
            if body.get("launchType") and task.get("launchType") != body["launchType"]:
                continue
            arns.append(task["taskArn"])
        page, token = paginate(arns, body)
        return {"taskArns": page, **({"nextToken": token} if token else {})}

    # -- services -------------------------------------------------------------------------------------------
    def _service_view(self, store, service, include=()):
        view = public(service)
        if "TAGS" not in include:
            view.pop("tags", None)
        return view

    def _validate_load_balancers(self, store, td, load_balancers):
        from moto.elbv2.models import elbv2_backends

        backend = elbv2_backends[store.account_id][store.region]
        for lb in load_balancers or []:
            tg_arn = lb.get("targetGroupArn")
            if not tg_arn:
                raise invalid("The local control plane supports target groups (targetGroupArn) only.")
            group = backend.target_groups.get(tg_arn)
            if group is None:
                raise invalid(f"Unable to assume role and validate the specified targetGroupArn. Please verify "
                              f"that the ECS service role being passed has the proper permissions. "
                              f"(target group {tg_arn} not found)")
            if not group.load_balancer_arns:
                raise invalid(f"The target group with targetGroupArn {tg_arn} does not have an associated load "
                              "balancer.")
            mode = td.get("networkMode") or "bridge"
            if mode == "awsvpc" and group.target_type != "ip":
                raise invalid(f"The provided target group {tg_arn} has target type instance, which is "
                              "incompatible with the awsvpc network mode specified in the task definition.")
            if mode != "awsvpc" and group.target_type == "ip":
                raise invalid(f"The provided target group {tg_arn} has target type ip, which is incompatible "
                              f"with the {mode} network mode specified in the task definition.")
            container = next((c for c in td["containerDefinitions"] if c["name"] == lb.get("containerName")), None)
            ports = [m.get("containerPort") for m in (container or {}).get("portMappings", [])]
            if container is None or lb.get("containerPort") not in ports:
                raise invalid(f"The container {lb.get('containerName')} did not have a container port "
                              f"{lb.get('containerPort')} defined.")

    @staticmethod
    def _deployment_configuration(body, scheduling, current=None):
        defaults = {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
                    "maximumPercent": 100 if scheduling == "DAEMON" else 200,
                    "minimumHealthyPercent": 0 if scheduling == "DAEMON" else 100}
        config = copy.deepcopy(current or defaults)
        given = body.get("deploymentConfiguration")
        if given and given.get("strategy") and current is not None:
            # Switching strategies in place: the settings of the strategy left behind no longer apply.
            unused = {"LINEAR": ("canaryConfiguration",), "CANARY": ("linearConfiguration",),
                      "BLUE_GREEN": ("linearConfiguration", "canaryConfiguration"),
                      "ROLLING": ("linearConfiguration", "canaryConfiguration", "lifecycleHooks", "bakeTimeInMinutes")}
            for key in unused.get(given["strategy"], ()):
                if key not in given:
                    config.pop(key, None)
        if given:
            for key, value in given.items():
                if value is not None:
                    config[key] = copy.deepcopy(value)
            breaker = config.get("deploymentCircuitBreaker") or {}
            config["deploymentCircuitBreaker"] = {"enable": bool(breaker.get("enable")),
                                                  "rollback": bool(breaker.get("rollback"))}
        if scheduling == "DAEMON" and config["maximumPercent"] != 100:
            raise invalid("The maximumPercent parameter must be 100 for services with the DAEMON scheduling "
                          "strategy.")
        if not 0 <= config["minimumHealthyPercent"] <= 100:
            raise invalid("minimumHealthyPercent must be between 0 and 100.")
        if scheduling == "REPLICA" and config["maximumPercent"] < 100:
            raise invalid("maximumPercent must be at least 100.")
        if config["maximumPercent"] <= config["minimumHealthyPercent"] and scheduling == "REPLICA":
            raise invalid("The minimumHealthyPercent must be less than the maximumPercent.")
        return config

    def op_CreateService(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        name = body.get("serviceName") or ""
        if not SERVICE_NAME_RE.match(name):
            raise invalid("Service name can only contain letters (uppercase and lowercase), numbers, hyphens, "
                          "and underscores, and must be at most 255 characters.")
        existing = store.services.get((cluster["clusterName"], name))
        if existing and existing["status"] != "INACTIVE":
            raise invalid("Creation of service was not idempotent.")
        scheduling = body.get("schedulingStrategy") or "REPLICA"
        if scheduling not in ("REPLICA", "DAEMON"):
            raise invalid("schedulingStrategy must be REPLICA or DAEMON.")
        if (body.get("deploymentController") or {}).get("type", "ECS") != "ECS":
            raise invalid("The local control plane supports the ECS deployment controller only.")
        td = store.task_definition(body.get("taskDefinition") or "")
        if td is None or td["status"] != "ACTIVE":
            raise invalid("TaskDefinition not found.") if td is None else invalid("TaskDefinition is inactive")
        if scheduling == "REPLICA" and body.get("desiredCount") is None:
            raise invalid("desiredCount is required for services with the REPLICA scheduling strategy.")
        if scheduling == "DAEMON" and body.get("placementStrategy"):
            raise invalid("Placement strategies are not supported with 'DAEMON' scheduling strategy.")
        if scheduling == "DAEMON" and body.get("capacityProviderStrategy"):
            raise invalid("Capacity provider strategies are not supported with 'DAEMON' scheduling strategy.")
        self._check_placement(body)
        strategy = body.get("capacityProviderStrategy")
        self._launch_for(store, cluster, body)
        network = self._network(td, body)
        if body.get("healthCheckGracePeriodSeconds") is not None and not body.get("loadBalancers"):
            raise invalid("Health check grace period is only valid for services configured to use load balancers")
        self._validate_load_balancers(store, td, body.get("loadBalancers"))
        volumes = validate_volume_configurations(td, body.get("volumeConfigurations"), scheduling)
        validate_tags(body.get("tags"))
        config = self._deployment_configuration(body, scheduling)
        self.validate_strategy(store, config, body.get("loadBalancers"), scheduling)
        desired = body.get("desiredCount", 0) if scheduling == "REPLICA" else 0
        if desired < 0:
            raise invalid("desiredCount must be >= 0.")
        service = {
            "serviceArn": store.arn(f"service/{cluster['clusterName']}/{name}"),
            "serviceName": name,
            "clusterArn": cluster["clusterArn"],
            "loadBalancers": copy.deepcopy(body.get("loadBalancers") or []),
            "serviceRegistries": copy.deepcopy(body.get("serviceRegistries") or []),
            "status": "ACTIVE",
            "desiredCount": desired,
            "runningCount": 0,
            "pendingCount": 0,
            "taskDefinition": td["taskDefinitionArn"],
            "deploymentConfiguration": config,
            "deployments": [],
            "events": [],
            "createdAt": self.plane.epoch(),
            "placementConstraints": copy.deepcopy(body.get("placementConstraints") or []),
            "placementStrategy": copy.deepcopy(body.get("placementStrategy") or []),
            "schedulingStrategy": scheduling,
            "deploymentController": {"type": "ECS"},
            "createdBy": store.root_arn,
            "enableECSManagedTags": bool(body.get("enableECSManagedTags")),
            "propagateTags": body.get("propagateTags") or "NONE",
            "enableExecuteCommand": bool(body.get("enableExecuteCommand")),
            "availabilityZoneRebalancing": body.get("availabilityZoneRebalancing") or "DISABLED",
            "tags": tags_from(body.get("tags")),
            "_key": (cluster["clusterName"], name),
            "_cluster": cluster["clusterName"],
            "_started_batch": [], "_stopped_batch": [], "_registered": {}, "_deregistered": {},
            "_draining_batch": 0, "_steady": False, "_unplaced": 0,
            "_volume_configurations": copy.deepcopy(volumes),
        }
        if strategy:
            service["capacityProviderStrategy"] = self._strategy(strategy)
        elif body.get("launchType") or not cluster["defaultCapacityProviderStrategy"] or scheduling == "DAEMON":
            service["launchType"] = body.get("launchType") or "EC2"
        else:
            service["capacityProviderStrategy"] = copy.deepcopy(cluster["defaultCapacityProviderStrategy"])
        if network:
            service["networkConfiguration"] = copy.deepcopy(network)
        if body.get("healthCheckGracePeriodSeconds") is not None:
            service["healthCheckGracePeriodSeconds"] = body["healthCheckGracePeriodSeconds"]
        if body.get("role"):
            service["roleArn"] = body["role"]
        store.services[service["_key"]] = service
        self.scheduler.new_deployment(store, service, td["taskDefinitionArn"])
        self.route_new_service(store, service)
        return {"service": self._service_view(store, service, ("TAGS",))}

    def _find_service(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        service = store.service(cluster, body.get("service") or "")
        if service is None:
            raise not_found_service()
        return cluster, service

    def op_UpdateService(self, store, body):
        cluster, service = self._find_service(store, body)
        if service["status"] != "ACTIVE":
            raise EcsError("ServiceNotActiveException", "Service was not ACTIVE.")
        scheduling = service["schedulingStrategy"]
        td = store.task_definition(body["taskDefinition"]) if body.get("taskDefinition") else \
            store.task_definition(service["taskDefinition"])
        if body.get("taskDefinition") and (td is None or td["status"] != "ACTIVE"):
            raise invalid("TaskDefinition not found.") if td is None else invalid("TaskDefinition is inactive")
        self._check_placement(body)
        if scheduling == "DAEMON" and body.get("placementStrategy"):
            raise invalid("Placement strategies are not supported with 'DAEMON' scheduling strategy.")
        if body.get("desiredCount") is not None and scheduling == "DAEMON":
            raise invalid("The desiredCount parameter cannot be specified for services with the DAEMON "
                          "scheduling strategy.")
        if body.get("desiredCount") is not None and body["desiredCount"] < 0:
            raise invalid("desiredCount must be >= 0.")
        if body.get("capacityProviderStrategy"):
            self._launch_for(store, cluster, {"capacityProviderStrategy": body["capacityProviderStrategy"]})
        network = body.get("networkConfiguration")
        if network is not None or body.get("taskDefinition"):
            self._network(td, {"networkConfiguration": network if network is not None
                               else service.get("networkConfiguration")})
        if body.get("loadBalancers") is not None:
            self._validate_load_balancers(store, td, body["loadBalancers"])
        elif body.get("taskDefinition"):
            self._validate_load_balancers(store, td, service["loadBalancers"])
        volumes = body.get("volumeConfigurations")
        if volumes is not None or body.get("taskDefinition"):
            volumes = validate_volume_configurations(
                td, volumes if volumes is not None else service.get("_volume_configurations"), scheduling)
        config = self._deployment_configuration(body, scheduling, service["deploymentConfiguration"])
        self.validate_strategy(store, config, body["loadBalancers"] if body.get("loadBalancers") is not None
                               else service["loadBalancers"], scheduling)
        redeploy = bool(body.get("forceNewDeployment"))
        if td["taskDefinitionArn"] != service["taskDefinition"]:
            redeploy = True
        for key in ("networkConfiguration", "placementConstraints", "placementStrategy", "loadBalancers",
                    "capacityProviderStrategy", "serviceRegistries"):
            if body.get(key) is not None:
                value = self._strategy(body[key]) if key == "capacityProviderStrategy" else \
                    normalize_network(body[key]) if key == "networkConfiguration" else copy.deepcopy(body[key])
                if value != service.get(key, [] if key != "networkConfiguration" else None):
                    redeploy = True
                service[key] = value
        if body.get("volumeConfigurations") is not None and volumes != service.get("_volume_configurations"):
            redeploy = True
            service["_volume_configurations"] = copy.deepcopy(volumes)
        if body.get("capacityProviderStrategy"):
            service.pop("launchType", None)
        service["deploymentConfiguration"] = config
        if body.get("desiredCount") is not None:
            service["desiredCount"] = body["desiredCount"]
        if body.get("healthCheckGracePeriodSeconds") is not None:
            if not service["loadBalancers"]:
                raise invalid("Health check grace period is only valid for services configured to use load "
                              "balancers")
            service["healthCheckGracePeriodSeconds"] = body["healthCheckGracePeriodSeconds"]
        for key in ("enableExecuteCommand", "enableECSManagedTags"):
            if body.get(key) is not None:
                service[key] = bool(body[key])
        if body.get("propagateTags") is not None:
            service["propagateTags"] = body["propagateTags"]
        if body.get("availabilityZoneRebalancing") is not None:
            service["availabilityZoneRebalancing"] = body["availabilityZoneRebalancing"]
        service["taskDefinition"] = td["taskDefinitionArn"]
        if redeploy:
            self.scheduler.new_deployment(store, service, td["taskDefinitionArn"])
        else:
            primary = service["deployments"][0]
            primary["desiredCount"] = service["desiredCount"]
            primary["updatedAt"] = self.plane.epoch()
            if body.get("desiredCount") is not None:
                service["_steady"] = False
        return {"service": self._service_view(store, service)}

    def op_DescribeServices(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        refs = body.get("services") or []
        if not refs or len(refs) > 10:
            raise invalid("services must contain between 1 and 10 services.")
        found, failures = [], []
        for ref in refs:
            service = store.service(cluster, ref)
            if service is None:
                failures.append({"arn": ref if ref.startswith("arn:") else store.arn(
                    f"service/{cluster['clusterName']}/{ref}"), "reason": "MISSING"})
            else:
                found.append(self._service_view(store, service, body.get("include") or []))
        return {"services": found, "failures": failures}

    def op_DeleteService(self, store, body):
        cluster, service = self._find_service(store, body)
        if service["status"] == "INACTIVE":
            raise EcsError("ServiceNotActiveException", "Service was not ACTIVE.")
        if service["schedulingStrategy"] == "REPLICA" and service["desiredCount"] > 0 and not body.get("force"):
            raise invalid("The service cannot be stopped while it is scaled above 0.")
        service["status"] = "DRAINING"
        service["desiredCount"] = 0
        return {"service": self._service_view(store, service)}

    def op_ListServices(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        arns = [s["serviceArn"] for s in store.services.values()
                if s["clusterArn"] == cluster["clusterArn"] and s["status"] in ("ACTIVE", "DRAINING")
                and (not body.get("launchType") or s.get("launchType") == body["launchType"])
                and (not body.get("schedulingStrategy") or s["schedulingStrategy"] == body["schedulingStrategy"])]
        body = dict(body)
        body.setdefault("maxResults", 10)
        page, token = paginate(arns, body)
        return {"serviceArns": page, **({"nextToken": token} if token else {})}
