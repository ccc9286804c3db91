"""Run `ansible-test sanity` on exactly what the collection build ships, offline.

ansible-test must run from a tree whose path ends in ansible_collections/<namespace>/<name>/ and that is
a git repository, so this script:

1. copies the files `ansible-galaxy collection build` would ship (galaxy.yml build_ignore respected) into
   .build/ansible_collections/cloudops/ecs, removing files that are no longer shipped, and links the
   dependency collections (amazon.aws, community.aws) from .collections next to it;
2. makes that copy a git repository (git init + add; no network, no commit);
3. runs ansible-test with HOME pointed at .build/home, so its state (sanity venvs, caches) stays out of
   the user's home and is reused on the next run;
4. places a stand-in for the pip bootstrap script ansible-test would otherwise download: it runs pip
   from a pip wheel cached under .cache/wheels (fetched once from PyPI with `pip download`).

Usage: python tools/sanity.py [--skip-test NAME ...] [--test NAME ...] [--jobs 1|2] [extra ansible-test arguments]
"""
import argparse
import fcntl
import filecmp
import fnmatch
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, ".build")
BUILD_HOME = os.path.join(BUILD, "home")
WHEELS = os.path.join(ROOT, ".cache", "wheels")
COLLECTIONS = os.path.join(ROOT, ".collections", "ansible_collections")
DEPENDENCIES = ("amazon/aws", "community/aws")

# Sanity tests that cannot run on this machine, with the reason printed on every run.
OFFLINE_SKIPS = {}

# The stand-in for get-pip.py: ansible-test runs it as `python get_pip_X_Y.py <pip options> <packages>
# [--no-setuptools] [--no-wheel]` inside a fresh venv, expecting it to install pip there.
GET_PIP_STAND_IN = '''\
"""Offline stand-in for get-pip.py {version}: installs pip from a local wheel (written by tools/sanity.py)."""
import sys

WHEEL = {wheel!r}


def main():
    args = sys.argv[1:]
    extra = []
    for flag, package in (("--no-setuptools", "setuptools"), ("--no-wheel", "wheel")):
        if flag in args:
            args.remove(flag)
        else:
            extra.append(package)
    sys.path.insert(0, WHEEL)
    from pip._internal.cli.main import main as pip_main

    return pip_main(["install", "--upgrade", "--force-reinstall", WHEEL] + extra + args)


if __name__ == "__main__":
    sys.exit(main())
'''


def log(message):
    print(f"sanity: {message}", flush=True)


def galaxy():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# What `ansible-galaxy collection build` always leaves out (ansible.galaxy.collection's file walk), on top
# of galaxy.yml's build_ignore; tests/unit/test_sanity_tool.py checks that both walks agree.
ALWAYS_IGNORED = ["MANIFEST.json", "FILES.json", "galaxy.yml", "galaxy.yaml", ".git", "*.pyc", "*.retry",
                  "tests/output", "{namespace}-{name}-*.tar.gz"]
IGNORED_DIR_NAMES = frozenset(["CVS", ".bzr", ".hg", ".git", ".svn", "__pycache__", ".tox"])


def shipped_files(meta, root=ROOT):
    """Relative paths of the files `ansible-galaxy collection build` puts in the artifact, plus galaxy.yml
    (it becomes MANIFEST.json in the artifact; ansible-test reads the collection's metadata from it)."""
    patterns = [p.format(**meta) for p in ALWAYS_IGNORED] + list(meta.get("build_ignore") or [])
    real_root = os.path.realpath(root)
    files = []

    def ignored(rel):
        return any(fnmatch.fnmatch(rel, pattern) for pattern in patterns)

    def walk(directory, rel_base):
        for item in sorted(os.listdir(directory)):
            path, rel = os.path.join(directory, item), os.path.join(rel_base, item) if rel_base else item
            if os.path.isdir(path):
                if item in IGNORED_DIR_NAMES or ignored(rel):
                    continue
                if os.path.islink(path):
                    # symlinked folders are shipped as links only when they point inside the collection
                    continue
                walk(path, rel)
            elif not ignored(rel):
                files.append(rel)

    walk(real_root, "")
    return sorted(files + ["galaxy.yml"])


def sync_tree(files, dest):
    """Make dest hold exactly `files` from ROOT; touch only what differs (keeps ansible-test caches warm)."""
    os.makedirs(dest, exist_ok=True)
    wanted = set(files)
    copied = removed = 0
    for directory, dirnames, filenames in os.walk(dest, topdown=True):
        rel_dir = os.path.relpath(directory, dest)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d != ".git"]
        if rel_dir in ("tests/output",) or rel_dir.startswith("tests/output/"):
            dirnames[:] = []
            continue
        for filename in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, filename))
            if rel not in wanted:
                os.remove(os.path.join(directory, filename))
                removed += 1
    for rel in files:
        source, target = os.path.join(ROOT, rel), os.path.join(dest, rel)
        if os.path.isfile(target) and filecmp.cmp(source, target, shallow=False):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    for directory, _dirnames, _filenames in os.walk(dest, topdown=False):
        inside_git = ".git" in os.path.relpath(directory, dest).split(os.sep)
        if directory != dest and not inside_git and not os.listdir(directory):
            os.rmdir(directory)
    return copied, removed


def link_dependencies(build_root):
    for name in DEPENDENCIES:
        source = os.path.realpath(os.path.join(COLLECTIONS, name))
        if not os.path.isdir(source):
            raise SystemExit(f"sanity: {name.replace('/', '.')} is not installed in .collections: run `make setup`")
        link = os.path.join(build_root, name)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.islink(link) and os.path.realpath(link) == source:
            continue
        if os.path.islink(link) or os.path.isfile(link):
            os.remove(link)
        elif os.path.isdir(link):
            shutil.rmtree(link)
        os.symlink(source, link)


def git_repo(dest):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=BUILD_HOME)
    if not os.path.isdir(os.path.join(dest, ".git")):
        subprocess.run(["git", "init", "--quiet", dest], check=True, env=env)
    # `add -A` stages new files and forgets removed ones; ansible-test lists files from the index.
    subprocess.run(["git", "-C", dest, "add", "--all", "."], check=True, env=env)


def pip_wheel(version):
    pattern = os.path.join(WHEELS, f"pip-{version}-py3-none-any.whl")
    found = glob.glob(pattern)
    if not found:
        log(f"fetching the pip {version} wheel into {os.path.relpath(WHEELS, ROOT)} (once)")
        os.makedirs(WHEELS, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", WHEELS, f"pip=={version}"],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"sanity: could not download pip {version}")
        found = glob.glob(pattern)
    return found[0]


def ansible_test_pip_version():
    """The pip version ansible-test bootstraps in its venvs (get_venv_packages in ansible_test)."""
    try:
        from ansible_test._internal.python_requirements import get_venv_packages

        class _Python:  # get_venv_packages only reads .version
            version = f"{sys.version_info.major}.{sys.version_info.minor}"

        return get_venv_packages(_Python())["pip"]
    except Exception:  # noqa: BLE001 - private API: fall back to the version ansible-core 2.19 uses
        return "24.2"


def install_get_pip_stand_in():
    version = ansible_test_pip_version()
    wheel = pip_wheel(version)
    cache = os.path.join(BUILD_HOME, ".ansible", "test", "cache")
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f"get_pip_{version.replace('.', '_')}.py")
    content = GET_PIP_STAND_IN.format(version=version, wheel=wheel)
    if not os.path.exists(path) or open(path, encoding="utf-8").read() != content:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)


def child_environment():
    env = dict(os.environ)
    real_home = os.path.expanduser("~")
    env["HOME"] = BUILD_HOME
    # Keep the user's pip configuration (index, certificates) although HOME moved.
    if "PIP_CONFIG_FILE" not in env:
        for candidate in (
            os.path.join(os.environ.get("XDG_CONFIG_HOME", os.path.join(real_home, ".config")), "pip", "pip.conf"),
            os.path.join(real_home, ".pip", "pip.conf"),
        ):
            if os.path.isfile(candidate):
                env["PIP_CONFIG_FILE"] = candidate
                break
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH",
                 "AWS_CALL_LOG", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["ANSIBLE_NOCOLOR"] = env.get("ANSIBLE_NOCOLOR", "1")
    return env


# The slowest sanity test; with --jobs 2 it runs in its own ansible-test process next to all the others.
SEPARATE_TEST = "pylint"


def ansible_test_command(python, tests, skips, passthrough):
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-test"), "sanity", "--local",
           "--python", python, "--color", "no"]
    for name in tests:
        cmd += ["--test", name]
    for name in skips:
        cmd += ["--skip-test", name]
    return cmd + passthrough


def run_commands(commands, dest):
    """Run the ansible-test commands at once; the first streams, the others print when done."""
    env = child_environment()
    first, others = commands[0], commands[1:]
    buffered = []
    for cmd in others:
        log(" ".join(cmd[1:]) + " (output follows when done)")
        handle = tempfile.TemporaryFile(mode="w+")
        buffered.append((subprocess.Popen(cmd, cwd=dest, env=env, stdout=handle, stderr=subprocess.STDOUT), handle))
    log(" ".join(first[1:]))
    codes = [subprocess.run(first, cwd=dest, env=env, check=False).returncode]
    for proc, handle in buffered:
        codes.append(proc.wait())
        handle.seek(0)
        sys.stdout.write(handle.read())
        sys.stdout.flush()
        handle.close()
    return next((code for code in codes if code), 0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-test", action="append", default=[], help="skip this sanity test (repeatable)")
    parser.add_argument("--test", action="append", default=[], help="run only this sanity test (repeatable)")
    parser.add_argument("--python", default=f"{sys.version_info.major}.{sys.version_info.minor}")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help=f"2: run {SEPARATE_TEST} in a second ansible-test process at the same time")
    args, passthrough = parser.parse_known_args(argv)

    started = time.monotonic()
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, "sanity.lock"), "w", encoding="utf-8") as lock:
        # One run at a time per checkout: runs share the build tree and ansible-test's venvs.
        fcntl.flock(lock, fcntl.LOCK_EX)
        meta = galaxy()
        build_root = os.path.join(BUILD, "ansible_collections")
        dest = os.path.join(build_root, meta["namespace"], meta["name"])
        files = shipped_files(meta)
        copied, removed = sync_tree(files, dest)
        log(f"{len(files)} shipped files in {os.path.relpath(dest, ROOT)} ({copied} updated, {removed} removed)")
        link_dependencies(build_root)
        git_repo(dest)
        install_get_pip_stand_in()

        skips = list(args.skip_test)
        for name, reason in OFFLINE_SKIPS.items():
            if not args.test or name in args.test:
                log(f"skipping {name}: {reason}")
                skips.append(name)
        split = args.jobs > 1 and not args.test and SEPARATE_TEST not in skips
        if split:
            commands = [ansible_test_command(args.python, [], skips + [SEPARATE_TEST], passthrough),
                        ansible_test_command(args.python, [SEPARATE_TEST], [], passthrough)]
        else:
            commands = [ansible_test_command(args.python, args.test, skips, passthrough)]
        code = run_commands(commands, dest)
    log(f"finished in {time.monotonic() - started:.0f}s with exit code {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
