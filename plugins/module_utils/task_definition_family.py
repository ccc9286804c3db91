# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task definition family (ecs_task_definition): register a revision only when the latest ACTIVE one
differs semantically (task_definition.py, pure), converge its tags, keep the newest revisions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import error_handler
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import normalize_task_definition
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import revisions_to_deregister
from ansible_collections.cloudops.ecs.plugins.module_utils.task_definition import task_definition_differences

# An unknown family answers ClientException ("Unable to describe task definition.").
FamilyErrors = error_handler(missing_codes=["ClientException"])

REQUEST_KEYS = (
    ("container_definitions", "containerDefinitions"),
    ("network_mode", "networkMode"),
    ("task_role_arn", "taskRoleArn"),
    ("execution_role_arn", "executionRoleArn"),
    ("cpu", "cpu"),
    ("memory", "memory"),
    ("requires_compatibilities", "requiresCompatibilities"),
    ("volumes", "volumes"),
    ("placement_constraints", "placementConstraints"),
    ("pid_mode", "pidMode"),
    ("ipc_mode", "ipcMode"),
    ("runtime_platform", "runtimePlatform"),
)


def desired_request(params):
    request = {"family": params["family"]}
    for option, key in REQUEST_KEYS:
        if params.get(option) not in (None, [], {}):
            request[key] = params[option]
    return request


def ecs_tags(tags):
    return tagging.to_list(tags, "key", "value")


class TaskDefinitionFamily(Service):
    SERVICES = ("ecs",)

    def __init__(self, *args, **kwargs):
        super(TaskDefinitionFamily, self).__init__(*args, **kwargs)
        self.family = self.params["family"]
        self.result = dict(changed=False, family=self.family, registered=False, differences=[], deregistered=[])

    def latest_active(self):
        """(latest ACTIVE revision, its tags), or (None, {})."""
        @FamilyErrors.list_error_handler("describe task definition family %s" % self.family, default_value=None)
        def describe():
            return self.clients["ecs"].describe_task_definition(aws_retry=True, taskDefinition=self.family,
                                                                include=["TAGS"])
        response = describe()
        if response is None or response["taskDefinition"].get("status") != "ACTIVE":
            return None, {}
        return response["taskDefinition"], tagging.to_dict(response.get("tags"), "key", "value")

    def active_revisions(self):
        arns = self.paginate("ecs", "list_task_definitions", "taskDefinitionArns", "list revisions of %s" % self.family,
                             familyPrefix=self.family, status="ACTIVE")
        # familyPrefix is a prefix: keep this family only.
        return [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == self.family]

    def deregister(self, arns):
        for arn in arns:
            self.call("ecs", "deregister_task_definition", "deregister %s" % arn, taskDefinition=arn)

    def absent(self):
        arns = self.active_revisions()
        if arns and not self.check_mode:
            self.deregister(arns)
        self.result.update(changed=bool(arns), deregistered=arns)
        if self.diff_mode:
            self.result["diff"] = dict(before={"active_revisions": arns}, after={"active_revisions": []})
        return self.result

    def register(self, request, current, current_tags):
        desired_tags = self.params["tags"]
        self.result.update(changed=True, registered=True)
        if self.check_mode:
            if current is not None:
                self.result.update(revision=current["revision"] + 1)
            return
        register = dict(request)
        tags = desired_tags if desired_tags is not None else current_tags
        if tags:
            register["tags"] = ecs_tags(tags)
        response = self.call("ecs", "register_task_definition", "register task definition %s" % self.family, **register)
        self.result.update(task_definition_arn=response["taskDefinition"]["taskDefinitionArn"],
                           revision=response["taskDefinition"]["revision"])

    def converge_tags(self, current, current_tags):
        arn = current["taskDefinitionArn"]
        self.result.update(task_definition_arn=arn, revision=current["revision"])
        to_set, to_unset = tagging.changes(current_tags, self.params["tags"], self.params["purge_tags"])
        if not (to_set or to_unset):
            return
        self.result["changed"] = True
        self.result["differences"] = ["tags"]
        if not self.check_mode and to_unset:
            self.call("ecs", "untag_resource", "tag %s" % arn, resourceArn=arn, tagKeys=to_unset)
        if not self.check_mode and to_set:
            self.call("ecs", "tag_resource", "tag %s" % arn, resourceArn=arn, tags=ecs_tags(to_set))

    def keep_revisions(self):
        result = self.result
        if result.get("revision") and result["revision"] <= self.params["keep_revisions"]:
            # Revisions are numbered from 1 and none is newer than this one: no more than it can be ACTIVE.
            return
        arns = self.active_revisions()
        if result["registered"] and result.get("task_definition_arn") and result["task_definition_arn"] not in arns:
            arns.append(result["task_definition_arn"])
        elif result["registered"] and self.check_mode:
            # The revision check mode would register counts as the newest one.
            arns.append("%s:%d" % (self.family, (max([int(a.rsplit(":", 1)[1]) for a in arns] or [0]) + 1)))
        stale = revisions_to_deregister(arns, self.params["keep_revisions"])
        if stale:
            result["changed"] = True
            result["deregistered"] = stale
            if not self.check_mode:
                self.deregister(stale)

    def present(self):
        request = desired_request(self.params)
        current, current_tags = self.latest_active()
        differences = task_definition_differences(current, request)
        self.result["differences"] = differences
        if differences:
            self.register(request, current, current_tags)
        else:
            self.converge_tags(current, current_tags)
        if self.params["keep_revisions"] is not None:
            self.keep_revisions()
        if self.diff_mode:
            desired_tags = self.params["tags"]
            diff = dict(before=normalize_task_definition(current) if current else {},
                        after=normalize_task_definition(request))
            if current is not None:
                diff["before"]["tags"] = current_tags
            diff["after"]["tags"] = desired_tags if desired_tags is not None else current_tags
            self.result["diff"] = diff
        return self.result

    def run(self):
        return self.absent() if self.params["state"] == "absent" else self.present()
