"""The design's naming functions (common26-s4: components/naming.py `review_stack`, `review_pr_of`) until the
program's branch with them is merged here: set only when components.naming lacks them, so after the merge these
tests run against the real ones."""
import re

import pytest

from components import naming

_TAG = re.compile(r"^(?:procurement-)?pr-([1-9][0-9]*)(?:-.+)?$")


def _review_pr_of(name):
    match = _TAG.match(name)
    return int(match.group(1)) if match else None


@pytest.fixture(autouse=True)
def review_naming(monkeypatch):
    if not hasattr(naming, "review_pr_of"):
        monkeypatch.setattr(naming, "review_pr_of", _review_pr_of, raising=False)
    if not hasattr(naming, "review_stack"):
        monkeypatch.setattr(naming, "review_stack", lambda pr: f"pr-{pr}", raising=False)


def _derive(base_config, pr, parent_project_ref, head_branch=None, image_digest=None, ttl_hours=72, now=None):
    """The design's rule, only as far as these tests read it (environment, the review block)."""
    import copy
    from datetime import datetime, timedelta, timezone

    document = copy.deepcopy(base_config)
    config = document["config"]
    config["procurement:environment"] = "review"
    expires = (now or datetime.now(timezone.utc)) + timedelta(hours=ttl_hours)
    config["procurement:review"] = {"pr": pr, "parentProjectRef": parent_project_ref,
                                    "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "headBranch": head_branch}
    document.pop("encryptionsalt", None)
    return document


@pytest.fixture
def review_derive(monkeypatch):
    """components.config.review (the program's branch) or, before the merge, the stand-in above."""
    import sys
    import types

    try:
        from components.config import review
    except ImportError:
        review = types.ModuleType("components.config.review")
        review.derive = _derive
        monkeypatch.setitem(sys.modules, "components.config.review", review)
    return review
