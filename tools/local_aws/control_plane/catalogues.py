"""AWS catalogues moto loads (IAM managed policies, AMIs) read once per process.

moto gives every IAM backend AWS's managed policies (about 1,300, from a 4 MB JSON document) and every EC2 backend
the AMI catalogue of its region (gzipped JSON), parsing the documents again for each backend it creates: at the first
request of an account and after each /moto-api/reset, where the tests reset between modules. The documents are
parsed once per process here. Each backend still gets objects of its own, built as moto builds them (a policy's
attachment count and an image's state belong to one account), so answers are unchanged.
"""
import functools
import json
from datetime import datetime

from moto.ec2.models import amis as ec2_amis
from moto.iam import models as iam_models
from moto.settings import load_iam_aws_managed_policies

from local_aws.control_plane.core import Component
from local_aws.control_plane.moto_patch import patch


class Catalogues(Component):
    name = "catalogues"

    def __init__(self, plane):
        super().__init__(plane)
        patch(iam_models.IAMBackend, "_init_aws_policies", _policies_parsed_once)
        patch(ec2_amis, "load_resource", _loaded_once_copied)


@functools.lru_cache(maxsize=1)
def aws_managed_policy_data():
    """(name, default version, path, document as moto stores it, created, updated) of every AWS managed policy."""
    parsed = json.loads(iam_models.aws_managed_policies_data)
    return tuple((name, data.get("DefaultVersionId"), data.get("Path"), json.dumps(data.get("Document")),
                  datetime.fromisoformat(data["CreateDate"]), datetime.fromisoformat(data["UpdateDate"]))
                 for name, data in parsed.items())


def _policies_parsed_once(original):
    def init(backend):
        if not load_iam_aws_managed_policies():
            return []
        return [iam_models.AWSManagedPolicy(name, account_id=backend.account_id, region=backend.region_name,
                                            default_version_id=version, path=path, document=document,
                                            create_date=created, update_date=updated)
                for name, version, path, document, created, updated in aws_managed_policy_data()]

    return init


def _loaded_once_copied(original):
    """moto changes the image records it loads (owner alias, parsed dates): each caller gets copies of them."""
    cached_load = functools.lru_cache(maxsize=None)(original)

    def load(resource):
        value = cached_load(resource)
        return [dict(item) for item in value] if isinstance(value, list) else value

    return load
