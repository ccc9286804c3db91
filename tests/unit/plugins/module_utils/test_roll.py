from ansible_collections.cloudops.ecs.plugins.module_utils import roll

TEMPLATE = {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "web", "LatestVersionNumber": 3, "DefaultVersionNumber": 2}


def _instance(iid, version="2", az="us-east-1a", state="InService"):
    return {"InstanceId": iid, "AvailabilityZone": az, "LifecycleState": state,
            "LaunchTemplate": {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "web", "Version": version}}


def _group(instances, version="$Latest", desired=3, maximum=3, tags=None):
    return {"AutoScalingGroupName": "web-asg", "DesiredCapacity": desired, "MaxSize": maximum,
            "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": version},
            "Instances": instances, "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}


def test_state_tag_round_trip():
    value = roll.encode_state(3, 4, 1700000000.7)
    assert value == "desired=3,max=4,started=1700000000"
    assert roll.decode_state(value) == {"desired": 3, "max": 4, "started": 1700000000, "scaling_paused": False}
    paused = roll.encode_state(3, 4, 1700000000, scaling_paused=True)
    assert paused == "desired=3,max=4,started=1700000000,scaling=paused"
    assert roll.decode_state(paused)["scaling_paused"]
    assert roll.decode_state("") is None and roll.decode_state("junk") is None and roll.decode_state("desired=x") is None


def test_version_resolution_and_mixed_instances_policy():
    assert roll.resolve_version("$Latest", TEMPLATE) == "3"
    assert roll.resolve_version("$Default", TEMPLATE) == "2"
    assert roll.resolve_version("5", TEMPLATE) == "5"
    group = {"MixedInstancesPolicy": {"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "web", "Version": "$Latest"}}}}
    assert roll.launch_template_spec(group) == (None, "web", "$Latest")
    assert roll.launch_template_spec({}) == (None, None, None)


def test_plan_rolls_only_outdated_instances_round_robin_over_azs():
    group = _group([_instance("i-1", "2", "us-east-1a"), _instance("i-2", "2", "us-east-1a"),
                    _instance("i-3", "3", "us-east-1b"), _instance("i-4", "2", "us-east-1c"),
                    _instance("i-5", "2", state="Terminating")], desired=4, maximum=4)
    plan = roll.plan_group(group, TEMPLATE, batch_size=2, now=100)
    assert plan["launch_template_version"] == "3"
    assert plan["instance_ids"] == ["i-1", "i-4", "i-2"]
    assert plan["batches"] == [["i-1", "i-4"], ["i-2"]]
    assert plan["original_desired_capacity"] == 4 and not plan["resuming"] and not plan["needs_finish"]


def test_fully_rolled_group_has_nothing_to_do():
    plan = roll.plan_group(_group([_instance("i-1", "3"), _instance("i-2", "3")], desired=2), TEMPLATE)
    assert plan["batches"] == [] and not plan["needs_finish"]


def test_other_template_is_outdated():
    other = _instance("i-1", "3")
    other["LaunchTemplate"]["LaunchTemplateId"] = "lt-old"
    assert roll.outdated(other, "lt-1", "3")


def test_resume_continues_draining_first_and_keeps_original_capacity():
    tags = {roll.ROLL_TAG: roll.encode_state(3, 3, 50)}
    group = _group([_instance("i-1", "2"), _instance("i-2", "2", "us-east-1b"), _instance("i-3", "2", "us-east-1c"),
                    _instance("i-9", "3", "us-east-1c")], desired=4, maximum=4, tags=tags)
    cis = [{"ec2InstanceId": "i-3", "status": "DRAINING"}, {"ec2InstanceId": "i-1", "status": "ACTIVE"}]
    plan = roll.plan_group(group, TEMPLATE, cis, now=100)
    assert plan["resuming"] and plan["started"] == 50
    assert plan["original_desired_capacity"] == 3 and plan["original_max_size"] == 3
    assert plan["instance_ids"][0] == "i-3" and plan["draining_instance_ids"] == ["i-3"]
    assert plan["needs_finish"]


def test_roll_all_uses_launch_time_against_roll_start():
    group = _group([_instance("i-1", "3"), _instance("i-2", "3")], desired=2,
                   tags={roll.ROLL_TAG: roll.encode_state(2, 2, 100)})
    plan = roll.plan_group(group, TEMPLATE, roll_all=True, launch_times={"i-1": 50, "i-2": 150}, now=200)
    assert plan["instance_ids"] == ["i-1"]
    fresh = roll.plan_group(_group([_instance("i-1", "3")], desired=1), TEMPLATE, roll_all=True,
                            launch_times={"i-1": 50}, now=200)
    assert fresh["instance_ids"] == ["i-1"] and fresh["started"] == 200


def test_replacement_capacity_raises_max_only_when_needed_and_adopts_surplus():
    assert roll.replacement_capacity(3, 3, 1, 3, 3) == (4, 4)
    assert roll.replacement_capacity(3, 6, 2, 3, 6) == (5, 6)
    assert roll.replacement_capacity(3, 3, 1, 5, 5) == (5, 5)  # surplus from an interrupted run


def test_capacity_ready_needs_desired_count_and_active_members():
    live = [_instance("i-1"), _instance("i-2"), _instance("i-3")]
    cis = [{"ec2InstanceId": "i-1", "status": "ACTIVE", "agentConnected": True},
           {"ec2InstanceId": "i-2", "status": "DRAINING", "agentConnected": True},
           {"ec2InstanceId": "i-3", "status": "REGISTERING", "agentConnected": False}]
    ready, reasons = roll.capacity_ready(live, cis, 4, draining={"i-2"})
    assert not ready and reasons == ["3 of 4 instances launched", "i-3 is REGISTERING, agent not connected"]
    cis[2].update(status="ACTIVE", agentConnected=True)
    assert roll.capacity_ready(live, cis, 3, draining={"i-2"}) == (True, [])
    assert roll.capacity_ready(live + [_instance("i-4")], cis, 3, {"i-2"})[1] == ["i-4 is not registered in the cluster yet"]


def test_victims_keep_azs_balanced():
    # the group launched the replacement i-9 in us-east-1a: terminate the outdated instance there,
    # even though the plan named the one in us-east-1b
    live = [_instance("i-1", az="us-east-1a"), _instance("i-2", az="us-east-1b"), _instance("i-3", az="us-east-1c"),
            _instance("i-9", "3", az="us-east-1a")]
    assert roll.choose_victims(live, ["i-2", "i-1", "i-3"], 1, preferred=["i-2"]) == ["i-1"]
    # a tie between AZs goes to the planned instance
    live[3]["AvailabilityZone"] = "us-east-1d"
    assert roll.choose_victims(live, ["i-1", "i-2", "i-3"], 1, preferred=["i-2"]) == ["i-2"]
    # draining instances first, whatever their AZ; never more than asked; gone candidates ignored
    assert roll.choose_victims(live, ["i-3", "i-1", "i-7"], 2, draining={"i-3"}) == ["i-3", "i-1"]
    assert roll.choose_victims(live, ["i-7"], 1) == []


def test_surplus_prefers_draining_then_idle():
    group = _group([_instance("i-1", "3"), _instance("i-2", "3"), _instance("i-3", "3"), _instance("i-4", "3")], desired=4)
    cis = [{"ec2InstanceId": "i-1", "runningTasksCount": 2}, {"ec2InstanceId": "i-2", "runningTasksCount": 0},
           {"ec2InstanceId": "i-3", "runningTasksCount": 1, "status": "DRAINING"}, {"ec2InstanceId": "i-4", "runningTasksCount": 2}]
    assert roll.surplus_to_remove(group, cis, 2) == ["i-3", "i-2"]
    assert roll.surplus_to_remove(group, cis, 4) == []


def test_rebalance_victim_only_when_uneven():
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    even = [_instance("i-1", az="us-east-1a"), _instance("i-2", az="us-east-1b"), _instance("i-3", az="us-east-1c")]
    assert roll.rebalance_victim(even, zones) is None
    assert roll.rebalance_victim(even[:2], zones) is None  # 1, 1, 0 is as even as two instances get
    uneven = [_instance("i-1", az="us-east-1a"), _instance("i-2", az="us-east-1a"), _instance("i-3", az="us-east-1b")]
    cis = [{"ec2InstanceId": "i-1", "runningTasksCount": 3}, {"ec2InstanceId": "i-2", "runningTasksCount": 1}]
    assert roll.rebalance_victim(uneven, zones, cis) == "i-2"
    assert roll.rebalance_victim(uneven, zones) == "i-1"
