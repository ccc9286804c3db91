"""EventBridge TestEventPattern, which moto does not implement (NotImplementedError, HTTP 500).

Answered as the EventBridge API reference describes it: `{"Result": true|false}` for an event and a pattern, the
event matched by the same matcher moto uses to route PutEvents to rules (moto's EventPattern: equality, prefix,
suffix, anything-but, numeric, exists, wildcard, `$or`). A pattern moto refuses answers
InvalidEventPatternException ("Event pattern is not valid. Reason: ..."); an event that is not a JSON object with
the envelope fields the reference lists (id, account, source, time, region, detail-type; `resources` is not
required in practice) answers ValidationException.
"""
import json

from moto.core.exceptions import JsonRESTError
from moto.events.models import EventPattern

from local_aws.control_plane.core import Component, Response

EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def evaluate(pattern_text, event_text):
    """(status, payload) of TestEventPattern."""
    try:
        pattern = EventPattern.load(pattern_text)
    except JsonRESTError as e:
        return 400, {"__type": e.error_type, "message": e.message}
    try:
        event = json.loads(event_text or "")
    except ValueError:
        event = None
    if not isinstance(event, dict) or any(field not in event for field in EVENT_FIELDS):
        return 400, {"__type": "ValidationException", "message": "Parameter Event is not valid."}
    return 200, {"Result": bool(pattern.matches_event(event))}


class Events(Component):
    name = "events"

    def intercepts(self):
        return {("events", "TestEventPattern"): self._test_event_pattern}

    def _test_event_pattern(self, request):
        body = request.json or {}
        status, payload = evaluate(body.get("EventPattern"), body.get("Event"))
        return Response.json(payload, status)
