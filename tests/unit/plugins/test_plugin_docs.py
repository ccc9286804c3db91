"""Every plugin's DOCUMENTATION, EXAMPLES and RETURN is valid YAML of the shape ansible-doc expects.

ansible-test's validate-modules says the same, minutes later; this catches the common slip (a colon
followed by a space inside a plain description line) in the unit tests.
"""
import ast
import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FILES = sorted(
    glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
    + glob.glob(os.path.join(ROOT, "plugins", "filter", "*.py"))
    + glob.glob(os.path.join(ROOT, "plugins", "doc_fragments", "*.py"))
    + glob.glob(os.path.join(ROOT, "plugins", "strategy", "*.py"))
)


def doc_strings(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("DOCUMENTATION", "EXAMPLES", "RETURN") and isinstance(node.value, ast.Constant):
                yield name, node.value.value


def descriptions(value):
    """Every `description` found anywhere in a parsed document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and not isinstance(item, dict):  # a dict is an option named "description"
                yield item
            yield from descriptions(item)
    elif isinstance(value, list):
        for item in value:
            yield from descriptions(item)


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_docs_parse_and_descriptions_are_text(path):
    found = dict(doc_strings(path))
    if not path.endswith("__init__.py"):
        assert "DOCUMENTATION" in found, "no DOCUMENTATION in %s" % path
    for name, text in found.items():
        parsed = yaml.safe_load(text)
        if name == "EXAMPLES":
            continue
        for description in descriptions(parsed):
            items = description if isinstance(description, list) else [description]
            for item in items:
                assert isinstance(item, str), "%s %s: a description item is not text (a colon and a space?): %r" % (
                    os.path.basename(path), name, item)
