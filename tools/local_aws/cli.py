"""start | stop | status | reset for the local AWS endpoint.

State lives in one folder (default `.local-aws/`): `endpoint` (the URL), `pid`, `server.log`.
Only the process recorded in our own pidfile is ever signalled or reset.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

DEFAULT_STATE_DIR = ".local-aws"


class LocalAws:
    def __init__(self, state_dir=DEFAULT_STATE_DIR):
        self.state_dir = os.path.abspath(state_dir)
        self.endpoint_file = os.path.join(self.state_dir, "endpoint")
        self.pid_file = os.path.join(self.state_dir, "pid")
        self.log_file = os.path.join(self.state_dir, "server.log")

    # -- what we know about our own server ------------------------------------------------------
    def pid(self):
        try:
            with open(self.pid_file, encoding="utf-8") as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return None
        try:
            os.waitpid(pid, os.WNOHANG)  # reap our own exited server, or it looks alive as a zombie
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid

    def endpoint(self):
        try:
            with open(self.endpoint_file, encoding="utf-8") as handle:
                return handle.read().strip() or None
        except OSError:
            return None

    def ready(self):
        url = self.endpoint()
        if not url or not self.pid():
            return False
        try:
            with urllib.request.urlopen(url + "/moto-api/data.json", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self, control_plane=True, profile=None, timeout=60):
        if self.ready():
            return self.endpoint()
        self.stop()
        os.makedirs(self.state_dir, exist_ok=True)
        for path in (self.endpoint_file, self.pid_file):
            if os.path.exists(path):
                os.remove(path)
        env = dict(os.environ)
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        env["PYTHONPATH"] = os.pathsep.join(
            [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep)
        if profile:
            env["LOCAL_AWS_PROFILE"] = profile
        cmd = [sys.executable, "-m", "local_aws.server", "--endpoint-file", self.endpoint_file]
        if not control_plane:
            cmd.append("--no-control-plane")
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True,
            )
        with open(self.pid_file, "w", encoding="utf-8") as handle:
            handle.write(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"local AWS exited with {proc.returncode}; see {self.log_file}:\n"
                                   f"{self._log_tail()}")
            if self.ready():
                return self.endpoint()
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"local AWS not ready after {timeout}s; see {self.log_file}")

    def _log_tail(self, lines=20):
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=10):
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.pid():
                time.sleep(0.05)
            if self.pid():
                os.kill(pid, signal.SIGKILL)
        for path in (self.endpoint_file, self.pid_file):
            if os.path.exists(path):
                os.remove(path)

    def reset(self):
        """Clear every resource in our own server (moto state and the control plane's)."""
        url = self.endpoint()
        if not url or not self.pid():
            raise RuntimeError("local AWS is not running")
        request = urllib.request.Request(url + "/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status == 200

    def status(self):
        return {"running": self.ready(), "pid": self.pid(), "endpoint": self.endpoint(), "state_dir": self.state_dir}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m local_aws", description=__doc__)
    parser.add_argument("--state-dir", default=os.environ.get("LOCAL_AWS_STATE_DIR", DEFAULT_STATE_DIR))
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start in the background (no-op when already running)")
    start.add_argument("--no-control-plane", action="store_true", help="plain moto, no ECS behaviour")
    start.add_argument("--profile", default=None, help="latency profile: fast (tests) or aws (benchmarks)")
    sub.add_parser("stop", help="stop our server")
    sub.add_parser("status", help="print state as JSON; exit 1 when not running")
    sub.add_parser("reset", help="clear all state in our server")
    args = parser.parse_args(argv)
    local = LocalAws(args.state_dir)
    if args.command == "start":
        print(local.start(control_plane=not args.no_control_plane, profile=args.profile))
    elif args.command == "stop":
        local.stop()
    elif args.command == "status":
        state = local.status()
        print(json.dumps(state))
        return 0 if state["running"] else 1
    elif args.command == "reset":
        local.reset()
    return 0


if __name__ == "__main__":
    sys.exit(main())
