"""Every AWS call goes through the shared layer and every wait through the one waiter.

Fails when a file of any plugin folder (modules, module_utils, action, filter, ...) makes an AWS client,
resource, session or paginator outside module_utils/aws.py, whichever way (boto3.client/resource/Session,
a botocore session's create_client, module.client or module.resource, amazon.aws boto3_conn, get_paginator),
imports boto3 or botocore.session, or sleeps / loops on time outside module_utils/waiter.py."""
import ast
import os

import pytest

PLUGINS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                       "plugins")
LAYER = {"module_utils/aws.py"}
WAITER = {"module_utils/waiter.py"}
# Code that runs AWS operations: no clock reads at all there (the waiter's Clock is injected). Elsewhere (action
# plugins time the pre-flight, follow a module's progress file) only sleeps and loops on the clock count.
AWS_CODE = ("modules", "module_utils")

# Files not yet moved onto the layer; this list only shrinks (the test fails if one of them is clean).
NOT_YET_ON_THE_LAYER = set()

# Calls that make a client, resource, session or paginator, as `x.<name>(...)` or `<name>(...)`.
CLIENT_MAKERS = {"client", "resource", "Session", "create_client", "get_session", "boto3_conn", "get_paginator"}
# Imports that make clients possible without the layer.
CLIENT_MODULES = ("boto3", "botocore.session")


def sources():
    for folder in sorted(os.listdir(PLUGINS)):
        if not os.path.isdir(os.path.join(PLUGINS, folder)) or folder.startswith(("_", ".")):
            continue
        for name in sorted(os.listdir(os.path.join(PLUGINS, folder))):
            if name.endswith(".py") and name != "__init__.py":
                yield "%s/%s" % (folder, name)


def called_name(node):
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def imported_modules(node):
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return [module] + ["%s.%s" % (module, a.name) for a in node.names]
    return [a.name for a in node.names]


def client_creations(tree):
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and called_name(node) in CLIENT_MAKERS:
            found.append("line %d: %s()" % (node.lineno, called_name(node)))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for module in imported_modules(node):
                if any(module == m or module.startswith(m + ".") for m in CLIENT_MODULES):
                    found.append("line %d: imports %s" % (node.lineno, module))
                    break
    return found


def wait_loops(tree, clock_reads=True):
    """Sleeping, a botocore waiter, looping on time, and (with clock_reads) reading the monotonic clock: the
    waiter's job. (time.time() for a wall-clock timestamp and passing a clock or sleep function through are fine.)"""
    found = []
    for node in ast.walk(tree):
        if clock_reads and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "time" \
                and node.attr in ("sleep", "monotonic"):
            found.append("line %d: time.%s" % (node.lineno, node.attr))
        if isinstance(node, ast.Call) and called_name(node) in ("sleep", "get_waiter"):
            found.append("line %d: %s()" % (node.lineno, called_name(node)))
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
        found.extend(wait_loops(tree, clock_reads=path.split("/")[0] in AWS_CODE))
    return found


def test_every_plugin_folder_is_scanned():
    folders = set(path.split("/")[0] for path in sources())
    assert {"action", "filter", "modules", "module_utils"} <= folders


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


@pytest.mark.parametrize("source", [
    "import boto3.session",
    "from boto3 import client",
    "from boto3.session import Session",
    "from botocore.session import get_session",
    "import botocore.session",
    "s = boto3.Session()",
    "c = boto3.resource('s3')",
    "c = session.create_client('ecs')",
    "c = get_session().create_client('ecs')",
    "c = boto3_conn(module, conn_type='client', resource='ecs')",
    "c = self._module.resource('s3')",
    "p = ecs.get_paginator('list_services')",
])
def test_every_way_of_making_a_client_is_caught(source):
    assert client_creations(ast.parse(source)), source


def test_what_the_layer_gives_is_not_a_client_creation():
    tree = ast.parse("import botocore\nfrom botocore.exceptions import ClientError\nc = aws.clients(module, ['ecs'])\n"
                     "s = Service.from_module(module)\nx = s.paginate('ecs', 'list_services', 'serviceArns')\n")
    assert client_creations(tree) == []


def test_outside_aws_code_timing_is_fine_but_sleeping_and_waiters_are_not():
    assert not wait_loops(ast.parse("started = time.monotonic()\n"), clock_reads=False)
    assert wait_loops(ast.parse("time.sleep(1)\n"), clock_reads=False)
    assert wait_loops(ast.parse("ecs.get_waiter('services_stable').wait(cluster='c')\n"), clock_reads=False)
