"""The deployer's IAM policy (docs/deployer-policy.json) and the AWS calls the playbooks really make.

A call log is what tools/aws_calls writes ("<botocore service> <Operation>" per line) while site, verify,
roll_instances and teardown run (tests/integration/test_awx.py records one on the local AWS). From it:

    python tools/deployer_policy.py --calls CALL_LOG            # lists actions the policy lacks; exit 1 if any
    python tools/deployer_policy.py --calls CALL_LOG --update   # adds them to docs/deployer-policy.json
    python tools/deployer_policy.py --stack shop-dev            # the policy for one stack, to attach

The policy file is a template: STACK stands for the stack name (cloudops_stack_name) in the IAM resources the
deployer may create, change and pass; every other action is on "*" (see docs/iam.md for why and for the
service-control-policy caveats).
"""
import argparse
import fnmatch
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICY = os.path.join(ROOT, "docs", "deployer-policy.json")
STACK = "STACK"

# botocore service name -> IAM service prefix, where they differ
IAM_PREFIX = {"elbv2": "elasticloadbalancing", "efs": "elasticfilesystem", "resourcegroupstaggingapi": "tag"}
READ_PREFIXES = ("Describe", "List", "Get")
# Authorised with the call that creates a resource with tags (tag-on-create), never called on their own.
IMPLIED = {
    "ec2:CreateTags": ("ec2:Create", "ec2:Allocate", "ec2:RunInstances"),
    "ecs:TagResource": ("ecs:Create", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
    "elasticloadbalancing:AddTags": ("elasticloadbalancing:Create",),
    "rds:AddTagsToResource": ("rds:Create",),
    "autoscaling:CreateOrUpdateTags": ("autoscaling:CreateAutoScalingGroup",),
}
# Made by the playbooks but not the deployer role's to allow.
NOT_THE_DEPLOYERS = {
    "sts:AssumeRole": "the AWX credential's identity assumes the deployer role: its own policy allows that",
    "sts:GetCallerIdentity": "needs no permission",
}
# Statement ids of docs/deployer-policy.json, by what they allow.
SID_READ = "ReadWhatThePlaybooksInspect"
SID_WRITE = "ManageTheStack"
SID_IAM = "ManageTheStacksIamRolesAndPolicies"


def action(line):
    """'elbv2 DescribeLoadBalancers' -> 'elasticloadbalancing:DescribeLoadBalancers'."""
    service, operation = line.split()
    return f"{IAM_PREFIX.get(service, service)}:{operation}"


def recorded_actions(lines):
    actions = {action(line) for line in lines if line.strip()} - set(NOT_THE_DEPLOYERS)
    for implied, triggers in IMPLIED.items():
        if any(a.startswith(triggers) for a in actions):
            actions.add(implied)
    return actions


def allowed_actions(policy):
    return [a for statement in policy["Statement"] if statement["Effect"] == "Allow"
            for a in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])]


def missing_actions(policy, actions):
    """Actions no Allow statement covers (IAM wildcards, case-insensitive as IAM compares actions)."""
    allowed = [a.lower() for a in allowed_actions(policy)]
    return sorted(a for a in actions if not any(fnmatch.fnmatchcase(a.lower(), pattern) for pattern in allowed))


def statement_for(policy, name):
    """The statement a missing action belongs in: IAM writes are scoped to the stack's names, reads and other
    writes are on '*'."""
    prefix, operation = name.split(":", 1)
    if prefix == "iam" and not operation.startswith(READ_PREFIXES):
        sid = SID_IAM
    elif operation.startswith(READ_PREFIXES):
        sid = SID_READ
    else:
        sid = SID_WRITE
    return next(s for s in policy["Statement"] if s.get("Sid") == sid)


def update(policy, actions):
    for name in missing_actions(policy, actions):
        statement = statement_for(policy, name)
        statement["Action"] = sorted(set(statement["Action"]) | {name}, key=str.lower)
    return policy


def for_stack(policy, stack):
    return json.loads(json.dumps(policy).replace(STACK, stack))


def load(path=POLICY):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", help="call log written with AWS_CALL_LOG (tools/aws_calls)")
    parser.add_argument("--update", action="store_true", help="add the missing actions to the policy file")
    parser.add_argument("--stack", help="print the policy for this stack name")
    parser.add_argument("--policy", default=POLICY)
    args = parser.parse_args(argv)
    policy = load(args.policy)
    if args.stack:
        json.dump(for_stack(policy, args.stack), sys.stdout, indent=2)
        print()
        return 0
    if not args.calls:
        parser.error("--calls or --stack is required")
    with open(args.calls, encoding="utf-8") as handle:
        actions = recorded_actions(handle)
    missing = missing_actions(policy, actions)
    if args.update and missing:
        with open(args.policy, "w", encoding="utf-8") as handle:
            json.dump(update(policy, actions), handle, indent=2)
            handle.write("\n")
        print(f"added {len(missing)} actions to {args.policy}: {', '.join(missing)}")
        return 0
    for name in missing:
        print(name)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
