"""Benchmark playbooks/site.yml on the local AWS: a create run, then a no-change run.

Starts a private local AWS with the `aws` latency profile (AWS-like durations divided by LOCAL_AWS_SCALE,
default 10), runs the playbook twice on inventories/local, and prints for each run the wall time, the
playbook's changed/failed counts and the AWS API calls the run made (total and per service), counted
inside every module process by tools/aws_calls. Stops its server at the end. Figures, not a test: it
works with whatever site.yml contains.

Usage: python benchmarks/site.py [--scale N] [--playbook PATH] [--top N] [--json FILE] [-- ansible-playbook args]
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from local_aws.cli import LocalAws  # noqa: E402

RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.M)


def recap(output):
    totals = collections.Counter()
    for match in RECAP.finditer(output):
        for pair in match.group("counts").split():
            key, value = pair.split("=")
            totals[key] += int(value)
    return totals


def read_calls(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return [tuple(line.split(" ", 1)) for line in handle.read().splitlines() if " " in line]
    except OSError:
        return []


def run_playbook(name, playbook, endpoint, workdir, extra_args):
    calls_file = os.path.join(workdir, f"{name}.calls")
    log_file = os.path.join(workdir, f"{name}.log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_CALL_LOG=calls_file,
        PYTHONPATH=os.pathsep.join(p for p in (os.path.join(ROOT, "tools", "aws_calls"), env.get("PYTHONPATH")) if p),
    )
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
           os.path.join(ROOT, "inventories", "local"), playbook,
           "-e", json.dumps({"cloudops_aws_endpoint_url": endpoint}), *extra_args]
    print(f"benchmark: {name} run: ansible-playbook {os.path.relpath(playbook, ROOT)} ...", flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    output = proc.stdout + proc.stderr
    with open(log_file, "w", encoding="utf-8") as handle:
        handle.write(output)
    calls = read_calls(calls_file)
    counts = recap(proc.stdout)
    result = {
        "name": name,
        "rc": proc.returncode,
        "wall_seconds": round(wall, 1),
        "changed": counts.get("changed", 0),
        "ok": counts.get("ok", 0),
        "failed": counts.get("failed", 0) + counts.get("unreachable", 0),
        "calls": len(calls),
        "calls_per_service": dict(collections.Counter(service for service, _ in calls).most_common()),
        "calls_per_action": dict(collections.Counter(f"{s} {a}" for s, a in calls).most_common()),
        "log": log_file,
    }
    state = "ok" if proc.returncode == 0 else f"FAILED (rc {proc.returncode}, log {log_file})"
    print(f"benchmark: {name} run: {wall:.1f}s, {len(calls)} API calls, changed={result['changed']}: {state}",
          flush=True)
    if proc.returncode:
        print("\n".join(output.rstrip().splitlines()[-25:]), file=sys.stderr)
    return result


def table(results, top):
    names = [r["name"] for r in results]
    width = max(12, *(len(n) for n in names))
    lines = []

    def row(label, values):
        lines.append(f"{label:<34}" + "".join(f"{v:>{width + 2}}" for v in values))

    row("", names)
    row("wall time (s)", [f"{r['wall_seconds']:.1f}" for r in results])
    row("exit code", [r["rc"] for r in results])
    row("tasks ok", [r["ok"] for r in results])
    row("changed", [r["changed"] for r in results])
    row("failed", [r["failed"] for r in results])
    row("AWS API calls", [r["calls"] for r in results])
    services = sorted({s for r in results for s in r["calls_per_service"]},
                      key=lambda s: -sum(r["calls_per_service"].get(s, 0) for r in results))
    for service in services:
        row(f"  {service}", [r["calls_per_service"].get(service, 0) for r in results])
    if top:
        actions = collections.Counter()
        for r in results:
            actions.update(r["calls_per_action"])
        lines.append("")
        lines.append(f"most frequent calls (all runs, top {top}):")
        for action, _ in actions.most_common(top):
            row(f"  {action}", [r["calls_per_action"].get(action, 0) for r in results])
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        index = argv.index("--")
        argv, extra = argv[:index], argv[index + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("LOCAL_AWS_SCALE", "10"),
                        help="AWS durations are divided by this (LOCAL_AWS_SCALE, default 10)")
    parser.add_argument("--playbook", default=os.path.join(ROOT, "playbooks", "site.yml"))
    parser.add_argument("--top", type=int, default=10, help="also list the N most frequent calls (0: none)")
    parser.add_argument("--json", help="write the figures to this file as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, call lists)")
    args = parser.parse_args(argv)
    playbook = os.path.abspath(args.playbook)

    workdir = tempfile.mkdtemp(prefix="cloudops-benchmark-")
    server = LocalAws(os.path.join(workdir, "local-aws"))
    os.environ["LOCAL_AWS_SCALE"] = str(args.scale)
    results = []
    try:
        started = time.monotonic()
        endpoint = server.start(profile="aws")
        print(f"benchmark: local AWS (profile aws, scale {args.scale}) at {endpoint}, "
              f"started in {time.monotonic() - started:.1f}s", flush=True)
        for name in ("create", "no-change"):
            results.append(run_playbook(name, playbook, endpoint, workdir, extra))
            if results[-1]["rc"]:
                break
    finally:
        server.stop()
    print()
    print(f"{os.path.relpath(playbook, ROOT)} on inventories/local, local AWS profile aws, scale {args.scale}")
    print(table(results, args.top))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"playbook": os.path.relpath(playbook, ROOT), "scale": args.scale, "runs": results}, handle,
                      indent=2)
    failed = any(r["rc"] for r in results)
    if args.keep or failed:
        print(f"\nlogs and call lists: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
