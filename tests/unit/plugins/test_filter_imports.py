"""Filter plugins load without the AWS SDK. Ansible looks a collection filter up by loading the collection's filter
files in order until one defines it, in the worker process of every task that uses one, and the collection loader
compiles what they import from source each time: a filter file that pulled in botocore (through a module_utils that
makes AWS calls) made every such task import it. Each file is imported in a fresh interpreter here."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FILTERS = os.path.join(ROOT, "plugins", "filter")
PROBE = """
import sys
sys.path.insert(0, {collections!r})
import importlib
importlib.import_module("ansible_collections.cloudops.ecs.plugins.filter.{name}")
print(sorted(m for m in ("boto3", "botocore") if m in sys.modules))
"""


@pytest.mark.parametrize("name", sorted(f[:-3] for f in os.listdir(FILTERS) if f.endswith(".py") and f != "__init__.py"))
def test_a_filter_file_loads_without_the_aws_sdk(name):
    probe = PROBE.format(collections=os.path.join(ROOT, ".collections"), name=name)
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "[]", "plugins/filter/%s.py imports %s" % (name, answer.stdout.strip())
