"""cloudops.ecs.mitogen_linear is Mitogen's linear strategy when Mitogen for Ansible imports, the stock linear
strategy with a warning naming the fix when it does not; a play runs with the controller's live objects frozen for
the garbage collector, and unfrozen after. Each case loads the plugin in a fresh interpreter."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PROBE = """
import json, sys
sys.path.insert(0, {collections!r})
if {block_mitogen!r}:
    sys.modules["ansible_mitogen"] = None  # what an interpreter without the package sees: ImportError
from ansible.utils.display import Display
warnings = []
Display.warning = lambda self, msg, *args, **kwargs: warnings.append(msg)
from ansible.plugins.strategy.linear import StrategyModule as Linear
import gc, weakref
class Cycle:
    pass
garbage = Cycle()
garbage.itself = garbage  # unreachable after the del below, only a collection frees it
dead = weakref.ref(garbage)
del garbage
kept = Cycle()
Linear.run = lambda self, iterator, play_context: dict(
    ran=play_context, frozen=gc.get_freeze_count(), garbage_collected=dead() is None, kept_alive=kept is not None)
from ansible_collections.cloudops.ecs.plugins.strategy import mitogen_linear
bases = [c.__module__ for c in mitogen_linear.StrategyModule.__mro__]
result = mitogen_linear.StrategyModule.run.__get__(object.__new__(mitogen_linear.StrategyModule))(None, "play")
print(json.dumps(dict(mitogen=mitogen_linear.MITOGEN, bases=bases, result=result, warnings=warnings,
                      frozen_after=gc.get_freeze_count())))
"""


def _load(block_mitogen):
    probe = PROBE.format(collections=os.path.join(ROOT, ".collections"), block_mitogen=block_mitogen)
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout.strip().splitlines()[-1])


def test_runs_on_mitogen_when_it_is_installed():
    loaded = _load(block_mitogen=False)
    assert loaded["mitogen"] is True
    assert "ansible_mitogen.strategy" in loaded["bases"]
    assert "ansible.plugins.strategy.linear" in loaded["bases"]


def test_falls_back_to_the_stock_linear_strategy_with_a_warning_naming_the_fix():
    loaded = _load(block_mitogen=True)
    assert loaded["mitogen"] is False
    assert "ansible_mitogen.strategy" not in loaded["bases"]
    assert loaded["bases"][1] == "ansible.plugins.strategy.linear"
    assert loaded["result"]["ran"] == "play"
    assert len(loaded["warnings"]) == 1
    assert "Mitogen for Ansible is not installed" in loaded["warnings"][0]
    assert "pip install mitogen" in loaded["warnings"][0]


def test_a_play_runs_with_the_live_objects_frozen_and_garbage_collected_first():
    loaded = _load(block_mitogen=True)
    # during the play: everything the controller held is frozen (thousands of objects), the cycle that was
    # garbage was collected before the freeze, and live objects stay alive
    assert loaded["result"]["frozen"] > 1000
    assert loaded["result"]["garbage_collected"] is True
    assert loaded["result"]["kept_alive"] is True
    # after it: nothing frozen, so cycles among those objects are collected as before
    assert loaded["frozen_after"] == 0
