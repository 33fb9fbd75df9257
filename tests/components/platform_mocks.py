"""Run the whole program (`__main__.py`) for a committed stack under mocks, with believable provider answers.

Under Pulumi's mocks a resource's outputs are its inputs; the values providers compute (Render
hosts, the Supabase pooler address, API keys, generated passwords, the pushed image digest) and
the lookups the bridged components make (GitHub team ids, the Cloudflare zone's account) come
from here, as does what production's StackReference reads from staging. The fake secrets are
distinctive strings, so tests can look for them in places they must never appear.

    run = run_stack("production")
    site = run.one(SERVICE, "frontend-site")
"""
from __future__ import annotations

from typing import Any, Optional

import tempfile
from datetime import datetime, timezone
from pathlib import Path

import yaml
from pulumi.runtime.mocks import MockResourceArgs

from ops.review.stack_config import derive
from tests.components.stack_cases import committed_overrides
from tests.mock_harness import PROJECT_ROOT, ProgramRun, run_program

DIGEST = "sha256:" + "5" * 64
STAGING_IMAGE = f"ghcr.io/acme-procurement/procurement-system@{DIGEST}"
BUILT_DIGEST = "sha256:" + "b" * 64
STACK_REFERENCES = {"acme-procurement/procurement/staging": {"backend_image_digest": STAGING_IMAGE}}
TEAM_ID = "4242"
ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
R2_WRITE_GROUP = "2efd5506f9c8494dacb1fa10a3e7d5b6"
BACKUP_TOKEN_VALUE = "mock-r2-token-value-0123456789"
INVOKES = {
    "github:index/getTeam:getTeam": {"id": TEAM_ID},
    "github:index/getUser:getUser": {"id": "777"},
    "cloudflare:index/getZone:getZone": {"account": {"id": ACCOUNT_ID}},
    # The R2 object-write permission group the backup's token is scoped to (looked up by name).
    "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList": {
        "results": [{"id": R2_WRITE_GROUP, "name": "Workers R2 Storage Bucket Item Write"}]},
}
POOLER_HOST = "aws-0-eu-central-1.pooler.supabase.com"
POOLER_PORT = 6543
ANON_KEY = "mock-anon-key-eyJhbGciOiJIUzI1NiJ9"
SERVICE_ROLE_KEY = "mock-service-role-key-eyJhbGciOiJIUzI1NiJ9"


BRANCH_REF = "mockbranchrefabcdefgh"


def password_of(resource_name: str) -> str:
    return f"MockPw{resource_name.replace('-', '').replace('_', '')}0123456789"[:40]


def secret_key_of(key_name: str) -> str:
    return f"sb_secret_mock_{key_name}"


def project_ref(args_or_id: Any) -> str:
    return "mockprojectrefabcdefg"


def provider_outputs(args: MockResourceArgs) -> Optional[dict]:
    """What the real providers would add to a resource's state."""
    kind = args.typ.rsplit("/", 1)[-1]
    inputs = args.inputs
    if args.typ == "pulumi-python:dynamic/random:RandomPassword":
        return {"result": password_of(args.name)}
    if args.typ == "pulumi-python:dynamic/render:Service":
        host = f"{inputs['name']}.onrender.com"
        return {"host": host, "url": f"https://{host}", "slug": inputs["name"]}
    if args.typ == "pulumi-python:dynamic/render:CustomDomain":
        # Render's answer: the service's own *.onrender.com host (its id stands in for it here).
        return {"dns_record_type": "CNAME", "dns_target": f"{inputs['service_id']}.onrender.com",
                "domain_type": "subdomain", "verification_status": "verified"}
    if args.typ == "pulumi-python:dynamic/supabase:Project":
        ref = project_ref(args)
        return {"ref": ref, "api_url": f"https://{ref}.supabase.co", "database_host": f"db.{ref}.supabase.co",
                "status": "ACTIVE_HEALTHY"}
    if args.typ == "pulumi-python:dynamic/supabase:PoolerConfig":
        return {"db_host": POOLER_HOST, "db_port": POOLER_PORT, "db_user": f"postgres.{project_ref(args)}",
                "db_name": "postgres"}
    if args.typ == "pulumi-python:dynamic/supabase:ApiKeys":
        names = inputs.get("secret_key_names") or []
        return {"anon_key": ANON_KEY, "service_role_key": SERVICE_ROLE_KEY,
                "secret_keys": {name: secret_key_of(name) for name in names}}
    if args.typ == "pulumi-python:dynamic/supabase:Branch":
        return {"project_ref": BRANCH_REF, "branch_id": "mock-branch-id", "status": "MIGRATIONS_PASSED",
                "db_host": f"db.{BRANCH_REF}.supabase.co", "db_port": 5432, "db_user": "postgres",
                "db_password": "MockBranchPw0123456789", "jwt_secret": "mock-branch-jwt-secret"}
    if args.typ == "pulumi-python:dynamic/render:Project":
        return {"environment_ids": {name: f"evm-mock-{name}" for name in inputs.get("environments") or {}}}
    if args.typ == "cloudflare:index/accountToken:AccountToken":
        return {"value": BACKUP_TOKEN_VALUE}
    if kind == "image:Image" and args.typ.startswith("docker:"):
        return {"repoDigest": f"{inputs['imageName'].rsplit(':', 1)[0]}@{BUILT_DIGEST}"}
    return None


def run_stack(stack: str, *, preview: bool = False, overrides: Optional[dict] = None, **kwargs: Any) -> ProgramRun:
    """`run_program` for a committed stack plus its ESC secrets, with the answers above."""
    return run_program(stack, overrides={**committed_overrides(stack), **(overrides or {})}, preview=preview,
                       resource_outputs=provider_outputs, stack_references=STACK_REFERENCES,
                       invoke_results=INVOKES, **kwargs)


REVIEW_PR = 7
REVIEW_PARENT_REF = "mockparentrefabcdefg"
REVIEW_DIGEST = f"ghcr.io/acme-procurement/procurement-system@sha256:{'7' * 64}"
REVIEW_NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def review_stack_file(directory: Path, base: str = "local", pr: int = REVIEW_PR, **options: Any) -> Path:
    """`Pulumi.pr-<pr>.yaml` derived from the committed `base` stack by ops/review/stack_config.py."""
    document = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{base}.yaml").read_text())
    options = {"image_digest": REVIEW_DIGEST, "now": REVIEW_NOW, **options}
    path = directory / f"Pulumi.pr-{pr}.yaml"
    path.write_text(yaml.safe_dump(derive(document, pr, REVIEW_PARENT_REF, **options)))
    return path


def run_review_stack(base: str = "local", pr: int = REVIEW_PR, **options: Any) -> ProgramRun:
    """The review stack `pr-<pr>` derived from `base`, run under mocks like the committed stacks."""
    with tempfile.TemporaryDirectory() as directory:
        stack_file = review_stack_file(Path(directory), base, pr, **options)
        return run_program(f"pr-{pr}", stack_file=stack_file, resource_outputs=provider_outputs,
                           stack_references=STACK_REFERENCES, invoke_results=INVOKES)
