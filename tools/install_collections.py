"""Install amazon.aws and community.aws into the project-local collections path, from PyPI.

Galaxy may be out of reach; the `ansible` package on PyPI carries both collections. Only those two
are extracted from its wheel, and this checkout is linked in as cloudops.ecs.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

WANTED = ("amazon/aws", "community/aws")


def installed_version(dest, name):
    try:
        with open(os.path.join(dest, "ansible_collections", name, "MANIFEST.json"), encoding="utf-8") as handle:
            return json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        return None


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--ansible-version", required=True, help="version of the `ansible` package to take them from")
    parser.add_argument("--dest", default=".collections")
    parser.add_argument("--cache", default=".cache/wheels")
    parser.add_argument("--project", default=".")
    args = parser.parse_args(argv)

    root = os.path.join(args.dest, "ansible_collections")
    link = os.path.join(root, "cloudops", "ecs")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if not os.path.islink(link):
        if os.path.exists(link):
            shutil.rmtree(link)
        os.symlink(os.path.relpath(os.path.abspath(args.project), os.path.dirname(link)), link)

    stamp = os.path.join(args.dest, ".ansible-version")
    if os.path.exists(stamp) and open(stamp, encoding="utf-8").read().strip() == args.ansible_version and all(
        installed_version(args.dest, name) for name in WANTED
    ):
        return 0

    os.makedirs(args.cache, exist_ok=True)
    pattern = os.path.join(args.cache, f"ansible-{args.ansible_version}-py3-none-any.whl")
    if not glob.glob(pattern):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", args.cache,
             f"ansible=={args.ansible_version}"],
            check=True,
        )
    wheel = glob.glob(pattern)[0]
    with zipfile.ZipFile(wheel) as archive:
        for name in WANTED:
            target = os.path.join(root, name)
            if os.path.exists(target):
                shutil.rmtree(target)
            prefix = f"ansible_collections/{name}/"
            members = [m for m in archive.namelist() if m.startswith(prefix)]
            archive.extractall(args.dest, members)
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(args.ansible_version + "\n")
    for name in WANTED:
        print(f"{name.replace('/', '.')} {installed_version(args.dest, name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
