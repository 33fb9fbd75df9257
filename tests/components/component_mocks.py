"""Construct ONE component under Pulumi's mocks and record what it registers.

tests/mock_harness.py runs the whole program (`__main__.py`) for a stack file; the bridged-provider
components (edge, observability, source control, images) also need to be built alone, with
invoke results (GitHub team ids, the Cloudflare zone's account) the program-level harness does
not let a test choose. This helper reuses that harness's recording monitor and mocks and only
adds: a builder callable instead of `__main__.py`, canned invoke results, and the outputs each
component registers. Nothing here talks to Cloudflare, GitHub or Docker: the bridged provider
plugins cannot be installed on this machine, so these tests check the registered graph only.

    run = run_component(lambda: Edge("edge", args), invokes={"cloudflare:index/getZone:getZone": {...}})
    record = run.one("cloudflare:index/dnsRecord:DnsRecord", "edge-dns-api")
"""
from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine, MockResourceArgs
from pulumi.runtime.settings import Settings, configure

from tests.mock_harness import Invoke, ProgramRun, _Mocks, _RecordingMonitor, _unwrap, run_in_fresh_loop

PROJECT = "procurement"


class _ComponentMonitor(_RecordingMonitor):
    """Also keeps what each component passed to `register_outputs` (by URN), secrets marked."""

    def __init__(self, mocks) -> None:
        super().__init__(mocks)
        self.registered_outputs: dict[str, tuple[dict[str, Any], frozenset[str]]] = {}

    def RegisterResourceOutputs(self, request):
        if request.urn != self.stack_urn:
            secrets: set[str] = set()
            outputs = _unwrap(rpc.deserialize_properties(request.outputs, keep_unknowns=True), "", secrets)
            self.registered_outputs[request.urn] = (outputs, frozenset(secrets))
        return super().RegisterResourceOutputs(request)


@dataclass
class ComponentRun(ProgramRun):
    registered_outputs: Optional[dict[str, tuple[dict[str, Any], frozenset[str]]]] = None

    def outputs_of(self, component_urn: str) -> dict[str, Any]:
        """What the component registered with `register_outputs` (secrets unwrapped)."""
        return self.registered_outputs[component_urn][0]

    def secret_outputs_of(self, component_urn: str) -> frozenset[str]:
        return frozenset(p.split(".")[0].split("[")[0] for p in self.registered_outputs[component_urn][1])


def run_component(build: Callable[[], Any], *, stack: str = "staging", preview: bool = False,
                  invokes: Optional[Mapping[str, Any]] = None,
                  resource_outputs: Optional[Callable[[MockResourceArgs], Optional[dict]]] = None,
                  stack_references: Optional[Mapping[str, Mapping[str, Any]]] = None,
                  allow_error: bool = False) -> ComponentRun:
    """Run `build()` as if it were the program of `stack`, under mocks; return the recorded graph.

    `build` runs inside the Pulumi runtime, so it may parse config (secret Outputs) and export
    values with `pulumi.export` (they come back in `run.outputs`, secrecy in `run.secret_outputs`).
    `invokes` maps an invoke token to its result (or to a callable of the invoke's args);
    `stack_references` maps a stack name to the outputs a `StackReference` to it reads.
    """
    recorded_invokes: list[Invoke] = []
    mocks = _Mocks(resource_outputs, stack_references or {}, recorded_invokes, invokes or {})
    monitor = _ComponentMonitor(mocks)
    logger = logging.getLogger(f"component_mocks.{id(monitor)}")
    logger.propagate = False
    # A fresh context per run: Pulumi keeps the root stack and settings in context variables.
    error = contextvars.Context().run(_run, build, stack, monitor, logger, preview)
    run = ComponentRun(
        stack=stack, project=PROJECT, config=None, stack_urn=monitor.stack_urn, resources=list(monitor.recorded),
        outputs=monitor.stack_outputs, secret_outputs=frozenset(monitor.stack_secret_outputs),
        invokes=recorded_invokes, logs=[], error=error, registered_outputs=monitor.registered_outputs,
    )
    if error is not None and not allow_error:
        raise error
    return run


def _run(build: Callable[[], Any], stack: str, monitor: _ComponentMonitor, logger: logging.Logger,
         preview: bool) -> Optional[BaseException]:
    configure(Settings(project=PROJECT, stack=stack, monitor=monitor, engine=MockEngine(logger), dry_run=preview,
                       organization="organization"))
    set_all_config({}, [])
    return run_in_fresh_loop(build)


def stack_config(stack: str, overrides: Optional[Mapping[str, Any]] = None, remove: tuple[str, ...] = ()):
    """Typed config of a committed stack file (plus its ESC secrets, tests/components/stack_cases.py).

    Call it inside `build`: secret keys become secret Outputs, which belong to the running program.
    """
    from components.config import RawConfig, parse_config
    from tests.components.stack_cases import committed_overrides
    from tests.mock_harness import read_stack_config

    f = read_stack_config(stack, overrides={**committed_overrides(stack), **(overrides or {})}, remove=remove)
    return parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack)
