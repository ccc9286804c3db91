"""Launch template data from the module's options, and its comparison with what DescribeLaunchTemplateVersions
answers."""
import base64

import botocore.session

from ansible_collections.cloudops.ecs.plugins.module_utils.launch_templates import (
    canonical_scalar,
    comparable,
    diff_view,
    differences,
    launch_template_data,
    prune,
    request_members,
    scrub,
)

MEMBERS = request_members(botocore.session.get_session().get_service_model("ec2").shape_for("RequestLaunchTemplateData"))
TAGS = {"cloudops:stack": "shop", "Name": "shop-ondemand"}
USER_DATA = base64.b64encode(b"#!/bin/bash\necho ECS_CLUSTER=shop >> /etc/ecs/ecs.config\n").decode()

# the ecs_instances role's options of one group (every data option it sets)
OPTIONS = {
    "name": "shop-ondemand",
    "tags": TAGS,
    "image_id": "ami-0123456789abcdef0",
    "instance_type": "m7i.large",
    "key_name": None,
    "iam_instance_profile": "arn:aws:iam::123456789012:instance-profile/shop-ecs-instance",
    "ebs_optimized": None,
    "security_group_ids": None,
    "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1,
                         "http_protocol_ipv6": "disabled", "instance_metadata_tags": "disabled"},
    "block_device_mappings": [{"device_name": "/dev/xvda", "no_device": None, "virtual_name": None, "ebs": {
        "volume_size": 30, "volume_type": "gp3", "encrypted": True, "delete_on_termination": True,
        "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k", "iops": None, "snapshot_id": None, "throughput": None}}],
    "network_interfaces": [{"device_index": 0, "associate_public_ip_address": False, "delete_on_termination": True,
                            "groups": ["sg-0123456789abcdef0"], "description": None, "subnet_id": None}],
    "monitoring": {"enabled": False},
    "user_data": USER_DATA,
    "tag_specifications": [{"resource_type": "volume", "tags": TAGS},
                           {"resource_type": "network-interface", "tags": TAGS}],
}
TAG_LIST = [{"Key": "Name", "Value": "shop-ondemand"}, {"Key": "cloudops:stack", "Value": "shop"}]
DATA = {
    "ImageId": "ami-0123456789abcdef0",
    "InstanceType": "m7i.large",
    "IamInstanceProfile": {"Arn": "arn:aws:iam::123456789012:instance-profile/shop-ecs-instance"},
    "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "required", "HttpPutResponseHopLimit": 1,
                        "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"},
    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
        "VolumeSize": 30, "VolumeType": "gp3", "Encrypted": True, "DeleteOnTermination": True,
        "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"}}],
    "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False, "DeleteOnTermination": True,
                           "Groups": ["sg-0123456789abcdef0"]}],
    "Monitoring": {"Enabled": False},
    "UserData": USER_DATA,
    "TagSpecifications": [{"ResourceType": "volume", "Tags": TAG_LIST},
                          {"ResourceType": "network-interface", "Tags": TAG_LIST}],
}


def test_the_options_become_the_request_data():
    assert launch_template_data(OPTIONS) == DATA


def test_an_instance_profile_name_is_sent_as_name_and_tag_keys_are_not_camel_cased():
    data = launch_template_data({"name": "x", "iam_instance_profile": "shop-ecs-instance", "tag_specifications": [
        {"resource_type": "instance", "tags": {"team_name": "a", "b": 1}}]})
    assert data == {"IamInstanceProfile": {"Name": "shop-ecs-instance"}, "TagSpecifications": [
        {"ResourceType": "instance", "Tags": [{"Key": "b", "Value": "1"}, {"Key": "team_name", "Value": "a"}]}]}


def test_nothing_empty_is_sent_false_is():
    data = launch_template_data(dict(OPTIONS, network_interfaces=[{"device_index": 0, "groups": [],
                                                                   "associate_public_ip_address": False}],
                                     tag_specifications=[{"resource_type": "volume", "tags": {}}]))
    assert data["NetworkInterfaces"] == [{"DeviceIndex": 0, "AssociatePublicIpAddress": False}]
    assert "TagSpecifications" not in data


def test_scrub_drops_empty_values_at_any_depth():
    value = {"a": None, "b": [], "c": {"d": {}}, "e": [{"f": None}], "g": 0, "h": False, "i": ""}
    assert scrub(value) == {"g": 0, "h": False, "i": ""}
    assert scrub(value, blank_text=True) == {"g": 0, "h": False}


def test_an_empty_tag_value_is_sent_and_compares_equal_to_none():
    data = launch_template_data({"name": "x", "tag_specifications": [
        {"resource_type": "instance", "tags": {"AmazonECSManaged": ""}}]})
    assert data["TagSpecifications"][0]["Tags"] == [{"Key": "AmazonECSManaged", "Value": ""}]
    answered = {"TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "AmazonECSManaged"}]}]}
    assert differences(answered, data, MEMBERS) == []


def test_what_ec2_answers_as_sent_compares_equal():
    assert differences(DATA, launch_template_data(OPTIONS), MEMBERS) == []


def test_tag_order_list_order_and_numbers_as_text_are_no_difference():
    answered = dict(DATA, TagSpecifications=[
        {"ResourceType": "network-interface", "Tags": list(reversed(TAG_LIST))},
        {"ResourceType": "volume", "Tags": list(reversed(TAG_LIST))}],
        MetadataOptions=dict(DATA["MetadataOptions"], HttpPutResponseHopLimit="1"),
        NetworkInterfaces=[dict(DATA["NetworkInterfaces"][0], Groups=["sg-0123456789abcdef0"], DeviceIndex="0")])
    assert differences(answered, DATA, MEMBERS) == []


def test_fields_only_ec2_sets_are_no_difference():
    answered = dict(DATA, MetadataOptions=dict(DATA["MetadataOptions"], State="applied"),
                    Operator={"Managed": False})
    assert differences(answered, DATA, MEMBERS) == []
    assert prune(answered, MEMBERS)["MetadataOptions"] == DATA["MetadataOptions"]
    assert "Operator" not in comparable(answered, MEMBERS)


def test_a_setting_added_by_hand_is_a_difference():
    assert differences(dict(DATA, KeyName="ops"), DATA, MEMBERS) == ["KeyName"]


def test_a_setting_missing_or_changed_is_a_difference():
    missing = dict(DATA)
    del missing["Monitoring"]
    assert differences(missing, DATA, MEMBERS) == ["Monitoring"]
    changed = dict(DATA, ImageId="ami-other", BlockDeviceMappings=[
        {"DeviceName": "/dev/xvda", "Ebs": dict(DATA["BlockDeviceMappings"][0]["Ebs"], VolumeSize=40)}])
    assert differences(changed, DATA, MEMBERS) == ["BlockDeviceMappings", "ImageId"]


def test_a_tag_value_and_a_false_flag_count():
    other_tags = dict(DATA, TagSpecifications=[{"ResourceType": "volume", "Tags": TAG_LIST},
                                               {"ResourceType": "network-interface", "Tags": [TAG_LIST[0]]}])
    assert differences(other_tags, DATA, MEMBERS) == ["TagSpecifications"]
    monitored = dict(DATA, Monitoring={"Enabled": True})
    assert differences(monitored, DATA, MEMBERS) == ["Monitoring"]


def test_without_members_nothing_is_pruned():
    assert comparable({"MetadataOptions": {"State": "applied"}}) == {"MetadataOptions": {"State": "applied"}}


def test_canonical_scalars():
    assert [canonical_scalar(v) for v in (True, False, 8, 8.0, 1.5, "8", "true")] == [
        "true", "false", "8", "8", "1.5", "8", "true"]


def test_request_members_stop_at_a_shape_met_again():
    class Shape:
        def __init__(self, name, type_name, members=None):
            self.name, self.type_name, self.members = name, type_name, members or {}

    node = Shape("Node", "structure")
    node.members = {"Value": Shape("String", "string"), "Child": node}
    assert request_members(node) == {"Value": None, "Child": None}


def test_the_diff_shows_the_user_data_decoded():
    assert diff_view(DATA)["UserData"].startswith("#!/bin/bash\necho ECS_CLUSTER=shop")
    assert diff_view({"UserData": "not base64!"}) == {"UserData": "not base64!"}
    assert diff_view(None) == {}
