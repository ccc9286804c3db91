"""Launch templates as the EC2 API reference documents them: CreateLaunchTemplate's TagSpecifications with
resource type `launch-template` tag the template itself (DescribeLaunchTemplates, DescribeTags) and are not
part of the version's LaunchTemplateData, whose own TagSpecifications (instance, volume, network-interface)
stay as given."""
import uuid


def test_template_tags_tag_the_template_and_leave_the_version_data_alone(client):
    ec2 = client("ec2")
    name = "lt-tags-" + uuid.uuid4().hex[:8]
    data = {"InstanceType": "t3.micro", "TagSpecifications": [
        {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "root"}]}]}
    created = ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData=data,
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "platform"}]}],
    )["LaunchTemplate"]
    template_id = created["LaunchTemplateId"]

    version = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["$Latest"])[
        "LaunchTemplateVersions"][0]
    assert version["LaunchTemplateData"]["TagSpecifications"] == data["TagSpecifications"]
    described = ec2.describe_launch_templates(LaunchTemplateIds=[template_id])["LaunchTemplates"][0]
    assert described["Tags"] == [{"Key": "team", "Value": "platform"}]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [template_id]}])["Tags"]
    assert [(t["Key"], t["Value"], t["ResourceType"]) for t in tags] == [("team", "platform", "launch-template")]


def test_template_tags_alone_give_a_version_without_tag_specifications(client):
    ec2 = client("ec2")
    name = "lt-only-" + uuid.uuid4().hex[:8]
    template_id = ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"InstanceType": "t3.micro"},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "platform"}]}],
    )["LaunchTemplate"]["LaunchTemplateId"]
    version = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["1"])[
        "LaunchTemplateVersions"][0]
    assert "TagSpecifications" not in version["LaunchTemplateData"]


def test_describe_gives_the_tags_the_template_has_now(client):
    ec2 = client("ec2")
    name = "lt-retag-" + uuid.uuid4().hex[:8]
    template_id = ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"InstanceType": "t3.micro"},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "platform"},
                                                                        {"Key": "old", "Value": "1"}]}],
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_tags(Resources=[template_id], Tags=[{"Key": "team", "Value": "web"}])
    ec2.delete_tags(Resources=[template_id], Tags=[{"Key": "old"}])
    described = ec2.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": [name]}])[
        "LaunchTemplates"][0]
    assert described["Tags"] == [{"Key": "team", "Value": "web"}]
