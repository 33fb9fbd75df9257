#!/usr/bin/env bash
# Provides the Pulumi engine (CLI + Python plugins) without Pulumi's download site.
#
#   bash tools/scripts/install-engine.sh      # prints the engine's bin directory as its last line
#   source tools/engine/env.sh                # puts <repo>/.engine/bin on PATH, offline settings
#
# Where the CLI comes from, in order: a `pulumi` on PATH at PULUMI_CLI_VERSION; a build cached
# in the per-user cache; a build from the Go module proxy (~5 min cold on 2 cores). The Python
# plugins always come from the pinned SDK's Go module (exec script, dynamic-provider host) and
# from this repo (tools/engine/pulumi-language-python and its package tools/engine/language_host/, see
# tools/engine/README.md for why).
# Nothing is written into the repo except the git-ignored symlink .engine/bin.
#
# Environment: PROCUREMENT_ENGINE_CACHE (cache dir), PROCUREMENT_ENGINE_REBUILD=1 (ignore the
# cached CLI), PROCUREMENT_ENGINE_PYTHON (interpreter for the language host's venv, >= 3.11).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=engine-versions.env
source "$here/engine-versions.env"

log() { echo "install-engine: $*" >&2; }
# Exit code 3 marks a failure already explained by fail(), also from inside $(...).
fail() { log "FAILED: $*"; exit 3; }
# Any other failure names the command that failed.
trap 'rc=$?; [ "$rc" -eq 3 ] || log "FAILED (exit $rc): $BASH_COMMAND"; exit "$rc"' ERR

cache_root="${PROCUREMENT_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procurement-infra/engine}"
mkdir -p "$cache_root"
cache_root="$(cd "$cache_root" && pwd -P)"
cli_dir="$cache_root/cli/v${PULUMI_CLI_VERSION}"
sdk_scripts="$cache_root/sdk-python/v${PULUMI_SDK_VERSION}"
host_venv="$cache_root/langhost-venv/sdk-v${PULUMI_SDK_VERSION}"
host_src="$root/tools/engine/pulumi-language-python"
host_pkg="$root/tools/engine/language_host"
host_files() { # the host's sources, as names relative to tools/engine/, in a stable order
  (cd "$root/tools/engine" && { echo pulumi-language-python; find language_host -name '*.py' -type f; } | LC_ALL=C sort)
}
# The hash covers the executable and every module of its package (names and contents).
host_hash="$(cd "$root/tools/engine" && host_files | xargs -d '\n' sha256sum | sha256sum | cut -c1-12)"
# One bin dir per (CLI, SDK, language host) so checkouts with different hosts never fight.
bin="$cache_root/bin/cli-v${PULUMI_CLI_VERSION}-sdk-v${PULUMI_SDK_VERSION}-host-${host_hash}"

# Serialize concurrent installs (Makefile, several pytest sessions, CI) on one cache.
exec 9>"$cache_root/.lock"
flock 9

export PULUMI_SKIP_UPDATE_CHECK=true
cli_version() { # prints the version a pulumi binary reports, or nothing
  [ -x "$1" ] && timeout 60 "$1" version 2>/dev/null | head -n1 || true
}

complete() { # a usable bin dir has the CLI at the version and the three Python plugins
  [ "$(cli_version "$1/pulumi")" = "v${PULUMI_CLI_VERSION}" ] \
    && [ -x "$1/pulumi-language-python" ] && cmp -s <(tail -n +2 "$host_src") <(tail -n +2 "$1/pulumi-language-python") \
    && diff -rq -x __pycache__ "$host_pkg" "$1/language_host" >/dev/null \
    && [ -x "$1/pulumi-resource-pulumi-python" ] && [ -f "$1/pulumi-language-python-exec" ] \
    && "$host_venv/bin/python" -c 'import grpc, pulumi.runtime.proto.language_pb2_grpc' 2>/dev/null
}

link_into_repo() {
  mkdir -p "$root/.engine"
  ln -sfn "$1" "$root/.engine/bin"
}

if [ -z "${PROCUREMENT_ENGINE_REBUILD:-}" ] && complete "$bin"; then
  log "cache hit: $bin"
  link_into_repo "$bin"
  echo "$bin"
  exit 0
fi

go_env() {
  command -v go >/dev/null || fail "go is required to fetch Pulumi's modules (Go >= 1.26 from the Go module proxy); 'command -v go' found nothing"
  export GOWORK=off GOFLAGS="-modcacherw" CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
}

json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1], ""))' "$1"; }

download() { # module@version -> its directory in the module cache; fails with the proxy's answer
  local out err
  out="$(go mod download -json "$1" 2>/dev/null)" || true
  err="$(echo "$out" | json_field Error 2>/dev/null || true)"
  if [ -z "$out" ] || [ -n "$err" ]; then
    fail "go mod download -json $1 (GOPROXY=$(go env GOPROXY)): ${err:-no output}"
  fi
  echo "$out" | json_field Dir
}

# --- 1. the CLI -------------------------------------------------------------------------------
cli=""
if [ -z "${PROCUREMENT_ENGINE_REBUILD:-}" ]; then
  path_cli="$(command -v pulumi || true)"
  if [ -n "$path_cli" ] && [ "$(cli_version "$path_cli")" = "v${PULUMI_CLI_VERSION}" ]; then
    case "$(readlink -f "$path_cli")" in
      "$cache_root"/*) ;; # our own cached build, found through .engine/bin; handled below
      *) cli="$(readlink -f "$path_cli")"; log "using pulumi v${PULUMI_CLI_VERSION} from PATH: $cli" ;;
    esac
  fi
  if [ -z "$cli" ] && [ "$(cli_version "$cli_dir/pulumi")" = "v${PULUMI_CLI_VERSION}" ]; then
    cli="$cli_dir/pulumi"
    log "cached CLI: $cli"
  fi
fi

if [ -z "$cli" ]; then
  go_env
  start=$SECONDS
  work="$cache_root/src/pulumi-v${PULUMI_CLI_VERSION}"
  sdk_dir="$(download "github.com/pulumi/pulumi/sdk/v3@v${PULUMI_CLI_VERSION}")"
  pkg_dir="$(download "github.com/pulumi/pulumi/pkg/v3@v${PULUMI_CLI_VERSION}")"
  # pkg/go.mod says `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk`, which is why
  # `go install ...@version` is refused: rebuild the repository layout so the relative replace
  # resolves, and Pulumi's own go.sum pins every dependency.
  rm -rf "$work"; mkdir -p "$work"
  cp -r "$sdk_dir" "$work/sdk"; cp -r "$pkg_dir" "$work/pkg"; chmod -R u+w "$work"
  ldflags="-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_CLI_VERSION}"
  log "building pulumi v${PULUMI_CLI_VERSION} from the Go module proxy (minutes on 2 cores)"
  mkdir -p "$cli_dir"
  (cd "$work/pkg" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
     -o "$cli_dir/pulumi.partial" ./cmd/pulumi) \
    || fail "(cd $work/pkg && go build -trimpath -tags osusergo,grpcnotrace -ldflags '$ldflags' ./cmd/pulumi); see the go output above"
  mv -f "$cli_dir/pulumi.partial" "$cli_dir/pulumi"
  rm -rf "$work"
  cli="$cli_dir/pulumi"
  [ "$(cli_version "$cli")" = "v${PULUMI_CLI_VERSION}" ] \
    || fail "$cli version printed '$(cli_version "$cli")', expected v${PULUMI_CLI_VERSION}"
  log "built $cli in $((SECONDS - start))s"
fi

# --- 2. the SDK's Python scripts (exec shim, dynamic-provider host) ------------------------
if [ ! -f "$sdk_scripts/pulumi-language-python-exec" ] || [ ! -f "$sdk_scripts/pulumi-resource-pulumi-python" ]; then
  go_env
  py_sdk="$(download "github.com/pulumi/pulumi/sdk/v3@v${PULUMI_SDK_VERSION}")"
  mkdir -p "$sdk_scripts"
  install -m 0755 "$py_sdk/python/cmd/pulumi-language-python-exec" "$sdk_scripts/"
  install -m 0755 "$py_sdk/python/dist/pulumi-resource-pulumi-python" "$sdk_scripts/"
fi

# --- 3. the language host's own virtualenv (grpc + generated stubs of the pinned SDK) -----
if ! "$host_venv/bin/python" -c 'import grpc, pulumi.runtime.proto.language_pb2_grpc' 2>/dev/null; then
  python="${PROCUREMENT_ENGINE_PYTHON:-python3}"
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "$python is older than Python 3.11 (the language host needs tomllib); set PROCUREMENT_ENGINE_PYTHON"
  log "creating the language host's virtualenv with pulumi==${PULUMI_SDK_VERSION} (PyPI)"
  rm -rf "$host_venv"
  "$python" -m venv "$host_venv"
  "$host_venv/bin/python" -m pip install --disable-pip-version-check -q "pulumi==${PULUMI_SDK_VERSION}" >&2 \
    || fail "$host_venv/bin/python -m pip install pulumi==${PULUMI_SDK_VERSION}; see pip's output above"
fi

# --- 4. assemble the bin dir (atomically; the CLI is hard-linked, not copied, when possible) --
rm -rf "$bin.partial"; mkdir -p "$bin.partial"
# A real file, not a symlink: the engine looks for bundled plugins next to the resolved binary.
ln "$cli" "$bin.partial/pulumi" 2>/dev/null || cp "$cli" "$bin.partial/pulumi"
install -m 0755 "$sdk_scripts/pulumi-language-python-exec" "$sdk_scripts/pulumi-resource-pulumi-python" "$bin.partial/"
{ echo "#!$host_venv/bin/python"; tail -n +2 "$host_src"; } > "$bin.partial/pulumi-language-python"
chmod 0755 "$bin.partial/pulumi-language-python"
# The executable imports its package from its own directory (see tools/engine/language_host/__init__.py).
mkdir -p "$bin.partial/language_host"
while IFS= read -r module; do
  install -m 0644 "$root/tools/engine/$module" "$bin.partial/$module"
done < <(host_files | grep '^language_host/')
rm -rf "$bin"; mv "$bin.partial" "$bin"
complete "$bin" || fail "assembled $bin but it is incomplete (pulumi version: '$(cli_version "$bin/pulumi")')"
link_into_repo "$bin"
log "installed: $bin (linked as $root/.engine/bin)"
echo "$bin"
