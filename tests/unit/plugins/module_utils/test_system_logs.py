from ansible_collections.cloudops.ecs.plugins.module_utils import system_logs

PREFIX = "/demo/instances/"


def test_every_system_log_has_a_group_of_the_stack_and_a_stream_per_instance():
    assert system_logs.log_group_names(PREFIX) == [PREFIX + n for n in (
        "ecs-agent", "ecs-init", "docker", "containerd", "cloud-init", "journal")]
    files = system_logs.agent_config(PREFIX)["logs"]["logs_collected"]["files"]["collect_list"]
    assert {f["file_path"]: f["log_group_name"] for f in files} == {
        "/var/log/ecs/ecs-agent.log": PREFIX + "ecs-agent", "/var/log/ecs/ecs-init.log": PREFIX + "ecs-init",
        "/var/log/docker.log": PREFIX + "docker", "/var/log/containerd.log": PREFIX + "containerd",
        "/var/log/cloud-init.log": PREFIX + "cloud-init", "/var/log/cloud-init-output.log": PREFIX + "cloud-init",
        "/var/log/messages": PREFIX + "journal"}
    streams = [f["log_stream_name"] for f in files]
    assert len(set(streams)) == len(streams) and all(s.startswith("{instance_id}/") for s in streams)
    # the groups' retention is the role's: the agent leaves it alone
    assert {f["retention_in_days"] for f in files} == {-1}


def test_the_daemons_logs_are_split_out_of_the_journal_into_the_files_shipped():
    rules = system_logs.rsyslog_rules()
    assert 'if $programname == "dockerd" then /var/log/docker.log' in rules
    assert 'if $programname == "containerd" then /var/log/containerd.log' in rules


def test_the_role_may_only_create_streams_and_put_events_in_those_groups_of_its_partition():
    policy = system_logs.system_logs(PREFIX, "aws-cn", "cn-north-1", "123456789012")["policy"]
    [statement] = policy["Statement"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/demo/instances/journal:log-stream:*" in statement["Resource"]
    assert len(statement["Resource"]) == 12
    assert all(r.startswith("arn:aws-cn:logs:cn-north-1:123456789012:log-group:/demo/instances/")
               for r in statement["Resource"])
    assert "policy" not in system_logs.system_logs(PREFIX)
