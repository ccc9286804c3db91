"""The production weights of linear and canary deployments, and their ELB form, as the ECS API reference's
LinearConfiguration and CanaryConfiguration describe them (no step bake after 100 percent)."""
import pytest

from local_aws.control_plane.core import Plane
from local_aws.control_plane.ecs_scheduler.traffic import TrafficShifting, _weight_values


class Steps(TrafficShifting):
    def __init__(self):
        self.plane = Plane(None)


@pytest.mark.parametrize("config, steps, bake_minutes", [
    ({"strategy": "BLUE_GREEN"}, [100.0], 0),
    ({"strategy": "LINEAR"}, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0], 6),
    ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 30.0, "stepBakeTimeInMinutes": 2}},
     [30.0, 60.0, 90.0, 100.0], 2),
    ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 33.3}}, [33.3, 66.6, 99.9, 100.0], 6),
    ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 100.0}}, [100.0], 6),
    ({"strategy": "CANARY"}, [5.0, 100.0], 10),
    ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.5, "canaryBakeTimeInMinutes": 0}},
     [0.5, 100.0], 0),
    ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.0}}, [100.0], 10),
])
def test_traffic_steps_follow_the_strategy_and_its_defaults(config, steps, bake_minutes):
    shifting = Steps()
    got, bake = shifting.traffic_steps(config)
    assert got == steps
    assert bake == pytest.approx(shifting.plane.scaled(60 * bake_minutes))


def test_elb_weights_are_whole_percents_or_tenths():
    assert _weight_values({"blue": 90.0, "green": 10.0}) == {"blue": 90, "green": 10}
    assert _weight_values({"blue": 99.5, "green": 0.5}) == {"blue": 995, "green": 5}
    assert _weight_values({"blue": 100.0}) == {"blue": 100}


def test_stages_statuses_and_defaults_are_the_documented_ones():
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from documented import DOCUMENTED

    from local_aws.control_plane.ecs_deployments import HOOK_STAGES
    from local_aws.control_plane.ecs_scheduler import traffic

    documented = DOCUMENTED["ecs_service_deployment"]
    assert list(traffic.STAGES) == documented["lifecycle_stages"]
    assert set(traffic.HOOK_STATUSES) == set(documented["hook_statuses"])
    assert traffic.CALLBACK_DELAY == documented["hook_callback_delay_seconds"]
    assert traffic.LINEAR_DEFAULTS == {k: v["default"] for k, v in documented["linear"].items()}
    assert traffic.CANARY_DEFAULTS == {k: v["default"] for k, v in documented["canary"].items()}
    # every stage a hook may name is a lifecycle stage, but PRE_PRODUCTION_TRAFFIC_SHIFT (run before the first shift)
    assert set(HOOK_STAGES) - set(traffic.STAGES) == {"PRE_PRODUCTION_TRAFFIC_SHIFT"}
