# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tags: the stack tag that marks what a stack owns, list <-> dict, and the tag diff (amazon.aws
compare_aws_tags). `tags: None` means leave tags alone; purge_tags removes keys not asked for
(never `aws:` keys). StackTagged gives the services that own EC2 resources by the stack tag their
resources' tags. indexed() reads the tags of many resources in one request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import chunks

TAGGING = "resourcegroupstaggingapi"

STACK_TAG = "cloudops:stack"


def text_values(tags):
    """Tag values as the API stores them: strings, None as ""."""
    return dict((k, "" if v is None else str(v)) for k, v in (tags or {}).items())


def to_dict(tag_list, key_name=None, value_name=None):
    """[{Key, Value}] or [{key, value}] (ECS) -> {key: value}; None -> {}; a missing value is ""."""
    items = [t for t in tag_list or [] if t]
    if not items:
        return {}
    if key_name is None:
        key_name, value_name = ("key", "value") if "key" in items[0] else ("Key", "Value")
    return dict((t[key_name], t.get(value_name, "")) for t in items)


def to_list(tags, key_name="Key", value_name="Value"):
    """{key: value} -> [{Key, Value}] sorted by key, so requests are stable (key_name="key",
    value_name="value" for ECS)."""
    return ansible_dict_to_boto3_tag_list(dict(sorted(text_values(tags).items())), key_name, value_name)


def specifications(tags, resource_types):
    """TagSpecifications for EC2 create calls."""
    return boto3_tag_specifications(tags, resource_types)


def stack_tags(stack_name, tags=None, name=None):
    """The tags every resource of a stack carries: `tags`, the stack tag and, when given, Name."""
    result = dict(tags or {})
    if name is not None:
        result["Name"] = name
    result[STACK_TAG] = stack_name
    return result


def stack_argument_spec():
    """The options of a module that owns a stack's resources by the stack tag: state, stack, name_prefix, tags."""
    return dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        stack=dict(type="str", required=True),
        name_prefix=dict(type="str"),
        tags=dict(type="dict", default={}),
    )


def tags_argument_spec(aliases=()):
    """The tags and purge_tags options (doc fragment cloudops.ecs.tags, or amazon.aws.tags with the resource_tags
    alias)."""
    tags = dict(type="dict", aliases=list(aliases)) if aliases else dict(type="dict")
    return dict(tags=tags, purge_tags=dict(type="bool", default=True))


def stack_filters(stack_name):
    """EC2-style Filters selecting what carries the stack tag."""
    return [{"Name": "tag:" + STACK_TAG, "Values": [stack_name]}]


def of_stack(tags, stack_name):
    """Whether a tag dict or tag list carries the stack tag of `stack_name`."""
    if isinstance(tags, list):
        tags = to_dict(tags)
    return (tags or {}).get(STACK_TAG) == stack_name


def changes(current, desired, purge=True):
    """(to_set dict, to_unset list) that turn `current` into `desired`; desired None changes nothing."""
    if desired is None:
        return {}, []
    to_set, to_unset = compare_aws_tags(current or {}, text_values(desired), purge_tags=purge)
    return to_set, sorted(to_unset)


def after(current, to_set, to_unset):
    """The tags once `to_set`/`to_unset` are applied (for diffs and check mode)."""
    result = dict(current or {}, **(to_set or {}))
    for key in to_unset or []:
        result.pop(key, None)
    return result


def missing(current, desired):
    """The `desired` tags a resource lacks or has with another value (its other tags are left alone)."""
    return dict((k, v) for k, v in desired.items() if (current or {}).get(k) != v)


def indexed(owner, arns):
    """{arn: tags} of `arns` from the Resource Groups Tagging API, one GetResources per 100 ARNs, through the
    aws.Service `owner` (its resourcegroupstaggingapi client): for kinds of resource without a batched tag read.
    The index is eventually consistent and leaves out resources never tagged, so a caller trusts an answer only
    when it is what the caller wants, and reads the resource's own tags otherwise (a change made within the index's
    lag is then seen by the next run). {} when the index cannot be
    read (not allowed, not offered where the caller runs): the caller then reads each resource."""
    found = {}
    try:
        for batch in chunks(sorted(set(arns)), 100):
            response = owner.request(TAGGING, "get_resources", ResourceARNList=batch)
            for mapping in response.get("ResourceTagMappingList") or []:
                found[mapping["ResourceARN"]] = to_dict(mapping.get("Tags"), "Key", "Value")
    except (ClientError, BotoCoreError):
        return {}
    return found


def converge_ec2_tags(service, resource_id, what, current, desired, purge=True):
    """Turn the tags `current` of the EC2 resource `resource_id` into `desired` (CreateTags, DeleteTags; no call in
    check mode) through the aws.Service `service`, each change recorded with its change() naming `what`. Returns the
    tags after."""
    to_set, to_unset = changes(current, desired, purge)
    if to_set:
        service.change("tag %s (%s)" % (what, ", ".join(sorted(to_set))))
        if not service.check_mode:
            service.call("ec2", "create_tags", "tag " + what, Resources=[resource_id], Tags=to_list(to_set))
    if to_unset:
        service.change("untag %s (%s)" % (what, ", ".join(to_unset)))
        if not service.check_mode:
            service.call("ec2", "delete_tags", "untag " + what, Resources=[resource_id],
                         Tags=[{"Key": key} for key in to_unset])
    return after(current, to_set, to_unset)


class StackTagged:
    """For service classes (aws.Service) that own EC2 resources by the stack tag, with `stack` and the
    `tags` option: the tags each resource gets, their TagSpecifications, ownership, and adding the tags
    an existing resource lacks (recorded through the service's change())."""

    def tags_for(self, name):
        """The tags of the stack's resource `name`: the tags option, the stack tag and Name."""
        return stack_tags(self.stack, self.params.get("tags"), name=name)

    def tag_spec(self, resource_type, name):
        """TagSpecifications creating the resource `name` with its tags."""
        return specifications(self.tags_for(name), [resource_type])

    def owned(self, resource, name=None):
        """Whether `resource` carries this stack's tag (and, when given, the Name `name`)."""
        tags = to_dict(resource.get("Tags"))
        return tags.get(STACK_TAG) == self.stack and (name is None or tags.get("Name") == name)

    def converge_tags(self, resource_id, resource, name, what=None):
        """Add the tags of tags_for(name) that `resource` lacks (CreateTags; its other tags stay)."""
        add = missing(to_dict(resource.get("Tags")), self.tags_for(name))
        if add:
            self.change("tag %s (%s)" % (" ".join(w for w in (what, name) if w), ", ".join(sorted(add))))
            if not self.check_mode:
                self.request("ec2", "create_tags", Resources=[resource_id], Tags=to_list(add))
