"""What the report computes over, read through ops/readings (the readers `python -m ops.status` uses; GETs only):
the stack (outputs, config, state), its services' deploys and HTTP metrics (Render), the backups' manifests, the
restore test's records, and each image deploy's commit (its registry's labels, then GitHub's commit time)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping, Optional, Union

from dynamic_providers.render.models import Deploy as RenderDeploy

from ..backup.run import stamp
from ..backup.targets import open_target
from ..readings import apis, backups, github, images, restore_tests
from ..readings.coverage import read_coverage
from ..readings.metrics import read_http_metrics, rfc3339
from ..readings.render import deploys_between
from ..readings.stack import StackReading, read_up_stack
from ..stack import Stack
from .metrics import buckets
from ..timestamps import utc_time
from .records import Bucket, Deploy, RestoreTest, Window

SITE_COMMIT = "static site: the deploy's commit.createdAt"
IMAGE_COMMIT = "image: its revision label's commit time from GitHub"


@dataclass
class Readings:
    stack: str
    deploys: list[Deploy] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    backups_taken: list[datetime] = field(default_factory=list)
    backup_schedule: str = ""
    backup_why: str = ""  # why there are no backup facts, when there are none
    restore_tests: list[RestoreTest] = field(default_factory=list)
    restore_why: str = ""  # why there are no restore test records, when there are none
    public_hosts: list[str] = field(default_factory=list)
    gaps: dict[str, list[str]] = field(default_factory=dict)
    commit_source: str = ""


def default_backup_schedule() -> str:
    from components.config.schema import BACKUP

    return next(f.default for f in BACKUP.fields if f.name == "schedule")


class Commits:
    """Each image's commit time, asked once per digest: revision from the registry, time from GitHub; what could
    not be read is kept as the reason (said in the lead time's detail)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env, self.known, self.why = env, {}, {}

    def time_of(self, image: str) -> Optional[datetime]:
        if image not in self.known:
            self.known[image] = self._read(image)
        found = self.known[image]
        if isinstance(found, github.NotRead):
            self.why.setdefault(found.why, image)
            return None
        return found

    def _read(self, image: str) -> Union[datetime, github.NotRead]:
        source = images.image_source(image, self.env)
        if isinstance(source, github.NotRead):
            return source
        if not source.repository:
            return github.NotRead(f"{image.split('@')[0]}: its {images.SOURCE} label names no GitHub repository")
        committed = github.commit_time(source.repository, source.revision, self.env)
        return committed if isinstance(committed, github.NotRead) else utc_time(committed)


def _image(d: RenderDeploy) -> Optional[str]:
    ref = d.image_ref or ""
    if "@" in ref:
        return ref
    return f"{ref.split(':')[0]}@{d.image_sha}" if ref and d.image_sha else None


def deploy_record(service: str, d: RenderDeploy, commits: Commits) -> Optional[Deploy]:
    """A Render deploy as a record; the commit time only where it is known (never made up)."""
    created = utc_time(d.created_at)
    if not d.id or created is None:
        return None
    image = _image(d)
    commit = commits.time_of(image) if image else utc_time(d.commit_created_at)
    return Deploy(service, d.id, d.status or "", d.trigger, created, utc_time(d.finished_at), commit)


def _commit_source(commits: Commits) -> str:
    if not commits.why:
        return f"{SITE_COMMIT}; {IMAGE_COMMIT}"
    return f"{SITE_COMMIT}; {IMAGE_COMMIT}, not read: " + "; ".join(sorted(commits.why))


def read_deploys(stack: StackReading, window: Window, env: Mapping[str, str]) -> tuple[list[Deploy], str]:
    api, commits, found = apis.render(stack.config), Commits(env), []
    for name, service_id in stack.services().items():
        for d in deploys_between(api, service_id, rfc3339(window.start), rfc3339(window.end)):
            record = deploy_record(name, d, commits)
            if record:
                found.append(record)
    return found, _commit_source(commits)


def read_buckets(stack: StackReading, window: Window) -> list[Bucket]:
    """The public services' HTTP metrics: the API and the static site (the sites' are [] on Render)."""
    api, found = apis.render(stack.config), []
    for service_id in (stack.outputs.get("api_service_id"), stack.outputs.get("frontend_service_id")):
        if service_id:
            answer = read_http_metrics(api, service_id, window.start, window.end)
            found += buckets(answer.requests, answer.latency)
    return found


def restore_test_of(record: dict) -> Optional[RestoreTest]:
    finished = utc_time(record.get("finished_at"))
    if finished is None or not isinstance(record.get("seconds"), (int, float)):
        return None
    return RestoreTest(finished, record.get("result") == "ok", float(record["seconds"]))


def read(stack_ref: Stack, window: Window, backup_target: Optional[str], env: Mapping[str, str] = os.environ) \
        -> Readings:
    stack = read_up_stack(stack_ref)
    readings = Readings(stack.name)
    if stack.services():
        readings.deploys, readings.commit_source = read_deploys(stack, window, env)
        readings.buckets = read_buckets(stack, window)
    config = stack.config
    readings.backup_schedule = (config.get("procurement:backup") or {}).get("schedule") or default_backup_schedule()
    target = backup_target or env.get("BACKUP_TARGET")
    if target:  # a stack without the job (local: no R2) is judged on the default schedule, for backups made by hand
        readings.backups_taken = [t for t in backups.backups_taken(open_target(target)) if window.holds(t)]
    elif "procurement:backup" not in config:
        readings.backup_why = "the stack declares no backup job (procurement:backup) and no backup target is given"
    else:
        readings.backup_why = "no backup target: set BACKUP_TARGET or --backup-target (file:// or s3://)"
    records = restore_tests.open_records(env, target)
    if records is None:
        readings.restore_why = restore_tests.NOWHERE
    else:
        readings.restore_tests = [t for t in map(restore_test_of, restore_tests.since(records, stamp(window.start)))
                                  if t]
        readings.restore_why = f"no restore test recorded a result in {records.url} in the window"
    coverage = read_coverage(stack.resources)
    readings.public_hosts = [host for _, host in coverage.public]
    readings.gaps = {host: missing for _, host, missing in coverage.gaps}
    return readings
