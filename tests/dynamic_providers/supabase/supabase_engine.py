"""Calls a dynamic provider the way the Pulumi engine does, so provider tests exercise the same
sequence as ``pulumi up`` / ``refresh`` / ``destroy`` without the CLI (the engine tests use the CLI).

What the engine passes: ``check(olds=old inputs, news=program inputs)``; ``diff(id, olds=old
*outputs*, news=checked inputs)``; ``create(checked inputs)``; ``update(id, old outputs, checked
inputs)``; ``read(id, old outputs)``; ``delete(id, old outputs)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from dynamic_providers.core.transport import HttpOptions

# Short timeouts and backoff so fault tests finish quickly; the policy itself is the production one.
FAST_HTTP = HttpOptions(connect_timeout=2.0, read_timeout=3.0, max_attempts=5, backoff_base=0.05,
                        backoff_cap=0.5, max_rate_limit_wait=10.0)
FAST_WAIT = {"wait_timeout_seconds": 60, "poll_interval_seconds": 0.1}


@dataclass
class Deployed:
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class EngineDriver:
    calls: list[str] = field(default_factory=list)

    def check(self, provider, olds: dict, news: dict) -> dict:
        result = provider.check(dict(olds), dict(news))
        if result.failures:
            raise AssertionError("check failed: " + "; ".join(f"{f.property}: {f.reason}" for f in result.failures))
        return result.inputs

    def create(self, provider, program: dict) -> Deployed:
        inputs = self.check(provider, {}, program)
        result = provider.create(dict(inputs))
        return Deployed(result.id, inputs, dict(result.outs or {}))

    def preview(self, provider, state: Deployed, program: dict):
        inputs = self.check(provider, state.inputs, program)
        return provider.diff(state.id, dict(state.outputs), inputs), inputs

    def up(self, provider, state: Deployed, program: dict) -> Deployed:
        diff, inputs = self.preview(provider, state, program)
        if not diff.changes:
            return state
        if diff.replaces:
            if diff.delete_before_replace:
                provider.delete(state.id, dict(state.outputs))
                return self.create(provider, program)
            new = self.create(provider, program)
            provider.delete(state.id, dict(state.outputs))
            return new
        result = provider.update(state.id, dict(state.outputs), inputs)
        return Deployed(state.id, inputs, dict(result.outs or {}))

    def refresh(self, provider, state: Deployed) -> Optional[Deployed]:
        result = provider.read(state.id, dict(state.outputs))
        if result.id is None:
            return None
        return Deployed(result.id, dict(result.inputs if result.inputs is not None else state.inputs),
                        dict(result.outs))

    def destroy(self, provider, state: Deployed) -> None:
        provider.delete(state.id, dict(state.outputs))
