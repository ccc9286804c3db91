# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SSM parameter values read in batches (GetParameters takes up to ten names a call)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

BATCH = 10


class ParameterValues(Service):
    """The values of the named SSM parameters (public ones such as the ECS-optimized AMI ids included)."""

    SERVICES = ("ssm",)

    def run(self):
        names = list(dict.fromkeys(self.params["names"]))
        values, missing = {}, []
        for batch in chunks(names, BATCH):
            answer = self.call("ssm", "get_parameters", "read the SSM parameters %s" % ", ".join(batch),
                               Names=batch, WithDecryption=False)
            values.update((p["Name"], p["Value"]) for p in answer.get("Parameters", []))
            missing.extend(answer.get("InvalidParameters", []))
        if missing:
            raise CloudopsError(message="SSM parameter(s) not found in %s: %s; check the names (public parameters are "
                                        "listed under /aws/service/ in every region that has the service)"
                                        % (self.region or "this region", ", ".join(sorted(missing))))
        return dict(changed=False, values=values)
