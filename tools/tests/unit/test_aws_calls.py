"""tools/aws_calls: the sitecustomize hook records one line per logical AWS call, in child processes."""
import importlib.util
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HOOK_DIR = os.path.join(ROOT, "tools", "aws_calls")


def run_python(code, log=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PYTHONPATH=HOOK_DIR, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1")
    if log:
        env["AWS_CALL_LOG"] = str(log)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


CALLS = """
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2")
        ec2.describe_vpcs()
        ec2.create_vpc(CidrBlock="10.0.0.0/16")
        try:
            ec2.describe_vpcs(VpcIds=["vpc-00000000"])
        except ClientError:
            pass
        boto3.session.Session().client("elbv2").describe_load_balancers()
        for _page in boto3.client("logs").get_paginator("describe_log_groups").paginate():
            pass
        boto3.client("sts").get_caller_identity()
"""


def test_records_every_logical_call_with_service_and_action(tmp_path):
    log = tmp_path / "calls"
    run_python(CALLS, log)
    assert log.read_text().splitlines() == [
        "ec2 DescribeVpcs",
        "ec2 CreateVpc",
        "ec2 DescribeVpcs",  # failed calls count too
        "elbv2 DescribeLoadBalancers",
        "logs DescribeLogGroups",
        "sts GetCallerIdentity",
    ]


def test_appends_across_processes(tmp_path):
    log = tmp_path / "calls"
    run_python(CALLS, log)
    run_python(CALLS, log)
    assert len(log.read_text().splitlines()) == 12


def test_does_nothing_without_aws_call_log(tmp_path):
    out = run_python(
        """
        import sys
        import botocore.session
        print(getattr(botocore.session.Session, "_aws_calls_patched", False))
        print(any(type(f).__name__ == "_PatchOnImport" for f in sys.meta_path))
        """
    )
    assert out.split() == ["False", "False"]
    assert list(tmp_path.iterdir()) == []


def test_botocore_is_patched_lazily_and_only_once(tmp_path):
    log = tmp_path / "calls"
    out = run_python(
        """
        import sys
        print("botocore.session" in sys.modules)
        import sitecustomize
        import botocore.session
        sitecustomize.install()
        sitecustomize.patch_session_class(botocore.session)
        print(botocore.session.Session._aws_calls_patched)
        print(any(isinstance(f, sitecustomize._PatchOnImport) for f in sys.meta_path))
        import boto3
        from moto import mock_aws
        with mock_aws():
            boto3.client("s3").list_buckets()
        """,
        log,
    )
    assert out.split() == ["False", "True", "False"]
    assert log.read_text() == "s3 ListBuckets\n"


def test_a_check_mode_playbook_records_to_the_check_log():
    spec = importlib.util.spec_from_file_location("aws_calls_hook", os.path.join(HOOK_DIR, "sitecustomize.py"))
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)  # without AWS_CALL_LOG in this process's environment it only defines functions
    environ = {"AWS_CALL_LOG": "all.log", "AWS_CALL_LOG_CHECK": "check.log"}
    assert hook.check_mode_log(["/venv/bin/ansible-playbook", "-i", "inv", "--check", "site.yml"], environ) == "check.log"
    assert hook.check_mode_log(["ansible-playbook", "-C", "site.yml"], environ) == "check.log"
    assert hook.check_mode_log(["/venv/bin/ansible-playbook", "-i", "inv", "site.yml"], environ) == "all.log"
    assert hook.check_mode_log(["/venv/bin/molecule", "test", "--check"], environ) == "all.log"
    assert hook.check_mode_log(["ansible-playbook", "--check"], {"AWS_CALL_LOG": "all.log"}) == "all.log"
    assert hook.check_mode_log([], environ) == "all.log"
