"""Production runs exactly what was promoted: images pinned by digest, and Render never deploys on its own.

Every production Render service that runs code runs an image pinned by digest (not a tag, not a repository build)
and has `auto_deploy` explicitly false; static sites, always built from a repository, the latter only. Production
stacks only. Why: policies/README.md, "Production runs exactly what was promoted".
"""
from __future__ import annotations

import re
from typing import Any, Callable

from pulumi_policy import ReportViolation, ResourceValidationArgs

from .enforcement import PRODUCTION, StackContext
from .inputs import UNKNOWN, lookup, plain
from .tokens import RENDER_SERVICE, STATIC_SITE

NAME = "render-production-image-pinned"
DESCRIPTION = ("In production every Render service runs an image pinned by digest (not a repository build) and has "
               "auto-deploy explicitly off; static sites have auto-deploy off.")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def _pinned(image: Any, digest: Any) -> Any:
    if UNKNOWN in (image, digest):
        return UNKNOWN
    if isinstance(digest, str) and digest:
        return bool(DIGEST.match(digest))
    return isinstance(image, str) and "@" in image and bool(DIGEST.match(image.rsplit("@", 1)[1]))


def release_gaps(props: dict[str, Any]) -> list[str]:
    """Why this service could run something production did not promote (empty: it cannot, or cannot tell)."""
    gaps = []
    if lookup(props, "service_type") != STATIC_SITE:
        image, repo = lookup(props, "image"), lookup(props, "repo")
        if isinstance(repo, str) and repo and not image:
            gaps.append(f"it is built by Render from the repository {repo}, not run from an image by digest")
        elif _pinned(image, lookup(props, "image_digest")) is False:
            gaps.append("its image is not pinned by digest (image_digest 'sha256:<64 hex>')")
    auto_deploy = lookup(props, "auto_deploy")
    if auto_deploy is not False and auto_deploy is not UNKNOWN:
        gaps.append("auto_deploy is not explicitly false (Render's default deploys on its own)")
    return gaps


def make_validate(context: StackContext) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != RENDER_SERVICE or context.facts.environment != PRODUCTION:
            return
        props = plain(args.props)
        if lookup(props, "service_type") is UNKNOWN:
            return
        gaps = release_gaps(props)
        if gaps:
            report_violation(f"Production Render service '{args.name}' could run what was never promoted: "
                             f"{'; '.join(gaps)}.")
    return validate
