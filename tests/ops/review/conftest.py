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
