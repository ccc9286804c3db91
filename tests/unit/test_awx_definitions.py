"""The AWX objects in awx/ (job templates, surveys, credential type, inventories, the promotion workflow) hold
together: every file and playbook they name exists, every survey variable is an input its playbook reads, survey
defaults are valid answers, and the workflow promotes dev -> staging -> prod with verify as the gate and an approval
before prod."""
import json
import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWX = os.path.join(ROOT, "awx")
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def _load(path):
    with open(os.path.join(AWX, path), encoding="utf-8") as handle:
        return json.load(handle) if path.endswith(".json") else yaml.safe_load(handle)


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return handle.read()


CONTROLLER = _load("controller.yml")
TEMPLATES = {t["name"]: t for t in CONTROLLER["job_templates"]}
SESSION_TASKS = "playbooks/tasks/aws_session.yml"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_job_template_playbook_and_survey_exist(name):
    template = TEMPLATES[name]
    assert os.path.isfile(os.path.join(ROOT, template["playbook"]))
    assert template["survey_enabled"] is True
    assert os.path.isfile(os.path.join(AWX, template["survey_spec"]))
    assert template["project"] in {p["name"] for p in CONTROLLER["projects"]}
    assert set(template["credentials"]) <= {c["name"] for c in CONTROLLER["credentials"]}
    assert template["execution_environment"] in {e["name"] for e in CONTROLLER["execution_environments"]}
    # the playbook starts with the AWS session that checks the survey's environment and assumes the role
    assert "import_tasks: tasks/aws_session.yml" in _read(template["playbook"])


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_survey_questions_are_valid_and_read_by_the_playbook(name):
    template = TEMPLATES[name]
    survey = _load(template["survey_spec"])
    assert survey["name"] and survey["description"] and survey["spec"]
    readers = _read(template["playbook"]) + _read(SESSION_TASKS)
    variables = [q["variable"] for q in survey["spec"]]
    assert len(variables) == len(set(variables))
    for question in survey["spec"]:
        assert question["type"] in SURVEY_TYPES, question
        assert question["question_name"] and isinstance(question["required"], bool), question
        assert re.search(r"\b%s\b" % re.escape(question["variable"]), readers), (
            f"{question['variable']} is asked by {template['survey_spec']} but {template['playbook']} never reads it")
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"] + [""], question
        if question["type"] == "integer":
            assert question["min"] <= question["default"] <= question["max"], question
    assert variables[0] == "cloudops_expected_environment"


def test_teardown_survey_deletes_nothing_by_default():
    defaults = {q["variable"]: q["default"] for q in _load(TEMPLATES["cloudops.ecs teardown"]["survey_spec"])["spec"]}
    assert defaults["teardown_confirm"] == "false"
    assert defaults["teardown_allow_prod"] == "false"


def test_inventory_sources_are_the_shipped_inventories():
    inventories = {i["name"] for i in CONTROLLER["inventories"]}
    for source in CONTROLLER["inventory_sources"]:
        assert source["inventory"] in inventories
        assert os.path.isfile(os.path.join(ROOT, source["source_path"]))
        environment = source["source_path"].split("/")[1]
        aws = yaml.safe_load(_read(f"inventories/{environment}/group_vars/all/aws.yml"))
        assert aws["cloudops_environment"] == environment


def test_credential_type_injects_only_its_inputs_and_what_the_playbooks_read():
    credential = _load(CONTROLLER["credential_types"][0]["file"])
    assert credential["kind"] == "cloud"
    fields = {f["id"]: f for f in credential["inputs"]["fields"]}
    assert all(fields[name].get("secret") for name in ("secret_key", "session_token", "external_id"))
    injected = list(credential["injectors"]["env"].values()) + list(credential["injectors"]["extra_vars"].values())
    for template in injected:
        assert set(re.findall(r"{{\s*(\w+)\s*}}", template)) <= set(fields), template
    environment = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"}
    assert set(credential["injectors"]["env"]) == environment
    for variable in credential["injectors"]["extra_vars"]:
        assert variable in _read(SESSION_TASKS)
    assert {c["credential_type"] for c in CONTROLLER["credentials"]} == {credential["name"]}


def _workflow():
    (workflow,) = CONTROLLER["workflow_job_templates"]
    nodes = {n["identifier"]: n for n in workflow["workflow_nodes"]}
    successors = {name: [s["identifier"] for s in n.get("related", {}).get("success_nodes", [])]
                  for name, n in nodes.items()}
    return nodes, successors


def test_workflow_nodes_reference_existing_templates_inventories_and_survey_answers():
    nodes, successors = _workflow()
    inventories = {i["name"] for i in CONTROLLER["inventories"]}
    for identifier, node in nodes.items():
        template = node["unified_job_template"]
        assert all(s in nodes for s in successors[identifier]), identifier
        assert not node.get("related", {}).get("failure_nodes"), f"{identifier}: a failure must stop the promotion"
        if template["type"] == "workflow_approval":
            assert template["timeout"] > 0
            continue
        assert template["type"] == "job_template" and template["name"] in TEMPLATES, identifier
        assert node["inventory"] in inventories
        survey = _load(TEMPLATES[template["name"]]["survey_spec"])
        answers = node["extra_data"]
        assert set(answers) <= {q["variable"] for q in survey["spec"]}, identifier
        assert answers["cloudops_expected_environment"] == node["inventory"].rsplit(" ", 1)[1], identifier


def test_workflow_promotes_dev_staging_prod_through_verify_and_an_approval():
    nodes, successors = _workflow()
    targets = {s for following in successors.values() for s in following}
    (start,) = set(nodes) - targets
    path = [start]
    while successors[path[-1]]:
        (following,) = successors[path[-1]]
        path.append(following)
    assert sorted(path) == sorted(nodes), "every node is on the one promotion path"

    def step(identifier):
        template = nodes[identifier]["unified_job_template"]
        if template["type"] == "workflow_approval":
            return "approval"
        return template["name"].split()[-1] + ":" + nodes[identifier]["inventory"].split()[-1]

    assert [step(i) for i in path] == ["site:dev", "verify:dev", "site:staging", "verify:staging", "approval",
                                       "site:prod", "verify:prod"]
    for identifier in path:
        if step(identifier).startswith("verify"):
            assert nodes[identifier]["extra_data"]["verify_wait"] == "true"
