"""SSM public parameters: AWS owns /aws/service/ (PutParameter on a path under /aws is denied) and publishes a new AMI as a
new version of the recommended-image parameter, which GetParameter(s) then return."""
import json
import urllib.error

import botocore.exceptions
import pytest

RECOMMENDED = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"


def test_a_published_image_is_the_latest_version_and_put_parameter_is_refused(client, control):
    ssm = client("ssm")
    before = ssm.get_parameter(Name=RECOMMENDED)["Parameter"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        ssm.put_parameter(Name=RECOMMENDED, Value="ami-12345678", Type="String", Overwrite=True)
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("AccessDeniedException", f"No access to reserved parameter name: {RECOMMENDED}.")

    published = control("ssm/publish-public-parameter", {"name": RECOMMENDED, "value": "ami-0a1b2c3d4e5f67890"})
    assert published["version"] == before["Version"] + 1

    after = ssm.get_parameter(Name=RECOMMENDED)["Parameter"]
    assert (after["Value"], after["Version"]) == ("ami-0a1b2c3d4e5f67890", before["Version"] + 1)
    assert ssm.get_parameters(Names=[RECOMMENDED])["Parameters"][0]["Value"] == "ami-0a1b2c3d4e5f67890"


def test_only_public_parameters_are_published(control):
    with pytest.raises(urllib.error.HTTPError) as refused:
        control("ssm/publish-public-parameter", {"name": "/stack/db/endpoint", "value": "x"})
    assert refused.value.code == 400
    assert "only parameters under /aws/service/" in json.loads(refused.value.read())["error"]
