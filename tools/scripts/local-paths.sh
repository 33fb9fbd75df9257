# shellcheck shell=bash
# Sourced by the scripts of the local platform (tools/scripts/sandbox.sh, tools/scripts/local-stack.sh) before
# they change directory: resolves the repository root and every sandbox and state path to an
# absolute path, once. A relative SANDBOX_DIR or LOCAL_STATE_DIR is relative to the caller's
# working directory (under make: the directory make runs in).
#
#   SANDBOX_DIR       sandbox state, pid/ready/lock files, log, generated stack config (default <repo>/.sandbox-state)
#   LOCAL_STATE_DIR   the local stack's file backend (default <repo>/.pulumi-state)

PROCUREMENT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

# Absolute and normalised (no `..`), symlinks kept as the user named them; the directory may not exist yet.
procurement_abspath() { realpath -m -s -- "$1"; }

SANDBOX_DIR="$(procurement_abspath "${SANDBOX_DIR:-$PROCUREMENT_ROOT/.sandbox-state}")"
LOCAL_STATE_DIR="$(procurement_abspath "${LOCAL_STATE_DIR:-$PROCUREMENT_ROOT/.pulumi-state}")"
SANDBOX_STATE_FILE="$SANDBOX_DIR/state.json"
SANDBOX_PID_FILE="$SANDBOX_DIR/sandbox.pid"      # the pid of a sandbox started (maybe not ready yet)
SANDBOX_READY_FILE="$SANDBOX_DIR/sandbox.ready"  # written by the sandbox once it listens: its pid and URLs, as one
SANDBOX_LOCK_FILE="$SANDBOX_DIR/sandbox.lock"    # flock'd by tools/scripts/sandbox.sh: one start or stop at a time
SANDBOX_LOG="$SANDBOX_DIR/sandbox.log"
export SANDBOX_DIR LOCAL_STATE_DIR

# Whether PID runs a sandbox serving SANDBOX_DIR (a pid the system reused for another program does not count):
# the process's `--state` argument, taken relative to its working directory, must be our state file.
procurement_is_our_sandbox() {
  local pid="$1" state
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -A1 -xF -- --state | tail -n +2)" || return 1
  case "$state" in
    "") return 1 ;;
    /*) ;;
    *) state="$(readlink "/proc/$pid/cwd")/$state" ;;
  esac
  [ "$(procurement_abspath "$state")" = "$SANDBOX_STATE_FILE" ]
}

# The ready sandbox's URLs and pid (one JSON line, read once: the sandbox publishes both in one rename), if it
# runs: a file left by a crash names a process that is gone, or another program, and does not count.
procurement_sandbox_urls() {
  local ready pid
  ready="$(cat "$SANDBOX_READY_FILE" 2>/dev/null)" || return 1
  pid="$(grep -o '"pid": *[0-9]*' <<<"$ready" | grep -o '[0-9]*$')" || return 1
  procurement_is_our_sandbox "$pid" || return 1
  echo "$ready"
}

# The pid of the ready sandbox serving SANDBOX_DIR, if it runs.
procurement_sandbox_pid() {
  local ready
  ready="$(procurement_sandbox_urls)" || return 1
  grep -o '"pid": *[0-9]*' <<<"$ready" | grep -o '[0-9]*$'
}

# The pid of a sandbox of SANDBOX_DIR that was started and has not written its ready file (yet).
procurement_sandbox_starting_pid() {
  local pid
  pid="$(cat "$SANDBOX_PID_FILE" 2>/dev/null)" || return 1
  procurement_is_our_sandbox "$pid" || return 1
  procurement_sandbox_pid >/dev/null && return 1
  echo "$pid"
}
