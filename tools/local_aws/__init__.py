"""Local AWS endpoint for tests and the demo: moto on loopback plus a local ECS control plane."""
