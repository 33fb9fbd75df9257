"""No optional input is left out of the removal rule: every one declares what removing it does, and has a case
in the live removal tables (render/test_render_removals.py, supabase/test_supabase_removals.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE / "render", HERE / "supabase"):
    sys.path.insert(0, str(folder))

from removal_table import concrete_providers, decided, key, optional_fields  # noqa: E402
from dynamic_providers.core.fields import REVERT_TO_DEFAULT, REVERT_TO_PRIOR, WARN  # noqa: E402
from dynamic_providers.core.provider import PRIOR  # noqa: E402
from test_render_removals import CASES as RENDER_CASES  # noqa: E402
from test_supabase_removals import CASES as SUPABASE_CASES  # noqa: E402

ROWS = optional_fields()


def test_the_table_is_generated_from_every_provider():
    names = {cls.__name__ for cls in concrete_providers()}
    assert {"ServiceProvider", "PostgresConfigProvider", "AuthConfigProvider", "NotificationSettingsProvider"} <= names
    assert len(ROWS) > 80  # the providers' optional inputs, not a hand-kept list


@pytest.mark.parametrize("row", ROWS, ids=lambda r: key(r[0], r[1]))
def test_every_optional_input_has_a_removal_decision_and_a_live_case(row):
    cls, name, spec = row
    assert decided(spec), f"{key(cls, name)}: declare Field(on_remove=...) (to_prior, to_default, warn_on_removal, " \
                          f"no_live_setting) or a check default"
    cases = RENDER_CASES if cls.__module__.startswith("dynamic_providers.render") else SUPABASE_CASES
    assert key(cls, name) in cases, f"{key(cls, name)}: add a case to the removal table"
    rule = spec.on_remove
    if rule is not None and rule.mode in (REVERT_TO_DEFAULT, WARN):
        assert rule.why, f"{key(cls, name)}: say where the default is documented, or why it cannot be reverted"
    if rule is not None and rule.mode == REVERT_TO_PRIOR:
        assert PRIOR in cls.output_names, f"{cls.__name__} must keep the '{PRIOR}' output"


def test_no_case_names_a_field_that_does_not_exist():
    known = {key(cls, name) for cls, name, _ in ROWS}
    assert set(RENDER_CASES) | set(SUPABASE_CASES) <= known


def test_a_state_without_prior_falls_back_to_the_default_or_warns():
    """State written before ``prior`` existed: removal still decides (documented default, else a warning)."""
    from dynamic_providers.render.notifications import NotificationSettingsProvider
    from dynamic_providers.supabase.settings import PostgresConfigProvider

    owner = NotificationSettingsProvider()
    olds = {"owner_id": "tea-1", "email_enabled": False}  # no "prior" key at all
    news, dropped, warnings = owner.removals(olds, owner.inputs_of({"owner_id": "tea-1"}))
    assert news["email_enabled"] is True and not dropped and not warnings
    pg = PostgresConfigProvider()
    olds = {"project_ref": "abc", "statement_timeout": "30s", "prior": None}
    news, dropped, warnings = pg.removals(olds, pg.inputs_of({"project_ref": "abc"}))
    assert news["statement_timeout"] is None and dropped == {"statement_timeout"}
    assert "'statement_timeout'" in warnings[0] and "'30s'" in warnings[0]
