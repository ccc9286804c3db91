"""Every AWS call goes through the shared layer and every wait through the one waiter.

Fails when a module or module_utils file creates a boto3 client, resource or paginator outside
module_utils/aws.py, or sleeps / loops on time outside module_utils/waiter.py."""
import ast
import os

import pytest

PLUGINS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                       "plugins")
LAYER = {"module_utils/aws.py"}
WAITER = {"module_utils/waiter.py"}

# Files not yet moved onto the layer; this list only shrinks (the test fails if one of them is clean).
NOT_YET_ON_THE_LAYER = set()


def sources():
    for folder in ("modules", "module_utils"):
        for name in sorted(os.listdir(os.path.join(PLUGINS, folder))):
            if name.endswith(".py") and name != "__init__.py":
                yield "%s/%s" % (folder, name)


def attribute_calls(tree, names):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
            yield node


def client_creations(tree):
    found = []
    for node in attribute_calls(tree, {"client", "resource", "get_paginator", "Session"}):
        found.append("line %d: .%s()" % (node.lineno, node.func.attr))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            names = [a.name for a in node.names]
            if module == "boto3" or "boto3" in names:
                found.append("line %d: imports boto3" % node.lineno)
    return found


def wait_loops(tree):
    """Sleeping, reading the monotonic clock, or looping on time: the waiter's job. (time.time() for a
    wall-clock timestamp and passing a clock or sleep function through are fine.)"""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "time" \
                and node.attr in ("sleep", "monotonic"):
            found.append("line %d: time.%s" % (node.lineno, node.attr))
        if isinstance(node, ast.Call) and (getattr(node.func, "attr", None) == "sleep" or getattr(node.func, "id", None) == "sleep"):
            found.append("line %d: sleeps" % node.lineno)
        if isinstance(node, ast.While):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and getattr(inner.func, "attr", None) in ("time", "monotonic", "now"):
                    found.append("line %d: loop on the clock" % node.lineno)
                    break
    return found


def violations(path):
    with open(os.path.join(PLUGINS, path)) as handle:
        tree = ast.parse(handle.read(), path)
    found = []
    if path not in LAYER:
        found.extend(client_creations(tree))
    if path not in WAITER:
        found.extend(wait_loops(tree))
    return found


@pytest.mark.parametrize("path", list(sources()))
def test_aws_calls_and_waits_go_through_the_layer(path):
    found = violations(path)
    if path in NOT_YET_ON_THE_LAYER:
        assert found, "%s is on the layer now: remove it from NOT_YET_ON_THE_LAYER" % path
    else:
        assert not found, "%s creates clients/paginators or waits outside the layer: %s" % (path, "; ".join(found))


def test_the_checks_catch_what_they_look_for():
    tree = ast.parse("import time\nimport boto3\nc = module.client('ecs')\np = c.get_paginator('x')\n"
                     "while True:\n    if time.time() > d:\n        break\n    time.sleep(1)\n")
    assert len(client_creations(tree)) == 3
    assert len(wait_loops(tree)) == 3
    assert not wait_loops(ast.parse("def f(clock=None, sleep=None):\n    return Clock(now=clock, sleep=sleep), time.time()\n"))
