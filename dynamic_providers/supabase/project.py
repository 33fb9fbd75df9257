"""``Project``: a Supabase project (its Postgres database and platform services).

Natural key (organization_slug, name): an existing project is refused unless ``adopt=True`` (a production
database must never be taken over by accident); a lost create response is looked up, never re-sent; a timeout
never deletes the database; ``project_ref`` adopts a named project (a restore's) at create, never replacing the
state's. Lifecycle decisions: dynamic_providers/supabase/README.md, "Semantics worth knowing" (Project).
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional
from urllib.parse import quote

from pulumi.dynamic import CheckFailure, DiffResult

from ..core.errors import ApiError, NotFoundError, ServerError, TransportError, ValidationError
from ..core.fields import Field, contains_unknown, warn_on_removal
from ..core.provider import ADOPT, ADOPT_HINT, AdoptionRequiredError
from ..core.transport import Transport
from . import models
from .base import WAIT_FIELDS, SupabaseProvider, wait_for_project_ready, wait_settings
from .health import DEFAULT_SERVICES, KNOWN_SERVICES, ProjectFailedError, WaitTimeoutError, wait_until

REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-east-1", "ap-southeast-1", "ap-northeast-1",
    "ap-northeast-2", "ap-southeast-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-central-1",
    "eu-central-2", "ca-central-1", "ap-south-1", "sa-east-1",
)
INSTANCE_SIZES = (
    "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
    "16xlarge", "24xlarge", "24xlarge_optimized_memory", "24xlarge_optimized_cpu", "24xlarge_high_memory",
    "48xlarge", "48xlarge_optimized_memory", "48xlarge_optimized_cpu", "48xlarge_high_memory",
)
# Projects in these states no longer count as "the project with this name" (a deleted or dead twin).
_GONE_STATUSES = frozenset({"REMOVED", "GOING_DOWN", "INIT_FAILED"})
ORG_SLUG = re.compile(r"^[\w-]+$")  # V1CreateProjectBody.organization_slug.pattern

OUTPUTS = ("ref", "status", "database_host", "database_version", "postgres_engine", "api_url",
           "database_url", "created_at", "backups")


class ProjectProvider(SupabaseProvider):
    kind = "Supabase project"
    fields = {
        "organization_slug": Field(kind=str, required=True, replace=True,
                                   doc="Organization slug (create-only: a change replaces the project)."),
        "name": Field(kind=str, required=True, doc="Project name (renamed in place)."),
        "region": Field(kind=str, required=True, replace=True, choices=REGIONS,
                        doc="Region code (create-only: a change replaces the project)."),
        "instance_size": Field(kind=str, choices=INSTANCE_SIZES, on_remove=warn_on_removal(
                                   "a project cannot be resized back to the smallest size (nano, the default of "
                                   "new projects): the add-ons API refuses it; set the size you want instead"),
                               doc="Compute size; unset = smallest available. Changed in place (resize); "
                                   "nano only at create (the add-ons API cannot resize to it)."),
        "db_password": Field(kind=str, required=True, secret=True, write_only=True,
                             doc="Postgres superuser password; rotated in place."),
        "project_ref": Field(kind=str, managed=False,
                             doc="Use (adopt) this existing project instead of creating one (a restore's new "
                                 "project). Never a replace: with another project in the state the diff refuses "
                                 "(it would delete that project); ops.restore repoints the state instead."),
        "health_services": Field(kind=list, default=list(DEFAULT_SERVICES), managed=False,
                                 doc="Services that must be healthy before create/update returns."),
        **WAIT_FIELDS,
    }
    output_names = OUTPUTS
    secret_output_names = ("database_url",)

    # ------------------------------------------------------------------ check
    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        failures = []
        name = inputs.get("name")
        if isinstance(name, str) and not contains_unknown(name) and not 1 <= len(name) <= 256:
            failures.append(CheckFailure("name", "'name' must be 1 to 256 characters"))
        org = inputs.get("organization_slug")
        if isinstance(org, str) and not contains_unknown(org) and not ORG_SLUG.match(org):
            failures.append(CheckFailure("organization_slug",
                                         "'organization_slug' must match ^[\\w-]+$ (letters, digits, _ and -)"))
        password = inputs.get("db_password")
        if isinstance(password, str) and not contains_unknown(password) and len(password) < 4:
            failures.append(CheckFailure("db_password", "'db_password' must be at least 4 characters"))
        services = inputs.get("health_services")
        if isinstance(services, list) and not contains_unknown(services):
            unknown = [s for s in services if s not in KNOWN_SERVICES]
            if unknown:
                failures.append(CheckFailure(
                    "health_services", f"'health_services' has unknown service(s) {unknown}; "
                    f"known: {', '.join(sorted(KNOWN_SERVICES))}"))
        timeout = inputs.get("wait_timeout_seconds")
        if isinstance(timeout, int) and timeout <= 0:
            failures.append(CheckFailure("wait_timeout_seconds", "'wait_timeout_seconds' must be positive"))
        return failures

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"{inputs.get('name')!r} in organization {inputs.get('organization_slug')!r}"

    # ------------------------------------------------------------------ API hooks
    def id_of(self, live: Any) -> str:
        return (live["project"] if isinstance(live, dict) else live).ref

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[models.Project]:
        client = self.client(api)
        name, org = inputs["name"], inputs["organization_slug"]
        matches = [p for p in client.list_projects()
                   if p.name == name and p.organization_slug == org and p.status not in _GONE_STATUSES]
        if len(matches) > 1:
            refs = ", ".join(p.ref for p in matches)
            raise AdoptionRequiredError(
                f"Several Supabase projects are named {name!r} in organization "
                f"{inputs['organization_slug']!r} ({refs}); rename all but one before managing it.")
        return matches[0] if matches else None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> models.Project:
        # ``region_selection`` (specific code), not the deprecated ``region``: the spec allows only
        # one of the two and marks ``region`` for removal.
        body: dict[str, Any] = {
            "name": inputs["name"],
            "organization_slug": inputs["organization_slug"],
            "db_pass": inputs["db_password"],
            "region_selection": {"type": "specific", "code": inputs["region"]},
        }
        if inputs.get("instance_size"):
            body["desired_instance_size"] = inputs["instance_size"]
        return self.client(api).create_project(body)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> dict[str, Any]:
        client = self.client(api)
        project = client.get_project(id_)
        if project.status in ("REMOVED",):
            return None  # deleted out of band; the API may still answer for a while
        # The compute add-on is only read when the program manages the size: one call less per
        # refresh otherwise (the size is then whatever Supabase chose).
        addons = _optional(client.get_addons, id_) if props.get("instance_size") else None
        return {"project": project, "addons": addons, "backups": _optional(client.get_backups, id_)}

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict[str, Any]:
        client = self.client(api)
        if "name" in changed:
            client.rename_project(id_, news["name"])
        if "db_password" in changed:
            client.update_db_password(id_, news["db_password"])
        if "instance_size" in changed:
            self._resize(client, id_, olds.get("instance_size"), news["instance_size"], news)
            wait_for_project_ready(client, id_, services=news.get("health_services") or DEFAULT_SERVICES,
                                   **wait_settings(news))
        return self.read_remote(api, id_, news)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        client = self.client(api)

        # A project still coming up answers 400 "Project not ready for deletion": wait and retry.
        def attempt(_):
            try:
                client.delete_project(id_)
            except ValidationError as exc:
                if "not ready" in (exc.api_message or "").lower():
                    return f"the API said: {exc.api_message}"
                raise
            return None

        wait_until(lambda: None, attempt, what=f"Supabase project {id_} to accept deletion",
                   **wait_settings(props))

    # ------------------------------------------------------------------ shaping
    def live_inputs(self, live: Any) -> dict[str, Any]:
        project = live["project"] if isinstance(live, dict) else live
        observed = {"name": project.name, "region": project.region,
                    "organization_slug": project.organization_slug}
        addons = live.get("addons") if isinstance(live, dict) else None
        if addons is not None and addons.instance_size is not None:
            observed["instance_size"] = addons.instance_size
        return {k: v for k, v in observed.items() if v is not None}

    def live_outputs(self, live: Any) -> dict[str, Any]:
        project: models.Project = live["project"]
        backups: Optional[models.Backups] = live.get("backups")
        addons: Optional[models.BillingAddons] = live.get("addons")
        return {
            "ref": project.ref,
            "status": project.status,
            "database_host": project.database_host,
            "database_version": project.database_version,
            "postgres_engine": project.postgres_engine,
            "api_url": api_url_from_db_host(project.ref, project.database_host),
            "created_at": project.created_at,
            "backups": _backup_summary(backups, addons),
        }

    def outputs_for(self, live: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        outs = super().outputs_for(live, inputs)
        outs["database_url"] = database_url(live["project"].database_host, inputs.get("db_password"))
        return outs

    # ------------------------------------------------------------------ create / adopt
    def create(self, props: dict[str, Any]):
        """Base create flow plus the health wait, without rolling back a slow project.

        The core base rolls a failed ``after_create`` back by deleting the object; for a database
        that is the wrong reflex on a timeout, so the wait runs here with its own error handling.
        """
        from pulumi.dynamic import CreateResult

        inputs = self.inputs_of(props)
        transport = self.transport()
        client = self.client(transport)
        if inputs.get("project_ref"):
            existing = self._named_project(client, inputs)
        else:
            existing = self.find_existing(transport, inputs)
        if existing is not None and not inputs.get(ADOPT) and not inputs.get("project_ref"):
            raise AdoptionRequiredError(
                f"A {self.kind} {self.describe(inputs)} already exists ({existing.ref}, status "
                f"{existing.status}). Refusing to take it over silently: {ADOPT_HINT} to manage it "
                f"(its password is then set to db_password), or choose another name.")
        if existing is not None:
            project, adopted, recovered = existing, True, False
        else:
            project, recovered = self._create_safely(transport, inputs)
            adopted = False
        ref = project.ref
        self._wait_after_create(client, ref, inputs)
        if adopted or recovered:
            self._take_over(transport, ref, inputs, adopted=adopted)
        live = self.read_remote(transport, ref, inputs)
        return CreateResult(ref, self.outputs_for(live, inputs))

    def _named_project(self, client, inputs: Mapping[str, Any]) -> models.Project:
        """The project ``project_ref`` names: adopted as it is, then converged to the declared inputs."""
        ref = inputs["project_ref"]
        try:
            project = client.get_project(ref)
        except NotFoundError:
            project = None
        if project is None or project.status in _GONE_STATUSES:
            raise AdoptionRequiredError(
                f"'project_ref' names Supabase project {ref}, which does not exist (or this token cannot see it); "
                f"check procurement:database.projectRef.")
        return project

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]):
        result = super().diff(_id, olds, news)
        wanted = news.get("project_ref")
        if isinstance(wanted, str) and wanted and not contains_unknown(wanted) and _id and wanted != _id:
            # Replacing would delete the project the state holds, with rows newer than any backup: never.
            raise ProjectRefChangeRefused(
                f"'project_ref' names Supabase project {wanted}, but this stack's state holds project {_id}: "
                f"replacing it would delete {_id}. Repoint the stack with `python -m ops.restore` (docs/how-to/restore-the-database.md"
                f"), which keeps {_id}; after an interrupted restore, or to put "
                f"procurement:database.projectRef back to {_id}, run: python -m ops.restore --stack <stack> --finish")
        return result

    def _take_over(self, transport: Transport, ref: str, inputs: Mapping[str, Any], *, adopted: bool) -> None:
        """Brings an adopted project, or ours whose create answer was lost, to the declared inputs,
        deciding from a full read: the project and its compute add-on."""
        live = self.read_remote(transport, ref, {"instance_size": inputs.get("instance_size")})
        # A size Supabase does not show (add-ons unavailable for this plan or token) is never
        # changed blind; a recovered project got ours in the create body anyway.
        assume: dict[str, Any] = {"instance_size": inputs.get("instance_size")}
        if not adopted:
            assume["db_password"] = inputs.get("db_password")  # our create sent it
        self._converge(transport, live, inputs, assume=assume)

    def _wait_after_create(self, client, ref: str, inputs: Mapping[str, Any]) -> None:
        try:
            wait_for_project_ready(client, ref, services=inputs.get("health_services") or DEFAULT_SERVICES,
                                   **wait_settings(inputs))
        except ProjectFailedError as exc:
            raise ProjectFailedError(
                f"{exc}. It was not added to the stack; once it is deleted, `pulumi up` creates a new one.") from None
        except WaitTimeoutError as exc:
            raise WaitTimeoutError(
                f"Supabase project {ref} ({self.describe(inputs)}) was created but is not ready: {exc}. "
                f"It was left in place. To continue with it, {ADOPT_HINT} and re-run `pulumi up`; or "
                f"raise wait_timeout_seconds.") from None

    def _resize(self, client, ref: str, old: Optional[str], new: str, inputs: Mapping[str, Any]) -> None:
        if new == NANO:  # check() refuses it already; never send a request that cannot mean it
            raise ValueError(_nano_resize_message(ref, old))
        try:
            client.set_compute_size(ref, new)
        except (TransportError, ServerError):
            # Outcome unknown (lost answer, 5xx). A resize that started leaves the project RESIZING, where
            # a repeat is refused: wait until it is up again, then look before repeating.
            wait_for_project_ready(client, ref, services=("db",), **wait_settings(inputs))
            if client.get_addons(ref).instance_size != new:
                client.set_compute_size(ref, new)

    def check(self, olds: dict[str, Any], news: dict[str, Any]):
        result = super().check(olds, news)
        old_size, new_size = (olds or {}).get("instance_size"), result.inputs.get("instance_size")
        if olds and new_size == NANO and old_size not in (None, NANO) and not contains_unknown(old_size):
            result.failures.append(CheckFailure("instance_size", _nano_resize_message(None, old_size)))
        return result


NANO = "nano"


class ProjectRefChangeRefused(ValueError):
    """``project_ref`` names another project than the state's: the replace would delete the state's project."""


def _nano_resize_message(ref: Optional[str], old: Optional[str]) -> str:
    """Why an existing project cannot become nano through the API (the add-ons API has no ci_nano variant,
    and DELETE of the compute add-on rolls back to the previous size rather than to nano)."""
    which = f"Supabase project {ref}" if ref else "an existing Supabase project"
    return (f"'instance_size' cannot change from {old!r} to 'nano' on {which}: the billing add-ons API has no "
            f"nano compute variant (removing the compute add-on rolls back to the previous size), so nano is a "
            f"create-time size only. Keep {old!r} or pick another size (micro or larger).")


def _optional(fetch, ref: str):
    """Backups and add-ons are informational: a plan/permission gap (402/403/404) or a flaky
    endpoint there must not fail a refresh, nor make the project look deleted."""
    try:
        return fetch(ref)
    except ApiError:
        return None


def _backup_summary(backups: Optional[models.Backups], addons: Optional[models.BillingAddons]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if backups is not None:
        summary.update({
            "pitr_enabled": backups.pitr_enabled,
            "walg_enabled": backups.walg_enabled,
            "backup_count": backups.backup_count,
            "latest_backup_at": backups.latest_backup_at,
            "latest_backup_status": backups.latest_backup_status,
        })
    if addons is not None:
        summary["pitr_days"] = addons.pitr_days
    return {k: v for k, v in summary.items() if v is not None}


def api_url_from_db_host(ref: str, db_host: Optional[str]) -> Optional[str]:
    """``db.<ref>.supabase.co`` -> ``https://<ref>.supabase.co`` (staging: ``.supabase.red``)."""
    if db_host and db_host.startswith(f"db.{ref}."):
        return f"https://{db_host[len('db.'):]}"
    return None


def database_url(db_host: Optional[str], password: Optional[str]) -> Optional[str]:
    """Direct connection URL of the ``postgres`` user (secret output)."""
    if not db_host or not password:
        return None
    return f"postgresql://postgres:{quote(password, safe='')}@{db_host}:5432/postgres"
