import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.cloudops.ecs.plugins.module_utils import aws
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError, error_handler


def client_error(code):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, "Op")


class Pages:
    def __init__(self, pages):
        self.pages = pages

    def paginate(self, **params):
        self.params = params
        return self

    def build_full_result(self):
        merged = {}
        for page in self.pages:
            for key, value in page.items():
                merged.setdefault(key, []).extend(value)
        return merged


class FakeClient:
    def __init__(self, pages=None, error=None):
        self.pages = pages or []
        self.error = error
        self.calls = []

    def get_paginator(self, method):
        self.calls.append(method)
        return Pages(self.pages)

    def describe_things(self, aws_retry=False, **params):
        self.calls.append(("describe_things", aws_retry, params))
        if self.error:
            raise self.error
        return {"Things": [params]}


def test_paginate_merges_every_page_and_returns_the_key():
    client = FakeClient(pages=[{"Things": [1, 2]}, {"Things": [3]}])
    assert aws.paginate(client, "describe_things", "Things", Filters=[]) == [1, 2, 3]
    assert aws.paginate(client, "describe_things") == {"Things": [1, 2, 3]}


def test_chunks_respect_the_batch_limit():
    assert list(aws.chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]


def test_call_retries_and_turns_aws_errors_into_cloudops_errors():
    client = FakeClient()
    assert aws.call(client, "describe_things", "describe things", Name="x") == {"Things": [{"Name": "x"}]}
    assert client.calls == [("describe_things", True, {"Name": "x"})]
    failing = FakeClient(error=client_error("AccessDenied"))
    with pytest.raises(CloudopsError) as raised:
        aws.call(failing, "describe_things", "describe things")
    assert raised.value.message == "Failed to describe things"
    assert raised.value.exception.response["Error"]["Code"] == "AccessDenied"


def test_error_handler_maps_missing_codes_to_the_default_and_others_to_our_error():
    handler = error_handler(missing_codes=["ThingNotFound"])

    @handler.list_error_handler("read thing", default_value={})
    def read(error):
        raise error

    assert read(client_error("ThingNotFound")) == {}
    with pytest.raises(CloudopsError):
        read(client_error("Throttled"))


class FakeModule:
    def __init__(self):
        self.result = None

    def exit_json(self, **result):
        self.result = ("exit", result)
        raise SystemExit(0)

    def fail_json(self, **result):
        self.result = ("fail", result)
        raise SystemExit(1)

    def fail_json_aws(self, exception, msg=None, **result):
        self.fail_json(msg="%s: %s" % (msg, exception), **result)


def test_run_exits_with_the_result_or_fails_with_the_error_and_its_extra_keys():
    module = FakeModule()
    with pytest.raises(SystemExit):
        aws.run(module, lambda: {"changed": True})
    assert module.result == ("exit", {"changed": True})

    def broken():
        raise CloudopsError(message="Failed to drain i-1", exception=client_error("Boom"), changed=True)
    with pytest.raises(SystemExit):
        aws.run(module, broken)
    assert module.result[0] == "fail" and module.result[1]["changed"] is True
    assert module.result[1]["msg"].startswith("Failed to drain i-1: ")

    def plain():
        raise CloudopsError(message="No cluster x")
    with pytest.raises(SystemExit):
        aws.run(module, plain)
    assert module.result == ("fail", {"msg": "No cluster x"})


def test_the_service_counts_every_call_and_listing_it_makes():
    client = FakeClient(pages=[{"Things": [1]}, {"Things": [2]}])
    service = aws.Service({"svc": client}, {})
    assert service.request("svc", "describe_things", Name="a") == {"Things": [{"Name": "a"}]}
    assert service.call("svc", "describe_things", "describe things") == {"Things": [{}]}
    assert service.paginate("svc", "describe_things", "Things") == [1, 2]
    assert service.request_pages("svc", "describe_things", "Things") == [1, 2]
    assert service.api_calls == 4


def test_request_raises_the_aws_error_as_it_is_and_call_turns_it_into_ours():
    service = aws.Service({"svc": FakeClient(error=client_error("NotFound"))}, {})
    with pytest.raises(botocore.exceptions.ClientError):
        service.request("svc", "describe_things")
    with pytest.raises(CloudopsError):
        service.call("svc", "describe_things", "describe things")
    assert service.api_calls == 2


def test_lazy_clients_are_made_on_first_use_only(monkeypatch):
    made = []
    monkeypatch.setattr(aws, "connect", lambda module, service: made.append(service) or "client of %s" % service)

    clients = aws.LazyClients(object())
    assert made == []
    assert clients["rds"].client == "client of rds" and clients["rds"] is clients["rds"]
    assert made == ["rds"]


class ConnectModule:
    """What connect() uses of AnsibleAWSModule: params (the AWS options) and the fail methods."""

    def __init__(self, **params):
        self.params = dict(dict.fromkeys(("endpoint_url", "access_key", "secret_key", "session_token", "profile",
                                          "aws_ca_bundle", "aws_config")), validate_certs=True)
        self.params.update(params)

    def fail_json(self, **result):
        raise AssertionError(result["msg"])

    def fail_json_aws(self, error, msg):
        raise AssertionError("%s: %s" % (msg, error))


def _session_of(client):
    """The boto3 session connect() made `client` from."""
    [digest] = [digest for (_service, digest), made in aws._CLIENTS.items() if made is client]
    return aws._BOTO_SESSIONS[digest]


def test_clients_of_a_module_share_its_session_and_every_session_the_process_data_loader():
    first = ConnectModule(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="secret",
                          endpoint_url="http://127.0.0.1:1", aws_config={"connect_timeout": 7})
    ec2, rds = aws.connect(first, "ec2"), aws.connect(first, "rds")
    assert ec2.meta.region_name == "us-east-1" and ec2.meta.endpoint_url == "http://127.0.0.1:1"
    assert ec2.meta.config.connect_timeout == 7 and ec2.meta.config.user_agent.startswith("APN/1.0 Ansible/")
    assert ec2._request_signer._credentials.access_key == "AKIDEXAMPLE"
    session = _session_of(ec2)
    assert _session_of(aws.connect(first, "sts")) is session and _session_of(rds) is session

    second = ConnectModule(region="eu-west-2", access_key="AKIDOTHER", secret_key="other")
    kms = aws.connect(second, "kms")
    assert _session_of(kms) is not session
    assert kms.meta.region_name == "eu-west-2" and kms._request_signer._credentials.access_key == "AKIDOTHER"
    assert kms.meta.endpoint_url == "https://kms.eu-west-2.amazonaws.com"
    loader = session._session.get_component("data_loader")
    assert _session_of(kms)._session.get_component("data_loader") is loader
    assert rds.meta.service_model.service_name == "rds"


def test_modules_with_the_same_settings_share_clients_and_any_difference_gets_its_own(monkeypatch):
    options = dict(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="secret", aws_config={"connect_timeout": 7})
    ec2 = aws.connect(ConnectModule(**options), "ec2")
    assert aws.connect(ConnectModule(**options), "ec2") is ec2
    assert aws.connect(ConnectModule(**options), "ecs") is not ec2
    for name, value in (("region", "eu-west-1"), ("secret_key", "rotated"), ("session_token", "token"),
                        ("aws_config", {"connect_timeout": 8}), ("endpoint_url", "http://127.0.0.1:2")):
        other = aws.connect(ConnectModule(**dict(options, **{name: value})), "ec2")
        assert other is not ec2, name
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "regional")  # an AWS_* variable boto3 reads itself
    assert aws.connect(ConnectModule(**options), "ec2") is not ec2


def test_connect_fails_the_module_on_conflicting_or_missing_connection_options(monkeypatch):
    with pytest.raises(AssertionError, match="Passing both a profile and access tokens is not supported"):
        aws.connect(ConnectModule(region="us-east-1", profile="ops", access_key="AKIDEXAMPLE"), "ec2")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(AssertionError, match="requires a region"):
        aws.connect(ConnectModule(access_key="AKIDEXAMPLE", secret_key="secret"), "ec2")


def test_the_caller_identity_is_read_once_per_credentials():
    def sts(key):
        client = boto3.client("sts", region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key="s")
        stubber = Stubber(client)
        stubber.activate()
        return RetryingBotoClientWrapper(client, aws.retry()), stubber

    identity = {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ops", "UserId": "AIDA"}
    first, first_stub = sts("AKIAONE")
    first_stub.add_response("get_caller_identity", dict(identity), {})
    aws.Service({"sts": first}, {}).caller_identity()["Account"] = "changed by a caller"
    again, again_stub = sts("AKIAONE")  # a later task's client: no request
    assert aws.Service({"sts": again}, {}).caller_identity("read the caller") == identity
    again_stub.assert_no_pending_responses()
    other, other_stub = sts("AKIATWO")  # other credentials are asked
    other_stub.add_client_error("get_caller_identity", "ExpiredToken", "expired")
    with pytest.raises(CloudopsError, match="Failed to read the caller"):
        aws.Service({"sts": other}, {}).caller_identity("read the caller")
    other_stub.assert_no_pending_responses()


def test_a_read_that_does_not_change_during_a_run_is_made_once_per_credentials_and_region():
    def ec2(region, key="AKIAONE"):
        client = boto3.client("ec2", region_name=region, aws_access_key_id=key, aws_secret_access_key="s")
        stubber = Stubber(client)
        stubber.activate()
        return RetryingBotoClientWrapper(client, aws.retry()), stubber

    zones = [{"ZoneName": "us-east-1a", "State": "available"}]
    first, first_stub = ec2("us-east-1")
    first_stub.add_response("describe_availability_zones", {"AvailabilityZones": [dict(z) for z in zones]}, {})
    aws.Service({"ec2": first}, {}).availability_zones()[0]["State"] = "changed by a caller"
    again, again_stub = ec2("us-east-1")  # a later task's client: no request, the answer as AWS gave it
    assert aws.Service({"ec2": again}, {}).availability_zones() == zones
    again_stub.assert_no_pending_responses()
    for other, other_stub in (ec2("us-west-2"), ec2("us-east-1", key="AKIATWO")):  # another region, other credentials
        other_stub.add_response("describe_availability_zones", {"AvailabilityZones": []}, {})
        assert aws.Service({"ec2": other}, {}).availability_zones() == []
        other_stub.assert_no_pending_responses()
