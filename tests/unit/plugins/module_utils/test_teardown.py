from ansible_collections.cloudops.ecs.plugins.module_utils import teardown


class ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


def test_scope_requires_stack_tag_and_matching_environment():
    assert teardown.in_scope({"cloudops:stack": "demo"}, "demo", "local")
    assert teardown.in_scope({"cloudops:stack": "demo", "Environment": "local"}, "demo", "local")
    assert not teardown.in_scope({"cloudops:stack": "demo", "Environment": "prod"}, "demo", "local")
    assert not teardown.in_scope({"cloudops:stack": "demo-2"}, "demo", "local")
    assert not teardown.in_scope({}, "demo")


def test_listing_is_in_dependency_order():
    resources = [teardown.resource("vpc", "vpc-1", "demo"), teardown.resource("ecs_service", "arn:s", "web"),
                 teardown.resource("kms_key", "k-1"), teardown.resource("autoscaling_group", "demo-asg")]
    assert [r["kind"] for r in teardown.ordered(resources)] == ["ecs_service", "autoscaling_group", "vpc", "kms_key"]
    assert teardown.listing(resources) == [
        "ecs_service        web (arn:s)", "autoscaling_group  demo-asg", "vpc                demo (vpc-1)",
        "kms_key            k-1"]
    assert teardown.counts(resources)["vpc"] == 1
    assert teardown.listing([]) == []


def test_prod_is_refused_without_allow_prod():
    assert teardown.prod_refusal("prod", True, False)
    assert teardown.prod_refusal("prod", True, True) is None
    assert teardown.prod_refusal("prod", False, False) is None  # a dry run only lists
    assert teardown.prod_refusal("dev", True, False) is None


def test_final_snapshot_identifier_is_valid():
    assert teardown.final_snapshot_identifier("shop--db_1", now=0) == "shop-db-1-final-19700101000000"


class FakeEc2:
    def __init__(self, fail_times):
        self.fail_times = fail_times
        self.calls = []

    def delete_subnet(self, aws_retry=False, SubnetId=None):
        self.calls.append(("delete_subnet", SubnetId))
        if self.fail_times:
            self.fail_times -= 1
            raise ClientError("DependencyViolation")

    def delete_vpc(self, aws_retry=False, VpcId=None):
        self.calls.append(("delete_vpc", VpcId))
        raise ClientError("InvalidVpcID.NotFound")

    def delete_security_group(self, aws_retry=False, GroupId=None):
        raise ClientError("UnauthorizedOperation")


def _deleter(ec2, timeout=60):
    clock = {"t": 0.0}

    def sleep(seconds):
        clock["t"] += seconds

    return teardown.Deleter({"ec2": ec2}, timeout=timeout, clock=lambda: clock["t"], sleep=sleep), clock


def test_dependency_violations_are_retried_and_not_found_is_done():
    ec2 = FakeEc2(fail_times=3)
    deleter, clock = _deleter(ec2)
    deleter._network({"subnet": [teardown.resource("subnet", "subnet-1")], "vpc": [teardown.resource("vpc", "vpc-1")]})
    assert ec2.calls == [("delete_subnet", "subnet-1")] * 4 + [("delete_vpc", "vpc-1")]
    assert deleter.log == ["deleted subnet subnet-1", "deleted vpc vpc-1"]
    assert clock["t"] > 0


def test_retries_stop_at_the_deadline_and_other_errors_stop_at_once():
    deleter, _ec2 = _deleter(FakeEc2(fail_times=1000), timeout=5)
    try:
        deleter._network({"subnet": [teardown.resource("subnet", "subnet-1")]})
        raise AssertionError("expected a TeardownError")
    except teardown.TeardownError as error:
        assert "subnet-1" in str(error) and "DependencyViolation" in str(error)
    deleter, clock = _deleter(FakeEc2(fail_times=0))
    try:
        deleter._network({"security_group": [teardown.resource("security_group", "sg-1", "web")]})
        raise AssertionError("expected a TeardownError")
    except teardown.TeardownError as error:
        assert "UnauthorizedOperation" in str(error) and clock["t"] == 0
