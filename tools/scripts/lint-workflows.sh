#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint (built and cached by tools/scripts/install-actionlint.sh).
#
#   bash tools/scripts/lint-workflows.sh
#
# actionlint checks workflow syntax, expressions and contexts, job needs, matrices, runner labels,
# the inputs of popular actions, and `${{ }}` injection into `run:` scripts. Its optional external
# checks are switched off on purpose (-shellcheck= -pyflakes=): whether they ran would depend on
# what happens to be installed, and the same command must give the same verdict on every machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
actionlint="$(bash "$root/tools/scripts/install-actionlint.sh" | tail -n1)"
cd "$root"
exec "$actionlint" -shellcheck= -pyflakes= -no-color -oneline .github/workflows/*.yml
