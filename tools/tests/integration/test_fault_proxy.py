"""The fault proxy answers a seeded fraction of AWS requests with throttling, 500 or 503 in the request's protocol,
without forwarding them: botocore retries each one, so every call succeeds, nothing is created twice, and the same
seed faults the same requests."""
import json
import os
import subprocess
import sys
import urllib.request

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.parsers import RestJSONParser

TOOLS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, TOOLS)

from local_aws.fault_proxy import FaultPlan, fault_response  # noqa: E402
from local_aws.polling import wait_for  # noqa: E402


@pytest.fixture
def proxy(endpoint, tmp_path):
    endpoint_file = tmp_path / "proxy"
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "local_aws.fault_proxy", "--upstream", endpoint, "--rate", "0.25", "--seed", "11",
         "--endpoint-file", str(endpoint_file)], env=dict(os.environ, PYTHONPATH=TOOLS))
    try:
        yield wait_for(lambda: endpoint_file.exists() and endpoint_file.read_text().strip(), timeout=30,
                       what="fault proxy endpoint")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _client(service, url):
    return boto3.client(service, region_name="us-east-1", endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"mode": "legacy", "max_attempts": 12}))


def test_every_call_succeeds_through_faults_and_nothing_is_duplicated(proxy, endpoint):
    ec2, ecs, iam = _client("ec2", proxy), _client("ecs", proxy), _client("iam", proxy)
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(20)]
    clusters = [ecs.create_cluster(clusterName=f"fault-{i}")["cluster"]["clusterName"] for i in range(10)]
    roles = [iam.create_role(RoleName=f"fault-{i}", AssumeRolePolicyDocument="{}")["Role"]["RoleName"]
             for i in range(10)]

    with urllib.request.urlopen(proxy + "/_proxy/stats", timeout=30) as response:
        stats = json.loads(response.read())
    kinds = {key.rsplit(":", 1)[1] for key in stats["by_action"]}
    assert stats["faults"] > 0 and kinds == {"throttle", "500", "503"}, stats
    assert stats["requests"] == stats["forwarded"] + stats["faults"]
    assert stats["forwarded"] >= 40

    direct = _client("ec2", endpoint)
    created = {v["VpcId"] for v in direct.describe_vpcs()["Vpcs"] if v["CidrBlock"].endswith(".0.0/16")
               and v["VpcId"] in vpcs}
    assert created == set(vpcs) and len(vpcs) == 20
    names = [c["clusterName"] for c in _client("ecs", endpoint).describe_clusters(clusters=clusters)["clusters"]]
    assert sorted(names) == sorted(clusters)
    assert {r["RoleName"] for r in _client("iam", endpoint).list_roles()["Roles"]} >= set(roles)


def test_the_same_seed_faults_the_same_requests():
    first, second = FaultPlan(0.3, seed=5), FaultPlan(0.3, seed=5)
    assert [first.decide("ec2", "X") for _ in range(200)] == [second.decide("ec2", "X") for _ in range(200)]
    assert 30 < first.stats["faults"] < 90


@pytest.mark.parametrize("kind, code", [("throttle", "ThrottlingException"), ("500", "InternalFailure"),
                                        ("503", "ServiceUnavailable")])
def test_a_rest_json_get_gets_its_error_in_json(kind, code):
    """EFS is REST JSON: DescribeMountTargets is a GET with no body and no target, and its error must still be the
    JSON botocore reads the code from (an XML body would reach the module as a bare '400' it does not retry)."""
    status, headers, body = fault_response(kind, "elasticfilesystem", {"Authorization": "", "Content-Type": ""})
    parsed = RestJSONParser().parse({"status_code": status, "headers": dict(headers), "body": body},
                                    botocore.session.get_session().get_service_model("efs").operation_model(
                                        "DescribeMountTargets").output_shape)
    assert parsed["Error"]["Code"] == code
