#!/usr/bin/env bash
# Swap the ESC environment a stack file imports (its top-level `environment:` list).
#
#   bash tools/scripts/stack-environment.sh <stack> <project/environment>   # e.g. staging procurement/preview
#   bash tools/scripts/stack-environment.sh <stack> none                    # no import at all
#   ... --in-place                                                    # rewrite Pulumi.<stack>.yaml itself
#
# Without --in-place the result goes to standard output (use it with `pulumi preview --config-file`).
# Used by pull-request.yml: a PR's preview imports procurement/preview (read-only credentials) instead
# of the stack's own environment; and by the file-backend check in docs/how-to/going-live.md, where no ESC
# environment can be opened (`none`). Exit 2 on bad arguments or a stack file without an import.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [ $# -lt 2 ] || [ $# -gt 3 ] || { [ $# -eq 3 ] && [ "$3" != --in-place ]; }; then
  echo "usage: bash tools/scripts/stack-environment.sh <stack> <project/environment>|none [--in-place]" >&2
  exit 2
fi
stack="$1"
environment="$2"
file="Pulumi.$stack.yaml"
if ! [[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || [ ! -f "$file" ]; then
  echo "stack-environment: no stack file $file" >&2
  exit 2
fi
if [ "$environment" != none ] && ! [[ "$environment" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
  echo "stack-environment: '$environment' is not an ESC environment name (<project>/<environment>) or 'none'" >&2
  exit 2
fi
if ! grep -q '^environment:' "$file"; then
  echo "stack-environment: $file imports no ESC environment (no top-level environment: list)" >&2
  exit 2
fi

rewritten="$(awk -v new="$environment" '
  /^environment:/ { inside = 1; if (new != "none") { print "environment:"; print "  - " new }; next }
  inside && /^  - / { next }
  { inside = 0; print }
' "$file")"
if [ "${3:-}" = --in-place ]; then
  printf '%s\n' "$rewritten" > "$file"
else
  printf '%s\n' "$rewritten"
fi
