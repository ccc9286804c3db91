#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cloudops.ecs collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: application_load_balancer
short_description: Manage an Application Load Balancer, its attributes and listeners in one call
version_added: 0.1.0
description:
  - Creates, converges or deletes an Application Load Balancer with its attributes, listeners
    (default actions, TLS policy, certificate) and tags, without waiting for provisioning unless
    I(wait=true), so that the wait can overlap other work.
  - Listener rules are never touched (services add their own rules to the listeners).
  - Attributes missing from DescribeLoadBalancerAttributes are compared with their documented AWS
    defaults instead of failing (amazon.aws.elb_application_lb fails on them).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Load balancer name (at most 32 characters).
    type: str
    required: true
  state:
    description: C(present) creates or converges; C(absent) deletes the load balancer.
    type: str
    choices: [present, absent]
    default: present
  scheme:
    description: C(internet-facing) or C(internal). It cannot change in place.
    type: str
    choices: [internet-facing, internal]
    default: internet-facing
  subnets:
    description: Subnets, one per AZ (at least two). Required to create.
    type: list
    elements: str
  security_groups:
    description: Security groups.
    type: list
    elements: str
  attributes:
    description:
      - 'Load balancer attributes to manage, for example C({"routing.http.drop_invalid_header_fields.enabled": true}).'
      - Attributes not listed are left alone.
    type: dict
    default: {}
  listeners:
    description:
      - Listeners in CreateListener shape (C(Port), C(Protocol), C(DefaultActions), and for HTTPS
        C(SslPolicy) and C(Certificates)). Matched by port; only the keys given are compared.
      - Unset leaves the listeners alone.
    type: list
    elements: dict
  purge_listeners:
    description: Delete listeners on ports not in I(listeners).
    type: bool
    default: true
  tags:
    description: Tags.
    type: dict
  purge_tags:
    description: Remove tags not in I(tags).
    type: bool
    default: true
  force_disable_deletion_protection:
    description: With I(state=absent), turn deletion protection off first instead of refusing.
    type: bool
    default: false
  wait:
    description: Wait until the load balancer is C(active) (or, with I(state=absent), gone).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait before failing.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Internet-facing ALB, HTTP redirected to HTTPS, 404 by default
  cloudops.ecs.application_load_balancer:
    name: shop-prod-alb
    scheme: internet-facing
    subnets: "{{ cloudops_network.public_subnet_ids }}"
    security_groups: ["{{ cloudops_network.security_groups.alb }}"]
    attributes:
      routing.http.drop_invalid_header_fields.enabled: true
      deletion_protection.enabled: true
    listeners:
      - Port: 80
        Protocol: HTTP
        DefaultActions:
          - Type: redirect
            RedirectConfig: {Protocol: HTTPS, Port: "443", StatusCode: HTTP_301}
      - Port: 443
        Protocol: HTTPS
        SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
        Certificates: [{CertificateArn: "{{ certificate_arn }}"}]
        DefaultActions:
          - Type: fixed-response
            FixedResponseConfig: {StatusCode: "404", ContentType: text/plain, MessageBody: Not Found}
    tags:
      cloudops:stack: shop-prod

- name: Later, wait until it is active
  cloudops.ecs.application_load_balancer:
    name: shop-prod-alb
    wait: true
"""

RETURN = r"""
exists:
  description: Whether the load balancer exists after the run.
  returned: always
  type: bool
load_balancer_arn:
  description: ARN.
  returned: when it exists
  type: str
dns_name:
  description: DNS name.
  returned: when it exists
  type: str
canonical_hosted_zone_id:
  description: Route 53 zone id for alias records.
  returned: when it exists
  type: str
state:
  description: Provisioning state (C(provisioning), C(active), ...).
  returned: when it exists
  type: str
scheme:
  description: Scheme.
  returned: when it exists
  type: str
listener_arns:
  description: Listener ARNs by port (as strings).
  returned: always
  type: dict
  sample: {"80": "arn:aws:elasticloadbalancing:...:listener/app/x/1/2", "443": "arn:..."}
attributes:
  description: Current values of the managed attributes.
  returned: when it exists
  type: dict
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.cloudops.ecs.plugins.module_utils.alb import attribute_changes
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import attribute_value
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import attribute_view
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import listener_plan
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import listener_view


class Elb:
    def __init__(self, module):
        self.module = module
        self.client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())

    def call(self, method, msg, **params):
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=msg)

    def load_balancer(self, name):
        try:
            found = self.client.describe_load_balancers(aws_retry=True, Names=[name])["LoadBalancers"]
        except is_boto3_error_code("LoadBalancerNotFound"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="Unable to describe load balancer %s" % name)
        return found[0] if found else None

    def listeners(self, arn):
        try:
            paginator = self.client.get_paginator("describe_listeners")
            return paginator.paginate(LoadBalancerArn=arn).build_full_result()["Listeners"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Unable to describe listeners of %s" % arn)

    def attributes(self, arn):
        return self.call("describe_load_balancer_attributes", "Unable to read attributes", LoadBalancerArn=arn)["Attributes"]

    def tags(self, arn):
        descriptions = self.call("describe_tags", "Unable to read tags", ResourceArns=[arn])["TagDescriptions"]
        return boto3_tag_list_to_ansible_dict(descriptions[0]["Tags"] if descriptions else [])


def wait_until(module, predicate, what):
    deadline = time.time() + module.params["wait_timeout"]
    delay = 2
    while True:
        ready, reason = predicate()
        if ready:
            return
        if time.time() >= deadline:
            module.fail_json(msg="Timed out after %ss waiting for %s: %s" % (module.params["wait_timeout"], what, reason))
        time.sleep(min(delay, max(0, deadline - time.time())))
        delay = min(delay * 2, 15)


def desired_attributes(params):
    return dict((key, attribute_value(value)) for key, value in (params["attributes"] or {}).items())


def ensure_present(module, elb):
    params = module.params
    check = module.check_mode
    name = params["name"]
    result = {"changed": False, "actions": []}
    lb = elb.load_balancer(name)
    before, after = {}, {}
    if lb is None:
        if not params.get("subnets") and check:
            module.warn("Load balancer %s does not exist yet (nothing to wait for in check mode)" % name)
            result.update(exists=False, listener_arns={}, diff={"before": {}, "after": {}})
            return result
        if not params.get("subnets"):
            module.fail_json(msg="Load balancer %s does not exist; creating it needs subnets" % name)
        result["changed"] = True
        result["actions"].append("create load balancer")
        after = {"name": name, "scheme": params["scheme"], "subnets": sorted(params["subnets"]),
                 "security_groups": sorted(params.get("security_groups") or []), "attributes": desired_attributes(params),
                 "listeners": [listener_view(spec) for spec in params.get("listeners") or []], "tags": params.get("tags") or {}}
        if check:
            result.update(exists=False, listener_arns={}, diff={"before": {}, "after": after})
            return result
        request = {"Name": name, "Subnets": params["subnets"], "Scheme": params["scheme"], "Type": "application",
                   "IpAddressType": "ipv4"}
        if params.get("security_groups"):
            request["SecurityGroups"] = params["security_groups"]
        if params.get("tags"):
            request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
        lb = elb.call("create_load_balancer", "Unable to create load balancer %s" % name, **request)["LoadBalancers"][0]
        current_listeners, current_attributes, current_tags = [], [], params.get("tags") or {}
    else:
        if lb.get("Type") != "application":
            module.fail_json(msg="%s is a %s load balancer, not an application load balancer" % (name, lb.get("Type")))
        current_listeners = elb.listeners(lb["LoadBalancerArn"])
        current_attributes = elb.attributes(lb["LoadBalancerArn"])
        current_tags = elb.tags(lb["LoadBalancerArn"])
        before = {"name": name, "scheme": lb["Scheme"],
                  "subnets": sorted(az["SubnetId"] for az in lb.get("AvailabilityZones") or []),
                  "security_groups": sorted(lb.get("SecurityGroups") or []),
                  "attributes": attribute_view(current_attributes, desired_attributes(params)),
                  "listeners": [listener_view(listener) for listener in sorted(current_listeners, key=lambda x: int(x["Port"]))],
                  "tags": current_tags}
        after = dict(before)
        if lb["Scheme"] != params["scheme"]:
            module.fail_json(msg="Load balancer %s is %s, not %s; the scheme cannot change in place: delete it first "
                                 "(state=absent) and create it again" % (name, lb["Scheme"], params["scheme"]))
        if params.get("subnets") and set(params["subnets"]) != set(before["subnets"]):
            result["changed"] = True
            result["actions"].append("set subnets")
            after["subnets"] = sorted(params["subnets"])
            if not check:
                elb.call("set_subnets", "Unable to set subnets of %s" % name, LoadBalancerArn=lb["LoadBalancerArn"], Subnets=params["subnets"])
        if params.get("security_groups") is not None and set(params["security_groups"]) != set(before["security_groups"]):
            result["changed"] = True
            result["actions"].append("set security groups")
            after["security_groups"] = sorted(params["security_groups"])
            if not check:
                elb.call("set_security_groups", "Unable to set security groups of %s" % name,
                         LoadBalancerArn=lb["LoadBalancerArn"], SecurityGroups=params["security_groups"])
    arn = lb["LoadBalancerArn"]

    changes = attribute_changes(current_attributes, desired_attributes(params))
    if changes:
        result["changed"] = True
        result["actions"].append("modify attributes %s" % ", ".join(c["Key"] for c in changes))
        after["attributes"] = desired_attributes(params)
        if not check:
            elb.call("modify_load_balancer_attributes", "Unable to modify attributes of %s" % name, LoadBalancerArn=arn, Attributes=changes)

    if params.get("tags") is not None and before:
        add, remove = compare_aws_tags(current_tags, params["tags"], purge_tags=params["purge_tags"])
        if add or remove:
            result["changed"] = True
            result["actions"].append("update tags")
            after["tags"] = dict((k, v) for k, v in dict(current_tags, **add).items() if k not in remove)
            if not check:
                if remove:
                    elb.call("remove_tags", "Unable to untag %s" % name, ResourceArns=[arn], TagKeys=remove)
                if add:
                    elb.call("add_tags", "Unable to tag %s" % name, ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(add))

    listener_arns = dict((str(int(x["Port"])), x["ListenerArn"]) for x in current_listeners)
    if params.get("listeners") is not None:
        plan = listener_plan(current_listeners, params["listeners"], purge=params["purge_listeners"])
        if plan["create"] or plan["modify"] or plan["delete"]:
            result["changed"] = True
            after["listeners"] = [listener_view(spec) for spec in sorted(params["listeners"], key=lambda x: int(x["Port"]))]
        for listener_arn in plan["delete"]:
            result["actions"].append("delete listener %s" % listener_arn)
            listener_arns = dict((port, value) for port, value in listener_arns.items() if value != listener_arn)
            if not check:
                elb.call("delete_listener", "Unable to delete listener", ListenerArn=listener_arn)
        for listener_arn, spec in plan["modify"]:
            result["actions"].append("modify listener %s/%s" % (spec["Protocol"], spec["Port"]))
            if not check:
                elb.call("modify_listener", "Unable to modify listener %s" % spec["Port"], ListenerArn=listener_arn, **spec)
        for spec in plan["create"]:
            result["actions"].append("create listener %s/%s" % (spec["Protocol"], spec["Port"]))
            if not check:
                created = elb.call("create_listener", "Unable to create listener %s" % spec["Port"], LoadBalancerArn=arn, **spec)
                listener_arns[str(int(spec["Port"]))] = created["Listeners"][0]["ListenerArn"]

    if params["wait"] and not check:
        def active():
            current = elb.load_balancer(name)
            code = ((current or {}).get("State") or {}).get("Code")
            return code == "active", "state %s" % code
        wait_until(module, active, "load balancer %s to be active" % name)
        lb = elb.load_balancer(name)

    result.update(
        exists=True,
        load_balancer_arn=arn,
        dns_name=lb.get("DNSName"),
        canonical_hosted_zone_id=lb.get("CanonicalHostedZoneId"),
        state=(lb.get("State") or {}).get("Code"),
        scheme=lb.get("Scheme"),
        listener_arns=listener_arns,
        attributes=after.get("attributes") if check else attribute_view(
            elb.attributes(arn) if changes or not before else current_attributes, desired_attributes(params)),
        diff={"before": before, "after": after},
    )
    return result


def ensure_absent(module, elb):
    params = module.params
    name = params["name"]
    lb = elb.load_balancer(name)
    result = {"changed": False, "exists": False, "listener_arns": {}, "actions": []}
    if lb is None:
        return result
    attributes = attribute_view(elb.attributes(lb["LoadBalancerArn"]), ["deletion_protection.enabled"])
    if attributes["deletion_protection.enabled"] == "true":
        if not params["force_disable_deletion_protection"]:
            module.fail_json(msg="Load balancer %s has deletion protection on; refusing to delete it. Turn it off first "
                                 "(load_balancer_deletion_protection: false) or pass force_disable_deletion_protection=true "
                                 "(role: load_balancer_force_destroy: true)" % name)
        result["actions"].append("turn deletion protection off")
        if not module.check_mode:
            elb.call("modify_load_balancer_attributes", "Unable to turn deletion protection off on %s" % name,
                     LoadBalancerArn=lb["LoadBalancerArn"], Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}])
    result["changed"] = True
    result["actions"].append("delete load balancer")
    result["diff"] = {"before": {"name": name, "scheme": lb["Scheme"]}, "after": {}}
    if module.check_mode:
        result["exists"] = True
        return result
    elb.call("delete_load_balancer", "Unable to delete load balancer %s" % name, LoadBalancerArn=lb["LoadBalancerArn"])
    if params["wait"]:
        wait_until(module, lambda: (elb.load_balancer(name) is None, "still exists"), "load balancer %s to be deleted" % name)
    return result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        scheme=dict(type="str", choices=["internet-facing", "internal"], default="internet-facing"),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        attributes=dict(type="dict", default={}),
        listeners=dict(type="list", elements="dict"),
        purge_listeners=dict(type="bool", default=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        force_disable_deletion_protection=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if len(module.params["name"]) > 32:
        module.fail_json(msg="name %r is longer than the 32 characters a load balancer name allows" % module.params["name"])
    for spec in module.params.get("listeners") or []:
        if "Port" not in spec or "Protocol" not in spec or not spec.get("DefaultActions"):
            module.fail_json(msg="every listener needs Port, Protocol and DefaultActions: %r" % (spec,))
        spec["Port"] = int(spec["Port"])
    elb = Elb(module)
    if module.params["state"] == "present":
        result = ensure_present(module, elb)
    else:
        result = ensure_absent(module, elb)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
