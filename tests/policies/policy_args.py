"""Run the pack's real policies on resources recorded under Pulumi's mocks, as the analyzer would.

pulumi-policy's own test affordance is to construct `ResourceValidationArgs` / `StackValidationArgs`
and call a policy's `validate` with a collecting `report_violation`; this module does that for every
policy of `policies.pack.build_policies`, from `RegisteredResource`s of tests/mock_harness.py (whose
inputs are the wire names the engine would send, secrets unwrapped and listed in `secret_paths`).
Secrets are re-marked as the analyzer sees them (`pulumi_policy.Secret`, see policies/inputs.py)
and the props wrapped in pulumi-policy's unknown-checking proxy.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policies.enforcement import StackContext, StackFacts
from policies.pack import build_policies


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    message: str
    urn: Optional[str]
    name: Optional[str]


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _mark_secret(props: dict, path: str) -> None:
    steps = [(m.group(1), m.group(2)) for m in _STEP.finditer(path)]
    container: Any = props
    for i, (key, index) in enumerate(steps):
        last = i == len(steps) - 1
        slot = key if key is not None else int(index)
        try:
            value = container[slot]
        except (KeyError, IndexError, TypeError):
            return
        if last:
            container[slot] = value if isinstance(value, Secret) else Secret(value)
        else:
            container = value


def analyzer_props(inputs: dict, secret_paths: Iterable[str] = ()) -> dict:
    """Inputs as the pack's deserializer hands them over: secrets marked, nothing else changed."""
    props = copy.deepcopy(inputs)
    for path in sorted(secret_paths, key=len, reverse=True):  # innermost first
        _mark_secret(props, path)
    return props


def options(protect: Optional[bool] = None, parent: Optional[str] = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(bool(protect), [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def resource_args(type_: str, name: str, props: dict, *, protect: bool = False,
                  urn: Optional[str] = None) -> ResourceValidationArgs:
    urn = urn or f"urn:pulumi:test::procurement::{type_}::{name}"
    return ResourceValidationArgs(type_, unknown_checking_proxy(props), urn, name, options(protect), None)


def args_of(record) -> ResourceValidationArgs:
    """ResourceValidationArgs of a tests/mock_harness.py RegisteredResource."""
    return ResourceValidationArgs(record.type, unknown_checking_proxy(analyzer_props(record.inputs, record.secret_paths)),
                                  record.urn, record.name, options(record.protect, record.parent), None)


def stack_resources(records) -> list[PolicyResource]:
    """PolicyResources of recorded resources, with parents and property dependencies linked."""
    by_urn = {}
    for r in records:
        by_urn[r.urn] = PolicyResource(r.type, unknown_checking_proxy(analyzer_props(r.inputs, r.secret_paths)),
                                       r.urn, r.name, options(r.protect, r.parent), None, None, [], {})
    for r in records:
        resource = by_urn[r.urn]
        resource.parent = by_urn.get(r.parent)
        resource.dependencies = [by_urn[u] for u in r.depends_on if u in by_urn]
        resource.property_dependencies = {k: [by_urn[u] for u in urns if u in by_urn]
                                          for k, urns in r.property_dependencies.items()}
    return list(by_urn.values())


def judge(facts: StackFacts, *, resources: Iterable[ResourceValidationArgs] = (),
          stack: Optional[list[PolicyResource]] = None) -> list[Violation]:
    """Every policy of the pack at the level `facts` call for, on these resources; the violations."""
    found: list[Violation] = []
    for policy in build_policies(StackContext(facts)):
        level = policy.enforcement_level.value
        if isinstance(policy, ResourceValidationPolicy):
            for args in resources:
                def report(message: str, urn: Optional[str] = None, _args=args, _policy=policy, _level=level) -> None:
                    found.append(Violation(_policy.name, _level, message, urn or _args.urn, _args.name))
                policy.validate(args, report)
        elif isinstance(policy, StackValidationPolicy) and stack is not None:
            def report_stack(message: str, urn: Optional[str] = None, _policy=policy, _level=level) -> None:
                found.append(Violation(_policy.name, _level, message, urn, None))
            policy.validate(StackValidationArgs(stack, None), report_stack)
    return found


def judge_records(facts: StackFacts, records) -> list[Violation]:
    """The pack on a whole recorded graph (resource policies per record, stack policies once)."""
    records = [r for r in records if not r.read]
    return judge(facts, resources=[args_of(r) for r in records], stack=stack_resources(records))
