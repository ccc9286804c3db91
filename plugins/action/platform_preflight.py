# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of cloudops.ecs.platform_preflight: read the inputs of every role of the run (role defaults
applied, planned facts standing in for what earlier roles will publish), validate them against each role's
argument spec and its rules (module_utils/validation.py), and only when all pass run the module's read-only
AWS checks. Fails with one line per bad input: the variable, its value and the fix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import yaml

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.cloudops.ecs.plugins.module_utils import validation

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
OWN_ARGS = ("roles", "playbook", "aws_checks", "checks")
# Facts the roles publish, by role (a role's inputs default to the facts of the roles before it).
FACTS = ("cloudops_network", "cloudops_endpoints", "cloudops_database", "cloudops_load_balancer", "cloudops_cluster",
         "cloudops_instances")
IDENTITY = ("cloudops_stack_name", "cloudops_environment", "cloudops_aws_region", "cloudops_tags")
# Playbook inputs (given with -e) of the day-2 playbooks, mapped to the names their rules use.
PLAYBOOK_INPUTS = {
    "teardown": dict((k, k) for k in ("teardown_confirm", "teardown_allow_prod", "teardown_kms_pending_days",
                                      "teardown_wait_timeout", "teardown_skip_final_snapshot")),
    "verify": dict((k, k) for k in ("verify_checks", "verify_ami_max_age_days", "verify_wait_timeout")),
    "deploy": dict((k, k) for k in ("deploy_service", "deploy_action", "deploy_image", "deploy_task_definition",
                                    "deploy_wait_timeout", "services_list")),
}
_SPECS = {}
# libyaml's loader when PyYAML has it: the pure-Python one took 0.1 s of CPU for the roles' argument specs per run.
SPEC_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def argument_spec(role, entry):
    key = (role, entry)
    if key not in _SPECS:
        path = os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")
        with open(path) as handle:
            specs = yaml.load(handle, Loader=SPEC_LOADER)["argument_specs"]
        if entry not in specs:
            raise AnsibleError("role %s has no entry point %s in %s" % (role, entry, path))
        _SPECS[key] = specs[entry].get("options") or {}
    return _SPECS[key]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        started = time.monotonic()
        args = dict(self._task.args)
        roles = list(args.get("roles") or [])
        playbook = args.get("playbook")
        check_mode = bool(self._task.check_mode or self._play_context.check_mode)
        inputs, problems = self.inputs(roles, task_vars, check_mode)
        for name in IDENTITY:
            inputs.setdefault(name, self.template(task_vars, self._templar, name, problems))
        problems.extend(validation.identity_rules(inputs))
        for role in roles:
            problems.extend(validation.rules_for(role, self.role_view(role, inputs, check_mode)))
        problems.extend(validation.subnet_capacity_rules(roles, inputs))
        if playbook:
            view = dict(inputs)
            for given, name in PLAYBOOK_INPUTS[playbook].items():
                if given in task_vars:
                    view[name] = self.template(task_vars, self._templar, given, problems)
            problems.extend(validation.rules_for(playbook, view))
        problems = unique(problems)
        result.update(changed=False, problems=[p.as_dict() for p in problems], roles=roles,
                      rules_seconds=round(time.monotonic() - started, 3), api_calls=0)
        if problems:
            result.update(failed=True, msg=message(problems))
            return result
        if not bool(args.get("aws_checks", True)) or not roles:
            result["msg"] = "Pre-flight passed for %s (no AWS checks)" % (", ".join(roles) or playbook)
            return result
        module_args = dict((k, v) for k, v in args.items() if k not in OWN_ARGS)
        module_args["checks"] = validation.aws_checks(roles, dict(inputs, **{"__roles": roles}))
        module_args["roles"] = roles
        answer = self._execute_module(module_name="cloudops.ecs.platform_preflight", module_args=module_args,
                                      task_vars=task_vars)
        answer["rules_seconds"] = result["rules_seconds"]
        answer["seconds"] = round(time.monotonic() - started, 3)
        answer["roles"] = roles
        answer.setdefault("changed", False)
        if not answer.get("failed"):
            answer["msg"] = "Pre-flight passed for %s: %d AWS read calls in %.2f s" % (
                ", ".join(roles), answer.get("api_calls", 0), answer.get("seconds", 0))
        return answer

    # -- inputs ----------------------------------------------------------------------------------
    def inputs(self, roles, task_vars, check_mode):
        """Templated, spec-validated inputs of every role; facts of earlier roles planned when not published yet."""
        values, problems, planned = {}, [], {}
        derived = set()
        # Role defaults (and role vars) have the lowest precedence: the play's variables win. Read from the roles
        # themselves, so the pre-flight works before a role is imported or included.
        known = {}
        for role in roles:
            known.update(self.role_variables(role.split(":", 1)[0]))
        known.update(task_vars)
        for role in roles:
            name, entry = role.split(":", 1) if ":" in role else (role, "main")
            spec = argument_spec(name, entry)
            templar = self.templar_for(known, planned)
            given = {}
            for option in spec:
                if option in IDENTITY or option not in known:
                    continue
                raw = known[option]
                if isinstance(raw, str) and "cloudops_stack_name" in raw:
                    derived.add(option)
                given[option] = self.template(known, templar, option, problems)
                if check_mode and given[option] in (None, "") and isinstance(raw, str) and "cloudops_" in raw:
                    given[option] = validation.planned_id("id", option)
                elif check_mode and isinstance(given[option], list) and None in given[option] and "cloudops_" in str(raw):
                    # check mode on a new account: an earlier role published the ids it would create as None
                    given[option] = [validation.planned_id("id", "%s-%d" % (option, i)) if item is None else item
                                     for i, item in enumerate(given[option])]
            for option in IDENTITY:
                if option in spec and option not in values:
                    values[option] = self.template(known, templar, option, problems)
            checked = ArgumentSpecValidator(dict((k, v) for k, v in spec.items() if k not in IDENTITY)).validate(
                given, validate_role_argument_spec=True)
            for error in checked.error_messages:
                problems.append(spec_problem(error, given))
            typed = checked.validated_parameters
            for option, value in given.items():
                # Scalars as the spec converts them (e.g. "7" -> 7); lists and mappings as given, so that rules can
                # tell a key that is absent from one the spec fills with None.
                values[option] = value if isinstance(value, (list, dict)) else typed.get(option, value)
            for option in spec:  # spec defaults of options the role does not define in defaults/main.yml
                if option not in values and option in typed and option not in IDENTITY:
                    values[option] = typed[option]
            fact, value = validation.planned_facts(role, values)
            if fact and fact not in task_vars:
                planned[fact] = value
        if "services" in roles and "__services_settings" in known:  # the services role's rules take its settings
            values["__services_settings"] = self.template(known, self.templar_for(known, planned), "__services_settings",
                                                          problems)
            settings = values["__services_settings"]
            if check_mode and isinstance(settings, dict):  # a new account: earlier roles published planned ids empty
                for key in ("vpc_id", "listener_arn"):
                    if settings.get(key) in (None, ""):
                        settings[key] = validation.planned_id("id", "services_" + key)
                if isinstance(settings.get("subnet_ids"), list):
                    settings["subnet_ids"] = [validation.planned_id("id", "services_subnet-%d" % i) if item is None
                                              else item for i, item in enumerate(settings["subnet_ids"])]
        values["__derived"] = derived
        values["__check_mode"] = check_mode
        return values, problems

    def role_variables(self, role):
        variables = {}
        for folder in ("defaults", "vars"):
            path = os.path.join(ROLES_DIR, role, folder, "main.yml")
            if os.path.exists(path):
                variables.update(self._loader.load_from_file(path, trusted_as_template=True) or {})
        return variables

    def templar_for(self, known, planned):
        variables = dict(known)
        variables.update(planned)
        return self._templar.copy_with_new_env(available_variables=variables)

    def template(self, known, templar, name, problems):
        if name not in known:
            return None
        try:
            return templar.template(known[name])
        except AnsibleError as exc:
            problems.append(validation.Problem(name, str(known[name]), "cannot be evaluated (%s); fix the expression"
                                               % str(exc).splitlines()[0]))
            return None

    @staticmethod
    def role_view(role, inputs, check_mode):
        view = dict(inputs)
        view["__check_mode"] = check_mode
        return view


def spec_problem(error, given):
    """An argument spec error as a Problem: the first role variable the message names."""
    names = sorted((n for n in given if n in error), key=len, reverse=True)
    variable = names[0] if names else "input"
    return SpecProblem(variable, given.get(variable), error)


def unique(problems):
    """Each problem once; an argument-spec message only where no rule explains the same variable; with an invalid
    stack name, not every name derived from it as well."""
    explained = set(p.variable for p in problems if not isinstance(p, SpecProblem))
    bad_stack = any(p.variable == "cloudops_stack_name" and p.fix.startswith("use lowercase") for p in problems)
    seen, out = set(), []
    for problem in problems:
        key = str(problem)
        if key in seen or (isinstance(problem, SpecProblem) and problem.variable in explained):
            continue
        if bad_stack and "cloudops_stack_name" in problem.fix:
            continue
        seen.add(key)
        out.append(problem)
    return out


class SpecProblem(validation.Problem):
    """A problem found by the role's argument spec."""

    __slots__ = ()


def message(problems):
    return "Pre-flight found %d problem(s); nothing was changed. Fix:\n%s" % (
        len(problems), "\n".join("- %s" % p for p in problems))
