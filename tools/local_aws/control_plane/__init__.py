"""Local ECS control plane: the behaviour moto does not have, behind the same AWS APIs.

`wrap(moto_app)` returns a WSGI app and the Plane. Every request passes through the Plane: a component
may answer an AWS action itself (intercept) or let moto answer it. A background thread calls each
component's `tick(now)` so that time-driven behaviour (agent registration, task start, health checks,
lifecycle-hook timeouts) happens between requests, as on AWS. One lock serialises requests and ticks.
"""
from local_aws.control_plane.components import wrap  # noqa: F401
