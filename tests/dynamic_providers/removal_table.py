"""The removal table (issue 14): what removing each optional input of each provider does, checked live.

``optional_fields()`` is generated from the providers' own ``Field`` declarations (every concrete
``DeclarativeProvider`` in ``dynamic_providers.render`` and ``dynamic_providers.supabase``), so a new
field cannot be left out: ``test_removal_table.py`` fails for a field without a removal decision or
without a case in ``render/test_render_removals.py`` / ``supabase/test_supabase_removals.py``.

A case declares the program *with* the field set and what removing it must do:

- ``REVERT``: up without it (remember the live value), up with it (it is live), up without it again:
  the preview shows a change, no warning, and the live object (read back from the sandbox) holds
  the value from before (``to_prior``), the documented default (``to_default``) or the check default
  (fields with ``default=``); a refresh after that leaves no diff. A ``to_prior`` field without a
  fallback that had no value before must warn instead (and leave the live value).
- ``WARN``: up with it, then the preview without it warns naming the field, up leaves the live
  value as it was, and the next preview is clean (the field is no longer managed).
- ``REFUSED``: check refuses the program without it (a preview error naming the field), so there is
  no removal to revert.
- ``INERT``: the input is no setting of the live object; removing it changes and warns nothing.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, Optional

from dynamic_providers.core import progress
from dynamic_providers.core.fields import (
    NO_LIVE_SETTING,
    REVERT_TO_DEFAULT,
    REVERT_TO_PRIOR,
    WARN,
    Field,
    canonical,
)
from dynamic_providers.core.provider import DeclarativeProvider

REVERT, WARNS, REFUSED, INERT = "revert", "warn", "refused", "inert"
EXPECT_OF_MODE = {REVERT_TO_PRIOR: REVERT, REVERT_TO_DEFAULT: REVERT, WARN: WARNS, NO_LIVE_SETTING: INERT}


@dataclass(frozen=True)
class Case:
    program: Callable[[Any], dict]  # ctx -> inputs with the field set
    expect: str = ""  # REVERT/WARNS/REFUSED/INERT; empty: derived from the field's declaration
    expected: Any = None  # REVERT: the live value after removal, when not derived from the declaration
    before: Optional[Callable[[Any], None]] = None  # ctx -> None: out-of-band setup before the first up


def concrete_providers() -> list[type]:
    """Every provider class the render and supabase packages define (abstract bases have no fields of their own)."""
    found: dict[str, type] = {}
    for package in ("dynamic_providers.render", "dynamic_providers.supabase"):
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__):
            module = importlib.import_module(f"{package}.{info.name}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DeclarativeProvider) and cls.__module__ == module.__name__:
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[k] for k in sorted(found)]


def optional_fields(package: Optional[str] = None) -> list[tuple[type, str, Field]]:
    """(provider class, field name, field) for every optional managed input."""
    out = []
    for cls in concrete_providers():
        if package and not cls.__module__.startswith(package):
            continue
        for name, spec in cls.fields.items():
            if spec.managed and not spec.required:
                out.append((cls, name, spec))
    return out


def key(cls: type, name: str) -> str:
    return f"{cls.__name__}.{name}"


def decided(spec: Field) -> bool:
    """A removal decision: ``on_remove``, or a check default (removal means the default, by construction)."""
    return spec.on_remove is not None or spec.has_default


def expectation(spec: Field, case: Case) -> str:
    if case.expect:
        return case.expect
    if spec.has_default:
        return REVERT
    return EXPECT_OF_MODE[spec.on_remove.mode]


def empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def same_live(spec: Field, live: Any, wanted: Any) -> bool:
    """Equal for the API's purposes: an empty string, list or map is the API's "none"."""
    if empty(live) or empty(wanted):
        return empty(live) and empty(wanted)
    return canonical(live, spec.set_like) == canonical(wanted, spec.set_like)


def observe(provider, id_: str, outs: dict, name: str, declared: Any) -> Any:
    """The field's value on the live object, read from the sandbox now (as the provider decodes it)."""
    # As if the set value were declared: fields read only when managed (headers, auth maps, named
    # keys) are then read from the live object whatever the state holds now.
    props = {**outs, name: declared}
    live = provider.read_remote(provider.transport(), id_, props)
    return provider.live_inputs(live).get(name)


def warned_about(seen: list, name: str) -> bool:
    return any(kind == "warning" and f"'{name}'" in message for kind, _urn, message in seen)


def removal_target(spec: Field, live_before: Any) -> Any:
    """What the live object must hold after the removal."""
    if spec.has_default:
        return spec.default_value()
    rule = spec.on_remove
    if rule.mode == REVERT_TO_PRIOR and live_before is not None:
        return live_before
    return rule.value if rule.has_value else live_before


def run_case(driver_factory: Callable[[], Any], ctx: Any, cls: type, name: str, case: Case) -> None:
    """Runs one case (see the module docstring); raises AssertionError naming the field."""
    spec = cls.fields[name]
    label = key(cls, name)
    expect = expectation(spec, case)
    program = case.program(ctx)
    assert program.get(name) is not None, f"{label}: the case's program must set the field"
    base = {k: v for k, v in program.items() if k != name}
    if case.before is not None:
        case.before(ctx)
    d = driver_factory()

    if expect == INERT:
        provider = d.p
        olds = {**{n: None for n in cls.all_fields()}, **program}
        news, dropped, warnings = provider.removals(olds, provider.inputs_of(base))
        assert news.get(name) is None and not dropped and not warnings, f"{label}: an inert input changed something"
        return

    if expect == REFUSED:
        try:
            d.check(base)
        except Exception as exc:  # CheckFailed([(property, reason)])
            assert name in str(exc), f"{label}: refused, but not naming the field: {exc}"
            return
        raise AssertionError(f"{label}: check accepted the program without it")

    if expect == WARNS:
        d.up(program)
        declared = d.outs.get(name)
        with progress.capture() as seen:
            assert d.preview(base).changes, f"{label}: removal shows no change"
        assert warned_about(seen, name), f"{label}: the preview did not warn naming the field: {seen}"
        with progress.capture() as seen:
            d.up(base)
        assert warned_about(seen, name), f"{label}: up did not warn naming the field"
        if not spec.secret and not spec.write_only:
            live = observe(d.p, d.id, d.outs, name, declared)
            assert same_live(spec, live, declared), f"{label}: warned, but the live value changed to {live!r}"
        with progress.capture() as seen:
            assert not d.preview(base).changes, f"{label}: a removal that warned keeps diffing"
        assert not warned_about(seen, name), f"{label}: warned again after up"
        return

    assert expect == REVERT, expect
    d.up(base)
    live_before = observe(d.p, d.id, d.outs, name, program[name])
    d.up(program)
    declared = d.outs.get(name)
    live_set = observe(d.p, d.id, d.outs, name, declared)
    assert same_live(spec, live_set, declared), f"{label}: setting it did not reach the live object ({live_set!r})"
    rule = spec.on_remove
    if not spec.has_default and rule.mode == REVERT_TO_PRIOR and not rule.has_value and live_before is None:
        # Nothing to restore (no value before we managed it, no documented default): it must warn.
        with progress.capture() as seen:
            assert d.preview(base).changes, f"{label}: removal shows no change"
        assert warned_about(seen, name), f"{label}: no earlier value to restore, but no warning: {seen}"
        d.up(base)
        live_after = observe(d.p, d.id, d.outs, name, declared)
        assert same_live(spec, live_after, declared), f"{label}: warned, but the live value became {live_after!r}"
        return
    with progress.capture() as seen:
        assert d.preview(base).changes, f"{label}: the preview shows no change for the removal"
        d.up(base)
    assert not warned_about(seen, name), f"{label}: a reverting removal warned: {seen}"
    wanted = case.expected if case.expected is not None else removal_target(spec, live_before)
    live_after = observe(d.p, d.id, d.outs, name, declared)
    assert same_live(spec, live_after, wanted), \
        f"{label}: after removal the live value is {live_after!r}, expected {wanted!r} (before: {live_before!r})"
    d.refresh()
    assert not d.preview(base).changes, f"{label}: after the revert, refresh + preview still diffs"


def run_table(driver_of: Callable[[type], Callable[[], Any]], ctx: Any, cases: dict[str, Case],
              rows: list[tuple[type, str, Field]]) -> None:
    """Every row's case; all failures reported together (one line per field)."""
    failures = []
    for cls, name, _spec in rows:
        try:
            run_case(driver_of(cls), ctx, cls, name, cases[key(cls, name)])
        except Exception as exc:  # noqa: BLE001 - collect every field's failure, not just the first
            failures.append(f"{key(cls, name)}: {type(exc).__name__}: {exc}")
    assert not failures, "removal table failures:\n" + "\n".join(failures)
