"""The Plane's clock: real time by default; frozen, advanced and unfrozen by the clock controls."""
import pytest

from local_aws.control_plane.core import Clock, Component, Plane


class FakeSource:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_real_time_by_default_then_frozen_advanced_and_unfrozen():
    source = FakeSource()
    clock = Clock(source)
    source.t += 2.0
    assert clock.now() == 2.0 and not clock.frozen
    clock.freeze()
    source.t += 5.0
    assert clock.now() == 2.0 and clock.frozen
    clock.advance(1.5)
    assert clock.now() == 3.5
    clock.unfreeze()
    assert clock.now() == 3.5  # continues from where it stood, never jumps
    source.t += 1.0
    assert clock.now() == 4.5
    clock.advance(0.5)  # also while running
    assert clock.now() == 5.0


def test_the_clock_never_goes_back():
    clock = Clock(FakeSource())
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


def test_epoch_follows_plane_time():
    clock = Clock(FakeSource())
    clock.freeze()
    before = clock.epoch(clock.now())
    clock.advance(30)
    assert clock.epoch(clock.now()) == pytest.approx(before + 30)


class Recorder(Component):
    name = "recorder"

    def __init__(self, plane):
        super().__init__(plane)
        self.ticks = []

    def tick(self, now):
        self.ticks.append(now)


def test_advance_ticks_every_component_in_steps():
    plane = Plane(None)
    recorder = plane.add(Recorder)
    plane._controls["clock/freeze"]({})
    start = plane.now()
    state = plane._controls["clock/advance"]({"seconds": 0.2, "step": 0.05})
    assert state["frozen"] is True and state["now"] == pytest.approx(start + 0.2)
    assert [round(t - start, 6) for t in recorder.ticks] == [0.05, 0.1, 0.15, 0.2]
    assert plane._controls["clock/unfreeze"]({})["frozen"] is False
    with pytest.raises(ValueError):
        plane._controls["clock/advance"]({"seconds": 1, "step": 0})


def test_default_step_is_the_profile_tick():
    plane = Plane(None)
    recorder = plane.add(Recorder)
    plane.clock.freeze()
    plane._controls["clock/advance"]({"seconds": 0.5})
    assert len(recorder.ticks) == round(0.5 / plane.profile["tick"])
    assert plane.component("recorder") is recorder and plane.component("missing") is None
