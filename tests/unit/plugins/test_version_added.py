"""No plugin, option or return value is documented as added in a release after the collection's own version
(galaxy.yml): `version_added` of a module, filter or doc fragment, and of every option, suboption and return value
in them and in the roles' argument specs, is at most the version being built."""
import ast
import glob
import os

import pytest
import yaml
from packaging.version import Version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def collection_version():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        return Version(str(yaml.safe_load(handle)["version"]))


def documents():
    """(where, parsed YAML) of every documentation block of the collection."""
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True)):
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id.isupper() and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str) and node.targets[0].id != "EXAMPLES":
                try:
                    parsed = yaml.safe_load(node.value.value)
                except yaml.YAMLError:
                    continue  # not a documentation block
                if isinstance(parsed, dict):
                    yield "%s %s" % (os.path.relpath(path, ROOT), node.targets[0].id), parsed
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml"))):
        with open(path, encoding="utf-8") as handle:
            yield os.path.relpath(path, ROOT), yaml.safe_load(handle)


def versions_added(value, where=""):
    """(place, version_added) for every version_added anywhere in a parsed document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "version_added" and not isinstance(item, dict):  # a dict is an option named version_added
                yield where or "(top)", str(item)
            else:
                yield from versions_added(item, "%s.%s" % (where, key) if where else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from versions_added(item, where)


def too_new(parsed, version):
    return ["%s: version_added %s" % (place, added) for place, added in versions_added(parsed) if Version(added) > version]


@pytest.mark.parametrize("where, parsed", list(documents()), ids=lambda value: value if isinstance(value, str) else "")
def test_version_added_is_not_after_the_collection_version(where, parsed):
    version = collection_version()
    assert not too_new(parsed, version), "%s: later than galaxy.yml's version %s: %s" % (
        where, version, "; ".join(too_new(parsed, version)))


def test_the_check_finds_version_added_at_any_depth():
    parsed = yaml.safe_load("""
module: demo
version_added: 0.1.0
options:
  version_added:
    description: an option of that name is not a version
    type: dict
  wait:
    version_added: 1.0.0
    suboptions:
      timeout:
        version_added: 0.2.0
""")
    assert too_new(parsed, Version("0.1.0")) == ["options.wait: version_added 1.0.0",
                                                 "options.wait.suboptions.timeout: version_added 0.2.0"]
    assert too_new(parsed, Version("1.0.0")) == []
    assert any(where.startswith("plugins/modules/platform_preflight.py") for where, _parsed in documents())
