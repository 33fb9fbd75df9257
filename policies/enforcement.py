"""Which stack the pack is judging, and so how hard it enforces.

`install_stack_hook()` wraps the analyzer's `ConfigureStack` call to learn the stack (pulumi-policy 1.21.0 keeps
only its tags) and sets every policy's level before the first resource is analyzed: production (by
`procurement:environment`, else the stack name) mandatory, anything else advisory, the rules `always_mandatory`
names mandatory everywhere. Why: policies/README.md, "How the pack learns the stack".
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from pulumi_policy import EnforcementLevel

PRODUCTION = "production"
REVIEW = "review"
ENVIRONMENT_KEY = "procurement:environment"


@dataclass(frozen=True)
class StackFacts:
    """What the rules may know about the stack beyond its resources."""

    environment: str
    """`local`, `staging`, `production` (or the stack name when the config does not say)."""
    source_control_on: bool = False
    """`procurement:tiers.sourceControl`."""
    manages_repository_settings: bool = False
    """`procurement:sourceControl.manageRepositorySettings` (this stack owns rulesets)."""
    default_branch: str = "main"
    """`procurement:sourceControl.defaultBranch`: the branch the ruleset must protect."""
    review_pr: Optional[int] = None
    """A review stack's pull request: `procurement:review.pr`, else the number in the stack name pr-<n>."""

    @property
    def is_review(self) -> bool:
        return self.environment == REVIEW

    @property
    def enforcement(self) -> EnforcementLevel:
        return EnforcementLevel.MANDATORY if self.environment == PRODUCTION else EnforcementLevel.ADVISORY


def _object(config: Mapping[str, str], key: str) -> Mapping[str, Any]:
    raw = config.get(key)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def facts_from(config: Mapping[str, str], stack: Optional[str]) -> StackFacts:
    environment = config.get(ENVIRONMENT_KEY) or (stack or "").rsplit("/", 1)[-1] or "unknown"
    tiers = _object(config, "procurement:tiers")
    source_control = _object(config, "procurement:sourceControl")
    review_pr = None
    if environment == REVIEW:
        from components.naming import review_pr_of
        pr = _object(config, "procurement:review").get("pr")
        review_pr = pr if isinstance(pr, int) and not isinstance(pr, bool) else \
            review_pr_of((stack or "").rsplit("/", 1)[-1])
    return StackFacts(
        environment=environment,
        source_control_on=tiers.get("sourceControl") is True,
        manages_repository_settings=source_control.get("manageRepositorySettings") is True,
        default_branch=str(source_control.get("defaultBranch") or "main"),
        review_pr=review_pr,
    )


class StackContext:
    """The facts of the stack being judged; set once the engine has said which stack that is."""

    def __init__(self, facts: StackFacts) -> None:
        self.facts = facts
        self._policies: list[Any] = []
        self._always_mandatory: frozenset[str] = frozenset()

    def govern(self, policies: list[Any], always_mandatory: frozenset[str] = frozenset()) -> list[Any]:
        """These policies take their enforcement level from the stack's facts (now and on update), except the
        `always_mandatory` ones (by name), which are mandatory on every stack."""
        self._policies = list(policies)
        self._always_mandatory = always_mandatory
        self._apply()
        return policies

    def update(self, facts: StackFacts) -> None:
        self.facts = facts
        self._apply()

    def _apply(self) -> None:
        for policy in self._policies:
            policy.enforcement_level = EnforcementLevel.MANDATORY if policy.name in self._always_mandatory \
                else self.facts.enforcement


def install_stack_hook(context: StackContext) -> None:
    """Make the analyzer's `ConfigureStack` call update `context` (see the module docstring)."""
    from pulumi_policy import policy as _policy_module

    servicer = _policy_module._PolicyAnalyzerServicer  # noqa: SLF001 - the only place the stack arrives
    original = servicer.ConfigureStack

    def configure_stack(self, request, context_):  # type: ignore[no-untyped-def]
        response = original(self, request, context_)
        context.update(facts_from(dict(request.config), request.stack or None))
        return response

    servicer.ConfigureStack = configure_stack


def current_facts(environ: Mapping[str, str] = os.environ) -> StackFacts:
    """The facts in the environment variables a pack started without a language host gets."""
    try:
        config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        config = {}
    return facts_from(config if isinstance(config, dict) else {}, environ.get("PULUMI_STACK"))
