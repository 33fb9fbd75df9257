# shellcheck shell=bash
# Sourced by the scripts of the local platform (scripts/sandbox.sh, scripts/local-stack.sh) before
# they change directory: resolves the repository root and every sandbox and state path to an
# absolute path, once. A relative SANDBOX_DIR or LOCAL_STATE_DIR is relative to the caller's
# working directory (under make: the directory make runs in).
#
#   SANDBOX_DIR       sandbox state, pid file, log, generated stack config (default <repo>/.sandbox-state)
#   LOCAL_STATE_DIR   the local stack's file backend (default <repo>/.pulumi-state)

PROCUREMENT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# Absolute and normalised (no `..`), symlinks kept as the user named them; the directory may not exist yet.
procurement_abspath() { realpath -m -s -- "$1"; }

SANDBOX_DIR="$(procurement_abspath "${SANDBOX_DIR:-$PROCUREMENT_ROOT/.sandbox-state}")"
LOCAL_STATE_DIR="$(procurement_abspath "${LOCAL_STATE_DIR:-$PROCUREMENT_ROOT/.pulumi-state}")"
SANDBOX_STATE_FILE="$SANDBOX_DIR/state.json"
SANDBOX_PID_FILE="$SANDBOX_DIR/sandbox.pid"
SANDBOX_LOG="$SANDBOX_DIR/sandbox.log"
export SANDBOX_DIR LOCAL_STATE_DIR

# The pid of the sandbox serving SANDBOX_DIR, if it runs (a pid file left by a crash, or a pid the
# system reused for another program, does not count): the process's `--state` argument, taken
# relative to its working directory, must be our state file.
procurement_sandbox_pid() {
  local pid state
  pid="$(cat "$SANDBOX_PID_FILE" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -A1 -xF -- --state | tail -n +2)" || return 1
  case "$state" in
    "") return 1 ;;
    /*) ;;
    *) state="$(readlink "/proc/$pid/cwd")/$state" ;;
  esac
  [ "$(procurement_abspath "$state")" = "$SANDBOX_STATE_FILE" ] || return 1
  echo "$pid"
}
