#!/usr/bin/env bash
# The `local` stack against the running sandbox: what `make up` / `make down` run after starting it.
#
#   bash scripts/local-stack.sh up                       # pulumi up, then print the stack outputs
#   bash scripts/local-stack.sh preview [pulumi flags]   # e.g. --expect-no-changes
#   bash scripts/local-stack.sh destroy
#   bash scripts/local-stack.sh recover [--destroy] [pulumi up flags]   # after an interrupted up/destroy
#
# The sandbox prints its base URLs as the first line of $SANDBOX_DIR/sandbox.log (JSON). The
# stack's config is Pulumi.local.yaml with procurement:renderApiUrl and procurement:supabaseApiUrl
# set to those URLs, written to $SANDBOX_DIR/Pulumi.local.yaml and passed with --config-file: with
# the default ports the two files are identical; with other ports (tests use ephemeral ones) the
# committed file stays untouched.
#
# Environment (the Makefile passes its variables): SANDBOX_DIR (default .sandbox-state),
# LOCAL_STATE_DIR (file backend directory, default .pulumi-state), PULUMI_HOME (engine/env.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command="${1:-up}"
[ $# -gt 0 ] && shift

STACK=local
SANDBOX_DIR="${SANDBOX_DIR:-.sandbox-state}"
LOCAL_STATE_DIR="${LOCAL_STATE_DIR:-$PWD/.pulumi-state}"
# Guards only the sandbox's fixed test tokens in Pulumi.local.yaml (README "Secrets").
LOCAL_PASSPHRASE=procurement-local

endpoints="$SANDBOX_DIR/sandbox.log"
if [ ! -s "$endpoints" ]; then
  echo "local-stack: no sandbox endpoints in $endpoints; start it first (make sandbox)" >&2
  exit 2
fi
read -r render_url supabase_url < <(.venv/bin/python -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{") and "\"render\":" in line:
        urls = json.loads(line)
        print(urls["render"], urls["supabase"])
        break' "$endpoints")
if [ -z "${render_url:-}" ] || [ -z "${supabase_url:-}" ]; then
  echo "local-stack: $endpoints does not name the sandbox's URLs; restart it (make sandbox-stop sandbox)" >&2
  exit 2
fi

config_file="$SANDBOX_DIR/Pulumi.$STACK.yaml"
# Written beside, then renamed: a second command running at the same time (a preview in another
# terminal) never reads a half-written file.
sed -e "s#^\(  procurement:renderApiUrl:\).*#\1 $render_url#" \
    -e "s#^\(  procurement:supabaseApiUrl:\).*#\1 $supabase_url#" "Pulumi.$STACK.yaml" > "$config_file.$$"
grep -q "procurement:renderApiUrl: $render_url\$" "$config_file.$$" \
  && grep -q "procurement:supabaseApiUrl: $supabase_url\$" "$config_file.$$" \
  && mv -f "$config_file.$$" "$config_file" \
  || { rm -f "$config_file.$$"; echo "local-stack: could not point $config_file at the sandbox" >&2; exit 2; }

# shellcheck source=engine/env.sh
source engine/env.sh
mkdir -p "$LOCAL_STATE_DIR"
export PULUMI_BACKEND_URL="file://$(cd "$LOCAL_STATE_DIR" && pwd)"
export PULUMI_CONFIG_PASSPHRASE="$LOCAL_PASSPHRASE"
unset PULUMI_CONFIG_PASSPHRASE_FILE

pulumi stack select "$STACK" --non-interactive 2>/dev/null || pulumi stack init "$STACK" --non-interactive
case "$command" in
  up)
    pulumi up --yes --non-interactive --stack "$STACK" --config-file "$config_file" "$@"
    pulumi stack output --stack "$STACK" --non-interactive
    ;;
  preview | destroy | refresh)
    extra=()
    [ "$command" = preview ] || extra=(--yes)
    pulumi "$command" "${extra[@]}" --non-interactive --stack "$STACK" --config-file "$config_file" "$@"
    ;;
  recover)
    # After an interrupted up/destroy (README "When an up is interrupted"); flags as for recover.sh.
    bash scripts/recover.sh --stack "$STACK" --config-file "$config_file" "$@"
    ;;
  *)
    echo "local-stack: unknown command '$command' (up, preview, refresh, destroy, recover)" >&2
    exit 2
    ;;
esac
