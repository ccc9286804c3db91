"""tools/sanity.py: the shipped file list matches ansible-galaxy's, the build tree is synced exactly, and the
offline get-pip stand-in installs pip into an empty virtual environment."""
import os
import subprocess
import sys
import venv

import pytest
from ansible.galaxy.collection import _build_files_manifest_walk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import sanity  # noqa: E402

META = {"namespace": "cloudops", "name": "ecs",
        "build_ignore": ["tools", "tests/integration", "*.tar.gz", ".venv", "docs/*.tmp"]}


def galaxy_walk(root, meta):
    manifest = _build_files_manifest_walk(os.fsencode(root), meta["namespace"], meta["name"], meta["build_ignore"])
    return sorted([e["name"] for e in manifest["files"] if e["ftype"] == "file"] + ["galaxy.yml"])


def write(path, text="x\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


@pytest.fixture
def tree(tmp_path):
    for rel in ("galaxy.yml", "README.md", "plugins/modules/a.py", "plugins/modules/__pycache__/a.cpython-311.pyc",
                "plugins/module_utils/b.py", "plugins/module_utils/b.pyc", "roles/r/tasks/main.yml", "x.retry",
                "tools/t.py", "tests/integration/test_i.py", "tests/unit/test_u.py", "tests/output/junk",
                "cloudops-ecs-0.1.0.tar.gz", ".venv/bin/python", "docs/a.md", "docs/b.tmp", ".git/HEAD"):
        write(str(tmp_path / rel))
    return tmp_path


def test_shipped_files_match_ansible_galaxy(tree):
    files = sanity.shipped_files(META, root=str(tree))
    assert files == galaxy_walk(str(tree), META)
    assert files == ["README.md", "docs/a.md", "galaxy.yml", "plugins/module_utils/b.py", "plugins/modules/a.py",
                     "roles/r/tasks/main.yml", "tests/unit/test_u.py"]


def test_shipped_files_of_this_collection_match_ansible_galaxy():
    meta = sanity.galaxy()
    files = sanity.shipped_files(meta)
    assert files == galaxy_walk(ROOT, meta)
    assert not [f for f in files if f.startswith(("tools/", "inventories/", "tests/integration/", "benchmarks/"))]


def test_sync_tree_copies_updates_and_removes(tree, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(sanity, "ROOT", str(tree))
    dest = str(tmp_path_factory.mktemp("build") / "ecs")
    files = sanity.shipped_files(META, root=str(tree))
    assert sanity.sync_tree(files, dest) == (len(files), 0)
    assert sanity.sync_tree(files, dest) == (0, 0)

    write(os.path.join(dest, ".git", "HEAD"), "ref\n")
    write(os.path.join(dest, "tests", "output", "results.json"), "{}\n")
    write(str(tree / "plugins/modules/a.py"), "changed\n")
    os.remove(str(tree / "docs/a.md"))
    files = sanity.shipped_files(META, root=str(tree))
    assert sanity.sync_tree(files, dest) == (1, 1)
    with open(os.path.join(dest, "plugins/modules/a.py"), encoding="utf-8") as handle:
        assert handle.read() == "changed\n"
    assert not os.path.exists(os.path.join(dest, "docs"))
    assert os.path.exists(os.path.join(dest, ".git", "HEAD"))
    assert os.path.exists(os.path.join(dest, "tests", "output", "results.json"))


def test_get_pip_stand_in_installs_pip_into_an_empty_venv(tmp_path, monkeypatch):
    monkeypatch.setattr(sanity, "BUILD_HOME", str(tmp_path / "home"))
    sanity.install_get_pip_stand_in()
    version = sanity.ansible_test_pip_version()
    script = tmp_path / "home" / ".ansible" / "test" / "cache" / f"get_pip_{version.replace('.', '_')}.py"
    assert script.is_file()

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(str(target))
    python = str(target / "bin" / "python")
    # the way ansible-test's bootstrap runs it: options, the pip requirement, and get-pip's own flags
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([python, str(script), "--disable-pip-version-check", "--no-index", f"pip=={version}",
                           "--no-setuptools", "--no-wheel"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True, env=env, check=True)
    assert installed.stdout.startswith(f"pip {version} ")
