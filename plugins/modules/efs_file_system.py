#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_file_system
short_description: Encrypted EFS file system with one mount target per subnet
version_added: 0.1.0
description:
  - Creates, converges or deletes an EFS file system identified by its creation token, with its mount targets
    (one per subnet, each with the given security groups) and tags.
  - Uses the current EFS tagging API (ListTagsForResource, TagResource, UntagResource).
  - Waits (with a deadline, no fixed sleep) until the file system and its mount targets are available, or gone.
notes:
  - community.aws.efs still calls the deprecated DescribeTags/CreateTags EFS actions and cannot manage the backup
    policy; C(cloudops.ecs.efs_backup_policy) converges backups after creation.
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  name:
    description: Creation token of the file system (also its C(Name) tag unless O(tags) sets one).
    type: str
    required: true
  state:
    description: Whether the file system should exist.
    type: str
    choices: [present, absent]
    default: present
  kms_key_id:
    description: KMS key of the (always encrypted) file system; omitted = the AWS managed key. Fixed at creation.
    type: str
  performance_mode:
    description: Performance mode, fixed at creation.
    type: str
    choices: [generalPurpose, maxIO]
    default: generalPurpose
  throughput_mode:
    description: Throughput mode.
    type: str
    choices: [bursting, elastic]
    default: elastic
  backup:
    description: Turn automatic backups on at creation.
    type: bool
    default: true
  mount_targets:
    description: One entry per subnet; mount targets in other subnets are deleted.
    type: list
    elements: dict
    default: []
    suboptions:
      subnet_id:
        description: Subnet of the mount target.
        type: str
        required: true
      security_groups:
        description: Security groups of the mount target.
        type: list
        elements: str
        required: true
  tags:
    description: Tags of the file system.
    type: dict
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the file system and mount targets.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Shared file system in every private subnet
  cloudops.ecs.efs_file_system:
    name: shop-prod-shared
    mount_targets:
      - subnet_id: subnet-0a
        security_groups: [sg-efs]
      - subnet_id: subnet-0b
        security_groups: [sg-efs]
    tags:
      Environment: prod
"""

RETURN = r"""
file_system:
  description: The file system (snake case), empty when absent.
  returned: always
  type: dict
  contains:
    file_system_id:
      description: Id.
      type: str
    life_cycle_state:
      description: State.
      type: str
mount_targets:
  description: Mount targets (subnet_id, mount_target_id, ip_address, security_groups).
  returned: always
  type: list
  elements: dict
changes:
  description: What was (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


class EfsFileSystem:
    def __init__(self, module):
        self.module = module
        self.client = module.client("efs", retry_decorator=AWSRetry.jittered_backoff())
        self.name = module.params["name"]
        self.changes = []

    def call(self, method, **kwargs):
        try:
            return getattr(self.client, method)(aws_retry=True, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="EFS %s failed for %s" % (method, self.name))

    def describe(self):
        systems = self.call("describe_file_systems", CreationToken=self.name).get("FileSystems") or []
        systems = [s for s in systems if s.get("LifeCycleState") not in ("deleted", "deleting")]
        return systems[0] if systems else None

    def mount_targets(self, fs_id):
        targets = self.call("describe_mount_targets", FileSystemId=fs_id).get("MountTargets") or []
        out = []
        for target in targets:
            if target.get("LifeCycleState") in ("deleted", "deleting"):
                continue
            groups = self.call("describe_mount_target_security_groups",
                               MountTargetId=target["MountTargetId"]).get("SecurityGroups", [])
            out.append(dict(target, SecurityGroups=groups))
        return out

    def wait(self, predicate, what):
        deadline = time.time() + self.module.params["wait_timeout"]
        delay = 1
        while not predicate():
            if time.time() > deadline:
                self.module.fail_json(msg="Timed out waiting for %s of %s" % (what, self.name))
            time.sleep(delay)
            delay = min(delay * 2, 10)

    def present(self):
        params = self.module.params
        fs = self.describe()
        tags = params.get("tags")
        if fs is None:
            self.changes.append("created")
            if self.module.check_mode:
                return None, []
            request = dict(CreationToken=self.name, Encrypted=True, PerformanceMode=params["performance_mode"],
                           ThroughputMode=params["throughput_mode"], Backup=params["backup"])
            if params.get("kms_key_id"):
                request["KmsKeyId"] = params["kms_key_id"]
            all_tags = dict({"Name": self.name}, **(tags or {}))
            request["Tags"] = ansible_dict_to_boto3_tag_list(all_tags)
            fs = self.call("create_file_system", **request)
        else:
            if fs.get("ThroughputMode") != params["throughput_mode"]:
                self.changes.append("throughput_mode")
                if not self.module.check_mode:
                    self.call("update_file_system", FileSystemId=fs["FileSystemId"],
                              ThroughputMode=params["throughput_mode"])
            if tags is not None:
                current = boto3_tag_list_to_ansible_dict(
                    self.call("list_tags_for_resource", ResourceId=fs["FileSystemId"]).get("Tags", []))
                to_set, to_remove = compare_aws_tags(current, tags, params["purge_tags"])
                to_remove = [k for k in to_remove if not k.startswith("aws:")]
                if to_set or to_remove:
                    self.changes.append("tags")
                    if not self.module.check_mode:
                        if to_remove:
                            self.call("untag_resource", ResourceId=fs["FileSystemId"], TagKeys=to_remove)
                        if to_set:
                            self.call("tag_resource", ResourceId=fs["FileSystemId"],
                                      Tags=ansible_dict_to_boto3_tag_list(to_set))
        fs_id = fs["FileSystemId"]
        if not self.module.check_mode:
            self.wait(lambda: (self.describe() or {}).get("LifeCycleState") == "available", "the file system")
        targets = self.mount_targets(fs_id) if "created" not in self.changes or not self.module.check_mode else []
        wanted = dict((t["subnet_id"], sorted(t["security_groups"])) for t in params["mount_targets"])
        have = dict((t["SubnetId"], t) for t in targets)
        for subnet, target in have.items():
            if subnet not in wanted:
                self.changes.append("mount_target_deleted:" + subnet)
                if not self.module.check_mode:
                    self.call("delete_mount_target", MountTargetId=target["MountTargetId"])
            elif sorted(target["SecurityGroups"]) != wanted[subnet]:
                self.changes.append("mount_target_security_groups:" + subnet)
                if not self.module.check_mode:
                    self.call("modify_mount_target_security_groups", MountTargetId=target["MountTargetId"],
                              SecurityGroups=wanted[subnet])
        for subnet, groups in wanted.items():
            if subnet not in have:
                self.changes.append("mount_target_created:" + subnet)
                if not self.module.check_mode:
                    self.call("create_mount_target", FileSystemId=fs_id, SubnetId=subnet, SecurityGroups=groups)
        if self.module.check_mode or not any(c.startswith("mount_target") for c in self.changes):
            return fs, targets

        def settled():
            current = self.call("describe_mount_targets", FileSystemId=fs_id).get("MountTargets") or []
            states = dict((t["SubnetId"], t["LifeCycleState"]) for t in current)
            return all(states.get(s) == "available" for s in wanted) and all(
                states.get(s) in (None, "deleted") for s in states if s not in wanted)
        self.wait(settled, "the mount targets")
        return self.describe(), self.mount_targets(fs_id)

    def absent(self):
        fs = self.describe()
        if fs is None:
            return
        self.changes.append("deleted")
        if self.module.check_mode:
            return
        fs_id = fs["FileSystemId"]
        for target in self.mount_targets(fs_id):
            self.call("delete_mount_target", MountTargetId=target["MountTargetId"])
        self.wait(lambda: not self.mount_targets(fs_id), "the mount targets to be deleted")
        self.call("delete_file_system", FileSystemId=fs_id)
        self.wait(lambda: self.describe() is None, "the file system to be deleted")


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            kms_key_id=dict(type="str"),
            performance_mode=dict(type="str", choices=["generalPurpose", "maxIO"], default="generalPurpose"),
            throughput_mode=dict(type="str", choices=["bursting", "elastic"], default="elastic"),
            backup=dict(type="bool", default=True),
            mount_targets=dict(type="list", elements="dict", default=[], options=dict(
                subnet_id=dict(type="str", required=True),
                security_groups=dict(type="list", elements="str", required=True),
            )),
            tags=dict(type="dict"),
            purge_tags=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
        ),
        supports_check_mode=True,
    )
    manager = EfsFileSystem(module)
    if module.params["state"] == "absent":
        manager.absent()
        module.exit_json(changed=bool(manager.changes), changes=manager.changes, file_system={}, mount_targets=[])
    fs, targets = manager.present()
    module.exit_json(
        changed=bool(manager.changes), changes=manager.changes,
        file_system=camel_dict_to_snake_dict(dict((k, v) for k, v in (fs or {}).items() if k != "Tags")),
        mount_targets=[{"subnet_id": t["SubnetId"], "mount_target_id": t["MountTargetId"],
                        "ip_address": t.get("IpAddress"), "security_groups": t.get("SecurityGroups", [])}
                       for t in targets],
    )


if __name__ == "__main__":
    main()
