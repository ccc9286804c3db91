"""ecs_cluster + ecs_instances + ecs_cluster:capacity_providers against the local AWS: what they build, one new
launch-template version per change, desired capacity left to the capacity provider, bad inputs refused before any
change, and teardown. Check mode and a re-run that change nothing on the converged stack: the ecs_instances Molecule
scenario (tests/integration/test_molecule_cluster.py)."""
import base64

import pytest

from local_aws.polling import wait_for

PLAYBOOK = "tests/integration/playbooks/ecs_instances_stack.yml"
STACK = "demo"
GROUPS = [
    {"name": "ondemand", "instance_type": "m6i.large", "min_size": 1, "max_size": 3, "desired_capacity": 1,
     "base": 1},
    {"name": "spot", "spot": True, "instance_types": ["m7g.large", "m6g.large"], "min_size": 0, "max_size": 4,
     "desired_capacity": 1, "weight": 3, "target_capacity": 90},
]


@pytest.fixture(scope="module")
def network(aws, local_aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone="us-east-1" + az)["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    sg = ec2.create_security_group(GroupName="demo-ecs-instances", Description="ECS instances", VpcId=vpc)["GroupId"]
    return {"vpc_id": vpc, "private_subnet_ids": subnets, "security_groups": {"ecs_instances": sg},
            "partition": "aws", "azs": ["us-east-1a", "us-east-1b"]}


def stack_vars(network, groups=GROUPS, **extra):
    return {"cloudops_network": network, "ecs_instances_groups": groups, "ecs_instances_efs_enabled": True, **extra}


def user_data(version):
    return base64.b64decode(version["LaunchTemplateData"]["UserData"]).decode()


def lt_versions(aws, name):
    versions = aws("ec2").describe_launch_template_versions(LaunchTemplateName=name)["LaunchTemplateVersions"]
    return sorted(versions, key=lambda v: v["VersionNumber"])


def asgs(aws):
    return {g["AutoScalingGroupName"]: g for g in aws("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]}


def test_stack_lifecycle(playbook, aws, network):
    # Check mode on a new stack reports what it would create and creates nothing.
    preview = playbook(PLAYBOOK, extra_vars=stack_vars(network), check=True)
    assert preview.rc == 0, preview.output
    assert preview.changed > 0
    assert preview.writes == [], preview.writes
    assert not asgs(aws) and not aws("ecs").list_clusters()["clusterArns"]
    assert not aws("efs").describe_file_systems()["FileSystems"]

    created = playbook(PLAYBOOK, extra_vars=stack_vars(network))
    assert created.rc == 0, created.output

    ecs = aws("ecs")
    cluster = ecs.describe_clusters(clusters=[STACK], include=["SETTINGS", "CONFIGURATIONS", "TAGS"])["clusters"][0]
    assert {s["name"]: s["value"] for s in cluster["settings"]} == {"containerInsights": "enabled"}
    exec_config = cluster["configuration"]["executeCommandConfiguration"]
    assert exec_config["logging"] == "OVERRIDE"
    assert exec_config["logConfiguration"] == {"cloudWatchLogGroupName": "/demo/ecs-exec",
                                               "cloudWatchEncryptionEnabled": True}
    key_arn = exec_config["kmsKeyId"]
    assert aws("kms").get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    log_group = aws("logs").describe_log_groups(logGroupNamePrefix="/demo/ecs-exec")["logGroups"][0]
    assert log_group["retentionInDays"] == 7 and log_group["kmsKeyId"] == key_arn
    tags = {t["key"]: t["value"] for t in cluster["tags"]}
    assert tags["cloudops:stack"] == STACK and tags["Environment"] == "local" and tags["Name"] == STACK
    assert sorted(cluster["capacityProviders"]) == ["demo-ondemand", "demo-spot"]
    strategy = {s["capacityProvider"]: (s["weight"], s["base"]) for s in cluster["defaultCapacityProviderStrategy"]}
    assert strategy == {"demo-ondemand": (1, 1), "demo-spot": (3, 0)}

    groups = asgs(aws)
    providers = {p["name"]: p["autoScalingGroupProvider"] for p in
                 ecs.describe_capacity_providers(capacityProviders=["demo-ondemand", "demo-spot"])["capacityProviders"]}
    for name, target in (("demo-ondemand", 100), ("demo-spot", 90)):
        assert providers[name]["autoScalingGroupArn"] == groups[name]["AutoScalingGroupARN"]
        assert providers[name]["managedScaling"]["status"] == "ENABLED"
        assert providers[name]["managedScaling"]["targetCapacity"] == target
        assert providers[name]["managedTerminationProtection"] == "ENABLED"
        assert providers[name]["managedDraining"] == "ENABLED"

    # EFS: encrypted, a mount target per private subnet behind its own security group, backups on.
    efs = aws("efs")
    (file_system,) = [f for f in efs.describe_file_systems()["FileSystems"] if f["CreationToken"] == "demo-shared"]
    efs_id = file_system["FileSystemId"]
    assert file_system["Encrypted"] is True
    assert efs.describe_backup_policy(FileSystemId=efs_id)["BackupPolicy"]["Status"] == "ENABLED"
    targets = efs.describe_mount_targets(FileSystemId=efs_id)["MountTargets"]
    assert sorted(t["SubnetId"] for t in targets) == sorted(network["private_subnet_ids"])
    (efs_sg,) = {tuple(efs.describe_mount_target_security_groups(MountTargetId=t["MountTargetId"])["SecurityGroups"])
                 for t in targets}
    (rule,) = aws("ec2").describe_security_groups(GroupIds=list(efs_sg))["SecurityGroups"][0]["IpPermissions"]
    assert (rule["FromPort"], rule["ToPort"]) == (2049, 2049)
    assert [p["GroupId"] for p in rule["UserIdGroupPairs"]] == [network["security_groups"]["ecs_instances"]]

    # Launch templates: IMDSv2 with hop limit 1, encrypted gp3, no public IP, detailed monitoring, profile,
    # the cluster in the user data, spot draining only for the spot group.
    role = aws("iam").get_role(RoleName="demo-ecs-instance")["Role"]
    policies = {p["PolicyArn"] for p in aws("iam").list_attached_role_policies(RoleName="demo-ecs-instance")["AttachedPolicies"]}
    assert policies == {"arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
                        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}
    assert "ec2.amazonaws.com" in str(role["AssumeRolePolicyDocument"])
    for name in ("demo-ondemand", "demo-spot"):
        (version,) = lt_versions(aws, name)
        data = version["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required"
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
        ebs = data["BlockDeviceMappings"][0]["Ebs"]
        assert ebs["Encrypted"] is True and ebs["VolumeType"] == "gp3"
        assert data["NetworkInterfaces"][0]["AssociatePublicIpAddress"] is False
        assert data["NetworkInterfaces"][0]["Groups"] == [network["security_groups"]["ecs_instances"]]
        assert data["Monitoring"] == {"Enabled": True}
        assert data["IamInstanceProfile"]["Arn"].endswith(":instance-profile/demo-ecs-instance")
        script = user_data(version)
        assert "ECS_CLUSTER=demo\n" in script
        assert ("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true" in script) == (name == "demo-spot")
        assert "ECS_ENGINE_AUTH" not in script
        assert f"{efs_id}:/ /mnt/efs efs _netdev,noresvport,tls" in script
    ssm = aws("ssm")
    amis = {arch: ssm.get_parameter(Name=param)["Parameter"]["Value"] for arch, param in (
        ("x86_64", "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"),
        ("arm64", "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"))}
    assert lt_versions(aws, "demo-ondemand")[0]["LaunchTemplateData"]["ImageId"] == amis["x86_64"]
    assert lt_versions(aws, "demo-spot")[0]["LaunchTemplateData"]["ImageId"] == amis["arm64"]

    # Auto Scaling groups: sizes, subnets, protection, spot mix, tags in the right shape and propagated.
    ondemand, spot = groups["demo-ondemand"], groups["demo-spot"]
    assert (ondemand["MinSize"], ondemand["MaxSize"], ondemand["DesiredCapacity"]) == (1, 3, 1)
    assert set(ondemand["VPCZoneIdentifier"].split(",")) == set(network["private_subnet_ids"])
    assert ondemand["NewInstancesProtectedFromScaleIn"] is True
    assert ondemand["HealthCheckGracePeriod"] == 120
    assert ondemand["LaunchTemplate"]["Version"] == "1"
    assert not spot.get("LaunchTemplate")
    mixed = spot["MixedInstancesPolicy"]
    assert [o["InstanceType"] for o in mixed["LaunchTemplate"]["Overrides"]] == ["m7g.large", "m6g.large"]
    assert mixed["InstancesDistribution"]["OnDemandPercentageAboveBaseCapacity"] == 0
    assert spot["CapacityRebalance"] is True
    for group in (ondemand, spot):
        group_tags = {t["Key"]: t for t in group["Tags"]}
        assert "key" not in group_tags and "value" not in group_tags
        assert group_tags["cloudops:stack"]["Value"] == STACK and group_tags["cloudops:stack"]["PropagateAtLaunch"]
        assert group_tags["Name"]["Value"] == group["AutoScalingGroupName"]
        assert "AmazonECSManaged" in group_tags

    # The instances the groups run register with the cluster as ACTIVE container instances (managed scaling
    # may already have scaled the idle spot group in, so compare with what is in service now).
    def registered():
        in_service = {i["InstanceId"] for g in asgs(aws).values() for i in g["Instances"]
                      if i["LifecycleState"] == "InService"}
        arns = ecs.list_container_instances(cluster=STACK, status="ACTIVE")["containerInstanceArns"]
        active = {c["ec2InstanceId"] for c in ecs.describe_container_instances(
            cluster=STACK, containerInstances=arns)["containerInstances"]} if arns else set()
        return in_service and in_service <= active

    wait_for(registered, timeout=60, step=0.2, what="every in-service instance an ACTIVE container instance")

    assert len(lt_versions(aws, "demo-ondemand")) == 1

    # A new instance type: exactly one new template version per group whose content changed, the group follows it; the desired capacity the
    # capacity provider owns is left alone even though the input changed. Registry credentials are read at boot
    # from Secrets Manager through the instance role, never written into the user data.
    aws("autoscaling").set_desired_capacity(AutoScalingGroupName="demo-ondemand", DesiredCapacity=2)
    secret = aws("secretsmanager").create_secret(
        Name="demo/registry", SecretString='{"registry.example.com": {"username": "ci", "password": "s3cr3t-value"}}')
    changed_groups = [dict(GROUPS[0], instance_type="m6i.xlarge", desired_capacity=3), GROUPS[1]]
    changed = playbook(PLAYBOOK, extra_vars=stack_vars(network, groups=changed_groups,
                                                       ecs_instances_registry_auth_secret_arn=secret["ARN"]))
    assert changed.rc == 0, changed.output
    assert "s3cr3t-value" not in changed.output
    policy = aws("iam").get_role_policy(RoleName="demo-ecs-instance", PolicyName="registry-auth")["PolicyDocument"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret["ARN"]}]
    versions = lt_versions(aws, "demo-ondemand")
    assert [v["VersionNumber"] for v in versions] == [1, 2]
    assert versions[-1]["LaunchTemplateData"]["InstanceType"] == "m6i.xlarge"
    script = user_data(versions[-1])
    assert f"--secret-id '{secret['ARN']}'" in script and "ECS_ENGINE_AUTH_TYPE=%s" in script
    assert "s3cr3t-value" not in script
    assert len(lt_versions(aws, "demo-spot")) == 2
    ondemand = asgs(aws)["demo-ondemand"]
    assert ondemand["LaunchTemplate"]["Version"] == "2"
    # The input asked for 3; the group keeps the size it was given outside the role (2), or the one the
    # capacity provider's managed scaling chose since (it scales an idle group towards its minimum).
    assert ondemand["DesiredCapacity"] in (1, 2)

    # Teardown: providers detached and deleted, groups, templates, profile, role and cluster gone.
    removed = playbook(PLAYBOOK, extra_vars=stack_vars(network, groups=changed_groups, stack_state="absent"))
    assert removed.rc == 0, removed.output
    assert not [f for f in efs.describe_file_systems()["FileSystems"] if f["CreationToken"] == "demo-shared"]
    assert not {"demo-ondemand", "demo-spot"} & set(asgs(aws))
    remaining = aws("ec2").describe_launch_templates()["LaunchTemplates"]
    assert not [t for t in remaining if t["LaunchTemplateName"].startswith("demo-")]
    assert not [r for r in aws("iam").list_roles()["Roles"] if r["RoleName"] == "demo-ecs-instance"]
    assert not [p for p in aws("iam").list_instance_profiles()["InstanceProfiles"]
                if p["InstanceProfileName"] == "demo-ecs-instance"]
    left = ecs.describe_capacity_providers(capacityProviders=["demo-ondemand", "demo-spot"])["capacityProviders"]
    assert all(p["status"] == "INACTIVE" for p in left)
    clusters = ecs.describe_clusters(clusters=[STACK])["clusters"]
    assert not clusters or clusters[0]["status"] == "INACTIVE"


def _instance_resources(aws):
    """What the stack creates first, by kind (whatever another test left is compared, not assumed away)."""
    return {"groups": sorted(asgs(aws)),
            "launch_templates": sorted(t["LaunchTemplateName"] for t in aws("ec2").describe_launch_templates()[
                "LaunchTemplates"]),
            "roles": sorted(r["RoleName"] for r in aws("iam").list_roles()["Roles"]),
            "clusters": aws("ecs").list_clusters()["clusterArns"]}


def test_bad_inputs_fail_before_any_change(playbook, aws, network):
    before = _instance_resources(aws)
    bad_groups = [
        {"name": "inverted", "instance_type": "m6i.large", "min_size": 3, "max_size": 1, "desired_capacity": 1},
        {"name": "outside", "instance_type": "m6i.large", "min_size": 1, "max_size": 2, "desired_capacity": 5},
        {"name": "nospot", "spot": True, "instance_type": "m6i.large", "min_size": 0, "max_size": 2,
         "desired_capacity": 0},
        {"name": "hot", "instance_type": "m6i.large", "min_size": 0, "max_size": 2, "desired_capacity": 0,
         "target_capacity": 150},
        {"name": "mixed", "spot": True, "instance_types": ["m7g.large", "m6i.large"], "min_size": 0, "max_size": 2,
         "desired_capacity": 0},
    ]
    run = playbook(PLAYBOOK, extra_vars=stack_vars(network, groups=bad_groups, with_cluster=False,
                                                   ecs_instances_subnet_ids=[]))
    assert run.rc != 0
    output = " ".join(run.output.split())  # the result callback wraps long messages
    for message in (
        "ecs_instances_subnet_ids = []: empty",
        "ecs_instances_groups[inverted].min_size = 3: greater than max_size (1)",
        "ecs_instances_groups[outside].desired_capacity = 5: outside min_size..max_size (1..2)",
        "ecs_instances_groups[nospot].instance_types = ['m6i.large']: a spot group needs several instance types",
        "ecs_instances_groups[hot].target_capacity = 150: percent of the group kept in use by tasks: 1-100",
        "ecs_instances_groups[mixed].instance_types = ['m7g.large', 'm6i.large']: mixes Graviton (arm64) and x86_64",
    ):
        assert message in output, message
    # An explicit x86_64 AMI on a Graviton instance type is refused after a read-only look-up.
    x86_ami = aws("ssm").get_parameter(
        Name="/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id")["Parameter"]["Value"]
    arch = playbook(PLAYBOOK, extra_vars=stack_vars(network, with_cluster=False, groups=[
        {"name": "graviton", "instance_type": "m7g.large", "ami_id": x86_ami, "min_size": 0, "max_size": 1,
         "desired_capacity": 0}]))
    assert arch.rc != 0
    assert (f"ecs_instances_groups[graviton].instance_type = 'm7g.large': runs arm64 but AMI {x86_ami} is x86_64"
            in " ".join(arch.output.split()))
    # A given security group must exist and keep SSH closed (instances are reached with SSM).
    ec2 = aws("ec2")
    ssh = ec2.create_security_group(GroupName="demo-ssh-open", Description="SSH open", VpcId=network["vpc_id"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    groups = {}
    for group in (ssh, "sg-0000000000000dead"):
        groups[group] = playbook(PLAYBOOK, extra_vars=stack_vars(network, with_cluster=False,
                                                                 ecs_instances_security_group_id=group))
        assert groups[group].rc != 0
    assert (f"ecs_instances_security_group_id = '{ssh}': the security group allows SSH (port 22)"
            in " ".join(groups[ssh].output.split()))
    assert ("ecs_instances_security_group_id = 'sg-0000000000000dead': no such security group"
            in " ".join(groups["sg-0000000000000dead"].output.split()))
    ec2.delete_security_group(GroupId=ssh)
    assert [run.writes, arch.writes] + [g.writes for g in groups.values()] == [[], [], [], []]
    assert _instance_resources(aws) == before
