"""The local inventory's module_defaults reach amazon.aws modules, and they change real state."""

LOG_GROUP = "/demo/foundation-check"


def _log_groups(aws):
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    return {g["logGroupName"]: g for g in groups}


def test_create_rerun_and_remove_through_module_defaults(playbook, aws):
    assert LOG_GROUP not in _log_groups(aws)

    created = playbook("tests/integration/playbooks/log_group_lifecycle.yml")
    assert created.rc == 0, created.output
    assert created.changed == 1
    assert _log_groups(aws)[LOG_GROUP]["retentionInDays"] == 7
    # the runner sees the calls the module processes made (other tests assert a run made no write call)
    assert "logs CreateLogGroup" in created.writes, created.calls

    again = playbook("tests/integration/playbooks/log_group_lifecycle.yml")
    assert again.rc == 0, again.output
    assert again.changed == 0
    assert again.writes == [], again.writes

    removed = playbook("tests/integration/playbooks/log_group_lifecycle.yml", extra_vars={"log_group_state": "absent"})
    assert removed.rc == 0, removed.output
    assert removed.changed == 1
    assert LOG_GROUP not in _log_groups(aws)
