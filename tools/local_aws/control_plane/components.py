"""The registered components, in tick order."""

ALL = []
