"""Task placement as the ECS scheduler does it: pure functions over candidate container instances.

A candidate is a dict: arn, id (container instance id), ec2 (instance id), attrs ({name: value}),
cpu, memory (remaining), ports (set of used host ports as ints), enis (free task ENI slots).
A demand is a dict: cpu, memory, ports (static host ports), dynamic (count of hostPort 0 mappings),
awsvpc (bool).
"""
import random
import re

DYNAMIC_PORT_START = 32768
DYNAMIC_PORT_END = 60999
DEFAULT_STRATEGY = [
    {"type": "spread", "field": "attribute:ecs.availability-zone"},
    {"type": "binpack", "field": "memory"},
]

# Why a container instance cannot take a task, as ECS words it in service events (and RunTask failures).
REASON_EVENT = {
    "CPU": "has insufficient CPU units available",
    "MEMORY": "has insufficient memory available",
    "PORTS": "is already using a port required by your task",
    "ENI": 'encountered error "RESOURCE:ENI"',
    "ATTRIBUTE": "is missing an attribute required by your task",
    "DISTINCT": "is already running a task from this group (distinctInstance placement constraint)",
}
REASON_FAILURE = {
    "CPU": "RESOURCE:CPU",
    "MEMORY": "RESOURCE:MEMORY",
    "PORTS": "RESOURCE:PORTS",
    "ENI": "RESOURCE:ENI",
    "ATTRIBUTE": "MemberOf placement constraint unsatisfied.",
    "DISTINCT": "DistinctInstance placement constraint unsatisfied.",
}


class ExpressionError(ValueError):
    pass


_CONDITION = re.compile(
    r"^\s*(?P<field>[A-Za-z0-9_.:\-]+)\s+(?P<op>==|!=|=~|!~|in|not\s+in|exists|not\s+exists)\s*(?P<value>.*?)\s*$")


def _value_of(field, candidate):
    if field.startswith("attribute:"):
        return candidate["attrs"].get(field[len("attribute:"):])
    if field == "ec2InstanceId":
        return candidate.get("ec2")
    if field in ("instanceId", "host"):
        return candidate.get("id")
    if field in ("agentConnected", "runningTasksCount", "registeredAt", "agentVersion"):
        value = candidate.get(field)
        return None if value is None else str(value).lower()
    raise ExpressionError(f"Unsupported field in expression: {field}")


def _wildcard(pattern, value):
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), value or "") is not None


def _condition(text, candidate):
    match = _CONDITION.match(text)
    if not match:
        raise ExpressionError(f"Invalid expression: {text}")
    field, op, raw = match.group("field"), " ".join(match.group("op").split()), match.group("value")
    actual = _value_of(field, candidate)
    if op == "exists":
        return actual is not None
    if op == "not exists":
        return actual is None
    if op in ("in", "not in"):
        if not (raw.startswith("[") and raw.endswith("]")):
            raise ExpressionError(f"Invalid list in expression: {text}")
        values = [v.strip().strip("'\"") for v in raw[1:-1].split(",") if v.strip()]
        hit = any(_wildcard(v, actual) for v in values) if actual is not None else False
        return hit if op == "in" else not hit
    value = raw.strip().strip("'\"")
    if op == "==":
        return actual == value
    if op == "!=":
        return actual != value
    if op == "=~":
        return actual is not None and _wildcard(value, actual)
    return actual is None or not _wildcard(value, actual)


def matches(expression, candidate):
    """Evaluate a cluster query language expression (and/or, no parentheses) against a candidate."""
    expression = (expression or "").strip()
    if not expression:
        return True
    disjuncts = re.split(r"\s+or\s+|\s*\|\|\s*", expression)
    for disjunct in disjuncts:
        conjuncts = re.split(r"\s+and\s+|\s*&&\s*", disjunct)
        if all(_condition(c, candidate) for c in conjuncts):
            return True
    return False


def validate_expression(expression):
    """Raise ExpressionError when an expression cannot be parsed."""
    dummy = {"attrs": {}, "ec2": "", "id": ""}
    for disjunct in re.split(r"\s+or\s+|\s*\|\|\s*", expression or ""):
        for conjunct in re.split(r"\s+and\s+|\s*&&\s*", disjunct):
            if conjunct.strip():
                _condition(conjunct, dummy)


def free_dynamic_ports(used, count):
    ports = []
    port = DYNAMIC_PORT_START
    while len(ports) < count and port <= DYNAMIC_PORT_END:
        if port not in used:
            ports.append(port)
        port += 1
    return ports if len(ports) == count else None


def misfit(candidate, demand, constraints=(), group_instances=()):
    """The first reason (REASON_* key) a candidate cannot take the demand, or None when it fits."""
    for constraint in constraints:
        if constraint.get("type") == "memberOf" and not matches(constraint.get("expression"), candidate):
            return "ATTRIBUTE"
        if constraint.get("type") == "distinctInstance" and candidate["arn"] in group_instances:
            return "DISTINCT"
    if demand["cpu"] > candidate["cpu"]:
        return "CPU"
    if demand["memory"] > candidate["memory"]:
        return "MEMORY"
    if set(demand.get("ports") or ()) & set(candidate["ports"]):
        return "PORTS"
    if demand.get("dynamic") and free_dynamic_ports(candidate["ports"], demand["dynamic"]) is None:
        return "PORTS"
    if demand.get("awsvpc") and candidate.get("enis", 0) < 1:
        return "ENI"
    return None


def _strategy_key(strategies, candidate, group_values, rng):
    key = []
    for strategy in strategies:
        kind, field = strategy.get("type"), strategy.get("field") or ""
        if kind == "spread":
            field = "instanceId" if field.lower() in ("instanceid", "host") else field
            value = _value_of(field, candidate)
            key.append(group_values.get((field, value), 0))
        elif kind == "binpack":
            key.append(candidate["cpu"] if field.lower() == "cpu" else candidate["memory"])
        elif kind == "random":
            key.append(rng.random())
    return tuple(key)


def choose(candidates, demand, strategies=None, constraints=(), group=(), rng=None):
    """Pick a candidate for one task.

    group: candidates (dicts with arn/id/ec2/attrs) hosting the group's existing tasks, one entry per task.
    Returns (candidate, None) or (None, (closest candidate or None, reason key)).
    """
    rng = rng or random.Random()
    strategies = strategies if strategies else DEFAULT_STRATEGY
    group_instances = {g["arn"] for g in group}
    fitting, closest = [], None
    for candidate in candidates:
        reason = misfit(candidate, demand, constraints, group_instances)
        if reason is None:
            fitting.append(candidate)
        elif closest is None or _rank(reason) > _rank(closest[1]):
            closest = (candidate, reason)
    if not fitting:
        return None, closest
    group_values = {}
    fields = {("instanceId" if (s.get("field") or "").lower() in ("instanceid", "host") else s.get("field"))
              for s in strategies if s.get("type") == "spread"}
    for member in group:
        for field in fields:
            key = (field, _value_of(field, member))
            group_values[key] = group_values.get(key, 0) + 1
    order = {id(c): i for i, c in enumerate(fitting)}
    best = min(fitting, key=lambda c: (_strategy_key(strategies, c, group_values, rng), order[id(c)]))
    return best, None


def _rank(reason):
    """How close a misfit is to fitting: constraints fail first, then ports, memory, cpu."""
    return {"ATTRIBUTE": 0, "DISTINCT": 1, "ENI": 2, "PORTS": 3, "MEMORY": 4, "CPU": 5}[reason]


def consume(candidate, demand):
    """Reserve the demand on a candidate in place; returns the dynamic host ports assigned."""
    dynamic = free_dynamic_ports(candidate["ports"], demand.get("dynamic", 0)) or []
    candidate["cpu"] -= demand["cpu"]
    candidate["memory"] -= demand["memory"]
    candidate["ports"] = set(candidate["ports"]) | set(demand.get("ports") or ()) | set(dynamic)
    if demand.get("awsvpc"):
        candidate["enis"] = candidate.get("enis", 0) - 1
    return dynamic


def validate_strategies(strategies):
    for strategy in strategies or []:
        kind, field = strategy.get("type"), strategy.get("field")
        if kind not in ("random", "spread", "binpack"):
            raise ValueError(f"Invalid placement strategy type: {kind}.")
        if kind == "binpack" and (field or "").lower() not in ("cpu", "memory"):
            raise ValueError("The binpack placement strategy field must be cpu or memory.")
        if kind == "spread" and not field:
            raise ValueError("The spread placement strategy requires a field.")
    if len(strategies or []) > 5:
        raise ValueError("A maximum of 5 placement strategies is allowed.")


def validate_constraints(constraints):
    for constraint in constraints or []:
        if constraint.get("type") not in ("distinctInstance", "memberOf"):
            raise ValueError(f"Invalid placement constraint type: {constraint.get('type')}.")
        if constraint.get("type") == "memberOf":
            validate_expression(constraint.get("expression") or "")
    if len(constraints or []) > 10:
        raise ValueError("A maximum of 10 placement constraints is allowed.")
