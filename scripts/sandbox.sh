#!/usr/bin/env bash
# The local sandbox as a background process: what `make sandbox` and `make sandbox-stop` run.
#
#   bash scripts/sandbox.sh start    # start it unless it runs; prints "sandbox up: {urls}"
#   bash scripts/sandbox.sh stop     # stop it (and its Postgres servers) and wait until it has exited
#   bash scripts/sandbox.sh status   # running or not, and its URLs
#
# Environment: SANDBOX_DIR, LOCAL_STATE_DIR (scripts/local-paths.sh), SANDBOX_RENDER_PORT and
# SANDBOX_SUPABASE_PORT (default 18081 and 18082; 0 = any free port), SANDBOX_ARGS (more
# `python -m sandbox` flags, e.g. "--deploy-delay 0.2 --project-ready-delay 0.2").
# The sandbox keeps its objects in $SANDBOX_DIR/state.json, so a restart finds what the local
# stack's state remembers; its first log line ($SANDBOX_DIR/sandbox.log) holds its URLs. Its control
# API's token, new at every start, is in $SANDBOX_DIR/control-token (mode 0600), where
# `python -m sandbox fault|edit|journal ...` read it (sandbox/README.md "Control API").
# Any expected failure (a port taken, no Postgres) is one line on stderr and a non-zero exit code.
set -euo pipefail

# shellcheck source=scripts/local-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/local-paths.sh"
cd "$PROCUREMENT_ROOT"

say() { echo "$*"; }
fail() { echo "$*" >&2; exit 1; }

urls() { grep -m1 '^{.*"render":' "$SANDBOX_LOG" 2>/dev/null; }

start() {
  local pid
  if pid="$(procurement_sandbox_pid)"; then
    say "sandbox already running (pid $pid): $(urls)"
    return 0
  fi
  [ -x .venv/bin/python ] || fail "sandbox: no .venv in $PROCUREMENT_ROOT; run \`make venv\` first"
  mkdir -p "$SANDBOX_DIR" || fail "sandbox: cannot create $SANDBOX_DIR"
  : >"$SANDBOX_LOG"
  # Its own session: a Ctrl-C meant for `make up` or `pulumi` must not stop the sandbox under them.
  # shellcheck disable=SC2086  # SANDBOX_ARGS is a list of flags
  setsid .venv/bin/python -m sandbox --state "$SANDBOX_STATE_FILE" ${SANDBOX_ARGS:-} >>"$SANDBOX_LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$SANDBOX_PID_FILE"
  for _ in $(seq 1 240); do
    if urls >/dev/null; then
      say "sandbox up: $(urls)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    rm -f "$SANDBOX_PID_FILE"
    fail "sandbox: no URLs within 60 s, stopped it; its log ($SANDBOX_LOG): $(tail -n 20 "$SANDBOX_LOG")"
  fi
  local status=0
  wait "$pid" || status=$?
  rm -f "$SANDBOX_PID_FILE"
  if grep -q '^sandbox: ' "$SANDBOX_LOG"; then
    fail "$(grep '^sandbox: ' "$SANDBOX_LOG" | tail -n 1)"  # its own one-line explanation (e.g. a port in use)
  fi
  fail "sandbox: exited with code $status before it was ready; its log ($SANDBOX_LOG):
$(tail -n 40 "$SANDBOX_LOG")"
}

stop() {
  local pid
  if ! pid="$(procurement_sandbox_pid)"; then
    rm -f "$SANDBOX_PID_FILE"
    # A sandbox that was killed (SIGKILL, OOM) leaves its Postgres servers running: stop those.
    .venv/bin/python -m sandbox stop-databases --state "$SANDBOX_STATE_FILE" 2>/dev/null || true
    say "sandbox not running"
    return 0
  fi
  kill "$pid"
  # It stops its Postgres servers on the way out.
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "sandbox: pid $pid did not exit within 30 s of SIGTERM"
  rm -f "$SANDBOX_PID_FILE"
  say "sandbox stopped"
}

status() {
  local pid
  if pid="$(procurement_sandbox_pid)"; then
    say "sandbox running (pid $pid, state $SANDBOX_DIR): $(urls)"
  else
    say "sandbox not running (state $SANDBOX_DIR)"
    return 3
  fi
}

case "${1:-}" in
  start | stop | status) "$1" ;;
  *) fail "usage: bash scripts/sandbox.sh start|stop|status" ;;
esac
