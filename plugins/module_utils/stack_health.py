# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verification of one stack (ecs_stack_health_info): read a snapshot (stack_reads.py), evaluate the
pure checks (health.py), optionally re-check until healthy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.cloudops.ecs.plugins.module_utils import container_instance as ci_utils
from ansible_collections.cloudops.ecs.plugins.module_utils import health
from ansible_collections.cloudops.ecs.plugins.module_utils import stack_reads
from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError


class StackHealth(Service):
    SERVICES = ("ecs", "elbv2", "autoscaling", "ec2", "ssm", "rds", "cloudwatch")

    def options(self):
        params = self.params
        return {
            "checks": params["checks"],
            "availability_zones": params["availability_zones"],
            "ami_parameters": params["ami_parameters"],
            "ami_max_age_days": params["ami_max_age_days"],
            "database_ha": params["database_ha"],
            "event_window_seconds": params["event_window"],
            "stopped_window_seconds": params["stopped_window"],
            "min_container_instances": params["min_container_instances"],
        }

    def checks(self):
        params, options = self.params, self.options()
        cluster = ci_utils.find_cluster(self.clients["ecs"], params["cluster"], params["stack_name"])
        snapshot = stack_reads.gather(self.clients, cluster, params["stack_name"], options)
        checks = health.evaluate(snapshot, options=options)
        if cluster is None:
            for check in checks:
                if check["name"] in ("services", "container_instances"):
                    check["ok"] = False
                    check["details"] = ["no ECS cluster %s" % (params["cluster"] or "tagged cloudops:stack=" + params["stack_name"])]
        return cluster, checks

    def attempt(self):
        cluster, checks = self.checks()
        failing = health.failing(checks, self.params["fail_on_warnings"])
        return not failing, [c["name"] for c in failing], (cluster, checks)

    def run(self):
        params = self.params
        clock = self.clock or waiter.Clock()
        started = clock.now()
        try:
            if params["wait"]:
                result = waiter.wait(self.attempt, params["wait_timeout"], what="stack %s to be healthy" % params["stack_name"],
                                     clock=clock, interval=1.0, progress=self.progress)
                ok, names, (cluster, checks) = result.satisfied, result.reasons, result.value
            else:
                ok, names, (cluster, checks) = self.attempt()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Could not read the health of stack %s" % params["stack_name"], exception=e) from e
        result = dict(changed=False, healthy=ok, checks=checks, failed_checks=names, summary=health.summary_lines(checks),
                      cluster=(cluster or {}).get("clusterName"), elapsed=round(clock.now() - started, 1))
        if not ok and params["fail_on_unhealthy"]:
            failing = [c for c in checks if c["name"] in names]
            raise CloudopsError(message="Stack %s is unhealthy: %s" % (
                params["stack_name"], "; ".join("%s (%s)" % (c["name"], "; ".join(c["details"][:3])) for c in failing)),
                **result)
        return result
