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


def test_missing_tags_are_only_added_never_purged():
    assert tags.missing({"Name": "a", "Other": "x"}, {"Name": "a", "Env": "dev"}) == {"Env": "dev"}
    assert tags.missing({"Name": "a"}, {"Name": "b"}) == {"Name": "b"}
    assert tags.missing({"Name": "a", "x": "1"}, {"Name": "a"}) == {}


class Owner(tags.StackTagged):
    def __init__(self, check_mode=False):
        self.stack = "shop"
        self.params = {"tags": {"team": "a"}}
        self.check_mode = check_mode
        self.changes = []
        self.requests = []

    def change(self, text):
        self.changes.append(text)

    def request(self, service, method, **params):
        self.requests.append((service, method, params))


def test_stack_tagged_resources_get_the_stack_tags_and_lacking_ones_added():
    owner = Owner()
    assert owner.tags_for("shop-vpc") == {"team": "a", "Name": "shop-vpc", "cloudops:stack": "shop"}
    assert owner.tag_spec("vpc", "shop-vpc")[0]["ResourceType"] == "vpc"
    vpc = {"Tags": [{"Key": "cloudops:stack", "Value": "shop"}, {"Key": "Name", "Value": "shop-vpc"}]}
    assert owner.owned(vpc) and owner.owned(vpc, "shop-vpc") and not owner.owned(vpc, "other")
    assert not owner.owned({"Tags": [{"Key": "cloudops:stack", "Value": "other"}]})
    owner.converge_tags("vpc-1", vpc, "shop-vpc", "VPC")
    owner.converge_tags("sg-1", dict(vpc, Tags=vpc["Tags"] + [{"Key": "team", "Value": "a"}]), "shop-vpc")
    assert owner.changes == ["tag VPC shop-vpc (team)"]
    assert owner.requests == [("ec2", "create_tags", {"Resources": ["vpc-1"], "Tags": [{"Key": "team", "Value": "a"}]})]
    checking = Owner(check_mode=True)
    checking.converge_tags("sg-1", {}, "shop-endpoints")
    assert checking.changes == ["tag shop-endpoints (Name, cloudops:stack, team)"] and checking.requests == []
