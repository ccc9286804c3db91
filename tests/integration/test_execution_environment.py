"""execution-environment.yml makes a build context with ansible-builder (create only: no container engine here), and
the collection's meta/execution-environment.yml gives ansible-builder's introspection our Python and system
requirements, with floors the pinned development versions satisfy."""
import os
import re
import subprocess
import sys

import botocore.session
import pytest
import yaml
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _run(*cmd, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    proc = subprocess.run([os.path.join(BIN, cmd[0]), *cmd[1:]], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, (cmd, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.stdout


def _yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _requirements(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return {r.name: r for r in (Requirement(line.strip()) for line in handle if line.strip()[:1].isalpha())}


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ee") / "context")
    _run("ansible-builder", "create", "-f", "execution-environment.yml", "-c", path, "--output-filename", "Containerfile")
    with open(os.path.join(path, "Containerfile"), encoding="utf-8") as handle:
        return path, handle.read()


@pytest.fixture(scope="module")
def introspected(tmp_path_factory):
    """ansible-builder's introspection of the built collection, installed as an image build installs it."""
    base = tmp_path_factory.mktemp("introspect")
    # outside the checkout, whose ansible.cfg would make its linked-in collection count as installed
    _run("ansible-galaxy", "collection", "build", "--output-path", str(base), ROOT, cwd=base)
    (tarball,) = [p for p in os.listdir(base) if p.endswith(".tar.gz")]
    _run("ansible-galaxy", "collection", "install", "--no-deps", "-p", str(base / "collections"), str(base / tarball),
         cwd=base)
    output = _run("ansible-builder", "introspect", str(base / "collections"), cwd=base)
    return yaml.safe_load(output.split("\n", 1)[1])


def test_context_installs_the_project_collections_on_the_declared_base(context):
    path, containerfile = context
    ee = _yaml(os.path.join(ROOT, "execution-environment.yml"))
    assert ee["version"] == 3
    assert f'ARG EE_BASE_IMAGE="{ee["images"]["base_image"]["name"]}"' in containerfile
    assert _yaml(os.path.join(path, "_build", "requirements.yml")) == _yaml(os.path.join(ROOT, "collections",
                                                                                           "requirements.yml"))
    galaxy = containerfile.index("ansible-galaxy collection install")
    assert -1 < containerfile.find("install -y git-core") < galaxy, "git must be there for the collection's git source"
    assert "introspect.py introspect" in containerfile


def test_context_installs_an_ansible_core_the_collection_supports(context):
    _, containerfile = context
    refs = re.search(r'ARG ANSIBLE_INSTALL_REFS="([^"]+)"', containerfile).group(1)
    core = Requirement(next(r for r in re.split(r"\s+(?=ansible)", refs) if r.startswith("ansible-core")))
    runtime = _yaml(os.path.join(ROOT, "meta", "runtime.yml"))
    floor = runtime["requires_ansible"].lstrip(">=")
    assert any(spec.operator == ">=" and spec.version == floor for spec in core.specifier), core
    pinned = _requirements("requirements.txt")
    assert next(iter(pinned["ansible-core"].specifier)).version in core.specifier


def test_introspection_yields_our_python_and_system_requirements(introspected):
    ours = [line.split("#")[0].strip() for line in introspected["python"] if "from collection cloudops.ecs" in line]
    assert {Requirement(r).name for r in ours} == {"boto3", "botocore", "cryptography"}
    assert any("from collection cloudops.ecs" in line for line in introspected["system"])
    pinned = _requirements("requirements.txt")
    for requirement in map(Requirement, ours):
        if requirement.name in pinned:
            assert next(iter(pinned[requirement.name].specifier)).version in requirement.specifier, requirement


def test_the_botocore_floor_reason_still_holds():
    """meta/ee-requirements.txt's botocore floor (1.34.13) is the first release whose ECS model has the capacity
    provider's managedDraining: the modules still send it, and the pinned botocore knows it."""
    with open(os.path.join(ROOT, "plugins", "module_utils", "ecs_cluster.py"), encoding="utf-8") as handle:
        assert "managedDraining" in handle.read()
    shape = botocore.session.get_session().get_service_model("ecs").shape_for("AutoScalingGroupProvider")
    assert "managedDraining" in shape.members


def test_context_installs_mitogen_at_the_tested_version(context):
    """The strategy the project's ansible.cfg selects runs on Mitogen for Ansible: the image has the version the
    tests run with (requirements.txt), passed to the introspection as a user requirement."""
    path, containerfile = context
    assert "--user-pip=requirements.txt" in containerfile
    assert _requirements(os.path.join(path, "_build", "requirements.txt"))["mitogen"] == \
        _requirements("requirements.txt")["mitogen"]
