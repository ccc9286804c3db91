from ansible_collections.cloudops.ecs.plugins.modules import ecs_stack_teardown


def test_a_confirmed_prod_teardown_is_refused_before_any_call(stubs, run_module):
    result, failed = run_module(ecs_stack_teardown, {"stack_name": "shop", "environment": "prod", "confirm": True})
    assert failed and result["msg"].startswith("Refusing to delete the prod environment")
    assert all(not stubber._queue for stubber in stubs.stubbers.values())


def test_a_kms_window_out_of_range_is_refused(stubs, run_module):
    result, failed = run_module(ecs_stack_teardown, {"stack_name": "shop", "environment": "dev",
                                                     "kms_pending_window_days": 3})
    assert failed and result["msg"] == "kms_pending_window_days must be between 7 and 30, got 3"


def test_an_aws_error_during_discovery_names_the_stack(stubs, run_module):
    stubs["ecs"].add_client_error("list_clusters", "AccessDeniedException", "denied")
    result, failed = run_module(ecs_stack_teardown, {"stack_name": "shop", "environment": "dev"})
    assert failed and result["msg"].startswith("Could not discover the resources of stack shop")


def test_progress_goes_to_the_progress_file_from_discovery_on(stubs, run_module, tmp_path):
    stubs["resourcegroupstaggingapi"].add_response("get_resources", {"ResourceTagMappingList": []})
    stubs["ecs"].add_client_error("list_clusters", "AccessDeniedException", "denied")
    path = tmp_path / "progress.log"
    result, failed = run_module(ecs_stack_teardown, {"stack_name": "shop", "environment": "dev", "progress_file": str(path)})
    assert failed and result["msg"].startswith("Could not discover the resources of stack shop")
    assert path.read_text().splitlines() == ["discovering what carries the tag cloudops:stack=shop (environment dev)"]
