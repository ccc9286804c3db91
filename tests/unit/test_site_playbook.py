"""site.yml leaves out a role's own argument validation only where its pre-flight, which runs before any role, validated
the same inputs against the same argument spec: an entry point the pre-flight names, or one whose every option is an
option of a named entry point of that role with the same type, elements, choices and requiredness."""
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(ROOT, "playbooks", "site.yml")
CHECKED_KEYS = ("type", "elements", "choices", "required")


def _options(role, entry):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["argument_specs"][entry].get("options") or {}


def _entry_point(point):
    """("ecs_cluster", "capacity_providers") for "ecs_cluster:capacity_providers", ("network", "main") for "network"."""
    return tuple(point.split(":", 1)) if ":" in point else (point, "main")


def _covers(covering, options):
    return all(option in covering and all(covering[option].get(k) == spec.get(k) for k in CHECKED_KEYS)
               for option, spec in options.items())


def _validated_by(checked, role, entry):
    """Whether the pre-flight's entry points `checked` validate every option of `role`'s entry point `entry`."""
    points = [_entry_point(point) for point in checked]
    return (role, entry) in points or any(name == role and _covers(_options(role, other), _options(role, entry))
                                          for name, other in points)


def test_roles_imported_without_their_argument_validation_were_validated_by_the_preflight_before():
    with open(SITE, encoding="utf-8") as handle:
        [play] = yaml.safe_load(handle)
    tasks = play["tasks"]
    [preflight_at] = [i for i, task in enumerate(tasks) if "cloudops.ecs.platform_preflight" in task]
    checked = tasks[preflight_at]["cloudops.ecs.platform_preflight"]["roles"]
    unvalidated = [(i, task["ansible.builtin.import_role"]) for i, task in enumerate(tasks)
                   if task.get("ansible.builtin.import_role", {}).get("rolespec_validate") is False]
    assert unvalidated, "site.yml imports every role with its own argument validation"
    for at, imported in unvalidated:
        role, entry = imported["name"].rsplit(".", 1)[1], imported.get("tasks_from", "main")
        assert at > preflight_at, "%s:%s is imported before the pre-flight" % (role, entry)
        assert _validated_by(checked, role, entry), "the pre-flight does not validate %s:%s" % (role, entry)


def test_an_entry_point_with_an_option_the_preflight_does_not_know_is_not_validated_by_it():
    assert _validated_by(["network"], "network", "wait")
    assert not _validated_by(["endpoints"], "network", "wait")
    assert not _validated_by(["network"], "ecs_cluster", "capacity_providers")
    assert _validated_by(["ecs_cluster:capacity_providers"], "ecs_cluster", "capacity_providers")
