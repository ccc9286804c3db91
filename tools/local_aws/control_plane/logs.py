"""CloudWatch Logs AssociateKmsKey and DisassociateKmsKey, and DescribeLogGroups by `logGroupIdentifiers`, which moto
does not implement.

As the CloudWatch Logs API reference describes them: AssociateKmsKey sets the key (a KMS key ARN) that encrypts a
log group's new events, DisassociateKmsKey removes it; DescribeLogGroups shows it as `kmsKeyId`. An unknown group
answers ResourceNotFoundException ("The specified log group does not exist."); a key that is not a key ARN answers
InvalidParameterException. Only the log-group form (`logGroupName`) is served; `resourceIdentifier` (query
results) is left to moto.

DescribeLogGroups with `logGroupIdentifiers` (1 to 50 log group names of the caller's account, or their ARNs) answers
only the groups named that exist, in name order, paged by `limit` (default and maximum 50) and `nextToken`; naming
a prefix or pattern as well is an InvalidParameterException, as the API reference says no other filter may be given.
Without identifiers the request is moto's.
"""
import re

from moto.logs.models import logs_backends

from local_aws.control_plane.core import Component, Response

KEY_ARN = re.compile(r"^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


class Logs(Component):
    name = "logs"

    def intercepts(self):
        return {("logs", "AssociateKmsKey"): self._associate, ("logs", "DisassociateKmsKey"): self._disassociate,
                ("logs", "DescribeLogGroups"): self._describe_by_identifiers}

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

    def _describe_by_identifiers(self, request):
        body = request.json or {}
        identifiers = body.get("logGroupIdentifiers")
        if identifiers is None:
            return None
        if not 1 <= len(identifiers) <= 50:
            return Response.json_error("InvalidParameterException",
                                       "logGroupIdentifiers must name between 1 and 50 log groups.")
        if body.get("logGroupNamePrefix") or body.get("logGroupNamePattern"):
            return Response.json_error("InvalidParameterException",
                                       "logGroupIdentifiers cannot be combined with logGroupNamePrefix or "
                                       "logGroupNamePattern.")
        limit = body.get("limit") or 50
        if not 1 <= limit <= 50:
            return Response.json_error("InvalidParameterException", "limit must be between 1 and 50.")
        groups = logs_backends[request.account_id][request.region].groups
        names = {identifier.split(":log-group:", 1)[-1].split(":", 1)[0] for identifier in identifiers}
        found = sorted(name for name in names if name in groups)
        start = int(body["nextToken"]) if str(body.get("nextToken") or "").isdigit() else 0
        page = [groups[name].to_describe_dict() for name in found[start:start + limit]]
        token = str(start + limit) if start + limit < len(found) else None
        return Response.json({"logGroups": page, **({"nextToken": token} if token else {})})
