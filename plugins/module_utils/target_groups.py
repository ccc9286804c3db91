# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Target groups of an Application Load Balancer, converged together: one DescribeTargetGroups by name (a listing
only when one is missing), one DescribeTags per 20 groups, the attributes of a group only when a managed attribute is
asked for. Registered targets are never touched (ECS registers and deregisters them).

Pure views and planners (`view`, `wanted_view`, `plan_update`) over API-shaped dicts, and `TargetGroups`, the
service class behind the elb_target_groups module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import refuse_listed_twice
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

ELB = "elbv2"
# health_check option -> the DescribeTargetGroups / ModifyTargetGroup key
HEALTH_CHECK = (("protocol", "HealthCheckProtocol"), ("port", "HealthCheckPort"), ("path", "HealthCheckPath"),
                ("interval", "HealthCheckIntervalSeconds"), ("timeout", "HealthCheckTimeoutSeconds"),
                ("healthy_threshold", "HealthyThresholdCount"), ("unhealthy_threshold", "UnhealthyThresholdCount"))
# What a target group is created with and cannot change afterwards.
FIXED = (("protocol", "Protocol"), ("vpc_id", "VpcId"), ("target_type", "TargetType"))
DEREGISTRATION_DELAY = "deregistration_delay.timeout_seconds"


def view(group):
    """A DescribeTargetGroups item as the module's options."""
    health = dict((key, group.get(api)) for key, api in HEALTH_CHECK)
    health["matcher"] = (group.get("Matcher") or {}).get("HttpCode")
    return {"protocol": group.get("Protocol"), "port": group.get("Port"), "vpc_id": group.get("VpcId"),
            "target_type": group.get("TargetType"), "health_check": health}


def wanted_view(item):
    """An item's health check with only the keys it sets (the others are AWS's to choose)."""
    return dict((key, value) for key, value in (item.get("health_check") or {}).items() if value is not None)


def plan_update(group, item):
    """ModifyTargetGroup parameters for the health check settings of `item` that differ from `group` ({} for none)."""
    current = view(group)["health_check"]
    update = {}
    for key, api in HEALTH_CHECK:
        value = wanted_view(item).get(key)
        if value is not None and current.get(key) != value:
            update[api] = value
    matcher = wanted_view(item).get("matcher")
    if matcher is not None and current.get("matcher") != matcher:
        update["Matcher"] = {"HttpCode": matcher}
    return update


def fixed_differences(group, item):
    """What `item` asks for that the existing `group` was created otherwise with (it cannot change)."""
    return ["%s %s (asked for %s)" % (key, group.get(api), item[key]) for key, api in FIXED
            if item.get(key) is not None and group.get(api) != item[key]]


def create_request(item):
    request = {"Name": item["name"], "Protocol": item["protocol"], "Port": item["port"], "VpcId": item["vpc_id"],
               "TargetType": item["target_type"]}
    health = wanted_view(item)
    for key, api in HEALTH_CHECK:
        if health.get(key) is not None:
            request[api] = health[key]
    if health.get("matcher") is not None:
        request["Matcher"] = {"HttpCode": health["matcher"]}
    if item.get("tags"):
        request["Tags"] = tagging.to_list(item["tags"])
    return request


class TargetGroups(Service):
    """The target groups of the target_groups option, each created, updated in place or deleted."""

    SERVICES = (ELB,)

    def __init__(self, *args, **kwargs):
        super(TargetGroups, self).__init__(*args, **kwargs)
        self.changes = []

    def change(self, text):
        self.changes.append(text)

    def read(self, names):
        """name -> DescribeTargetGroups item of the groups that exist: one call by name, or a listing when one of
        them is missing (DescribeTargetGroups by name fails for a missing one)."""
        try:
            found = self.request_pages(ELB, "describe_target_groups", "TargetGroups", Names=names) if names else []
        except botocore.exceptions.ClientError as e:
            if e.response.get("Error", {}).get("Code") != "TargetGroupNotFound":
                raise CloudopsError(message="Failed to describe the target groups %s" % ", ".join(names),
                                    exception=e) from e
            found = self.paginate(ELB, "describe_target_groups", "TargetGroups", "list the target groups")
        return dict((g["TargetGroupName"], g) for g in found if g.get("TargetGroupName") in names)

    def read_tags(self, arns):
        found = {}
        for batch in chunks(arns, 20):
            answer = self.call(ELB, "describe_tags", "describe the tags of the target groups", ResourceArns=batch)
            for description in answer.get("TagDescriptions") or []:
                found[description["ResourceArn"]] = tagging.to_dict(description.get("Tags"))
        return found

    def run(self):
        items = self.params["target_groups"]
        names = [item["name"] for item in items]
        refuse_listed_twice("target_groups", names, "name")
        current = self.read(names)
        present = [item for item in items if item["state"] == "present" and item["name"] in current]
        tags = self.read_tags([current[item["name"]]["TargetGroupArn"] for item in present
                               if item.get("tags") is not None])
        results, before, after = [], {}, {}
        for item in items:
            group = current.get(item["name"])
            before[item["name"]] = self.describe(group, tags)
            if item["state"] == "absent":
                result = self.delete(item, group)
            elif group is None:
                result = self.create(item)
            else:
                result = self.update(item, group, tags.get(group["TargetGroupArn"], {}))
            results.append(result)
            after[item["name"]] = result.pop("after")
        result = {"changed": bool(self.changes), "changes": self.changes, "target_groups": results,
                  "api_calls": self.api_calls}
        if self.diff_mode:
            result["diff"] = {"before": before, "after": after}
        return result

    def describe(self, group, tags):
        if group is None:
            return {}
        return dict(view(group), tags=tags.get(group["TargetGroupArn"]))

    def create(self, item):
        self.change("created target group %s" % item["name"])
        arn = ""
        if not self.check_mode:
            answer = self.call(ELB, "create_target_group", "create the target group %s" % item["name"],
                               **create_request(item))
            arn = answer["TargetGroups"][0]["TargetGroupArn"]
        delay = item.get("deregistration_delay")
        if delay is not None and delay != 300 and not self.check_mode:  # 300 is what AWS creates it with
            self.set_deregistration_delay(item["name"], arn, delay)
        wanted = {"protocol": item["protocol"], "port": item["port"], "vpc_id": item["vpc_id"],
                  "target_type": item["target_type"], "health_check": wanted_view(item), "tags": item.get("tags")}
        return {"target_group_name": item["name"], "target_group_arn": arn, "changed": True, "after": wanted}

    def update(self, item, group, current_tags):
        name, arn = item["name"], group["TargetGroupArn"]
        changed_before = len(self.changes)
        fixed = fixed_differences(group, item)
        if fixed:
            raise CloudopsError(message="target group %s exists with %s, which cannot change in place: give the target "
                                "group another name, or delete it first" % (name, "; ".join(fixed)))
        if item.get("port") is not None and group.get("Port") != item["port"]:
            # ECS registers every target with its own port: the group's default port only matters to other users.
            self.warn("target group %s keeps its port %s (asked for %s): the port of a target group cannot change"
                      % (name, group.get("Port"), item["port"]))
        update = plan_update(group, item)
        if update:
            self.change("target group %s: %s" % (name, ", ".join(sorted(update))))
            if not self.check_mode:
                self.call(ELB, "modify_target_group", "modify the target group %s" % name, TargetGroupArn=arn, **update)
        delay = item.get("deregistration_delay")
        if delay is not None:
            attributes = self.call(ELB, "describe_target_group_attributes", "describe the attributes of %s" % name,
                                   TargetGroupArn=arn).get("Attributes") or []
            current_delay = dict((a["Key"], a.get("Value")) for a in attributes).get(DEREGISTRATION_DELAY)
            if str(current_delay) != str(delay):
                self.change("target group %s: deregistration delay %s -> %s" % (name, current_delay, delay))
                if not self.check_mode:
                    self.set_deregistration_delay(name, arn, delay)
        to_set, to_unset = tagging.changes(current_tags, item.get("tags"), item["purge_tags"])
        if to_set or to_unset:
            self.change("target group %s: tags %s" % (name, ", ".join(sorted(list(to_set) + to_unset))))
            if not self.check_mode:
                if to_unset:
                    self.call(ELB, "remove_tags", "untag %s" % name, ResourceArns=[arn], TagKeys=to_unset)
                if to_set:
                    self.call(ELB, "add_tags", "tag %s" % name, ResourceArns=[arn], Tags=tagging.to_list(to_set))
        after = view(dict(group, **update))
        after["health_check"]["matcher"] = (update.get("Matcher") or group.get("Matcher") or {}).get("HttpCode")
        after["tags"] = tagging.after(current_tags, to_set, to_unset) if item.get("tags") is not None else None
        return {"target_group_name": name, "target_group_arn": arn, "changed": len(self.changes) > changed_before,
                "after": after}

    def set_deregistration_delay(self, name, arn, delay):
        self.call(ELB, "modify_target_group_attributes", "set the deregistration delay of %s" % name,
                  TargetGroupArn=arn, Attributes=[{"Key": DEREGISTRATION_DELAY, "Value": str(delay)}])

    def delete(self, item, group):
        name = item["name"]
        if group is None:
            return {"target_group_name": name, "target_group_arn": "", "changed": False, "after": {}}
        self.change("deleted target group %s" % name)
        if not self.check_mode:
            try:
                self.request(ELB, "delete_target_group", TargetGroupArn=group["TargetGroupArn"])
            except botocore.exceptions.ClientError as e:
                if e.response.get("Error", {}).get("Code") == "ResourceInUse":
                    raise CloudopsError(message="target group %s is still in use (a listener rule or an ECS service "
                                        "forwards to it): remove them first" % name, exception=e) from e
                raise CloudopsError(message="Failed to delete the target group %s" % name, exception=e) from e
        return {"target_group_name": name, "target_group_arn": "", "changed": True, "after": {}}
