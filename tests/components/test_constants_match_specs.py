"""The vendor values frozen in components/config/constants.py still match the vendors' specs.

The program never reads the specs (CI clones and operators' machines may not have them); this
test re-derives each list from the spec in $PROCUREMENT_SHARED_DIR (default: ../shared).
"""
import json
import os
from functools import lru_cache
from pathlib import Path

from components.config import constants as c
from tests.mock_harness import PROJECT_ROOT

SHARED = Path(os.environ.get("PROCUREMENT_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


@lru_cache(maxsize=None)
def schemas(name):
    path = SHARED / "specs" / name
    assert path.is_file(), f"{path} is missing: set PROCUREMENT_SHARED_DIR to the shared/ reference material"
    return json.loads(path.read_text())["components"]["schemas"]


def render():
    return schemas("render/render-openapi.json")


def supabase():
    return schemas("supabase/openapi.json")


def test_render_regions():
    assert c.RENDER_REGIONS == tuple(render()["region"]["enum"])


def test_render_web_plans_are_the_spec_plans_without_custom():
    assert c.RENDER_WEB_PLANS == tuple(p for p in render()["plan"]["enum"] if p != "custom")


def test_render_shutdown_delay_range():
    spec = render()["maxShutdownDelaySeconds"]
    assert (spec["minimum"], spec["maximum"]) == (1, c.RENDER_MAX_SHUTDOWN_DELAY_SECONDS)


def test_render_worker_and_cron_plans_are_the_paid_plans():
    paid = tuple(render()["paidPlan"]["enum"])
    assert c.RENDER_PAID_PLANS == paid
    for details in ("backgroundWorkerDetailsPOST", "cronJobDetailsPOST"):
        assert render()[details]["properties"]["plan"]["$ref"].endswith("/paidPlan")


def test_supabase_regions():
    body = supabase()["V1CreateProjectBody"]["properties"]
    specific = next(o for o in body["region_selection"]["oneOf"]
                    if o["properties"]["type"]["enum"] == ["specific"])
    assert c.SUPABASE_REGIONS == tuple(specific["properties"]["code"]["enum"])
    assert c.SUPABASE_REGIONS == tuple(body["region"]["enum"])


def test_supabase_instance_sizes():
    body = supabase()["V1CreateProjectBody"]["properties"]
    assert c.SUPABASE_INSTANCE_SIZES == tuple(body["desired_instance_size"]["enum"])


def test_supabase_pooler_postgres_and_auth_bounds():
    pooler = supabase()["UpdateSupavisorConfigBody"]["properties"]
    assert c.SUPABASE_POOL_MODES == tuple(pooler["pool_mode"]["enum"])
    assert c.SUPABASE_MAX_POOL_SIZE == pooler["default_pool_size"]["maximum"]
    postgres = supabase()["UpdatePostgresConfigBody"]["properties"]
    assert c.SUPABASE_MAX_CONNECTIONS == postgres["max_connections"]["maximum"]
    auth = supabase()["UpdateAuthConfigBody"]["properties"]
    assert c.SUPABASE_MAX_JWT_EXPIRY == auth["jwt_exp"]["maximum"]
    assert c.SUPABASE_MIN_PASSWORD_LENGTH == auth["password_min_length"]["minimum"]
