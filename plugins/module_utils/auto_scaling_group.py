# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An Auto Scaling group for ECS capacity (ecs_autoscaling_group). The comparisons are
ecs_autoscaling.py's (pure); this class reads, applies them, and deletes a group (optionally with
its launch template) once its instances are unprotected."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import current_tags
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import desired_group
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import group_changes
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import group_tags
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import group_view
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import launch_template_spec
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import live
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import tag_changes
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import tag_requests
from ansible_collections.cloudops.ecs.plugins.module_utils.ecs_autoscaling import validate_group
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import error_handler

TemplateErrors = error_handler(missing_codes=["InvalidLaunchTemplateName.NotFoundException",
                                              "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed"])


def result_group(group):
    if not group:
        return {}
    out = camel_dict_to_snake_dict(dict((k, v) for k, v in group.items() if k != "Tags"))
    out["tags"] = dict((k, v[0]) for k, v in current_tags(group).items())
    return out


def group_template(group):
    """The launch template spec a group uses (plain or through its mixed instances policy)."""
    if group.get("LaunchTemplate"):
        return group["LaunchTemplate"]
    mixed = group.get("MixedInstancesPolicy") or {}
    return (mixed.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification")


def metrics_wanted(wanted, group):
    """None when in sync, else True (enable) or False (disable)."""
    if wanted is None:
        return None
    enabled = bool((group or {}).get("EnabledMetrics"))
    return None if enabled == wanted else wanted


class AutoScalingGroup(Service):
    SERVICES = ("autoscaling", "ec2")

    def __init__(self, *args, **kwargs):
        super(AutoScalingGroup, self).__init__(*args, **kwargs)
        self.name = self.params["name"]

    def asg(self, method, description, /, **params):
        return self.call("autoscaling", method, description, **params)

    @staticmethod
    def read_all(batch, items):
        """{name: group} of every group of the batch, 50 names per request (the API's limit)."""
        found = {}
        for names in chunks(sorted(set(item["name"] for item in items)), 50):
            found.update((g["AutoScalingGroupName"], g) for g in live(batch.paginate(
                "autoscaling", "describe_auto_scaling_groups", "AutoScalingGroups",
                "describe Auto Scaling groups %s" % ", ".join(names), AutoScalingGroupNames=names)))
        return found

    def groups(self):
        return self.asg("describe_auto_scaling_groups", "describe Auto Scaling group %s" % self.name,
                        AutoScalingGroupNames=[self.name]).get("AutoScalingGroups") or []

    def describe(self):
        """The group (None when it does not exist or is being deleted); the Batch's read the first time."""
        return self.read_or_batch_read(lambda: next(iter(live(self.groups())), None))

    def set_metrics(self, enabled, description):
        if enabled is True:
            self.asg("enable_metrics_collection", description, AutoScalingGroupName=self.name, Granularity="1Minute")
        elif enabled is False:
            self.asg("disable_metrics_collection", description, AutoScalingGroupName=self.name)

    # -- present --------------------------------------------------------------------------------------------
    def create(self, desired, tags):
        request = dict(desired, AutoScalingGroupName=self.name)
        request.setdefault("DesiredCapacity", desired["MinSize"])
        if self.params["create_empty"]:
            request.update(MinSize=0, DesiredCapacity=0)
        if tags:
            request["Tags"] = tag_requests(self.name, tags, [])[0]
        diff = {"before": {}, "after": group_view(dict(request, Tags=request.get("Tags", [])))}
        if self.check_mode:
            return dict(changed=True, changes=["created"], auto_scaling_group={}, diff=diff)
        what = "create Auto Scaling group %s" % self.name
        self.asg("create_auto_scaling_group", what, **request)
        if self.params.get("metrics_collection"):
            self.set_metrics(True, what)
        return dict(changed=True, changes=["created"], auto_scaling_group=result_group(self.describe()), diff=diff)

    def present(self):
        desired = desired_group(self.params)
        group = self.describe()
        errors = validate_group(desired, creating=group is None)
        if errors:
            raise CloudopsError(message="Auto Scaling group %s: %s" % (self.name, "; ".join(errors)))
        tags = None
        if self.params.get("tags") is not None:
            tags = group_tags(self.params.get("tags"), self.params["propagate_at_launch"])
        if group is None:
            return self.create(desired, tags)
        update = group_changes(desired, group, self.params["desired_capacity_policy"] == "enforce")
        to_set, to_remove = tag_changes(current_tags(group), tags, self.params["purge_tags"])
        metrics = metrics_wanted(self.params.get("metrics_collection"), group)
        changes = sorted(update) + (["Tags"] if to_set or to_remove else []) + \
            (["EnabledMetrics"] if metrics is not None else [])
        after = group_view(dict(group, **update))
        if to_set or to_remove:
            merged = dict((k, v[0]) for k, v in current_tags(group).items() if k not in to_remove)
            merged.update((k, v[0]) for k, v in to_set.items())
            after["Tags"] = merged
        diff = {"before": group_view(group), "after": after}
        if not changes or self.check_mode:
            return dict(changed=bool(changes), changes=changes, auto_scaling_group=result_group(group), diff=diff)
        what = "update Auto Scaling group %s (%s)" % (self.name, ", ".join(changes))
        if update:
            request = dict(update, AutoScalingGroupName=self.name)
            if "MixedInstancesPolicy" in request:
                request.pop("LaunchTemplate", None)
            self.asg("update_auto_scaling_group", what, **request)
        set_list, remove_list = tag_requests(self.name, to_set, to_remove)
        if remove_list:
            self.asg("delete_tags", what, Tags=remove_list)
        if set_list:
            self.asg("create_or_update_tags", what, Tags=set_list)
        self.set_metrics(metrics, what)
        return dict(changed=True, changes=changes, auto_scaling_group=result_group(self.describe()), diff=diff)

    # -- absent ---------------------------------------------------------------------------------------------
    def delete_template(self, spec):
        """Delete a launch template with all its versions; True when one was (or would be) deleted."""
        if not spec or not self.params["delete_launch_template"]:
            return False
        ref = {"LaunchTemplateId": spec["LaunchTemplateId"]} if spec.get("LaunchTemplateId") else \
            {"LaunchTemplateName": spec["LaunchTemplateName"]}
        ec2 = self.clients["ec2"]

        @TemplateErrors.list_error_handler("describe launch template %s" % ref, default_value=False)
        def exists():
            ec2.describe_launch_templates(aws_retry=True, **dict((k + "s", [v]) for k, v in ref.items()))
            return True

        @TemplateErrors.deletion_error_handler("delete launch template %s" % ref)
        def delete():
            ec2.delete_launch_template(aws_retry=True, **ref)
            return True

        if not exists():
            return False
        return True if self.check_mode else delete()

    def absent(self):
        group = self.describe()
        if group is None:
            deleted = self.delete_template(launch_template_spec(self.params.get("launch_template")))
            return dict(changed=deleted, changes=["launch_template_deleted"] if deleted else [],
                        auto_scaling_group={}, diff={"before": {}, "after": {}})
        diff = {"before": group_view(group), "after": {}}
        if self.check_mode:
            changes = ["deleted"] + (["launch_template_deleted"] if self.delete_template(group_template(group)) else [])
            return dict(changed=True, changes=changes, auto_scaling_group=result_group(group), diff=diff)
        protected = [i["InstanceId"] for i in group.get("Instances") or [] if i.get("ProtectedFromScaleIn")]
        what = "delete Auto Scaling group %s" % self.name
        for batch in chunks(protected, 50):
            self.asg("set_instance_protection", what, AutoScalingGroupName=self.name, InstanceIds=batch,
                     ProtectedFromScaleIn=False)
        self.asg("delete_auto_scaling_group", what, AutoScalingGroupName=self.name, ForceDelete=True)
        self.wait(lambda: (not self.groups(), ["Auto Scaling group %s still deleting" % self.name], None),
                  "Auto Scaling group %s to be deleted" % self.name)
        changes = ["deleted"] + (["launch_template_deleted"] if self.delete_template(group_template(group)) else [])
        return dict(changed=True, changes=changes, auto_scaling_group={}, unprotected_instances=protected, diff=diff)

    def run(self):
        return self.present() if self.params["state"] == "present" else self.absent()
