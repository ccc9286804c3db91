from ansible_collections.cloudops.ecs.plugins.module_utils import tags


def test_stack_tags_add_the_stack_tag_and_name():
    assert tags.stack_tags("shop", {"team": "a"}, name="shop-vpc") == {
        "team": "a", "Name": "shop-vpc", "cloudops:stack": "shop"}


def test_list_and_dict_round_trip_in_both_key_styles():
    assert tags.to_dict([{"Key": "a", "Value": "1"}]) == {"a": "1"}
    assert tags.to_dict([{"key": "a", "value": "1"}]) == {"a": "1"}
    assert tags.to_dict(None) == {}
    assert tags.to_list({"a": "1"}, "key", "value") == [{"key": "a", "value": "1"}]


def test_none_leaves_tags_alone():
    assert tags.changes({"a": "1"}, None) == ({}, [])


def test_changes_purge_but_never_aws_tags():
    to_set, to_unset = tags.changes({"a": "1", "b": "2", "aws:x": "y"}, {"a": "3"})
    assert to_set == {"a": "3"} and to_unset == ["b"]
    assert tags.changes({"a": "1", "b": "2"}, {"a": "1"}, purge=False) == ({}, [])
    assert tags.after({"a": "1", "b": "2"}, {"a": "3"}, ["b"]) == {"a": "3"}


def test_of_stack_reads_lists_and_dicts():
    assert tags.of_stack([{"Key": "cloudops:stack", "Value": "shop"}], "shop")
    assert not tags.of_stack({"cloudops:stack": "other"}, "shop")
    assert tags.stack_filters("shop") == [{"Name": "tag:cloudops:stack", "Values": ["shop"]}]
