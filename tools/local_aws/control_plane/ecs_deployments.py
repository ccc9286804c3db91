"""ECS API of deployment strategies and service deployments: the validation of deploymentConfiguration.strategy,
its linear/canary settings, lifecycle hooks and loadBalancers[].advancedConfiguration (CreateService,
UpdateService), and ListServiceDeployments, DescribeServiceDeployments, StopServiceDeployment,
ContinueServiceDeployment, DescribeServiceRevisions. The deployments themselves run in ecs_scheduler/traffic.py."""
from local_aws.control_plane.ecs_api import EcsError, invalid, paginate
from local_aws.control_plane.ecs_scheduler.traffic import OPEN, SHIFTING, forward_weights, rule_or_listener

STRATEGIES = ("ROLLING", *SHIFTING)
HOOK_STAGES = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
               "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT")


def not_found_deployment(arn):
    return EcsError("ServiceDeploymentNotFoundException", f"The service deployment {arn} does not exist.")


def _minutes(value, name):
    if value is not None and (not isinstance(value, int) or not 0 <= value <= 1440):
        raise invalid(f"{name} must be between 0 and 1440 minutes.")


def _tenths(value, low, name):
    if value is None:
        return
    if not low <= float(value) <= 100.0 or abs(round(float(value) * 10) - float(value) * 10) > 1e-6:
        raise invalid(f"{name} must be a multiple of 0.1 between {low} and 100.0.")


class EcsDeploymentsApi:
    """Mixin of the ECS component; the scheduler keeps the state (store.service_deployments, service_revisions)."""

    # -- validation (CreateService, UpdateService) --------------------------------------------------------
    def validate_strategy(self, store, config, load_balancers, scheduling):
        strategy = config.get("strategy") or "ROLLING"
        if strategy not in STRATEGIES:
            raise invalid(f"Invalid deployment strategy {strategy}: use one of {', '.join(STRATEGIES)}.")
        if strategy != "ROLLING" and scheduling == "DAEMON":
            raise invalid(f"The {strategy} deployment strategy is not supported for services with the DAEMON "
                          "scheduling strategy.")
        _minutes(config.get("bakeTimeInMinutes"), "bakeTimeInMinutes")
        linear, canary = config.get("linearConfiguration"), config.get("canaryConfiguration")
        if linear and strategy != "LINEAR":
            raise invalid("linearConfiguration is only valid with the LINEAR deployment strategy.")
        if canary and strategy != "CANARY":
            raise invalid("canaryConfiguration is only valid with the CANARY deployment strategy.")
        if linear:
            _tenths(linear.get("stepPercent"), 3.0, "linearConfiguration.stepPercent")
            _minutes(linear.get("stepBakeTimeInMinutes"), "linearConfiguration.stepBakeTimeInMinutes")
        if canary:
            _tenths(canary.get("canaryPercent"), 0.1, "canaryConfiguration.canaryPercent")
            _minutes(canary.get("canaryBakeTimeInMinutes"), "canaryConfiguration.canaryBakeTimeInMinutes")
        hooks = config.get("lifecycleHooks") or []
        if hooks and strategy == "ROLLING":
            raise invalid("Lifecycle hooks are only supported with the BLUE_GREEN, LINEAR and CANARY deployment "
                          "strategies.")
        for hook in hooks:
            self._validate_hook(hook)
        for lb in load_balancers or []:
            advanced = lb.get("advancedConfiguration")
            if strategy in SHIFTING and not advanced:
                raise invalid(f"advancedConfiguration is required for the load balancers of a service with the "
                              f"{strategy} deployment strategy (target group {lb.get('targetGroupArn')}).")
            if advanced:
                self._validate_advanced(store, lb, advanced)

    @staticmethod
    def _validate_hook(hook):
        target_type = hook.get("targetType") or "AWS_LAMBDA"
        if target_type not in ("AWS_LAMBDA", "PAUSE"):
            raise invalid(f"Invalid lifecycle hook targetType {target_type}: use AWS_LAMBDA or PAUSE.")
        stages = hook.get("lifecycleStages") or []
        if not stages:
            raise invalid("lifecycleStages must contain at least one lifecycle stage.")
        for stage in stages:
            if stage not in HOOK_STAGES:
                raise invalid(f"Invalid lifecycle stage {stage}: use one of {', '.join(HOOK_STAGES)}.")
        if target_type == "AWS_LAMBDA":
            arn = hook.get("hookTargetArn") or ""
            if ":lambda:" not in arn or ":function:" not in arn:
                raise invalid("hookTargetArn must be the ARN of a Lambda function for an AWS_LAMBDA lifecycle hook.")
            if not hook.get("roleArn"):
                raise invalid("roleArn is required for an AWS_LAMBDA lifecycle hook.")
        elif hook.get("hookTargetArn"):
            raise invalid("hookTargetArn is not supported for a PAUSE lifecycle hook.")
        timeout = hook.get("timeoutConfiguration") or {}
        if timeout.get("action") not in (None, "CONTINUE", "ROLLBACK"):
            raise invalid("timeoutConfiguration.action must be CONTINUE or ROLLBACK.")
        minutes = timeout.get("timeoutInMinutes")
        if minutes is not None and (not isinstance(minutes, int) or minutes < 1):
            raise invalid("timeoutConfiguration.timeoutInMinutes must be at least 1.")

    def _validate_advanced(self, store, lb, advanced):
        from moto.elbv2.models import elbv2_backends

        backend = elbv2_backends[store.account_id][store.region]
        tg = lb.get("targetGroupArn")
        alternate = advanced.get("alternateTargetGroupArn")
        if not alternate:
            raise invalid("advancedConfiguration.alternateTargetGroupArn is required.")
        group = backend.target_groups.get(alternate)
        if group is None:
            raise invalid(f"The alternate target group {alternate} does not exist.")
        if alternate == tg:
            raise invalid("The alternate target group must be different from the target group of the load balancer.")
        primary = backend.target_groups.get(tg)
        if primary is not None and primary.target_type != group.target_type:
            raise invalid(f"The alternate target group {alternate} has target type {group.target_type}, which does "
                          f"not match target type {primary.target_type} of target group {tg}.")
        if not advanced.get("productionListenerRule"):
            raise invalid("advancedConfiguration.productionListenerRule is required.")
        if not advanced.get("roleArn"):
            raise invalid("advancedConfiguration.roleArn is required.")
        for key in ("productionListenerRule", "testListenerRule"):
            arn = advanced.get(key)
            if not arn:
                continue
            item = rule_or_listener(store, arn)
            if item is None:
                raise invalid(f"The {key} {arn} does not exist.")
            forwards = set(forward_weights(item))
            if not forwards or not forwards <= {tg, alternate} or tg not in forwards and alternate not in forwards:
                raise invalid(f"The {key} {arn} must forward to the target group {tg} and the alternate target "
                              f"group {alternate} (it forwards to {sorted(forwards) or 'no target group'}).")

    def route_new_service(self, store, service):
        """A new service with advancedConfiguration: ECS points its listener rules at the primary target group,
        weighted against the alternate (100/0)."""
        groups = {lb["targetGroupArn"]: (lb.get("advancedConfiguration") or {}).get("alternateTargetGroupArn")
                  for lb in service.get("loadBalancers") or [] if lb.get("advancedConfiguration")}
        if groups:
            self.scheduler.set_listener_weights(store, service, {}, groups, production=0.0, test=0.0)

    # -- service deployments ------------------------------------------------------------------------------
    def _deployment(self, store, arn):
        record = store.service_deployments.get(arn or "")
        if record is None:
            raise not_found_deployment(arn)
        return record

    def op_ListServiceDeployments(self, store, body):
        cluster = store.cluster(body.get("cluster"))
        service = store.service(cluster, body.get("service") or "")
        if service is None:
            raise EcsError("ServiceNotFoundException", "Service not found.")
        statuses = body.get("status") or []
        created = body.get("createdAt") or {}
        records = [r for r in store.service_deployments.values() if r["_service"] == service["_key"]
                   and (not statuses or r["status"] in statuses)
                   and (created.get("after") is None or r["createdAt"] >= float(created["after"]))
                   and (created.get("before") is None or r["createdAt"] <= float(created["before"]))]
        records.sort(key=lambda r: r["createdAt"], reverse=True)
        page, token = paginate(records, body, default_max=20)
        return {"serviceDeployments": [self.scheduler.brief_view(r) for r in page],
                **({"nextToken": token} if token else {})}

    def op_DescribeServiceDeployments(self, store, body):
        arns = body.get("serviceDeploymentArns") or []
        if not arns or len(arns) > 20:
            raise invalid("serviceDeploymentArns must contain between 1 and 20 service deployment ARNs.")
        found, failures = [], []
        for arn in arns:
            record = store.service_deployments.get(arn)
            if record is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(self.scheduler.service_deployment_view(store, record))
        return {"serviceDeployments": found, "failures": failures}

    def op_DescribeServiceRevisions(self, store, body):
        arns = body.get("serviceRevisionArns") or []
        if not arns or len(arns) > 20:
            raise invalid("serviceRevisionArns must contain between 1 and 20 service revision ARNs.")
        found, failures = [], []
        for arn in arns:
            revision = store.service_revisions.get(arn)
            if revision is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(dict(revision))
        return {"serviceRevisions": found, "failures": failures}

    def op_StopServiceDeployment(self, store, body):
        arn = body.get("serviceDeploymentArn")
        record = self._deployment(store, arn)
        stop_type = body.get("stopType") or "ROLLBACK"
        if stop_type not in ("ROLLBACK", "ABORT"):
            raise invalid("stopType must be ROLLBACK or ABORT.")
        if record["status"] not in ("PENDING", "IN_PROGRESS"):
            raise EcsError("ConflictException", f"The service deployment {arn} is {record['status']} and cannot be "
                                                "stopped.")
        if stop_type == "ABORT":
            raise EcsError("UnsupportedFeatureException", "The local control plane supports stopType ROLLBACK only.")
        service = store.services[record["_service"]]
        reason = "Service deployment rolled back because of a StopServiceDeployment request."
        if record["_shift"] and record["_phase"] == "stages":
            record["status"] = "ROLLBACK_REQUESTED"
            record["_stop"] = reason
        else:
            self.scheduler._fail_deployment(store, service, reason, "stopped", True, "StopServiceDeployment")
            record["status"] = "ROLLBACK_SUCCESSFUL" if len(service["deployments"]) > 1 else "STOPPED"
            record["statusReason"] = reason
            record["finishedAt"] = record["stoppedAt"] = self.plane.epoch()
            record["_phase"] = "stopped"
        return {"serviceDeploymentArn": arn}

    def op_ContinueServiceDeployment(self, store, body):
        arn = body.get("serviceDeploymentArn")
        record = self._deployment(store, arn)
        action = body.get("action") or "CONTINUE"
        if action not in ("CONTINUE", "ROLLBACK"):
            raise invalid("action must be CONTINUE or ROLLBACK.")
        hook_id = body.get("hookId")
        detail = next((d for d in record.get("lifecycleHookDetails") or [] if d["hookId"] == hook_id), None)
        if record["status"] not in OPEN or detail is None or detail["status"] != "AWAITING_ACTION":
            raise invalid(f"The service deployment {arn} has no lifecycle hook {hook_id} awaiting action.")
        if action == "CONTINUE":
            detail["status"] = "SUCCEEDED"
        else:
            detail["status"] = "FAILED"
            record["status"] = "ROLLBACK_REQUESTED"
            record["_stop"] = f"Service deployment rolled back by ContinueServiceDeployment on lifecycle hook {hook_id}."
        record["updatedAt"] = self.plane.epoch()
        return {"serviceDeploymentArn": arn}
