"""The server process: moto's WSGI application on 127.0.0.1, on a port the kernel picks.

Runs in the foreground; `local_aws.cli start` launches it in the background and waits for readiness.
"""
import argparse
import os
import signal
import sys
import threading

LOOPBACK = "127.0.0.1"
# Readiness probe: answered here, before moto and the control plane's lock, so it costs the same whatever the
# stack holds and answers while a long request is being served.
PING_PATH = "/_local/ping"


def with_ping(app):
    pid = str(os.getpid()).encode()

    def application(environ, start_response):
        if environ.get("PATH_INFO") == PING_PATH:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(pid)))])
            return [pid]
        return app(environ, start_response)

    return application


def build_app(control_plane=True, profile="fast"):
    """moto's dispatcher, wrapped by the local ECS control plane when it is enabled."""
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.server import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    if control_plane:
        from local_aws import control_plane as cp  # a component that cannot load stops the server here

        return cp.wrap(app, profile=profile)
    return app, None


def serve(port_file, control_plane=True, profile="fast"):
    from werkzeug.serving import make_server

    app, plane = build_app(control_plane=control_plane, profile=profile)
    httpd = make_server(LOOPBACK, 0, with_ping(app), threaded=True)
    port = httpd.server_port
    tmp = port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"http://{LOOPBACK}:{port}\n")
    os.replace(tmp, port_file)

    def _stop(*_):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if plane is not None:
        plane.start()
    try:
        httpd.serve_forever()
    finally:
        if plane is not None:
            plane.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="local_aws.server")
    parser.add_argument("--endpoint-file", required=True)
    parser.add_argument("--no-control-plane", action="store_true")
    parser.add_argument("--profile", default=os.environ.get("LOCAL_AWS_PROFILE", "fast"))
    args = parser.parse_args(argv)
    serve(args.endpoint_file, control_plane=not args.no_control_plane, profile=args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
