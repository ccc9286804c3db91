# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one wait loop of the collection.

A wait polls a check -> (done, reasons, value) (usually a readiness.py predicate over a fresh read)
on a monotonic, injectable clock, with a growing interval and a deadline, and reports progress at
least every `progress_every` seconds so no wait is silent. Tests pass a ManualClock: no real sleep.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import time

from ansible_collections.cloudops.ecs.plugins.module_utils.errors import WaitTimeout

WaitResult = collections.namedtuple("WaitResult", ["satisfied", "reasons", "value", "elapsed"])

PROGRESS_EVERY = 20.0  # seconds: a wait says what it still waits for at least this often


class Clock:
    """Monotonic seconds and sleep; the real one unless a test injects another."""

    def __init__(self, now=None, sleep=None):
        self.now = now or time.monotonic
        self.sleep = sleep or time.sleep


class ManualClock(Clock):
    """A clock that moves only when slept on (unit tests)."""

    def __init__(self, start=0.0):
        self.time = float(start)
        self.slept = []
        super(ManualClock, self).__init__(now=lambda: self.time, sleep=self._sleep)

    def _sleep(self, seconds):
        self.slept.append(seconds)
        self.time += seconds


def wait(check, timeout, what="condition", clock=None, interval=1.0, max_interval=10.0, backoff=1.25,
         progress=None, progress_every=PROGRESS_EVERY):
    """Call check() until it reports done or `timeout` seconds have passed; returns a WaitResult.

    The interval starts at `interval` and grows by `backoff` up to `max_interval`, so a wait sees the condition
    about a quarter of its elapsed time (at most `max_interval`) after it came true; the last sleep never overshoots
    the deadline. `progress(message)` is called at least every `progress_every`
    seconds while waiting, with the elapsed time and what is not ready yet."""
    clock = clock or Clock()
    start = clock.now()
    last_report = start
    while True:
        done, reasons, value = check()
        now = clock.now()
        elapsed = now - start
        if done or elapsed >= timeout:
            return WaitResult(bool(done), list(reasons or []), value, elapsed)
        if progress is not None and now - last_report >= progress_every:
            progress("waiting for %s: %ds of %ds; %s" % (what, elapsed, timeout, "; ".join((reasons or [])[:3]) or "not ready"))
            last_report = now
        until_report = progress_every - (now - last_report)
        clock.sleep(max(0.0, min(interval, until_report, timeout - elapsed)))
        interval = min(interval * backoff, max_interval)


def wait_or_fail(check, timeout, what, **kwargs):
    """wait(), raising WaitTimeout naming `what` and the reasons still open when it runs out."""
    result = wait(check, timeout, what=what, **kwargs)
    if not result.satisfied:
        raise WaitTimeout(message="%s: not done after %ds: %s" % (what, timeout, "; ".join(result.reasons[:5]) or "no reason given"))
    return result


def predicate_check(read, predicate):
    """A check for wait() from a read() -> value and a readiness predicate(value) -> (ready, reasons)."""
    def check():
        value = read()
        ready, reasons = predicate(value)
        return ready, reasons, value
    return check


def argument_spec(wait=False, timeout=600):
    """The wait/wait_timeout options (documented by the cloudops.ecs.wait doc fragment)."""
    return dict(wait=dict(type="bool", default=wait), wait_timeout=dict(type="int", default=timeout))
