"""Polling with a deadline, for tests and scripts that wait on the local AWS (never a fixed sleep)."""
import time


def wait_for(predicate, timeout=10.0, step=0.05, what="condition"):
    """Call `predicate` every `step` seconds until it returns something truthy (returned), or raise
    AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what} not met within {timeout}s")
