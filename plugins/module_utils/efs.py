# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EFS: encrypted file systems with their mount targets, the automatic backup policy, and access points."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import error_handler

GONE = ("deleted", "deleting")
DIRECTORY_MODE = "750"
BackupPolicyErrors = error_handler(missing_codes=["PolicyNotFound"])


def settled_status(status):
    return {"ENABLING": "ENABLED", "DISABLING": "DISABLED"}.get(status, status)


def backup_status(service, fs_id):
    """The backup policy status of a file system through `service` (DISABLED when none was ever set)."""
    @BackupPolicyErrors.list_error_handler("read the backup policy of %s" % fs_id, default_value="DISABLED")
    def read():
        service.api_calls += 1
        return service.clients["efs"].describe_backup_policy(aws_retry=True, FileSystemId=fs_id)["BackupPolicy"]["Status"]
    return read()


class BackupPolicy(Service):
    """The automatic AWS Backup policy of one file system: one read when nothing changes."""

    SERVICES = ("efs",)

    def run(self):
        fs_id = self.params["file_system_id"]
        status = backup_status(self, fs_id)
        wanted = "ENABLED" if self.params["enabled"] else "DISABLED"
        current = settled_status(status)
        diff = {"before": {"status": current}, "after": {"status": wanted}}
        if current == wanted or self.check_mode:
            return dict(changed=current != wanted, status=status, diff=diff)
        status = self.call("efs", "put_backup_policy", "set the backup policy of %s to %s" % (fs_id, wanted),
                           FileSystemId=fs_id, BackupPolicy={"Status": wanted})["BackupPolicy"]["Status"]
        return dict(changed=True, status=status, diff=diff)


def mount_target_plan(targets, wanted):
    """(delete [target], modify [(target, groups)], create [(subnet, groups)]) turning the mount targets
    `targets` (with their SecurityGroups) into `wanted` ({subnet: sorted groups})."""
    have = dict((t["SubnetId"], t) for t in targets)
    delete = [t for subnet, t in have.items() if subnet not in wanted]
    modify = [(t, wanted[subnet]) for subnet, t in have.items()
              if subnet in wanted and sorted(t["SecurityGroups"]) != wanted[subnet]]
    create = [(subnet, groups) for subnet, groups in wanted.items() if subnet not in have]
    return delete, modify, create


class FileSystem(Service):
    """An encrypted file system found by its creation token (the name), and its mount targets."""

    SERVICES = ("efs",)

    def __init__(self, *args, **kwargs):
        super(FileSystem, self).__init__(*args, **kwargs)
        self.name = self.params["name"]
        self.changes = []

    def efs(self, method, /, **params):
        return self.call("efs", method, "EFS %s for %s" % (method, self.name), **params)

    # -- reads ----------------------------------------------------------------------------------------------
    def describe(self):
        systems = self.efs("describe_file_systems", CreationToken=self.name).get("FileSystems") or []
        systems = [s for s in systems if s.get("LifeCycleState") not in GONE]
        return systems[0] if systems else None

    def mount_targets(self, fs_id):
        out = []
        for target in self.efs("describe_mount_targets", FileSystemId=fs_id).get("MountTargets") or []:
            if target.get("LifeCycleState") in GONE:
                continue
            groups = self.efs("describe_mount_target_security_groups",
                              MountTargetId=target["MountTargetId"]).get("SecurityGroups", [])
            out.append(dict(target, SecurityGroups=groups))
        return out

    def change(self, what, method=None, /, **params):
        """Record a change and make it (not in check mode)."""
        self.changes.append(what)
        if method and not self.check_mode:
            return self.efs(method, **params)
        return None

    def settle(self, check, what):
        self.wait(lambda: (check(), [what + " not settled yet"], None), "%s of %s" % (what, self.name))

    # -- converge -------------------------------------------------------------------------------------------
    def create(self):
        params = self.params
        request = dict(CreationToken=self.name, Encrypted=True, PerformanceMode=params["performance_mode"],
                       ThroughputMode=params["throughput_mode"], Backup=params["backup"],
                       Tags=tagging.to_list(dict({"Name": self.name}, **(params.get("tags") or {}))))
        if params.get("kms_key_id"):
            request["KmsKeyId"] = params["kms_key_id"]
        return self.change("created", "create_file_system", **request)

    def update(self, fs):
        fs_id = fs["FileSystemId"]
        if fs.get("ThroughputMode") != self.params["throughput_mode"]:
            self.change("throughput_mode", "update_file_system", FileSystemId=fs_id,
                        ThroughputMode=self.params["throughput_mode"])
        if self.params.get("tags") is not None:
            current = tagging.to_dict(fs.get("Tags"))  # DescribeFileSystems gives every tag
            to_set, to_remove = tagging.changes(current, self.params["tags"], self.params["purge_tags"])
            if to_set or to_remove:
                self.changes.append("tags")
                if not self.check_mode and to_remove:
                    self.efs("untag_resource", ResourceId=fs_id, TagKeys=to_remove)
                if not self.check_mode and to_set:
                    self.efs("tag_resource", ResourceId=fs_id, Tags=tagging.to_list(to_set))

    def converge_backup(self, fs_id):
        """Automatic backups on or off as `backup` says (a new file system gets them at creation)."""
        wanted = "ENABLED" if self.params["backup"] else "DISABLED"
        if settled_status(backup_status(self, fs_id)) != wanted:
            self.change("backup", "put_backup_policy", FileSystemId=fs_id, BackupPolicy={"Status": wanted})

    def converge_mount_targets(self, fs_id, targets, wanted):
        delete, modify, create = mount_target_plan(targets, wanted)
        for target in delete:
            self.change("mount_target_deleted:" + target["SubnetId"], "delete_mount_target",
                        MountTargetId=target["MountTargetId"])
        for target, groups in modify:
            self.change("mount_target_security_groups:" + target["SubnetId"], "modify_mount_target_security_groups",
                        MountTargetId=target["MountTargetId"], SecurityGroups=groups)
        for subnet, groups in create:
            self.change("mount_target_created:" + subnet, "create_mount_target", FileSystemId=fs_id,
                        SubnetId=subnet, SecurityGroups=groups)
        return bool(delete or modify or create)

    def present(self):
        fs = self.describe()
        if fs is None:
            fs = self.create()
            if self.check_mode:
                return None, []
        else:
            self.update(fs)
            self.converge_backup(fs["FileSystemId"])
        fs_id = fs["FileSystemId"]
        if not self.check_mode and (self.changes or fs.get("LifeCycleState") != "available"):
            self.settle(lambda: (self.describe() or {}).get("LifeCycleState") == "available", "the file system")
        targets = self.mount_targets(fs_id)
        wanted = dict((t["subnet_id"], sorted(t["security_groups"])) for t in self.params["mount_targets"])
        if not self.converge_mount_targets(fs_id, targets, wanted) or self.check_mode:
            return fs, targets

        def settled():
            current = self.efs("describe_mount_targets", FileSystemId=fs_id).get("MountTargets") or []
            states = dict((t["SubnetId"], t["LifeCycleState"]) for t in current)
            return all(states.get(s) == "available" for s in wanted) and all(
                states.get(s) in (None, "deleted") for s in states if s not in wanted)
        self.settle(settled, "the mount targets")
        return self.describe(), self.mount_targets(fs_id)

    def absent(self):
        fs = self.describe()
        if fs is None:
            return
        self.changes.append("deleted")
        if self.check_mode:
            return
        fs_id = fs["FileSystemId"]
        for target in self.mount_targets(fs_id):
            self.efs("delete_mount_target", MountTargetId=target["MountTargetId"])
        self.settle(lambda: not self.mount_targets(fs_id), "the mount targets to be deleted")
        self.efs("delete_file_system", FileSystemId=fs_id)
        self.settle(lambda: self.describe() is None, "the file system to be deleted")

    def run(self):
        if self.params["state"] == "absent":
            self.absent()
            return dict(changed=bool(self.changes), changes=self.changes, file_system={}, mount_targets=[])
        fs, targets = self.present()
        return dict(
            changed=bool(self.changes), changes=self.changes,
            file_system=camel_dict_to_snake_dict(dict((k, v) for k, v in (fs or {}).items() if k != "Tags")),
            mount_targets=[{"subnet_id": t["SubnetId"], "mount_target_id": t["MountTargetId"],
                            "ip_address": t.get("IpAddress"), "security_groups": t.get("SecurityGroups", [])}
                           for t in targets],
        )


def access_point_view(point):
    """The settings of an access point that we manage, in comparable form."""
    if not point:
        return {}
    user = point.get("PosixUser") or {}
    return {"root_directory": (point.get("RootDirectory") or {}).get("Path", "/"),
            "posix_user": {"uid": user.get("Uid"), "gid": user.get("Gid")} if user else None}


def wanted_access_point_view(params):
    user = params["posix_user"]
    return {"root_directory": params["root_directory"],
            "posix_user": {"uid": user["uid"], "gid": user["gid"]} if user else None}


def creation_token(params):
    """One token per file system, name and configuration: a retried create returns the same access point."""
    wanted = sorted(wanted_access_point_view(params).items())
    return hashlib.sha256(repr((params["file_system_id"], params["name"], wanted)).encode()).hexdigest()[:64]


class AccessPoint(Service):
    """One access point found by its Name tag on a file system. Access points cannot be modified: other
    settings mean a new one, then the old one deleted."""

    SERVICES = ("efs",)

    def find(self):
        points = self.request_pages("efs", "describe_access_points", "AccessPoints",
                                    FileSystemId=self.params["file_system_id"])
        return [point for point in points
                if tagging.to_dict(point.get("Tags") or []).get("Name") == self.params["name"]
                and point.get("LifeCycleState") not in GONE]

    def create(self, tags):
        params = self.params
        request = {"ClientToken": creation_token(params), "FileSystemId": params["file_system_id"],
                   "Tags": tagging.to_list(tags), "RootDirectory": {"Path": params["root_directory"]}}
        user = params["posix_user"]
        if user:
            request["PosixUser"] = {"Uid": user["uid"], "Gid": user["gid"]}
            request["RootDirectory"]["CreationInfo"] = {
                "OwnerUid": user["uid"], "OwnerGid": user["gid"], "Permissions": DIRECTORY_MODE}
        return self.call("efs", "create_access_point", "create access point %s" % params["name"], **request)

    def delete(self, point):
        self.call("efs", "delete_access_point", "delete access point %s" % point["AccessPointId"],
                  AccessPointId=point["AccessPointId"])

    def reconcile_tags(self, point, tags):
        current = tagging.to_dict(point.get("Tags") or [])
        to_set, to_remove = tagging.changes(current, tags, purge=self.params["purge_tags"])
        to_remove = [key for key in to_remove if key != "Name"]
        if not (to_set or to_remove):
            return False
        if self.check_mode:
            return True
        if to_set:
            self.call("efs", "tag_resource", "tag access point %s" % point["AccessPointId"],
                      ResourceId=point["AccessPointId"], Tags=tagging.to_list(to_set))
        if to_remove:
            self.call("efs", "untag_resource", "untag access point %s" % point["AccessPointId"],
                      ResourceId=point["AccessPointId"], TagKeys=to_remove)
        return True

    def run(self):
        params = self.params
        found = self.find()
        current = found[0] if found else None
        if params["state"] == "absent":
            if not self.check_mode:
                for point in found:
                    self.delete(point)
            return dict(changed=bool(found), access_point_id="", diff={"before": access_point_view(current), "after": {}})
        tags = dict(params["tags"] or {}, Name=params["name"])
        wanted = wanted_access_point_view(params)
        diff = {"before": access_point_view(current), "after": wanted}
        if current and access_point_view(current) == wanted and len(found) == 1:
            changed = self.reconcile_tags(current, tags) if params["tags"] is not None else False
            return dict(changed=changed, access_point_id=current["AccessPointId"],
                        access_point_arn=current.get("AccessPointArn"), diff=diff)
        if self.check_mode:
            return dict(changed=True, access_point_id="", diff=diff)
        created = self.create(tags)
        for point in found:
            if point["AccessPointId"] != created["AccessPointId"]:
                self.delete(point)
        return dict(changed=True, access_point_id=created["AccessPointId"],
                    access_point_arn=created.get("AccessPointArn"), diff=diff)
