"""Monitoring coverage from the stack's state (`pulumi stack export`): the `public-service-monitored` policy's own
functions (policies/rule_coverage.py) run over the state's resources, so "public" and "covered" mean exactly what
the policy enforces at preview time."""
from __future__ import annotations

from dataclasses import dataclass

from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions

from policies.rule_coverage import gaps, public_hosts


_OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@dataclass(frozen=True)
class Coverage:
    public: list[tuple[str, str]]  # (Render service id, host) of every public host
    gaps: list[tuple[str, str, list[str]]]  # (service name, host, what is missing)


def _placeholder(urn: str) -> PolicyResource:
    """A dependency as the policy sees it: only its URN matters (``_depends_on``)."""
    return PolicyResource("", {}, urn, "", _OPTIONS, None, None, [], {})


def as_policy_resources(state_resources: list[dict]) -> list[PolicyResource]:
    out = []
    for r in state_resources:
        deps = {prop: [_placeholder(u) for u in urns] for prop, urns in (r.get("propertyDependencies") or {}).items()}
        name = r.get("urn", "").rsplit("::", 1)[-1]
        out.append(PolicyResource(r.get("type", ""), dict(r.get("inputs") or {}),
                                  r.get("urn", ""), name, _OPTIONS, None, None, [], deps))
    return out


def read_coverage(state_resources: list[dict]) -> Coverage:
    resources = as_policy_resources(state_resources)
    ids = {r.get("urn"): r.get("id") or "" for r in state_resources}
    public = [(ids.get(s.urn, ""), host) for s, host in public_hosts(resources)]
    return Coverage(public, [(s.name, host, missing) for s, host, missing in gaps(resources)])
