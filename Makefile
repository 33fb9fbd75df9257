# Two commands on a fresh machine (README.md):
#   make up     bring the local platform up: venv, engine, sandbox, `pulumi up` on the local stack
#   make test   run the whole test suite
# Everything else here is a step of those two (or undoes one: `make down`, `make sandbox-stop`).
#
# Every recipe is a script under tools/scripts/ called by its absolute path, so `make -C <clone>` and
# `make -f <clone>/Makefile` work from any directory; the scripts resolve every path to an absolute
# one before they change directory (tools/scripts/local-paths.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# The directory of this Makefile (a clone anywhere; `pwd -P` keeps a path with spaces whole).
ROOT := $(shell cd "$(dir $(lastword $(MAKEFILE_LIST)))" && pwd -P)
SCRIPTS := $(ROOT)/tools/scripts

# The local platform's variables, passed to the scripts through the environment (documented in
# docs/tutorials/local-platform.md): SANDBOX_DIR (default <repo>/.sandbox-state), LOCAL_STATE_DIR
# (default <repo>/.pulumi-state), SANDBOX_RENDER_PORT / SANDBOX_SUPABASE_PORT / SANDBOX_TRAFFIC_PORT
# (default 18081 / 18082 / the Render port + 2; 0 = any free port), SANDBOX_ARGS (more sandbox flags, e.g.
# shorter delays), PYTHON.
export SANDBOX_DIR LOCAL_STATE_DIR SANDBOX_RENDER_PORT SANDBOX_SUPABASE_PORT SANDBOX_TRAFFIC_PORT SANDBOX_ARGS PYTHON

.PHONY: help venv lock engine sandbox sandbox-stop sandbox-status up down status report test review-up review-down review-sweep

help:
	@echo "make up           bring the local platform up (venv, engine, sandbox, pulumi up on 'local')"
	@echo "make test         run the whole test suite"
	@echo "make status       the local platform on one screen (python -m ops.status --stack local)"
	@echo "make report       the brief's targets over the last week on the local platform (python -m ops.report)"
	@echo "make down         destroy the local stack (the sandbox keeps running; make sandbox-stop stops it)"
	@echo "make venv | engine | sandbox | sandbox-stop | sandbox-status   individual steps"
	@echo "make lock         recompile requirements*.txt (locks with hashes) from requirements*.in"
	@echo "make review-up PR=7 | review-down PR=7 | review-sweep OPEN=7,9   a review stack pr-<n> on the sandbox"
	@echo "bash tools/scripts/local-stack.sh help   every other pulumi command on the local stack"

# .venv from the lock requirements-dev.txt (hashes required), re-installed only when a lock changed.
venv:
	@bash "$(SCRIPTS)/venv.sh"

# Recompiles the locks from requirements.in / requirements-dev.in (pip-tools in a throwaway venv;
# existing pins are kept unless an .in file asks for another version: PIP_COMPILE_ARGS=--upgrade
# moves everything to the newest allowed).
PIP_TOOLS_VERSION := 7.6.2
lock:
	@cd "$(ROOT)"; tools="$$(mktemp -d)"; trap 'rm -rf "$$tools"' EXIT; \
	"$${PYTHON:-$$(command -v python3.11 || command -v python3)}" -m venv "$$tools" && "$$tools/bin/pip" install --quiet --disable-pip-version-check "pip-tools==$(PIP_TOOLS_VERSION)"; \
	for f in requirements requirements-dev; do \
		PIP_FIND_LINKS= "$$tools/bin/pip-compile" --quiet --allow-unsafe --generate-hashes --strip-extras \
			--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS) -o $$f.txt $$f.in; done

# The Pulumi CLI and Python plugins, built from the Go module proxy on first use, then cached.
engine:
	@bash "$(SCRIPTS)/install-engine.sh" >/dev/null

sandbox: venv
	@bash "$(SCRIPTS)/sandbox.sh" start

# Waits until the sandbox has exited: it stops its Postgres servers on the way out.
sandbox-stop:
	@bash "$(SCRIPTS)/sandbox.sh" stop

sandbox-status:
	@bash "$(SCRIPTS)/sandbox.sh" status

up: venv engine sandbox
	@bash "$(SCRIPTS)/local-stack.sh" up

# Read-only: the local stack's checks with the environment `local-stack.sh env` gives (tokens, backend,
# passphrase); a stack that is not up says so in one line.
status: venv engine
	@cd "$(ROOT)" && eval "$$(bash "$(SCRIPTS)/local-stack.sh" env)" && config="$$PROCUREMENT_LOCAL_CONFIG_FILE" && \
		.venv/bin/python -m ops.status --stack local $$([ -f "$$config" ] && echo --config-file "$$config") $(STATUS_ARGS)

# Read-only, like status: the targets report of the local stack (REPORT_ARGS: e.g. --since 24h, --markdown r.md,
# --backup-target file:///dir for backups made by hand; the local stack runs no backup job).
report: venv engine
	@cd "$(ROOT)" && eval "$$(bash "$(SCRIPTS)/local-stack.sh" env)" && config="$$PROCUREMENT_LOCAL_CONFIG_FILE" && \
		.venv/bin/python -m ops.report --stack local $$([ -f "$$config" ] && echo --config-file "$$config") $(REPORT_ARGS)

down: venv engine sandbox
	@bash "$(SCRIPTS)/local-stack.sh" destroy

# Review stacks on the sandbox (ops/review; docs/how-to/review-stacks.md): the stack pr-$(PR), derived from
# `local`, in the local stack's environment (tools/scripts/local-stack.sh review). OPEN: the PRs still open
# (comma-separated; empty: none); REVIEW_ARGS: more flags, e.g. --max-wait 0 or --dry-run.
ifneq ($(filter review-up review-down,$(MAKECMDGOALS)),)
ifeq ($(PR),)
$(error set PR=<n>, the pull request number: make $(filter review-up review-down,$(MAKECMDGOALS)) PR=7)
endif
endif
review-up: venv engine sandbox
	@bash "$(SCRIPTS)/local-stack.sh" review up --pr "$(PR)" $(REVIEW_ARGS)

review-down: venv engine sandbox
	@bash "$(SCRIPTS)/local-stack.sh" review down --pr "$(PR)" $(REVIEW_ARGS)

review-sweep: venv engine sandbox
	@bash "$(SCRIPTS)/local-stack.sh" review sweep --open "$(OPEN)" $(REVIEW_ARGS)

# The whole suite, other packages' tests included, in two worker processes (pytest-xdist): most
# tests wait on subprocesses, Postgres or the sandbox's delays, so two keep both cores busy
# (PYTEST_WORKERS=0 runs it in this one process). Exit code 5 means pytest collected no tests:
# not a failure of the suite, so say so and succeed.
PYTEST_WORKERS ?= 2
test: venv
	@cd "$(ROOT)" && .venv/bin/python -m pytest tests -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS) || { status=$$?; \
		if [ $$status -eq 5 ]; then echo "pytest collected no tests"; else exit $$status; fi; }
