#!/usr/bin/env bash
# <repo>/.venv with the lock requirements-dev.txt installed (every transitive dependency, hashes
# required): what `make venv` runs. Installs again only when a lock changed since the last install
# (their hash is kept in the venv). Edit requirements*.in and run `make lock`, never the locks.
#
# Environment: PYTHON (the interpreter that creates the venv; default python3.11, else python3).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

venv=.venv
stamp="$venv/.installed-requirements"
python="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"

if [ ! -x "$venv/bin/python" ]; then
  [ -n "$python" ] || { echo "venv: no python3.11 or python3 on PATH; install Python 3.11 or set PYTHON=" >&2; exit 1; }
  echo "creating $venv with $python"
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "venv: $PWD/$venv runs Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())'), 3.11 is required: remove $venv and run again with PYTHON=<a python3.11>" >&2
  exit 1
fi

wanted="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "$venv/bin/python -m pip install --require-hashes -r requirements-dev.txt"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
  echo "$wanted" >"$stamp"
fi
