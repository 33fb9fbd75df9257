"""Production runs exactly what was promoted: images pinned by digest, and Render never deploys on its own.

In production every `pulumi-python:dynamic/render:Service` that runs code runs a container image
pinned by digest (`image_digest` `sha256:` + 64 hex, or `image` ending in `@sha256:...`): a tag can
be moved under a running service, a digest cannot, and only a digest is what staging verified. A
service Render builds from a repository (`repo`) fails: its code is whatever the branch holds when
Render builds. And `auto_deploy` must be explicitly false, so neither a push nor a new image reaches
production except through the reviewed promotion (Render's default is on). Static sites are always
built by Render from a repository, so they are held to the second half only.

Judged on production stacks only (`procurement:environment`): staging deploys from the branch on
purpose, so an advisory finding there would only be noise.
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
