"""Auto Scaling rules as pure functions: bounds messages, termination order, mixed instances type, instance
refresh preferences."""
from types import SimpleNamespace

from local_aws.control_plane.autoscaling import (
    _capacity_cause,
    _check_desired,
    _instance_type,
    _version_rank,
    refresh_preferences,
    xml_struct,
)


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


def test_instance_refresh_preferences_take_the_documented_defaults_and_limits():
    group = SimpleNamespace(health_check_grace_period=300)
    preferences, error = refresh_preferences({}, group)
    assert error is None
    assert (preferences["MinHealthyPercentage"], preferences["MaxHealthyPercentage"]) == (90, 100)
    assert preferences["ScaleInProtectedInstances"] == "Wait" and preferences["StandbyInstances"] == "Wait"
    assert preferences["InstanceWarmup"] == 300  # no DefaultInstanceWarmup: the health check grace period
    checkpoints, _error = refresh_preferences({"Preferences.CheckpointPercentages.member.1": "50",
                                               "Preferences.CheckpointPercentages.member.2": "100"}, group)
    assert checkpoints["CheckpointPercentages"] == [50, 100] and checkpoints["CheckpointDelay"] == 3600
    refused = [
        {"Preferences.MaxHealthyPercentage": "150"},
        {"Preferences.MinHealthyPercentage": "50", "Preferences.MaxHealthyPercentage": "160"},
        {"Preferences.MinHealthyPercentage": "90", "Preferences.MaxHealthyPercentage": "201"},
        {"Preferences.CheckpointDelay": "60"},
        {"Preferences.CheckpointPercentages.member.1": "60", "Preferences.CheckpointPercentages.member.2": "50"},
        {"Preferences.ScaleInProtectedInstances": "Skip"},
        {"Preferences.AutoRollback": "true"},
    ]
    for params in refused:
        assert refresh_preferences(params, group)[0] is None, params


def test_query_xml_of_nested_values():
    assert xml_struct("P", {"A": 1, "B": [50, 100], "C": None, "D": True, "E": {"F": "x"}}) == (
        "<P><A>1</A><B><member>50</member><member>100</member></B><D>true</D><E><F>x</F></E></P>")
