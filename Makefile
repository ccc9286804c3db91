# Everything a user or CI needs, self-installing into .venv and .collections.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ANSIBLE_PACKAGE_VERSION := 12.3.0
ENV ?= local
ARGS ?=
PYTEST_ARGS ?=
LOCAL_AWS := PYTHONPATH=tools $(BIN)/python -m local_aws
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup demo test lint sanity unit integration local-aws local-aws-stop site verify roll teardown benchmark clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -m pip install --quiet -r requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c 'import ansible, boto3, moto' 
	@touch $@

.collections/.ansible-version: $(BIN)/.installed tools/install_collections.py Makefile
	@$(BIN)/python tools/install_collections.py --ansible-version $(ANSIBLE_PACKAGE_VERSION)

setup: $(BIN)/.installed .collections/.ansible-version  ## install Python deps and collections (idempotent)

local-aws: setup  ## start the local AWS endpoint in the background; URL in .local-aws/endpoint
	@$(LOCAL_AWS) start $(if $(PROFILE),--profile $(PROFILE),)

local-aws-stop:  ## stop the local AWS endpoint
	@if [ -x $(BIN)/python ]; then $(LOCAL_AWS) stop; fi

# Playbook targets run on inventories/$(ENV); the local inventory needs the local AWS running.
define run_playbook
	@if [ "$(ENV)" = local ]; then $(MAKE) --no-print-directory local-aws; fi
	$(BIN)/ansible-playbook -i inventories/$(ENV) playbooks/$(1) $(ARGS)
endef

site: setup  ## build or converge the platform (playbooks/site.yml)
	$(call run_playbook,site.yml)

verify: setup  ## verify the platform's health (playbooks/verify.yml)
	$(call run_playbook,verify.yml)

roll: setup  ## roll instances onto the current launch template (playbooks/roll_instances.yml)
	$(call run_playbook,roll_instances.yml)

teardown: setup  ## list (dry run) or delete the platform (playbooks/teardown.yml)
	$(call run_playbook,teardown.yml)

demo: setup  ## build the whole platform on a fresh local AWS, verify it, summarise, stop
	@$(LOCAL_AWS) stop; $(LOCAL_AWS) start >/dev/null
	@set -e; trap '$(LOCAL_AWS) stop' EXIT; \
	  $(BIN)/ansible-playbook -i inventories/local playbooks/site.yml $(ARGS); \
	  $(BIN)/ansible-playbook -i inventories/local playbooks/verify.yml; \
	  $(BIN)/python tools/summary.py --endpoint "$$(cat .local-aws/endpoint)"

lint: setup  ## yamllint, ruff, ansible-lint (production profile)
	$(BIN)/yamllint -s .
	$(BIN)/ruff check .
	$(BIN)/ansible-lint --offline --profile production

sanity: setup  ## ansible-test sanity on the built collection, offline
	$(BIN)/python tools/sanity.py

unit: setup  ## unit tests
	$(BIN)/python -m pytest -q tests/unit tools/tests/unit $(PYTEST_ARGS)

integration: setup  ## integration tests against the local AWS
	$(BIN)/python -m pytest -q tests/integration tools/tests/integration $(PYTEST_ARGS)

test: setup lint sanity  ## everything CI runs: lint, sanity, unit and integration tests
	$(BIN)/python -m pytest tests tools/tests $(PYTEST_ARGS)

benchmark: setup  ## time a create run and a no-change run on the local AWS (figures, not a test)
	$(BIN)/python benchmarks/site.py $(ARGS)

clean:  ## remove local state (venv, collections, caches)
	-@$(MAKE) --no-print-directory local-aws-stop
	rm -rf $(VENV) .collections .cache .build .local-aws .pytest_cache .ruff_cache
