"""Reads what the report computes over, read-only (GET only): the stack's outputs, config and state (Pulumi),
its services' deploys and HTTP metrics (Render), the backup manifests' names (the backup target)."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from dynamic_providers.core.pagination import iter_pages
from dynamic_providers.core.transport import Transport
from dynamic_providers.render.api import RENDER

from ..stack import Stack
from .metrics import buckets
from .records import Bucket, Deploy, Window, when

RESOLUTION_SECONDS = 3600  # one bucket an hour: 168 points a week per series (the spec's minimum is 30)
MEDIAN = 0.5
MANIFEST = re.compile(r"(?:^|/)(\d{8}T\d{6}Z)\.json$")  # <stamp>.json, ops/backup/run.py
IMAGE_COMMIT = ("images carry no commit: components/images.py labels no revision, so an image deploy's lead time "
                "is unknown")
SITE_COMMIT = "static site: the deploy's commit.createdAt"


@dataclass
class Readings:
    stack: str
    deploys: list[Deploy] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    backups_taken: list[datetime] = field(default_factory=list)
    backup_schedule: str = ""
    backup_why: str = ""  # why there are no backup facts, when there are none
    public_hosts: list[str] = field(default_factory=list)
    gaps: dict[str, list[str]] = field(default_factory=dict)
    commit_source: str = ""


def default_backup_schedule() -> str:
    from components.config.schema import BACKUP

    return next(f.default for f in BACKUP.fields if f.name == "schedule")


def render_transport(config: Mapping[str, Any]) -> Transport:
    url, token = RENDER.resolve(config)
    return Transport(url, token, api_name=RENDER.name, auth_scheme=RENDER.auth_scheme,
                     explode_lists=RENDER.explode_lists)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def deploy_of(service: str, raw: Mapping[str, Any], static_site: bool) -> Optional[Deploy]:
    """A Render deploy (spec `deploy`) as a record; the commit time only where Render gives one."""
    created = when(raw.get("createdAt"))
    if not raw.get("id") or created is None:
        return None
    commit = (raw.get("commit") or {}).get("createdAt") if static_site else None
    return Deploy(service, raw["id"], raw.get("status") or "", raw.get("trigger"), created,
                  when(raw.get("finishedAt")), when(commit))


def deploys(http: Transport, services: Mapping[str, str], static_sites: set[str], window: Window) -> list[Deploy]:
    """Every deploy created in the window, one list per service (paginated)."""
    found = []
    params = {"createdAfter": _iso(window.start), "createdBefore": _iso(window.end)}
    for name, service_id in services.items():
        for raw in iter_pages(http, f"/services/{service_id}/deploys", params=params, item_key="deploy"):
            record = deploy_of(name, raw, name in static_sites)
            if record:
                found.append(record)
    return found


def http_buckets(http: Transport, service_ids: list[str], window: Window) -> list[Bucket]:
    found = []
    common = {"startTime": _iso(window.start), "endTime": _iso(window.end), "resolutionSeconds": RESOLUTION_SECONDS}
    for service_id in service_ids:
        requests = http.get("/metrics/http-requests", params={**common, "resource": service_id,
                                                              "aggregateBy": "statusCode"})
        latency = http.get("/metrics/http-latency", params={**common, "resource": service_id, "quantile": MEDIAN})
        found += buckets(requests, latency)
    return found


def backups_taken(target_url: str, window: Window) -> list[datetime]:
    """Snapshot times of the backups whose manifest exists (its name is the snapshot's UTC stamp)."""
    from ..backup.targets import open_target

    taken = []
    for key in open_target(target_url).keys():
        match = MANIFEST.search(key)
        if match:
            moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
            if window.holds(moment):
                taken.append(moment)
    return sorted(taken)


@dataclass
class _Resource:
    """A resource of the exported state in the shape the policy rules read (pulumi_policy.PolicyResource)."""
    urn: str
    name: str
    resource_type: str
    props: dict
    property_dependencies: dict = field(default_factory=dict)


def state_resources(deployment: Mapping[str, Any]) -> list[_Resource]:
    raw = [r for r in (deployment.get("deployment") or {}).get("resources") or [] if not r.get("delete")]
    by_urn = {r["urn"]: _Resource(r["urn"], r["urn"].rsplit("::", 1)[-1], r["type"], r.get("inputs") or {})
              for r in raw}
    for r in raw:
        by_urn[r["urn"]].property_dependencies = {
            prop: [by_urn[u] for u in urns if u in by_urn] for prop, urns in (r.get("propertyDependencies") or {}).items()}
    return list(by_urn.values())


def coverage(deployment: Mapping[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """Public hosts and what each lacks, judged by the public-service-monitored rule itself."""
    from policies.rule_coverage import gaps, public_hosts

    resources = state_resources(deployment)
    return ([host for _, host in public_hosts(resources)],
            {host: missing for _, host, missing in gaps(resources)})


def read(stack: Stack, window: Window, backup_target: Optional[str]) -> Readings:
    outputs = json.loads(stack.run("stack", "output", "--json"))
    config = stack.config()
    readings = Readings(stack.name, commit_source=f"{SITE_COMMIT}; {IMAGE_COMMIT}")
    services = dict(outputs.get("backend_service_ids") or {})
    sites = set()
    if outputs.get("frontend_service_id"):
        services["frontend"] = outputs["frontend_service_id"]
        sites.add("frontend")
    public = [i for i in (outputs.get("api_service_id"), outputs.get("frontend_service_id")) if i]
    if services:
        http = render_transport(config)
        readings.deploys = deploys(http, services, sites, window)
        readings.buckets = http_buckets(http, public, window)
    readings.backup_schedule = ((config.get("procurement:backup") or {}).get("schedule")
                                or default_backup_schedule())
    target = backup_target or os.environ.get("BACKUP_TARGET")
    if "procurement:backup" not in config:
        readings.backup_why = "the stack declares no backup job (procurement:backup)"
    elif target:
        readings.backups_taken = backups_taken(target, window)
    else:
        readings.backup_why = "no backup target: set BACKUP_TARGET or --backup-target (file:// or s3://)"
    readings.public_hosts, readings.gaps = coverage(json.loads(stack.run("stack", "export")))
    return readings
