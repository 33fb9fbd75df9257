"""Helpers shared by the config tests: the committed stacks and what their ESC environments add.

Staging and production stack files carry no secret values (docs/explanation/secrets.md): their ESC
environments (esc/procurement-<stack>.yaml) export every credential as an environment variable
and add no stack config, so no stack needs a secret config key to preview.
"""
from components.config import RawConfig, StackConfig, parse_config
import yaml

from tests.mock_harness import PROJECT_ROOT, read_stack_config

ESC_SECRETS: dict[str, dict] = {"local": {}, "staging": {}, "production": {}}
STACKS = tuple(ESC_SECRETS)


def _real_backup_recipients(stack: str) -> dict:
    """What docs/how-to/operations.md "Backup keys" puts into the stack file before go-live: the committed production file carries
    placeholders the config refuses (no key pair is committed whose identity nobody holds), so tests stand in
    key pairs generated for this run, one per committed entry, holders and escrow flags kept."""
    doc = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    backup = doc.get("procurement:backup")
    if not backup:
        return {}
    from pyrage import x25519

    entries = [{**entry, "recipient": str(x25519.Identity.generate().to_public())} for entry in backup["recipients"]]
    return {"procurement:backup": {**backup, "recipients": entries}}


# Per stack: what a stack needs beyond its file and ESC to preview (production: its real backup recipients).
GO_LIVE: dict[str, dict] = {stack: _real_backup_recipients(stack) for stack in STACKS}


def committed_overrides(stack: str) -> dict:
    """The committed stack's ESC secrets plus its go-live values."""
    return {**ESC_SECRETS[stack], **GO_LIVE[stack]}


def tier_overrides(stack: str, tiers: dict) -> dict:
    """Overrides that switch the stack's tiers to `tiers`; with the backend off, the database roles
    (one per backend service) go too, as the config rejects roles for services that do not exist."""
    overrides = {"procurement:tiers": tiers}
    if not tiers.get("backend"):
        doc = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        database = dict(doc.get("procurement:database") or {})
        if database.get("roles"):
            overrides["procurement:database"] = {**database, "roles": []}
    return overrides


def config_of(stack: str) -> StackConfig:
    """The typed config of a committed stack (plus its ESC secrets), parsed without a runtime."""
    f = read_stack_config(stack, overrides=committed_overrides(stack))
    return parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack)
