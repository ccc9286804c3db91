"""A client for the local AWS test controls (`POST <endpoint>/_local/<name>`), for tests and scripts.

    controls = Controls(endpoint)
    with controls.frozen():                 # plane time stops; transitions happen when the test says
        controls.advance(0.6)               # 0.6 plane seconds pass, components tick along the way
    controls.mark()                         # start recording invariants
    ...                                     # roll, deploy, drain
    report = controls.report()
    assert report.target_group(tg_arn)["min_healthy"] >= 2
    assert report.service("cluster", "web")["min_running"] >= 3
    assert report.container_instance("cluster", "i-0abc")["statuses"] == ["ACTIVE", "DRAINING", "INACTIVE"]
"""
import contextlib
import json
import urllib.request


class Report(dict):
    """The answer of `invariants/report`, with lookups that fail clearly when nothing was recorded."""

    def target_group(self, arn_or_name):
        for arn, record in self["target_groups"].items():
            if arn_or_name in (arn, record["name"]):
                return record
        raise KeyError(f"no invariants recorded for target group {arn_or_name}; recorded: "
                       f"{sorted(r['name'] for r in self['target_groups'].values())}")

    def service(self, cluster, name):
        key = f"{cluster.split('/')[-1]}/{name.split('/')[-1]}"
        try:
            return self["services"][key]
        except KeyError:
            raise KeyError(f"no invariants recorded for service {key}; recorded: {sorted(self['services'])}") from None

    def transitions(self, cluster, instance=None):
        """The container-instance status transitions recorded in `cluster` since the mark, in order
        ({container_instance_arn, ec2_instance_id, from, to, at}); with `instance` (EC2 instance id or container
        instance ARN) only that instance's."""
        recorded = self.get("clusters", {}).get(cluster.split("/")[-1], {}).get("transitions", [])
        return [t for t in recorded if instance in (None, t["ec2_instance_id"], t["container_instance_arn"])]

    def traffic(self, cluster, name):
        """The production traffic record of a service with a production listener rule: `production_healthy` now,
        `min_production_healthy` (and `_at`), `desired`, `below_desired` (observations with fewer healthy targets
        behind the rule than desired), `first_below_desired`, and `weights` ({at, rule, weights}) on every change."""
        key = f"{cluster.split('/')[-1]}/{name.split('/')[-1]}"
        try:
            return self["traffic"][key]
        except KeyError:
            raise KeyError(f"no production traffic recorded for service {key}; recorded: "
                           f"{sorted(self.get('traffic', {}))}") from None

    def weights(self, cluster, name, target_group):
        """The forward weights of `target_group` (ARN or name) in the service's production listener rule, in the
        order they were set (each value once per change)."""
        record = self.traffic(cluster, name)
        names = record["target_group_names"]
        sequence = []
        for change in record["weights"]:
            for arn, weight in change["weights"].items():
                if target_group in (arn, names.get(arn)) and (not sequence or sequence[-1] != weight):
                    sequence.append(weight)
        return sequence

    def container_instance(self, cluster, instance):
        """The record of one container instance (EC2 instance id or ARN): `statuses` in the order they were
        recorded (the status at the mark first), `status` now, `first_seen`."""
        records = self.get("clusters", {}).get(cluster.split("/")[-1], {}).get("container_instances", {})
        for arn, record in records.items():
            if instance in (arn, record["ec2_instance_id"]):
                return record
        raise KeyError(f"no container instance {instance} recorded in cluster {cluster}; recorded: "
                       f"{sorted(r['ec2_instance_id'] for r in records.values())}")


class Controls:
    def __init__(self, endpoint, timeout=60):
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout

    def call(self, name, payload=None):
        request = urllib.request.Request(
            f"{self.endpoint}/_local/{name}", data=json.dumps(payload or {}).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    # -- clock ----------------------------------------------------------------------------------------
    def now(self):
        return self.call("clock")["now"]

    def freeze(self):
        return self.call("clock/freeze")

    def unfreeze(self):
        return self.call("clock/unfreeze")

    def advance(self, seconds, step=None):
        """Move plane time forward by `seconds` (plane seconds), ticking every component on the way."""
        return self.call("clock/advance", {"seconds": seconds, **({"step": step} if step else {})})

    @contextlib.contextmanager
    def frozen(self):
        self.freeze()
        try:
            yield self
        finally:
            self.unfreeze()

    def delay(self, name):
        """A named duration of the server's latency profile (control_plane/profiles.py), in plane seconds."""
        return self.call("status")["delays"][name]

    def scaled(self, aws_seconds):
        """A duration a resource configures (health-check interval...) in plane seconds of this server."""
        return float(aws_seconds) / self.call("status")["scale"]

    # -- invariants -------------------------------------------------------------------------------------
    def mark(self):
        """Forget what was recorded; record minima and maxima from the current state on."""
        return self.call("invariants/mark")

    def report(self):
        """What was recorded since the last mark (see tools/local_aws/README.md, Invariant recorder)."""
        return Report(self.call("invariants/report"))

    # -- ECS ------------------------------------------------------------------------------------------
    def hold_drains(self, cluster=None, hold=True):
        """While held, service tasks on DRAINING container instances (of `cluster`, or every cluster) stay."""
        return self.call("ecs/hold-drains", {"hold": hold, **({"cluster": cluster} if cluster else {})})

    @contextlib.contextmanager
    def drains_held(self, cluster=None):
        self.hold_drains(cluster)
        try:
            yield self
        finally:
            self.hold_drains(cluster, hold=False)

    def lambda_hook(self, function_arn, hook_status="SUCCEEDED", callback_delay=None, hook_details=None):
        """What the deployment lifecycle hook `function_arn` (ARN or name) answers from now on: SUCCEEDED (default),
        FAILED or IN_PROGRESS (invoked again after callBackDelay seconds, default 30)."""
        payload = {"function_arn": function_arn, "hookStatus": hook_status}
        if callback_delay is not None:
            payload["callBackDelay"] = callback_delay
        if hook_details is not None:
            payload["hookDetails"] = hook_details
        return self.call("ecs/lambda-hook", payload)

    def lambda_hook_invocations(self, function_arn=None):
        """Every recorded invocation of a Lambda lifecycle hook (of `function_arn`), in order:
        {functionArn, roleArn, payload, result, at}."""
        return self.call("ecs/lambda-hook-invocations",
                         {"function_arn": function_arn} if function_arn else {})["invocations"]
