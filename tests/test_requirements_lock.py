"""The dependency locks: one source of truth (requirements*.in), compiled into hash-pinned locks.

`make lock` compiles requirements.in -> requirements.txt (what the language host, `pulumi install`
and the program's venv install) and requirements-dev.in -> requirements-dev.txt (what `make venv`,
CI and the policy pack install, with the runtime lock as constraints). These tests fail when a lock
no longer matches its source, when an entry lacks hashes, when the two locks disagree on a
version, or when a test tool leaks into the runtime.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(==|>=|<=|~=|<|>)?\s*([^\s;#\\]*)(.*)$")
LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_requirements(path: Path) -> dict[str, str]:
    """name -> the specifier text of each direct requirement in an .in file (includes and comments skipped)."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name = re.match(r"^[A-Za-z0-9_.\-]+", line).group(0)
        out[canonical(name)] = line[len(name):].split("]", 1)[-1].strip()
    return out


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of every entry in a compiled lock."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for raw in path.read_text().splitlines():
        match = LOCKED.match(raw)
        if match:
            current = canonical(match.group(1))
            entries[current] = (match.group(2), 0)
        elif current and raw.strip().startswith("--hash=sha256:"):
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
        elif raw and not raw.startswith(" "):
            current = None
    return entries


def satisfies(version: str, spec: str) -> bool:
    """Whether a locked version meets an .in specifier (==, >=, <, and comma-separated ranges)."""
    def key(v: str) -> tuple:
        return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.+]", v))
    for part in filter(None, (p.strip() for p in spec.split(","))):
        op, want = re.match(r"(==|>=|<=|<|>|~=)\s*(.+)", part).groups()
        a, b = key(version), key(want)
        ok = {"==": a == b, ">=": a >= b, "<=": a <= b, "<": a < b, ">": a > b, "~=": a >= b}[op]
        if not ok:
            return False
    return True


@pytest.mark.parametrize("source,lock", [("requirements.in", "requirements.txt"),
                                         ("requirements-dev.in", "requirements-dev.txt")])
def test_every_direct_requirement_is_locked_at_an_allowed_version_with_hashes(source, lock):
    entries = locked(ROOT / lock)
    assert entries, f"{lock} has no pinned entries"
    for name, spec in direct_requirements(ROOT / source).items():
        assert name in entries, f"{source} requires {name} but {lock} does not lock it: run `make lock`"
        assert satisfies(entries[name][0], spec), f"{lock} locks {name}=={entries[name][0]}, {source} wants {spec}"
    unhashed = sorted(n for n, (_, hashes) in entries.items() if hashes == 0)
    assert not unhashed, f"{lock} entries without --hash (pip --require-hashes refuses them): {unhashed}"


def test_the_dev_lock_runs_the_program_on_the_runtime_lock_versions():
    runtime, dev = locked(ROOT / "requirements.txt"), locked(ROOT / "requirements-dev.txt")
    differing = {n: (v, dev.get(n, ("missing",))[0]) for n, (v, _) in runtime.items() if dev.get(n, (None,))[0] != v}
    assert not differing, f"requirements-dev.txt must lock the runtime's versions (runtime, dev): {differing}"


def test_test_tools_stay_out_of_the_runtime():
    runtime = set(locked(ROOT / "requirements.txt"))
    for tool in ("pytest", "hypothesis", "openapi-core", "psycopg", "pulumi-policy"):
        assert tool not in runtime, f"{tool} is a test/sandbox/policy tool; keep it in requirements-dev.in"


def test_the_policy_packs_requirements_name_the_locked_versions():
    dev = locked(ROOT / "requirements-dev.txt")
    for name, spec in direct_requirements(ROOT / "policies" / "requirements.txt").items():
        assert name in dev and spec == f"=={dev[name][0]}", (
            f"policies/requirements.txt pins {name}{spec}; the lock has {dev.get(name, ('nothing',))[0]}")


def test_make_venv_installs_the_lock_with_hashes_required():
    script = (ROOT / "tools" / "scripts" / "venv.sh").read_text()  # what `make venv` runs
    assert "--require-hashes -r requirements-dev.txt" in script
    assert 'bash "$(SCRIPTS)/venv.sh"' in (ROOT / "Makefile").read_text()
