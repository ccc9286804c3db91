# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning logic for Application Load Balancers: attribute drift (with AWS's documented
defaults for attributes a describe call leaves out) and the listener create/modify/delete plan.
Listener rules are never touched here: services own them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Documented defaults of the ALB attributes, used when DescribeLoadBalancerAttributes omits a key.
ATTRIBUTE_DEFAULTS = {
    "deletion_protection.enabled": "false",
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "idle_timeout.timeout_seconds": "60",
    "client_keep_alive.seconds": "3600",
    "routing.http2.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "load_balancing.cross_zone.enabled": "true",
    "waf.fail_open.enabled": "false",
}

CERTIFICATE_ARN = r"^arn:(?P<partition>aws[a-z-]*):acm:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):certificate/[0-9a-f-]{36}$"


def attribute_value(value):
    """Attribute values are strings in the API; booleans become 'true'/'false'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def attribute_changes(current, desired):
    """current: DescribeLoadBalancerAttributes 'Attributes' list; desired: {key: value}.
    Returns the [{'Key', 'Value'}] list to send to ModifyLoadBalancerAttributes (empty if none)."""
    have = dict((a["Key"], a.get("Value", "")) for a in current or [])
    changes = []
    for key in sorted(desired):
        want = attribute_value(desired[key])
        now = have.get(key, ATTRIBUTE_DEFAULTS.get(key))
        if now != want:
            changes.append({"Key": key, "Value": want})
    return changes


def attribute_view(current, keys):
    have = dict((a["Key"], a.get("Value", "")) for a in current or [])
    return dict((key, have.get(key, ATTRIBUTE_DEFAULTS.get(key))) for key in sorted(keys))


def _subset(desired, current):
    """Every key of `desired` is in `current` with an equal value (recursively; scalars as strings,
    so 404 == '404'). Keys AWS adds (defaults such as Host '#{host}') do not count as drift."""
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return False
        return all(_subset(value, current.get(key)) for key, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(current, list) or len(desired) != len(current):
            return False
        return all(_subset(d, c) for d, c in zip(desired, current))
    if desired is None:
        return True
    return current is not None and str(desired) == str(current)


def listener_matches(current, desired):
    """A DescribeListeners item against a desired CreateListener-shaped dict."""
    if current.get("Protocol") != desired.get("Protocol") or int(current.get("Port", 0)) != int(desired["Port"]):
        return False
    if desired.get("SslPolicy") and current.get("SslPolicy") != desired["SslPolicy"]:
        return False
    want_certs = [c["CertificateArn"] for c in desired.get("Certificates") or []]
    have_certs = [c["CertificateArn"] for c in current.get("Certificates") or []]
    if want_certs and want_certs != have_certs[: len(want_certs)]:
        return False
    return _subset(desired.get("DefaultActions") or [], current.get("DefaultActions") or [])


def listener_plan(current, desired, purge=True):
    """current: DescribeListeners items; desired: CreateListener-shaped dicts (Port, Protocol,
    DefaultActions, optional SslPolicy and Certificates). Listeners are matched by port.
    Returns {'create': [spec], 'modify': [(arn, spec)], 'delete': [arn]}."""
    by_port = dict((int(listener["Port"]), listener) for listener in current or [])
    plan = {"create": [], "modify": [], "delete": []}
    wanted_ports = set()
    for spec in desired or []:
        port = int(spec["Port"])
        wanted_ports.add(port)
        existing = by_port.get(port)
        if existing is None:
            plan["create"].append(spec)
        elif not listener_matches(existing, spec):
            plan["modify"].append((existing["ListenerArn"], spec))
    if purge:
        for port, listener in sorted(by_port.items()):
            if port not in wanted_ports:
                plan["delete"].append(listener["ListenerArn"])
    return plan


def listener_view(listener):
    """A compact, comparable view of a listener for --diff output."""
    view = {"Port": int(listener["Port"]), "Protocol": listener.get("Protocol")}
    if listener.get("SslPolicy"):
        view["SslPolicy"] = listener["SslPolicy"]
    if listener.get("Certificates"):
        view["Certificates"] = [c["CertificateArn"] for c in listener["Certificates"]]
    view["DefaultActions"] = [dict((k, v) for k, v in action.items() if k in ("Type", "RedirectConfig", "FixedResponseConfig", "TargetGroupArn"))
                              for action in listener.get("DefaultActions") or []]
    return view


def certificate_arn_problem(arn, partition=None, region=None):
    """None when `arn` is an ACM certificate ARN (in `partition`/`region` when given), else the reason."""
    match = re.match(CERTIFICATE_ARN, arn or "")
    if not match:
        return "is not an ACM certificate ARN (arn:<partition>:acm:<region>:<account>:certificate/<uuid>)"
    if partition and match.group("partition") != partition:
        return "is in partition %s, not %s" % (match.group("partition"), partition)
    if region and match.group("region") != region:
        return "is in region %s, not %s (ALB certificates must be in the load balancer's region)" % (match.group("region"), region)
    return None
