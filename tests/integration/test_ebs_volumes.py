"""EBS task volumes of the services role on the local control plane: a service with a volume of type ebs runs steady,
each of its tasks with its own encrypted gp3 volume of the size asked, attached by the stack's volume role (made
only because a service needs it); a re-run changes nothing, check mode writes nothing, removal deletes the role and
the volumes (the stack teardown finds the role by its tag)."""
import pytest

from local_aws.polling import wait_for

PLAYBOOK = "tests/integration/playbooks/services_role.yml"
CLUSTER = "ebs-test"
STACK = "demo"  # cloudops_stack_name of inventories/local
ROLE = f"{STACK}-ecs-volumes"
SERVICES = [{"name": "ledger", "image": "public.ecr.aws/docker/library/busybox:1.36", "memory": 64,
             "desired_count": 2, "command": ["sleep", "infinity"],
             "mount_points": [{"volume": "data", "path": "/var/lib/ledger"}],
             "volumes": [{"name": "data", "type": "ebs", "size_gib": 30}]}]


@pytest.fixture(scope="module")
def prerequisites(aws):
    """VPC, two subnets, the cluster (with its ECS Exec key and log group) and two instances whose user data joins
    them to it."""
    ec2, ecs = aws("ec2"), aws("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.31.{i}.0/24", AvailabilityZone="us-east-1" + az)[
        "Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    ecs.create_cluster(clusterName=CLUSTER)
    # What the ecs_cluster role publishes: the ECS Exec key and log group the services role checks.
    key = aws("kms").create_key(Description="ECS Exec")["KeyMetadata"]["Arn"]
    aws("logs").create_log_group(logGroupName=f"/{CLUSTER}/ecs-exec", kmsKeyId=key)
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    for subnet in subnets:
        ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.medium", SubnetId=subnet,
                          UserData=f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n")
    wait_for(lambda: len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) >= 2, timeout=60,
             step=0.2, what="the instances registered as container instances")
    return {"services_vpc_id": vpc, "services_subnet_ids": subnets, "services_security_group_ids": [],
            "services_cluster_name": CLUSTER, "services_wait_interval": 1, "services_wait_timeout": 120,
            "cloudops_cluster": {"cluster_name": CLUSTER, "exec_kms_key_arn": key,
                                 "exec_log_group_name": f"/{CLUSTER}/ecs-exec"}}


def _task_volumes(aws):
    """volume id -> (task ARN, DescribeVolumes item) of every running task of the service."""
    ecs, ec2 = aws("ecs"), aws("ec2")
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName="ledger", desiredStatus="RUNNING")["taskArns"]
    found = {}
    for task in ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []:
        for attachment in task["attachments"]:
            if attachment["type"] == "AmazonElasticBlockStorage":
                volume_id = {d["name"]: d["value"] for d in attachment["details"]}["volumeId"]
                found[volume_id] = (task["taskArn"], ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0])
    return found


def _ecs_volumes(aws):
    return aws("ec2").describe_volumes(Filters=[{"Name": "tag-key", "Values": ["AmazonECSManaged"]}])["Volumes"]


def test_a_service_with_an_ebs_volume(playbook, aws, prerequisites):
    ecs, iam = aws("ecs"), aws("iam")
    created = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=SERVICES))
    assert created.rc == 0, created.output
    service = ecs.describe_services(cluster=CLUSTER, services=["ledger"])["services"][0]
    assert [d["rolloutState"] for d in service["deployments"]] == ["COMPLETED"]
    assert service["runningCount"] == service["desiredCount"] == 2 and service["pendingCount"] == 0
    managed = service["deployments"][0]["volumeConfigurations"][0]["managedEBSVolume"]
    assert managed["roleArn"] == iam.get_role(RoleName=ROLE)["Role"]["Arn"]
    td = ecs.describe_task_definition(taskDefinition=f"{STACK}-ledger")["taskDefinition"]
    assert td["volumes"] == [{"name": "data", "configuredAtLaunch": True}]

    volumes = _task_volumes(aws)
    assert len(volumes) == 2 and len({task for task, _ in volumes.values()}) == 2
    for task, volume in volumes.values():
        assert (volume["Size"], volume["VolumeType"], volume["Encrypted"], volume["State"]) == (30, "gp3", True,
                                                                                                 "in-use")
        tags = {t["Key"]: t["Value"] for t in volume["Tags"]}
        assert tags["AmazonECSCreated"] == task and tags["cloudops:stack"] == STACK
        assert tags["Name"] == f"{STACK}-ledger-data"

    # The infrastructure role: trusted by ECS, the AWS managed policy for volumes, tagged with the stack.
    role = iam.get_role(RoleName=ROLE)["Role"]
    assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [
        {"Service": "ecs.amazonaws.com"}]
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]] == [
        "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes"]
    assert {"Key": "cloudops:stack", "Value": STACK} in iam.list_role_tags(RoleName=ROLE)["Tags"]

    again = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=SERVICES))
    assert again.rc == 0 and again.changed == 0, again.changed_tasks
    assert set(_task_volumes(aws)) == set(volumes)  # no new deployment, the same volumes

    checked = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=SERVICES), check=True, diff=True)
    assert checked.rc == 0 and checked.changed == 0, checked.changed_tasks
    assert checked.writes == [], checked.writes

    # The stack teardown finds the role by the stack tag (a dry run: the list only).
    listed = playbook("playbooks/teardown.yml")
    assert listed.rc == 0 and listed.writes == [], listed.output
    assert [line for line in listed.output.splitlines() if "iam_role" in line and ROLE in line], listed.output

    removed = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=SERVICES, services_state="absent"))
    assert removed.rc == 0, removed.output
    assert ROLE not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    wait_for(lambda: not _ecs_volumes(aws), timeout=60, step=0.2, what="the tasks' volumes deleted")


def test_bad_ebs_volumes_are_refused_before_any_change(playbook, aws, prerequisites):
    bad = [dict(SERVICES[0], volumes=[{"name": "data", "type": "ebs", "size_gib": 30, "iops": 50000},
                                      {"name": "more", "type": "ebs", "size_gib": 1}]),
           dict(SERVICES[0], name="agent", scheduling_strategy="DAEMON", desired_count=None,
                volumes=[{"name": "data", "type": "ebs", "volume_type": "st1", "size_gib": 30}])]
    run = playbook(PLAYBOOK, extra_vars=dict(prerequisites, services_list=bad))
    assert run.rc != 0
    for message in (
        "services_list[0].volumes[0].iops: 50000 is out of range for a gp3 volume; use 3000-16000",
        "services_list[0].volumes[1]: a task gets one EBS volume only",
        "services_list[1].volumes[0].size_gib: 30 is out of range for a st1 volume (GiB); use 125-16384",
        "services_list[1].volumes[0]: EBS volumes are for REPLICA services only",
    ):
        assert message in run.output, message
    assert run.writes == [], run.writes
