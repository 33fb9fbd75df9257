"""The declarative base provider's protocol semantics, on a toy "widgets" API served locally.

The toy API is deliberately tiny; the Render and Supabase providers are tested against the sandbox.
"""
from __future__ import annotations

import base64
import itertools
from urllib.parse import parse_qs, urlsplit

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from dynamic_providers.core import (
    UNKNOWN,
    AdoptionRequiredError,
    AuthError,
    DeclarativeProvider,
    Field,
    HttpOptions,
    MissingCredentialsError,
    NotFoundError,
    iter_pages,
)

from core_http_stub import StubServer
from toy_api import TOY

TOKEN = "toy_token_that_must_not_leak"


class WidgetProvider(DeclarativeProvider):
    api = TOY
    kind = "toy widget"
    fields = {
        "name": Field(str, required=True),
        "region": Field(str, default="oregon", replace=True, choices=("oregon", "frankfurt")),
        "size": Field(int, default=1),
        "tags": Field(list, set_like=True),
        "token": Field(str, secret=True, write_only=True),
    }
    output_names = ("url",)

    def find_existing(self, api, inputs):
        for w in iter_pages(api, "/widgets", params={"name": inputs["name"]}, item_key="widget"):
            if w["name"] == inputs["name"]:
                return w
        return None

    def create_remote(self, api, inputs):
        body = {k: inputs[k] for k in ("name", "region", "size", "tags", "token") if inputs.get(k) is not None}
        return api.post("/widgets", body)

    def read_remote(self, api, id_, props):
        return api.get(f"/widgets/{id_}")

    def update_remote(self, api, id_, olds, news, changed):
        return api.patch(f"/widgets/{id_}", {k: news[k] for k in sorted(changed)})

    def delete_remote(self, api, id_, props):
        api.delete(f"/widgets/{id_}")

    def live_inputs(self, live):
        return {k: live.get(k) for k in ("name", "region", "size", "tags")}

    def live_outputs(self, live):
        return {"url": f"https://{live['name']}.example"}


class ToyApi:
    def __init__(self):
        self.widgets: dict[str, dict] = {}
        self.ids = itertools.count(1)

    def __call__(self, method, path, body):
        parts = urlsplit(path)
        segs = parts.path.strip("/").split("/")[1:]  # drop "v1"
        if segs == ["widgets"] and method == "GET":
            name = parse_qs(parts.query).get("name", [None])[0]
            found = [w for w in self.widgets.values() if name in (None, w["name"])]
            if "cursor" in parts.query:
                found = []
            return 200, {}, [{"widget": dict(w), "cursor": w["id"]} for w in found]
        if segs == ["widgets"] and method == "POST":
            wid = f"wdg-{next(self.ids)}"
            w = {"id": wid, **{k: v for k, v in body.items() if k != "token"}}
            self.widgets[wid] = w
            return 201, {}, dict(w)
        if len(segs) == 2 and segs[0] == "widgets":
            w = self.widgets.get(segs[1])
            if w is None:
                return 404, {}, {"message": "widget not found"}
            if method == "GET":
                return 200, {}, dict(w)
            if method == "PATCH":
                w.update({k: v for k, v in body.items() if k != "token"})
                return 200, {}, dict(w)
            if method == "DELETE":
                del self.widgets[segs[1]]
                return 204, {}, None
        return 400, {}, {"message": f"toy API has no {method} {parts.path}"}


@pytest.fixture
def toy():
    state = ToyApi()
    server = StubServer(fallback=state).start()
    yield server, state
    server.stop()


@pytest.fixture
def provider(toy, monkeypatch):
    server, _ = toy
    monkeypatch.setenv("TOY_API_KEY", TOKEN)  # tokens come from the environment only
    p = WidgetProvider(http=HttpOptions(read_timeout=0.5, backoff_base=0.01, max_attempts=3))
    p.configure(ConfigureRequest(Config({"procurement:toyApiUrl": server.url + "/v1"}, "procurement")))
    return p


def checked(p, news, olds=None):
    result = p.check(olds or {}, news)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def test_check_applies_defaults_and_reports_clear_failures(provider):
    inputs = checked(provider, {"name": "a", "size": 3.0, "__provider": "x", "url": None})
    assert inputs["region"] == "oregon" and inputs["size"] == 3 and inputs["adopt"] is False
    assert "url" not in inputs
    bad = provider.check({}, {"region": "mars", "size": "big", "colour": "red", "token": 5})
    reasons = {f.property: f.reason for f in bad.failures}
    assert reasons["name"] == "'name' is required for a toy widget"
    assert "must be one of oregon, frankfurt; 'mars' is not" in reasons["region"]
    assert "'size' must be a int" in reasons["size"]
    assert "unknown property 'colour'" in reasons["colour"]
    assert "5" not in reasons["token"]  # secret values are never quoted


def test_check_tolerates_unknowns(provider):
    inputs = checked(provider, {"name": UNKNOWN, "region": UNKNOWN})
    assert inputs["name"] == UNKNOWN


def test_engine_unknown_objects_count_as_unknown_in_check_and_diff(provider):
    # The dynamic-provider server hands check/diff `pulumi.output.Unknown` objects (keep_unknowns),
    # e.g. the id of a parent not created yet in a first preview; they must not fail the kind check.
    from pulumi.output import Unknown

    inputs = checked(provider, {"name": Unknown(), "tags": ["x", Unknown()]})
    assert inputs["name"] == UNKNOWN and inputs["tags"] == ["x", UNKNOWN]
    olds = {**checked(provider, {"name": "a", "region": "oregon"}), "url": "https://a.example"}
    preview = provider.diff("wdg-1", olds, {"name": "a", "region": Unknown()})
    assert preview.changes is True and preview.replaces == ["region"]


def test_diff_managed_replace_sets_and_unknowns(provider):
    olds = {**checked(provider, {"name": "a", "tags": ["x", "y"]}), "url": "https://a.example"}
    same = provider.diff("wdg-1", olds, checked(provider, {"name": "a", "tags": ["y", "x", "x"]}))
    assert same.changes is False and same.replaces == []
    unset = provider.diff("wdg-1", olds, checked(provider, {"name": "a"}))  # tags unset: unmanaged
    assert unset.changes is False
    resized = provider.diff("wdg-1", olds, checked(provider, {"name": "a", "size": 2}))
    assert resized.changes is True and resized.replaces == [] and not resized.delete_before_replace
    moved = provider.diff("wdg-1", olds, checked(provider, {"name": "a", "region": "frankfurt"}))
    assert moved.replaces == ["region"] and moved.delete_before_replace is True
    preview = provider.diff("wdg-1", olds, checked(provider, {"name": "a", "region": UNKNOWN,
                                                              "tags": ["x", UNKNOWN]}))
    assert preview.changes is True and preview.replaces == ["region"]
    adopt_only = provider.diff("wdg-1", olds, checked(provider, {"name": "a", "adopt": True}))
    assert adopt_only.changes is False


def test_lifecycle_create_read_update_noop_delete(provider, toy):
    server, state = toy
    inputs = checked(provider, {"name": "a", "tags": ["x"], "token": "t0k"})
    created = provider.create({**inputs, "__provider": "p"})
    assert created.id == "wdg-1" and created.outs["url"] == "https://a.example"
    assert created.outs["token"] == "t0k"  # an input echoed in outputs (secret via the Resource)
    read = provider.read(created.id, {**created.outs, "__provider": "p"})
    assert read.id == "wdg-1" and read.inputs["tags"] == ["x"] and read.inputs["token"] == "t0k"
    news = checked(provider, {"name": "a", "tags": ["x"], "token": "t0k", "size": 5})
    before = len(server.requests)
    updated = provider.update(created.id, read.outs, news)
    assert state.widgets["wdg-1"]["size"] == 5 and updated.outs["size"] == 5
    patch = server.requests[-1]
    assert patch["method"] == "PATCH" and patch["body"] == {"size": 5}  # only what changed
    assert len(server.requests) == before + 1
    assert provider.diff(created.id, updated.outs, news).changes is False
    provider.delete(created.id, updated.outs)
    assert state.widgets == {}
    provider.delete(created.id, updated.outs)  # 404 on delete is done


def test_read_reports_drift_and_gone(provider, toy):
    _, state = toy
    inputs = checked(provider, {"name": "a", "size": 2})
    created = provider.create(inputs)
    state.widgets[created.id]["size"] = 9  # out-of-band edit
    read = provider.read(created.id, created.outs)
    assert read.inputs["size"] == 9 and read.outs["size"] == 9
    assert read.inputs["tags"] is None  # unset stays unset (not managed)
    assert provider.diff(created.id, read.outs, inputs).changes is True
    del state.widgets[created.id]
    gone = provider.read(created.id, created.outs)
    assert gone.id is None


def test_read_keeps_the_stored_order_of_a_set_the_api_lists_differently(provider, toy):
    _, state = toy
    created = provider.create(checked(provider, {"name": "a", "tags": ["web", "api"]}))
    state.widgets[created.id]["tags"] = ["api", "web"]  # the same set, listed sorted
    read = provider.read(created.id, created.outs)
    assert read.inputs["tags"] == ["web", "api"] and read.outs["tags"] == ["web", "api"]  # no reorder noise
    state.widgets[created.id]["tags"] = ["api", "db"]  # a different set is drift, as read
    assert provider.read(created.id, created.outs).inputs["tags"] == ["api", "db"]


def test_refuses_to_take_over_existing_without_adopt(provider, toy):
    _, state = toy
    state.widgets["wdg-77"] = {"id": "wdg-77", "name": "taken", "region": "oregon", "size": 1}
    with pytest.raises(AdoptionRequiredError) as info:
        provider.create(checked(provider, {"name": "taken"}))
    assert "toy widget 'taken' already exists (wdg-77)" in str(info.value)
    assert "adopt=True" in str(info.value)
    # Its message is the whole story (no traceback in the CLI), naming both recoveries.
    assert info.value.concise and "bash tools/scripts/local-stack.sh recover" in str(info.value)
    assert "bash tools/scripts/recover.sh --stack" in str(info.value)
    assert len(state.widgets) == 1


def test_adopt_converges_the_existing_object(provider, toy):
    server, state = toy
    state.widgets["wdg-77"] = {"id": "wdg-77", "name": "taken", "region": "oregon", "size": 1}
    created = provider.create(checked(provider, {"name": "taken", "size": 4, "adopt": True}))
    assert created.id == "wdg-77" and state.widgets["wdg-77"]["size"] == 4
    assert server.count("POST") == 0 and len(state.widgets) == 1


def test_adopt_refuses_create_only_mismatch(provider, toy):
    _, state = toy
    state.widgets["wdg-77"] = {"id": "wdg-77", "name": "taken", "region": "frankfurt", "size": 1}
    with pytest.raises(AdoptionRequiredError, match="create-only fields.*region"):
        provider.create(checked(provider, {"name": "taken", "adopt": True}))


def test_lost_create_response_is_recovered_without_duplicate(provider, toy):
    server, state = toy
    # lookup (GET), then the POST is applied but its response is lost (reset).
    server.script = [("respond", 200, {}, []), ("apply_then_reset",)]
    created = provider.create(checked(provider, {"name": "lost"}))
    assert list(state.widgets) == [created.id]
    assert server.count("POST") == 1


def test_5xx_on_create_that_did_not_happen_is_retried_once_looked_up(provider, toy):
    server, state = toy
    server.script = [("respond", 200, {}, []), ("respond", 500, {}, {"message": "boom"})]
    created = provider.create(checked(provider, {"name": "retry"}))
    assert list(state.widgets) == [created.id]
    assert server.count("POST") == 2  # second POST only after a lookup found nothing


def test_validation_error_on_create_is_not_retried(provider, toy):
    server, _ = toy
    server.script = [("respond", 200, {}, []), ("respond", 400, {}, {"message": "name too long"})]
    with pytest.raises(Exception, match=r"Toy API POST /v1/widgets failed \(HTTP 400\): name too long"):
        provider.create(checked(provider, {"name": "x"}))
    assert server.count("POST") == 1


def test_update_without_changes_makes_no_call(provider, toy):
    server, _ = toy
    created = provider.create(checked(provider, {"name": "a"}))
    n = len(server.requests)
    result = provider.update(created.id, created.outs, checked(provider, {"name": "a", "adopt": True}))
    assert len(server.requests) == n and result.outs["url"] == "https://a.example"


def test_configured_token_is_never_pickled(provider):
    blob = base64.b64decode(serialize_provider(provider))
    assert TOKEN.encode() not in blob
    assert b"WidgetProvider" in blob


def test_token_from_environment_only_and_one_clear_line_when_missing(toy, monkeypatch):
    server, _ = toy
    p = WidgetProvider(http=HttpOptions(backoff_base=0.01))
    # A token in the stack config (what the engine stores in the state) is never used.
    p.configure(ConfigureRequest(Config({"procurement:toyApiKey": "config-token"}, "procurement")))
    monkeypatch.delenv("TOY_API_KEY", raising=False)
    monkeypatch.setenv("TOY_API_URL", server.url + "/v1")
    with pytest.raises(MissingCredentialsError) as missing:
        p.read("wdg-1", {})
    message = str(missing.value)
    assert "TOY_API_KEY" in message and "environmentVariables.TOY_API_KEY" in message and "\n" not in message
    assert "config-token" not in message and server.requests == []
    monkeypatch.setenv("TOY_API_KEY", "env-token")
    assert p.read("wdg-404", {"name": "a"}).id is None
    assert server.requests[-1]["headers"]["Authorization"] == "Bearer env-token"
    # Rotation takes effect on the next call: nothing was kept from the first one.
    monkeypatch.setenv("TOY_API_KEY", "rotated-token")
    p.read("wdg-404", {"name": "a"})
    assert server.requests[-1]["headers"]["Authorization"] == "Bearer rotated-token"


def test_a_rejected_token_names_the_variable_to_fix(provider, toy):
    server, _ = toy
    server.script.append(("respond", 401, {}, {"message": "unauthorized: invalid bearer token"}))
    with pytest.raises(AuthError) as rejected:
        provider.read("wdg-1", {"name": "a"})
    message = str(rejected.value)
    assert "HTTP 401" in message and "check TOY_API_KEY" in message and TOKEN not in message
    assert rejected.value.concise


class SecretWidgetProvider(WidgetProvider):
    """A widget whose `token` comes from an environment variable the resource names."""

    fields = {**{k: v for k, v in WidgetProvider.fields.items() if k != "token"},
              "token_env": Field(str, managed=False), "token_fingerprint": Field(str, write_only=True)}
    env_secrets = {"token_fingerprint": ("token_env", "widget token")}

    def create_remote(self, api, inputs):
        return api.post("/widgets", {"name": inputs["name"], "token": self.env_secret(inputs, "token_fingerprint")})

    def update_remote(self, api, id_, olds, news, changed):
        return api.patch(f"/widgets/{id_}", {"token": self.env_secret(news, "token_fingerprint")},
                         idempotent=True)


def test_an_env_secret_is_fingerprinted_never_stored_and_a_rotation_is_a_change(toy, monkeypatch):
    server, state = toy
    monkeypatch.setenv("TOY_API_KEY", TOKEN)
    monkeypatch.setenv("TOY_API_URL", server.url + "/v1")
    p = SecretWidgetProvider(http=HttpOptions(backoff_base=0.01))
    news = {"name": "s", "token_env": "WIDGET_TOKEN"}

    monkeypatch.delenv("WIDGET_TOKEN", raising=False)
    with pytest.raises(MissingCredentialsError, match="widget token: WIDGET_TOKEN is not set"):
        p.create(checked(p, news))
    monkeypatch.setenv("WIDGET_TOKEN", "first-secret-value")
    inputs = checked(p, news)
    created = p.create(inputs)
    assert server.requests[-1]["body"]["token"] == "first-secret-value"
    assert inputs["token_fingerprint"].startswith("sha256:")
    assert "first-secret-value" not in repr(inputs) + repr(created.outs)

    # Unchanged value: same fingerprint, no diff. No variable (a credential-less preview): the last
    # known fingerprint is kept, so nothing changes either.
    assert not p.diff(created.id, created.outs, checked(p, news, created.outs)).changes
    monkeypatch.delenv("WIDGET_TOKEN")
    kept = checked(p, news, created.outs)
    assert kept["token_fingerprint"] == created.outs["token_fingerprint"]
    assert not p.diff(created.id, created.outs, kept).changes

    # Rotated: a change, and the update sends the new value read at call time.
    monkeypatch.setenv("WIDGET_TOKEN", "rotated-secret-value")
    rotated = checked(p, news, created.outs)
    assert p.diff(created.id, created.outs, rotated).changes
    updated = p.update(created.id, created.outs, rotated)
    assert server.requests[-1]["body"] == {"token": "rotated-secret-value"}
    assert "rotated-secret-value" not in repr(rotated) + repr(updated.outs)


def test_concise_errors_reach_the_cli_without_a_traceback(stand_in_host):
    import traceback

    from dynamic_providers.core import sdk_patches as base

    host = stand_in_host
    base.install_concise_errors()
    base.install_concise_errors()  # idempotent
    try:
        raise MissingCredentialsError("No Toy API token: TOY_API_KEY is not set")
    except MissingCredentialsError:
        assert host.traceback.format_exc() == "No Toy API token: TOY_API_KEY is not set"
    try:
        raise KeyError("a bug")
    except KeyError:
        assert host.traceback.format_exc().startswith("Traceback (most recent call last)")
    assert host.traceback.format_exception is traceback.format_exception  # everything else untouched


def test_concise_errors_are_left_alone_outside_the_provider_host():
    import sys
    import traceback

    from dynamic_providers.core import sdk_patches as base

    base.install_concise_errors()  # pytest's __main__ is no provider host: nothing changes
    assert not isinstance(getattr(sys.modules["__main__"], "traceback", traceback), base._ConciseTraceback)


def test_not_found_error_type_is_exported():
    assert issubclass(NotFoundError, Exception)


def test_rule_failures_name_the_input_and_skip_unset_or_unknown_values():
    from dynamic_providers.core import UNKNOWN
    from dynamic_providers.core.provider import rule_failures

    def rule(value):
        return None if value == "ok" else "must be 'ok'"

    [failure] = rule_failures("name", "bad", rule)
    assert (failure.property, failure.reason) == ("name", "'name' must be 'ok'")
    assert rule_failures("name", "ok", rule) == []
    assert rule_failures("name", None, rule) == [] and rule_failures("name", UNKNOWN, rule) == []
