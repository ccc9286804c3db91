# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An Application Load Balancer with its attributes, listeners and tags (application_load_balancer).
Planning is alb.py's (pure); this class reads, applies the plan and waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import attribute_changes
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import attribute_value
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import attribute_view
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import listener_plan
from ansible_collections.cloudops.ecs.plugins.module_utils.alb import listener_view
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import error_handler

ElbErrors = error_handler(missing_codes=["LoadBalancerNotFound"])


def desired_attributes(params):
    return dict((key, attribute_value(value)) for key, value in (params["attributes"] or {}).items())


def validate(params):
    if len(params["name"]) > 32:
        raise CloudopsError(message="name %r is longer than the 32 characters a load balancer name allows" % params["name"])
    for spec in params.get("listeners") or []:
        if "Port" not in spec or "Protocol" not in spec or not spec.get("DefaultActions"):
            raise CloudopsError(message="every listener needs Port, Protocol and DefaultActions: %r" % (spec,))
        spec["Port"] = int(spec["Port"])


class LoadBalancer(Service):
    SERVICES = ("elbv2",)

    def __init__(self, *args, **kwargs):
        super(LoadBalancer, self).__init__(*args, **kwargs)
        self.name = self.params["name"]
        self.result = {"changed": False, "actions": []}

    def elb(self, method, description, /, **params):
        return self.call("elbv2", method, description, **params)

    def act(self, action, method=None, description=None, /, **params):
        """Record an action and make it (not in check mode)."""
        self.result["changed"] = True
        self.result["actions"].append(action)
        if method and not self.check_mode:
            return self.elb(method, description, **params)
        return None

    # -- reads ----------------------------------------------------------------------------------------------
    def load_balancer(self):
        @ElbErrors.list_error_handler("describe load balancer %s" % self.name)
        def describe():
            found = self.clients["elbv2"].describe_load_balancers(aws_retry=True, Names=[self.name])["LoadBalancers"]
            return found[0] if found else None
        return describe()

    def listeners(self, arn):
        return self.paginate("elbv2", "describe_listeners", "Listeners", "describe listeners of %s" % arn, LoadBalancerArn=arn)

    def attributes(self, arn):
        return self.elb("describe_load_balancer_attributes", "read attributes", LoadBalancerArn=arn)["Attributes"]

    def tags(self, arn):
        descriptions = self.elb("describe_tags", "read tags", ResourceArns=[arn])["TagDescriptions"]
        return tagging.to_dict(descriptions[0]["Tags"] if descriptions else [])

    def view(self, lb, attributes, listeners, current_tags):
        return {"name": self.name, "scheme": lb["Scheme"],
                "subnets": sorted(az["SubnetId"] for az in lb.get("AvailabilityZones") or []),
                "security_groups": sorted(lb.get("SecurityGroups") or []),
                "attributes": attribute_view(attributes, desired_attributes(self.params)),
                "listeners": [listener_view(x) for x in sorted(listeners, key=lambda x: int(x["Port"]))],
                "tags": current_tags}

    # -- converge -------------------------------------------------------------------------------------------
    def create(self):
        params = self.params
        request = {"Name": self.name, "Subnets": params["subnets"], "Scheme": params["scheme"], "Type": "application",
                   "IpAddressType": "ipv4"}
        if params.get("security_groups"):
            request["SecurityGroups"] = params["security_groups"]
        if params.get("tags"):
            request["Tags"] = tagging.to_list(params["tags"])
        return self.elb("create_load_balancer", "create load balancer %s" % self.name, **request)["LoadBalancers"][0]

    def update_placement(self, lb, before, after):
        params, arn = self.params, lb["LoadBalancerArn"]
        if lb["Scheme"] != params["scheme"]:
            raise CloudopsError(message="Load balancer %s is %s, not %s; the scheme cannot change in place: delete it "
                                        "first (state=absent) and create it again" % (self.name, lb["Scheme"], params["scheme"]))
        if params.get("subnets") and set(params["subnets"]) != set(before["subnets"]):
            after["subnets"] = sorted(params["subnets"])
            self.act("set subnets", "set_subnets", "set subnets of %s" % self.name, LoadBalancerArn=arn,
                     Subnets=params["subnets"])
        groups = params.get("security_groups")
        if groups is not None and set(groups) != set(before["security_groups"]):
            after["security_groups"] = sorted(groups)
            self.act("set security groups", "set_security_groups", "set security groups of %s" % self.name,
                     LoadBalancerArn=arn, SecurityGroups=groups)

    def update_attributes(self, arn, current_attributes, after):
        changes = attribute_changes(current_attributes, desired_attributes(self.params))
        if changes:
            after["attributes"] = desired_attributes(self.params)
            self.act("modify attributes %s" % ", ".join(c["Key"] for c in changes), "modify_load_balancer_attributes",
                     "modify attributes of %s" % self.name, LoadBalancerArn=arn, Attributes=changes)
        return changes

    def update_tags(self, arn, current_tags, after):
        add, remove = tagging.changes(current_tags, self.params.get("tags"), self.params["purge_tags"])
        if not (add or remove):
            return
        self.act("update tags")
        after["tags"] = tagging.after(current_tags, add, remove)
        if not self.check_mode and remove:
            self.elb("remove_tags", "untag %s" % self.name, ResourceArns=[arn], TagKeys=remove)
        if not self.check_mode and add:
            self.elb("add_tags", "tag %s" % self.name, ResourceArns=[arn], Tags=tagging.to_list(add))

    def update_listeners(self, arn, current_listeners, after):
        listener_arns = dict((str(int(x["Port"])), x["ListenerArn"]) for x in current_listeners)
        wanted = self.params.get("listeners")
        if wanted is None:
            return listener_arns
        plan = listener_plan(current_listeners, wanted, purge=self.params["purge_listeners"])
        if plan["create"] or plan["modify"] or plan["delete"]:
            self.result["changed"] = True
            after["listeners"] = [listener_view(spec) for spec in sorted(wanted, key=lambda x: int(x["Port"]))]
        for listener_arn in plan["delete"]:
            listener_arns = dict((port, value) for port, value in listener_arns.items() if value != listener_arn)
            self.act("delete listener %s" % listener_arn, "delete_listener", "delete listener", ListenerArn=listener_arn)
        for listener_arn, spec in plan["modify"]:
            self.act("modify listener %s/%s" % (spec["Protocol"], spec["Port"]), "modify_listener",
                     "modify listener %s" % spec["Port"], ListenerArn=listener_arn, **spec)
        for spec in plan["create"]:
            created = self.act("create listener %s/%s" % (spec["Protocol"], spec["Port"]), "create_listener",
                               "create listener %s" % spec["Port"], LoadBalancerArn=arn, **spec)
            if created:
                listener_arns[str(int(spec["Port"]))] = created["Listeners"][0]["ListenerArn"]
        return listener_arns

    def wait_for(self, predicate, what):
        self.wait(lambda: predicate() + (None,), what)

    def wait_active(self):
        def active():
            code = ((self.load_balancer() or {}).get("State") or {}).get("Code")
            return code == "active", ["state %s" % code]
        self.wait_for(active, "load balancer %s to be active" % self.name)
        return self.load_balancer()

    def present(self):
        params, check = self.params, self.check_mode
        lb = self.load_balancer()
        before = {}
        if lb is None:
            if not params.get("subnets") and check:
                self.warn("Load balancer %s does not exist yet (nothing to wait for in check mode)" % self.name)
                return dict(self.result, exists=False, listener_arns={}, diff={"before": {}, "after": {}})
            if not params.get("subnets"):
                raise CloudopsError(message="Load balancer %s does not exist; creating it needs subnets" % self.name)
            self.act("create load balancer")
            after = {"name": self.name, "scheme": params["scheme"], "subnets": sorted(params["subnets"]),
                     "security_groups": sorted(params.get("security_groups") or []),
                     "attributes": desired_attributes(params),
                     "listeners": [listener_view(spec) for spec in params.get("listeners") or []],
                     "tags": params.get("tags") or {}}
            if check:
                return dict(self.result, exists=False, listener_arns={}, diff={"before": {}, "after": after})
            lb = self.create()
            current_listeners, current_attributes = [], []
        else:
            if lb.get("Type") != "application":
                raise CloudopsError(message="%s is a %s load balancer, not an application load balancer"
                                            % (self.name, lb.get("Type")))
            current_listeners = self.listeners(lb["LoadBalancerArn"])
            current_attributes = self.attributes(lb["LoadBalancerArn"])
            before = self.view(lb, current_attributes, current_listeners, self.tags(lb["LoadBalancerArn"]))
            after = dict(before)
            self.update_placement(lb, before, after)
        arn = lb["LoadBalancerArn"]
        changes = self.update_attributes(arn, current_attributes, after)
        if before:
            self.update_tags(arn, before["tags"], after)
        listener_arns = self.update_listeners(arn, current_listeners, after)
        if params["wait"] and not check:
            lb = self.wait_active()
        if check:
            attributes = after.get("attributes")
        else:
            attributes = attribute_view(self.attributes(arn) if changes or not before else current_attributes,
                                        desired_attributes(params))
        state = (lb.get("State") or {}).get("Code")
        # Nothing changed and already active: a later wait call would return at once and can be skipped.
        ready = not self.result["changed"] and state == "active"
        return dict(self.result, exists=True, ready=ready, load_balancer_arn=arn, dns_name=lb.get("DNSName"),
                    canonical_hosted_zone_id=lb.get("CanonicalHostedZoneId"), state=state,
                    scheme=lb.get("Scheme"), listener_arns=listener_arns, attributes=attributes,
                    diff={"before": before, "after": after})

    def absent(self):
        lb = self.load_balancer()
        result = dict(self.result, exists=False, listener_arns={})
        if lb is None:
            return result
        arn = lb["LoadBalancerArn"]
        if attribute_view(self.attributes(arn), ["deletion_protection.enabled"])["deletion_protection.enabled"] == "true":
            if not self.params["force_disable_deletion_protection"]:
                raise CloudopsError(message=(
                    "Load balancer %s has deletion protection on; refusing to delete it. Turn it off first "
                    "(load_balancer_deletion_protection: false) or pass force_disable_deletion_protection=true "
                    "(role: load_balancer_force_destroy: true)" % self.name))
            self.act("turn deletion protection off", "modify_load_balancer_attributes",
                     "turn deletion protection off on %s" % self.name, LoadBalancerArn=arn,
                     Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}])
        self.act("delete load balancer")
        result = dict(self.result, exists=False, listener_arns={},
                      diff={"before": {"name": self.name, "scheme": lb["Scheme"]}, "after": {}})
        if self.check_mode:
            result["exists"] = True
            return result
        self.elb("delete_load_balancer", "delete load balancer %s" % self.name, LoadBalancerArn=arn)
        if self.params["wait"]:
            self.wait_for(lambda: (self.load_balancer() is None, ["still exists"]),
                          "load balancer %s to be deleted" % self.name)
        return result

    def run(self):
        validate(self.params)
        return self.present() if self.params["state"] == "present" else self.absent()
