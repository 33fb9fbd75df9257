"""A review stack's Render project `procurement-pr-<n>` with its one environment `pr-<n>` (issue 26).

Every backend service, the env group and the static site of the stack are created in that environment, so the
pull request's objects are one project in the Render dashboard, and the project's name carries the stack's tag.
"""
from __future__ import annotations

from pulumi import Output

from components import naming
from dynamic_providers import render


def review_environment(owner_id: str, pr: int) -> Output[str]:
    """Declare the project (logical name `review-project`) and return its environment's id (`evm-...`)."""
    stack = naming.review_stack(pr)
    project = render.Project("review-project", name=f"{naming.PROJECT}-{stack}", owner_id=owner_id,
                             environments={stack: {}})
    return project.environment_ids.apply(lambda ids: (ids or {}).get(stack))
