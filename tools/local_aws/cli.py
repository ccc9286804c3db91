"""start | stop | status | reset for the local AWS endpoint.

State lives in one folder (default `.local-aws/`): `endpoint` (the URL), `pid`, `server.log`.
Only the process recorded in our own pidfile is ever signalled or reset.
"""
import argparse
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from local_aws.server import PING_PATH

DEFAULT_STATE_DIR = ".local-aws"
SERVER_MODULE = "local_aws.server"
PROBE_TIMEOUT = 2.0
START_TIMEOUT = 300.0
PROGRESS_EVERY = 10.0
POLL_STEP = 0.1


class LocalAws:
    def __init__(self, state_dir=DEFAULT_STATE_DIR, out=None):
        self.state_dir = os.path.abspath(state_dir)
        self.endpoint_file = os.path.join(self.state_dir, "endpoint")
        self.pid_file = os.path.join(self.state_dir, "pid")
        self.log_file = os.path.join(self.state_dir, "server.log")
        self.lock_file = os.path.join(self.state_dir, "lock")
        self.out = out or sys.stderr

    def say(self, message):
        print(f"local AWS: {message}", file=self.out, flush=True)

    # -- what we know about our own server ------------------------------------------------------
    def pid(self):
        """The pid in our pidfile when that process is alive and is a local AWS server, else None."""
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
        try:  # a recycled pid belongs to another program: never ours to wait for or signal
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if SERVER_MODULE.encode() not in handle.read():
                    return None
        except FileNotFoundError:
            if os.path.isdir("/proc/self"):
                return None
        except OSError:
            pass
        return pid

    def endpoint(self):
        try:
            with open(self.endpoint_file, encoding="utf-8") as handle:
                return handle.read().strip() or None
        except OSError:
            return None

    def answers(self, timeout=PROBE_TIMEOUT):
        """True when the server answers the readiness probe: one tiny request whose cost does not grow with the
        resources the server holds (never a dump of its state)."""
        url = self.endpoint()
        if not url:
            return False
        try:
            with urllib.request.urlopen(url + PING_PATH, timeout=timeout) as response:
                return response.status == 200
        except urllib.error.HTTPError:
            return True  # a server without the probe path still answered
        except (urllib.error.URLError, OSError):
            return False

    def ready(self):
        return bool(self.pid()) and self.answers()

    @contextlib.contextmanager
    def _locked(self):
        """One start or stop at a time per state folder (two `make site` at once must not start two servers)."""
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.lock_file, "w", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self, control_plane=True, profile=None, timeout=START_TIMEOUT, fresh=False):
        """The endpoint of our server. A running server is always kept (and waited for while it is busy): only
        stop() ends it, or `fresh`, which says so first."""
        with self._locked():
            pid = self.pid()
            if pid and fresh:
                self.say(f"stopping the running server at {self.endpoint()} (pid {pid}) to start afresh; "
                         "everything it held is gone")
                self._stop()
                pid = None
            if pid:
                return self._wait(pid, timeout, started=False)
            return self._spawn(control_plane, profile, timeout)

    def _spawn(self, control_plane, profile, timeout):
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
        cmd = [sys.executable, "-m", SERVER_MODULE, "--endpoint-file", self.endpoint_file]
        if not control_plane:
            cmd.append("--no-control-plane")
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True,
            )
        with open(self.pid_file, "w", encoding="utf-8") as handle:
            handle.write(str(proc.pid))
        try:
            return self._wait(proc.pid, timeout, started=True, proc=proc)
        except RuntimeError:
            if proc.poll() is None:  # never answered anyone, so it holds nothing: not worth keeping
                self._stop()
            raise

    def _wait(self, pid, timeout, started, proc=None):
        """Wait until our server answers; progress every PROGRESS_EVERY seconds, never silent."""
        begin = time.monotonic()
        deadline = begin + timeout
        next_note = begin
        while True:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode} while starting; see {self.log_file}:\n"
                                   f"{self._log_tail()}")
            if proc is None and not self.pid():
                raise RuntimeError(f"the server (pid {pid}) exited while we waited for it; see {self.log_file}")
            if self.answers():
                return self.endpoint()
            now = time.monotonic()
            if now >= deadline:
                if started:
                    raise RuntimeError(f"the new server did not answer within {timeout:.0f}s; see {self.log_file}")
                raise RuntimeError(
                    f"the server at {self.endpoint()} (pid {pid}) is running but did not answer within "
                    f"{timeout:.0f}s; it was left running with everything it holds. Run the command again to "
                    "keep waiting, or `make local-aws-stop` to end it.")
            if not started and now >= next_note:
                self.say(f"the server at {self.endpoint()} (pid {pid}) is busy; waiting for it to answer "
                         f"({now - begin:.0f}s of up to {timeout:.0f}s)")
                next_note = now + PROGRESS_EVERY
            time.sleep(POLL_STEP)

    def _log_tail(self, lines=20):
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=10):
        with self._locked():
            self._stop(timeout)

    @staticmethod
    def _ended(pid):
        """The process is gone or a zombie. An exiting process loses its cmdline before it becomes a zombie, so
        pid() stops naming it while it still runs: stop() waits for this instead."""
        try:
            os.waitpid(pid, os.WNOHANG)  # our own child: reap it
        except ChildProcessError:
            pass
        if os.path.isdir("/proc/self"):
            try:
                with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                    return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
            except OSError:
                return True
        try:
            os.kill(pid, 0)
        except OSError:
            return True
        return False

    def _stop(self, timeout=10):
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not self._ended(pid):
                time.sleep(0.05)
            if not self._ended(pid):
                os.kill(pid, signal.SIGKILL)
                while not self._ended(pid):
                    time.sleep(0.05)
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
    start = sub.add_parser("start", help="start in the background; a running server is kept and waited for")
    start.add_argument("--no-control-plane", action="store_true", help="plain moto, no ECS behaviour")
    start.add_argument("--profile", default=None, help="latency profile: fast (tests) or aws (benchmarks)")
    start.add_argument("--fresh", action="store_true", help="stop a running server first (its state is lost)")
    start.add_argument("--timeout", type=float, default=START_TIMEOUT, help="seconds to wait for an answer")
    sub.add_parser("stop", help="stop our server")
    sub.add_parser("status", help="print state as JSON; exit 1 when not running")
    sub.add_parser("reset", help="clear all state in our server")
    args = parser.parse_args(argv)
    local = LocalAws(args.state_dir)
    if args.command == "start":
        try:
            endpoint = local.start(control_plane=not args.no_control_plane, profile=args.profile,
                                   timeout=args.timeout, fresh=args.fresh)
        except RuntimeError as error:
            local.say(str(error))
            return 1
        print(endpoint)
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
