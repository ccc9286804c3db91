"""Benchmark playbooks/site.yml on the local AWS: create, no-change, check-mode and verify runs.

Starts a private local AWS with the `aws` latency profile (AWS-like durations divided by LOCAL_AWS_SCALE,
default 10) and runs on inventories/local: one create run of site.yml, then --runs rounds of a no-change run,
a check-mode run (--check --diff) and playbooks/verify.yml. For each kind of run it prints the median wall time,
changed/failed counts, the AWS API calls (total and per service; counted inside every module process by
tools/aws_calls) and the ten slowest tasks of the no-change run (benchmarks/callback_plugins/task_timing).

With --vs REF (e.g. --vs main) the same measurement runs on REF too, checked out into a temporary git worktree
with a local AWS of its own, the runs of both interleaved so both see the same machine load; it then prints
the ratios and whether each goal is met. Figures, not a test: it works with whatever site.yml contains.

With --verify-services N [N ...], after those rounds each tree's cluster gets small extra services (one task each, no
load balancer, created directly through the ECS API) until it runs N services, and verify.yml is run once at each
size ("verify-N" columns): how verify grows with the number of services.

Usage: python benchmarks/site.py [--runs N] [--vs REF] [--scale N] [--top N] [--json FILE] [--keep]
                                 [--verify-services N ...] [-- ansible-playbook args]
"""
import argparse
import collections
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from local_aws.cli import LocalAws  # noqa: E402
from local_aws.control_plane.profiles import AWS_SECONDS  # noqa: E402

RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.M)
CALLBACKS = os.path.join(ROOT, "benchmarks", "callback_plugins")
CALL_COUNTER = os.path.join(ROOT, "tools", "aws_calls")

# Goals (figures printed, never asserted): no-change and check-mode runs at most this fraction of the
# reference's wall time and this many requests; a create run within this factor of the critical path;
# verify.yml within these seconds and requests.
GOALS = {"converged_ratio": 0.33, "converged_calls": 80, "create_factor": 1.15, "verify_seconds": 5.0,
         "verify_calls": 30}
KINDS = ("create", "no-change", "check", "verify")
EXTRA_FAMILY = "benchmark-extra"


def kinds_of(trees):
    """KINDS, then the other kinds the trees ran (verify-N), in the order they first ran."""
    extra = [k for tree in trees for k in tree.runs if k not in KINDS]
    return list(KINDS) + list(dict.fromkeys(extra))


def grow_services(tree, count, timeout=300):
    """Extra one-task services (no load balancer) in the tree's cluster until it has `count` services, all running."""
    ecs = boto3.client("ecs", endpoint_url=tree.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    [cluster] = ecs.list_clusters()["clusterArns"][:1]
    names = []
    for page in ecs.get_paginator("list_services").paginate(cluster=cluster):
        names.extend(arn.rsplit("/", 1)[1] for arn in page["serviceArns"])
    definition = ecs.register_task_definition(family=EXTRA_FAMILY, containerDefinitions=[{
        "name": "idle", "image": "public.ecr.aws/docker/library/busybox:stable", "memory": 16, "essential": True,
        "command": ["sleep", "infinity"]}])["taskDefinition"]["taskDefinitionArn"]
    for index in range(len(names), count):
        ecs.create_service(cluster=cluster, serviceName=f"{EXTRA_FAMILY}-{index}", taskDefinition=definition,
                           desiredCount=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arns = [arn for page in ecs.get_paginator("list_services").paginate(cluster=cluster)
                for arn in page["serviceArns"]]
        described = [s for i in range(0, len(arns), 10)
                     for s in ecs.describe_services(cluster=cluster, services=arns[i:i + 10])["services"]]
        waiting = [s["serviceName"] for s in described if s["runningCount"] < s["desiredCount"]]
        if not waiting:
            return
        time.sleep(1)  # polling the local AWS from outside the product, until a deadline
    raise RuntimeError(f"{tree.label}: services not running after {timeout}s: {', '.join(waiting[:5])}")


def critical_path(scale):
    """The longest chain of dependent AWS waits of a create run, in seconds at this scale: the Aurora cluster and
    its instances (created together, each waited for), or NAT/endpoints/ALB/instance boot, then the tasks."""
    seconds = AWS_SECONDS
    chains = {
        "Aurora (cluster and instances created together)": max(seconds["rds_cluster_create"],
                                                               seconds["rds_instance_create"]),
        "ALB or NAT or endpoints or instance boot, then tasks": (
            max(seconds["alb_provisioning"], seconds["nat_gateway_pending"], seconds["vpc_endpoint_pending"],
                seconds["ec2_instance_boot"]) + seconds["ecs_task_provisioning"] + seconds["ecs_task_pending"]),
    }
    name = max(chains, key=chains.get)
    return name, chains[name] / float(scale)


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


def read_timings(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return []


class Tree:
    """A checkout to measure (this one, or a temporary worktree of another ref) and its own local AWS."""

    def __init__(self, label, root, workdir):
        self.label = label
        self.root = root
        self.workdir = os.path.join(workdir, label.replace("/", "_"))
        os.makedirs(self.workdir, exist_ok=True)
        self.server = LocalAws(os.path.join(self.workdir, "local-aws"))
        self.endpoint = None
        self.runs = collections.defaultdict(list)

    def run(self, kind, playbook, extra_args):
        index = len(self.runs[kind]) + 1
        stem = os.path.join(self.workdir, f"{kind}-{index}")
        calls_file, timing_file = f"{stem}.calls", f"{stem}.timing.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            ANSIBLE_CONFIG=os.path.join(self.root, "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
            ANSIBLE_CALLBACKS_ENABLED="task_timing",
            TASK_TIMING_FILE=timing_file,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_CALL_LOG=calls_file,
            LOCAL_AWS_STATE_DIR=self.server.state_dir,
            PYTHONPATH=os.pathsep.join(p for p in (CALL_COUNTER, env.get("PYTHONPATH")) if p),
        )
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
               os.path.join(self.root, "inventories", "local"), os.path.join(self.root, "playbooks", playbook),
               "-e", json.dumps({"cloudops_aws_endpoint_url": self.endpoint}), *extra_args]
        print(f"benchmark: {self.label}: {kind} run {index}: ansible-playbook {playbook} {' '.join(extra_args)}",
              flush=True)
        started, used = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, cwd=self.root, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        now = resource.getrusage(resource.RUSAGE_CHILDREN)  # the playbook's whole process tree, once it has ended
        cpu = (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime)
        output = proc.stdout + proc.stderr
        with open(f"{stem}.log", "w", encoding="utf-8") as handle:
            handle.write(output)
        calls = read_calls(calls_file)
        counts = recap(proc.stdout)
        result = {
            "rc": proc.returncode,
            "wall_seconds": round(wall, 1),
            "cpu_seconds": round(cpu, 1),
            "changed": counts.get("changed", 0),
            "ok": counts.get("ok", 0),
            "failed": counts.get("failed", 0) + counts.get("unreachable", 0),
            "calls": len(calls),
            "calls_per_service": dict(collections.Counter(service for service, _ in calls).most_common()),
            "calls_per_action": dict(collections.Counter(f"{s} {a}" for s, a in calls).most_common()),
            "tasks": read_timings(timing_file),
            "log": f"{stem}.log",
        }
        self.runs[kind].append(result)
        state = "ok" if proc.returncode == 0 else f"FAILED (rc {proc.returncode}, log {stem}.log)"
        print(f"benchmark: {self.label}: {kind} run {index}: {wall:.1f}s, {len(calls)} API calls, "
              f"changed={result['changed']}: {state}", flush=True)
        if proc.returncode:
            print("\n".join(output.rstrip().splitlines()[-25:]), file=sys.stderr)
        return result

    def median(self, kind):
        """The run of this kind with the median wall time (its counts and tasks go with it)."""
        runs = sorted(self.runs.get(kind, []), key=lambda r: r["wall_seconds"])
        return runs[(len(runs) - 1) // 2] if runs else None


@contextlib.contextmanager
def ref_worktree(ref, workdir):
    """A temporary worktree of ref, using this checkout's installed collections; removed afterwards."""
    path = os.path.join(workdir, "ref-worktree")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "--quiet", path, ref], check=True)
    try:
        collections_dir = os.path.join(path, ".collections", "ansible_collections")
        os.makedirs(os.path.join(collections_dir, "cloudops"), exist_ok=True)
        ours = os.path.join(ROOT, ".collections", "ansible_collections")
        for name in os.listdir(ours):
            if name != "cloudops":
                os.symlink(os.path.join(ours, name), os.path.join(collections_dir, name))
        os.symlink(os.path.join("..", "..", ".."), os.path.join(collections_dir, "cloudops", "ecs"))
        yield path
    finally:
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", path], check=False)


def table(trees, top):
    columns = [(tree, kind) for kind in kinds_of(trees) for tree in trees if tree.median(kind)]
    names = [f"{kind}:{tree.label}" if len(trees) > 1 else kind for tree, kind in columns]
    width = max(12, *(len(n) for n in names))
    lines = []

    def row(label, values):
        lines.append(f"{label:<34}" + "".join(f"{v:>{width + 2}}" for v in values))

    medians = [tree.median(kind) for tree, kind in columns]
    row("", names)
    row("runs", [len(tree.runs[kind]) for tree, kind in columns])
    row("wall time (s), median", [f"{r['wall_seconds']:.1f}" for r in medians])
    row("wall time (s), all runs", ["/".join(f"{x['wall_seconds']:.0f}" for x in tree.runs[kind])
                                    for tree, kind in columns])
    # CPU moves less than wall time with the machine's load: the figure to compare two refs by on a busy machine.
    row("controller CPU (s), median run", [f"{r['cpu_seconds']:.1f}" for r in medians])
    row("exit code", [r["rc"] for r in medians])
    row("tasks ok", [r["ok"] for r in medians])
    row("changed", [r["changed"] for r in medians])
    row("failed", [r["failed"] for r in medians])
    row("AWS API calls", [r["calls"] for r in medians])
    services = sorted({s for r in medians for s in r["calls_per_service"]},
                      key=lambda s: -sum(r["calls_per_service"].get(s, 0) for r in medians))
    for service in services:
        row(f"  {service}", [r["calls_per_service"].get(service, 0) for r in medians])
    if top:
        actions = collections.Counter()
        for r in medians:
            actions.update(r["calls_per_action"])
        lines.append("")
        lines.append(f"most frequent calls (median runs, top {top}):")
        for action, _ in actions.most_common(top):
            row(f"  {action}", [r["calls_per_action"].get(action, 0) for r in medians])
    return "\n".join(lines)


def slowest_tasks(tree, kind, count=10):
    run = tree.median(kind)
    if not run or not run["tasks"]:
        return ""
    total = sum(t["seconds"] for t in run["tasks"])
    lines = [f"ten slowest tasks of the median {kind} run ({tree.label}: {len(run['tasks'])} tasks, "
             f"{total:.1f}s in tasks):"]
    for task in sorted(run["tasks"], key=lambda t: -t["seconds"])[:count]:
        lines.append(f"  {task['seconds']:6.1f}s  {task['task'][:110]}")
    return "\n".join(lines)


def goals(tree, ref, scale):
    """Lines saying whether each goal is met, and the ratios against the reference tree."""
    lines = [f"goals ({tree.label}):"]

    def say(met, text):
        lines.append(f"  [{'met' if met else 'NOT met' if met is not None else 'n/a'}] {text}")

    for kind in ("no-change", "check"):
        run = tree.median(kind)
        if not run:
            continue
        base = ref.median(kind) if ref else None
        if base:
            ratio = run["wall_seconds"] / base["wall_seconds"] if base["wall_seconds"] else 0.0
            say(ratio <= GOALS["converged_ratio"],
                f"{kind}: {run['wall_seconds']:.1f}s = {ratio:.2f} x {ref.label}'s {base['wall_seconds']:.1f}s "
                f"(goal <= {GOALS['converged_ratio']})")
        else:
            say(None, f"{kind}: {run['wall_seconds']:.1f}s (ratio needs --vs REF)")
        say(run["calls"] <= GOALS["converged_calls"],
            f"{kind}: {run['calls']} AWS requests (goal <= {GOALS['converged_calls']})"
            + (f", {ref.label}: {base['calls']}" if base else ""))
        say(run["changed"] == 0 and run["rc"] == 0, f"{kind}: changed={run['changed']}, exit code {run['rc']}")
    run = tree.median("create")
    if run:
        name, seconds = critical_path(scale)
        factor = run["wall_seconds"] / seconds
        base = ref.median("create") if ref else None
        say(factor <= GOALS["create_factor"],
            f"create: {run['wall_seconds']:.1f}s = {factor:.2f} x the critical path {seconds:.1f}s ({name}; "
            f"goal <= {GOALS['create_factor']})" + (f", {ref.label}: {base['wall_seconds']:.1f}s" if base else ""))
    for kind in [k for k in kinds_of([tree]) if k.startswith("verify-")]:
        run, base = tree.median(kind), ref.median(kind) if ref else None
        say(None, f"{kind.replace('-', ' with ')} services: {run['wall_seconds']:.1f}s, {run['calls']} AWS requests, "
                  f"exit code {run['rc']}" + (f"; {ref.label}: {base['wall_seconds']:.1f}s, {base['calls']}" if base else ""))
    run = tree.median("verify")
    if run:
        base = ref.median("verify") if ref else None
        say(run["wall_seconds"] <= GOALS["verify_seconds"] and run["calls"] <= GOALS["verify_calls"],
            f"verify: {run['wall_seconds']:.1f}s, {run['calls']} AWS requests (goal <= {GOALS['verify_seconds']:.0f}s, "
            f"<= {GOALS['verify_calls']})" + (f", {ref.label}: {base['wall_seconds']:.1f}s, {base['calls']}"
                                               if base else ""))
    return "\n".join(lines)


def load_note():
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        index = argv.index("--")
        argv, extra = argv[:index], argv[index + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("LOCAL_AWS_SCALE", "10"),
                        help="AWS durations are divided by this (LOCAL_AWS_SCALE, default 10)")
    parser.add_argument("--runs", type=int, default=3, help="rounds of no-change, check and verify runs (median)")
    parser.add_argument("--vs", metavar="REF", help="also measure this git ref (e.g. main) and print the ratios")
    parser.add_argument("--skip", action="append", default=[], choices=["check", "verify"],
                        help="leave out this kind of run (repeatable)")
    parser.add_argument("--top", type=int, default=10, help="also list the N most frequent calls (0: none)")
    parser.add_argument("--json", help="write the figures to this file as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, call lists, timings)")
    parser.add_argument("--verify-services", type=int, nargs="*", default=[], metavar="N",
                        help="then run verify.yml once with the cluster grown to N services (each N given)")
    args = parser.parse_args(argv)

    # Stopped with SIGTERM, still stop the servers and remove the temporary worktree.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = tempfile.mkdtemp(prefix="cloudops-benchmark-")
    os.environ["LOCAL_AWS_SCALE"] = str(args.scale)
    failed = interrupted = False
    with contextlib.ExitStack() as stack:
        trees = [Tree("this", ROOT, workdir)]
        if args.vs:
            trees.append(Tree(args.vs, stack.enter_context(ref_worktree(args.vs, workdir)), workdir))
        for tree in trees:
            started = time.monotonic()
            tree.endpoint = tree.server.start(profile="aws")
            stack.callback(tree.server.stop)
            print(f"benchmark: {tree.label}: local AWS (profile aws, scale {args.scale}) at {tree.endpoint}, "
                  f"started in {time.monotonic() - started:.1f}s", flush=True)
        print(f"benchmark: {load_note()}", flush=True)
        for tree in trees:
            failed |= bool(tree.run("create", "site.yml", extra)["rc"])
        plan = [("no-change", "site.yml", extra)]
        if "check" not in args.skip:
            plan.append(("check", "site.yml", [*extra, "--check", "--diff"]))
        if "verify" not in args.skip:
            plan.append(("verify", "verify.yml", []))
        try:
            for _ in range(0 if failed else args.runs):
                for kind, playbook, run_args in plan:
                    for tree in trees:
                        failed |= bool(tree.run(kind, playbook, run_args)["rc"])
            for count in ([] if failed else sorted(args.verify_services)):
                for tree in trees:
                    grow_services(tree, count)
                    tree.run(f"verify-{count}", "verify.yml", [])
        except (KeyboardInterrupt, SystemExit):
            # Interrupted (Ctrl-C, SIGTERM): the figures of the runs that finished are still worth printing.
            interrupted = True
        print(f"benchmark: {load_note()}", flush=True)
    print()
    print(f"site.yml on inventories/local, local AWS profile aws, scale {args.scale}, median of the runs of each kind"
          f" (up to {args.runs}; one create run){', INTERRUPTED' if interrupted else ''}; {load_note()}")
    print(table(trees, args.top))
    for tree in trees:
        print()
        print(slowest_tasks(tree, "no-change"))
    print()
    ref = trees[1] if len(trees) > 1 else None
    print(goals(trees[0], ref, args.scale))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"scale": args.scale, "goals": GOALS, "critical_path": critical_path(args.scale),
                       "trees": {t.label: t.runs for t in trees}}, handle, indent=2)
    if args.keep or failed or interrupted:
        print(f"\nlogs, call lists and timings: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed or interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
