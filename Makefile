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
# ansible-test's pep8 settings, on what its sanity test sees of the built collection (plugins, unit tests).
PEP8_OPTIONS := --max-line-length 160 --ignore E402,W503,W504,E741,E203,E701,E704
SANITY_ARGS ?=
# pytest-xdist workers for `make test`; every worker starts its own local AWS. 0 runs serially. One more than the
# CPUs: the integration tests spend part of their time waiting on the local AWS's clock, which leaves a CPU idle.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
# Whole test modules per worker, in the order tests/integration/conftest.py gives them (longest kinds first).
PYTEST_PARALLEL := $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder,)
LOCAL_AWS := PYTHONPATH=tools $(BIN)/python -m local_aws
# The local AWS's state folder (endpoint, pid, server.log): one server per folder, on a port the kernel picks.
# `make site LOCAL_AWS_STATE_DIR=/tmp/mine` (or the variable in the environment) runs the targets on another one;
# exported as an absolute path, so the local CLI, inventories/local and tools/summary.py read the same folder.
override LOCAL_AWS_STATE_DIR := $(abspath $(or $(LOCAL_AWS_STATE_DIR),.local-aws))
export LOCAL_AWS_STATE_DIR
# antsibull-docs reads the collection and its dependencies from .collections, outside the checkout's ansible.cfg
ANTSIBULL_DOCS := cd /tmp && env -u ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.collections $(CURDIR)/$(BIN)/antsibull-docs
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The venv's tools first (ansible-lint runs ansible-playbook and ansible-galaxy by name).
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup dev-setup demo check test lint sanity unit integration local-aws local-aws-stop site verify roll deploy teardown molecule docs benchmark clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# pip, quiet: drops only the harmless "WARNING: Location '...' is ignored" lines some pip configurations
# print for local index folders; everything else is shown and pip's own exit code decides.
pip_quiet = $(BIN)/python -m pip install --quiet $(1) 2>&1 \
	  | { grep -v -E "^WARNING: Location '[^']*' is ignored" || true; } \
	  || { echo "pip install $(1) failed" >&2; exit 1; }

define pip_install
	@set -o pipefail; $(call pip_quiet,$(1))
endef

# The requirements go in with uv (from PyPI, into the venv): it downloads, unpacks and byte-compiles on every CPU, so a
# fresh setup takes about 13 s instead of 28 s with pip. pip installs them when uv cannot (an index that only pip's
# own configuration names, for instance).
define requirements_install
	@set -o pipefail; $(BIN)/python -m uv pip install --python $(BIN)/python --quiet --compile-bytecode $(1) \
	  || { echo "uv could not install $(1): pip installs it" >&2; $(call pip_quiet,$(1)); }
endef

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call pip_install,--upgrade pip uv==0.13.10)
	$(call requirements_install,-r requirements.txt)
	@$(BIN)/python -c 'import ansible, boto3, moto'
	@touch $@

# Development tools (requirements-dev.txt) on top; only the targets that need them install them.
$(BIN)/.dev-installed: $(BIN)/.installed requirements-dev.txt
	$(call requirements_install,-r requirements-dev.txt)
	@$(BIN)/python -c 'import pytest, xdist, pytest_randomly, pytest_timeout, ansible_runner, ansible_builder, antsibull_changelog, antsibull_docs'
	@touch $@

.collections/.ansible-version: $(BIN)/.installed tools/install_collections.py Makefile
	@set -o pipefail; $(BIN)/python tools/install_collections.py --ansible-version $(ANSIBLE_PACKAGE_VERSION) 2>&1 \
	  | { grep -v -E "^WARNING: Location '[^']*' is ignored" || true; }

setup: $(BIN)/.installed .collections/.ansible-version  ## install runtime Python deps and collections (idempotent)

dev-setup: setup $(BIN)/.dev-installed  ## setup plus the development tools (requirements-dev.txt)

# Never stops a running server: a busy one is waited for. Only local-aws-stop (and demo) end it.
local-aws: setup  ## start the local AWS endpoint in the background (or keep the running one); URL in .local-aws/endpoint (LOCAL_AWS_STATE_DIR=<dir> for another)
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

# SERVICE (required), IMAGE, ACTION (deploy | continue | rollback) are deploy.yml's deploy_service, deploy_image and
# deploy_action.
deploy: setup  ## deploy a service, or continue or roll back its paused deployment (playbooks/deploy.yml; SERVICE=, IMAGE=, ACTION=)
	$(call run_playbook,deploy.yml -e deploy_service=$(SERVICE) $(if $(IMAGE),-e deploy_image=$(IMAGE),) $(if $(ACTION),-e deploy_action=$(ACTION),))

teardown: setup  ## list (dry run) or delete the platform (playbooks/teardown.yml)
	$(call run_playbook,teardown.yml)

# The demo is the one target that replaces a running local AWS (and says so): it always starts from nothing.
demo: setup  ## build the whole platform on a fresh local AWS, verify it, summarise, stop
	@echo "make demo: starting a fresh local AWS; it is stopped at the end"
	@$(LOCAL_AWS) start --fresh >/dev/null
	@set -e; trap '$(LOCAL_AWS) stop' EXIT; \
	  $(BIN)/ansible-playbook -i inventories/local playbooks/site.yml $(ARGS); \
	  $(BIN)/ansible-playbook -i inventories/local playbooks/verify.yml; \
	  $(BIN)/python tools/summary.py --endpoint "$$(cat $(LOCAL_AWS_STATE_DIR)/endpoint)"

# Every linter runs; the target fails if any of them found something.
lint: dev-setup  ## yamllint, ruff, pycodestyle (as ansible-test's pep8), ansible-lint (production profile), antsibull-docs
	@rc=0; \
	echo "== yamllint"; $(BIN)/yamllint -s . || rc=1; \
	echo "== ruff"; $(BIN)/ruff check --quiet . || rc=1; \
	echo "== pycodestyle"; $(BIN)/pycodestyle $(PEP8_OPTIONS) plugins tests/unit || rc=1; \
	echo "== ansible-lint"; $(BIN)/ansible-lint --offline --profile production -q || rc=1; \
	echo "== antsibull-docs"; $(ANTSIBULL_DOCS) lint-collection-docs --plugin-docs --skip-rstcheck \
	  --validate-collection-refs all $(CURDIR) || rc=1; \
	exit $$rc

# Module, plugin and role docs (argument_specs included) as RST, the format of Ansible's documentation site.
docs: dev-setup  ## render module and role docs with antsibull-docs into .build/docs
	@rm -rf .build/docs && mkdir -p .build/docs
	$(ANTSIBULL_DOCS) collection --use-current --dest-dir $(CURDIR)/.build/docs cloudops.ecs
	@echo "docs: $$(find .build/docs -name '*.rst' | wc -l) RST files in .build/docs/collections"

sanity: dev-setup  ## ansible-test sanity on the built collection, offline
	$(BIN)/python tools/sanity.py $(SANITY_ARGS)

unit: dev-setup  ## unit tests
	$(BIN)/python -m pytest -q tests/unit tools/tests/unit $(PYTEST_ARGS)

integration: dev-setup  ## integration tests against the local AWS
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL) tests/integration tools/tests/integration $(PYTEST_ARGS)

# The inner loop: every linter and the unit tests, under 2 minutes; fails if either did. Ends with pytest's
# summary line.
check: dev-setup  ## lint and unit tests (the quick loop before a commit)
	@rc=0; \
	$(MAKE) --no-print-directory lint || rc=1; \
	$(BIN)/python -m pytest -q $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS),) tests/unit tools/tests/unit \
	  $(PYTEST_ARGS) || rc=1; \
	exit $$rc

# Every stage runs even when an earlier one fails, so one run shows every problem; the target fails if any
# stage failed, and its output ends with pytest's summary line. Lint and sanity run beside the tests at the lowest CPU
# priority (nice 19), so they take only the CPU the tests leave idle while waiting on the local AWS and never slow a
# test; their output is shown after the tests'. Tests run in random
# order (pytest-randomly: the header names the seed, replay with PYTEST_ARGS=--randomly-seed=N) and each has a
# timeout (pytest-timeout, pyproject.toml). pytest exits 5 when it collects nothing: that fails too, and says so.
test: dev-setup  ## everything CI runs: lint, sanity, unit and integration tests
	@failed=""; logs=$$(mktemp -d); \
	echo "make test: lint and sanity run beside the tests; their output follows the tests' output"; \
	for stage in lint sanity; do \
	  ( nice -n 19 $(MAKE) --no-print-directory $$stage > $$logs/$$stage 2>&1; rc=$$?; \
	    echo; echo "make test: $$stage finished (exit $$rc); its output follows the tests'"; exit $$rc ) & \
	  eval "$$stage=$$!"; \
	done; \
	PYTHONUNBUFFERED=1 $(BIN)/python -m pytest $(PYTEST_PARALLEL) --durations=15 tests tools/tests $(PYTEST_ARGS) 2>&1 \
	  | tee $$logs/pytest; rc=$${PIPESTATUS[0]}; \
	wait $$lint || failed="$$failed lint"; cat $$logs/lint; \
	wait $$sanity || failed="$$failed sanity"; cat $$logs/sanity; \
	if [ $$rc -eq 5 ]; then echo "make test: FAILED: pytest collected no tests (exit 5)" >&2; fi; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed (see above)"; [ $$rc -ne 0 ] || rc=1; fi; \
	tail -n 1 $$logs/pytest; rm -rf $$logs; \
	exit $$rc

# Each scenario starts its own local AWS (extensions/molecule/shared/create.yml) and stops it on destroy. `make test`
# runs every scenario too, through pytest (tests/integration/test_molecule_*.py).
molecule: dev-setup  ## Molecule scenarios of the roles (SCENARIO=<role> runs one)
	env -u ANSIBLE_CONFIG $(BIN)/molecule test $(if $(SCENARIO),-s $(SCENARIO),--all)

benchmark: setup  ## time create, no-change, check and verify runs on the local AWS; ARGS="--vs main" beside a ref
	$(BIN)/python benchmarks/site.py $(ARGS)

clean:  ## remove local state (venv, collections, caches)
	-@$(MAKE) --no-print-directory local-aws-stop
	rm -rf $(VENV) .collections .cache .build .local-aws .pytest_cache .ruff_cache
