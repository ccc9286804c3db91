"""The comparison helpers over the documented AWS behaviour can fail."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from documented import DOCUMENTED, changes, follows, undocumented_events  # noqa: E402

ORDER = DOCUMENTED["ecs_task_lifecycle"]["order"]


def test_follows_allows_skips_but_never_going_back():
    assert follows(["PROVISIONING", "PENDING", "RUNNING", "STOPPING", "STOPPED"], ORDER)
    assert not follows(["PENDING", "RUNNING", "PENDING"], ORDER)
    assert changes(["A", "A", "B", "A"]) == ["A", "B", "A"]


def test_messages_outside_the_documented_templates_are_reported():
    good = "(service web) has started 2 tasks: (task 0123abcd) (task 4567ef01)."
    bad = "(service web) started two tasks"
    assert undocumented_events([good, "(service web) has reached a steady state.", bad]) == [bad]
