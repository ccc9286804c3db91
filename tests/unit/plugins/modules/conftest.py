"""Run a module's main() on botocore-stubbed clients (the `stubs` fixture of tests/unit/plugins/conftest.py): every
request and response is checked against the service's API shapes, an unexpected call fails the test, and
`module.exit_json`/`fail_json` end the run with the result instead of exiting."""
import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


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
