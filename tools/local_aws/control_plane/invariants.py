"""The invariant recorder: minimum (and maximum) healthy targets per target group and running tasks per
service, every container-instance status transition per cluster, and per service with a production listener rule
(blue/green, linear, canary) the healthy targets behind that rule against the desired count and the sequence of its
forward weights, recorded on every state change since a mark.

State changes happen only inside a request, a control or a component's tick, all under plane.lock; the
Plane calls `observe()` after each of them (after the tick of every component that has one, not once per
round), so a dip that lasts one step is recorded even when it is over before any test could sample it.
Nothing is recorded before the first mark (no cost for the product and the demo).
"""
from local_aws.control_plane.core import Component

GROUP_FIELDS = ("healthy", "registered")
SERVICE_FIELDS = ("running", "primary_running", "healthy", "desired", "deployments")


class Invariants(Component):
    name = "invariants"

    def __init__(self, plane):
        super().__init__(plane)
        self.marked_at = None
        self.observations = 0
        self.groups = {}    # target group ARN -> record
        self.services = {}  # "cluster/service" -> record
        self.clusters = {}  # cluster name -> {"container_instances": {arn: record}, "transitions": [...]}
        self.traffic = {}   # "cluster/service" -> production traffic record
        plane.on_change(self.observe)

    def reset(self):
        self.marked_at = None
        self.observations = 0
        self.groups.clear()
        self.services.clear()
        self.clusters.clear()
        self.traffic.clear()

    def controls(self):
        return {"invariants/mark": self._mark, "invariants/report": self._report}

    # -- controls -------------------------------------------------------------------------------------
    def _mark(self, _payload):
        self.reset()
        self.marked_at = self.plane.now()
        self.observe()
        return self._report_body()

    def _report(self, _payload):
        if self.marked_at is None:
            raise ValueError("nothing recorded: POST /_local/invariants/mark first")
        self.observe()
        return self._report_body()

    def _report_body(self):
        return {"since": self.marked_at, "now": self.plane.now(), "observations": self.observations,
                "target_groups": self.groups, "services": self.services, "clusters": self.clusters,
                "traffic": self.traffic}

    # -- recording --------------------------------------------------------------------------------------
    def observe(self):
        if self.marked_at is None:
            return
        self.observations += 1
        now = self.plane.now()
        elbv2 = self.plane.component("elbv2")
        counts = elbv2.target_counts() if elbv2 is not None else {}
        for arn, (name, values) in counts.items():
            self._record(self.groups, arn, {"name": name, "arn": arn}, values, GROUP_FIELDS, now)
        ecs = self.plane.component("ecs")
        if ecs is not None:
            for key, (identity, values) in ecs.service_counts().items():
                self._record(self.services, key, identity, values, SERVICE_FIELDS, now)
            self._record_container_instances(ecs.container_instance_states(), now)
            traffic = getattr(ecs, "production_traffic", dict)  # absent from stand-ins of the ECS component
            for key, (identity, values) in traffic().items():
                self._record_traffic(key, identity, values, counts, now)

    def _record_container_instances(self, states, now):
        """A record per container instance (its statuses in order) and, per cluster, every transition in order;
        an instance that registers after the mark starts with a transition from None."""
        baseline = self.observations == 1  # the mark's own observation: the state the record starts from
        for (cluster, arn), (instance_id, status) in states.items():
            table = self.clusters.setdefault(cluster, {"container_instances": {}, "transitions": []})
            record = table["container_instances"].get(arn)
            if record is None:
                record = table["container_instances"][arn] = {
                    "arn": arn, "ec2_instance_id": instance_id, "first_seen": now, "status": None, "statuses": []}
                if baseline:
                    record["status"], record["statuses"] = status, [status]
                    continue
            if record["status"] != status:
                table["transitions"].append({"container_instance_arn": arn, "ec2_instance_id": instance_id,
                                             "from": record["status"], "to": status, "at": now})
                record["status"] = status
                record["statuses"].append(status)

    def _record_traffic(self, key, identity, values, counts, now):
        """Healthy targets behind the production listener rules (over the target groups weighted above 0) against
        the desired count, and every change of the rules' forward weights, in order."""
        healthy = sum(counts[tg][1]["healthy"] for _, weights in values["rules"] for tg, weight in weights.items()
                      if weight > 0 and tg in counts)
        desired = values["desired"]
        record = self.traffic.get(key)
        if record is None:
            record = self.traffic[key] = dict(identity, first_seen=now, min_production_healthy=healthy,
                                              min_production_healthy_at=now, max_production_healthy=healthy,
                                              below_desired=0, first_below_desired=None, weights=[],
                                              target_group_names={})
        record["production_healthy"], record["desired"] = healthy, desired
        if healthy < record["min_production_healthy"]:
            record["min_production_healthy"], record["min_production_healthy_at"] = healthy, now
        record["max_production_healthy"] = max(record["max_production_healthy"], healthy)
        if healthy < desired:
            record["below_desired"] += 1
            if record["first_below_desired"] is None:
                record["first_below_desired"] = {"at": now, "healthy": healthy, "desired": desired}
        for rule, weights in values["rules"]:
            last = next((w for w in reversed(record["weights"]) if w["rule"] == rule), None)
            if last is None or last["weights"] != weights:
                record["weights"].append({"at": now, "rule": rule, "weights": dict(weights)})
            for tg in weights:
                if tg in counts:
                    record["target_group_names"][tg] = counts[tg][0]

    @staticmethod
    def _record(table, key, identity, values, fields, now):
        record = table.get(key)
        if record is None:
            record = table[key] = dict(identity, first_seen=now)
            for field in fields:
                record[f"min_{field}"] = record[f"max_{field}"] = values[field]
                record[f"min_{field}_at"] = now
        for field in fields:
            value = values[field]
            record[field] = value
            if value < record[f"min_{field}"]:
                record[f"min_{field}"] = value
                record[f"min_{field}_at"] = now
            record[f"max_{field}"] = max(record[f"max_{field}"], value)
