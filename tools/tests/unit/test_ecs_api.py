"""The ECS API answers (clusters, capacity providers, task definitions, tags, account settings) in process,
every answer validated against botocore's ECS output shapes."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ecs_helpers import Ecs  # noqa: E402


@pytest.fixture
def ecs():
    return Ecs()


def test_create_cluster_is_idempotent_and_keeps_settings_and_tags(ecs):
    first = ecs.call("CreateCluster", clusterName="prod", tags=[{"key": "team", "value": "a"}],
                     settings=[{"name": "containerInsights", "value": "enabled"}])["cluster"]
    assert first["status"] == "ACTIVE" and first["capacityProviders"] == []
    again = ecs.call("CreateCluster", clusterName="prod")["cluster"]
    assert again["clusterArn"] == first["clusterArn"]
    assert again["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert again["tags"] == [{"key": "team", "value": "a"}]
    described = ecs.call("DescribeClusters", clusters=["prod", "missing"], include=["SETTINGS", "TAGS"])
    cluster = described["clusters"][0]
    assert cluster["capacityProviders"] == [] and cluster["defaultCapacityProviderStrategy"] == []
    assert cluster["tags"] == [{"key": "team", "value": "a"}]
    assert described["failures"][0]["reason"] == "MISSING"
    plain = ecs.call("DescribeClusters", clusters=["prod"])["clusters"][0]
    assert "settings" not in plain and "tags" not in plain


def test_update_cluster_settings_and_delete(ecs):
    ecs.call("CreateCluster", clusterName="c")
    updated = ecs.call("UpdateClusterSettings", cluster="c",
                       settings=[{"name": "containerInsights", "value": "enhanced"}])["cluster"]
    assert updated["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    bad = ecs.call("UpdateClusterSettings", cluster="c", settings=[{"name": "nope", "value": "x"}])
    assert bad["__type"] == "InvalidParameterException"
    assert ecs.call("UpdateCluster", cluster="nope", settings=[])["__type"] == "ClusterNotFoundException"
    deleted = ecs.call("DeleteCluster", cluster="c")["cluster"]
    assert deleted["status"] == "INACTIVE"
    assert ecs.call("ListClusters")["clusterArns"] == []
    assert ecs.call("DescribeClusters", clusters=["c"])["clusters"][0]["status"] == "INACTIVE"
    fresh = ecs.call("CreateCluster", clusterName="c")["cluster"]
    assert fresh["status"] == "ACTIVE" and fresh["settings"] == [{"name": "containerInsights", "value": "disabled"}]


def test_task_definition_validation_like_aws(ecs):
    error = ecs.call("RegisterTaskDefinition", family="web", containerDefinitions=[{"name": "a", "image": "i"}])
    assert error["__type"] == "ClientException" and "memoryReservation" in error["message"]
    ok = ecs.call("RegisterTaskDefinition", family="web", requiresCompatibilities=["EC2"],
                  containerDefinitions=[{"name": "a", "image": "i", "memoryReservation": 64,
                                         "portMappings": [{"containerPort": 80}]}])["taskDefinition"]
    assert ok["revision"] == 1 and ok["containerDefinitions"][0]["portMappings"][0]["hostPort"] == 0
    awsvpc = ecs.call("RegisterTaskDefinition", family="web", networkMode="awsvpc",
                      containerDefinitions=[{"name": "a", "image": "i", "memory": 64,
                                             "portMappings": [{"containerPort": 80, "hostPort": 8080}]}])
    assert awsvpc["__type"] == "ClientException" and "must match" in awsvpc["message"]
    dup = ecs.call("RegisterTaskDefinition", family="web", containerDefinitions=[
        {"name": "a", "image": "i", "memory": 64}, {"name": "a", "image": "i", "memory": 64}])
    assert dup["__type"] == "ClientException"
    fargate = ecs.call("RegisterTaskDefinition", family="web", requiresCompatibilities=["FARGATE"],
                       containerDefinitions=[{"name": "a", "image": "i"}])
    assert fargate["__type"] == "ClientException"


def test_task_definition_revisions_list_deregister_delete(ecs):
    for _ in range(3):
        ecs.call("RegisterTaskDefinition", family="app", tags=[{"key": "k", "value": "v"}],
                 containerDefinitions=[{"name": "a", "image": "i", "memory": 32}])
    assert ecs.call("DescribeTaskDefinition", taskDefinition="app")["taskDefinition"]["revision"] == 3
    with_tags = ecs.call("DescribeTaskDefinition", taskDefinition="app:1", include=["TAGS"])
    assert with_tags["tags"] == [{"key": "k", "value": "v"}]
    assert "tags" not in ecs.call("DescribeTaskDefinition", taskDefinition="app:1")
    ecs.call("DeregisterTaskDefinition", taskDefinition="app:3")
    assert ecs.call("DescribeTaskDefinition", taskDefinition="app")["taskDefinition"]["revision"] == 2
    assert ecs.call("DescribeTaskDefinition", taskDefinition="app:3")["taskDefinition"]["status"] == "INACTIVE"
    listed = ecs.call("ListTaskDefinitions", familyPrefix="app", sort="DESC")["taskDefinitionArns"]
    assert [a.rsplit(":", 1)[1] for a in listed] == ["2", "1"]
    page = ecs.call("ListTaskDefinitions", maxResults=1)
    assert len(page["taskDefinitionArns"]) == 1 and page["nextToken"]
    assert ecs.call("ListTaskDefinitionFamilies")["families"] == ["app"]
    result = ecs.call("DeleteTaskDefinitions", taskDefinitions=["app:3", "app:2"])
    assert [d["status"] for d in result["taskDefinitions"]] == ["DELETE_IN_PROGRESS"]
    assert len(result["failures"]) == 1
    assert ecs.call("DescribeTaskDefinition", taskDefinition="app:3")["__type"] == "ClientException"


def test_tags_on_cluster_and_task_definition(ecs):
    arn = ecs.call("CreateCluster", clusterName="t")["cluster"]["clusterArn"]
    ecs.call("TagResource", resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    ecs.call("UntagResource", resourceArn=arn, tagKeys=["a"])
    assert ecs.call("ListTagsForResource", resourceArn=arn)["tags"] == [{"key": "b", "value": "2"}]
    td = ecs.call("RegisterTaskDefinition", family="f",
                  containerDefinitions=[{"name": "a", "image": "i", "memory": 32}])["taskDefinition"]
    ecs.call("TagResource", resourceArn=td["taskDefinitionArn"], tags=[{"key": "x", "value": "y"}])
    assert ecs.call("ListTagsForResource", resourceArn=td["taskDefinitionArn"])["tags"] == [{"key": "x", "value": "y"}]
    missing = ecs.call("ListTagsForResource", resourceArn=arn.replace("cluster/t", "cluster/zz"))
    assert missing["__type"] == "ClusterNotFoundException"


def test_account_settings(ecs):
    assert ecs.call("ListAccountSettings")["settings"] == []
    ecs.call("PutAccountSettingDefault", name="awsvpcTrunking", value="enabled")
    effective = ecs.call("ListAccountSettings", name="awsvpcTrunking", effectiveSettings=True)["settings"]
    assert effective[0]["value"] == "enabled"
    assert ecs.call("PutAccountSetting", name="bogus", value="x")["__type"] == "InvalidParameterException"


def test_every_ecs_operation_is_answered_locally(ecs):
    answer = ecs.call("CreateExpressGatewayService")
    assert answer["__type"] == "UnsupportedFeatureException"
