# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure readiness predicates over AWS API responses: no I/O, so waits, verification and rolls share
one definition of "ready" and each is unit-tested on plain dicts.

Every predicate returns (ready: bool, reasons: list of str); reasons say what is not ready yet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def service_rolled_out(service):
    """An ECS service (DescribeServices item) whose rollout is done: ACTIVE, one deployment, that
    deployment PRIMARY with rolloutState COMPLETED, and running == desired with nothing pending."""
    reasons = []
    name = service.get("serviceName", "?")
    if service.get("status") != "ACTIVE":
        reasons.append("%s: status %s" % (name, service.get("status")))
    deployments = service.get("deployments") or []
    if len(deployments) != 1:
        reasons.append("%s: %d deployments" % (name, len(deployments)))
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        reasons.append("%s: no PRIMARY deployment" % name)
    elif primary.get("rolloutState") not in (None, "COMPLETED"):
        reasons.append("%s: rollout %s (%s)" % (name, primary.get("rolloutState"), primary.get("rolloutStateReason", "")))
    if service.get("runningCount") != service.get("desiredCount") or service.get("pendingCount"):
        reasons.append(
            "%s: running %s of %s desired, %s pending"
            % (name, service.get("runningCount"), service.get("desiredCount"), service.get("pendingCount"))
        )
    return not reasons, reasons


def targets_healthy(target_health_descriptions, minimum=1):
    """DescribeTargetHealth output: at least `minimum` targets, every registered target healthy
    (draining targets are on their way out and do not count either way)."""
    reasons = []
    current = [t for t in target_health_descriptions if t["TargetHealth"]["State"] != "draining"]
    healthy = [t for t in current if t["TargetHealth"]["State"] == "healthy"]
    for target in current:
        state = target["TargetHealth"]["State"]
        if state != "healthy":
            reasons.append(
                "target %s:%s is %s (%s)"
                % (target["Target"]["Id"], target["Target"].get("Port", "-"), state,
                   target["TargetHealth"].get("Reason", ""))
            )
    if len(healthy) < minimum:
        reasons.append("%d healthy targets, %d needed" % (len(healthy), minimum))
    return not reasons, reasons
