"""Auto Scaling rules as pure functions: bounds messages, termination order, mixed instances type."""
from types import SimpleNamespace

from local_aws.control_plane.autoscaling import _capacity_cause, _check_desired, _instance_type, _version_rank


def test_desired_bounds_messages_are_aws_messages():
    assert _check_desired(9, 0, 8, "set") == "New SetDesiredCapacity value 9 is above max value 8 for the AutoScalingGroup."
    assert _check_desired(0, 1, 8, "set") == "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup."
    assert _check_desired(8, 0, 8, "set") is None
    assert _check_desired(12, 0, 8, "update") == "Desired capacity:12 must be between the specified min size:0 and max size:8"
    assert _check_desired(3, 1, 8, "update") is None


def test_instances_off_the_current_version_go_first_oldest_version_first():
    current = SimpleNamespace(number=3)
    states = {name: SimpleNamespace(lp_version=v) for name, v in (("v1", "1"), ("v2", "2"), ("v3", "3"))}
    order = sorted(states, key=lambda n: _version_rank(states[n], current))
    assert order == ["v1", "v2", "v3"]
    assert _version_rank(SimpleNamespace(), current) == (1, 0)  # launched from a launch configuration


def test_mixed_instances_policy_launches_the_first_override():
    version = SimpleNamespace(instance_type="t3.micro")
    group = SimpleNamespace(mixed_instances_policy={"LaunchTemplate": {"Overrides": [
        {"InstanceType": "m6i.large"}, {"InstanceType": "m5.large"}]}}, instance_type=None)
    assert _instance_type(group, version) == "m6i.large"
    group.mixed_instances_policy = None
    assert _instance_type(group, version) == "t3.micro"


def test_capacity_cause_wording():
    assert _capacity_cause("shrinking", 8, 4).endswith(
        "an instance was taken out of service in response to a difference between desired and actual capacity, "
        "shrinking the capacity from 8 to 4.")
    assert "an instance was started in response to a difference" in _capacity_cause("increasing", 0, 2)
