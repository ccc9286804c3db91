import pytest

from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError, WaitTimeout
from ansible_collections.cloudops.ecs.plugins.module_utils.readiness import container_instance_active
from ansible_collections.cloudops.ecs.plugins.module_utils.waiter import ManualClock, predicate_check, wait, wait_or_fail


def countdown(ready_after):
    calls = []

    def check():
        calls.append(1)
        done = len(calls) > ready_after
        return done, [] if done else ["%d more" % (ready_after - len(calls) + 1)], len(calls)
    return check


def test_returns_at_once_when_ready_and_never_sleeps():
    clock = ManualClock()
    result = wait(countdown(0), 60, clock=clock)
    assert result.satisfied and result.value == 1 and result.elapsed == 0 and clock.slept == []


def test_interval_grows_and_is_capped():
    clock = ManualClock()
    result = wait(countdown(6), 600, clock=clock, interval=1, max_interval=3, backoff=2)
    assert result.satisfied
    assert clock.slept == [1, 2, 3, 3, 3, 3]
    assert result.elapsed == 15


def test_times_out_with_the_open_reasons_and_never_sleeps_past_the_deadline():
    clock = ManualClock()
    result = wait(countdown(1000), 10, clock=clock, interval=4, max_interval=4)
    assert not result.satisfied
    assert result.reasons and result.reasons[0].endswith("more")
    assert clock.time == 10 and clock.slept[-1] == 2


def test_progress_is_reported_while_waiting_so_no_wait_is_silent():
    clock = ManualClock()
    reports = []
    wait(countdown(100), 120, what="the drain", clock=clock, interval=10, max_interval=60,
         progress=reports.append, progress_every=25)
    assert max(clock.slept) <= 25
    assert len(reports) == 4  # at 25, 50, 75 and 100 s: never more than 25 s without a word
    assert all(r.startswith("waiting for the drain: ") for r in reports)


def test_wait_or_fail_raises_a_cloudops_error_naming_what_was_awaited():
    with pytest.raises(WaitTimeout) as raised:
        wait_or_fail(countdown(1000), 5, "instance i-1 to drain", clock=ManualClock())
    assert isinstance(raised.value, CloudopsError)
    assert "instance i-1 to drain: not done after 5s" in str(raised.value)


def test_predicate_check_runs_a_readiness_predicate_on_each_read():
    reads = iter([{"status": "REGISTERING"}, {"status": "ACTIVE", "agentConnected": True}])
    result = wait(predicate_check(lambda: next(reads), container_instance_active), 30, clock=ManualClock())
    assert result.satisfied and result.value["status"] == "ACTIVE"
