"""Placement as ECS does it: constraints, resources, ports, ENIs, strategies, and the cluster query language."""
import random

import pytest

from local_aws.control_plane import ecs_placement as placement


def candidate(name, az, cpu=2048, memory=3840, ports=(), enis=2, itype="t3.medium"):
    return {"arn": f"arn:ci/{name}", "id": name, "ec2": f"i-{name}", "cpu": cpu, "memory": memory,
            "ports": set(ports), "enis": enis,
            "attrs": {"ecs.availability-zone": az, "ecs.instance-type": itype}}


def demand(cpu=128, memory=256, ports=(), dynamic=0, awsvpc=False):
    return {"cpu": cpu, "memory": memory, "ports": list(ports), "dynamic": dynamic, "awsvpc": awsvpc}


def place_many(cands, count, strategies=None, constraints=(), need=None):
    group = []
    for _ in range(count):
        best, failure = placement.choose(cands, need or demand(), strategies, constraints, group, random.Random(1))
        assert best is not None, failure
        placement.consume(best, need or demand())
        group.append(best)
    return [g["id"] for g in group]


def test_default_strategy_spreads_across_azs_then_binpacks_memory():
    cands = [candidate("a1", "a"), candidate("a2", "a", memory=1000), candidate("b1", "b"), candidate("c1", "c")]
    placed = place_many(cands, 6)
    by_az = {az: sum(1 for p in placed if p.startswith(az)) for az in "abc"}
    assert by_az == {"a": 2, "b": 2, "c": 2}
    assert placed.count("a2") == 2  # binpack: the fuller instance of AZ a takes AZ a's tasks


def test_binpack_and_spread_instance_and_random():
    cands = [candidate("x", "a", memory=2000), candidate("y", "a", memory=1000)]
    assert place_many(cands, 2, [{"type": "binpack", "field": "memory"}]) == ["y", "y"]
    cands = [candidate("x", "a"), candidate("y", "a"), candidate("z", "a")]
    assert sorted(place_many(cands, 3, [{"type": "spread", "field": "instanceId"}])) == ["x", "y", "z"]
    cands = [candidate(str(i), "a") for i in range(5)]
    assert len(place_many(cands, 5, [{"type": "random"}])) == 5


def test_constraints_memberof_and_distinct_instance():
    cands = [candidate("a1", "a", itype="t3.large"), candidate("b1", "b"), candidate("c1", "c")]
    member = [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.l*"}]
    assert place_many(cands, 2, constraints=member) == ["a1", "a1"]
    cands = [candidate("a1", "a"), candidate("b1", "b")]
    distinct = [{"type": "distinctInstance"}]
    placed = place_many(cands, 2, constraints=distinct)
    assert sorted(placed) == ["a1", "b1"]
    best, (closest, reason) = placement.choose(cands, demand(), None, distinct, cands, random.Random(1))
    assert best is None and reason == "DISTINCT"


def test_resources_ports_and_enis_decide_the_closest_match():
    full = candidate("a1", "a", memory=100)
    best, failure = placement.choose([full], demand(memory=256))
    assert best is None and failure == (full, "MEMORY")
    busy = candidate("a1", "a", ports={80})
    assert placement.choose([busy], demand(ports=[80]))[1][1] == "PORTS"
    no_eni = candidate("a1", "a", enis=0)
    assert placement.choose([no_eni], demand(awsvpc=True))[1][1] == "ENI"
    cpu = candidate("a1", "a", cpu=64)
    assert placement.choose([cpu, full], demand(cpu=128, memory=256))[1] == (cpu, "CPU")
    message = __import__("local_aws.control_plane.ecs_scheduler", fromlist=["Scheduler"]).Scheduler.\
        unplaceable_message("web", (full, "MEMORY"))
    assert message == ("(service web) was unable to place a task because no container instance met all of its "
                       "requirements. The closest matching (container-instance a1) has insufficient memory "
                       "available. For more information, see the Troubleshooting section of the Amazon ECS "
                       "Developer Guide.")


def test_dynamic_ports_take_the_next_free_port_from_32768():
    cand = candidate("a1", "a", ports={22, 32768})
    assert placement.consume(cand, demand(dynamic=2)) == [32769, 32770]
    assert placement.consume(cand, demand(dynamic=1)) == [32771]
    assert {32768, 32769, 32770, 32771} <= cand["ports"]


@pytest.mark.parametrize("expression, expected", [
    ("attribute:ecs.availability-zone == a", True),
    ("attribute:ecs.availability-zone != a", False),
    ("attribute:ecs.availability-zone in [b, a]", True),
    ("attribute:ecs.availability-zone not in [b, c]", True),
    ("attribute:ecs.instance-type =~ t3.*", True),
    ("attribute:ecs.instance-type =~ m5.* or attribute:ecs.availability-zone == a", True),
    ("attribute:ecs.instance-type =~ t3.* and attribute:ecs.availability-zone == b", False),
    ("ec2InstanceId == i-a1", True),
    ("attribute:custom exists", False),
])
def test_cluster_query_language(expression, expected):
    assert placement.matches(expression, candidate("a1", "a")) is expected


def test_invalid_expressions_and_strategies_are_rejected():
    with pytest.raises(placement.ExpressionError):
        placement.validate_expression("attribute:x ~~ y")
    with pytest.raises(ValueError):
        placement.validate_strategies([{"type": "binpack", "field": "disk"}])
    with pytest.raises(ValueError):
        placement.validate_constraints([{"type": "sameInstance"}])
