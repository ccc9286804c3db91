"""Groups rolled in parallel: the steps a plan makes of the groups' batches (pure), and a step's sequence
against an in-memory cluster of several Auto Scaling groups (replacements launched in every group and
waited for together, drains together, terminations together; fewer groups at once when the spare capacity
does not take the tasks of all of them; resumed after a kill)."""
import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils import roll, waiter

TASK = 512  # CPU units and MiB of one task


def _ci(instance_id, cpu=2048, tasks=0, status="ACTIVE", instance_type=None):
    used = tasks * TASK
    item = {"ec2InstanceId": instance_id, "status": status, "runningTasksCount": tasks,
            "registeredResources": [{"name": "CPU", "integerValue": cpu}, {"name": "MEMORY", "integerValue": cpu},
                                    {"name": "PORTS", "stringSetValue": []}],
            "remainingResources": [{"name": "CPU", "integerValue": cpu - used}, {"name": "MEMORY", "integerValue": cpu - used}]}
    if instance_type:
        item["attributes"] = [{"name": "ecs.instance-type", "value": instance_type}]
    return item


def _plan(name, batches, draining=()):
    return {"auto_scaling_group_name": name, "batches": [list(b) for b in batches], "draining_instance_ids": list(draining)}


# -- planning (pure) ---------------------------------------------------------------------------------------

def test_resources_used_and_remaining():
    ci = _ci("i-1", cpu=2048, tasks=3)
    assert roll.resources(ci) == {"CPU": 2048, "MEMORY": 2048}
    assert roll.resources(ci, "remainingResources") == {"CPU": 512, "MEMORY": 512}
    assert roll.used_resources(ci) == {"CPU": 1536, "MEMORY": 1536}
    assert roll.resources({}) == {"CPU": 0, "MEMORY": 0}


def test_replacement_estimate_from_a_registered_instance_of_the_type_else_the_type():
    item = {"InstanceType": "m5.large", "VCpuInfo": {"DefaultVCpus": 2}, "MemoryInfo": {"SizeInMiB": 8192}}
    assert roll.type_resources(item) == {"CPU": 2048, "MEMORY": 7372}  # 90% of the memory: errs on the small side
    registered = [_ci("i-1", cpu=2048, instance_type="m5.large"), _ci("i-2", cpu=4096, instance_type="m5.xlarge")]
    assert roll.type_resources(item, registered) == {"CPU": 2048, "MEMORY": 2048}


def test_drain_capacity_counts_what_stays_and_the_replacements():
    cis = [_ci("i-1", tasks=4), _ci("i-2", tasks=4), _ci("i-3", tasks=1), _ci("i-4", tasks=0, status="DRAINING")]
    fits, needed, spare = roll.drain_capacity(cis, ["i-1", "i-2"])
    assert (fits, needed["CPU"], spare["CPU"]) == (False, 4096, 1536)  # a DRAINING instance is no spare capacity
    fits, needed, spare = roll.drain_capacity(cis, ["i-1", "i-2"], [{"CPU": 2048, "MEMORY": 2048}] * 2)
    assert (fits, spare["CPU"]) == (True, 5632)
    # an instance replaced in an earlier step by a smaller one: its replacement took its tasks
    rolled = [(_ci("i-0", tasks=4), {"CPU": 2048, "MEMORY": 2048}), (_ci("i-9", tasks=4), {"CPU": 1024, "MEMORY": 1024})]
    assert roll.drain_capacity(cis, ["i-3"], [], rolled)[1:] == ({"CPU": 512, "MEMORY": 512}, {"CPU": -1024, "MEMORY": -1024})


def test_without_parallel_every_step_is_one_batch_group_after_group():
    plans = [_plan("a", [["i-1"], ["i-2"]]), _plan("b", [["i-3"]]), _plan("c", [])]
    steps = roll.plan_steps(plans, parallel=False)
    assert [s["batches"] for s in steps] == [
        [{"auto_scaling_group_name": "a", "instance_ids": ["i-1"]}], [{"auto_scaling_group_name": "a", "instance_ids": ["i-2"]}],
        [{"auto_scaling_group_name": "b", "instance_ids": ["i-3"]}]]
    assert [s["label"] for s in steps] == ["1/3", "2/3", "3/3"]
    assert steps[0]["summary"] == "step 1/3: a i-1"


def test_parallel_steps_take_the_next_batch_of_every_group():
    cis = [_ci(i, tasks=2) for i in ("i-1", "i-2", "i-3", "i-4", "i-5")]
    plans = [_plan("a", [["i-1", "i-2"], ["i-3"]]), _plan("b", [["i-4"], ["i-5"]])]
    steps = roll.plan_steps(plans, cis, parallel=True)
    assert [s["auto_scaling_group_names"] for s in steps] == [["a", "b"], ["a", "b"]]
    assert [s["instance_ids"] for s in steps] == [["i-1", "i-2", "i-4"], ["i-3", "i-5"]]
    assert all(s["fits"] and not s["deferred"] for s in steps)
    assert steps[0]["needed"] == {"CPU": 3072, "MEMORY": 3072}
    assert steps[0]["summary"].startswith("step 1/2: a i-1, i-2 with b i-4 together (tasks to move 3072 CPU units")
    assert roll.plan_steps([_plan("a", [["i-1"]]), _plan("b", [])], cis)[0]["summary"] == "step 1/1: a i-1"


def test_a_group_whose_batch_does_not_fit_waits_and_goes_first_in_the_next_step():
    # full instances of 2048; the new launch template makes smaller instances (1024): a replacement takes half
    # the tasks of the instance it replaces. c is an instance on the current version with 1024 spare.
    cis = [_ci("i-1", tasks=4), _ci("i-2", tasks=4), _ci("i-3", tasks=4), _ci("i-4", tasks=4), _ci("c-1", tasks=2)]
    small = {"CPU": 1024, "MEMORY": 1024}
    plans = [_plan("a", [["i-1"], ["i-2"]]), _plan("b", [["i-3"], ["i-4"]])]
    steps = roll.plan_steps(plans, cis, {"a": small, "b": small}, parallel=True)
    first = steps[0]
    assert first["auto_scaling_group_names"] == ["a"] and first["fits"]
    assert first["deferred"][0]["auto_scaling_group_name"] == "b"
    assert "tasks to move 4096 CPU units, 4096 MiB; spare 3072 CPU units" in first["deferred"][0]["reason"]
    assert "; b waits: with it the step would need more than the spare capacity" in first["summary"]
    assert steps[1]["batches"][0]["auto_scaling_group_name"] == "b"  # the group that waited goes first
    # the smaller replacements leave the cluster short from then on: the plan says so, one group at a time
    assert [s["auto_scaling_group_names"] for s in steps] == [["a"], ["b"], ["a"], ["b"]]
    assert not steps[1]["fits"] and "short, the drain may wait for capacity" in steps[1]["summary"]
    assert sorted(i for s in steps for i in s["instance_ids"]) == ["i-1", "i-2", "i-3", "i-4"]
    # the same fleet replaced by instances as large as the old ones: every step holds both groups
    same = roll.plan_steps(plans, cis, parallel=True)
    assert [s["auto_scaling_group_names"] for s in same] == [["a", "b"], ["a", "b"]]


def test_finishing_interrupted_drains_is_a_step_of_its_own():
    cis = [_ci(i, tasks=1) for i in ("i-1", "i-2", "i-3", "i-4")]
    plans = [_plan("a", [["i-1"], ["i-2"]], draining=["i-1"]), _plan("b", [["i-3"], ["i-4"]]),
             _plan("c", [["i-5"]], draining=["i-5"])]
    steps = roll.plan_steps(plans, cis, parallel=True)
    assert steps[0]["auto_scaling_group_names"] == ["a", "c"] and steps[0]["resuming"]
    assert "(finishing an interrupted drain)" in steps[0]["summary"]
    assert [s["auto_scaling_group_names"] for s in steps[1:]] == [["a", "b"], ["b"]]
    assert not any(s["resuming"] for s in steps[1:])


def test_next_drain_set_at_run_time():
    cis = [_ci("i-1", tasks=4), _ci("i-3", tasks=4), _ci("n-1", tasks=0), _ci("n-3", cpu=1024, tasks=0)]
    assert roll.next_drain_set(cis, [("a", ["i-1"]), ("b", ["i-3"])]) == ["a"]  # 4096 to move, 3072 spare
    cis[3] = _ci("n-3", tasks=0)
    assert roll.next_drain_set(cis, [("a", ["i-1"]), ("b", ["i-3"])]) == ["a", "b"]
    assert roll.next_drain_set([], [("a", ["i-1"])]) == ["a"]


# -- the sequence against an in-memory cluster ---------------------------------------------------------------

class Killed(Exception):
    """Stands for the roll's process being killed."""


class Fleet:
    """Auto Scaling groups over 3 AZs in one ECS cluster. A launched instance registers ACTIVE after `boot`
    reads of the container instances; every instance has `cpu` CPU units and as many MiB, `reserved` of them
    taken by what does not move (a daemon task, say); the service's tasks take 512 of each. Draining moves a
    drained instance's tasks to ACTIVE instances with room (first fit) and records the tasks it could not place:
    those would take the service below its minimum."""

    def __init__(self, sizes, tasks=2, cpu=2048, new_cpu=2048, boot=2, policies=True, reserved=0):
        self.sizes, self.boot, self.new_cpu, self.reserved = dict(sizes), boot, new_cpu, reserved
        self.events, self.unplaced, self.kill_on = [], [], None
        self.n = 0
        self.groups, self.cis, self.booting = {}, {}, {}
        self.policies = policies
        for name, size in sizes.items():
            self.groups[name] = {"AutoScalingGroupName": name, "DesiredCapacity": size, "MaxSize": size, "MinSize": size,
                                 "AvailabilityZones": ["a", "b", "c"], "Instances": [], "Tags": [], "SuspendedProcesses": [],
                                 "LaunchTemplate": {"LaunchTemplateId": "lt-" + name, "Version": "$Latest"}}
            for index in range(size):
                self._launch(name, "1", "abc"[index % 3], cpu, tasks, booted=True)

    def _launch(self, name, version, zone, cpu, tasks, booted=False):
        self.n += 1
        instance_id = "%s-%d" % (name, self.n)
        group = self.groups[name]
        if zone is None:
            counts = {z: 0 for z in group["AvailabilityZones"]}
            for i in group["Instances"]:
                counts[i["AvailabilityZone"]] += 1
            zone = min(sorted(counts), key=lambda z: counts[z])
        group["Instances"].append({"InstanceId": instance_id, "AvailabilityZone": zone, "LifecycleState": "InService",
                                   "LaunchTemplate": {"LaunchTemplateId": "lt-" + name, "Version": version}})
        ci = {"containerInstanceArn": "arn:ci/" + instance_id, "ec2InstanceId": instance_id, "status": "ACTIVE",
              "agentConnected": True, "runningTasksCount": tasks, "pendingTasksCount": 0, "cpu": cpu}
        if booted:
            self.cis[instance_id] = ci
        else:
            self.booting[instance_id] = [self.boot, ci]

    def _resources(self, ci):
        free = ci["cpu"] - ci["runningTasksCount"] * TASK - self.reserved
        ci["registeredResources"] = [{"name": "CPU", "integerValue": ci["cpu"]}, {"name": "MEMORY", "integerValue": ci["cpu"]}]
        ci["remainingResources"] = [{"name": "CPU", "integerValue": free}, {"name": "MEMORY", "integerValue": free}]
        return ci

    def live(self, name):
        return [i["InstanceId"] for i in self.groups[name]["Instances"]]

    def versions(self, name):
        return sorted(i["LaunchTemplate"]["Version"] for i in self.groups[name]["Instances"])

    def state(self, name):
        return roll.decode_state(roll.group_tags(self.groups[name]).get(roll.ROLL_TAG))

    # -- autoscaling
    def describe_auto_scaling_groups(self, aws_retry=False, AutoScalingGroupNames=None):
        return {"AutoScalingGroups": [self.groups[n] for n in AutoScalingGroupNames if n in self.groups]}

    def _group_of(self, resource_id):
        return self.groups[resource_id]

    def create_or_update_tags(self, aws_retry=False, Tags=None):
        group = self._group_of(Tags[0]["ResourceId"])
        group["Tags"] = [t for t in group["Tags"] if t["Key"] != Tags[0]["Key"]] + [
            {"Key": Tags[0]["Key"], "Value": Tags[0]["Value"]}]

    def delete_tags(self, aws_retry=False, Tags=None):
        group = self._group_of(Tags[0]["ResourceId"])
        group["Tags"] = [t for t in group["Tags"] if t["Key"] != Tags[0]["Key"]]

    def update_auto_scaling_group(self, aws_retry=False, AutoScalingGroupName=None, DesiredCapacity=None, MaxSize=None):
        group = self.groups[AutoScalingGroupName]
        assert self.policies is False or "AlarmNotification" in roll.suspended_processes(group), "scaling not paused"
        self.events.append("capacity %s %d" % (AutoScalingGroupName, DesiredCapacity))
        group.update(DesiredCapacity=DesiredCapacity, MaxSize=MaxSize)
        while len(group["Instances"]) < DesiredCapacity:
            self._launch(AutoScalingGroupName, "2", None, self.new_cpu, 0)

    def describe_policies(self, aws_retry=False, AutoScalingGroupName=None):
        policies = [{"PolicyName": "ECSManagedAutoScalingPolicy-" + AutoScalingGroupName,
                     "AutoScalingGroupName": AutoScalingGroupName}] if self.policies else []
        return {"ScalingPolicies": policies}

    def suspend_processes(self, aws_retry=False, AutoScalingGroupName=None, ScalingProcesses=None):
        self.groups[AutoScalingGroupName]["SuspendedProcesses"] += [{"ProcessName": p} for p in ScalingProcesses]

    def resume_processes(self, aws_retry=False, AutoScalingGroupName=None, ScalingProcesses=None):
        group = self.groups[AutoScalingGroupName]
        group["SuspendedProcesses"] = [p for p in group["SuspendedProcesses"] if p["ProcessName"] not in ScalingProcesses]

    def set_instance_protection(self, **kwargs):
        pass

    def terminate_instance_in_auto_scaling_group(self, aws_retry=False, InstanceId=None, ShouldDecrementDesiredCapacity=None):
        if self.kill_on == "terminate":
            raise Killed()
        assert ShouldDecrementDesiredCapacity
        assert self.cis[InstanceId]["runningTasksCount"] == 0, "terminated before its tasks moved"
        self.events.append("terminate " + InstanceId)
        for group in self.groups.values():
            if InstanceId in [i["InstanceId"] for i in group["Instances"]]:
                group["Instances"] = [i for i in group["Instances"] if i["InstanceId"] != InstanceId]
                group["DesiredCapacity"] -= 1
        del self.cis[InstanceId]

    # -- ecs
    def list_container_instances(self, aws_retry=False, cluster=None, status=None, nextToken=None, maxResults=None):
        if status == "ACTIVE":
            for instance_id, entry in list(self.booting.items()):
                entry[0] -= 1
                if entry[0] <= 0:
                    self.cis[instance_id] = entry[1]
                    del self.booting[instance_id]
                    self.events.append("active " + instance_id)
        return {"containerInstanceArns": [c["containerInstanceArn"] for c in self.cis.values() if c["status"] == status]}

    def describe_container_instances(self, aws_retry=False, cluster=None, containerInstances=None):
        return {"containerInstances": [self._resources(c) for c in self.cis.values()
                                       if c["containerInstanceArn"] in containerInstances]}

    def update_container_instances_state(self, aws_retry=False, cluster=None, containerInstances=None, status=None):
        drained = [c for c in self.cis.values() if c["containerInstanceArn"] in containerInstances]
        self.events.append("drain " + ", ".join(c["ec2InstanceId"] for c in drained))
        for name in self.groups:  # every replacement is up before an old instance drains
            assert len(self.groups[name]["Instances"]) >= self.groups[name]["DesiredCapacity"]
        assert not [b for b in self.booting if any(b in self.live(n) for n in self.groups)], "drained before ACTIVE"
        for ci in drained:
            ci["status"] = status
        for ci in drained:
            while ci["runningTasksCount"]:
                room = [c for c in self.cis.values() if c["status"] == "ACTIVE"
                        and c["cpu"] - c["runningTasksCount"] * TASK - self.reserved >= TASK]
                if not room:
                    self.unplaced.append(ci["ec2InstanceId"])
                    break
                room[0]["runningTasksCount"] += 1
                ci["runningTasksCount"] -= 1
        if self.kill_on == "drain":
            raise Killed()
        return {"failures": []}

    def list_tasks(self, aws_retry=False, cluster=None, desiredStatus=None, containerInstance=None, nextToken=None,
                   maxResults=None):
        ci = next(c for c in self.cis.values() if c["containerInstanceArn"] == containerInstance)
        return {"taskArns": ["arn:task/%s/%d" % (ci["ec2InstanceId"], k) for k in range(ci["runningTasksCount"])]}

    def describe_tasks(self, aws_retry=False, cluster=None, tasks=None):
        return {"tasks": [{"taskArn": t, "lastStatus": "RUNNING", "group": "service:web",
                           "containerInstanceArn": "arn:ci/" + t.split("/")[1]} for t in tasks]}

    def list_services(self, aws_retry=False, cluster=None, nextToken=None, maxResults=None):
        return {"serviceArns": []}

    # -- ec2
    def describe_launch_templates(self, aws_retry=False, LaunchTemplateIds=None, LaunchTemplateNames=None):
        return {"LaunchTemplates": [{"LaunchTemplateId": t, "LaunchTemplateName": t, "LatestVersionNumber": 2,
                                     "DefaultVersionNumber": 1} for t in LaunchTemplateIds or []]}


def _rollers(fleet, names, lines=None):
    clients = {"autoscaling": fleet, "ecs": fleet, "ec2": fleet, "elbv2": fleet}
    clock = waiter.ManualClock()
    log = []
    return [roll.Roller(clients, "c", name, boot_timeout=30, drain_timeout=30, health_timeout=5, clock=clock.now,
                        sleep=clock.sleep, progress=None if lines is None else lines.append, log=log) for name in names]


def _plans(fleet, batch_size=1):
    cis = [fleet._resources(c) for c in fleet.cis.values()]
    template = {"LatestVersionNumber": 2, "DefaultVersionNumber": 1}
    plans = []
    for name, group in fleet.groups.items():
        ids = set(fleet.live(name))
        plans.append(roll.plan_group(group, dict(template, LaunchTemplateId="lt-" + name), [c for c in cis if c["ec2InstanceId"] in ids],
                                     batch_size=batch_size))
    return plans, cis


def _run(fleet, steps, lines=None, finish=True):
    rollers = {r.group_name: r for r in _rollers(fleet, list(fleet.groups), lines)}
    for step in steps:
        roll.Step([(rollers[b["auto_scaling_group_name"]], b["instance_ids"]) for b in step["batches"]]).replace()
    for roller in rollers.values():
        if finish:
            roller.finish()
    return rollers


def _index(events, prefix):
    return [k for k, e in enumerate(events) if e.startswith(prefix)]


def test_two_groups_roll_together_launch_wait_drain_terminate():
    fleet = Fleet({"a": 3, "b": 3})
    plans, cis = _plans(fleet)
    steps = roll.plan_steps(plans, cis, parallel=True)
    assert len(steps) == 3 and all(s["auto_scaling_group_names"] == ["a", "b"] for s in steps)
    lines = []
    _run(fleet, steps[:1], lines, finish=False)
    events = fleet.events
    # both groups raised before any replacement was up; both up before any drain; one drain of both; then both terminated
    assert events[0:2] == ["capacity a 4", "capacity b 4"]
    assert max(_index(events, "active")) < min(_index(events, "drain"))
    assert [e for e in events if e.startswith("drain")] == ["drain a-1, b-4"]
    assert _index(events, "terminate") == [len(events) - 2, len(events) - 1]
    assert "a + b: waiting" not in " ".join(lines)
    assert "a: drained a-1; services steady, targets healthy" in lines and "b: terminated b-4" in lines
    assert fleet.unplaced == []
    assert fleet.state("a")["scaling_paused"] and fleet.state("b")["scaling_paused"]


def test_a_whole_parallel_roll_keeps_every_guarantee_and_a_second_roll_changes_nothing():
    fleet = Fleet({"a": 3, "b": 3})
    plans, cis = _plans(fleet)
    rollers = _run(fleet, roll.plan_steps(plans, cis, parallel=True))
    for name in ("a", "b"):
        assert fleet.versions(name) == ["2", "2", "2"]
        group = fleet.groups[name]
        assert (group["DesiredCapacity"], group["MaxSize"]) == (3, 3) and group["Tags"] == []
        assert roll.suspended_processes(group) == set()
        zones = sorted(i["AvailabilityZone"] for i in group["Instances"])
        assert zones == ["a", "b", "c"]
    assert fleet.unplaced == [] and any(r.changed for r in rollers.values())
    drains = [e for e in fleet.events if e.startswith("drain")]
    assert drains[:3] == ["drain a-1, b-4", "drain a-2, b-5", "drain a-3, b-6"]  # three steps of two groups each
    plans, cis = _plans(fleet)
    assert roll.plan_steps(plans, cis, parallel=True) == []


def test_fewer_groups_at_once_when_the_cluster_cannot_take_the_union():
    # instances of 2048 with 512 of them taken by a daemon: a-1 and b-2 full with 3 service tasks each, c-3 (not
    # rolled) has room for one. The plan counted each replacement as 2048 and put a and b in one step; once they
    # are up, a fresh read shows 1536 free on each: a's and b's 4096 reserved do not fit in 3584, a's alone do
    # (b-2 is still ACTIVE), then b's fit in what is left
    fleet = Fleet({"a": 1, "b": 1, "c": 1}, tasks=3, reserved=512)
    fleet.cis["c-3"]["runningTasksCount"] = 2
    fleet.groups["c"]["Instances"][0]["LaunchTemplate"]["Version"] = "2"
    plans, cis = _plans(fleet)
    steps = roll.plan_steps(plans, cis, parallel=True)
    assert steps[0]["auto_scaling_group_names"] == ["a", "b"]
    lines = []
    rollers = _rollers(fleet, ["a", "b"], lines)
    roll.Step(list(zip(rollers, [["a-1"], ["b-2"]]))).replace()
    drains = [e for e in fleet.events if e.startswith(("drain", "terminate"))]
    assert drains == ["drain a-1", "terminate a-1", "drain b-2", "terminate b-2"]
    assert any("the spare capacity does not take the tasks of a-1, b-2 at once (tasks to move 4096 CPU units" in line
               and line.endswith("draining a first") for line in lines), lines
    assert fleet.unplaced == []


@pytest.mark.parametrize("kill_on", ["drain", "terminate"])
def test_killed_mid_step_a_rerun_finishes_both_groups(kill_on):
    fleet = Fleet({"a": 3, "b": 3})
    plans, cis = _plans(fleet)
    steps = roll.plan_steps(plans, cis, parallel=True)
    fleet.kill_on = kill_on
    with pytest.raises(Killed):
        _run(fleet, steps)
    fleet.kill_on = None
    assert fleet.state("a") and fleet.state("b")  # the roll state stayed on both groups
    draining = sorted(c["ec2InstanceId"] for c in fleet.cis.values() if c["status"] == "DRAINING")
    assert draining == ["a-1", "b-4"]
    # a new run plans from what is there: the interrupted drains first, as a step of their own
    plans, cis = _plans(fleet)
    assert all(p["resuming"] for p in plans)
    steps = roll.plan_steps(plans, cis, parallel=True)
    assert steps[0]["resuming"] and steps[0]["instance_ids"] == ["a-1", "b-4"]
    before = len([e for e in fleet.events if e.startswith("capacity")])
    _run(fleet, steps)
    for name in ("a", "b"):
        assert fleet.versions(name) == ["2", "2", "2"] and fleet.groups[name]["Tags"] == []
        assert fleet.groups[name]["DesiredCapacity"] == 3 and roll.suspended_processes(fleet.groups[name]) == set()
    assert fleet.events[before:][0] != "capacity a 4"  # the replacements launched before the kill were adopted
    assert fleet.unplaced == []


def test_the_module_service_replaces_the_batches_of_a_step_together():
    fleet = Fleet({"a": 2, "b": 2})
    service = roll.InstanceRoll({"autoscaling": fleet, "ecs": fleet, "ec2": fleet, "elbv2": fleet}, {
        "cluster": "c", "auto_scaling_group_name": None, "instance_ids": [], "step": "replace", "roll_all": False,
        "batches": [{"auto_scaling_group_name": "a", "instance_ids": ["a-1"]},
                    {"auto_scaling_group_name": "b", "instance_ids": ["b-3"]}],
        "boot_timeout": 30, "drain_timeout": 30, "health_timeout": 5, "progress_file": None}, False,
        clock=waiter.ManualClock())
    result = service.run()
    assert result["changed"] and result["instance_ids"] == ["a-1", "b-3"]
    assert [e for e in fleet.events if e.startswith("drain")] == ["drain a-1, b-3"]
    assert any(s["step"] == "batch a-1, b-3: replacement ACTIVE" for s in result["steps"])
