"""The invariant recorder on a plane of fake components: every tick and request is an observation, so a
dip that lasts one step is recorded; nothing before a mark; every container-instance transition is recorded
per cluster, even one undone before the next request."""
import pytest

from local_aws.control_plane.core import Component, Plane
from local_aws.control_plane.invariants import Invariants


class FakeElb(Component):
    name = "elbv2"
    script = []  # healthy counts, one per tick

    def __init__(self, plane):
        super().__init__(plane)
        self.healthy = 3

    def tick(self, now):
        if self.script:
            self.healthy = self.script.pop(0)

    def target_counts(self):
        return {"arn:tg/web": ("web", {"healthy": self.healthy, "registered": 3})}


class FakeEcs(Component):
    name = "ecs"

    def __init__(self, plane):
        super().__init__(plane)
        self.running, self.primary = 4, 4
        self.instances = {("c", "arn:ci/1"): ("i-1", "ACTIVE"), ("c", "arn:ci/2"): ("i-2", "ACTIVE")}

    def container_instance_states(self):
        return dict(self.instances)

    def service_counts(self):
        values = {"running": self.running, "primary_running": self.primary, "healthy": self.running,
                  "desired": 4, "deployments": 1}
        return {"c/web": ({"cluster": "c", "service": "web", "arn": "arn:svc/web"}, values)}


@pytest.fixture
def plane():
    plane = Plane(None)
    plane.add(FakeEcs)
    plane.add(FakeElb)
    plane.add(Invariants)
    plane.clock.freeze()
    return plane


def control(plane, name, payload=None):
    return plane._controls[name](payload or {})


def test_nothing_is_recorded_before_a_mark(plane):
    plane.tick()
    assert plane.component("invariants").observations == 0
    with pytest.raises(ValueError, match="invariants/mark first"):
        control(plane, "invariants/report")


def test_a_one_tick_dip_is_recorded_with_its_time(plane):
    mark = control(plane, "invariants/mark")
    assert mark["target_groups"]["arn:tg/web"]["min_healthy"] == 3
    FakeElb.script[:] = [3, 1, 3]
    control(plane, "clock/advance", {"seconds": 0.15, "step": 0.05})
    report = control(plane, "invariants/report")
    group = report["target_groups"]["arn:tg/web"]
    assert (group["min_healthy"], group["max_healthy"], group["healthy"]) == (1, 3, 3)
    assert group["min_healthy_at"] == pytest.approx(mark["since"] + 0.1)
    assert group["name"] == "web"
    # the mark, one after each of the three ticks of the one component with time-driven behaviour, the report
    assert report["observations"] == 1 + 3 + 1


def test_every_tick_of_each_component_with_a_tick_is_observed_in_order(plane):
    class Second(FakeElb):
        name = "second"
        script = []

    plane.add(Second)
    seen = []
    plane.on_change(lambda: seen.append((plane.component("elbv2").healthy, plane.component("second").healthy)))
    FakeElb.script[:], Second.script[:] = [1], [2]
    plane.tick()
    assert seen == [(1, 3), (1, 2)]  # after the first component's tick, before the second's


def test_services_record_running_primary_and_max(plane):
    control(plane, "invariants/mark")
    ecs = plane.component("ecs")
    ecs.running, ecs.primary = 6, 2   # a rolling deployment at its peak
    plane.changed()
    ecs.running, ecs.primary = 3, 3   # ... and at its low
    plane.changed()
    ecs.running, ecs.primary = 4, 4
    record = control(plane, "invariants/report")["services"]["c/web"]
    assert (record["min_running"], record["max_running"], record["running"]) == (3, 6, 4)
    assert (record["min_primary_running"], record["max_primary_running"]) == (2, 4)
    assert record["cluster"] == "c" and record["service"] == "web"


def test_a_new_mark_forgets_the_past_and_reset_stops_recording(plane):
    control(plane, "invariants/mark")
    plane.component("ecs").running = 0
    plane.changed()
    plane.component("ecs").running = 4
    assert control(plane, "invariants/mark")["services"]["c/web"]["min_running"] == 4
    plane.component("invariants").reset()
    with pytest.raises(ValueError):
        control(plane, "invariants/report")


def test_container_instance_transitions_are_recorded_per_cluster_in_order(plane):
    mark = control(plane, "invariants/mark")
    records = mark["clusters"]["c"]["container_instances"]
    assert records["arn:ci/1"]["statuses"] == ["ACTIVE"] and mark["clusters"]["c"]["transitions"] == []
    ecs = plane.component("ecs")
    ecs.instances[("c", "arn:ci/1")] = ("i-1", "DRAINING")
    plane.changed()
    ecs.instances[("c", "arn:ci/1")] = ("i-1", "ACTIVE")   # undone before anyone could have sampled it
    plane.changed()
    control(plane, "clock/advance", {"seconds": 0.1, "step": 0.05})
    ecs.instances[("c", "arn:ci/1")] = ("i-1", "DRAINING")
    ecs.instances[("other", "arn:ci/3")] = ("i-3", "ACTIVE")   # registers after the mark
    plane.changed()
    ecs.instances[("c", "arn:ci/1")] = ("i-1", "INACTIVE")
    plane.changed()
    report = control(plane, "invariants/report")
    transitions = report["clusters"]["c"]["transitions"]
    assert [(t["ec2_instance_id"], t["from"], t["to"]) for t in transitions] == [
        ("i-1", "ACTIVE", "DRAINING"), ("i-1", "DRAINING", "ACTIVE"), ("i-1", "ACTIVE", "DRAINING"),
        ("i-1", "DRAINING", "INACTIVE")]
    assert transitions[0]["at"] == transitions[1]["at"] == mark["since"]
    assert transitions[2]["at"] == pytest.approx(mark["since"] + 0.1)
    assert report["clusters"]["c"]["container_instances"]["arn:ci/1"]["statuses"] == [
        "ACTIVE", "DRAINING", "ACTIVE", "DRAINING", "INACTIVE"]
    assert report["clusters"]["c"]["container_instances"]["arn:ci/2"]["statuses"] == ["ACTIVE"]
    assert [(t["from"], t["to"]) for t in report["clusters"]["other"]["transitions"]] == [(None, "ACTIVE")]


def test_report_looks_up_transitions_by_instance_id_or_arn(plane):
    from local_aws.controls import Report

    control(plane, "invariants/mark")
    plane.component("ecs").instances[("c", "arn:ci/2")] = ("i-2", "DRAINING")
    plane.changed()
    report = Report(control(plane, "invariants/report"))
    assert [t["to"] for t in report.transitions("arn:aws:ecs:us-east-1:1:cluster/c", "i-2")] == ["DRAINING"]
    assert report.transitions("c", "arn:ci/1") == []
    assert report.container_instance("c", "arn:ci/2")["statuses"] == ["ACTIVE", "DRAINING"]
    with pytest.raises(KeyError, match="no container instance i-9"):
        report.container_instance("c", "i-9")


class ShiftingEcs(FakeEcs):
    """A service behind a production listener rule whose weights follow a script, one change per tick."""
    script = []

    def __init__(self, plane):
        super().__init__(plane)
        self.weights = {"arn:tg/web": 100, "arn:tg/alt": 0}

    def tick(self, now):
        if self.script:
            self.weights = self.script.pop(0)

    def production_traffic(self):
        identity = {"cluster": "c", "service": "web", "arn": "arn:svc/web"}
        return {"c/web": (identity, {"desired": 3, "rules": [("arn:rule/prod", dict(self.weights))]})}


def test_production_traffic_counts_healthy_targets_of_weighted_groups_and_every_weight_change():
    from local_aws.controls import Report

    plane = Plane(None)
    plane.add(ShiftingEcs)
    plane.add(FakeElb)
    plane.add(Invariants)
    plane.clock.freeze()
    control(plane, "invariants/mark")
    # the alternate group has no healthy target in FakeElb: weighting it alone leaves nothing behind the rule
    ShiftingEcs.script[:] = [{"arn:tg/web": 90, "arn:tg/alt": 10}, {"arn:tg/web": 90, "arn:tg/alt": 10},
                             {"arn:tg/web": 0, "arn:tg/alt": 100}]
    control(plane, "clock/advance", {"seconds": 0.15, "step": 0.05})
    report = Report(control(plane, "invariants/report"))
    traffic = report.traffic("c", "web")
    assert (traffic["min_production_healthy"], traffic["production_healthy"], traffic["desired"]) == (0, 0, 3)
    assert traffic["below_desired"] >= 1 and traffic["first_below_desired"]["healthy"] == 0
    assert report.weights("c", "web", "arn:tg/alt") == [0, 10, 100]
    assert report.weights("c", "web", "web") == [100, 90, 0]   # by target group name too
    with pytest.raises(KeyError, match="no production traffic recorded for service c/other"):
        report.traffic("c", "other")
