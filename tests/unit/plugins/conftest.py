"""Botocore-stubbed clients for the unit tests of modules and module_utils."""
import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.cloudops.ecs.plugins.module_utils import aws


class Stubs:
    """One stubbed client per service; `stubs["ecs"]` is the Stubber to queue responses on."""

    def __init__(self):
        self.raw = {}
        self.stubbers = {}

    def __getitem__(self, service):
        if service not in self.stubbers:
            self.raw[service] = boto3.client(service, region_name="us-east-1", aws_access_key_id="testing",
                                             aws_secret_access_key="testing")
            self.stubbers[service] = Stubber(self.raw[service])
            self.stubbers[service].activate()
        return self.stubbers[service]

    def client(self, module, service, extra_retry_codes=None):
        self[service]
        return RetryingBotoClientWrapper(self.raw[service], aws.retry(extra_retry_codes))

    def assert_all_used(self):
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def stubs(monkeypatch):
    stubs = Stubs()
    monkeypatch.setattr(aws, "client", stubs.client)
    return stubs
