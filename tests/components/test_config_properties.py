"""Property-based test of the config validator: whatever a stack file holds, the program either
gets a valid config or the one "N configuration problems" error naming keys, never a traceback.

Hypothesis mutates the committed stacks (replace any value anywhere with any JSON value, drop a
key or a field, add unknown ones, duplicate list entries, swap types, NaN and infinities,
path-like and unicode strings) and also builds configs from scratch. Bounded and derandomized so
CI is repeatable; `HYPOTHESIS_PROFILE=deep` explores more.
"""
from __future__ import annotations

import json
import math
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import KEYS, ConfigError, RawConfig, StackConfig, parse_config
from tests.components.stack_cases import STACKS, committed_overrides
from tests.mock_harness import read_stack_config

NAMESPACE = "procurement"
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("deep", max_examples=5000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Values people (and editors) put into YAML by mistake.
NASTY_TEXT = ["", " ", "../../etc", "/etc/passwd", "dist/../..", "~/x", "C:\\x", "a" * 300, "NaN", "Infinity",
              "null", "true", "0", "-1", "1e309", "Background_Worker", "api", "tea-", "sha256:",
              "ghcr.io/a/b@sha256:" + "0" * 64, "http://x", "https://", "x\ny", "\u00e9\u00e8", "*", "{}",
              "[]", "0.0.0.0/0", "::/0", "10.0.0.0/33", "SELECT", "public", "web", "cron", "worker"]
FLOATS = st.sampled_from([math.nan, math.inf, -math.inf, 1e309, -0.0, 0.5, 1e-9, 2.0, 1e18])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), FLOATS,
                    st.sampled_from(NASTY_TEXT), st.text(max_size=12))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                    max_leaves=12)


def _stack_tree(stack: str) -> tuple[dict[str, Any], frozenset[str]]:
    f = read_stack_config(stack, overrides=committed_overrides(stack))
    tree = {}
    for key, text in f.values.items():
        try:
            tree[key] = json.loads(text) if text[:1] in "{[" else text
        except ValueError:
            tree[key] = text
    return tree, f.secret_keys


BASES = {stack: _stack_tree(stack) for stack in STACKS}


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _apply(tree: dict[str, Any], path: tuple, op: str, new: Any) -> None:
    *parents, last = path
    node: Any = tree
    for step in parents:
        node = node[step]
    if op == "delete":
        del node[last]
    elif op == "set":
        node[last] = new
    elif op == "add" and isinstance(node[last], dict):
        node[last]["x" + str(len(node[last]))] = new
    elif op == "add" and isinstance(node[last], list):
        node[last].append(new)
    elif op == "duplicate" and isinstance(node[last], list) and node[last]:
        node[last].append(json.loads(json.dumps(node[last][0], allow_nan=True)))
    else:
        node[last] = new


@st.composite
def mutated_configs(draw) -> tuple[str, RawConfig]:
    stack = draw(st.sampled_from(STACKS))
    tree, secret_keys = BASES[stack]
    tree = json.loads(json.dumps(tree, allow_nan=True))
    secret = set(secret_keys)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(tree) if p]
        path = draw(st.sampled_from(paths)) if paths and draw(st.booleans()) else (
            f"{NAMESPACE}:" + draw(st.sampled_from([k.name for k in KEYS] + ["domian", "backend.plan", "x"])),)
        if path[0] not in tree and len(path) == 1:
            tree[path[0]] = draw(JSON)
            continue
        op = draw(st.sampled_from(["set", "set", "delete", "add", "duplicate"]))
        _apply(tree, path, op, draw(JSON))
        if draw(st.integers(0, 9)) == 0:  # sometimes flip a key's encryption
            secret ^= {path[0]}
    return stack, _raw(tree, secret)


@st.composite
def scratch_configs(draw) -> tuple[str, RawConfig]:
    keys = draw(st.lists(st.sampled_from([k.name for k in KEYS]), max_size=len(KEYS), unique=True))
    tree = {f"{NAMESPACE}:{k}": draw(JSON) for k in keys}
    secret = {k for k in tree if draw(st.integers(0, 4)) == 0}
    return draw(st.sampled_from(STACKS)), _raw(tree, secret)


def _raw(tree: dict[str, Any], secret: set[str]) -> RawConfig:
    # What the engine hands a program: strings, objects and lists as JSON text (Go's encoder has no
    # NaN; Python's json does, so a NaN that reaches the program arrives as the bare token NaN).
    values = {k: (v if isinstance(v, str) else json.dumps(v, allow_nan=True)) for k, v in tree.items()}
    return RawConfig(values=values, secret_keys=frozenset(k for k in secret if k in values))


def _check(stack: str, raw: RawConfig) -> None:
    try:
        result = parse_config(raw, project="procurement", stack=stack)
    except ConfigError as error:
        assert error.problems, "a ConfigError must list at least one problem"
        head = str(error).splitlines()[0]
        assert head.startswith(f"Stack '{stack}' has {len(error.problems)} configuration problem"), head
        for problem in error.problems:
            assert problem.key.startswith(f"{NAMESPACE}:"), f"a problem must name its key: {problem}"
            assert problem.message.strip(), problem
        return
    assert isinstance(result, StackConfig)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_mutated_stacks_give_a_valid_config_or_the_one_error_naming_keys(case):
    _check(*case)


@given(scratch_configs())
def test_configs_from_scratch_give_a_valid_config_or_the_one_error_naming_keys(case):
    _check(*case)
