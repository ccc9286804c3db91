"""The roll's orchestration against a small in-memory Auto Scaling group and ECS cluster."""
from ansible_collections.cloudops.ecs.plugins.module_utils import roll


class World:
    """One group over 3 AZs; launches land in the AZ with the fewest instances; every instance
    registers ACTIVE at once; draining moves tasks at once."""

    def __init__(self, versions=("1", "1", "1"), desired=3, maximum=3, tags=None, draining=(), policies=(),
                 suspended=()):
        self.n = 0
        self.calls = []
        # a target tracking policy (as ECS managed scaling makes) scales back to `desired` on every capacity
        # change while the group acts on its alarms
        self.policies = list(policies)
        self.tracked = desired
        self.group = {"AutoScalingGroupName": "g", "DesiredCapacity": desired, "MaxSize": maximum, "MinSize": desired,
                      "AvailabilityZones": ["a", "b", "c"], "Instances": [],
                      "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "$Latest"},
                      "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
                      "SuspendedProcesses": [{"ProcessName": p, "SuspensionReason": "User suspended"} for p in suspended]}
        self.cis = {}
        for index, version in enumerate(versions):
            self._launch(version, "abc"[index % 3])
        for instance_id in draining:
            self.cis[instance_id].update(status="DRAINING", runningTasksCount=1)  # one task still leaving

    # -- helpers
    def _launch(self, version="2", zone=None):
        self.n += 1
        instance_id = "i-%d" % self.n
        if zone is None:
            counts = {z: 0 for z in self.group["AvailabilityZones"]}
            for i in self.group["Instances"]:
                counts[i["AvailabilityZone"]] += 1
            zone = min(sorted(counts), key=lambda z: counts[z])
        self.group["Instances"].append({"InstanceId": instance_id, "AvailabilityZone": zone, "LifecycleState": "InService",
                                        "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": version}})
        self.cis[instance_id] = {"containerInstanceArn": "arn:ci/" + instance_id, "ec2InstanceId": instance_id,
                                 "status": "ACTIVE", "agentConnected": True, "runningTasksCount": 2,
                                 "pendingTasksCount": 0}

    def _converge(self):
        while len(self.group["Instances"]) < self.group["DesiredCapacity"]:
            self._launch()

    # -- autoscaling
    def describe_auto_scaling_groups(self, aws_retry=False, AutoScalingGroupNames=None):
        return {"AutoScalingGroups": [self.group]}

    def create_or_update_tags(self, aws_retry=False, Tags=None):
        self.calls.append("tag")
        self.group["Tags"] = [t for t in self.group["Tags"] if t["Key"] != Tags[0]["Key"]] + [
            {"Key": Tags[0]["Key"], "Value": Tags[0]["Value"]}]

    def delete_tags(self, aws_retry=False, Tags=None):
        self.calls.append("untag")
        self.group["Tags"] = [t for t in self.group["Tags"] if t["Key"] != Tags[0]["Key"]]

    def update_auto_scaling_group(self, aws_retry=False, AutoScalingGroupName=None, DesiredCapacity=None, MaxSize=None):
        self.calls.append("capacity %d/%d" % (DesiredCapacity, MaxSize))
        self.group.update(DesiredCapacity=DesiredCapacity, MaxSize=MaxSize)
        self._converge()
        if self.policies and "AlarmNotification" not in roll.suspended_processes(self.group):
            self.group["DesiredCapacity"] = self.tracked  # the policy scales the empty replacement back in
            del self.group["Instances"][self.tracked:]
            self.calls.append("policy scaled in")

    def describe_policies(self, aws_retry=False, AutoScalingGroupName=None):
        return {"ScalingPolicies": [{"PolicyName": p, "AutoScalingGroupName": "g"} for p in self.policies]}

    def suspend_processes(self, aws_retry=False, AutoScalingGroupName=None, ScalingProcesses=None):
        self.calls.append("suspend " + ",".join(ScalingProcesses))
        self.group["SuspendedProcesses"] += [{"ProcessName": p} for p in ScalingProcesses]

    def resume_processes(self, aws_retry=False, AutoScalingGroupName=None, ScalingProcesses=None):
        self.calls.append("resume " + ",".join(ScalingProcesses))
        self.group["SuspendedProcesses"] = [p for p in self.group["SuspendedProcesses"]
                                            if p["ProcessName"] not in ScalingProcesses]

    def set_instance_protection(self, **kwargs):
        pass

    def terminate_instance_in_auto_scaling_group(self, aws_retry=False, InstanceId=None, ShouldDecrementDesiredCapacity=None):
        assert ShouldDecrementDesiredCapacity
        assert self.cis[InstanceId]["runningTasksCount"] == 0, "terminated before its tasks moved"
        active_others = [c for i, c in self.cis.items() if i != InstanceId and c["status"] == "ACTIVE"]
        assert len(active_others) >= 3, "capacity short"
        self.calls.append("terminate " + InstanceId)
        self.group["Instances"] = [i for i in self.group["Instances"] if i["InstanceId"] != InstanceId]
        self.group["DesiredCapacity"] -= 1
        del self.cis[InstanceId]

    # -- ecs
    def list_container_instances(self, aws_retry=False, cluster=None, status=None, nextToken=None, maxResults=None):
        return {"containerInstanceArns": [c["containerInstanceArn"] for c in self.cis.values() if c["status"] == status]}

    def describe_container_instances(self, aws_retry=False, cluster=None, containerInstances=None):
        return {"containerInstances": [c for c in self.cis.values() if c["containerInstanceArn"] in containerInstances]}

    def update_container_instances_state(self, aws_retry=False, cluster=None, containerInstances=None, status=None):
        for ci in self.cis.values():
            if ci["containerInstanceArn"] in containerInstances:
                self.calls.append("drain " + ci["ec2InstanceId"])
                ci.update(status=status, runningTasksCount=0)
        return {"failures": []}

    def deregister_container_instance(self, **kwargs):
        pass

    def list_tasks(self, aws_retry=False, cluster=None, desiredStatus=None, containerInstance=None, nextToken=None,
                   maxResults=None):
        # the task still counted on a draining instance has stopped by the time it is listed
        for ci in self.cis.values():
            if ci["containerInstanceArn"] == containerInstance:
                ci["runningTasksCount"] = 0
        return {"taskArns": []}

    def list_services(self, aws_retry=False, cluster=None, nextToken=None, maxResults=None):
        return {"serviceArns": []}

    # -- ec2
    def describe_launch_templates(self, aws_retry=False, LaunchTemplateIds=None, LaunchTemplateNames=None):
        return {"LaunchTemplates": [{"LaunchTemplateId": "lt-1", "LaunchTemplateName": "web", "LatestVersionNumber": 2,
                                     "DefaultVersionNumber": 1}]}


def _roller(world):
    clients = {"autoscaling": world, "ecs": world, "ec2": world, "elbv2": world}
    return roll.Roller(clients, "c", "g", boot_timeout=5, drain_timeout=5, health_timeout=5, sleep=lambda s: None)


def _versions(world):
    return sorted((i["AvailabilityZone"], i["LaunchTemplate"]["Version"]) for i in world.group["Instances"])


def test_full_roll_replacement_first_then_drain_then_terminate():
    world = World()
    roller = _roller(world)
    replaced = []
    for planned in (["i-1"], ["i-2"], ["i-3"]):
        replaced.extend(roller.replace(planned))
    assert sorted(replaced) == ["i-1", "i-2", "i-3"]
    assert world.calls[:4] == ["tag", "capacity 4/4", "drain i-1", "terminate i-1"]
    assert roller.finish()
    assert _versions(world) == [("a", "2"), ("b", "2"), ("c", "2")]
    assert world.group["DesiredCapacity"] == 3 and world.group["MaxSize"] == 3
    assert world.calls[-1] == "untag" and roll.ROLL_TAG not in {t["Key"] for t in world.group["Tags"]}
    assert roller.replace(["i-1"]) == [] and not _roller(world).finish()  # fully rolled: nothing to do


def test_resume_finishes_the_draining_instance_and_adopts_the_surplus():
    # an interrupted run raised desired to 4 (i-4 launched, current version) and started draining i-2
    world = World(tags={roll.ROLL_TAG: roll.encode_state(3, 3, 0)}, desired=3, draining=["i-2"])
    world.group.update(DesiredCapacity=4, MaxSize=4)
    world._converge()
    roller = _roller(world)
    assert roller.replace(["i-1"]) == ["i-2"]  # the draining one first, whatever was planned
    assert "capacity" not in " ".join(world.calls)  # the surplus instance was adopted, no new launch
    assert roller.replace(["i-3"]) and roller.replace(["i-1"])
    assert roller.finish()
    assert [v for _key, v in _versions(world)] == ["2", "2", "2"]
    assert world.group["DesiredCapacity"] == 3 and world.group["MaxSize"] == 3


def test_scaling_policies_paused_for_the_roll_and_resumed_at_the_end():
    """ECS managed scaling's target tracking policy would scale the replacement back in: the roll suspends
    AlarmNotification (recorded in its tag first) before raising the capacity, and resumes it at the end."""
    world = World(policies=["ECSManagedAutoScalingPolicy-1"])
    roller = _roller(world)
    assert roller.replace(["i-1"]) == ["i-1"]
    assert world.calls[:4] == ["tag", "suspend AlarmNotification", "capacity 4/4", "drain i-1"]
    assert "policy scaled in" not in world.calls
    assert roll.decode_state(roll.group_tags(world.group)[roll.ROLL_TAG])["scaling_paused"]
    roller.replace(["i-2"])
    roller.replace(["i-3"])
    assert roller.finish()
    assert world.calls[-2:] == ["resume AlarmNotification", "untag"]
    assert roll.suspended_processes(world.group) == set()


def test_failed_batch_restores_scaling_and_a_rerun_pauses_it_again():
    world = World(policies=["ECSManagedAutoScalingPolicy-1"])
    roller = _roller(world)
    roller.replace(["i-1"])
    assert roller.resume_scaling(keep_tag=True)  # what the role does when a batch fails
    assert roll.suspended_processes(world.group) == set()
    state = roll.decode_state(roll.group_tags(world.group)[roll.ROLL_TAG])
    assert state["desired"] == 3 and not state["scaling_paused"]
    assert not _roller(world).resume_scaling()  # nothing left to resume
    again = _roller(world)
    assert again.replace(["i-2"]) == ["i-2"]
    assert "AlarmNotification" in roll.suspended_processes(world.group)
    again.replace(["i-3"])
    assert again.finish() and roll.suspended_processes(world.group) == set()


def test_a_suspension_the_roll_did_not_make_is_left_alone():
    world = World(policies=["step-policy"], suspended=["AlarmNotification"])
    roller = _roller(world)
    for planned in (["i-1"], ["i-2"], ["i-3"]):
        roller.replace(planned)
    assert roller.finish()
    assert not [c for c in world.calls if c.startswith(("suspend", "resume"))]
    assert roll.suspended_processes(world.group) == {"AlarmNotification"}


def test_group_without_policies_is_not_suspended():
    world = World()
    roller = _roller(world)
    roller.replace(["i-1"])
    assert not [c for c in world.calls if c.startswith("suspend")]


def test_progress_line_per_instance_launched_registered_drained_terminated():
    world = World()
    lines = []
    roller = roll.Roller({"autoscaling": world, "ecs": world, "ec2": world, "elbv2": world}, "c", "g", boot_timeout=5,
                         drain_timeout=5, health_timeout=5, sleep=lambda s: None, progress=lines.append)
    roller.replace(["i-1"])
    assert lines == ["g: desired 3 -> 4, max 3 -> 4", "g: launched i-4 in a", "g: registered i-4: ACTIVE, agent connected",
                     "g: draining i-1 (2 running tasks)", "g: drained i-1; services steady, targets healthy",
                     "g: terminating i-1", "g: terminated i-1"]


def test_an_open_wait_says_what_it_still_waits_for():
    world = World()
    now = [0.0]
    lines = []
    roller = roll.Roller({"autoscaling": world, "ecs": world, "ec2": world, "elbv2": world}, "c", "g", boot_timeout=60,
                         clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s), progress=lines.append)
    world.cis["i-2"]["agentConnected"] = False
    try:
        roller.wait_capacity(3, (), "batch i-1")
    except roll.RollError as error:
        assert "i-2 is ACTIVE, agent not connected" in str(error)
    waits = [line for line in lines if line.startswith("g: waiting for batch i-1: replacement ACTIVE")]
    assert len(waits) >= 2 and "i-2 is ACTIVE, agent not connected" in waits[0]
