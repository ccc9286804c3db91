"""AWS managed policies parsed once per process: every IAM backend gets the policies moto's own loader gives, as
objects of its own."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from moto.iam import models as iam_models  # noqa: E402

from local_aws.control_plane import catalogues  # noqa: E402
from local_aws.control_plane.core import Plane  # noqa: E402


def _fields(policy):
    return (policy.name, policy.path, policy.default_version_id, policy.versions[0].document, policy.create_date,
            policy.update_date, policy.arn)


def test_every_backend_gets_the_policies_moto_loads_as_objects_of_its_own(monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    expected = [iam_models.AWSManagedPolicy.from_data(name, "111111111111", "us-east-1", data)
                for name, data in json.loads(iam_models.aws_managed_policies_data).items()]
    catalogues.Catalogues(Plane(None))
    catalogues.aws_managed_policy_data.cache_clear()
    first = iam_models.IAMBackend("us-east-1", "111111111111")
    second = iam_models.IAMBackend("us-east-1", "222222222222")

    assert [_fields(p) for p in first.aws_managed_policies] == [_fields(p) for p in expected]
    assert len(second.aws_managed_policies) == len(expected) > 1000
    assert not {id(p) for p in first.aws_managed_policies} & {id(p) for p in second.aws_managed_policies}
    assert catalogues.aws_managed_policy_data.cache_info().misses == 1
    first.aws_managed_policies[0].attachment_count += 1
    assert second.aws_managed_policies[0].attachment_count == 0


def test_no_managed_policies_when_moto_is_told_not_to_load_them(monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
    catalogues.Catalogues(Plane(None))
    assert iam_models.IAMBackend("us-east-1", "111111111111").aws_managed_policies == []
