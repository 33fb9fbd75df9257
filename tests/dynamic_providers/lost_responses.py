"""Loses the answer of every call a provider makes, one at a time, and checks that it converges.

A scenario is a short deployment of one resource kind against the sandbox: create, one or more
updates (or replacements), a no-op preview and a refresh, then destroy. ``lose_each_answer`` first
runs it without faults and records the calls of each phase from the sandbox journal. Then, on a
fresh sandbox each time, it runs it again with a ``drop_response`` fault (processed and committed,
then the connection reset instead of the answer) on one of those calls:

- every write (POST/PUT/PATCH/DELETE) at its position: the fault's ``after`` skips the earlier
  writes to the same path, so the second of two POSTs to one path is lost on its own;
- every kind of read (GET, by path template) once: reads are repeated by polling loops, so their
  number varies from run to run.

Each run must end the way the fault-free run does: every phase succeeds (the provider recovered in
the same call), the scenario's own check passes after every phase (one object, the declared
values), the preview after the last update shows no change, refresh leaves no diff, and destroy
removes everything. The fault must really have fired (the journal shows it), so no case passes by
missing its call.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from tools.sandbox.faults import path_matches
from tests.dynamic_providers.supabase.supabase_engine import Deployed, EngineDriver

WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Scenario:
    """One resource kind's deployment. ``programs[0]`` is created; each later one is applied as an update
    (or a replacement, if the provider says so). ``check(sandbox, ctx, state)`` runs after every phase."""

    name: str
    provider: Callable[[Any], Any]  # sandbox -> configured provider
    programs: list[Callable[[Any], dict]]  # ctx -> program inputs
    check: Callable[[Any, Any, Deployed], None]
    setup: Callable[[Any], Any] = lambda sandbox: None  # prerequisites, made without faults -> ctx
    gone: Callable[[Any, Any], None] = lambda sandbox, ctx: None  # after destroy


@dataclass(frozen=True)
class Call:
    server: str  # "render" or "supabase"
    method: str
    pattern: str  # the full path with templates, as a fault path: /v1/services/{serviceId}
    after: int  # writes to the same pattern earlier in the phase, let through before this one
    phase: str
    path: str = field(compare=False)  # the concrete path the fault-free run used

    def __str__(self) -> str:
        nth = f" (#{self.after + 1})" if self.after else ""
        return f"{self.phase}: {self.method} {self.pattern}{nth}"


@dataclass
class Run:
    calls: list[Call] = field(default_factory=list)
    fired: bool = False


def _pattern(entry) -> str:
    operation = entry.operation or entry.path
    return operation if operation.startswith("/v1") else "/v1" + operation


def _phase_calls(sandbox, before: set, phase: str) -> list[Call]:
    """The phase's calls: every write in order, and each kind of read once."""
    calls: list[Call] = []
    for e in sorted((e for e in sandbox.journal() if (e.server, e.seq) not in before), key=lambda e: e.seq):
        pattern = _pattern(e)
        if e.method in WRITES:
            after = sum(1 for c in calls if c.server == e.server and c.method == e.method and
                        path_matches(pattern, c.path))
            calls.append(Call(e.server, e.method, pattern, after, phase, e.path))
        elif not any(c.server == e.server and c.method == e.method and c.pattern == pattern for c in calls):
            calls.append(Call(e.server, e.method, pattern, 0, phase, e.path))
    return calls


def _seen(sandbox) -> set[tuple[str, int]]:
    return {(e.server, e.seq) for e in sandbox.journal()}


def _server(sandbox, name: str):
    return sandbox.render if name == "render" else sandbox.supabase


def run_scenario(scenario: Scenario, sandbox, fault: Optional[Call] = None) -> Run:
    """One deployment; with ``fault``, that call's answer is lost. Returns the calls of each phase."""
    engine, run = EngineDriver(), Run()
    ctx = scenario.setup(sandbox)
    provider = scenario.provider(sandbox)
    state: Optional[Deployed] = None
    phases = [f"up {i + 1}" for i in range(len(scenario.programs))] + ["destroy"]
    for phase, program in zip(phases, [*scenario.programs, None]):
        before = _seen(sandbox)
        if fault is not None and fault.phase == phase:
            _server(sandbox, fault.server).add_fault("drop_response", method=fault.method, path=fault.pattern,
                                                      after=fault.after, count=1)
        if program is None:
            engine.destroy(provider, state)
            scenario.gone(sandbox, ctx)
        else:
            declared = program(ctx)
            state = engine.create(provider, declared) if state is None else engine.up(provider, state, declared)
            scenario.check(sandbox, ctx, state)
            diff, _ = engine.preview(provider, state, declared)
            assert not diff.changes, f"{phase}: a preview right after it still shows changes"
        run.calls += _phase_calls(sandbox, before, phase)
        if phase == phases[-2]:  # after the last update: refresh converges with the API
            refreshed = engine.refresh(provider, state)
            assert refreshed is not None, "refresh says the object is gone"
            diff, _ = engine.preview(provider, refreshed, program(ctx))
            assert not diff.changes, "after refresh, the preview shows changes"
            scenario.check(sandbox, ctx, refreshed)
            state = refreshed
    run.fired = any(e.fault and e.fault["kind"] == "drop_response" for e in sandbox.journal())
    broken = sandbox.request_violations() + sandbox.response_violations()
    assert not broken, [(e.method, e.path, e.request_violations, e.response_violations) for e in broken]
    return run


def lose_each_answer(scenario: Scenario, sandbox) -> list[Call]:
    """Runs ``scenario`` fault-free, then once per call with that call's answer lost (sandbox reset in
    between). Fails listing every call whose loss did not converge. Returns the calls covered."""
    calls = run_scenario(scenario, sandbox).calls
    assert calls, f"{scenario.name}: the scenario made no API call"
    failures = []
    for call in calls:
        sandbox.reset()
        try:
            run = run_scenario(scenario, sandbox, fault=call)
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its call
            failures.append(f"{call}: {type(exc).__name__}: {str(exc)[:400]}")
            continue
        if not run.fired:
            failures.append(f"{call}: the lost answer never happened (the call was not made again)")
    sandbox.reset()
    assert not failures, f"{scenario.name}: lost answers that did not converge:\n  " + "\n  ".join(failures)
    return calls
