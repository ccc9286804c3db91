"""Health verification on the local AWS: a healthy stack passes every check (in check mode, read-only);
an unhealthy target makes verify fail naming the check."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import day2_stack as d  # noqa: E402

from local_aws.polling import wait_for  # noqa: E402

PLAYBOOK = "playbooks/verify.yml"
CHECKS = ["services", "targets", "container_instances", "az_coverage", "spare_capacity", "ami", "database",
          "network", "stopped_tasks"]


@pytest.fixture(scope="module")
def stack(aws, local_aws):
    built = d.build(aws)
    d.start_service(aws, built)
    return built


def test_verify_passes_then_names_the_failing_check(playbook, aws, stack, endpoint):
    healthy = playbook(PLAYBOOK, check=True)
    assert healthy.rc == 0, healthy.output
    assert healthy.writes == [], healthy.writes  # read-only
    for name in CHECKS:
        assert f"OK   {name}:" in healthy.output, name
    assert "6 healthy targets in 1 target groups" in healthy.output
    assert "3 container instances ACTIVE, agent connected" in healthy.output
    assert "instances in us-east-1a, us-east-1b, us-east-1c" in healthy.output
    assert "is healthy" in healthy.output

    target = aws("elbv2").describe_target_health(TargetGroupArn=stack["target_group_arn"])["TargetHealthDescriptions"][0]
    bad = target["Target"]["Id"]
    d.control(endpoint, "elbv2/set-target-health", {"target_group_arn": stack["target_group_arn"], "target_id": bad,
                                                     "state": "unhealthy"})
    try:
        wait_for(lambda: d.healthy_targets(aws, stack) < stack["tasks"], timeout=60, step=0.2, what="an unhealthy target")
        failed = playbook(PLAYBOOK)
        assert failed.rc != 0
        assert "FAIL targets:" in failed.output, failed.output
        failing = failed.output.split("failing checks:", 1)[1].split(".", 1)[0]
        assert "targets" in failing
        assert "OK   ami:" in failed.output and "OK   database:" in failed.output  # the rest is still reported
    finally:
        d.control(endpoint, "elbv2/set-target-health", {"target_group_arn": stack["target_group_arn"],
                                                         "target_id": bad, "state": "healthy"})
