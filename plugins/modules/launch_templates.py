#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: launch_templates
short_description: EC2 launch templates, every template of a call converged in one module process
version_added: 0.1.0
description:
  - Creates each launch template of O(launch_templates) with its data and tags, or converges an existing one.
  - When the data of a template's latest version differs from the wanted data, creates a new version with the wanted
    data (not based on another version, so nothing survives that is no longer asked for) and makes it the default
    version; when the latest version has the wanted data but is not the default, makes it the default. The whole data
    is compared, so a version made by hand with a setting added (a key pair, say) is replaced too.
  - The comparison allows for what EC2 answers differently from what was sent (the order of lists such as the tags of
    a tag specification, numbers as text, fields only EC2 sets), so a run that changes nothing makes no write.
  - Every template of a call is read with one DescribeLaunchTemplates (their tags included) and one
    DescribeLaunchTemplateVersions per existing template (its latest version).
  - Idempotent; check mode and C(--diff) supported. The diff shows the user data decoded.
notes:
  - amazon.aws.ec2_launch_template makes five reads per template on a run that changes nothing (two
    DescribeLaunchTemplates, two DescribeLaunchTemplateVersions reading every version, DescribeTags) and one module
    process per template.
  - Deleting templates is not part of this module (see O(cloudops.ecs.ecs_autoscaling_group#module:delete_launch_template)).
author:
  - cloudops.ecs maintainers (@cloudops)
options:
  launch_templates:
    description: The templates, converged in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the template.
        type: str
        required: true
      tags:
        description:
          - Tags of the template itself. Omitted (null) = tags of an existing template are left alone.
        type: dict
      image_id:
        description: AMI id.
        type: str
      instance_type:
        description: Instance type.
        type: str
      key_name:
        description: Name of the key pair.
        type: str
      iam_instance_profile:
        description: ARN (starting with C(arn:)) or name of the instance profile.
        type: str
      ebs_optimized:
        description: EBS-optimized instances.
        type: bool
      security_group_ids:
        description: Security groups of the instances, when O(launch_templates[].network_interfaces) does not give them.
        type: list
        elements: str
      metadata_options:
        description: Instance metadata service options.
        type: dict
        suboptions:
          http_endpoint:
            description: Whether the instance metadata service answers.
            type: str
            choices: [enabled, disabled]
          http_tokens:
            description: V(required) for IMDSv2 only.
            type: str
            choices: [optional, required]
          http_put_response_hop_limit:
            description: Hops a metadata token may travel (2 lets containers on a bridge network reach the service).
            type: int
          http_protocol_ipv6:
            description: The service's IPv6 endpoint.
            type: str
            choices: [enabled, disabled]
          instance_metadata_tags:
            description: Instance tags in the metadata.
            type: str
            choices: [enabled, disabled]
      block_device_mappings:
        description: Block devices.
        type: list
        elements: dict
        suboptions:
          device_name:
            description: Device name (V(/dev/xvda)).
            type: str
            required: true
          ebs:
            description: EBS volume.
            type: dict
            suboptions:
              delete_on_termination:
                description: Delete the volume with the instance.
                type: bool
              encrypted:
                description: Encrypt the volume.
                type: bool
              iops:
                description: Provisioned IOPS.
                type: int
              kms_key_id:
                description: KMS key that encrypts the volume (the account's EBS default key when omitted).
                type: str
              snapshot_id:
                description: Snapshot to create the volume from.
                type: str
              throughput:
                description: Throughput in MiB/s (gp3).
                type: int
              volume_size:
                description: Size in GiB.
                type: int
              volume_type:
                description: Volume type (V(gp3), ...).
                type: str
          no_device:
            description: Suppress the device of the AMI's mapping.
            type: str
          virtual_name:
            description: Instance store volume name.
            type: str
      network_interfaces:
        description: Network interfaces.
        type: list
        elements: dict
        suboptions:
          device_index:
            description: Device index (0 for the primary interface).
            type: int
          associate_public_ip_address:
            description: Give the instance a public IPv4 address.
            type: bool
          delete_on_termination:
            description: Delete the interface with the instance.
            type: bool
          description:
            description: Description of the interface.
            type: str
          groups:
            description: Security group ids.
            type: list
            elements: str
          subnet_id:
            description: Subnet (an Auto Scaling group gives its own).
            type: str
      monitoring:
        description: Detailed (one-minute) monitoring.
        type: dict
        suboptions:
          enabled:
            description: Whether detailed monitoring is on.
            type: bool
      user_data:
        description: User data, base64-encoded.
        type: str
      tag_specifications:
        description: Tags of what the instances launch (the instances, their volumes, their network interfaces).
        type: list
        elements: dict
        suboptions:
          resource_type:
            description: What the tags go on.
            type: str
            required: true
            choices: [instance, volume, network-interface, spot-instances-request]
          tags:
            description: The tags.
            type: dict
            required: true
  purge_tags:
    description:
      - Remove the template tags not listed in O(launch_templates[].tags) (never C(aws:) tags). Has no effect on a
        template whose O(launch_templates[].tags) is omitted.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The launch templates of two instance groups, in one call
  cloudops.ecs.launch_templates:
    launch_templates:
      - name: shop-prod-ondemand
        image_id: ami-0123456789abcdef0
        instance_type: m7i.large
        iam_instance_profile: arn:aws:iam::123456789012:instance-profile/shop-prod-ecs-instance
        metadata_options:
          http_endpoint: enabled
          http_tokens: required
          http_put_response_hop_limit: 1
        block_device_mappings:
          - device_name: /dev/xvda
            ebs: {volume_size: 30, volume_type: gp3, encrypted: true, delete_on_termination: true}
        network_interfaces:
          - device_index: 0
            associate_public_ip_address: false
            delete_on_termination: true
            groups: [sg-0123456789abcdef0]
        monitoring:
          enabled: true
        user_data: "{{ lookup('ansible.builtin.template', 'user_data.sh.j2') | b64encode }}"
        tag_specifications:
          - resource_type: volume
            tags: {Name: shop-prod-ondemand, cloudops:stack: shop-prod}
        tags: {Name: shop-prod-ondemand, cloudops:stack: shop-prod}
      - name: shop-prod-spot
        image_id: ami-0fedcba9876543210
        instance_type: m7g.large
        iam_instance_profile: shop-prod-ecs-instance
        tags: {Name: shop-prod-spot, cloudops:stack: shop-prod}
  register: templates

- name: An Auto Scaling group on the latest version of the first
  cloudops.ecs.ecs_autoscaling_group:
    name: shop-prod-ondemand
    launch_template:
      id: "{{ templates.launch_templates[0].launch_template_id }}"
      version: "{{ templates.launch_templates[0].latest_version | string }}"
    min_size: 1
    max_size: 4
"""

RETURN = r"""
launch_templates:
  description: Each template in the order of O(launch_templates).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name.
      type: str
    launch_template_id:
      description: Id; empty for a template created in check mode.
      type: str
      sample: lt-0123456789abcdef0
    latest_version:
      description:
        - Number of the latest version, the one that has the wanted data (in check mode, the number a new version
          would get); null for a template created in check mode.
      type: int
    default_version:
      description: Number of the default version (the latest); null for a template created in check mode.
      type: int
    changed:
      description: Whether this template changed (or would in check mode).
      type: bool
changes:
  description: What changed (or would change in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample: ["create version 3 of launch template shop-prod-ondemand (ImageId changed)",
           "make version 3 the default of launch template shop-prod-ondemand (was 2)"]
api_calls:
  description: Number of AWS calls the run made.
  returned: always
  type: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cloudops.ecs.plugins.module_utils.aws import run_service
from ansible_collections.cloudops.ecs.plugins.module_utils.launch_templates import TEMPLATE_OPTIONS, LaunchTemplates


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            launch_templates=dict(type="list", elements="dict", required=True, options=TEMPLATE_OPTIONS),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    run_service(module, LaunchTemplates.from_module(module), description="converge the launch templates")


if __name__ == "__main__":
    main()
