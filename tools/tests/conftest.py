"""Fixtures for the local AWS tests: one private server per session, boto3 clients against it."""
import json
import os
import sys
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from local_aws.cli import LocalAws  # noqa: E402


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    """A private local AWS (fast profile) in a temporary state folder; stopped at the end."""
    server = LocalAws(str(tmp_path_factory.mktemp("local-aws")))
    server.start(profile="fast")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def endpoint(local_aws):
    return local_aws.endpoint()


@pytest.fixture(scope="session")
def client(endpoint):
    """client("ec2") -> a boto3 client for the private local AWS."""
    import boto3

    def make(service):
        return boto3.client(
            service, region_name="us-east-1", endpoint_url=endpoint,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

    return make


@pytest.fixture(scope="session")
def control(endpoint):
    """control("elbv2/set-target-health", {...}) -> the control's JSON answer."""

    def call(name, payload=None):
        request = urllib.request.Request(
            f"{endpoint}/_local/{name}", data=json.dumps(payload or {}).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    return call
