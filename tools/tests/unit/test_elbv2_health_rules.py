"""The ELBv2 target health state machine on a fake clock (no server, nothing patched)."""
from types import SimpleNamespace

import pytest

from local_aws.control_plane.elbv2 import ElbV2, Target

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"


@pytest.fixture
def health():
    clock = {"now": 0.0}
    plane = SimpleNamespace(now=lambda: clock["now"], scaled=lambda seconds: float(seconds) / 100)
    component = ElbV2.__new__(ElbV2)  # without _install: moto stays untouched
    component.plane, component.targets, component.overrides = plane, {}, {}
    group = SimpleNamespace(
        arn=TG, load_balancer_arns=["arn:lb"], health_check_interval_seconds=30, healthy_threshold_count="5",
        unhealthy_threshold_count="2", health_check_enabled=True, health_check_protocol="HTTP",
        target_type="ip", port=80, attributes={"deregistration_delay.timeout_seconds": 300},
    )

    def at(now, key=("10.0.0.1", 8080)):
        clock["now"] = now
        component._advance(group, now)
        target = component.targets[TG].get(key)
        return component._describe(group, target, now)[:2] if target else None

    def register(key=("10.0.0.1", 8080)):
        component.targets.setdefault(TG, {})[key] = Target(key[0], key[1], clock["now"])
        component._advance(group, clock["now"])  # as RegisterTargets does

    return SimpleNamespace(component=component, group=group, at=at, register=register, clock=clock)


def test_initial_then_healthy_after_interval_times_healthy_threshold(health):
    health.register()
    assert health.at(0.0) == ("initial", "Elb.RegistrationInProgress")
    assert health.at(0.29) == ("initial", "Elb.RegistrationInProgress")
    assert health.at(0.31) == ("initial", "Elb.InitialHealthChecking")
    assert health.at(1.49) == ("initial", "Elb.InitialHealthChecking")
    assert health.at(1.5) == ("healthy", None)


def test_unhealthy_after_unhealthy_threshold_and_back(health):
    health.register()
    health.at(2.0)
    health.component._set_target_health({"target_id": "10.0.0.1", "port": 8080, "state": "unhealthy"})
    assert health.at(2.0) == ("healthy", None)
    assert health.at(2.59) == ("healthy", None)
    assert health.at(2.6) == ("unhealthy", "Target.ResponseCodeMismatch")
    health.group.health_check_protocol = "TCP"
    assert health.at(2.7) == ("unhealthy", "Target.FailedHealthChecks")
    health.component._set_target_health({"target_group_arn": TG, "target_id": "10.0.0.1", "state": "healthy"})
    assert health.at(4.19) == ("unhealthy", "Target.FailedHealthChecks")
    assert health.at(4.2) == ("healthy", None)


def test_override_matches_only_its_port_and_group(health):
    health.register()
    health.register(("10.0.0.1", 8081))
    answer = health.component._set_target_health({"target_id": "10.0.0.1", "port": 8081, "state": "unhealthy"})
    assert answer["matched"] == 1
    assert health.at(2.0, ("10.0.0.1", 8080)) == ("healthy", None)
    assert health.at(2.0, ("10.0.0.1", 8081)) == ("unhealthy", "Target.ResponseCodeMismatch")
    other = health.component._set_target_health(
        {"target_group_arn": TG + "x", "target_id": "10.0.0.1", "state": "unhealthy"})
    assert other["matched"] == 0


def test_unused_without_load_balancer_and_checks_restart_when_attached(health):
    health.group.load_balancer_arns = []
    health.register()
    assert health.at(5.0) == ("unused", "Target.NotInUse")
    health.group.load_balancer_arns = ["arn:lb"]
    assert health.at(6.0) == ("initial", "Elb.RegistrationInProgress")
    assert health.at(7.5) == ("healthy", None)


def test_draining_for_the_delay_then_gone_and_disabled_checks(health):
    health.register()
    health.at(2.0)
    health.component.targets[TG][("10.0.0.1", 8080)].drain_until = 2.0 + 3.0
    assert health.at(4.99) == ("draining", "Target.DeregistrationInProgress")
    assert health.at(5.0) is None
    health.register()
    health.group.health_check_enabled = False
    assert health.at(5.1) == ("unavailable", "Target.HealthCheckDisabled")


def test_bad_control_state_is_rejected(health):
    with pytest.raises(ValueError):
        health.component._set_target_health({"target_id": "10.0.0.1", "state": "draining"})
