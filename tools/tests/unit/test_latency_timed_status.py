"""TimedStatus and the latency rules on a fake clock (a plain class: moto is not patched)."""
import pytest

from local_aws.control_plane import moto_patch
from local_aws.control_plane.latency import _cluster_rule, _endpoint_rule, _instance_rule, _nat_rule
from local_aws.control_plane.moto_patch import TimedStatus


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 100.0}
    monkeypatch.setattr(moto_patch, "clock", lambda: now["t"])
    monkeypatch.setattr(TimedStatus, "delays", {"nat_gateway_pending": 0.9, "nat_gateway_deleting": 0.6,
                                                "vpc_endpoint_pending": 0.6, "rds_cluster_create": 3.0,
                                                "rds_instance_create": 4.2})
    return now


def resource(rule, attribute="state"):
    cls = type("Resource", (), {})
    TimedStatus(rule).install(cls, attribute)
    return cls()


def test_nat_pending_then_available_then_deleting(clock):
    nat = resource(_nat_rule)
    nat.state = "available"
    assert nat.state == "pending"
    clock["t"] += 0.89
    assert nat.state == "pending"
    clock["t"] += 0.02
    assert nat.state == "available"
    nat.state = "deleted"
    assert nat.state == "deleting"
    clock["t"] += 0.6
    assert nat.state == "deleted"


def test_only_interface_endpoints_wait(clock):
    interface, gateway = resource(_endpoint_rule), resource(_endpoint_rule)
    interface.vpc_endpoint_type, gateway.vpc_endpoint_type = "Interface", "Gateway"
    interface.state = gateway.state = "available"
    assert (interface.state, gateway.state) == ("pending", "available")
    clock["t"] += 0.6
    assert interface.state == "available"


def test_cluster_creating_becomes_available_and_instance_waits_longer(clock):
    cluster, instance = resource(_cluster_rule, "_status"), resource(_instance_rule, "status")
    cluster._status = "creating"
    instance.status = "available"
    assert (cluster._status, instance.status) == ("creating", "creating")
    clock["t"] += 3.0
    assert (cluster._status, instance.status) == ("available", "creating")
    clock["t"] += 1.2
    assert instance.status == "available"
    instance.status = "stopped"
    instance.status = "available"  # a later change shows at once
    assert instance.status == "available"


def test_without_a_plane_moto_values_show_at_once(monkeypatch):
    monkeypatch.setattr(TimedStatus, "delays", None)
    nat = resource(_nat_rule)
    nat.state = "available"
    assert nat.state == "available"
