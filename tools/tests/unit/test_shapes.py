"""The botocore output-shape validator: it must find what botocore's lenient parsers hide."""
import botocore.session

from local_aws.shapes import ShapeChecker, response_errors

SESSION = botocore.session.get_session()


def operation(service, name):
    return SESSION.get_service_model(service).operation_model(name)


def test_json_unknown_member_wrong_type_and_enum():
    body = b'{"services": [{"serviceName": "web", "runningCount": "2", "launchType": "EC3", "colour": "red"}]}'
    errors = response_errors(operation("ecs", "DescribeServices"), body)
    assert "$.services[0].colour: not in shape Service" in errors
    assert any(e.startswith("$.services[0].runningCount: expected integer") for e in errors)
    assert any(e.startswith("$.services[0].launchType: 'EC3' not in enum") for e in errors)
    assert response_errors(operation("ecs", "DescribeServices"),
                           b'{"services": [{"serviceName": "web", "runningCount": 2}], "failures": []}') == []


def test_query_xml_members_lists_scalars_and_timestamps():
    good = b"""<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
      <DescribeTargetHealthResult><TargetHealthDescriptions><member>
        <Target><Id>i-1</Id><Port>80</Port></Target><HealthCheckPort>80</HealthCheckPort>
        <TargetHealth><State>healthy</State></TargetHealth>
      </member></TargetHealthDescriptions></DescribeTargetHealthResult>
      <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeTargetHealthResponse>"""
    assert response_errors(operation("elbv2", "DescribeTargetHealth"), good) == []
    bad = good.replace(b"<State>healthy</State>", b"<State>fine</State><Mood>ok</Mood>").replace(
        b"<Port>80</Port>", b"<Port>eighty</Port>")
    errors = response_errors(operation("elbv2", "DescribeTargetHealth"), bad)
    assert any("TargetHealth.State: 'fine' not in enum" in e for e in errors)
    assert any(e.endswith("TargetHealth.Mood: not in shape TargetHealth") for e in errors)
    assert any("Target.Port: expected integer" in e for e in errors)
    groups = b"""<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups><member>
      <AutoScalingGroupName>g</AutoScalingGroupName><CreatedTime>yesterday</CreatedTime>
      <NewInstancesProtectedFromScaleIn>yes</NewInstancesProtectedFromScaleIn>
      </member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"""
    errors = response_errors(operation("autoscaling", "DescribeAutoScalingGroups"), groups)
    assert any("CreatedTime: expected ISO 8601 timestamp" in e for e in errors)
    assert any("NewInstancesProtectedFromScaleIn: expected true/false" in e for e in errors)


def test_missing_result_wrapper_is_an_error():
    assert response_errors(operation("autoscaling", "DescribeAutoScalingGroups"),
                           b"<DescribeAutoScalingGroupsResponse/>") == [
        "$: no <DescribeAutoScalingGroupsResult> in <DescribeAutoScalingGroupsResponse>"]


def test_checker_skips_errors_and_names_the_operation():
    checker = ShapeChecker()
    model = operation("ecs", "DescribeServices")
    checker._check(model, {"status_code": 400, "body": b'{"__type": "ClusterNotFoundException"}'})
    assert (checker.checked, checker.errors) == (0, [])
    checker._check(model, {"status_code": 200, "body": b'{"services": [{"colour": 1}]}'})
    assert checker.checked == 1 and checker.errors == ["ecs.DescribeServices: $.services[0].colour: not in shape Service"]
