"""The invariant recorder on a plane of fake components: every tick and request is an observation, so a
dip that lasts one step is recorded; nothing before a mark."""
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
    assert report["observations"] >= 3 * len(plane.components)  # after every component of every tick


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
