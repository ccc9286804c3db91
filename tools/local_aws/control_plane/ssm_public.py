"""SSM public parameters: AWS publishes a new value (a new version) when it releases an image.

Under /aws/service/ the parameters belong to AWS: PutParameter refuses the prefix, as AWS does, so a test that
needs "AWS released a new ECS-optimized AMI" says so through the `ssm/publish-public-parameter` control. The new
value becomes the parameter's latest version, read by GetParameter(s) and GetParametersByPath as on AWS.
"""
from moto.core.utils import utcnow
from moto.ssm.models import Parameter, ssm_backends

from local_aws.control_plane.core import DEFAULT_ACCOUNT_ID, Component

PUBLIC_PREFIX = "/aws/service/"


class SsmPublic(Component):
    name = "ssm_public"

    def controls(self):
        return {"ssm/publish-public-parameter": self._publish}

    def _publish(self, payload):
        name, value = payload["name"], str(payload["value"])
        if not name.startswith(PUBLIC_PREFIX):
            raise ValueError(f"{name}: only parameters under {PUBLIC_PREFIX} are published by AWS")
        account = payload.get("account_id", DEFAULT_ACCOUNT_ID)
        region = payload.get("region", "us-east-1")
        parameters = ssm_backends[account][region]._parameters
        versions = parameters[name]  # moto loads AWS's public trees on first read
        latest = versions[-1] if versions else None
        version = (latest.version if latest else 0) + 1
        versions.append(Parameter(
            account_id=account, name=name, value=value,
            parameter_type=latest.parameter_type if latest else "String", description=None,
            allowed_pattern=None, keyid=None, last_modified_date=utcnow(), version=version,
            data_type=latest.data_type if latest else "text"))
        return {"name": name, "value": value, "version": version}
