#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_access_point
short_description: An EFS access point with its own root directory and POSIX user, found by name
version_added: 0.1.0
description:
  - Ensures one access point named I(name) (its C(Name) tag) exists on a file system, rooted at I(root_directory)
    (created with I(posix_user) as owner and mode C(0750) when missing) and forcing I(posix_user) for every
    client, so each ECS service gets its own directory and identity on a shared file system.
  - Access points cannot be modified; when the root directory or the POSIX user differ, a new access point is
    created and the old one deleted (tasks then need a new task definition revision, which the services role
    registers because the access point id changes).
  - One describe call when nothing changes; check mode and C(--diff) report the change.
  - Neither amazon.aws nor community.aws manage EFS access points.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Name of the access point (its C(Name) tag, and the idempotency token of its creation).
    type: str
    required: true
  file_system_id:
    description: File system of the access point.
    type: str
    required: true
  root_directory:
    description: Directory of the file system the access point exposes as C(/). Required with I(state=present).
    type: str
  posix_user:
    description: The POSIX identity every request through the access point uses (C(uid), C(gid)).
    type: dict
    suboptions:
      uid:
        description: User id.
        type: int
        required: true
      gid:
        description: Group id.
        type: int
        required: true
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The api service's directory on the stack's file system
  cloudops.ecs.efs_access_point:
    name: shop-prod-api-data
    file_system_id: fs-0123456789abcdef0
    root_directory: /api/data
    posix_user: {uid: 1000, gid: 1000}
    tags:
      cloudops:stack: shop-prod
"""

RETURN = r"""
access_point_id:
  description: Id of the access point (empty after I(state=absent), or in check mode before creation).
  returned: always
  type: str
  sample: fsap-0123456789abcdef0
access_point_arn:
  description: ARN of the access point.
  returned: when it exists
  type: str
"""

import hashlib

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils import aws
from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging

DIRECTORY_MODE = "750"


def view(point):
    """The settings of an access point that we manage, in comparable form."""
    if not point:
        return {}
    user = point.get("PosixUser") or {}
    return {"root_directory": (point.get("RootDirectory") or {}).get("Path", "/"),
            "posix_user": {"uid": user.get("Uid"), "gid": user.get("Gid")} if user else None}


def wanted_view(params):
    user = params["posix_user"]
    return {"root_directory": params["root_directory"],
            "posix_user": {"uid": user["uid"], "gid": user["gid"]} if user else None}


def creation_token(params):
    """One token per file system, name and configuration: a retried create returns the same access point."""
    wanted = sorted(wanted_view(params).items())
    return hashlib.sha256(repr((params["file_system_id"], params["name"], wanted)).encode()).hexdigest()[:64]


class AccessPoints(object):
    def __init__(self, module):
        self.module = module
        self.efs = aws.clients(module, ["efs"])["efs"]
        self.params = module.params

    def find(self):
        points = aws.paginate(self.efs, "describe_access_points", "AccessPoints",
                              FileSystemId=self.params["file_system_id"])
        return [point for point in points
                if tagging.to_dict(point.get("Tags") or []).get("Name") == self.params["name"]
                and point.get("LifeCycleState") not in ("deleting", "deleted")]

    def create(self, tags):
        params = self.params
        request = {"ClientToken": creation_token(params), "FileSystemId": params["file_system_id"],
                   "Tags": tagging.to_list(tags), "RootDirectory": {"Path": params["root_directory"]}}
        user = params["posix_user"]
        if user:
            request["PosixUser"] = {"Uid": user["uid"], "Gid": user["gid"]}
            request["RootDirectory"]["CreationInfo"] = {
                "OwnerUid": user["uid"], "OwnerGid": user["gid"], "Permissions": DIRECTORY_MODE}
        return aws.call(self.efs, "create_access_point", "create access point %s" % params["name"], **request)

    def delete(self, point):
        aws.call(self.efs, "delete_access_point", "delete access point %s" % point["AccessPointId"],
                 AccessPointId=point["AccessPointId"])

    def reconcile_tags(self, point, tags):
        current = tagging.to_dict(point.get("Tags") or [])
        to_set, to_remove = tagging.changes(current, tags, purge=self.params["purge_tags"])
        to_remove = [key for key in to_remove if key != "Name"]
        if not (to_set or to_remove):
            return False
        if self.module.check_mode:
            return True
        if to_set:
            aws.call(self.efs, "tag_resource", "tag access point %s" % point["AccessPointId"],
                     ResourceId=point["AccessPointId"], Tags=tagging.to_list(to_set))
        if to_remove:
            aws.call(self.efs, "untag_resource", "untag access point %s" % point["AccessPointId"],
                     ResourceId=point["AccessPointId"], TagKeys=to_remove)
        return True

    def run(self):
        params = self.params
        found = self.find()
        current = found[0] if found else None
        if params["state"] == "absent":
            if not self.module.check_mode:
                for point in found:
                    self.delete(point)
            return dict(changed=bool(found), access_point_id="", diff={"before": view(current), "after": {}})
        tags = dict(params["tags"] or {}, Name=params["name"])
        wanted = wanted_view(params)
        diff = {"before": view(current), "after": wanted}
        if current and view(current) == wanted and len(found) == 1:
            changed = self.reconcile_tags(current, tags) if params["tags"] is not None else False
            return dict(changed=changed, access_point_id=current["AccessPointId"],
                        access_point_arn=current.get("AccessPointArn"), diff=diff)
        if self.module.check_mode:
            return dict(changed=True, access_point_id="", diff=diff)
        created = self.create(tags)
        for point in found:
            if point["AccessPointId"] != created["AccessPointId"]:
                self.delete(point)
        return dict(changed=True, access_point_id=created["AccessPointId"],
                    access_point_arn=created.get("AccessPointArn"), diff=diff)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            file_system_id=dict(type="str", required=True),
            root_directory=dict(type="str"),
            posix_user=dict(type="dict", options=dict(uid=dict(type="int", required=True),
                                                      gid=dict(type="int", required=True))),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        required_if=[("state", "present", ["root_directory"])],
        supports_check_mode=True,
    )
    aws.run(module, AccessPoints(module).run, "manage access point %s" % module.params["name"])


if __name__ == "__main__":
    main()
