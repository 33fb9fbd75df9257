"""Physical names: procurement-<stack>-<purpose>, within each API's limit, stable when cut."""
import pytest

from components import naming


def test_short_names_are_kept_readable():
    assert naming.physical_name("production", "api") == "procurement-production-api"
    assert naming.physical_name("Staging", "Approval Reminders") == "procurement-staging-approval-reminders"


def test_long_names_are_cut_to_the_limit_with_a_stable_hash():
    purpose = "supplier-catalogue-synchronisation-nightly-job-with-a-long-name"
    name = naming.physical_name("production", purpose, naming.RENDER_SERVICE)
    assert len(name) == naming.RENDER_SERVICE
    assert name.startswith("procurement-production-supplier-catalogue")
    assert name == naming.physical_name("production", purpose, naming.RENDER_SERVICE)  # stable
    other = naming.physical_name("production", purpose + "-2", naming.RENDER_SERVICE)
    assert other != name and len(other) == naming.RENDER_SERVICE  # same prefix, still distinct


def test_cut_names_do_not_end_the_head_with_a_separator():
    name = naming.fit("a-" * 40, 20)
    assert "--" not in name and len(name) <= 20


def test_postgres_role_names_are_plain_identifiers():
    assert naming.postgres_role_name("staging", "approval-reminders") == "procurement_staging_approval_reminders"
    long = naming.postgres_role_name("production", "x" * 100)
    assert len(long) == naming.POSTGRES_IDENTIFIER and long.replace("_", "").isalnum()


@pytest.mark.parametrize("stack,purpose", [("", "api"), ("production", "--"), ("production", "")])
def test_empty_parts_are_rejected(stack, purpose):
    with pytest.raises(ValueError):
        naming.physical_name(stack, purpose)


def test_limits_too_small_for_the_hash_are_rejected():
    with pytest.raises(ValueError):
        naming.fit("procurement-production-api", 5)


def test_review_stack_names_the_pull_request():
    assert naming.review_stack(42) == "pr-42"
    for bad in (0, -1, True, "42"):
        with pytest.raises(ValueError):
            naming.review_stack(bad)


@pytest.mark.parametrize("name,pr", [
    ("pr-7", 7), ("procurement-pr-7", 7), ("procurement-pr-7-api", 7), ("procurement-pr-12-approval-reminders", 12),
    (naming.physical_name("pr-9", "x" * 80, naming.RENDER_SERVICE), 9),  # a cut name keeps its tag
    ("staging", None), ("procurement-staging-api", None), ("pr-0", None), ("pr-07", None), ("pr-", None),
    ("procurement-pr-x-api", None), ("apr-7", None), ("procurement-production-pr-7", None),
])
def test_review_pr_of_reads_the_tag(name, pr):
    assert naming.review_pr_of(name) == pr


def test_review_tag_round_trips_through_physical_names():
    stack = naming.review_stack(31)
    assert naming.review_pr_of(stack) == 31
    assert naming.review_pr_of(naming.physical_name(stack, "api")) == 31
