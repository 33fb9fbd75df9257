#!/usr/bin/env bash
# The `local` stack against this checkout's sandbox: what `make up` / `make down` run, and every
# other pulumi command run by hand on `local`, always with the same backend, passphrase, engine
# and sandbox (so no command can reach another checkout's state or someone else's sandbox).
#
#   bash scripts/local-stack.sh up [flags]        pulumi up --yes --skip-preview (its summary lists the outputs)
#   bash scripts/local-stack.sh preview [flags]   e.g. --diff, or --refresh --expect-no-changes
#   bash scripts/local-stack.sh refresh [flags]   pulumi refresh --yes --skip-preview
#   bash scripts/local-stack.sh destroy [flags]   pulumi destroy --yes --skip-preview (what `make down` runs)
#   bash scripts/local-stack.sh output [flags]    pulumi stack output, e.g. --json --show-secrets
#   bash scripts/local-stack.sh cancel            unlock the stack after an update was killed
#   bash scripts/local-stack.sh pulumi ARGS...    any pulumi command in this environment; run from another
#                                                 Pulumi project's directory (examples/consumer), on that
#                                                 project, with the same backend and passphrase
#   bash scripts/local-stack.sh env               that environment as export lines:
#                                                 eval "$(bash scripts/local-stack.sh env)"
#   bash scripts/local-stack.sh shell             a shell with that environment
#   bash scripts/local-stack.sh recover [ARGS]    scripts/recover.sh, when this checkout has it
#
# The sandbox publishes its pid and base URLs in $SANDBOX_DIR/sandbox.ready (JSON). The
# stack's config is Pulumi.local.yaml with procurement:renderApiUrl, procurement:supabaseApiUrl and
# procurement:renderTrafficGatewayUrl set to those URLs (the gateway: where release checks reach a
# service's traffic), written to $SANDBOX_DIR/Pulumi.local.yaml and passed with --config-file to
# the commands that read the program's config (up, preview, refresh, destroy, import): with the
# default ports the two files are identical; with other ports the committed file stays untouched
# (and `pulumi config set` still edits the committed file, from which the copy is made each time).
#
# In `env` and `shell`, `pulumi` is $SANDBOX_DIR/bin/pulumi, which runs `local-stack.sh pulumi`:
# the same backend (file://$LOCAL_STATE_DIR), passphrase, engine and generated config file.
#
# Environment (the Makefile passes its variables): SANDBOX_DIR, LOCAL_STATE_DIR
# (scripts/local-paths.sh), PULUMI_HOME (engine/env.sh).
set -euo pipefail

# shellcheck source=scripts/local-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/local-paths.sh"
# Every path here is absolute; pulumi runs with `--cwd <repo>` (the project), so file names given
# to it (`pulumi stack export --file x.json`) are relative to the repository, as under make.

STACK=local
# Guards the local state's secrets (docs/explanation/secrets.md).
LOCAL_PASSPHRASE=procurement-local
CONFIG_FILE="$SANDBOX_DIR/Pulumi.$STACK.yaml"
WRAPPER_DIR="$SANDBOX_DIR/bin"

die() { echo "local-stack: $*" >&2; exit 2; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

command="${1:-up}"
[ $# -gt 0 ] && shift
case "$command" in
  help | -h | --help) usage; exit 0 ;;
  up | preview | refresh | destroy | output | cancel | pulumi | env | shell | recover) ;;
  *) die "unknown command '$command'; the commands: up, preview, refresh, destroy, output, cancel, pulumi, env, shell, recover (bash scripts/local-stack.sh help)" ;;
esac

# --- the engine: called by its path, never through PATH (where our own wrapper may come first) ---
# shellcheck source=engine/env.sh
source "$PROCUREMENT_ROOT/engine/env.sh"
PULUMI_BIN="$PROCUREMENT_ROOT/.engine/bin/pulumi"
[ -x "$PULUMI_BIN" ] || die "no engine in $PROCUREMENT_ROOT/.engine/bin; run \`make engine\` first"
pulumi() { "$PULUMI_BIN" --cwd "$PROCUREMENT_ROOT" "$@"; }

mkdir -p "$LOCAL_STATE_DIR"
export PULUMI_BACKEND_URL="file://$LOCAL_STATE_DIR"
export PULUMI_CONFIG_PASSPHRASE="$LOCAL_PASSPHRASE"
unset PULUMI_CONFIG_PASSPHRASE_FILE
export PROCUREMENT_LOCAL_CONFIG_FILE="$CONFIG_FILE"
# The sandbox's API tokens (its defaults, or the SANDBOX_*_TOKEN it was started with), exported the
# way a stack's ESC environment exports the real ones: no token is stack config (docs/explanation/secrets.md).
export RENDER_API_KEY="${SANDBOX_RENDER_TOKEN:-rnd_sandbox_local_token}"
export SUPABASE_ACCESS_TOKEN="${SANDBOX_SUPABASE_TOKEN:-sbp_sandbox_local_token}"

# --- the stack config pointing at this checkout's running sandbox ---------------------------------
write_config() {
  local urls render_url supabase_url gateway_url starting
  # Its pid and URLs come together (scripts/local-paths.sh): either it is ready, or starting, or not running.
  if ! urls="$(procurement_sandbox_urls)"; then
    starting="$(procurement_sandbox_starting_pid)" \
      && die "the sandbox of $SANDBOX_DIR is still starting (pid $starting); wait for its \`make sandbox\` (or \`make up\`) to finish, then run this command again"
    die "the sandbox of $SANDBOX_DIR is not running; start it with \`make sandbox\` (or \`make up\`)"
  fi
  read -r render_url supabase_url gateway_url < <("$PROCUREMENT_ROOT/.venv/bin/python" -c '
import json, sys
urls = json.loads(sys.argv[1])
print(urls["render"], urls["supabase"], urls["render_traffic_gateway"])' "$urls")
  sed -e "s#^\(  procurement:renderApiUrl:\).*#\1 $render_url#" \
      -e "s#^\(  procurement:supabaseApiUrl:\).*#\1 $supabase_url#" \
      -e "s#^\(  procurement:renderTrafficGatewayUrl:\).*#\1 $gateway_url#" \
      "$PROCUREMENT_ROOT/Pulumi.$STACK.yaml" >"$CONFIG_FILE.$$"
  # A temporary file of this process's own: two commands at once (a preview in another terminal)
  # never truncate each other's copy.
  grep -q "procurement:renderApiUrl: $render_url\$" "$CONFIG_FILE.$$" \
    && grep -q "procurement:supabaseApiUrl: $supabase_url\$" "$CONFIG_FILE.$$" \
    && grep -q "procurement:renderTrafficGatewayUrl: $gateway_url\$" "$CONFIG_FILE.$$" \
    || { rm -f "$CONFIG_FILE.$$"; die "could not point $CONFIG_FILE at the sandbox"; }
  mv -f "$CONFIG_FILE.$$" "$CONFIG_FILE"
}

select_stack() {
  # The last select: another command created the stack between our select and our init.
  pulumi stack select "$STACK" --non-interactive 2>/dev/null || pulumi stack init "$STACK" --non-interactive >&2 \
    || pulumi stack select "$STACK" --non-interactive
}

# One update of the local stack at a time (fd 8 on $LOCAL_STATE_DIR/local-stack.lock, held until this script
# exits). A second `make up`/`make down` is told so at once, in one line, instead of meeting the engine's lock,
# whose advice (`pulumi cancel`) would break the update that runs.
take_stack_lock() {
  local lock="$LOCAL_STATE_DIR/local-stack.lock" holder
  exec 8>>"$lock"
  if ! flock -n 8; then
    holder="$(cat "$lock" 2>/dev/null)"
    die "another update of the local stack is running (${holder:-pid unknown}; lock $lock); wait for it to finish, then run this command again"
  fi
  echo "pid $$: local-stack.sh $command" >"$lock"
}

# For the commands that name the stack themselves (--stack): create it when missing, and otherwise skip
# the `pulumi stack select` run (a whole CLI start: a fifth of a no-op preview, issue 16).
ensure_stack() {
  # The checkpoint itself (plain or gzipped), not the .bak a `pulumi stack rm` leaves behind.
  compgen -G "$LOCAL_STATE_DIR/.pulumi/stacks/*/$STACK.json" >/dev/null \
    || compgen -G "$LOCAL_STATE_DIR/.pulumi/stacks/*/$STACK.json.gz" >/dev/null || select_stack
}

# Whether a pulumi subcommand runs the program (and so needs the config file).
runs_program() {
  case "${1:-}" in
    up | update | preview | pre | refresh | destroy | down | dn | import) return 0 ;;
    *) return 1 ;;
  esac
}

# After a failed pulumi command: a YAML mistake in the stack file named at its line (the CLI names the `config:`
# line, without the file). Only on failure: a check before every command would cost every no-op preview.
explain_failure() {
  local status=$?
  (cd "$PROCUREMENT_ROOT" && .venv/bin/python -m components.config.stack_file "Pulumi.$STACK.yaml") || true
  exit "$status"
}

# An up on a stack whose last update was interrupted would meet the objects that update created (one error per
# object, beside the engine's own advice): the recovery takes them over instead (docs/how-to/recover-an-interrupted-update.md).
refuse_when_interrupted() {
  local why
  # The checkpoint names pending_operations only when there are some (Pulumi omits the empty list): a grep
  # spares every up a Python start; an unreadable checkpoint is the CLI's (and recover.sh's) to report.
  grep -qs '"pending_operations"' "$LOCAL_STATE_DIR"/.pulumi/stacks/procurement/"$STACK".json || return 0
  why="$(cd "$PROCUREMENT_ROOT" && .venv/bin/python -m recovery interrupted "$PULUMI_BACKEND_URL" procurement "$STACK")" \
    || die "the last update of the local stack was interrupted ($why); run: bash scripts/local-stack.sh recover"
}

# After an up: how to use what it made, as commands that work from the clone (the summary above lists the
# outputs; the API and frontend hostnames are names only here: the sandbox serves the vendors' APIs).
how_to_use() {
  local here=scripts/local-stack.sh sandbox api
  # One Python start for both lines (sandbox.client is stdlib-light): the sandbox's API URLs, and the API
  # service as the sandbox serves it (its traffic port: sandbox/README.md "Render traffic"; empty when not).
  { read -r sandbox; read -r api; } < <(procurement_sandbox_urls | (cd "$PROCUREMENT_ROOT" && .venv/bin/python -c '
import json, sys
from sandbox.client import SandboxControl
urls = json.load(sys.stdin)
print(urls["render"] + " (Render API), " + urls["supabase"] + " (Supabase API)")
try:
    control = SandboxControl(urls["render"], token_file=urls["control_token_file"])
    print(control.traffic(control.service_id(sys.argv[1]))["url"])
except Exception:
    print()' "procurement-$STACK-api") 2>/dev/null) || true
  cat <<EOF

Use it:
  outputs    bash $here output            (add --json --show-secrets for every value)
  database   psql "\$(bash $here output database_url --show-secrets)"
  pulumi     eval "\$(bash $here env)"    then any pulumi command runs on the local stack
  api        ${api:-(not served: the sandbox serves a web service once it is deployed)}${api:+/health  (the API service, as the sandbox serves it)}
  sandbox    $sandbox; .venv/bin/python -m sandbox journal|fault|edit (sandbox/README.md)
  api_url and frontend_url name the real platform's hosts: locally the line "api" above serves the API
  stop       make down, then make sandbox-stop
EOF
}

# The directory of the Pulumi project the caller is in: the nearest Pulumi.yaml from the working directory up.
nearest_project() {
  local dir
  dir="$(pwd -P)"
  while :; do
    [ -f "$dir/Pulumi.yaml" ] && { echo "$dir"; return 0; }
    [ "$dir" = / ] && return 1
    dir="$(dirname "$dir")"
  done
}

write_wrapper() {
  mkdir -p "$WRAPPER_DIR"
  {
    echo '#!/usr/bin/env bash'
    echo "# Written by scripts/local-stack.sh: pulumi on the local stack of this checkout, with its"
    echo "# backend, passphrase, engine and the config file pointing at its sandbox."
    printf 'SANDBOX_DIR=%q LOCAL_STATE_DIR=%q exec bash %q pulumi "$@"\n' \
      "$SANDBOX_DIR" "$LOCAL_STATE_DIR" "$PROCUREMENT_ROOT/scripts/local-stack.sh"
  } >"$WRAPPER_DIR/pulumi.tmp"
  chmod 0755 "$WRAPPER_DIR/pulumi.tmp"
  mv -f "$WRAPPER_DIR/pulumi.tmp" "$WRAPPER_DIR/pulumi"
}

print_env() {
  local name
  for name in PULUMI_HOME PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION \
    PULUMI_DISABLE_REGISTRY_RESOLVE PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE PROCUREMENT_LOCAL_CONFIG_FILE \
    RENDER_API_KEY SUPABASE_ACCESS_TOKEN SANDBOX_DIR LOCAL_STATE_DIR; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
  echo 'unset PULUMI_CONFIG_PASSPHRASE_FILE'
  printf 'export PATH=%q:%q:"$PATH"\n' "$WRAPPER_DIR" "$PROCUREMENT_ROOT/.engine/bin"
}

case "$command" in
  up)
    take_stack_lock; refuse_when_interrupted; write_config; ensure_stack
    # --skip-preview: on `local` nobody reads a plan before it is applied, and the preview pass ran the
    # program and every check/diff once more (a no-op up cost 2x a preview, issue 16). Staging and
    # production keep theirs (CI shows it to a reviewer). `local-stack.sh preview` still shows a plan.
    # The update's summary lists the stack outputs (secrets masked), changed or not: no second CLI run
    # (`pulumi stack output`) to print them again.
    pulumi up --yes --skip-preview --non-interactive --stack "$STACK" --config-file "$CONFIG_FILE" "$@" \
      || explain_failure
    how_to_use
    ;;
  preview | refresh | destroy)
    [ "$command" = preview ] || take_stack_lock
    write_config; ensure_stack
    extra=()
    # No preview pass before refresh/destroy on `local` either (see up): refresh read everything twice.
    [ "$command" = preview ] || extra=(--yes --skip-preview)
    # refresh normally configures providers from the state's copy of the config; running the program
    # gives them the sandbox's current URLs (its ports may have changed since the last up). Not destroy:
    # the engine's `destroy --run-program` (DestroyV2, v3.274.1) records no pending operation for a
    # delete in flight, so a destroy killed mid-way could not be recovered (tests/engine/test_interruptions.py).
    # Destroy uses the URLs of the last up; the sandbox keeps its ports across restarts (docs/tutorials/local-platform.md).
    [ "$command" = refresh ] && extra+=(--run-program)
    pulumi "$command" "${extra[@]}" --non-interactive --stack "$STACK" --config-file "$CONFIG_FILE" "$@" \
      || explain_failure
    # Pulumi's own hint (`pulumi stack rm local`) needs a pulumi on PATH, and without --preserve-config it
    # would delete the committed Pulumi.local.yaml.
    if [ "$command" = destroy ]; then
      echo "local-stack: to forget the stack's history as well: bash scripts/local-stack.sh pulumi stack rm $STACK --yes --preserve-config"
    fi
    ;;
  output)
    select_stack
    pulumi stack output --stack "$STACK" --non-interactive "$@"
    ;;
  cancel)
    select_stack
    pulumi cancel --yes --stack "$STACK" --non-interactive "$@"
    ;;
  pulumi)
    # In another Pulumi project (its Pulumi.yaml nearer than ours, e.g. examples/consumer): that project, in
    # its own directory, with the same backend and passphrase; never this project's stack or config file.
    if project="$(nearest_project)" && [ "$project" != "$PROCUREMENT_ROOT" ]; then
      exec "$PULUMI_BIN" "$@"
    fi
    select_stack
    if runs_program "${1:-}" && [[ " $* " != *" --config-file"* ]]; then
      write_config
      pulumi "$@" --config-file "$CONFIG_FILE"
    else
      pulumi "$@"
    fi
    ;;
  env)
    select_stack >/dev/null
    write_wrapper
    print_env
    ;;
  shell)
    select_stack >/dev/null
    write_wrapper
    eval "$(print_env)"
    echo "local-stack: a shell on the local stack (backend $PULUMI_BACKEND_URL, sandbox $SANDBOX_DIR); exit to leave" >&2
    exec "${SHELL:-/bin/bash}"
    ;;
  recover)
    # Recovery after an interrupted `up` lives in scripts/recover.sh (docs/how-to/recover-an-interrupted-update.md).
    [ -f "$PROCUREMENT_ROOT/scripts/recover.sh" ] || die "this checkout has no scripts/recover.sh"
    if procurement_sandbox_pid >/dev/null; then write_config; fi
    # No `pulumi stack select` first: a kill mid-write can leave the checkpoint's metadata unreadable, which
    # select refuses (and a stack init then meets the dead update's lock); recover.sh names the stack itself
    # and repairs exactly that before anything else.
    exec bash "$PROCUREMENT_ROOT/scripts/recover.sh" --stack "$STACK" --config-file "$CONFIG_FILE" "$@"
    ;;
esac
