"""ECS deployment strategies that shift traffic (deploymentConfiguration.strategy BLUE_GREEN, LINEAR, CANARY),
service revisions and service deployments (ListServiceDeployments, DescribeServiceDeployments).

A traffic-shifting deployment of a service that already runs a revision (blue) goes through the lifecycle stages
of the ECS Developer Guide in order: RECONCILE_SERVICE, PRE_SCALE_UP, SCALE_UP (the green revision's tasks start at
the full desired count and register in the other target group of each load balancer: the alternate while blue
serves from the primary, and the other way round), POST_SCALE_UP, TEST_TRAFFIC_SHIFT (the test listener rule
forwards to green), POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT (the production listener rule's forward
weights move to green: BLUE_GREEN at once, LINEAR in stepPercent steps with stepBakeTimeInMinutes between, CANARY
canaryPercent, canaryBakeTimeInMinutes, then 100), POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME (bakeTimeInMinutes) and
CLEAN_UP (blue scaled down and deregistered). Lifecycle hooks run at the end of their stage (PRODUCTION_TRAFFIC_SHIFT
hooks after every weight change, PRE_PRODUCTION_TRAFFIC_SHIFT hooks before the first); a stage goes on once every
hook of it succeeded. A FAILED hook, a deployment alarm in ALARM, the circuit breaker or StopServiceDeployment
ROLLBACK returns production and test traffic to blue (invoking the Lambda hooks of PRODUCTION_TRAFFIC_SHIFT and
TEST_TRAFFIC_SHIFT once more, their answers ignored), then scales green down (ROLLBACK_SUCCESSFUL).

The stages run as a generator per service deployment, resumed once per tick: it yields while it waits (tasks to
become healthy, a bake time on the plane clock, a hook), so several stages can pass in one tick and nothing sleeps.

Lambda hooks are not run (moto runs Lambda code only in Docker): each invocation is recorded with the payload ECS
sends, and answered with the result the `ecs/lambda-hook` control set for that function (default SUCCEEDED).
"""
import copy
import random
import string
import uuid

from moto.elbv2.models import FakeAction, elbv2_backends

SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")
STAGES = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
          "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME",
          "CLEAN_UP")
HOOK_STATUSES = ("SUCCEEDED", "FAILED", "IN_PROGRESS")
CALLBACK_DELAY = 30          # AWS seconds before an IN_PROGRESS Lambda hook is invoked again
OPEN = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
LINEAR_DEFAULTS = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6}
CANARY_DEFAULTS = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10}


class RollbackNeeded(Exception):
    """Raised inside a deployment's stages: roll back to blue, with `reason` as the statusReason."""

    def __init__(self, reason, cause):
        super().__init__(reason)
        self.reason = reason
        self.cause = cause   # the service event's "deployment failed: <cause>."


def strategy_of(service):
    return (service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"


def shifting(service):
    return strategy_of(service) in SHIFTING


def _deployment_arn_id():
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(21))


def _revision_id():
    return "".join(random.choice("0123456789") for _ in range(19))


def _weight_values(weights):
    """ELB weights are integers (0-999): whole percents as they are, otherwise in tenths of a percent."""
    if all(float(w).is_integer() for w in weights.values()):
        return {tg: int(w) for tg, w in weights.items()}
    return {tg: int(round(w * 10)) for tg, w in weights.items()}


def elb_backend(store):
    return elbv2_backends[store.account_id][store.region]


def rule_or_listener(store, arn):
    """The moto listener rule (ALB) or listener (NLB) an advancedConfiguration names, or None."""
    backend = elb_backend(store)
    try:
        if ":listener-rule/" in arn:
            # found directly: moto's describe_rules copies every listener's rules, and the recorder asks on every change
            for load_balancer in backend.load_balancers.values():
                for listener in load_balancer.listeners.values():
                    rule = listener._non_default_rules.get(arn)
                    if rule is not None:
                        return rule
            return backend.describe_rules(listener_arn=None, rule_arns=[arn])[0]
        return backend.describe_listeners(load_balancer_arn=None, listener_arns=[arn])[0]
    except Exception:  # noqa: BLE001 - moto raises its own not-found errors
        return None


def _actions_of(item):
    return item.actions if hasattr(item, "priority") or hasattr(item, "conditions") else item.default_actions


def forward_weights(item):
    """{target group ARN: weight} of the forward action of a rule or listener ({} without one)."""
    for action in _actions_of(item):
        data = action.data
        if data.get("Type") != "forward":
            continue
        if data.get("ForwardConfig"):
            return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in data["ForwardConfig"].get("TargetGroups", [])}
        if data.get("TargetGroupArn"):
            return {data["TargetGroupArn"]: 1}
    return {}


class TrafficShifting:
    """Part of the Scheduler; uses reconcile_replica/start_service_tasks/stop_task/event (services, tasks)."""

    def traffic_controls(self):
        return {"ecs/lambda-hook": self._control_lambda_hook,
                "ecs/lambda-hook-invocations": self._control_hook_invocations}

    # -- controls ---------------------------------------------------------------------------------------
    def _control_lambda_hook(self, payload):
        """{function_arn, hookStatus?, callBackDelay?, hookDetails?}: what every later invocation of that function
        (ARN or name) answers, until set again; hookStatus SUCCEEDED (the default), FAILED or IN_PROGRESS."""
        function = payload["function_arn"]
        status = payload.get("hookStatus", "SUCCEEDED")
        if status not in HOOK_STATUSES:
            raise ValueError(f"hookStatus must be one of {', '.join(HOOK_STATUSES)}, not {status!r}")
        result = {"hookStatus": status}
        for key in ("callBackDelay", "hookDetails"):
            if payload.get(key) is not None:
                result[key] = payload[key]
        self.hook_results[function] = result
        return {"function_arn": function, "result": result}

    def _control_hook_invocations(self, payload):
        """{function_arn?}: every Lambda hook invocation so far (of that function), in order."""
        function = payload.get("function_arn")
        return {"invocations": [i for i in self.hook_invocations
                                if function is None or self._same_function(function, i["functionArn"])]}

    @staticmethod
    def _same_function(ref, arn):
        def name(value):
            return value.split(":function:")[-1].split(":")[0]
        return ref == arn or name(ref) == name(arn)

    def _hook_result(self, arn):
        for ref, result in self.hook_results.items():
            if self._same_function(ref, arn):
                return dict(result)
        return {"hookStatus": "SUCCEEDED"}

    # -- revisions and service deployments ----------------------------------------------------------------
    def create_revision(self, store, service, task_definition):
        td = store.task_definition(task_definition) or {}
        revision = {
            "serviceRevisionArn": store.arn(f"service-revision/{service['_cluster']}/{service['serviceName']}/"
                                            f"{_revision_id()}"),
            "serviceArn": service["serviceArn"],
            "clusterArn": service["clusterArn"],
            "taskDefinition": task_definition,
            "loadBalancers": copy.deepcopy(service.get("loadBalancers") or []),
            "serviceRegistries": copy.deepcopy(service.get("serviceRegistries") or []),
            "containerImages": [{"containerName": c["name"], "image": c["image"]}
                                for c in td.get("containerDefinitions", [])],
            "createdAt": self.plane.epoch(),
        }
        for key in ("launchType", "capacityProviderStrategy", "networkConfiguration"):
            if service.get(key):
                revision[key] = copy.deepcopy(service[key])
        store.service_revisions[revision["serviceRevisionArn"]] = revision
        return revision["serviceRevisionArn"]

    def start_service_deployment(self, store, service, deployment, previous):
        """A service deployment record for `deployment` (just made PRIMARY); `previous` was PRIMARY before it.
        With a traffic-shifting strategy and a revision already serving, the deployment runs the lifecycle stages."""
        now = self.plane.epoch()
        deployment["_revision"] = self.create_revision(store, service, deployment["taskDefinition"])
        config = copy.deepcopy(service["deploymentConfiguration"])
        record = {
            "serviceDeploymentArn": store.arn(f"service-deployment/{service['_cluster']}/{service['serviceName']}/"
                                              f"{_deployment_arn_id()}"),
            "serviceArn": service["serviceArn"],
            "clusterArn": service["clusterArn"],
            "createdAt": now,
            "startedAt": now,
            "updatedAt": now,
            "status": "IN_PROGRESS",
            "deploymentConfiguration": config,
            "_service": service["_key"],
            "_deployment": deployment["id"],
            "_target": deployment["_revision"],
            "_source": [],
            "_shift": False,
            "_phase": None,
        }
        breaker = config.get("deploymentCircuitBreaker") or {}
        record["deploymentCircuitBreaker"] = {
            "status": "MONITORING" if breaker.get("enable") else "DISABLED", "failureCount": 0,
            "threshold": self.failure_threshold(service["desiredCount"])}
        alarms = config.get("alarms") or {}
        record["alarms"] = {"status": "MONITORING" if alarms.get("enable") else "DISABLED",
                            "alarmNames": list(alarms.get("alarmNames") or [])}
        live = {}
        if previous is not None:
            blue_ids = [previous["id"]]
            prior = self.service_deployment_of(store, previous)
            if prior is not None and prior["status"] in OPEN:
                if prior["_shift"] and prior["_phase"] == "stages":
                    blue_ids = prior["_blue"]   # superseded mid-shift: blue stays the revision serving production
                prior["status"] = "STOPPED"
                prior["statusReason"] = f"Service deployment superseded by {record['serviceDeploymentArn']}."
                prior["finishedAt"] = prior["stoppedAt"] = prior["updatedAt"] = now
                prior["_phase"] = "stopped"
            blue = [d for d in service["deployments"] if d["id"] in blue_ids]
            record["_source"] = [d.get("_revision") for d in blue if d.get("_revision")]
            serving = [t for t in store.tasks.values() if t["_service"] == service["_key"]
                       and t["_deployment"] in blue_ids and t["desiredStatus"] == "RUNNING"]
            if shifting(service) and serving and blue:
                record["_shift"] = True
                record["_blue"] = blue_ids
                record["_phase"] = "stages"
                record["_weights"] = {"production": 0.0, "test": 0.0}
                record["lifecycleStage"] = STAGES[0]
                live = blue[0].get("_target_groups") or {}
        groups = {}
        for lb in service.get("loadBalancers") or []:
            tg = lb.get("targetGroupArn")
            alternate = (lb.get("advancedConfiguration") or {}).get("alternateTargetGroupArn")
            current = live.get(tg, service.get("_live", {}).get(tg, tg))
            groups[tg] = (alternate if current == tg else tg) if record["_shift"] and alternate else current
        deployment["_target_groups"] = groups
        deployment["_shift"] = record["serviceDeploymentArn"] if record["_shift"] else None
        if record["_shift"]:
            record["_flow"] = self._stages(store, service, record)
        store.service_deployments[record["serviceDeploymentArn"]] = record
        service["_service_deployment"] = record["serviceDeploymentArn"]
        return record

    @staticmethod
    def service_deployment_of(store, deployment):
        for record in store.service_deployments.values():
            if record["_deployment"] == deployment["id"]:
                return record
        return None

    def target_group_for(self, service, task, lb):
        """The target group a task of this service registers in for load balancer entry `lb`: its deployment's
        (the alternate for green while blue serves from the primary, and the other way round)."""
        tg = lb.get("targetGroupArn")
        deployment = next((d for d in service["deployments"] if d["id"] == task["_deployment"]), None)
        if deployment is None:
            return service.get("_live", {}).get(tg, tg)
        return (deployment.get("_target_groups") or {}).get(tg, tg)

    # -- listener rules -----------------------------------------------------------------------------------
    def set_listener_weights(self, store, service, blue_groups, green_groups, production=None, test=None):
        """Point the production and/or test listener rule of every load balancer at blue/green by percent."""
        for lb in service.get("loadBalancers") or []:
            advanced = lb.get("advancedConfiguration") or {}
            tg = lb.get("targetGroupArn")
            blue, green = blue_groups.get(tg, tg), green_groups.get(tg, tg)
            for key, percent in (("productionListenerRule", production), ("testListenerRule", test)):
                if percent is None or not advanced.get(key):
                    continue
                weights = {blue: 100.0 - percent, green: float(percent)} if blue != green else {blue: 100.0}
                self.write_forward(store, advanced[key], weights)

    def write_forward(self, store, arn, percents):
        """ModifyRule (or ModifyListener) of the forward action to weighted target groups."""
        item = rule_or_listener(store, arn)
        if item is None:
            return
        weights = _weight_values(percents)
        actions = []
        for action in _actions_of(item):
            data = copy.deepcopy(action.data)
            if data.get("Type") == "forward":
                stickiness = (data.get("ForwardConfig") or {}).get("TargetGroupStickinessConfig") or {"Enabled": False}
                data.pop("TargetGroupArn", None)
                data["ForwardConfig"] = {
                    "TargetGroups": [{"TargetGroupArn": tg, "Weight": w} for tg, w in weights.items()],
                    "TargetGroupStickinessConfig": stickiness}
            actions.append(data)
        if hasattr(item, "conditions"):
            elb_backend(store).modify_rule(arn, [], actions)
        else:
            item.default_actions = [FakeAction(a) for a in actions]
        self.plane.changed()  # the recorder sees every weight, even one undone within the same tick

    def production_weights(self, store, service):
        """[(rule ARN, {target group ARN: weight})] of the service's production listener rules now."""
        found = []
        for lb in service.get("loadBalancers") or []:
            arn = (lb.get("advancedConfiguration") or {}).get("productionListenerRule")
            item = rule_or_listener(store, arn) if arn else None
            if item is not None:
                found.append((arn, forward_weights(item)))
        return found

    # -- reconcile ----------------------------------------------------------------------------------------
    def reconcile_shifting(self, store, service, now):
        record = store.service_deployments.get(service.get("_service_deployment"))
        if service["status"] != "ACTIVE" or record is None or not record["_shift"] or record["_phase"] != "stages":
            self.reconcile_replica(store, service, now)
            if record is not None:
                self._settle(store, service, record)
            return
        green = next((d for d in service["deployments"] if d["id"] == record["_deployment"]), None)
        if green is None:
            record["_phase"] = "stopped"
            return
        self._stop_strays(store, service, record)
        if record.get("_scaling"):
            self._keep_green(store, service, green)
        try:
            self._rollback_triggers(store, service, record, green)
            next(record["_flow"])
        except StopIteration:
            pass
        except RollbackNeeded as rollback:
            self.roll_back(store, service, record, rollback.reason, rollback.cause)
        self._flush_events(service)

    def settle_service_deployment(self, store, service):
        record = store.service_deployments.get(service.get("_service_deployment"))
        if record is not None:
            self._settle(store, service, record)

    def _stop_strays(self, store, service, record):
        keep = {record["_deployment"], *record["_blue"]}
        primary = service["deployments"][0]
        for task in self.service_tasks(store, service):
            if task["_deployment"] not in keep:
                self.stop_task(store, task, f"Scaling activity initiated by (deployment {primary['id']})",
                               "ServiceSchedulerInitiated")

    def _keep_green(self, store, service, green):
        draining = {a for a, ci in store.container_instances.items() if ci["status"] != "ACTIVE"}
        mine = [t for t in self.service_tasks(store, service)
                if t["_deployment"] == green["id"] and t["containerInstanceArn"] not in draining]
        need = service["desiredCount"] - len(mine)
        if need > 0:
            self.start_service_tasks(store, service, green, need)

    def _green_ready(self, store, service, green):
        healthy = [t for t in self.service_tasks(store, service) if t["_deployment"] == green["id"]
                   and t["lastStatus"] == "RUNNING" and t["_healthy"]]
        return len(healthy) >= service["desiredCount"]

    def _rollback_triggers(self, store, service, record, green):
        """Circuit breaker, deployment alarms and StopServiceDeployment, checked every tick of the stages."""
        if record.get("_stop"):
            raise RollbackNeeded(record.pop("_stop"), "stopped")
        breaker = record["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}
        record["deploymentCircuitBreaker"]["failureCount"] = green["failedTasks"]
        if breaker.get("enable") and green["failedTasks"] >= record["deploymentCircuitBreaker"]["threshold"]:
            record["deploymentCircuitBreaker"]["status"] = "TRIGGERED"
            if breaker.get("rollback"):
                raise RollbackNeeded("ECS deployment circuit breaker: tasks failed to start.", "tasks failed to start")
        alarms = record["deploymentConfiguration"].get("alarms") or {}
        if alarms.get("enable") and record.get("lifecycleStage") != "CLEAN_UP":
            from local_aws.control_plane.ecs_scheduler.services import alarm_state

            firing = sorted(n for n in alarms.get("alarmNames") or [] if alarm_state(store, n) == "ALARM")
            if firing:
                record["alarms"].update(status="TRIGGERED", triggeredAlarmNames=firing)
                if alarms.get("rollback"):
                    raise RollbackNeeded(f"ECS deployment failed: alarm(s) {', '.join(firing)} in ALARM state.",
                                         "alarm detected")

    # -- the lifecycle stages --------------------------------------------------------------------------------
    def _stages(self, store, service, record):
        green = next(d for d in service["deployments"] if d["id"] == record["_deployment"])
        blue = next(d for d in service["deployments"] if d["id"] in record["_blue"])
        blue_groups, green_groups = blue.get("_target_groups") or {}, green.get("_target_groups") or {}
        config = record["deploymentConfiguration"]
        for stage in STAGES:
            record["lifecycleStage"] = stage
            record["updatedAt"] = self.plane.epoch()
            if stage == "SCALE_UP":
                record["_scaling"] = True
                self._keep_green(store, service, green)
                while not self._green_ready(store, service, green):
                    yield
            elif stage == "TEST_TRAFFIC_SHIFT":
                record["_weights"]["test"] = 100.0
                self.set_listener_weights(store, service, blue_groups, green_groups, test=100.0)
            elif stage == "PRODUCTION_TRAFFIC_SHIFT":
                yield from self._run_hooks(store, service, record, "PRE_PRODUCTION_TRAFFIC_SHIFT")
                steps, bake = self.traffic_steps(config)
                for index, percent in enumerate(steps):
                    record["_weights"]["production"] = percent
                    record["updatedAt"] = self.plane.epoch()
                    self.set_listener_weights(store, service, blue_groups, green_groups, production=percent)
                    yield from self._run_hooks(store, service, record, stage)
                    if index < len(steps) - 1:
                        yield from self._wait(bake)
                continue
            elif stage == "BAKE_TIME":
                yield from self._wait(self.plane.scaled(60 * (config.get("bakeTimeInMinutes") or 0)))
                if record["alarms"]["status"] == "MONITORING":
                    record["alarms"]["status"] = "MONITORING_COMPLETE"
            elif stage == "CLEAN_UP":
                self._begin_clean_up(store, service, record, green)
                return
            yield from self._run_hooks(store, service, record, stage)

    def traffic_steps(self, config):
        """(production weights of green in order, plane seconds between steps) for the strategy."""
        strategy = config.get("strategy")
        if strategy == "LINEAR":
            linear = {**LINEAR_DEFAULTS, **(config.get("linearConfiguration") or {})}
            step, steps, percent = float(linear["stepPercent"]), [], 0.0
            while percent + step < 100.0 - 1e-9:
                percent = round(percent + step, 1)
                steps.append(percent)
            return steps + [100.0], self.plane.scaled(60 * linear["stepBakeTimeInMinutes"])
        if strategy == "CANARY":
            canary = {**CANARY_DEFAULTS, **(config.get("canaryConfiguration") or {})}
            first = float(canary["canaryPercent"])
            steps = [first, 100.0] if first < 100.0 else [100.0]
            return steps, self.plane.scaled(60 * canary["canaryBakeTimeInMinutes"])
        return [100.0], 0.0

    def _wait(self, seconds):
        until = self.plane.now() + seconds
        while self.plane.now() < until:
            yield

    def _run_hooks(self, store, service, record, stage):
        """Run the hooks configured for `stage`; return once all succeeded (raise RollbackNeeded on failure)."""
        hooks = [h for h in record["deploymentConfiguration"].get("lifecycleHooks") or []
                 if stage in (h.get("lifecycleStages") or [])]
        if not hooks:
            return
        now = self.plane.now()
        details, states = [], []
        for hook in hooks:
            target_type = hook.get("targetType") or "AWS_LAMBDA"
            detail = {"hookId": uuid.uuid4().hex, "targetType": target_type,
                      "status": "AWAITING_ACTION" if target_type == "PAUSE" else "IN_PROGRESS"}
            if hook.get("hookTargetArn"):
                detail["targetArn"] = hook["hookTargetArn"]
            timeout = hook.get("timeoutConfiguration") or {}
            expires = None
            if timeout.get("timeoutInMinutes") is not None:
                expires = now + self.plane.scaled(60 * timeout["timeoutInMinutes"])
                detail["expiresAt"] = self.plane.epoch() + (expires - now)
                detail["timeoutAction"] = timeout.get("action") or "ROLLBACK"
            details.append(detail)
            states.append({"hook": hook, "next": now, "expires": expires, "hookDetails": hook.get("hookDetails")})
        record["lifecycleHookDetails"] = details
        record["updatedAt"] = self.plane.epoch()
        while True:
            now = self.plane.now()
            waiting = False
            for detail, state in zip(details, states, strict=True):
                if detail["status"] == "SUCCEEDED" or (detail["status"] == "TIMED_OUT"
                                                      and detail.get("timeoutAction") == "CONTINUE"):
                    continue
                if detail["status"] == "FAILED":
                    raise RollbackNeeded(f"Lifecycle hook {detail['hookId']} at {stage} failed.",
                                         "lifecycle hook failed")
                if state["expires"] is not None and now >= state["expires"]:
                    detail["status"] = "TIMED_OUT"
                    if detail["timeoutAction"] == "ROLLBACK":
                        raise RollbackNeeded(f"Lifecycle hook {detail['hookId']} at {stage} timed out.",
                                             "lifecycle hook timed out")
                    continue
                if detail["targetType"] == "AWS_LAMBDA" and now >= state["next"]:
                    result = self._invoke(store, service, record, stage, state)
                    if result["hookStatus"] == "SUCCEEDED":
                        detail["status"] = "SUCCEEDED"
                        continue
                    if result["hookStatus"] == "FAILED":
                        detail["status"] = "FAILED"
                        raise RollbackNeeded(f"Lifecycle hook {detail['hookId']} at {stage} returned FAILED.",
                                             "lifecycle hook failed")
                    state["next"] = now + self.plane.scaled(result.get("callBackDelay") or CALLBACK_DELAY)
                    if result.get("hookDetails") is not None:
                        state["hookDetails"] = result["hookDetails"]
                waiting = True
            if not waiting:
                return
            yield

    def _invoke(self, store, service, record, stage, state):
        hook = state["hook"]
        weights = record["_weights"]
        blue = record["_source"][0] if record["_source"] else None
        target = record["_target"]

        def by_revision(percent):
            mapped = {target: percent}
            if blue is not None:
                mapped[blue] = 100.0 - percent
            return mapped

        payload = {
            "executionId": str(uuid.uuid4()),
            "lifecycleStage": stage,
            "resourceArn": record["serviceDeploymentArn"],
            "executionDetails": {
                "serviceArn": service["serviceArn"],
                "targetServiceRevisionArn": target,
                "testTrafficWeights": by_revision(weights["test"]),
                "productionTrafficWeights": by_revision(weights["production"]),
            },
        }
        if state["hookDetails"] is not None:
            payload["hookDetails"] = copy.deepcopy(state["hookDetails"])
        result = self._hook_result(hook["hookTargetArn"])
        if result.get("hookStatus") not in HOOK_STATUSES:
            result = {"hookStatus": "FAILED"}  # no valid hookStatus: ECS rolls back
        self.hook_invocations.append({"functionArn": hook["hookTargetArn"], "roleArn": hook.get("roleArn"),
                                      "payload": payload, "result": result, "at": self.plane.now()})
        return result

    # -- ends ----------------------------------------------------------------------------------------------
    def _begin_clean_up(self, store, service, record, green):
        """Traffic is on green: from now on the ordinary reconcile scales the blue revision in (its targets drain)."""
        record["_phase"] = "clean_up"
        record["_scaling"] = False
        record["lifecycleHookDetails"] = []
        service["_live"] = dict(green.get("_target_groups") or {})

    def roll_back(self, store, service, record, reason, cause):
        """Production and test traffic back to blue at once, blue PRIMARY again; green is scaled in afterwards."""
        green = next((d for d in service["deployments"] if d["id"] == record["_deployment"]), None)
        blue = next((d for d in service["deployments"] if d["id"] in record["_blue"]), None)
        now = self.plane.epoch()
        record["status"] = "ROLLBACK_IN_PROGRESS"
        record["statusReason"] = reason
        record["rollback"] = {"reason": reason, "startedAt": now}
        if record["_source"]:
            record["rollback"]["serviceRevisionArn"] = record["_source"][0]
        record["updatedAt"] = now
        record["_phase"] = "rollback"
        record["_scaling"] = False
        record["_flow"] = None
        if green is None or blue is None:
            return
        self.set_listener_weights(store, service, blue.get("_target_groups") or {}, green.get("_target_groups") or {},
                                  production=0.0, test=0.0)
        record["_weights"] = {"production": 0.0, "test": 0.0}
        for stage in ("PRODUCTION_TRAFFIC_SHIFT", "TEST_TRAFFIC_SHIFT"):  # the hooks ECS runs on a rollback
            for hook in record["deploymentConfiguration"].get("lifecycleHooks") or []:
                if stage in (hook.get("lifecycleStages") or []) and (hook.get("targetType") or "AWS_LAMBDA") \
                        == "AWS_LAMBDA":
                    self._invoke(store, service, record, stage, {"hook": hook, "hookDetails": hook.get("hookDetails")})
        green["rolloutState"] = "FAILED"
        green["rolloutStateReason"] = reason
        green["status"] = "ACTIVE"
        green["updatedAt"] = now
        blue["status"] = "PRIMARY"
        blue["updatedAt"] = now
        service["deployments"].remove(blue)
        service["deployments"].insert(0, blue)
        service["taskDefinition"] = blue["taskDefinition"]
        name = service["serviceName"]
        self.event(service, f"(service {name}) (deployment {green['id']}) deployment failed: {cause}.")
        self.event(service, f"(service {name}) rolling back to deployment {blue['id']}.")

    def _settle(self, store, service, record):
        """Close a service deployment once the ordinary reconcile finished what its stages started."""
        if record["status"] not in OPEN:
            return
        now = self.plane.epoch()
        deployment = next((d for d in service["deployments"] if d["id"] == record["_deployment"]), None)
        if record["_phase"] == "rollback":
            if deployment is None and len(service["deployments"]) == 1:
                record["status"] = "ROLLBACK_SUCCESSFUL"
                record["finishedAt"] = record["updatedAt"] = now
                record["_final"] = self._summaries(store, service, record)
            return
        if deployment is None:
            record["status"] = "STOPPED"
            record["finishedAt"] = record["stoppedAt"] = record["updatedAt"] = now
            return
        if deployment.get("rolloutState") == "COMPLETED" and len(service["deployments"]) == 1:
            record["status"] = "SUCCESSFUL"
            record["finishedAt"] = record["updatedAt"] = now
            if record["alarms"]["status"] == "MONITORING":
                record["alarms"]["status"] = "MONITORING_COMPLETE"
            if record["deploymentCircuitBreaker"]["status"] == "MONITORING":
                record["deploymentCircuitBreaker"]["status"] = "MONITORING_COMPLETE"
            if record["_shift"]:
                record["_weights"] = {"production": 100.0, "test": 100.0}
            record["_final"] = self._summaries(store, service, record)
        elif deployment.get("rolloutState") == "FAILED":
            record["status"] = "STOPPED"
            record["statusReason"] = deployment.get("rolloutStateReason")
            record["finishedAt"] = record["stoppedAt"] = record["updatedAt"] = now

    # -- views -----------------------------------------------------------------------------------------------
    def _summaries(self, store, service, record):
        """(sourceServiceRevisions, targetServiceRevision) with counts and requested weights."""
        tasks = [t for t in store.tasks.values() if t["_service"] == service["_key"] and t["lastStatus"] != "STOPPED"]
        by_revision = {}
        for deployment in service["deployments"]:
            if deployment.get("_revision"):
                by_revision.setdefault(deployment["_revision"], []).append(deployment["id"])
        weights = record.get("_weights")

        def summary(arn, production=None, test=None, requested=None):
            ids = by_revision.get(arn, [])
            mine = [t for t in tasks if t["_deployment"] in ids]
            item = {"arn": arn,
                    "requestedTaskCount": requested if requested is not None else len(
                        [t for t in mine if t["desiredStatus"] == "RUNNING"]),
                    "runningTaskCount": len([t for t in mine if t["lastStatus"] == "RUNNING"
                                             and t["desiredStatus"] == "RUNNING"]),
                    "pendingTaskCount": len([t for t in mine if t["lastStatus"] in ("PROVISIONING", "PENDING")])}
            if production is not None:
                item["requestedProductionTrafficWeight"] = production
                item["requestedTestTrafficWeight"] = test
            return item

        target_requested = 0 if record["status"] in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL") \
            else service["desiredCount"]
        if weights is None:
            target = summary(record["_target"], requested=target_requested)
            sources = [summary(arn) for arn in record["_source"]]
        else:
            target = summary(record["_target"], weights["production"], weights["test"], target_requested)
            sources = [summary(arn, 100.0 - weights["production"], 100.0 - weights["test"])
                       for arn in record["_source"]]
        return sources, target

    def service_deployment_view(self, store, record):
        service = store.services.get(record["_service"])
        view = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
        if "_final" in record or service is None:
            sources, target = record.get("_final") or ([], {"arn": record["_target"]})
        else:
            sources, target = self._summaries(store, service, record)
        view["sourceServiceRevisions"] = sources
        view["targetServiceRevision"] = target
        view.setdefault("lifecycleHookDetails", [])
        return view

    def brief_view(self, record):
        keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt",
                "status", "statusReason")
        brief = {k: record[k] for k in keys if record.get(k) is not None}
        brief["targetServiceRevisionArn"] = record["_target"]
        return brief


__all__ = ["SHIFTING", "STAGES", "TrafficShifting", "forward_weights", "rule_or_listener", "shifting"]
