#!/usr/bin/env bash
# Recover a stack after an interrupted `pulumi up` or `destroy` (docs/how-to/recover-an-interrupted-update.md).
#
#   bash tools/scripts/recover.sh --stack acme-procurement/procurement/staging [--cancel] [--destroy] [pulumi up flags]
#   bash tools/scripts/local-stack.sh recover                   # the same for `local`, in the local stack's environment
#
# 1. The lock. A file backend's lock whose `pulumi` process is gone (same host, pid not running
#    pulumi) is released with `pulumi cancel`; one whose process still runs stops the script. Any
#    other lock (Pulumi Cloud, another host) is released only with --cancel, after you checked the
#    update is dead (docs/how-to/recover-an-interrupted-update.md says how). A file backend's checkpoint metadata that the kill left
#    unreadable ("failed to load checkpoint: EOF") is repaired first (ops/recovery/checkpoint.py).
# 2. The pending operations the interrupted update left (`pulumi stack export`) are listed, then
#    cleared by `pulumi refresh --clear-pending-creates` (refresh also re-reads every recorded object).
# 3. `pulumi up`, with `procurement:adopt` naming exactly the objects the interrupted creates asked
#    for, in a temporary copy of the stack's config (the committed stack file is never edited), so
#    they are taken over instead of failing or being duplicated. With --destroy, `pulumi destroy`
#    follows (after the up that takes the interrupted creates over, if there were any).
# 4. No pending operation may be left; the script says "recovered" and exits 0.
#
# Options: --stack/-s, --config-file (used for refresh and up; default Pulumi.<stack>.yaml), --cancel,
# --destroy; every other argument goes to `pulumi up` (and `destroy`), e.g. --policy-pack policies.
# `pulumi` comes from PATH (else tools/engine/env.sh); the backend and credentials from the environment.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

stack="" config_file="" cancel=0 destroy=0
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    -s | --stack) stack="$2"; shift 2 ;;
    --stack=*) stack="${1#*=}"; shift ;;
    --config-file) config_file="$2"; shift 2 ;;
    --config-file=*) config_file="${1#*=}"; shift ;;
    --cancel) cancel=1; shift ;;
    --destroy) destroy=1; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done

say() { echo "recover: $*" >&2; }
fail() { say "$*"; exit "${code:-1}"; }

command -v pulumi >/dev/null || { [ -f tools/engine/env.sh ] && source tools/engine/env.sh; }
command -v pulumi >/dev/null || fail "no pulumi on PATH (install the CLI, or: make engine && source tools/engine/env.sh)"
py=.venv/bin/python
[ -x "$py" ] || py=python3
helper() { PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$py" -m ops.recovery "$@"; }

[ -n "$stack" ] || stack="$(pulumi stack --show-name --non-interactive 2>/dev/null)" \
  || fail "no stack selected: pass --stack <org>/<project>/<stack>"
cfg=()
[ -n "$config_file" ] && cfg=(--config-file "$config_file")
stack_file="${config_file:-Pulumi.${stack##*/}.yaml}"
project="$(sed -n 's/^name: *//p' Pulumi.yaml | head -n1)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run() { say "\$ pulumi $*"; pulumi "$@" --non-interactive; }

# 1. The lock (and, on a file backend, a checkpoint the kill left unreadable).
backend="${PULUMI_BACKEND_URL:-$(pulumi whoami --json --non-interactive 2>/dev/null | "$py" -c 'import json,sys; print(json.load(sys.stdin).get("url", ""))' || true)}"
helper repair "$backend" "$project" "$stack" | while read -r line; do say "$line"; done
read -r lock detail < <(helper lock "$backend" "$project" "$stack")
case "$lock" in
  none) ;;
  dead) say "the update holding the lock is gone ($detail): releasing it"; run cancel --yes --stack "$stack" ;;
  alive) code=3 fail "an update of $stack is still running ($detail): let it finish, or stop it and run this again" ;;
  *) if [ "$cancel" = 1 ]; then
       say "releasing the lock of the interrupted update (--cancel)"
       run cancel --yes --stack "$stack" || say "pulumi cancel found nothing to cancel; going on"
     fi ;;
esac

# 2. Pending operations: list, then clear.
pulumi stack export --stack "$stack" --non-interactive > "$work/before.json"
pending="$(helper pending "$work/before.json")"
if [ -n "$pending" ]; then
  say "the interrupted update left these operations unfinished:"
  sed 's/^/  /' <<<"$pending" >&2
fi
if ! run refresh --yes --skip-preview --clear-pending-creates --stack "$stack" "${cfg[@]}" > "$work/refresh.log" 2>&1; then
  cat "$work/refresh.log" >&2
  if grep -qiE "currently locked|update is currently in progress|conflict" "$work/refresh.log"; then
    code=3 fail "$stack is locked by an update this script cannot prove dead ($detail). Check that no update of it runs (docs/how-to/recover-an-interrupted-update.md), then run again with --cancel"
  fi
  fail "refresh failed"
fi
pulumi stack export --stack "$stack" --non-interactive > "$work/cleared.json"
[ -z "$(helper pending "$work/cleared.json")" ] || fail "pending operations are still in the state after refresh"

# 3. Up, taking over what the interrupted creates asked for.
up_cfg=("${cfg[@]}")
adopted="$(helper adopt-config "$work/before.json" "$stack_file" "$work/Pulumi.recover.yaml")"
if [ -n "$adopted" ]; then
  say "taking over the objects the interrupted creates asked for (procurement:adopt, this run only):"
  sed 's/^/  /' <<<"$adopted" >&2
  up_cfg=(--config-file "$work/Pulumi.recover.yaml")
fi
if [ -n "$adopted" ] || [ "$destroy" = 0 ]; then
  run up --yes --stack "$stack" "${up_cfg[@]}" "${pass[@]}"
fi
if [ "$destroy" = 1 ]; then
  run destroy --yes --stack "$stack" "${cfg[@]}" "${pass[@]}"
fi

# 4. Nothing left pending.
pulumi stack export --stack "$stack" --non-interactive > "$work/after.json"
[ -z "$(helper pending "$work/after.json")" ] || fail "pending operations are left after the update"
say "recovered: $stack has no pending operations and matches the program"
