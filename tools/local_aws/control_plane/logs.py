"""CloudWatch Logs AssociateKmsKey and DisassociateKmsKey, which moto does not implement.

As the CloudWatch Logs API reference describes them: AssociateKmsKey sets the key (a KMS key ARN) that encrypts a
log group's new events, DisassociateKmsKey removes it; DescribeLogGroups shows it as `kmsKeyId`. An unknown group
answers ResourceNotFoundException ("The specified log group does not exist."); a key that is not a key ARN answers
InvalidParameterException. Only the log-group form (`logGroupName`) is served; `resourceIdentifier` (query
results) is left to moto.
"""
import re

from moto.logs.models import logs_backends

from local_aws.control_plane.core import Component, Response

KEY_ARN = re.compile(r"^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


class Logs(Component):
    name = "logs"

    def intercepts(self):
        return {("logs", "AssociateKmsKey"): self._associate, ("logs", "DisassociateKmsKey"): self._disassociate}

    def _group(self, request):
        name = (request.json or {}).get("logGroupName")
        if not name:
            return None, None
        group = logs_backends[request.account_id][request.region].groups.get(name)
        if group is None:
            return None, Response.json_error("ResourceNotFoundException", "The specified log group does not exist.")
        return group, None

    def _associate(self, request):
        group, error = self._group(request)
        if group is None:
            return error
        key = (request.json or {}).get("kmsKeyId") or ""
        if not KEY_ARN.match(key):
            return Response.json_error("InvalidParameterException",
                                       f"Invalid KMS key ARN: {key}")
        group.kms_key_id = key
        return Response.json({})

    def _disassociate(self, request):
        group, error = self._group(request)
        if group is None:
            return error
        group.kms_key_id = None
        return Response.json({})
