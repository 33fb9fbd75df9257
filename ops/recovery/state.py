"""What an interrupted update left in the state (`pulumi stack export`), and what to adopt."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of an encrypted value
SECRET_FILES = "pulumi-python:dynamic/render:SecretFiles"


def _kinds():
    # Imported when needed: components.config loads the Pulumi SDK, which the other commands of
    # tools/scripts/recover.sh do not need (each is a short process of its own).
    from components.config import adoptable
    return adoptable


def pending_operations(export: Mapping[str, Any]) -> list[dict]:
    """`[{"type": "creating"|"updating"|"deleting"|..., "resource": {...}}]` left by an interrupted update."""
    return list((export.get("deployment") or {}).get("pending_operations") or [])


def logical_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def describe(op: Mapping[str, Any]) -> str:
    return f"{op.get('type', '?')} {op['resource']['urn']}"


def adopt_entries(export: Mapping[str, Any]) -> list[str]:
    """`procurement:adopt` entries for the pending creates whose objects may exist now."""
    entries = []
    for op in pending_operations(export):
        resource = op["resource"]
        if op.get("type") != "creating" or resource.get("type") not in _kinds().TYPES:
            continue  # settings, keys, extensions, passwords: their create converges on what exists
        name = logical_name(resource["urn"])
        if resource["type"] == _kinds().DEPLOY:
            known = known_deploys(export, _plain(resource.get("inputs", {}).get("service_id")))
            name = f"{name}@{','.join(known)}" if known else name
        entries.append(name)
    return sorted(set(entries))


def known_deploys(export: Mapping[str, Any], service_id: Any) -> list[str]:
    """Every Render deploy id the state records for a service: its Deploys, the deploys they replaced
    and saw go live, the service's first deploy, the deploys its env sets triggered."""
    if not isinstance(service_id, str) or not service_id:
        return []
    kinds = _kinds()
    found: set[str] = set()
    for resource in (export.get("deployment") or {}).get("resources") or []:
        kind, inputs, outputs = resource.get("type"), resource.get("inputs") or {}, resource.get("outputs") or {}
        if kind == kinds.DEPLOY and _plain(inputs.get("service_id")) == service_id:
            found.update(_ids(resource.get("id"), outputs.get("previous_deploy_id"), outputs.get("live_deploy_id")))
        elif kind == kinds.SERVICE and resource.get("id") == service_id:
            found.update(_ids(outputs.get("deploy_id")))
        elif kind in (kinds.ENV_VARS, SECRET_FILES) and _plain(inputs.get("service_id")) == service_id:
            found.update(_ids(outputs.get("deploy_id")))
    return sorted(found)


def _ids(*values: Any) -> Iterable[str]:
    return (v for v in map(_plain, values) if isinstance(v, str) and v.startswith("dep-"))


def _plain(value: Any) -> Any:
    """A value as exported; an encrypted one (never a deploy or service id) reads as None."""
    return None if isinstance(value, dict) and SECRET_SIG in value else value
