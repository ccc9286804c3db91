# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EC2 launch templates converged in one module process. Every template of a call is read with one
DescribeLaunchTemplates (a launch-template-name filter answers only the templates that exist, with their tags) and
one DescribeLaunchTemplateVersions of its latest version. A template whose latest version's data differs from the
wanted data gets a new version (never from a source version, so no setting survives that is no longer asked for),
made the default, as amazon.aws.ec2_launch_template does with default_version latest. (DescribeLaunchTemplateVersions
can also give the latest version of every template of the account in one request; not used, as its answer grows with
the account, not with the stack.)

The conversion of the options to LaunchTemplateData and the comparison with what EC2 answers are pure:
launch_template_data(), request_members(), comparable(), differences(), diff_view()."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import json
import uuid

from ansible.module_utils.common.dict_transformations import snake_dict_to_camel_dict

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service, chunks, refuse_listed_twice
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

TAG_RESOURCE_TYPES = ["instance", "volume", "network-interface", "spot-instances-request"]

# The launch template data options of one template, in snake case (the API's names, CamelCase in the request).
DATA_OPTIONS = dict(
    image_id=dict(type="str"),
    instance_type=dict(type="str"),
    key_name=dict(type="str", no_log=False),
    iam_instance_profile=dict(type="str"),
    ebs_optimized=dict(type="bool"),
    security_group_ids=dict(type="list", elements="str"),
    metadata_options=dict(type="dict", options=dict(
        http_endpoint=dict(type="str", choices=["enabled", "disabled"]),
        http_tokens=dict(type="str", choices=["optional", "required"]),
        http_put_response_hop_limit=dict(type="int"),
        http_protocol_ipv6=dict(type="str", choices=["enabled", "disabled"]),
        instance_metadata_tags=dict(type="str", choices=["enabled", "disabled"]),
    )),
    block_device_mappings=dict(type="list", elements="dict", options=dict(
        device_name=dict(type="str", required=True),
        ebs=dict(type="dict", options=dict(
            delete_on_termination=dict(type="bool"),
            encrypted=dict(type="bool"),
            iops=dict(type="int"),
            kms_key_id=dict(type="str", no_log=False),
            snapshot_id=dict(type="str"),
            throughput=dict(type="int"),
            volume_size=dict(type="int"),
            volume_type=dict(type="str"),
        )),
        no_device=dict(type="str"),
        virtual_name=dict(type="str"),
    )),
    network_interfaces=dict(type="list", elements="dict", options=dict(
        device_index=dict(type="int"),
        associate_public_ip_address=dict(type="bool"),
        delete_on_termination=dict(type="bool"),
        description=dict(type="str"),
        groups=dict(type="list", elements="str"),
        subnet_id=dict(type="str"),
    )),
    monitoring=dict(type="dict", options=dict(enabled=dict(type="bool"))),
    user_data=dict(type="str"),
    tag_specifications=dict(type="list", elements="dict", options=dict(
        resource_type=dict(type="str", required=True, choices=TAG_RESOURCE_TYPES),
        tags=dict(type="dict", required=True),
    )),
)

TEMPLATE_OPTIONS = dict(name=dict(type="str", required=True), tags=dict(type="dict"), **DATA_OPTIONS)


# --------------------------------------------------------------------------------------------------
# Pure: the wanted data, and the comparison with what EC2 answers
# --------------------------------------------------------------------------------------------------
def scrub(value, blank_text=False):
    """`value` without None, empty lists and dicts (and, with `blank_text`, empty strings), at any depth: EC2 stores an
    omitted setting and an empty one alike (botocore's EC2 serializer sends nothing for an empty list)."""
    empty = (None, "", [], {}) if blank_text else (None, [], {})
    if isinstance(value, dict):
        value = dict((k, scrub(v, blank_text)) for k, v in value.items())
        return dict((k, v) for k, v in value.items() if v not in empty)
    if isinstance(value, list):
        return [v for v in (scrub(v, blank_text) for v in value) if v not in empty]
    return value


def launch_template_data(template):
    """The LaunchTemplateData of one template's options (snake case; None = not set): CamelCase, the instance profile
    as Arn (an ARN) or Name, each tag specification's tags dict as a tag list, nothing empty."""
    plain = dict((k, v) for k, v in template.items()
                 if k in DATA_OPTIONS and k not in ("iam_instance_profile", "tag_specifications"))
    data = snake_dict_to_camel_dict(scrub(plain), capitalize_first=True)
    profile = template.get("iam_instance_profile")
    if profile:
        data["IamInstanceProfile"] = {"Arn": profile} if profile.startswith("arn:") else {"Name": profile}
    # tag keys are the user's, not option names: never CamelCased
    specs = [{"ResourceType": spec["resource_type"], "Tags": tagging.to_list(spec["tags"])}
             for spec in template.get("tag_specifications") or [] if spec.get("tags")]
    if specs:
        data["TagSpecifications"] = specs
    return scrub(data)


def request_members(shape, seen=()):
    """The members a request may send, from a botocore shape (RequestLaunchTemplateData): {member: its members} for a
    structure, [its member's members] for a list, None for a scalar (or a shape met again, not pruned further)."""
    name = getattr(shape, "name", None)
    if name in seen:
        return None
    seen = tuple(seen) + (name,)
    if shape.type_name == "structure":
        return dict((key, request_members(member, seen)) for key, member in shape.members.items())
    if shape.type_name == "list":
        return [request_members(shape.member, seen)]
    return None


def prune(data, members):
    """`data` with only what `members` (request_members()) says a request can send: DescribeLaunchTemplateVersions
    answers some fields no request sets (MetadataOptions.State, Operator.Managed, Ipv6Addresses' IsPrimaryIpv6)."""
    if isinstance(members, dict) and isinstance(data, dict):
        return dict((k, prune(v, members[k])) for k, v in data.items() if k in members)
    if isinstance(members, list) and isinstance(data, list):
        return [prune(v, members[0]) for v in data]
    return data


def canonical_scalar(value):
    """A scalar as text, so 8 and "8", True and "true" compare equal (a number may come back as either)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _canonical(value):
    if isinstance(value, dict):
        return dict((k, _canonical(v)) for k, v in value.items())
    if isinstance(value, list):
        # no list of launch template data means anything by its order (devices are named, interfaces indexed, tags,
        # groups and tag specifications are sets), and EC2 does not promise to answer in the order sent
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return canonical_scalar(value)


def comparable(data, members=None):
    """LaunchTemplateData, as sent or as EC2 answers it, in the one form the two are compared in: only what a request
    can send (with `members`), nothing empty (no empty text either), scalars as text, every list sorted."""
    # an empty text (a tag's value) may be answered as no value at all
    return _canonical(scrub(prune(data or {}, members), blank_text=True))


def differences(current, wanted, members=None):
    """The top-level LaunchTemplateData keys whose settings differ between `current` (a version's data as EC2 answers
    it) and `wanted`, sorted; [] when they are the same."""
    current, wanted = comparable(current, members), comparable(wanted, members)
    return sorted(k for k in set(current) | set(wanted) if current.get(k) != wanted.get(k))


def diff_view(data):
    """LaunchTemplateData to show in a diff: the user data decoded when it is base64 of UTF-8 text."""
    view = dict(data or {})
    if isinstance(view.get("UserData"), str):
        try:
            view["UserData"] = base64.b64decode(view["UserData"], validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            pass
    return view


def client_token():
    """An idempotency token: a create retried after a lost answer does not make a second template or version."""
    return uuid.uuid4().hex


# --------------------------------------------------------------------------------------------------
# AWS side
# --------------------------------------------------------------------------------------------------
class LaunchTemplates(Service):
    """The launch_templates module: every template of the launch_templates option, in order."""

    SERVICES = ("ec2",)
    # EC2 takes up to 200 values in one filter
    NAMES_PER_READ = 200

    def __init__(self, *args, **kwargs):
        super(LaunchTemplates, self).__init__(*args, **kwargs)
        self.changes = []

    def change(self, text):
        self.changes.append(text)

    def members(self):
        """What a request can send in LaunchTemplateData, from the client's service model."""
        return request_members(self.clients["ec2"].meta.service_model.shape_for("RequestLaunchTemplateData"))

    def read(self, names):
        """name -> DescribeLaunchTemplates item (Tags included) of the templates that exist."""
        found = {}
        for batch in chunks(names, self.NAMES_PER_READ):
            for template in self.paginate("ec2", "describe_launch_templates", "LaunchTemplates",
                                          "describe the launch templates %s" % ", ".join(batch),
                                          Filters=[{"Name": "launch-template-name", "Values": batch}]):
                found[template["LaunchTemplateName"]] = template
        return found

    def latest_version(self, name, template):
        answer = self.call("ec2", "describe_launch_template_versions",
                           "read the latest version of the launch template %s" % name,
                           LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Latest"])
        versions = answer.get("LaunchTemplateVersions") or []
        if not versions:
            raise CloudopsError(message="EC2 gave no latest version of the launch template %s (%s)"
                                        % (name, template["LaunchTemplateId"]))
        return versions[0]

    def create(self, spec, wanted):
        name = spec["name"]
        self.change("create launch template %s" % name)
        if self.check_mode:
            return dict(launch_template_id="", latest_version=None, default_version=None)
        kwargs = dict(LaunchTemplateName=name, LaunchTemplateData=wanted, ClientToken=client_token())
        if spec.get("tags"):
            kwargs["TagSpecifications"] = [{"ResourceType": "launch-template", "Tags": tagging.to_list(spec["tags"])}]
        created = self.call("ec2", "create_launch_template", "create the launch template %s" % name, **kwargs)
        template = created["LaunchTemplate"]
        return dict(launch_template_id=template["LaunchTemplateId"], latest_version=template["LatestVersionNumber"],
                    default_version=template["DefaultVersionNumber"])

    def converge_versions(self, spec, wanted, template, latest, members):
        """A new version when the latest one differs, then the latest made the default; returns (latest, default)."""
        name, template_id = spec["name"], template["LaunchTemplateId"]
        number, default = latest["VersionNumber"], template["DefaultVersionNumber"]
        differing = differences(latest.get("LaunchTemplateData"), wanted, members)
        if latest.get("VersionDescription"):
            differing.append("VersionDescription")  # the module's versions have none
        if differing:
            self.change("create version %d of launch template %s (%s changed)" % (number + 1, name, ", ".join(differing)))
            if self.check_mode:
                number += 1  # EC2 numbers a new version after the latest
            else:
                created = self.call("ec2", "create_launch_template_version",
                                    "create a version of the launch template %s" % name,
                                    LaunchTemplateId=template_id, LaunchTemplateData=wanted, ClientToken=client_token())
                number = created["LaunchTemplateVersion"]["VersionNumber"]
        if default != number:
            self.change("make version %d the default of launch template %s (was %d)" % (number, name, default))
            if not self.check_mode:
                self.call("ec2", "modify_launch_template", "make version %d the default of the launch template %s"
                          % (number, name), LaunchTemplateId=template_id, DefaultVersion=str(number),
                          ClientToken=client_token())
            default = number
        return number, default

    def converge_tags(self, spec, template):
        """The template's tags converged to the tags option (with purge_tags); returns the tags after."""
        return tagging.converge_ec2_tags(self, template["LaunchTemplateId"], "launch template %s" % spec["name"],
                                         tagging.to_dict(template.get("Tags")), spec.get("tags"),
                                         self.params.get("purge_tags", True))

    def present(self):
        specs = self.params["launch_templates"]
        names = [spec["name"] for spec in specs]
        refuse_listed_twice("launch_templates", names, "launch template name")
        members = self.members()
        found = self.read(names)
        # every read before the first change: a template that cannot be read stops the run with nothing changed
        latest = dict((name, self.latest_version(name, found[name])) for name in names if name in found)
        results, before, after = [], {}, {}
        for spec in specs:
            name, wanted, start = spec["name"], launch_template_data(spec), len(self.changes)
            template = found.get(name)
            if template is None:
                item = self.create(spec, wanted)
                before[name] = {}
                after_tags = tagging.text_values(spec.get("tags"))
            else:
                number, default = self.converge_versions(spec, wanted, template, latest[name], members)
                item = dict(launch_template_id=template["LaunchTemplateId"], latest_version=number,
                            default_version=default)
                current_tags = tagging.to_dict(template.get("Tags"))
                after_tags = self.converge_tags(spec, template)
                before[name] = dict(launch_template_id=template["LaunchTemplateId"],
                                    latest_version=latest[name]["VersionNumber"],
                                    default_version=template["DefaultVersionNumber"],
                                    data=diff_view(scrub(prune(latest[name].get("LaunchTemplateData") or {}, members))),
                                    tags=current_tags)
            after[name] = dict(item, data=diff_view(wanted), tags=after_tags)
            results.append(dict(name=name, changed=len(self.changes) > start, **item))
        result = dict(changed=bool(self.changes), changes=self.changes, launch_templates=results)
        if self.diff_mode:
            result["diff"] = dict(before=before, after=after)
        return result

    def run(self):
        try:
            result = self.present()
        except CloudopsError as e:
            e.kwargs["changes"] = self.changes
            raise
        result["api_calls"] = self.api_calls
        return result
