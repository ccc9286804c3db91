from ansible_collections.cloudops.ecs.plugins.modules import ssm_parameters_info

X86 = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
ARM = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"


def parameter(name, value):
    return {"Name": name, "Type": "String", "Value": value, "Version": 1}


def test_every_name_is_read_in_one_request_once_and_in_check_mode(stubs, run_module):
    stubs["ssm"].add_response("get_parameters", {"Parameters": [parameter(X86, "ami-x86"), parameter(ARM, "ami-arm")]},
                              {"Names": [X86, ARM], "WithDecryption": False})
    result, failed = run_module(ssm_parameters_info, {"names": [X86, ARM, X86]}, check_mode=True)
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["values"] == {X86: "ami-x86", ARM: "ami-arm"}


def test_more_than_ten_names_take_a_request_per_ten(stubs, run_module):
    names = ["/app/p%02d" % i for i in range(12)]
    stubs["ssm"].add_response("get_parameters", {"Parameters": [parameter(n, n[-3:]) for n in names[:10]]},
                              {"Names": names[:10], "WithDecryption": False})
    stubs["ssm"].add_response("get_parameters", {"Parameters": [parameter(n, n[-3:]) for n in names[10:]]},
                              {"Names": names[10:], "WithDecryption": False})
    result, failed = run_module(ssm_parameters_info, {"names": names})
    assert not failed and sorted(result["values"]) == names and result["values"]["/app/p11"] == "p11"


def test_a_missing_parameter_fails_naming_it(stubs, run_module):
    stubs["ssm"].add_response("get_parameters", {"Parameters": [parameter(X86, "ami-x86")],
                                                 "InvalidParameters": ["/aws/service/ecs/nope"]})
    result, failed = run_module(ssm_parameters_info, {"names": [X86, "/aws/service/ecs/nope"]})
    assert failed and "/aws/service/ecs/nope" in result["msg"] and "us-east-1" in result["msg"]


def test_an_aws_error_fails_with_what_was_read(stubs, run_module):
    stubs["ssm"].add_client_error("get_parameters", "AccessDeniedException", "not authorized to perform ssm:GetParameters")
    result, failed = run_module(ssm_parameters_info, {"names": [X86]})
    assert failed and "read the SSM parameters " + X86 in result["msg"]
