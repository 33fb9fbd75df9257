#!/usr/bin/env bash
# The local sandbox as a background process: what `make sandbox` and `make sandbox-stop` run.
#
#   bash tools/scripts/sandbox.sh start    # start it unless it runs; prints "sandbox up: {urls}"
#   bash tools/scripts/sandbox.sh stop     # stop it (and its Postgres servers) and wait until it has exited
#   bash tools/scripts/sandbox.sh status   # running or not, and its URLs
#
# Environment: SANDBOX_DIR, LOCAL_STATE_DIR (tools/scripts/local-paths.sh), SANDBOX_RENDER_PORT,
# SANDBOX_SUPABASE_PORT and SANDBOX_TRAFFIC_PORT (the Render traffic gateway; default 18081, 18082 and the
# Render port + 2, so 18083; 0 = any free port; `python -m tools.sandbox` reads them), SANDBOX_ARGS (more
# `python -m tools.sandbox` flags, e.g. "--deploy-delay 0.2 --project-ready-delay 0.2").
# The sandbox keeps its objects in $SANDBOX_DIR/state.json, so a restart finds what the local
# stack's state remembers. Once it listens it writes $SANDBOX_DIR/sandbox.ready (its pid and URLs together,
# in one rename; tools/scripts/local-paths.sh reads it). Starts and stops of one SANDBOX_DIR take turns (flock on
# $SANDBOX_DIR/sandbox.lock): a second `make up` waits for the first's start and uses its sandbox. Its control
# API's token, new at every start, is in $SANDBOX_DIR/control-token (mode 0600), where
# `python -m tools.sandbox fault|edit|journal ...` read it (tools/sandbox/README.md "Control API").
# Any expected failure (a port taken, no Postgres) is one line on stderr and a non-zero exit code.
# SANDBOX_LOCK_WAIT: seconds to wait for another start or stop of the same SANDBOX_DIR (default: a start's
# longest, 60 + SANDBOX_PACKAGE_LOCK_TIMEOUT (default 300) + 30).
set -euo pipefail

LOCAL_WINDOW_SCALE=0.01  # docs/tutorials/local-platform.md: Render's rate-limit windows, scaled

# shellcheck source=tools/scripts/local-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/local-paths.sh"
cd "$PROCUREMENT_ROOT"

say() { echo "$*"; }
fail() { echo "$*" >&2; exit 1; }

urls() { procurement_sandbox_urls; }

# Take turns with any other start or stop of this SANDBOX_DIR (fd 9, released when this script exits).
take_lock() {
  mkdir -p "$SANDBOX_DIR" || fail "sandbox: cannot create $SANDBOX_DIR"
  local wait="${SANDBOX_LOCK_WAIT:-$((60 + ${SANDBOX_PACKAGE_LOCK_TIMEOUT:-300} + 30))}"
  exec 9>>"$SANDBOX_LOCK_FILE"
  flock -n 9 && return 0
  echo "sandbox: another start or stop of $SANDBOX_DIR is under way; waiting for it (at most $wait s)" >&2
  flock -w "$wait" 9 \
    || fail "sandbox: another start or stop of $SANDBOX_DIR still holds $SANDBOX_LOCK_FILE after $wait s; let it finish (\`make sandbox-status\`), then run this command again"
}

start() {
  local pid
  take_lock
  if pid="$(procurement_sandbox_pid)"; then
    say "sandbox already running (pid $pid): $(urls)"
    return 0
  fi
  if pid="$(procurement_sandbox_starting_pid)"; then
    # Started by a `make sandbox` that was killed before it was ready: stop it, then start afresh.
    stop_pid "$pid"
  fi
  [ -x .venv/bin/python ] || fail "sandbox: no .venv in $PROCUREMENT_ROOT; run \`make venv\` first"
  rm -f "$SANDBOX_READY_FILE"
  : >"$SANDBOX_LOG"
  # Its own session: a Ctrl-C meant for `make up` or `pulumi` must not stop the sandbox under them. Without
  # fd 9: the lock is this script's, not the sandbox's.
  # The local loop never waits on an hourly vendor window: Render's windows scaled by LOCAL_WINDOW_SCALE (an
  # hour becomes 36 s; 429s still happen and are waited out, in seconds). The tests' own sandboxes keep the
  # recorded windows; SANDBOX_ARGS comes last, so --rate-limit-time-scale 1 there restores them here too.
  # shellcheck disable=SC2086  # SANDBOX_ARGS is a list of flags
  setsid .venv/bin/python -m tools.sandbox --state "$SANDBOX_STATE_FILE" --ready-file "$SANDBOX_READY_FILE" \
    --rate-limit-time-scale "$LOCAL_WINDOW_SCALE" ${SANDBOX_ARGS:-} >>"$SANDBOX_LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$SANDBOX_PID_FILE"
  # 60 s to listen, plus however long it may wait for the system package lock (tools/sandbox/packages.py), whose
  # progress lines it logs and we show.
  local shown=0 lines limit=$((240 + 4 * ${SANDBOX_PACKAGE_LOCK_TIMEOUT:-300}))
  for _ in $(seq 1 "$limit"); do
    if procurement_sandbox_pid >/dev/null; then
      say "sandbox up: $(urls)"
      return 0
    fi
    lines="$(grep -c '^sandbox: waiting' "$SANDBOX_LOG" 2>/dev/null || true)"
    if [ "${lines:-0}" -gt "$shown" ]; then
      grep '^sandbox: waiting' "$SANDBOX_LOG" | tail -n +"$((shown + 1))" >&2
      shown="$lines"
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    rm -f "$SANDBOX_PID_FILE"
    fail "sandbox: not ready within $((limit / 4)) s, stopped it; its log ($SANDBOX_LOG): $(tail -n 20 "$SANDBOX_LOG")"
  fi
  local status=0
  wait "$pid" || status=$?
  rm -f "$SANDBOX_PID_FILE"
  local reason
  reason="$(grep '^sandbox: ' "$SANDBOX_LOG" | grep -v '^sandbox: waiting' | tail -n 1)"
  [ -z "$reason" ] || fail "$reason"  # its own one-line explanation (e.g. a port in use)
  fail "sandbox: exited with code $status before it was ready; its log ($SANDBOX_LOG):
$(tail -n 40 "$SANDBOX_LOG")"
}

# SIGTERM, then wait until it has exited (it stops its Postgres servers on the way out).
stop_pid() {
  local pid="$1"
  kill "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "sandbox: pid $pid did not exit within 30 s of SIGTERM"
  rm -f "$SANDBOX_PID_FILE" "$SANDBOX_READY_FILE"
}

stop() {
  local pid
  take_lock
  if ! pid="$(procurement_sandbox_pid)" && ! pid="$(procurement_sandbox_starting_pid)"; then
    rm -f "$SANDBOX_PID_FILE" "$SANDBOX_READY_FILE"
    # A sandbox that was killed (SIGKILL, OOM) leaves its Postgres servers running: stop those.
    .venv/bin/python -m tools.sandbox stop-databases --state "$SANDBOX_STATE_FILE" 2>/dev/null || true
    say "sandbox not running"
    return 0
  fi
  stop_pid "$pid"
  say "sandbox stopped"
}

status() {
  local pid
  if pid="$(procurement_sandbox_pid)"; then
    say "sandbox running (pid $pid, state $SANDBOX_DIR): $(urls)"
  elif pid="$(procurement_sandbox_starting_pid)"; then
    say "sandbox starting (pid $pid, state $SANDBOX_DIR): not ready yet"
    return 3
  else
    say "sandbox not running (state $SANDBOX_DIR)"
    return 3
  fi
}

case "${1:-}" in
  start | stop | status) "$1" ;;
  *) fail "usage: bash tools/scripts/sandbox.sh start|stop|status" ;;
esac
