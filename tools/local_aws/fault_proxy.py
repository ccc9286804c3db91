"""A fault-injecting proxy on 127.0.0.1 in front of the local AWS.

A seeded fraction of AWS requests is answered by the proxy itself, without being forwarded, with what AWS
answers when it sheds load: throttling in the request's protocol (EC2 `RequestLimitExceeded`, other query
services `Throttling`, JSON services `ThrottlingException`), `500 InternalFailure` or `503 ServiceUnavailable`.
Everything else is forwarded unchanged. Requests to the local AWS's own paths (`/moto-api/`, `/_local/`) are never
faulted. `GET /_proxy/stats` answers the counts as JSON.

    python -m local_aws.fault_proxy --upstream http://127.0.0.1:PORT --rate 0.05 --seed 7 --endpoint-file FILE
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import sys
import threading
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"
STATS_PATH = "/_proxy/stats"
UNFAULTED_PREFIXES = ("/moto-api/", "/_local/", "/_proxy/")
FAULT_KINDS = ("throttle", "500", "503")
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade"}


def request_service(headers):
    """The signing name of an AWS request (ec2, ecs, iam, ...), from its SigV4 credential scope."""
    match = _SCOPE.search(headers.get("Authorization", ""))
    return match.group(1) if match else ""


def request_action(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if b"Action=" in body:
        return urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    return ""


_PROTOCOLS = {}


def service_protocol(service):
    """The protocol (query, ec2, json, rest-json, rest-xml, ...) of the AWS service with this signing name, from
    botocore's service models: a REST JSON request (EFS, Lambda, ...) may carry neither a target nor a JSON body."""
    if not _PROTOCOLS:
        import botocore.session

        session = botocore.session.get_session()
        loader = session.get_component("data_loader")
        for name in session.get_available_services():
            metadata = loader.load_service_model(name, "service-2")["metadata"]
            for key in (metadata.get("signingName"), metadata.get("endpointPrefix")):
                if key:
                    _PROTOCOLS.setdefault(key, metadata.get("protocol", ""))
    return _PROTOCOLS.get(service, "")


def fault_response(kind, service, headers):
    """(status, headers, body) of a fault, shaped so botocore parses the error code of the request's protocol."""
    request_id = "fault-0000-0000"
    content_type = headers.get("Content-Type", "")
    json_protocol = (bool(headers.get("X-Amz-Target")) or "json" in content_type
                     or service_protocol(service) in ("json", "rest-json"))
    if kind == "throttle":
        if service == "ec2":
            code, status = "RequestLimitExceeded", 503
        elif json_protocol:
            code, status = "ThrottlingException", 400
        elif "cbor" in content_type:
            kind, code, status = "503", "ServiceUnavailable", 503
        else:
            code, status = "Throttling", 400
        message = "Rate exceeded"
    elif kind == "500":
        code, status, message = "InternalFailure", 500, "We encountered an internal error. Please try again."
    else:
        code, status, message = "ServiceUnavailable", 503, "Service is unavailable. Please try again shortly."
    if json_protocol:
        body = json.dumps({"__type": code, "message": message}).encode()
        out = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code),
               ("x-amzn-RequestId", request_id)]
    elif service == "ec2":
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>").encode()
        out = [("Content-Type", "text/xml")]
    else:
        body = (f'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>'
                f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>").encode()
        out = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return status, out, body


class FaultPlan:
    """Which request gets which fault: the n-th AWS request's fate depends only on the seed and n."""

    def __init__(self, rate, seed, kinds=FAULT_KINDS):
        self.rate = rate
        self.kinds = tuple(kinds)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.stats = Counter()
        self.faulted = Counter()  # (service, action, kind) -> count

    def decide(self, service, action):
        with self._lock:
            self.stats["requests"] += 1
            roll, pick = self._random.random(), self._random.randrange(len(self.kinds))
            if roll >= self.rate:
                self.stats["forwarded"] += 1
                return None
            kind = self.kinds[pick]
            self.stats["faults"] += 1
            self.stats["fault_" + kind] += 1
            self.faulted[(service, action, kind)] += 1
            return kind

    def snapshot(self):
        with self._lock:
            return {**self.stats, "by_action": {":".join(key): n for key, n in sorted(self.faulted.items())}}


def make_handler(upstream, plan):
    target = urllib.parse.urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def _send(self, status, headers, body):
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path == STATS_PATH:
                return self._send(200, [("Content-Type", "application/json")], json.dumps(plan.snapshot()).encode())
            if not self.path.startswith(UNFAULTED_PREFIXES):
                service = request_service(self.headers)
                kind = plan.decide(service, request_action(self.headers, body))
                if kind:
                    return self._send(*fault_response(kind, service, self.headers))
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=600)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                self._send(response.status, response.getheaders(), response.read())
            finally:
                connection.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return Handler


def serve(upstream, rate, seed, endpoint_file, kinds=FAULT_KINDS):
    plan = FaultPlan(rate, seed, kinds)
    httpd = ThreadingHTTPServer((LOOPBACK, 0), make_handler(upstream, plan))
    httpd.daemon_threads = True
    tmp = endpoint_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"http://{LOOPBACK}:{httpd.server_port}\n")
    os.replace(tmp, endpoint_file)

    def _stop(*_):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    httpd.serve_forever()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="local_aws.fault_proxy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="the local AWS endpoint URL")
    parser.add_argument("--rate", type=float, default=0.05, help="fraction of AWS requests faulted (0-1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(FAULT_KINDS), help="comma-separated: throttle,500,503")
    parser.add_argument("--endpoint-file", required=True, help="where the proxy's URL is written")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(FAULT_KINDS)
    if unknown or not 0 <= args.rate <= 1:
        parser.error(f"--kinds must be among {','.join(FAULT_KINDS)} and --rate in 0..1")
    serve(args.upstream, args.rate, args.seed, args.endpoint_file, kinds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
