"""Run a module's main() on botocore-stubbed clients: every request and response is checked against
the service's API shapes, an unexpected call fails the test, and `module.exit_json`/`fail_json`
end the run with the result instead of exiting."""
import boto3
import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.cloudops.ecs.plugins.module_utils import aws


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


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


@pytest.fixture
def run_module(monkeypatch, stubs):
    """run_module(module, args, check_mode=False) -> (result, failed); every queued response used."""
    def exit_json(self, **result):
        raise ModuleExit(result, False)

    def fail_json(self, **result):
        raise ModuleExit(result, True)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: None)

    def run(module, args, check_mode=False):
        args = dict(args, region="us-east-1", _ansible_check_mode=check_mode, _ansible_diff=True)
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as ended:
                module.main()
        if not ended.value.failed:
            stubs.assert_all_used()
        return ended.value.result, ended.value.failed
    return run
