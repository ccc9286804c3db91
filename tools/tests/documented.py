"""The documented AWS behaviour (tools/tests/fixtures/documented.json) the local AWS is compared against."""
import json
import os
import re

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "documented.json"),
          encoding="utf-8") as handle:
    DOCUMENTED = json.load(handle)

EVENT_PATTERNS = [re.compile(p) for p in DOCUMENTED["ecs_service_events"]["patterns"]]


def changes(values):
    """The sequence without repeats: [a, a, b, a] -> [a, b, a]."""
    result = []
    for value in values:
        if not result or result[-1] != value:
            result.append(value)
    return result


def follows(sequence, order):
    """True when `sequence` visits states of `order` only forwards (states may be skipped, never revisited)."""
    positions = [order.index(s) for s in sequence]
    return positions == sorted(positions) and len(set(positions)) == len(positions)


def undocumented_events(messages):
    """The service event messages no documented template matches."""
    return [m for m in messages if not any(p.match(m) for p in EVENT_PATTERNS)]
