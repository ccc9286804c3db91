"""The collection as users install and run it, never through the checkout's `.collections` link:

- the tarball `ansible-galaxy collection build` makes, installed with `ansible-galaxy collection install` into a
  clean path, runs `cloudops.ecs.site`, `verify`, `roll_instances` and `teardown` by their FQCN;
- the AWX project: a clone of this repository whose collections/requirements.yml a project sync installs
  (cloudops.ecs from its git source), and each job template's playbook run by ansible-runner, AWX's job engine,
  in a private data dir laid out as AWX lays it out (project, inventory, env/extravars with the survey answers,
  env/envvars with what the credential injects, artifacts), asserting the artifacts (set_stats, job events) a
  workflow reads; the deploy job template's survey against what deploy.yml reads, and a deploy job (Check, then
  Run) rolling a new image out to the api service.

The jobs run once, in the order a user runs them, in the `journey` fixture; each test asserts on its record."""
import fnmatch
import json
import math
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import ansible_runner
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DEPENDENCIES = ("amazon/aws", "community/aws")
ACCOUNT = "123456789012"
DEPLOYER_ROLE = "cloudops-ecs-deployer"
STACK = "demo"
ON_DEMAND = "demo-ondemand"
DEPLOYED = "api"
DEPLOY_IMAGE = "public.ecr.aws/docker/library/python:3.13-slim"
CALL_COUNTER = os.path.join(ROOT, "tools", "aws_calls")
JOB_TIMEOUT = 900
# The first test sets up the whole journey (one site build, ten playbook runs): more than one test's default budget.
pytestmark = [pytest.mark.timeout(2700), pytest.mark.long]
sys.path.insert(0, os.path.join(ROOT, "tools"))

import deployer_policy  # noqa: E402

from local_aws.controls import Controls  # noqa: E402


def _env(**extra):
    """The caller's environment without this checkout's ansible.cfg and collection path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AWS_"))}
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1", **extra)
    return env


def _run(cmd, cwd, env=None):
    proc = subprocess.run(cmd, cwd=cwd, env=env or _env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, (cmd, proc.stdout[-4000:], proc.stderr[-4000:])
    return proc


def _inventory(dest, **aws_vars):
    """inventories/local as the user's own inventory; credentials come from the environment, as from an AWX
    credential, not from the inventory."""
    shutil.copytree(os.path.join(ROOT, "inventories", "local"), dest)
    aws_yml = os.path.join(dest, "group_vars", "all", "aws.yml")
    with open(aws_yml, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for key in ("cloudops_aws_access_key", "cloudops_aws_secret_key", "cloudops_aws_endpoint_url"):
        data.pop(key, None)
    data.update(aws_vars)
    with open(aws_yml, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)
    return dest


@dataclass
class Job:
    """One ansible-runner job: status, rc, the set_stats artifacts and the job events."""
    status: str
    rc: int
    events: list
    stdout: str

    @property
    def artifacts(self):
        stats = [e for e in self.events if e["event"] == "playbook_on_stats"]
        return stats[-1]["event_data"].get("artifact_data", {}) if stats else {}

    def results(self, task, event="runner_on_ok"):
        return [e["event_data"]["res"] for e in self.events
                if e["event"] == event and e["event_data"].get("task") == task]


class AwxProject:
    """A synced AWX project and the jobs launched from it."""

    def __init__(self, base, endpoint, call_log, inventory_vars):
        self.base = base
        self.inventory_vars = inventory_vars
        self.endpoint = endpoint
        self.call_log = call_log
        self.project = os.path.join(base, "project")
        self.collections = os.path.join(base, "requirements_collections")
        self.jobs = 0

    def sync(self):
        """What a project sync does: check out the repository, install collections/requirements.yml. Galaxy is out
        of reach here, so cloudops.ecs comes from this repository as a git source with a local path and its two
        dependencies from directories; everything else in the file is used as it is."""
        _run(["git", "clone", "--quiet", ROOT, self.project], cwd=self.base)
        with open(os.path.join(self.project, "collections", "requirements.yml"), encoding="utf-8") as handle:
            self.requirements = yaml.safe_load(handle)
        local = {"collections": []}
        for entry in self.requirements["collections"]:
            if entry.get("type") == "git":
                local["collections"].append({"name": "file://" + ROOT, "type": "git", "version": "HEAD"})
            else:
                path = os.path.join(ROOT, ".collections", "ansible_collections", *entry["name"].split("."))
                local["collections"].append({"name": path, "type": "dir"})
        offline = os.path.join(self.base, "requirements-offline.yml")
        with open(offline, "w", encoding="utf-8") as handle:
            yaml.safe_dump(local, handle)
        _run(["ansible-galaxy", "collection", "install", "--offline", "-r", offline, "-p", self.collections],
             cwd=self.project)

    def launch(self, playbook, survey, job_type="run"):
        """A job: its own private data dir with the project, the inventory, env/extravars (survey answers and the
        credential's extra vars), env/envvars (the credential's environment) and artifacts."""
        self.jobs += 1
        data_dir = os.path.join(self.base, f"job{self.jobs}")
        os.makedirs(os.path.join(data_dir, "env"))
        shutil.copytree(self.project, os.path.join(data_dir, "project"), symlinks=True)
        _inventory(os.path.join(data_dir, "inventory"), **self.inventory_vars)
        extravars = {**survey, "cloudops_aws_endpoint_url": self.endpoint,
                     "cloudops_aws_assume_role_external_id": "awx-test-external-id"}
        envvars = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "ANSIBLE_COLLECTIONS_PATH": self.collections,
                   # not AWX's: records every AWS call the job makes, for the deployer policy
                   "AWS_CALL_LOG": self.call_log, "PYTHONPATH": CALL_COUNTER}
        for name, content in (("extravars", extravars), ("envvars", envvars)):
            with open(os.path.join(data_dir, "env", name), "w", encoding="utf-8") as handle:
                yaml.safe_dump(content, handle)
        cmdline = "--check" if job_type == "check" else None
        with pytest.MonkeyPatch.context() as patch:
            for key in [k for k in os.environ if k.startswith(("ANSIBLE_", "AWS_"))]:
                patch.delenv(key)
            patch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
            run = ansible_runner.run(private_data_dir=data_dir, playbook=playbook, ident="job",
                                     inventory=os.path.join(data_dir, "inventory"), cmdline=cmdline, quiet=True,
                                     timeout=JOB_TIMEOUT)
        return Job(run.status, run.rc, list(run.events), run.stdout.read())


@pytest.fixture(scope="module")
def journey(tmp_path_factory, endpoint, aws):
    base = str(tmp_path_factory.mktemp("awx"))
    record = {}

    # -- the built tarball, installed into a clean path
    _run(["ansible-galaxy", "collection", "build", "--output-path", base, ROOT], cwd=base)
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    tarball = os.path.join(base, f"cloudops-ecs-{version}.tar.gz")
    installed = os.path.join(base, "installed")
    dependencies = [os.path.join(ROOT, ".collections", "ansible_collections", name) for name in DEPENDENCIES]
    _run(["ansible-galaxy", "collection", "install", "--offline", "-p", installed, tarball, *dependencies], cwd=base)
    record.update(version=version, installed=installed)
    user = os.path.join(base, "user")
    os.makedirs(user)
    inventory = _inventory(os.path.join(user, "inventory"))

    call_log = os.path.join(base, "aws-calls.log")
    record["call_log"] = call_log

    def fqcn(playbook, *args):
        env = _env(ANSIBLE_COLLECTIONS_PATH=installed, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_CALL_LOG=call_log, PYTHONPATH=CALL_COUNTER)
        cmd = ["ansible-playbook", "-i", inventory, playbook, "-e", "cloudops_aws_endpoint_url=" + endpoint, *args]
        return subprocess.run(cmd, cwd=user, env=env, capture_output=True, text=True, check=False, timeout=JOB_TIMEOUT)

    record["fqcn_site_check_empty"] = fqcn("cloudops.ecs.site", "--check")

    # -- the AWX project: sync, then the jobs a user launches from its templates
    aws("iam").create_role(RoleName=DEPLOYER_ROLE, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}))
    assume = {"cloudops_aws_assume_role_arn": f"arn:aws:iam::{ACCOUNT}:role/{DEPLOYER_ROLE}",
              "cloudops_aws_assume_role_session_name": "awx-local"}
    project = AwxProject(base, endpoint, call_log, assume)
    project.sync()
    record["project"] = project
    record["site"] = project.launch("playbooks/site.yml", {"cloudops_expected_environment": "local"})
    record["verify"] = project.launch("playbooks/verify.yml", {
        "cloudops_expected_environment": "local", "verify_wait": "false", "verify_wait_timeout": 600,
        "verify_fail_on_warnings": "false"})
    # the deploy template's survey: a new image for the api service (rolling), first as a Check job
    deploy = {"cloudops_expected_environment": "local", "deploy_service": DEPLOYED, "deploy_action": "deploy",
              "deploy_image": DEPLOY_IMAGE}
    record["deploy_check"] = project.launch("playbooks/deploy.yml", deploy, job_type="check")
    record["deploy_check_images"] = _service_images(aws, DEPLOYED)
    record["deploy"] = project.launch("playbooks/deploy.yml", deploy)
    record["deployed"] = aws("ecs").describe_services(cluster=STACK, services=[DEPLOYED])["services"][0]
    record["deployed_images"] = _service_images(aws, DEPLOYED)
    record["built"] = _built(aws)

    # -- the installed tarball's day-2 playbooks by FQCN on the stack the AWX job built
    record["fqcn_verify"] = fqcn("cloudops.ecs.verify")
    record["fqcn_roll_check"] = fqcn("cloudops.ecs.roll_instances", "--check", "-e", "roll_all=true")
    record["fqcn_teardown_dry_run"] = fqcn("cloudops.ecs.teardown")

    record["roll_check"] = project.launch("playbooks/roll_instances.yml", {
        "cloudops_expected_environment": "local", "roll_batch_size": 2, "roll_all": "true"}, job_type="check")
    # the on-demand group only: the spot group's last instance stays DRAINING on the local AWS (reported); the group
    # is an extra variable, which a job template accepts with "prompt on launch" for variables
    # the local AWS records the minimum healthy targets and running tasks on every state change of the roll
    controls = Controls(endpoint)
    controls.mark()
    record["roll"] = project.launch("playbooks/roll_instances.yml", {
        "cloudops_expected_environment": "local", "roll_batch_size": 1, "roll_all": "true",
        "roll_group_names": [ON_DEMAND]})
    record["roll_invariants"] = controls.report()
    record["roll_services"] = _replica_services(aws)
    record["rolled"] = _built(aws)["groups"][ON_DEMAND]
    teardown = {"teardown_allow_prod": "false", "teardown_skip_final_snapshot": "true"}
    record["teardown_wrong_environment"] = project.launch("playbooks/teardown.yml", {
        **teardown, "cloudops_expected_environment": "prod", "teardown_confirm": "true"})
    record["teardown_dry_run"] = project.launch("playbooks/teardown.yml", {
        **teardown, "cloudops_expected_environment": "local", "teardown_confirm": "false"})
    record["teardown"] = project.launch("playbooks/teardown.yml", {
        **teardown, "cloudops_expected_environment": "local", "teardown_confirm": "true"})
    return record


def _service_images(aws, name):
    """{container: image} of the task definition the service runs."""
    ecs = aws("ecs")
    service = ecs.describe_services(cluster=STACK, services=[name])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    return {c["name"]: c["image"] for c in definition["containerDefinitions"]}


def _replica_services(aws):
    ecs = aws("ecs")
    arns = ecs.list_services(cluster=STACK)["serviceArns"]
    services = ecs.describe_services(cluster=STACK, services=arns)["services"] if arns else []
    return [s for s in services if s["schedulingStrategy"] == "REPLICA"]


def _built(aws):
    """What the tests compare job artifacts with, read from AWS while the stack stands."""
    groups = aws("autoscaling").describe_auto_scaling_groups(
        Filters=[{"Name": "tag:cloudops:stack", "Values": [STACK]}])["AutoScalingGroups"]
    iam = aws("iam")

    def tagged(tags):
        return {t["Key"]: t["Value"] for t in tags or []}.get("cloudops:stack") == STACK

    return {
        "load_balancer": aws("elbv2").describe_load_balancers(Names=[f"{STACK}-alb"])["LoadBalancers"][0],
        "database": aws("rds").describe_db_clusters(DBClusterIdentifier=f"{STACK}-aurora")["DBClusters"][0],
        "instances": sorted(i["InstanceId"] for g in groups for i in g["Instances"] if i["LifecycleState"] == "InService"),
        "groups": {g["AutoScalingGroupName"]: sorted(i["InstanceId"] for i in g["Instances"]
                                                     if i["LifecycleState"] == "InService") for g in groups},
        "iam": [r["Arn"] for r in iam.list_roles()["Roles"] if tagged(iam.list_role_tags(RoleName=r["RoleName"])["Tags"])]
        + [p["Arn"] for p in iam.list_instance_profiles()["InstanceProfiles"] if tagged(p.get("Tags"))]
        + [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
           if tagged(iam.list_policy_tags(PolicyArn=p["Arn"])["Tags"])],
    }


def _tagged_clusters(aws):
    ecs = aws("ecs")
    arns = ecs.list_clusters()["clusterArns"]
    return [c["clusterName"] for c in (ecs.describe_clusters(clusters=arns, include=["TAGS"])["clusters"] if arns else [])
            if c["status"] == "ACTIVE"]


# -- the installed tarball -------------------------------------------------------------------------------------------

def test_tarball_installs_into_a_clean_path_with_its_dependencies(journey):
    root = os.path.join(journey["installed"], "ansible_collections")
    manifest = os.path.join(root, "cloudops", "ecs", "MANIFEST.json")
    assert not os.path.islink(os.path.join(root, "cloudops", "ecs"))
    with open(manifest, encoding="utf-8") as handle:
        assert json.load(handle)["collection_info"]["version"] == journey["version"]
    for name in ("site", "verify", "roll_instances", "teardown"):
        assert os.path.isfile(os.path.join(root, "cloudops", "ecs", "playbooks", f"{name}.yml"))
    for name in DEPENDENCIES:
        assert os.path.isfile(os.path.join(root, name, "MANIFEST.json"))


def test_installed_site_check_mode_runs_on_an_empty_account(journey):
    run = journey["fqcn_site_check_empty"]
    assert run.returncode == 0, run.stdout[-4000:]


def test_installed_day2_playbooks_run_by_fqcn(journey):
    for key in ("fqcn_verify", "fqcn_roll_check", "fqcn_teardown_dry_run"):
        run = journey[key]
        assert run.returncode == 0, (key, run.stdout[-4000:])
    assert "is healthy" in journey["fqcn_verify"].stdout
    assert "CHECK MODE, nothing changes: would roll" in journey["fqcn_roll_check"].stdout
    assert "DRY RUN" in journey["fqcn_teardown_dry_run"].stdout


# -- the AWX project -------------------------------------------------------------------------------------------------

def test_project_requirements_name_the_collection_from_git_and_its_dependencies(journey):
    project = journey["project"]
    entries = project.requirements["collections"]
    git = [e for e in entries if e.get("type") == "git"]
    assert len(git) == 1 and git[0]["name"].endswith(".git")
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    assert git[0]["name"] == galaxy["repository"] + ".git"
    assert {e["name"]: e["version"] for e in entries if e.get("type") != "git"} == galaxy["dependencies"]
    root = os.path.join(project.collections, "ansible_collections")
    assert sorted(os.listdir(root)) == ["amazon", "cloudops", "community"]
    assert not os.path.islink(os.path.join(root, "cloudops", "ecs"))


def test_site_job_publishes_the_stack_outputs(journey):
    job = journey["site"]
    assert (job.status, job.rc) == ("successful", 0), job.stdout[-6000:]
    outputs = job.artifacts["cloudops_site"]
    balancer, database = journey["built"]["load_balancer"], journey["built"]["database"]
    assert outputs == {
        "environment": "local", "stack_name": STACK, "cluster_name": STACK,
        "alb_dns_name": balancer["DNSName"],
        "database_writer_endpoint": database["Endpoint"], "database_reader_endpoint": database["ReaderEndpoint"],
        "database_port": database["Port"], "private_zone_name": f"{STACK}.internal", "domain_names": [],
        "check_mode": False}


def test_jobs_run_as_the_environments_deployer_role(journey):
    identities = [r["caller"] for r in journey["site"].results(
        "Pre-flight of every role's inputs and what they name in AWS (read-only; nothing changes unless all pass)")]
    assert identities, "no caller identity in the job events"
    assert all(":assumed-role/" + DEPLOYER_ROLE + "/awx-local" in i["arn"] for i in identities), identities


def test_verify_job_publishes_the_gate(journey):
    job = journey["verify"]
    assert (job.status, job.rc) == ("successful", 0), job.stdout[-6000:]
    assert job.artifacts["cloudops_verify"] == {"environment": "local", "stack_name": STACK, "healthy": True,
                                                "failed_checks": []}


def test_roll_job_in_check_mode_plans_batches_of_the_survey_size(journey):
    job = journey["roll_check"]
    assert (job.status, job.rc) == ("successful", 0), job.stdout[-6000:]
    plan = job.results("Plan the roll from what AWS says now")[0]
    instances = journey["built"]["instances"]
    assert sorted(plan["instance_ids"]) == instances and instances
    assert all(1 <= len(batch["instance_ids"]) <= 2 for batch in plan["batches"]), plan["batches"]
    assert any(len(batch["instance_ids"]) == 2 for batch in plan["batches"]), plan["batches"]


def test_teardown_job_for_another_environment_is_refused_before_any_call(journey):
    job = journey["teardown_wrong_environment"]
    assert job.status == "failed"
    (refusal,) = job.results("Check that the job was launched for this inventory's environment", "runner_on_failed")
    assert "cloudops_expected_environment is 'prod' but this inventory is environment 'local'" in refusal["msg"]
    assert not job.results("Find, and with teardown_confirm delete, everything tagged cloudops:stack=" + STACK)


def test_teardown_jobs_list_then_delete_the_stack(journey, aws):
    dry_run, teardown = journey["teardown_dry_run"], journey["teardown"]
    assert (dry_run.status, teardown.status) == ("successful", "successful"), teardown.stdout[-6000:]
    found = dry_run.artifacts["cloudops_teardown"]
    assert found["dry_run"] is True and found["found"] > 0 and found["deleted"] == 0
    done = teardown.artifacts["cloudops_teardown"]
    # every resource found is deleted; some deletions take more than one step (a final snapshot, a detach)
    assert done["dry_run"] is False and done["found"] == found["found"] and done["deleted"] >= done["found"]
    assert _tagged_clusters(aws) == []


def test_roll_job_replaces_every_instance_in_batches_of_the_survey_size(journey):
    job = journey["roll"]
    assert (job.status, job.rc) == ("successful", 0), job.stdout[-6000:]
    (plan,) = job.results("Plan the roll from what AWS says now")
    before = journey["built"]["groups"][ON_DEMAND]
    assert [len(batch["instance_ids"]) for batch in plan["batches"]] == [1] * len(before)
    assert sorted(plan["instance_ids"]) == before
    assert len(journey["rolled"]) == len(before) and not set(journey["rolled"]) & set(before)
    # recorded by the local AWS on every state change while the job ran, not sampled: no service dropped below
    # its minimumHealthyPercent of running tasks, nor of healthy targets in its target groups
    report, services = journey["roll_invariants"], journey["roll_services"]
    assert services
    for service in services:
        floor = math.ceil(service["desiredCount"] * service["deploymentConfiguration"]["minimumHealthyPercent"] / 100)
        recorded = report.service(STACK, service["serviceName"])
        assert recorded["min_running"] >= floor and recorded["min_healthy"] >= floor, recorded
        for balancer in service["loadBalancers"]:
            group = report.target_group(balancer["targetGroupArn"])
            assert group["min_healthy"] >= floor, group


# -- the deployer's permissions --------------------------------------------------------------------------------------

def test_deployer_policy_allows_every_call_the_jobs_made(journey):
    with open(journey["call_log"], encoding="utf-8") as handle:
        actions = deployer_policy.recorded_actions(handle)
    assert len(actions) > 50, sorted(actions)
    missing = deployer_policy.missing_actions(deployer_policy.load(), actions)
    assert not missing, (
        f"docs/deployer-policy.json lacks {missing}; add them with "
        f"python tools/deployer_policy.py --calls {journey['call_log']} --update")


def test_deployer_policy_iam_scope_covers_what_site_creates(journey):
    policy = deployer_policy.for_stack(deployer_policy.load(), STACK)
    (scoped,) = [s for s in policy["Statement"] if s["Sid"] == deployer_policy.SID_IAM]
    created = journey["built"]["iam"]
    assert any(":role/" in arn for arn in created) and any(":instance-profile/" in arn for arn in created)
    for arn in created:
        assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in scoped["Resource"]), arn


# -- the deploy job template ------------------------------------------------------------------------------------------

def test_deploy_jobs_check_then_roll_out_the_survey_image(journey):
    check = journey["deploy_check"]
    assert (check.status, check.rc) == ("successful", 0), check.stdout[-6000:]
    (planned,) = check.results("Deploy the service, or continue or roll back its deployment (a line per lifecycle stage)")
    assert planned["changed"] is True and planned["service"]["deployment_strategy"], planned
    assert journey["deploy_check_images"][DEPLOYED] != DEPLOY_IMAGE  # Check changed nothing

    job = journey["deploy"]
    assert (job.status, job.rc) == ("successful", 0), job.stdout[-6000:]
    assert journey["deployed_images"][DEPLOYED] == DEPLOY_IMAGE
    service = journey["deployed"]
    assert [(d["status"], d["rolloutState"]) for d in service["deployments"]] == [("PRIMARY", "COMPLETED")]
    assert service["runningCount"] == service["desiredCount"] > 0


def _deploy_inputs():
    """The inputs deploy.yml documents in its header ("#   deploy_<name>   ...") and the actions its module accepts."""
    with open(os.path.join(ROOT, "playbooks", "deploy.yml"), encoding="utf-8") as handle:
        header = handle.read().split("\n- name:", 1)[0]
    inputs = set(re.findall(r"^#\s+(deploy_\w+)\s", header, re.M))
    with open(os.path.join(ROOT, "plugins", "modules", "ecs_service_deployment.py"), encoding="utf-8") as handle:
        documentation = yaml.safe_load(re.search(r'DOCUMENTATION = r?"""(.*?)"""', handle.read(), re.S).group(1))
    return inputs, documentation["options"]["action"]


def test_deploy_job_template_asks_what_deploy_yml_reads():
    with open(os.path.join(ROOT, "awx", "controller.yml"), encoding="utf-8") as handle:
        templates = {t["playbook"]: t for t in yaml.safe_load(handle)["job_templates"]}
    template = templates["playbooks/deploy.yml"]
    assert template["ask_inventory_on_launch"] and template["ask_job_type_on_launch"]  # Check says what would happen
    with open(os.path.join(ROOT, "awx", template["survey_spec"]), encoding="utf-8") as handle:
        questions = {q["variable"]: q for q in json.load(handle)["spec"]}
    inputs, action = _deploy_inputs()
    assert {"deploy_service", "deploy_action", "deploy_image"} <= inputs, inputs
    assert set(questions) - {"cloudops_expected_environment"} == {"deploy_service", "deploy_action", "deploy_image"}
    assert set(questions) - {"cloudops_expected_environment"} <= inputs
    assert questions["deploy_service"]["required"] is True and questions["deploy_service"]["default"] == ""
    assert questions["deploy_action"]["choices"] == action["choices"]
    assert questions["deploy_action"]["default"] == action["default"] == "deploy"
    # an empty image deploys the current revision again: deploy.yml omits it (default(omit, true))
    assert questions["deploy_image"]["required"] is False and questions["deploy_image"]["default"] == ""
    # the Makefile's deploy target passes the same variables (SERVICE, IMAGE, ACTION)
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as handle:
        target = re.search(r"^deploy:.*?(?=^\S)", handle.read(), re.M | re.S).group(0)
    assert set(re.findall(r"-e (deploy_\w+)=", target)) == {"deploy_service", "deploy_image", "deploy_action"}
