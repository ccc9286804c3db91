"""Fixtures for the local AWS tests: one private server per session, boto3 clients against it."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # documented.py: the documented AWS behaviour

from local_aws.cli import LocalAws  # noqa: E402
from local_aws.controls import Controls  # noqa: E402
from local_aws.shapes import ShapeChecker  # noqa: E402

# answers of these services are checked against botocore's output shapes in every test
CHECKED_SERVICES = ("ecs", "autoscaling", "elbv2", "application-autoscaling")
SHAPES = ShapeChecker()


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    """A private local AWS (fast profile) in a temporary state folder; stopped at the end."""
    server = LocalAws(str(tmp_path_factory.mktemp("local-aws")))
    server.start(profile="fast")
    yield server
    server.stop()


@pytest.fixture(scope="module", autouse=True)
def leave_an_empty_account(request):
    """A module that used the private local AWS leaves it empty: what it made would otherwise be ticked (and a mark
    observed) through every module after it. Modules make their own resources, so none reads another's."""
    if not any("local_aws" in getattr(item, "fixturenames", ()) for item in request.session.items
               if getattr(item, "module", None) is request.module):
        yield
        return
    server = request.getfixturevalue("local_aws")
    yield
    server.reset()


@pytest.fixture(scope="session")
def endpoint(local_aws):
    return local_aws.endpoint()


@pytest.fixture(scope="session")
def client(endpoint):
    """client("ec2") -> a boto3 client for the private local AWS."""
    import boto3

    def make(service):
        made = boto3.client(
            service, region_name="us-east-1", endpoint_url=endpoint,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )
        return SHAPES.attach(made) if service in CHECKED_SERVICES else made

    return make


@pytest.fixture(scope="session")
def controls(endpoint):
    """The test controls of the private local AWS (local_aws.controls.Controls)."""
    return Controls(endpoint)


@pytest.fixture(scope="session")
def control(controls):
    """control("elbv2/set-target-health", {...}) -> the control's JSON answer."""
    return controls.call


@pytest.fixture
def clock(controls):
    """The local AWS clock, frozen for this test: plane time moves only through clock.advance(seconds).
    Unfrozen afterwards, whatever the outcome, so the next test finds real time again."""
    controls.freeze()
    yield controls
    controls.unfreeze()


@pytest.fixture(autouse=True)
def answers_fit_botocore_shapes():
    """Fail the test when an ECS, Auto Scaling, ELBv2 or Application Auto Scaling answer it received does not
    fit botocore's output shape (a member the model lacks, a wrong type, a value outside its enum)."""
    del SHAPES.errors[:]
    yield
    errors, SHAPES.errors[:] = list(SHAPES.errors), []
    assert not errors, "answers that do not fit botocore's output shapes:\n" + "\n".join(errors[:20])


@pytest.fixture
def shapes():
    """The checker every ECS/Auto Scaling/ELBv2/Application Auto Scaling client of these tests reports to."""
    return SHAPES
