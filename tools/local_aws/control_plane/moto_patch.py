"""Small helpers for components that change moto's behaviour in-process.

moto runs in the same process as the control plane, so a component may read its backends and replace
a method or an attribute of one of its classes. `patch()` keeps the original so that re-installing (a
second Plane in the same process, as unit tests do) wraps the original again, never a wrapper.
"""
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape

clock = time.monotonic  # the active Plane's clock (plane.now) once a component that patches moto is added


def now():
    """The time TimedStatus and other moto patches read: the active Plane's clock."""
    return clock()


def patch(cls, name, make):
    """Replace `cls.name` (an attribute of a class or a module) with `make(original)`; the original is kept on it."""
    key = f"_lp_original_{name}"
    if key not in cls.__dict__:
        setattr(cls, key, cls.__dict__.get(name))
    setattr(cls, name, make(cls.__dict__[key]))


def backends(backend_dict):
    """(account, region, backend) for every backend moto has created so far (never creates one)."""
    for account, regional in list(dict.items(backend_dict)):
        for region, backend in list(dict.items(regional)):
            yield account, region, backend


def arn_scope(arn):
    """(account, region) of an ARN."""
    parts = arn.split(":")
    return parts[4], parts[3]


class TimedStatus:
    """A status attribute that shows an interim value for a while after moto sets it.

    `rule(obj, old, new)` returns None (moto's value is shown at once) or (interim, delay_name, final):
    `interim` is shown for plane.delay(delay_name) seconds, then `final` (or `new` when final is None).
    """

    delays = None  # the active Plane's profile delays; set by the component that installs it

    def __init__(self, rule):
        self.rule = rule
        self.name = None

    def install(self, cls, name):
        self.name = name
        setattr(cls, name, self)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        entry = obj.__dict__.get(self.name)
        if not isinstance(entry, tuple):
            return entry
        value, interim, until, final = entry
        if interim is not None and now() < until:
            return interim
        return value if final is None else final

    def __set__(self, obj, value):
        entry = obj.__dict__.get(self.name)
        old = self.__get__(obj) if entry is not None else None
        rule = self.rule(obj, old, value) if TimedStatus.delays is not None else None
        if rule:
            interim, delay_name, final = rule
            obj.__dict__[self.name] = (value, interim, now() + TimedStatus.delays[delay_name], final)
        else:
            obj.__dict__[self.name] = (value, None, 0.0, None)


def iso(moment=None):
    """An AWS timestamp: 2026-01-01T00:00:00.000Z."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def xml(tag, value):
    """<tag>value</tag>, escaped; nothing when value is None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"
