"""The review-stack rule (ops/review/stack_config.py) and the config checks that hold a pr-<n> stack to it."""
import copy
import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from components.config import ConfigError, RawConfig, parse_config
from ops.review import stack_config as rule
from tests.components.platform_mocks import REVIEW_DIGEST, REVIEW_NOW, REVIEW_PARENT_REF
from tests.mock_harness import PROJECT_ROOT, read_stack_config

K = "procurement:"


def base(stack: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())


def derived(stack: str, pr: int = 7, **options) -> dict:
    options = {"image_digest": REVIEW_DIGEST, "now": REVIEW_NOW, **options}
    return rule.derive(base(stack), pr, REVIEW_PARENT_REF, **options)


def parse(document: dict, stack: str, overrides: dict | None = None):
    """parse_config of a stack-file document as the CLI would hand it to the program."""
    config = {**document["config"], **(overrides or {})}
    values = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    f = read_stack_config("local", overrides=values, remove=list(base("local")["config"]))
    return parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack)


def problems(document: dict, stack: str, overrides: dict | None = None) -> dict[str, str]:
    with pytest.raises(ConfigError) as failed:
        parse(document, stack, overrides)
    return {p.key: p.message for p in failed.value.problems}


def test_staging_becomes_a_review_stack_without_what_only_staging_may_have():
    staging = base("staging")
    before = copy.deepcopy(staging)
    config = derived("staging", head_branch="feature/po-approvals")["config"]
    assert staging == before  # the base document is not touched
    assert config[K + "environment"] == "review"
    assert config[K + "tiers"] == {**staging["config"][K + "tiers"], "images": False, "edge": False,
                                   "sourceControl": False}
    for key in ("edge", "sourceControl", "apiSubdomain", "appSubdomain", "backup", "adopt", "promoteFromStack"):
        assert K + key not in config
    database = config[K + "database"]
    assert not set(rule.DROPPED_DATABASE_FIELDS) & set(database)
    assert database["roles"] == staging["config"][K + "database"]["roles"]  # roles and extensions stay
    assert database["extensions"] == staging["config"][K + "database"]["extensions"]
    assert config[K + "release"]["candidate"] is False
    assert config[K + "release"]["watchSeconds"] == rule.REVIEW_WATCH_SECONDS
    assert config[K + "release"]["smokeChecks"] == staging["config"][K + "release"]["smokeChecks"]
    assert config[K + "frontend"]["branch"] == "feature/po-approvals"
    assert config[K + "backendImageDigest"] == REVIEW_DIGEST
    assert config[K + "review"] == {"pr": 7, "parentProjectRef": REVIEW_PARENT_REF,
                                    "expiresAt": "2026-12-09T12:00:00Z", "headBranch": "feature/po-approvals"}
    assert "environment" not in derived("staging")  # staging's ESC import (Cloudflare and GitHub tokens) is not
    parsed = parse(derived("staging", head_branch="feature/po-approvals"), "pr-7")
    assert parsed.environment == "review" and parsed.review.pr == 7 and parsed.edge is None
    assert parsed.source_control is None and parsed.backup is None and parsed.release.candidate is False


def test_local_keeps_its_sandbox_urls_and_its_pinned_digest():
    local = base("local")
    document = rule.derive(local, 12, REVIEW_PARENT_REF, now=REVIEW_NOW)
    config = document["config"]
    assert config[K + "backendImageDigest"] == local["config"][K + "backendImageDigest"]
    assert config[K + "renderApiUrl"] == local["config"][K + "renderApiUrl"]  # http to 127.0.0.1: allowed
    assert config[K + "frontend"]["branch"] == "main" and "headBranch" not in config[K + "review"]
    assert "encryptionsalt" not in document  # the base's secrets provider is not the review stack's
    parsed = parse(document, "pr-12")
    assert parsed.review.parent_project_ref == REVIEW_PARENT_REF and parsed.apis.render_api_url.startswith("http://")


@pytest.mark.parametrize("ttl_hours", [1.5, 72, 0.25])
def test_expires_at_is_now_plus_the_ttl_in_utc(ttl_hours):
    now = datetime(2026, 12, 6, 23, 30, tzinfo=timezone(timedelta(hours=2)))
    expires = derived("local", ttl_hours=ttl_hours, now=now)["config"][K + "review"]["expiresAt"]
    assert expires.endswith("Z")
    assert datetime.fromisoformat(expires.replace("Z", "+00:00")) == now + timedelta(hours=ttl_hours)


def test_secure_values_are_dropped_and_listed_in_the_generated_header():
    local = base("local")
    local["config"][K + "appSecrets"] = {"backend": {"env": {"STRIPE_KEY": {"secure": "v1:AAAA"}, "PLAIN": "x"}},
                                         "frontend": {"env": {"BUILD_TOKEN": {"secure": "v1:BBBB"}}}}
    local["config"]["cloudflare:apiToken"] = {"secure": "v1:CCCC"}
    document = rule.derive(local, 7, REVIEW_PARENT_REF, now=REVIEW_NOW)
    assert "secure" not in json.dumps(document) and "cloudflare:apiToken" not in document["config"]
    assert document["config"][K + "appSecrets"] == {"backend": {"env": {"PLAIN": "x"}}, "frontend": {"env": {}}}
    text = rule.stack_file_text("Pulumi.local.yaml", local, 7, REVIEW_PARENT_REF, now=REVIEW_NOW)
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header[0].startswith("# GENERATED by ops/review/stack_config.py from Pulumi.local.yaml")
    for path in ("procurement:appSecrets.backend.env.STRIPE_KEY", "procurement:appSecrets.frontend.env.BUILD_TOKEN",
                 "cloudflare:apiToken", "encryptionsalt"):
        assert f"#   {path}" in header
    assert yaml.safe_load(text) == document


def test_a_pull_request_number_must_be_one():
    with pytest.raises(ValueError):
        rule.derive(base("local"), 0, REVIEW_PARENT_REF)


def test_the_stack_name_and_review_pr_must_agree():
    found = problems(derived("local", pr=4), "pr-3")
    assert list(found) == [K + "review.pr"] and "pr-3" in found[K + "review.pr"]


def test_review_is_only_the_environment_of_a_pr_stack():
    found = problems(derived("local"), "staging")
    assert list(found) == [K + "environment"] and "pr-<n>" in found[K + "environment"]
    found = problems(base("local"), "pr-3")
    assert list(found) == [K + "environment"] and "review" in found[K + "environment"]


def test_review_settings_are_refused_on_staging():
    found = problems(base("local"), "local", {K + "review": {"parentProjectRef": REVIEW_PARENT_REF}})
    assert list(found) == [K + "review.parentProjectRef"] and "only read on a review stack" in \
        found[K + "review.parentProjectRef"]


def test_a_review_stack_needs_its_parent_project():
    document = derived("local")
    del document["config"][K + "review"]["parentProjectRef"]
    assert K + "review.parentProjectRef" in problems(document, "pr-7")


def test_what_the_rule_drops_cannot_be_added_back_by_hand():
    document = derived("local")
    document["config"][K + "database"]["pitrDays"] = 7
    document["config"][K + "tiers"]["edge"] = True
    document["config"][K + "appSubdomain"] = "app-pr"
    found = problems(document, "pr-7")
    assert {K + "database.pitrDays", K + "tiers.edge", K + "appSubdomain"} <= set(found)


def test_a_review_stack_talks_https_to_anything_but_this_machine():
    found = problems(derived("local"), "pr-7", {K + "renderApiUrl": "http://render.example.com/v1"})
    assert list(found) == [K + "renderApiUrl"] and "https" in found[K + "renderApiUrl"]
