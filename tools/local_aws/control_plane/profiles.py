"""Latency profiles: how long things take on the local AWS.

`aws` holds AWS-like durations divided by LOCAL_AWS_SCALE (default 10) so that a playbook's wall time
shows how well it overlaps waits; `fast` is for tests.
"""
import os

AWS_SECONDS = {
    # filled in by the components that use them: name -> seconds on real AWS
}

FAST_SECONDS = {}


def load_profile(name):
    if name == "aws":
        scale = float(os.environ.get("LOCAL_AWS_SCALE", "10"))
        delays = {k: v / scale for k, v in AWS_SECONDS.items()}
        return {"name": f"aws/{scale:g}", "delays": delays, "tick": 0.1}
    if name == "fast":
        return {"name": "fast", "delays": dict(FAST_SECONDS), "tick": 0.05}
    raise ValueError(f"unknown latency profile {name!r}: use fast or aws")
