"""Count AWS API calls made by any Python process, Ansible module processes included.

Put this folder on PYTHONPATH and set AWS_CALL_LOG=<file>: every botocore session created afterwards
appends one line per logical API call, "<service> <Action>" (e.g. "ec2 DescribeVpcs"), to the file.
Retries of the same call are not counted again. ansible-playbook passes PYTHONPATH and the environment to
the modules it runs on the controller, so a playbook run can be measured from outside:

    AWS_CALL_LOG=/tmp/calls PYTHONPATH=tools/aws_calls ansible-playbook ...
    sort /tmp/calls | uniq -c | sort -rn

botocore is patched lazily, when it is first imported, so processes that never talk to AWS pay nothing.
Without AWS_CALL_LOG this file does nothing.

AWS_CALL_LOG_CHECK=<file> as well: an ansible-playbook started with --check (and every process it starts) records to
that file instead, so one command that runs several playbooks (`molecule test`: converge, idempotence, check, ...)
shows what its check-mode run called.
"""
import importlib.abc
import importlib.util
import os
import sys

TARGET = "botocore.session"


def _record(model=None, **_kwargs):
    path = os.environ.get("AWS_CALL_LOG")
    if not path or model is None:
        return
    line = f"{model.service_model.service_name} {model.name}\n".encode()
    try:
        # O_APPEND keeps lines from concurrent processes whole.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass


def patch_session_class(module):
    """Make every botocore Session register the call recorder (idempotent)."""
    session_class = module.Session
    if getattr(session_class, "_aws_calls_patched", False):
        return
    original_init = session_class.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.register("before-call", _record, unique_id="aws-calls-counter")

    session_class.__init__ = __init__
    session_class._aws_calls_patched = True


class _PatchOnImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Find botocore.session through the other finders, then patch it right after it executes."""

    def find_spec(self, fullname, path, target=None):
        if fullname != TARGET:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        self._real_loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self._real_loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = self._real_loader
        self._real_loader.exec_module(module)
        patch_session_class(module)
        if self in sys.meta_path:
            sys.meta_path.remove(self)


def install():
    if TARGET in sys.modules:
        patch_session_class(sys.modules[TARGET])
    elif not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


def check_mode_log(argv, environ):
    """The call log of this process: AWS_CALL_LOG_CHECK for an ansible-playbook run in check mode, else AWS_CALL_LOG."""
    check_log = environ.get("AWS_CALL_LOG_CHECK")
    if check_log and argv and os.path.basename(argv[0]) == "ansible-playbook" and ("--check" in argv or "-C" in argv):
        return check_log
    return environ.get("AWS_CALL_LOG")


if os.environ.get("AWS_CALL_LOG_CHECK") and check_mode_log(getattr(sys, "argv", None), os.environ):
    # inherited by the playbook's workers and their module processes
    os.environ["AWS_CALL_LOG"] = check_mode_log(sys.argv, os.environ)
if os.environ.get("AWS_CALL_LOG"):
    install()
