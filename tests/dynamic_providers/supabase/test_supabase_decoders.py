"""The decoders read every recorded real Management API response of the endpoints the provider uses,
and stay tolerant when fields turn null, vanish, or new fields and enum values appear."""
from __future__ import annotations

import copy
import json

import pytest

from dynamic_providers.supabase import models
from supabase_shared import recorded_responses, recordings_dir

# Recording folder -> the decoder the provider applies to that endpoint's 2xx body.
DECODERS = {
    "GET_v1_projects": models.decode_project_list,
    "GET_v1_projects___PROJECT_REF__": models.Project.decode,
    "POST_v1_projects": models.Project.decode,
    "GET_v1_projects___PROJECT_REF___api_keys": models.decode_api_keys,
    "GET_v1_projects___PROJECT_REF___billing_addons": models.BillingAddons.decode,
    "GET_v1_projects___PROJECT_REF___database_backups": models.Backups.decode,
    "GET_v1_projects___PROJECT_REF___config_database_postgres": models.decode_postgres_config,
    "PUT_v1_projects___PROJECT_REF___config_database_postgres": models.decode_postgres_config,
    "GET_v1_projects___PROJECT_REF___config_database_pooler": models.decode_pooler_configs,
    "GET_v1_projects___PROJECT_REF___network_restrictions": models.NetworkRestrictions.decode,
    "POST_v1_projects___PROJECT_REF___network_restrictions_apply": models.NetworkRestrictions.decode,
    "PATCH_v1_projects___PROJECT_REF___network_restrictions": models.NetworkRestrictions.decode,
    "GET_v1_projects___PROJECT_REF___ssl_enforcement": models.SslEnforcement.decode,
    "PUT_v1_projects___PROJECT_REF___ssl_enforcement": models.SslEnforcement.decode,
    "GET_v1_projects___PROJECT_REF___config_auth": models.decode_auth_config,
    "PATCH_v1_projects___PROJECT_REF___config_auth": models.decode_auth_config,
    "GET_v1_projects___PROJECT_REF___secrets": models.decode_edge_secrets,
    "POST_v1_projects___PROJECT_REF___secrets": models.decode_edge_secrets,
    "DELETE_v1_projects___PROJECT_REF___secrets": models.decode_edge_secrets,
    "POST_v1_projects___PROJECT_REF___database_query": models.decode_query_rows,
    "DELETE_v1_projects___PROJECT_REF__": None,  # body unused on success; errors carry {"message"}
    "GET_v1_projects___PROJECT_REF___branches": models.decode_branch_list,
    "GET_v1_projects___PROJECT_REF___branches_my_branch": models.Branch.decode,
    "POST_v1_projects___PROJECT_REF___branches": models.Branch.decode,
    "GET_v1_branches___PROJECT_REF__": models.BranchDetail.decode,
}


def _cases():
    for folder, decoder in DECODERS.items():
        for name, recorded in recorded_responses(folder):
            yield pytest.param(folder, decoder, recorded, id=f"{folder}/{name}")


CASES = list(_cases())


def test_every_used_endpoint_has_recordings():
    assert recordings_dir().is_dir(), f"shared recordings not found at {recordings_dir()}"
    missing = [folder for folder in DECODERS if not recorded_responses(folder)]
    assert not missing, f"no recordings for {missing}"
    assert len(CASES) >= 40


@pytest.mark.parametrize("folder,decoder,recorded", CASES)
def test_recorded_response_decodes(folder, decoder, recorded):
    status, body = recorded["status"], recorded["body"]
    if status >= 400:
        # Error replies: the transport shows the API's message; it must be found.
        assert models.api_error_message(body)
        return
    if decoder is None:
        assert models.api_error_message(body) is None  # a success body is never taken for an error
        return
    decoded = decoder(body)
    assert decoded is not None


def test_recorded_values_are_understood():
    project = models.Project.decode(recorded_responses("GET_v1_projects___PROJECT_REF__")[0][1]["body"])
    assert project.status == "ACTIVE_HEALTHY" and project.database_host.startswith("db.")
    created = models.Project.decode(recorded_responses("POST_v1_projects")[0][1]["body"])
    assert created.status == "UNKNOWN" and created.database_host is None  # no database block on create

    keys = models.decode_api_keys(dict(recorded_responses("GET_v1_projects___PROJECT_REF___api_keys"))
                                  ["default.response.json"]["body"])
    by_type = {(k.type, k.name): k for k in keys}
    assert by_type[("legacy", "anon")].revealed and by_type[("legacy", "service_role")].revealed
    assert by_type[("secret", "default")].jwt_role == "service_role"
    masked = models.decode_api_keys(dict(recorded_responses("GET_v1_projects___PROJECT_REF___api_keys"))
                                    ["2.response.json"]["body"])
    assert not [k for k in masked if k.type == "secret"][0].revealed  # "···" without reveal=true

    addons = models.BillingAddons.decode(recorded_responses("GET_v1_projects___PROJECT_REF___billing_addons")[0][1]["body"])
    assert addons.instance_size == "micro" and addons.pitr_days is None

    pooler = models.primary_pooler(models.decode_pooler_configs(
        recorded_responses("GET_v1_projects___PROJECT_REF___config_database_pooler")[0][1]["body"]))
    assert pooler.db_port == 6543 and pooler.default_pool_size is None and "[YOUR-PASSWORD]" in pooler.connection_string

    patched = models.NetworkRestrictions.decode(
        recorded_responses("PATCH_v1_projects___PROJECT_REF___network_restrictions")[0][1]["body"])
    assert patched.db_allowed_cidrs == ("0.0.0.0/0", "8.8.8.0/24") and patched.status == "stored"

    backups = models.Backups.decode(recorded_responses("GET_v1_projects___PROJECT_REF___database_backups")[0][1]["body"])
    assert backups.pitr_enabled is False and backups.backup_count == 0

    branch = models.Branch.decode(recorded_responses("POST_v1_projects___PROJECT_REF___branches")[0][1]["body"])
    assert branch.project_ref == "bbbbbbbbbbbbbbbbbbbb" and branch.status == "MIGRATIONS_PASSED" and not branch.is_default
    detail = models.BranchDetail.decode(recorded_responses("GET_v1_branches___PROJECT_REF__")[0][1]["body"])
    assert detail.status == "ACTIVE_HEALTHY" and detail.db_port == 5432 and detail.db_pass == "password"

    auth = models.decode_auth_config(recorded_responses("GET_v1_projects___PROJECT_REF___config_auth")[0][1]["body"])
    assert auth["jwt_exp"] == 3600 and "smtp_pass" in auth


def _null_every_leaf(node):
    if isinstance(node, dict):
        return {k: _null_every_leaf(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_null_every_leaf(v) for v in node]
    return None


def _drift(node):
    """New fields everywhere and every string turned into an unseen enum-like value."""
    if isinstance(node, dict):
        out = {k: _drift(v) for k, v in node.items()}
        out["field_added_later"] = {"nested": [1, "x", None]}
        return out
    if isinstance(node, list):
        return [_drift(v) for v in node]
    if isinstance(node, str):
        return node + "_NEW_VALUE"
    return node


@pytest.mark.parametrize("folder,decoder,recorded", [c for c in CASES if c.values[1] is not None
                                                     and c.values[2]["status"] < 400])
def test_decoders_tolerate_nulls_and_new_fields(folder, decoder, recorded):
    body = recorded["body"]
    drifted = decoder(_drift(copy.deepcopy(body)))
    assert drifted is not None
    nulled = _null_every_leaf(copy.deepcopy(body))
    if decoder in (models.Project.decode, models.Branch.decode):
        with pytest.raises(models.DecodeError, match="ref"):
            decoder(nulled)  # the one field we cannot work without: said so, by name
    else:
        decoder(nulled)
        decoder(None)  # a null body (e.g. 201 with no content) decodes to "nothing"


def test_unknown_statuses_are_kept_as_text():
    body = json.loads(json.dumps(recorded_responses("GET_v1_projects___PROJECT_REF__")[0][1]["body"]))
    body["status"] = "SOMETHING_NEW"
    assert models.Project.decode(body).status == "SOMETHING_NEW"
    health = models.decode_health([{"name": "pooler", "status": "DEGRADED_NEW", "healthy": None},
                                   {"name": "rest", "status": "ACTIVE_HEALTHY", "info": {"db_schema": ""}}])
    assert health[0].status == "DEGRADED_NEW" and health[1].db_schema == ""
