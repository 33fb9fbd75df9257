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
