import datetime

from ansible_collections.cloudops.ecs.plugins.module_utils import health

NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.timezone.utc)


def _service(name="web", desired=2, running=2, tg="arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/abc", **kw):
    service = {
        "serviceName": name, "status": "ACTIVE", "desiredCount": desired, "runningCount": running,
        "pendingCount": 0, "deployments": [{"status": "PRIMARY", "rolloutState": "COMPLETED"}],
        "loadBalancers": [{"targetGroupArn": tg, "containerPort": 80}] if tg else [], "events": [],
    }
    service.update(kw)
    return service


def _target(tid, state="healthy", port=32768):
    return {"Target": {"Id": tid, "Port": port}, "TargetHealth": {"State": state}}


def _ci(iid, status="ACTIVE", connected=True, az="us-east-1a", cpu=(2048, 1024), mem=(4096, 2048)):
    return {
        "containerInstanceArn": "arn:aws:ecs:us-east-1:1:container-instance/c/" + iid,
        "ec2InstanceId": iid, "status": status, "agentConnected": connected,
        "attributes": [{"name": "ecs.availability-zone", "value": az}],
        "registeredResources": [{"name": "CPU", "integerValue": cpu[0]}, {"name": "MEMORY", "integerValue": mem[0]}],
        "remainingResources": [{"name": "CPU", "integerValue": cpu[1]}, {"name": "MEMORY", "integerValue": mem[1]}],
    }


def _healthy_snapshot():
    tg = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/abc"
    return {
        "services": [_service(desired=3, running=3)],
        "target_health": {tg: [_target("i-1"), _target("i-2"), _target("i-3")]},
        "container_instances": [_ci("i-1"), _ci("i-2", az="us-east-1b"), _ci("i-3", az="us-east-1c")],
        "expected_instance_ids": ["i-1", "i-2", "i-3"],
        "stack_azs": ["us-east-1a", "us-east-1b", "us-east-1c"],
        "ec2_instances": {i: {"ImageId": "ami-new"} for i in ("i-1", "i-2", "i-3")},
        "recommended_amis": {"/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id": "ami-new"},
        "images": {"ami-new": {"CreationDate": "2026-11-01T00:00:00.000Z"}},
    }


def test_healthy_stack_passes_every_check():
    checks = health.evaluate(_healthy_snapshot(), now=NOW)
    assert [c["name"] for c in checks] == [
        "services", "targets", "container_instances", "az_coverage", "spare_capacity", "ami", "database",
        "network", "stopped_tasks", "alarms"]
    assert health.failing(checks, include_warnings=True) == []
    lines = health.summary_lines(checks)
    assert lines[0] == "OK   services: 1 services steady"
    assert all(line.startswith(("OK", " ")) for line in lines)


def test_unhealthy_target_fails_targets_check_naming_the_target():
    snapshot = _healthy_snapshot()
    snapshot["target_health"][snapshot["services"][0]["loadBalancers"][0]["targetGroupArn"]][1] = {
        "Target": {"Id": "i-2", "Port": 32768}, "TargetHealth": {"State": "unhealthy", "Reason": "Target.FailedHealthChecks"}}
    checks = {c["name"]: c for c in health.evaluate(snapshot, now=NOW)}
    assert not checks["targets"]["ok"]
    assert any("i-2" in d and "unhealthy" in d for d in checks["targets"]["details"])
    assert [c["name"] for c in health.failing(list(checks.values()))] == ["targets"]
    assert any(line.startswith("FAIL targets") for line in health.summary_lines(list(checks.values())))


def test_too_few_targets_fails_even_when_all_registered_are_healthy():
    tg = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/abc"
    check = health.check_targets([_service(desired=3, running=3)], {tg: [_target("i-1")]})
    assert not check["ok"] and "1 healthy targets, 3 needed" in check["details"][0]


def test_two_services_on_one_target_group_add_up():
    tg = "arn:tg/a/b"
    assert health.service_target_groups([_service(tg=tg, desired=2), _service(name="b", tg=tg, desired=1),
                                         _service(name="c", tg=None)]) == {tg: 3}


def test_service_not_steady_and_placement_events():
    recent = {"createdAt": NOW - datetime.timedelta(seconds=30),
              "message": "(service web) was unable to place a task because no container instance met all of its requirements."}
    old = dict(recent, createdAt=NOW - datetime.timedelta(hours=2))
    check = health.check_services([_service(events=[recent])], NOW)
    assert not check["ok"] and "unable to place" in check["details"][0]
    assert health.check_services([_service(events=[old])], NOW)["ok"]
    check = health.check_services([_service(running=1, deployments=[{"status": "PRIMARY", "rolloutState": "IN_PROGRESS"}])], NOW)
    assert not check["ok"] and any("IN_PROGRESS" in d for d in check["details"])


def test_placement_failures_before_the_latest_steady_state_are_resolved():
    failed = {"createdAt": NOW - datetime.timedelta(seconds=60),
              "message": "(service web) was unable to place a task because no container instance met all of its requirements."}
    steady = {"createdAt": NOW - datetime.timedelta(seconds=20), "message": "(service web) has reached a steady state."}
    assert health.check_services([_service(events=[steady, failed])], NOW)["ok"]
    again = dict(failed, createdAt=NOW - datetime.timedelta(seconds=5))
    assert not health.check_services([_service(events=[again, steady, failed])], NOW)["ok"]


def test_event_time_as_epoch_and_iso():
    assert health.as_datetime(0).year == 1970
    assert health.as_datetime("2026-11-22T12:00:00Z") == NOW
    assert health.as_datetime(datetime.datetime(2026, 11, 22, 12)) == NOW
    assert health.as_datetime(None) is None


def test_container_instances_draining_disconnected_unregistered():
    check = health.check_container_instances(
        [_ci("i-1", status="DRAINING"), _ci("i-2", connected=False), _ci("i-3")], ["i-1", "i-2", "i-3", "i-4"], minimum=2)
    assert not check["ok"]
    assert check["details"] == [
        "i-1 is DRAINING", "i-2: ECS agent disconnected", "i-4 is in service but not registered in the cluster",
        "1 active container instances, 2 needed"]


def test_az_coverage_uses_attribute_or_ec2_placement():
    cis = [_ci("i-1"), dict(_ci("i-2"), attributes=[])]
    check = health.check_az_coverage(cis, ["us-east-1a", "us-east-1b"], {"i-2": {"Placement": {"AvailabilityZone": "us-east-1b"}}})
    assert check["ok"] and check["azs"] == ["us-east-1a", "us-east-1b"]
    check = health.check_az_coverage([_ci("i-1"), _ci("i-2", status="DRAINING", az="us-east-1b")], ["us-east-1a", "us-east-1b"])
    assert not check["ok"] and check["details"] == ["no active container instance in us-east-1b"]


def test_spare_capacity_aggregate():
    # each has 1024 CPU allocated, 1024 remaining: one instance's 1024 fits into 2 x 1024
    assert health.check_spare_capacity([_ci("i-1"), _ci("i-2"), _ci("i-3")])["ok"]
    full = [_ci("i-1", cpu=(2048, 0), mem=(4096, 0)), _ci("i-2", cpu=(2048, 0), mem=(4096, 0))]
    check = health.check_spare_capacity(full)
    assert not check["ok"] and "i-1" in check["details"][0] and "i-2" in check["details"][1]


def test_spare_capacity_packs_whole_tasks():
    # i-1 runs one 1024-CPU task; the others each have 600 free: 1200 in total, but the task does not fit
    cis = [_ci("i-1", cpu=(2048, 1024)), _ci("i-2", cpu=(2048, 600)), _ci("i-3", cpu=(2048, 600))]
    tasks = {cis[0]["containerInstanceArn"]: [{"cpu": "1024", "memory": "512"}],
             cis[1]["containerInstanceArn"]: [{"containers": [{"cpu": 512, "memory": 256}]}],
             cis[2]["containerInstanceArn"]: [{"containers": [{"cpu": 512, "memoryReservation": 256}]}]}
    ok, reasons, worst = health.spare_capacity(cis, tasks)
    assert not ok and len(reasons) == 1 and "i-1" in reasons[0]
    assert worst[0]["ec2InstanceId"] == "i-2"  # the most allocated per registered resources
    ok, _details, _worst = health.spare_capacity(cis)  # aggregate view would say it fits
    assert ok


def test_spare_capacity_without_instances():
    assert health.check_spare_capacity([])["ok"]


AL2023 = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
AL2023_ARM = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
AL2_ARM = "/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id"


def test_ami_age_and_recommendation():
    ec2 = {"i-1": {"ImageId": "ami-old"}, "i-2": {"ImageId": "ami-new"}}
    images = {"ami-old": {"CreationDate": "2026-09-23T12:00:00.000Z"}, "ami-new": {"CreationDate": "2026-11-20T00:00:00.000Z"}}
    check = health.check_amis([_ci("i-1"), _ci("i-2")], ec2, {AL2023: "ami-new"}, images, NOW)
    assert not check["ok"] and check["severity"] == "warning"
    assert check["details"] == ["i-1 (x86_64) runs ami-old (60 days old), not the recommended ami-new",
                                "1 x86_64 instances on the recommended AMI ami-new"]
    assert check["ages_days"] == {"i-1": 60, "i-2": 2}
    assert health.check_amis([_ci("i-1")], ec2, {AL2023: "ami-new"}, images, NOW, max_age_days=90)["ok"]
    assert health.failing([check]) == [] and health.failing([check], include_warnings=True) == [check]


def test_ami_compared_per_architecture_and_family():
    """A Graviton instance is compared with the arm64 parameter, an Amazon Linux 2 one with its own family's."""
    ec2 = {"i-x86": {"ImageId": "ami-x86", "Architecture": "x86_64"},
           "i-arm": {"ImageId": "ami-arm", "Architecture": "arm64"},
           "i-al2": {"ImageId": "ami-al2-old", "Architecture": "arm64"}}
    images = {"ami-x86": {"Name": "al2023-ami-ecs-hvm-2023.0.20261101-kernel-6.1-x86_64", "CreationDate": "2026-11-01T00:00:00Z"},
              "ami-arm": {"Name": "al2023-ami-ecs-hvm-2023.0.20261101-kernel-6.1-arm64", "CreationDate": "2026-11-01T00:00:00Z"},
              "ami-al2-old": {"Name": "amzn2-ami-ecs-hvm-2.0.20260901-arm64-ebs", "CreationDate": "2026-09-01T00:00:00Z"}}
    recommended = {AL2023: "ami-x86", AL2023_ARM: "ami-arm", AL2_ARM: "ami-al2-new"}
    cis = [_ci("i-x86"), _ci("i-arm"), _ci("i-al2")]
    assert {e["instance_id"]: e["parameter"] for e in health.ami_expectations(cis, ec2, images)} == {
        "i-x86": AL2023, "i-arm": AL2023_ARM, "i-al2": AL2_ARM}
    check = health.check_amis(cis, ec2, recommended, images, NOW)
    assert not check["ok"]
    assert check["details"][0] == "i-al2 (arm64) runs ami-al2-old (82 days old), not the recommended ami-al2-new"
    assert health.check_amis(cis[:2], ec2, recommended, images, NOW)["details"] == [
        "1 arm64 instances on the recommended AMI ami-arm", "1 x86_64 instances on the recommended AMI ami-x86"]


def test_ami_architecture_from_the_agent_and_overrides():
    ci = _ci("i-1")
    ci["attributes"].append({"name": "ecs.cpu-architecture", "value": "arm64"})
    assert health.instance_architecture(ci, {}, None) == "arm64"
    assert health.ami_parameter_for(None, "arm64") == AL2023_ARM  # unknown family: Amazon Linux 2023
    assert health.ami_parameter_for({"Name": "amzn2-ami-ecs-gpu-hvm-2.0-x86_64-ebs"}, "arm64") is None
    assert health.ami_parameter_for({"Name": "bottlerocket-aws-ecs-2-arm64-v1.20.0"}, "arm64") == \
        "/aws/service/bottlerocket/aws-ecs-2/arm64/latest/image_id"
    assert health.ami_parameter_for(None, "x86_64", {"x86_64": "/my/ami"}) == "/my/ami"
    unknown = health.check_amis([ci], {"i-1": {"ImageId": "ami-1"}}, {AL2023_ARM: None}, {}, NOW)
    assert unknown["ok"] and unknown["details"] == ["recommended ECS AMI unknown (%s)" % AL2023_ARM]


def test_database_writer_and_reader():
    cluster = {"DBClusterIdentifier": "db", "Status": "available",
               "DBClusterMembers": [{"DBInstanceIdentifier": "db-1", "IsClusterWriter": True}]}
    instances = [{"DBInstanceIdentifier": "db-1", "DBInstanceStatus": "available"}]
    assert health.check_database([cluster], instances)["ok"]
    check = health.check_database([cluster], instances, ha=True)
    assert not check["ok"] and check["details"] == ["db has no available reader (HA)"]
    cluster["DBClusterMembers"].append({"DBInstanceIdentifier": "db-2", "IsClusterWriter": False})
    check = health.check_database([cluster], instances + [{"DBInstanceIdentifier": "db-2", "DBInstanceStatus": "creating"}], ha=True)
    assert not check["ok"] and "db member db-2 is creating" in check["details"]
    check = health.check_database([dict(cluster, Status="backing-up")], [dict(i, DBInstanceStatus="available") for i in
                                  instances + [{"DBInstanceIdentifier": "db-2"}]])
    assert check["details"] == ["db is backing-up"]
    assert health.check_database([], [])["ok"]


def test_network_ignores_deleted():
    check = health.check_network(
        [{"NatGatewayId": "nat-1", "State": "available"}, {"NatGatewayId": "nat-2", "State": "deleted"}],
        [{"VpcEndpointId": "vpce-1", "ServiceName": "x.s3", "State": "available"},
         {"VpcEndpointId": "vpce-2", "ServiceName": "x.ecr.api", "State": "pending"}])
    assert not check["ok"] and check["details"] == ["endpoint vpce-2 (x.ecr.api) is pending"]
    assert health.check_network([], [])["ok"]


def test_stopped_tasks_reasons_and_failures():
    drained = {"taskArn": "arn:t/c/1", "group": "service:web", "stoppedReason": "Scaled in", "stoppedAt": NOW}
    crashed = {"taskArn": "arn:t/c/2", "group": "service:web", "stopCode": "EssentialContainerExited",
               "stoppedReason": "Essential container in task exited", "stoppedAt": NOW,
               "containers": [{"name": "app", "exitCode": 137, "reason": "OutOfMemoryError"}]}
    old = dict(crashed, stoppedAt=NOW - datetime.timedelta(hours=3))
    check = health.check_stopped_tasks([drained, crashed, old], NOW)
    assert not check["ok"] and check["recent"] == 2 and check["failed"] == 1
    assert check["details"][0] == "service:web 2: Essential container in task exited; app: OutOfMemoryError"
    assert check["details"][1] == "service:web 1: Scaled in"
    assert health.check_stopped_tasks([drained], NOW)["ok"]
    assert health.task_failed({"containers": [{"exitCode": 1}]})
    # a drain or scale-in stops containers with SIGTERM/SIGKILL: exit 137 or 143 is expected there
    moved = {"stopCode": "ServiceSchedulerInitiated", "containers": [{"name": "web", "exitCode": 137}],
             "stoppedReason": "Task stopped because the container instance is being drained"}
    assert not health.task_failed(moved)
    assert not health.task_failed(dict(moved, stopCode="UserInitiated", stoppedReason="Task stopped by user"))
    assert health.task_failed(dict(moved, stoppedReason="Task failed ELB health checks in (target-group tg)"))
    assert health.task_failed(dict(moved, stopCode="EssentialContainerExited"))
    assert health.check_stopped_tasks([], NOW)["details"] == ["no tasks stopped in the last 60 minutes"]


def test_selected_checks_only():
    checks = health.evaluate({}, now=NOW, options={"checks": ["services", "targets"]})
    assert [c["name"] for c in checks] == ["services", "targets"]
    assert checks[0]["ok"] and checks[0]["details"] == ["no services in the cluster"]


def test_alarms_in_alarm_warn_with_their_reason():
    check = health.check_alarms([
        {"AlarmName": "demo-alarm-db-cpu", "StateValue": "ALARM", "StateReason": "Threshold Crossed: 5 datapoints"},
        {"AlarmName": "demo-alarm-alb-5xx-rate", "StateValue": "OK"}])
    assert not check["ok"] and check["severity"] == health.WARNING and check["in_alarm"] == ["demo-alarm-db-cpu"]
    assert check["details"] == ["demo-alarm-db-cpu: Threshold Crossed: 5 datapoints"]
    assert health.failing([check]) == [] and health.failing([check], include_warnings=True) == [check]
    assert health.check_alarms([])["ok"]
