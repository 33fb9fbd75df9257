# Two commands on a fresh machine (README.md):
#   make up     bring the local platform up: venv, engine, sandbox, `pulumi up` on the local stack
#   make test   run the whole test suite
# Everything else here is a step of those two (or undoes one: `make down`, `make sandbox-stop`).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VENV_PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed-requirements

# The local stack (scripts/local-stack.sh): file backend in LOCAL_STATE_DIR, passphrase secrets
# (the passphrase only guards the sandbox's fixed test tokens in Pulumi.local.yaml).
LOCAL_STATE_DIR ?= $(CURDIR)/.pulumi-state

# The sandbox keeps its state in a file so that a second `make up` (or a restart) finds the
# objects the local Pulumi state remembers. Ports 0 = ephemeral (the stack config follows the
# URLs the sandbox prints); SANDBOX_ARGS e.g. `--deploy-delay 0.2 --project-ready-delay 0.2`.
SANDBOX_DIR ?= .sandbox-state
SANDBOX_RENDER_PORT ?= 18081
SANDBOX_SUPABASE_PORT ?= 18082
SANDBOX_ARGS ?=
SANDBOX_PID := $(SANDBOX_DIR)/sandbox.pid
SANDBOX_LOG := $(SANDBOX_DIR)/sandbox.log
LOCAL_STACK_ENV := SANDBOX_DIR="$(SANDBOX_DIR)" LOCAL_STATE_DIR="$(LOCAL_STATE_DIR)"

.PHONY: help venv lock engine sandbox sandbox-stop up down test

help:
	@echo "make up           bring the local platform up (venv, engine, sandbox, pulumi up on 'local')"
	@echo "make test         run the whole test suite"
	@echo "make down         destroy the local stack (the sandbox keeps running; make sandbox-stop stops it)"
	@echo "make venv | engine | sandbox | sandbox-stop   individual steps"
	@echo "make lock         recompile requirements*.txt (locks with hashes) from requirements*.in"

venv: $(VENV_STAMP)

# Re-installs only when a lock file changed since the last install. requirements-dev.txt is the
# lock (every transitive dependency, pinned with hashes) compiled from requirements*.in by `make lock`.
$(VENV_STAMP): requirements.txt requirements-dev.txt
	@[ -x "$(VENV_PY)" ] || { echo "creating $(VENV) with $(PYTHON)"; "$(PYTHON)" -m venv "$(VENV)"; }
	@"$(VENV_PY)" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (set PYTHON=)"'
	"$(VENV_PY)" -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	@touch "$@"

# Recompiles the locks from requirements.in / requirements-dev.in (pip-tools in a throwaway venv;
# existing pins are kept unless an .in file asks for another version: PIP_COMPILE_ARGS=--upgrade
# moves everything to the newest allowed).
PIP_TOOLS_VERSION := 7.6.2
lock:
	@tools="$$(mktemp -d)"; trap 'rm -rf "$$tools"' EXIT; \
	"$(PYTHON)" -m venv "$$tools" && "$$tools/bin/pip" install --quiet --disable-pip-version-check "pip-tools==$(PIP_TOOLS_VERSION)"; \
	for f in requirements requirements-dev; do \
		PIP_FIND_LINKS= "$$tools/bin/pip-compile" --quiet --allow-unsafe --generate-hashes --strip-extras \
			--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS) -o $$f.txt $$f.in; done

# The Pulumi CLI and Python plugins, built from the Go module proxy on first use, then cached.
engine:
	bash scripts/install-engine.sh >/dev/null

sandbox: venv
	@mkdir -p "$(SANDBOX_DIR)"
	@if [ -f "$(SANDBOX_PID)" ] && kill -0 "$$(cat "$(SANDBOX_PID)")" 2>/dev/null; then \
		echo "sandbox already running (pid $$(cat "$(SANDBOX_PID)"))"; exit 0; fi; \
	: > "$(SANDBOX_LOG)"; \
	nohup "$(VENV_PY)" -m sandbox --render-port "$(SANDBOX_RENDER_PORT)" --supabase-port "$(SANDBOX_SUPABASE_PORT)" \
		--state "$(SANDBOX_DIR)/state.json" $(SANDBOX_ARGS) >>"$(SANDBOX_LOG)" 2>&1 & \
	echo $$! > "$(SANDBOX_PID)"; \
	for _ in $$(seq 1 120); do \
		if grep -q '"render":' "$(SANDBOX_LOG)"; then echo "sandbox up: $$(head -n1 "$(SANDBOX_LOG)")"; exit 0; fi; \
		kill -0 "$$(cat "$(SANDBOX_PID)")" 2>/dev/null || break; sleep 0.5; done; \
	echo "sandbox did not start; its log ($(SANDBOX_LOG)):" >&2; cat "$(SANDBOX_LOG)" >&2; exit 1

# Waits until the sandbox has exited: it stops its Postgres servers on the way out.
sandbox-stop:
	@if [ -f "$(SANDBOX_PID)" ] && kill -0 "$$(cat "$(SANDBOX_PID)")" 2>/dev/null; then \
		pid="$$(cat "$(SANDBOX_PID)")"; kill "$$pid"; \
		for _ in $$(seq 1 100); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done; \
		echo "sandbox stopped"; else echo "sandbox not running"; fi
	@rm -f "$(SANDBOX_PID)"

up: venv engine sandbox
	@$(LOCAL_STACK_ENV) bash scripts/local-stack.sh up

down: venv engine sandbox
	@$(LOCAL_STACK_ENV) bash scripts/local-stack.sh destroy

# The whole suite, other packages' tests included. Exit code 5 means pytest collected no
# tests: not a failure of the suite, so say so and succeed.
test: venv
	@"$(VENV_PY)" -m pytest tests $(PYTEST_ARGS) || { status=$$?; \
		if [ $$status -eq 5 ]; then echo "pytest collected no tests"; else exit $$status; fi; }
