"""Fixtures for the local AWS tests: one private server per session, boto3 clients against it."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from local_aws.cli import LocalAws  # noqa: E402
from local_aws.controls import Controls  # noqa: E402


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
def controls(endpoint):
    """The test controls of the private local AWS (local_aws.controls.Controls)."""
    return Controls(endpoint)


@pytest.fixture(scope="session")
def control(controls):
    """control("elbv2/set-target-health", {...}) -> the control's JSON answer."""
    return controls.call


@pytest.fixture
def clock(controls):
    """The local AWS clock, frozen for this test: plane time moves only through clock.advance(seconds).
    Unfrozen afterwards, whatever the outcome, so the next test finds real time again."""
    controls.freeze()
    yield controls
    controls.unfreeze()
