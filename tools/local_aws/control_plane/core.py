"""Plane, Request and the component interface."""
import io
import json
import threading
import time
import traceback
from urllib.parse import parse_qs

from local_aws.control_plane.profiles import load_profile

DEFAULT_ACCOUNT_ID = "123456789012"
CONTROL_PREFIX = "/_local/"


class Request:
    """One AWS API call, protocol-neutral: service, action, region and flat params."""

    def __init__(self, environ, body):
        self.environ = environ
        self.body = body
        self.method = environ.get("REQUEST_METHOD", "GET")
        self.path = environ.get("PATH_INFO", "/")
        self.headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        self.service, self.region = self._scope()
        self.target = self.headers.get("x-amz-target")
        self.json = None
        self.params = {}
        if self.target:
            self.action = self.target.split(".", 1)[1]
            self.json = json.loads(body or b"{}")
        else:
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True) if body else {}
            merged = {**query, **form}
            self.params = {k: v[0] for k, v in merged.items()}
            self.action = self.params.get("Action")
        self.account_id = DEFAULT_ACCOUNT_ID

    def _scope(self):
        auth = self.headers.get("authorization", "")
        try:
            scope = auth.split(",")[0].split()[1]
            _, _, region, service, _ = scope.split("/")
            return service.lower(), region
        except (IndexError, ValueError):
            return None, "us-east-1"

    def query_list(self, prefix):
        """Members of a query-protocol list: `Prefix.member.N` (or `Prefix.N`), in order."""
        items = []
        for key, value in self.params.items():
            if key.startswith(prefix + "."):
                rest = key[len(prefix) + 1:]
                index = rest.split(".")[-1] if rest.startswith("member.") else rest.split(".")[0]
                if index.isdigit() and rest in (f"member.{index}", index):
                    items.append((int(index), value))
        return [v for _, v in sorted(items)]


class Response:
    def __init__(self, status=200, body=b"", content_type="application/x-amz-json-1.1", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = headers or {}

    @classmethod
    def json(cls, payload, status=200):
        return cls(status, json.dumps(payload, default=_json_default), "application/x-amz-json-1.1")

    @classmethod
    def json_error(cls, code, message, status=400):
        return cls.json({"__type": code, "message": message}, status)

    @classmethod
    def xml(cls, action, result_xml="", namespace="", status=200):
        body = (
            f'<{action}Response xmlns="{namespace}"><{action}Result>{result_xml}</{action}Result>'
            f"<ResponseMetadata><RequestId>{_request_id()}</RequestId></ResponseMetadata></{action}Response>"
        )
        return cls(status, body, "text/xml")

    @classmethod
    def xml_error(cls, code, message, status=400, sender="Sender"):
        body = (
            f"<ErrorResponse><Error><Type>{sender}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{_request_id()}</RequestId></ErrorResponse>"
        )
        return cls(status, body, "text/xml")


def _request_id():
    import uuid

    return str(uuid.uuid4())


def _json_default(value):
    if hasattr(value, "timestamp"):
        return value.timestamp()
    raise TypeError(f"not JSON serialisable: {type(value)}")


class Component:
    """Base class for a piece of behaviour. Override what you need."""

    name = "component"

    def __init__(self, plane):
        self.plane = plane

    def intercepts(self):
        """{(service, action): handler(request) -> Response | None}; None lets moto answer."""
        return {}

    def after(self):
        """{(service, action): hook(request, status, body) -> None} run after moto answered."""
        return {}

    def tick(self, now):
        """Advance time-driven behaviour; `now` is plane.now()."""

    def reset(self):
        """Forget all state (called on /moto-api/reset)."""

    def controls(self):
        """{name: handler(payload: dict) -> dict}: test controls served at POST /_local/<name>."""
        return {}


class Clock:
    """Plane time: seconds since start, real time by default. Tests may freeze it, unfreeze it and move it
    forward (never back), through the `clock/*` controls."""

    def __init__(self, source=time.monotonic):
        self._source = source
        self._base = source()
        self._offset = 0.0
        self._frozen_at = None
        self._epoch_base = time.time()

    def now(self):
        if self._frozen_at is not None:
            return self._frozen_at
        return self._source() - self._base + self._offset

    def epoch(self, now):
        """The wall-clock epoch seconds that plane time `now` stands for (timestamps the APIs return)."""
        return self._epoch_base + now

    @property
    def frozen(self):
        return self._frozen_at is not None

    def freeze(self):
        if self._frozen_at is None:
            self._frozen_at = self.now()

    def unfreeze(self):
        if self._frozen_at is not None:
            self._offset = self._frozen_at - (self._source() - self._base)
            self._frozen_at = None

    def advance(self, seconds):
        if seconds < 0:
            raise ValueError("the clock only moves forward: seconds must be >= 0")
        if self._frozen_at is not None:
            self._frozen_at += seconds
        else:
            self._offset += seconds


class Plane:
    def __init__(self, app, profile="fast"):
        self.app = app
        self.profile = load_profile(profile)
        self.lock = threading.RLock()
        self.components = []
        self._intercepts = {}
        self._after = {}
        self._controls = {"status": self._status, "clock": self._clock_state, "clock/freeze": self._clock_freeze,
                          "clock/unfreeze": self._clock_unfreeze, "clock/advance": self._clock_advance}
        self._stop = threading.Event()
        self._thread = None
        self.clock = Clock()
        self.errors = []
        self._observers = []
        self._ticking = []  # components with time-driven behaviour, in tick order

    # -- time ---------------------------------------------------------------------------------------
    def now(self):
        """Plane seconds since start; durations in the profile are already scaled to this clock."""
        return self.clock.now()

    def epoch(self):
        """Wall-clock epoch seconds of plane time now: the timestamps the APIs return."""
        return self.clock.epoch(self.now())

    def delay(self, name):
        """A named duration from the active latency profile, in plane seconds."""
        return self.profile["delays"][name]

    def scaled(self, seconds):
        """A duration a resource configures (health-check interval, deregistration delay), scaled."""
        return float(seconds) / self.profile["scale"]

    # -- composition ----------------------------------------------------------------------------------
    def add(self, component_class):
        component = component_class(self)
        self.components.append(component)
        self._intercepts.update(component.intercepts())
        for key, hook in component.after().items():
            self._after.setdefault(key, []).append(hook)
        self._controls.update(component.controls())
        if type(component).tick is not Component.tick:
            self._ticking.append(component)
        return component

    def on_change(self, observer):
        """Call `observer()` after every request, control and tick of a component with time-driven behaviour: the
        points where state changes."""
        self._observers.append(observer)

    def changed(self):
        for observer in self._observers:
            self._guard(observer)

    def _guard(self, call, *args):
        try:
            call(*args)
        except Exception:  # a bug in one component must not stop the clock or fail a request
            error = traceback.format_exc()
            if not self.errors or self.errors[-1] != error:  # a bug repeating every tick is logged once
                print(error, flush=True)
            self.errors.append(error)
            del self.errors[:-50]

    def component(self, name):
        """The one way components reach each other: the registered component called `name`, or None when
        this plane runs without it (unit tests build planes with one component)."""
        return next((c for c in self.components if c.name == name), None)

    # -- background ticks -------------------------------------------------------------------------------
    def start(self):
        self._thread = threading.Thread(target=self._run, name="control-plane", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def tick(self):
        with self.lock:
            now = self.now()
            for component in self._ticking:  # a component without a tick of its own changes nothing here
                self._guard(component.tick, now)
                self.changed()

    def _run(self):
        while not self._stop.wait(self.profile["tick"]):
            self.tick()

    # -- WSGI ----------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(path[len(CONTROL_PREFIX):], body, start_response)
        with self.lock:
            if path == "/moto-api/reset":
                for component in self.components:
                    component.reset()
                return self.app(environ, start_response)
            try:
                return self._dispatch(environ, body, start_response)
            finally:
                self.changed()

    def _dispatch(self, environ, body, start_response):
        request = Request(environ, body)
        key = (request.service, request.action)
        handler = self._intercepts.get(key)
        if handler is not None:
            response = handler(request)
            if response is not None:
                return self._send(response, start_response)
        hooks = self._after.get(key)
        if not hooks:
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        chunks = b"".join(self.app(environ, capture))
        for hook in hooks:
            hook(request, captured["status"], chunks)
        return [chunks]

    @staticmethod
    def _send(response, start_response):
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
        headers += list(response.headers.items())
        start_response(f"{response.status} {'OK' if response.status < 400 else 'ERROR'}", headers)
        return [response.body]

    def _control(self, name, body, start_response):
        handler = self._controls.get(name.strip("/"))
        if handler is None:
            return self._send(Response.json({"error": f"unknown control {name}"}, 404), start_response)
        payload = json.loads(body or b"{}")
        with self.lock:
            try:
                result = handler(payload)
            except (KeyError, ValueError) as error:
                return self._send(Response.json({"error": str(error)}, 400), start_response)
            finally:
                self.changed()
        return self._send(Response.json(result or {}), start_response)

    def _clock_state(self, _payload=None):
        return {"now": self.now(), "epoch": self.epoch(), "frozen": self.clock.frozen}

    def _clock_freeze(self, _payload):
        self.clock.freeze()
        return self._clock_state()

    def _clock_unfreeze(self, _payload):
        self.clock.unfreeze()
        return self._clock_state()

    def _clock_advance(self, payload):
        """{seconds, step?}: move time forward in steps of at most `step` (default: the profile's tick),
        ticking every component after each step, so chained transitions happen as they would in real time."""
        seconds = float(payload["seconds"])
        step = float(self.profile["tick"] if payload.get("step") is None else payload["step"])
        if step <= 0:
            raise ValueError("step must be > 0")
        left = seconds
        while True:
            move = min(step, left)
            self.clock.advance(move)
            self.tick()
            left -= move
            if left <= 1e-9:
                break
        return self._clock_state()

    def _status(self, _payload):
        return {
            "profile": self.profile["name"],
            "scale": self.profile["scale"],
            "delays": self.profile["delays"],
            "now": self.now(),
            "frozen": self.clock.frozen,
            "components": [c.name for c in self.components],
            "controls": sorted(self._controls),
            "errors": self.errors[-5:],
        }

