import base64

from botocore.stub import ANY

from ansible_collections.cloudops.ecs.plugins.modules import launch_templates

TEMPLATE_ID = {"shop-ondemand": "lt-0aaaaaaaaaaaaaaa1", "shop-spot": "lt-0bbbbbbbbbbbbbbb2"}
PROFILE = "arn:aws:iam::123456789012:instance-profile/shop-ecs-instance"
STACK_TAGS = {"cloudops:stack": "shop", "Environment": "prod"}


def tags_of(name):
    return dict(STACK_TAGS, Name=name)


def tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def options(name, image="ami-0123456789abcdef0", instance_type="m7i.large"):
    """The options the ecs_instances role gives one group."""
    tags = tags_of(name)
    return {
        "name": name,
        "image_id": image,
        "instance_type": instance_type,
        "iam_instance_profile": PROFILE,
        "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1,
                             "http_protocol_ipv6": "disabled", "instance_metadata_tags": "disabled"},
        "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {
            "volume_size": 30, "volume_type": "gp3", "encrypted": True, "delete_on_termination": True,
            "kms_key_id": "alias/shop-ebs"}}],
        "network_interfaces": [{"device_index": 0, "associate_public_ip_address": False, "delete_on_termination": True,
                                "groups": ["sg-0123456789abcdef0"]}],
        "monitoring": {"enabled": True},
        "user_data": base64.b64encode(("#!/bin/bash\n# group %s\n" % name).encode()).decode(),
        "tag_specifications": [{"resource_type": "volume", "tags": tags},
                               {"resource_type": "network-interface", "tags": tags}],
        "tags": tags,
    }


def data(name, image="ami-0123456789abcdef0", instance_type="m7i.large"):
    """The LaunchTemplateData of options(), as sent and as EC2 answers it."""
    tags = tag_list(tags_of(name))
    return {
        "ImageId": image,
        "InstanceType": instance_type,
        "IamInstanceProfile": {"Arn": PROFILE},
        "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "required", "HttpPutResponseHopLimit": 1,
                            "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"},
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
            "VolumeSize": 30, "VolumeType": "gp3", "Encrypted": True, "DeleteOnTermination": True,
            "KmsKeyId": "alias/shop-ebs"}}],
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False, "DeleteOnTermination": True,
                               "Groups": ["sg-0123456789abcdef0"]}],
        "Monitoring": {"Enabled": True},
        "UserData": base64.b64encode(("#!/bin/bash\n# group %s\n" % name).encode()).decode(),
        "TagSpecifications": [{"ResourceType": "volume", "Tags": tags},
                              {"ResourceType": "network-interface", "Tags": tags}],
    }


def args(*names, **changed):
    return {"launch_templates": [dict(options(name), **changed) for name in names]}


def templates_found(stubs, names, found):
    """DescribeLaunchTemplates by name filter; `found` {name: (latest, default, tags)} of those that exist."""
    stubs["ec2"].add_response("describe_launch_templates", {"LaunchTemplates": [
        {"LaunchTemplateName": name, "LaunchTemplateId": TEMPLATE_ID[name], "LatestVersionNumber": latest,
         "DefaultVersionNumber": default, "Tags": tag_list(tags)}
        for name, (latest, default, tags) in found.items()]},
        {"Filters": [{"Name": "launch-template-name", "Values": list(names)}]})


def latest_read(stubs, name, number, template_data, description=None):
    version = {"LaunchTemplateId": TEMPLATE_ID[name], "LaunchTemplateName": name, "VersionNumber": number,
               "DefaultVersion": False, "LaunchTemplateData": template_data}
    if description:
        version["VersionDescription"] = description
    stubs["ec2"].add_response("describe_launch_template_versions", {"LaunchTemplateVersions": [version]},
                              {"LaunchTemplateId": TEMPLATE_ID[name], "Versions": ["$Latest"]})


def version_created(stubs, name, number, template_data):
    stubs["ec2"].add_response("create_launch_template_version", {"LaunchTemplateVersion": {
        "LaunchTemplateId": TEMPLATE_ID[name], "VersionNumber": number, "LaunchTemplateData": template_data}},
        {"LaunchTemplateId": TEMPLATE_ID[name], "LaunchTemplateData": template_data, "ClientToken": ANY})


def default_set(stubs, name, number):
    stubs["ec2"].add_response("modify_launch_template", {"LaunchTemplate": {
        "LaunchTemplateId": TEMPLATE_ID[name], "DefaultVersionNumber": number}},
        {"LaunchTemplateId": TEMPLATE_ID[name], "DefaultVersion": str(number), "ClientToken": ANY})


def test_no_change_makes_one_template_read_and_one_version_read_per_template(stubs, run_module):
    templates_found(stubs, ["shop-ondemand", "shop-spot"], {"shop-ondemand": (3, 3, tags_of("shop-ondemand")),
                                                            "shop-spot": (1, 1, tags_of("shop-spot"))})
    latest_read(stubs, "shop-ondemand", 3, data("shop-ondemand"))
    latest_read(stubs, "shop-spot", 1, data("shop-spot"))
    result, failed = run_module(launch_templates, args("shop-ondemand", "shop-spot"))
    assert not failed, result
    assert result["changed"] is False and result["changes"] == [] and result["api_calls"] == 3
    assert result["launch_templates"] == [
        {"name": "shop-ondemand", "launch_template_id": TEMPLATE_ID["shop-ondemand"], "latest_version": 3,
         "default_version": 3, "changed": False},
        {"name": "shop-spot", "launch_template_id": TEMPLATE_ID["shop-spot"], "latest_version": 1,
         "default_version": 1, "changed": False}]


def test_what_ec2_answers_differently_is_no_change(stubs, run_module):
    answered = data("shop-ondemand")
    answered["MetadataOptions"]["State"] = "applied"
    for spec in answered["TagSpecifications"]:
        spec["Tags"] = list(reversed(spec["Tags"]))
    answered["TagSpecifications"].reverse()
    templates_found(stubs, ["shop-ondemand"], {"shop-ondemand": (1, 1, tags_of("shop-ondemand"))})
    latest_read(stubs, "shop-ondemand", 1, answered)
    result, failed = run_module(launch_templates, args("shop-ondemand"))
    assert not failed and result["changed"] is False, result


def test_check_mode_on_an_empty_account_reads_once_and_writes_nothing(stubs, run_module):
    templates_found(stubs, ["shop-ondemand", "shop-spot"], {})
    result, failed = run_module(launch_templates, args("shop-ondemand", "shop-spot"), check_mode=True)
    assert not failed and result["changed"] is True
    assert result["changes"] == ["create launch template shop-ondemand", "create launch template shop-spot"]
    assert [(t["launch_template_id"], t["latest_version"], t["changed"]) for t in result["launch_templates"]] == [
        ("", None, True), ("", None, True)]
    assert result["diff"]["before"] == {"shop-ondemand": {}, "shop-spot": {}}
    assert result["diff"]["after"]["shop-spot"]["data"]["UserData"] == "#!/bin/bash\n# group shop-spot\n"


def test_create_with_data_and_tags(stubs, run_module):
    templates_found(stubs, ["shop-ondemand"], {})
    stubs["ec2"].add_response("create_launch_template", {"LaunchTemplate": {
        "LaunchTemplateName": "shop-ondemand", "LaunchTemplateId": TEMPLATE_ID["shop-ondemand"],
        "LatestVersionNumber": 1, "DefaultVersionNumber": 1}}, {
        "LaunchTemplateName": "shop-ondemand", "LaunchTemplateData": data("shop-ondemand"), "ClientToken": ANY,
        "TagSpecifications": [{"ResourceType": "launch-template", "Tags": tag_list(tags_of("shop-ondemand"))}]})
    result, failed = run_module(launch_templates, args("shop-ondemand"))
    assert not failed, result
    assert result["changes"] == ["create launch template shop-ondemand"]
    assert result["launch_templates"] == [{"name": "shop-ondemand", "launch_template_id": TEMPLATE_ID["shop-ondemand"],
                                           "latest_version": 1, "default_version": 1, "changed": True}]


def test_different_data_gets_a_new_version_made_the_default(stubs, run_module):
    templates_found(stubs, ["shop-ondemand", "shop-spot"], {"shop-ondemand": (2, 2, tags_of("shop-ondemand")),
                                                            "shop-spot": (1, 1, tags_of("shop-spot"))})
    latest_read(stubs, "shop-ondemand", 2, data("shop-ondemand", image="ami-0old"))
    latest_read(stubs, "shop-spot", 1, data("shop-spot"))
    version_created(stubs, "shop-ondemand", 3, data("shop-ondemand"))
    default_set(stubs, "shop-ondemand", 3)
    result, failed = run_module(launch_templates, args("shop-ondemand", "shop-spot"))
    assert not failed, result
    assert result["changes"] == ["create version 3 of launch template shop-ondemand (ImageId changed)",
                                 "make version 3 the default of launch template shop-ondemand (was 2)"]
    ondemand, spot = result["launch_templates"]
    assert (ondemand["latest_version"], ondemand["default_version"], ondemand["changed"]) == (3, 3, True)
    assert spot["changed"] is False
    before, after = result["diff"]["before"]["shop-ondemand"], result["diff"]["after"]["shop-ondemand"]
    assert (before["data"]["ImageId"], after["data"]["ImageId"]) == ("ami-0old", "ami-0123456789abcdef0")
    assert (before["latest_version"], after["latest_version"]) == (2, 3)


def test_a_version_made_by_hand_with_a_key_pair_is_replaced(stubs, run_module):
    templates_found(stubs, ["shop-ondemand"], {"shop-ondemand": (4, 3, tags_of("shop-ondemand"))})
    latest_read(stubs, "shop-ondemand", 4, dict(data("shop-ondemand"), KeyName="ops"), description="debugging")
    version_created(stubs, "shop-ondemand", 5, data("shop-ondemand"))
    default_set(stubs, "shop-ondemand", 5)
    result, failed = run_module(launch_templates, args("shop-ondemand"))
    assert not failed, result
    assert result["changes"][0] == "create version 5 of launch template shop-ondemand (KeyName, VersionDescription changed)"


def test_check_mode_reports_the_new_version_and_writes_nothing(stubs, run_module):
    templates_found(stubs, ["shop-ondemand"], {"shop-ondemand": (2, 2, tags_of("shop-ondemand"))})
    latest_read(stubs, "shop-ondemand", 2, data("shop-ondemand", instance_type="m7i.xlarge"))
    result, failed = run_module(launch_templates, args("shop-ondemand"), check_mode=True)
    assert not failed and result["changed"] is True
    assert result["changes"] == ["create version 3 of launch template shop-ondemand (InstanceType changed)",
                                 "make version 3 the default of launch template shop-ondemand (was 2)"]
    assert result["launch_templates"][0]["latest_version"] == 3


def test_the_latest_version_with_the_data_but_not_the_default_becomes_the_default(stubs, run_module):
    templates_found(stubs, ["shop-ondemand"], {"shop-ondemand": (2, 1, tags_of("shop-ondemand"))})
    latest_read(stubs, "shop-ondemand", 2, data("shop-ondemand"))
    default_set(stubs, "shop-ondemand", 2)
    result, failed = run_module(launch_templates, args("shop-ondemand"))
    assert not failed, result
    assert result["changes"] == ["make version 2 the default of launch template shop-ondemand (was 1)"]
    assert result["launch_templates"][0]["default_version"] == 2


def test_tag_drift_is_converged_with_purge(stubs, run_module):
    drifted = dict(tags_of("shop-ondemand"), Environment="dev", Owner="someone", **{"aws:cloudformation:x": "y"})
    templates_found(stubs, ["shop-ondemand"], {"shop-ondemand": (1, 1, drifted)})
    latest_read(stubs, "shop-ondemand", 1, data("shop-ondemand"))
    stubs["ec2"].add_response("create_tags", {}, {"Resources": [TEMPLATE_ID["shop-ondemand"]],
                                                  "Tags": [{"Key": "Environment", "Value": "prod"}]})
    stubs["ec2"].add_response("delete_tags", {}, {"Resources": [TEMPLATE_ID["shop-ondemand"]],
                                                  "Tags": [{"Key": "Owner"}]})
    result, failed = run_module(launch_templates, args("shop-ondemand"))
    assert not failed, result
    assert result["changes"] == ["tag launch template shop-ondemand (Environment)",
                                 "untag launch template shop-ondemand (Owner)"]
    assert result["diff"]["after"]["shop-ondemand"]["tags"] == dict(tags_of("shop-ondemand"),
                                                                    **{"aws:cloudformation:x": "y"})


def test_without_purge_extra_tags_stay(stubs, run_module):
    templates_found(stubs, ["shop-ondemand"], {"shop-ondemand": (1, 1, dict(tags_of("shop-ondemand"), Owner="x"))})
    latest_read(stubs, "shop-ondemand", 1, data("shop-ondemand"))
    result, failed = run_module(launch_templates, dict(args("shop-ondemand"), purge_tags=False))
    assert not failed and result["changed"] is False, result


def test_an_aws_error_names_the_template_and_the_changes_so_far(stubs, run_module):
    templates_found(stubs, ["shop-ondemand", "shop-spot"], {"shop-spot": (1, 1, tags_of("shop-spot"))})
    latest_read(stubs, "shop-spot", 1, data("shop-spot", image="ami-0old"))
    stubs["ec2"].add_response("create_launch_template", {"LaunchTemplate": {
        "LaunchTemplateName": "shop-ondemand", "LaunchTemplateId": TEMPLATE_ID["shop-ondemand"],
        "LatestVersionNumber": 1, "DefaultVersionNumber": 1}}, {
        "LaunchTemplateName": "shop-ondemand", "LaunchTemplateData": data("shop-ondemand"), "ClientToken": ANY,
        "TagSpecifications": [{"ResourceType": "launch-template", "Tags": tag_list(tags_of("shop-ondemand"))}]})
    stubs["ec2"].add_client_error("create_launch_template_version", "UnauthorizedOperation", "not allowed")
    result, failed = run_module(launch_templates, args("shop-ondemand", "shop-spot"))
    assert failed
    assert result["msg"].startswith("Failed to create a version of the launch template shop-spot")
    assert result["changes"] == ["create launch template shop-ondemand",
                                 "create version 2 of launch template shop-spot (ImageId changed)"]


def test_a_failed_read_changes_nothing(stubs, run_module):
    templates_found(stubs, ["shop-ondemand", "shop-spot"], {"shop-ondemand": (1, 1, tags_of("shop-ondemand"))})
    stubs["ec2"].add_client_error("describe_launch_template_versions", "UnauthorizedOperation", "not allowed")
    result, failed = run_module(launch_templates, args("shop-ondemand", "shop-spot"))
    assert failed and result["changes"] == []
    assert result["msg"].startswith("Failed to read the latest version of the launch template shop-ondemand")


def test_a_name_given_twice_is_refused_before_any_call(stubs, run_module):
    result, failed = run_module(launch_templates, args("shop-ondemand", "shop-ondemand"))
    assert failed and "shop-ondemand" in result["msg"]


def test_an_item_without_name_is_refused(stubs, run_module):
    result, failed = run_module(launch_templates, {"launch_templates": [{"image_id": "ami-1"}]})
    assert failed and "name" in result["msg"]
