"""The control plane's module graph and start-up: no import cycle, and a component that cannot load stops
the server with its error instead of disappearing."""
import ast
import os
import subprocess
import sys

import pytest

TOOLS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLANE = os.path.join(TOOLS, "local_aws", "control_plane")
sys.path.insert(0, TOOLS)

from local_aws.cli import LocalAws  # noqa: E402
from local_aws.control_plane import components  # noqa: E402


def _imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "local_aws.control_plane":
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.startswith("local_aws.")}


def test_core_imports_no_component():
    assert _imports(os.path.join(PLANE, "core.py")) == {"local_aws.control_plane.profiles"}


def test_components_do_not_import_the_registry():
    registry = {"local_aws.control_plane.components", "local_aws.control_plane.wrap"}
    for root, _, files in os.walk(PLANE):
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".py") and path not in (os.path.join(PLANE, "components.py"),
                                                     os.path.join(PLANE, "__init__.py")):
                assert not registry & _imports(path), path


def test_every_component_is_registered_in_tick_order():
    assert [c.name for c in components.ALL] == ["ecs", "elbv2", "ec2", "autoscaling", "appautoscaling", "latency", "kms",
                                                "invariants", "rds_catalog", "events", "logs", "ssm_public", "acm",
                                                "notifications", "catalogues"]


def _broken_run(tmp_path, module):
    """Run the server with `module` made unimportable; return (exit code, output)."""
    code = (f"import sys; sys.modules[{module!r}] = None; from local_aws.server import main; "
            f"main(['--endpoint-file', {str(tmp_path / 'endpoint')!r}])")
    env = dict(os.environ, PYTHONPATH=TOOLS)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                            check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["local_aws.control_plane.kms", "local_aws.control_plane.ecs_scheduler.agent"])
def test_a_component_that_cannot_load_stops_the_server(tmp_path, module):
    code, output = _broken_run(tmp_path, module)
    assert code != 0
    assert "ImportError" in output or "ModuleNotFoundError" in output, output
    assert module in output
    assert not (tmp_path / "endpoint").exists()


def test_start_reports_the_servers_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "shim"))
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['local_aws.control_plane.latency'] = None\n")
    server = LocalAws(str(tmp_path / "state"))
    with pytest.raises(RuntimeError, match="local_aws.control_plane.latency"):
        server.start(timeout=120)
    assert server.pid() is None
