"""EC2 fixes: launch template data applied to instances, SourceVersion, NAT gateway tag type.

- RunInstances (and Auto Scaling launches) with a launch template apply its IamInstanceProfile and
  MetadataOptions, as EC2 does (moto applies ImageId, InstanceType, UserData, security groups, block
  devices and instance tags only). Explicit request parameters still win.
- CreateLaunchTemplateVersion with SourceVersion starts from the source version's data and overrides
  the top-level keys given in LaunchTemplateData (moto copies nothing); UserData is decoded as
  CreateLaunchTemplate does.
- CreateLaunchTemplate's TagSpecifications (resource type `launch-template`) tag the template only; moto also
  copies them into the first version's LaunchTemplateData, which EC2 does not (a version's TagSpecifications
  are for the instances, volumes and interfaces it launches, and `launch-template` is not one of them).
- DescribeLaunchTemplates gives a template's tags as they are now (moto kept those it was created with, so
  CreateTags and DeleteTags on the template did not show).
- NAT gateway tags are filed under resource type `natgateway` (moto says `nat-gateway`), so
  DescribeTags with a resource-type filter finds them and amazon.aws tag comparison converges.
- DescribeSecurityGroupRules gives the Description of every rule, as EC2 does; moto gives only that of CIDR rules,
  not of rules whose peer is a security group. A rule is the same rule whatever its description (EC2 matches
  protocol, ports and peer), so UpdateSecurityGroupRuleDescriptions* finds a group-peer rule to describe anew (moto
  compared the description too and changed nothing).
"""
import copy

from moto.core.responses import ActionResult
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.models.launch_templates import LaunchTemplate
from moto.ec2.models.security_groups import SecurityGroupRule
from moto.ec2.responses.launch_templates import LaunchTemplates
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, EC2_RESOURCE_TO_PREFIX, parse_user_data

from local_aws.control_plane.core import Component
from local_aws.control_plane.moto_patch import patch


class Ec2(Component):
    name = "ec2"

    def __init__(self, plane):
        super().__init__(plane)
        patch(InstanceBackend, "run_instances", _run_instances)
        patch(LaunchTemplates, "create_launch_template", _create_launch_template)
        patch(LaunchTemplates, "create_launch_template_version", _create_launch_template_version)
        patch(LaunchTemplate, "tags", _current_tags)
        EC2_PREFIX_TO_RESOURCE[EC2_RESOURCE_TO_PREFIX["nat-gateway"]] = "natgateway"
        patch(SecurityGroupRule, "description", _rule_description)
        patch(SecurityGroupRule, "__eq__", _rule_equal)


def _current_tags(original):
    del original  # an attribute moto set once, at creation
    # the template's tags live in EC2's tag store; moto's assignment at creation is ignored
    return property(lambda template: template.get_tags(), lambda template, value: None)


def _rule_equal(original):
    def without_description(rule):
        plain = copy.copy(rule)
        plain.source_group = {k: v for k, v in (rule.source_group or {}).items() if k != "Description"}
        return plain

    def equal(rule, other):
        if not isinstance(other, SecurityGroupRule):
            return NotImplemented
        return original(without_description(rule), without_description(other))
    return equal


def _rule_description(original):
    del original  # a property that reads the CIDR range only
    return property(lambda rule: rule.ip_range.get("Description") or (rule.source_group or {}).get("Description"))


def _run_instances(original):
    def run_instances(backend, image_id, count, user_data, security_group_names, **kwargs):
        data = {}
        if kwargs.get("launch_template"):
            data = backend._get_template_from_args(kwargs["launch_template"]).data
            if not kwargs.get("metadata_options") and data.get("MetadataOptions"):
                kwargs["metadata_options"] = data["MetadataOptions"]
        reservation = original(backend, image_id, count, user_data, security_group_names, **kwargs)
        profile = data.get("IamInstanceProfile") or {}
        explicit = kwargs.get("iam_instance_profile_name") or kwargs.get("iam_instance_profile_arn")
        if profile and not explicit:
            for instance in reservation.instances:
                backend.associate_iam_instance_profile(
                    instance_id=instance.id,
                    iam_instance_profile_name=profile.get("Name"),
                    iam_instance_profile_arn=profile.get("Arn"),
                )
        return reservation

    return run_instances


def _create_launch_template(original):
    def create_launch_template(response):
        result = original(response)
        template = response.ec2_backend.get_launch_template_by_name(response._get_param("LaunchTemplateName"))
        data = template.versions[0].data
        specs = [s for s in data.get("TagSpecifications") or [] if s.get("ResourceType") != "launch-template"]
        if specs:
            data["TagSpecifications"] = specs
        else:
            data.pop("TagSpecifications", None)
        return result

    return create_launch_template


def _create_launch_template_version(original):
    def create_launch_template_version(response):
        source = response._get_param("SourceVersion")
        name = response._get_param("LaunchTemplateName")
        template_id = response._get_param("LaunchTemplateId")
        backend = response.ec2_backend
        template = backend.get_launch_template(template_id) if template_id else backend.get_launch_template_by_name(name)
        data = copy.deepcopy(template.get_version(source).data) if source is not None else {}
        given = response._get_param("LaunchTemplateData", {})
        if "UserData" in given:
            given["UserData"] = parse_user_data(response._get_param("LaunchTemplateData.UserData"))
        data.update(given)
        response.error_on_dryrun()
        version = template.create_version(data, response._get_param("VersionDescription"))
        return ActionResult({
            "LaunchTemplateVersion": {
                "CreateTime": version.create_time,
                "CreatedBy": f"arn:{response.partition}:iam::{response.current_account}:root",
                "DefaultVersion": template.is_default(version),
                "LaunchTemplateData": version.data,
                "LaunchTemplateId": template.id,
                "LaunchTemplateName": template.name,
                "VersionDescription": version.description,
                "VersionNumber": version.number,
            },
        })

    return create_launch_template_version
