"""The detail a plan shows for a changed resource (``core/plan_detail.py``): which fields and map keys
changed, which force the replacement, and what owed work is shown on; and how it reaches the
``DiffResponse`` the ``pulumi.dynamic`` host builds (``core/sdk_patches.py``) (the real proto message, in a stand-in host module).
"""
from __future__ import annotations

import sys

import pytest
from pulumi.runtime import proto

from dynamic_providers.core import UNKNOWN, DeclarativeProvider, Field, plan_detail, sdk_patches
from toy_api import TOY


class GadgetProvider(DeclarativeProvider):
    api = TOY
    kind = "toy gadget"
    fields = {
        "name": Field(str, required=True),
        "region": Field(str, replace=True),
        "env": Field(dict),
        "triggers": Field(dict, replace=True),
        "tags": Field(list, set_like=True),
    }
    output_names = ("status", "fingerprint")
    owed_outputs = {"deploy": "fingerprint"}

    def pending_changes(self, olds, news):
        return {"deploy"} if olds.get("fingerprint") == "stale" else set()


@pytest.fixture
def host(stand_in_host):
    """The stand-in provider host with detailed diffs installed."""
    sdk_patches.install_detailed_diffs()
    sdk_patches.install_detailed_diffs()  # idempotent
    return stand_in_host


OLD = {"name": "g", "region": "oregon", "env": {"A": "1", "B": "2", "GONE": "x"}, "triggers": {"digest": "d1"},
       "tags": ["x", "y"], "status": "live", "fingerprint": "ok"}


def respond(host, p, olds, news):
    """What the host's Diff does: the provider's diff, then the response built from its result."""
    result = p.diff("id-1", olds, news)
    fields = {"changes": host.proto.DiffResponse.DIFF_SOME if result.changes else host.proto.DiffResponse.DIFF_NONE}
    if result.replaces:
        fields["replaces"] = result.replaces
    return result, host.proto.DiffResponse(**fields)


def kinds(response) -> dict[str, str]:
    return {path: proto.PropertyDiff.Kind.Name(d.kind) for path, d in response.detailedDiff.items()}


def test_map_entries_are_itemised_and_only_changed_fields_appear(host):
    news = {"name": "g", "region": "oregon", "env": {"A": "1", "B": "3", "NEW": "v", "odd.key": "k"},
            "triggers": {"digest": "d1"}, "tags": ["y", "x"]}
    result, response = respond(host, GadgetProvider(), OLD, news)
    assert result.changes and not result.replaces
    assert response.hasDetailedDiff
    assert kinds(response) == {"env.B": "UPDATE", "env.NEW": "ADD", "env.GONE": "DELETE",
                               'env["odd.key"]': "ADD"}
    assert all(d.inputDiff for d in response.detailedDiff.values())
    assert list(response.diffs) == ["env"]  # the `[diff: ~env]` of the plan; no output-only field


def test_replacement_names_its_reason(host):
    news = {"name": "g", "region": "oregon", "env": OLD["env"], "triggers": {"digest": "d2"}, "tags": ["x", "y"]}
    result, response = respond(host, GadgetProvider(), OLD, news)
    assert result.replaces == ["triggers"]
    assert kinds(response) == {"triggers.digest": "UPDATE_REPLACE"}
    assert list(response.diffs) == ["triggers"]


def test_unknown_values_count_as_changes_of_their_path(host):
    news = {"name": "g", "region": UNKNOWN, "env": {"A": "1", "B": UNKNOWN, "GONE": "x"},
            "triggers": {"digest": "d1"}, "tags": ["x", "y"]}
    result, response = respond(host, GadgetProvider(), OLD, news)
    assert result.replaces == ["region"]
    assert kinds(response) == {"region": "UPDATE_REPLACE", "env.B": "UPDATE"}


def test_owed_work_shows_on_the_output_that_records_it(host):
    olds = {**OLD, "fingerprint": "stale"}
    news = {k: OLD[k] for k in GadgetProvider.fields}
    result, response = respond(host, GadgetProvider(), olds, news)
    assert result.changes
    assert kinds(response) == {"fingerprint": "UPDATE"}
    assert not response.detailedDiff["fingerprint"].inputDiff  # old output against "known after update"


def test_no_change_sends_no_detail_and_leaves_none_behind(host):
    news = {k: OLD[k] for k in GadgetProvider.fields}
    result, response = respond(host, GadgetProvider(), OLD, news)
    assert not result.changes
    assert not response.hasDetailedDiff and not response.detailedDiff and not response.diffs
    # A response built later on this thread (another resource's diff) gets nothing stale either.
    assert not host.proto.DiffResponse(changes=proto.DiffResponse.DIFF_SOME).hasDetailedDiff


def test_everything_else_of_the_proto_module_is_untouched(host):
    assert host.proto.CheckResponse is proto.CheckResponse


def test_outside_the_provider_host_nothing_is_installed():
    sdk_patches.install_detailed_diffs()  # pytest's __main__ is no provider host
    assert not isinstance(getattr(sys.modules["__main__"], "proto", None), sdk_patches._DetailedProto)


def test_the_message_class_constants_stay_reachable(host):
    # The host reads them from `proto.DiffResponse` itself (`proto.DiffResponse.DIFF_NONE`).
    assert host.proto.DiffResponse.DIFF_NONE == proto.DiffResponse.DIFF_NONE
    assert host.proto.DiffResponse.DIFF_UNKNOWN == proto.DiffResponse.DIFF_UNKNOWN


def test_a_key_the_engine_could_not_parse_back_shows_the_whole_map(host):
    # The engine's path parser unescapes only \" and fails the whole preview on a path it cannot parse.
    news = {"name": "g", "region": "oregon", "env": {**OLD["env"], 'say "hi"': "1"},
            "triggers": {"digest": "d1"}, "tags": ["x", "y"]}
    _, response = respond(host, GadgetProvider(), OLD, news)
    assert kinds(response) == {"env": "UPDATE"}
