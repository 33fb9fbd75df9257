"""Render services: web services, private services, background workers, cron jobs, static sites.

Identity (natural key) is (owner_id, service_type, name); type and region are create-only.
Update order: resume -> scale/autoscaling -> PATCH -> disk -> headers/routes -> environment move
-> deploy (only when a build/runtime input changed, never on a suspended service) -> suspend.
A deploy that fails or is interrupted after the PATCH stays owed until made (``owed_deploys.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure

from ..core import DeclarativeResource, Field, Transport
from ..core.fields import UNKNOWN, contains_unknown, no_live_setting, to_default, to_prior, warn_on_removal
from . import encoders as enc
from . import owed_deploys
from .api import latest_deploy, trigger_deploy
from .base import RenderProvider
from .models import Service as ServiceModel

# Inputs whose change only takes effect with a new deploy (Render applies config at deploy time).
DEPLOY_FIELDS = frozenset({"image", "image_digest", "registry_credential_id", "runtime", "build_command",
                           "start_command", "docker_context", "dockerfile_path", "pre_deploy_command", "repo",
                           "branch", "root_dir", "publish_path"})


PATCHABLE = frozenset(enc.PATCH_TOP) | frozenset(f for fs in enc.PATCH_DETAILS.values() for f in fs)


@dataclass
class LiveService:
    """A service as the provider holds it: what Render returned, plus the provider's own record (none of it
    readable from Render)."""

    service: ServiceModel
    deploy_id: Optional[str] = None  # the deploy this resource last triggered
    deployed_fingerprint: Optional[str] = None  # what that deploy put into effect (``owed_deploys``)
    headers: Optional[list] = None  # a static site's managed headers (None: not managed)
    routes: Optional[list] = None  # a static site's managed routes (None: not managed)


class ServiceProvider(RenderProvider):
    kind = "Render service"
    revision_fields = DEPLOY_FIELDS  # with deploy_on_update=False, a Deploy triggered by it applies them
    # Removal (``on_remove``, docs/explanation/removal-semantics.md): defaults cite the spec
    # (render-openapi.json) where it documents one; ``to_prior`` restores what the API chose at create
    # (or the object had when adopted) for fields that have no documented default.
    fields = {
        "name": Field(str, required=True),
        "owner_id": Field(str, required=True, replace=True),
        "service_type": Field(str, required=True, replace=True, choices=enc.SERVICE_TYPES),
        "region": Field(str, replace=True, choices=enc.REGIONS,
                        on_remove=to_default("oregon", "spec: servicePOST region default 'oregon'")),
        "plan": Field(str, choices=enc.WEB_PLANS,
                      on_remove=to_default("starter", "spec: webServiceDetailsPOST.plan default 'starter'")),
        "runtime": Field(str, choices=enc.RUNTIMES, on_remove=warn_on_removal(
            "Render has no default runtime (check requires one for a service built from a repository and "
            "sets 'image' for an image-backed one)")),
        "environment_id": Field(str, on_remove=warn_on_removal(
            "the service stays in its Render environment; set another 'environment_id' to move it")),
        "repo": Field(str, on_remove=warn_on_removal("a service needs 'repo' or 'image' (check refuses neither)")),
        "branch": Field(str, on_remove=to_prior(why="Render's default is the repository's default branch")),
        "root_dir": Field(str, on_remove=to_default("", "spec: rootDir empty = the repository root")),
        "auto_deploy": Field(bool, on_remove=to_default(True, "spec: autoDeploy default 'yes'")),
        "image": Field(str, on_remove=warn_on_removal("a service needs 'image' or 'repo' (check refuses neither)")),
        # Unpinning is carried by 'image': without a digest it is the tagged reference (``prepare``), so
        # the change writes the tag's imagePath and deploys it.
        "image_digest": Field(str, on_remove=no_live_setting("written through 'image' (the tag) on removal")),
        "registry_credential_id": Field(str, on_remove=warn_on_removal(
            "servicePATCH cannot clear a registry credential (an absent registryCredentialId keeps it)")),
        "build_command": Field(str, on_remove=to_prior(fallback="", why="empty = no build command")),
        "start_command": Field(str, on_remove=to_prior(fallback="", why="empty = the image's own command")),
        "docker_context": Field(str, on_remove=to_prior(fallback=".", why="Render's default context '.'")),
        "dockerfile_path": Field(str, on_remove=to_prior(fallback="./Dockerfile",
                                                         why="Render's default './Dockerfile'")),
        "pre_deploy_command": Field(str, on_remove=to_prior(fallback="", why="empty = no pre-deploy command")),
        "health_check_path": Field(str, on_remove=to_default("", "empty healthCheckPath = no health check")),
        "num_instances": Field(int, on_remove=to_default(1, "a new service runs one instance; check sets 1 "
                                                            "whenever autoscaling is off")),
        "autoscaling": Field(dict, on_remove=to_default({"enabled": False},
                                                        "spec: autoscaling.enabled default false")),
        "disk": Field(dict, on_remove=warn_on_removal(
            "removing a disk deletes its data, which this provider never does implicitly "
            "(delete it with DELETE /disks/{id} if that is intended)")),
        "schedule": Field(str, on_remove=warn_on_removal("a cron job needs a schedule (check refuses none)")),
        "publish_path": Field(str, on_remove=to_prior(why="Render's default publish directory")),
        "headers": Field(list, set_like=True, on_remove=to_default([], "no custom headers")),
        "routes": Field(list, on_remove=to_default([], "no redirect/rewrite rules")),  # ordered: list order is priority
        "maintenance_mode": Field(dict, on_remove=to_default({"enabled": False, "uri": ""},
                                                             "maintenance mode is off unless enabled")),
        "render_subdomain_policy": Field(str, choices=("enabled", "disabled"), on_remove=to_default(
            "enabled", "the onrender.com subdomain is served unless disabled")),
        "max_shutdown_delay_seconds": Field(int, on_remove=to_default(
            30, "spec: maxShutdownDelaySeconds default 30")),
        "previews_generation": Field(str, choices=enc.PREVIEW_MODES, on_remove=to_default(
            "off", "spec: previews.generation default 'off'")),
        "ip_allow_list": Field(list, set_like=True, on_remove=to_prior(
            fallback=[{"cidr_block": "0.0.0.0/0", "description": "everywhere"}],
            why="a new service accepts traffic from everywhere")),
        "suspended": Field(bool, on_remove=to_default(False, "a service runs unless suspended")),
        "deploy_on_update": Field(bool, default=True, managed=False),
    }
    output_names = ("url", "host", "slug", "dashboard_url", "live_image_path", "deploy_id", "is_suspended",
                    "disk_id", owed_deploys.OUTPUT)
    owed_outputs = {owed_deploys.OWED: owed_deploys.OUTPUT}

    # ------------------------------------------------------------------ check
    def prepare(self, inputs: dict[str, Any]) -> dict[str, Any]:
        kind = inputs.get("service_type")
        image = inputs.get("image")
        if isinstance(image, str) and image and not contains_unknown(image):
            if "@" in image and not inputs.get("image_digest"):
                image, inputs["image_digest"] = image.split("@", 1)
            inputs["image"] = enc.strip_tag(enc.normalize_image(image)) if inputs.get("image_digest") \
                else enc.normalize_image(image)
        if kind in enc.TYPES_WITH["region"]:
            inputs["region"] = inputs.get("region") or "oregon"
            inputs["plan"] = inputs.get("plan") or "starter"
            if inputs.get("runtime") is None and inputs.get("image"):
                inputs["runtime"] = "image"
        if kind in enc.TYPES_WITH["num_instances"] and inputs.get("num_instances") is None \
                and not inputs.get("autoscaling"):
            inputs["num_instances"] = 1
        scaling = inputs.get("autoscaling")
        if isinstance(scaling, dict):
            inputs["autoscaling"] = {"enabled": scaling.get("enabled", True), **scaling}
        if isinstance(inputs.get("maintenance_mode"), dict):
            inputs["maintenance_mode"] = {"enabled": False, "uri": "", **inputs["maintenance_mode"]}
        if isinstance(inputs.get("ip_allow_list"), list):
            inputs["ip_allow_list"] = [{"description": "", **e} if isinstance(e, dict) else e
                                       for e in inputs["ip_allow_list"]]
        return inputs

    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        failures: list[CheckFailure] = []
        kind = inputs["service_type"]

        def fail(prop: str, reason: str) -> None:
            failures.append(CheckFailure(prop, reason))

        if contains_unknown(kind):
            return failures
        for name, kinds in enc.TYPES_WITH.items():
            if inputs.get(name) is not None and kind not in kinds:
                fail(name, f"'{name}' is not supported for {kind}; it applies to {', '.join(kinds)}")
        plan = inputs.get("plan")
        if kind in ("private_service", "background_worker", "cron_job") and isinstance(plan, str) \
                and plan != UNKNOWN and plan not in enc.PAID_PLANS:
            fail("plan", f"plan '{plan}' is not available for {kind}; use one of {', '.join(enc.PAID_PLANS)}")
        has_image, has_repo = bool(inputs.get("image")), bool(inputs.get("repo"))
        if has_image and has_repo:
            fail("image", "set either 'image' (image-backed) or 'repo' (built from source), not both")
        if kind == "static_site" and not has_repo:
            fail("repo", "a static_site is built from a repository: 'repo' is required")
        if kind != "static_site":
            if not has_image and not has_repo:
                fail("image", f"a {kind} needs 'image' (image-backed) or 'repo' (built from source)")
            runtime = inputs.get("runtime")
            if runtime is None and not has_image:
                fail("runtime", f"'runtime' is required for a {kind} built from a repository")
            if has_image and runtime not in (None, "image", UNKNOWN):
                fail("runtime", "an image-backed service has runtime 'image'")
            if has_repo and runtime == "image":
                fail("runtime", "runtime 'image' needs 'image', not 'repo'")
            if runtime in enc.NATIVE_RUNTIMES:
                for prop in ("build_command", "start_command"):
                    if not inputs.get(prop):
                        fail(prop, f"'{prop}' is required for the native runtime '{runtime}'")
        if inputs.get("image_digest") and not contains_unknown(inputs["image_digest"]) \
                and not str(inputs["image_digest"]).startswith("sha256:"):
            fail("image_digest", "'image_digest' must look like 'sha256:<hex>'")
        if kind == "cron_job" and not inputs.get("schedule"):
            fail("schedule", "a cron_job needs a cron 'schedule' such as '0 3 * * *'")
        scaling = inputs.get("autoscaling")
        if isinstance(scaling, dict) and not contains_unknown(scaling) and scaling.get("enabled", True):
            if inputs.get("num_instances") is not None:
                fail("num_instances", "set 'num_instances' or 'autoscaling', not both (Render ignores "
                                      "the instance count while autoscaling)")
            lo, hi = scaling.get("min"), scaling.get("max")
            if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)) or lo < 1 or hi < lo:
                fail("autoscaling", "'autoscaling' needs integers 1 <= min <= max")
            if scaling.get("cpu_percent") is None and scaling.get("memory_percent") is None:
                fail("autoscaling", "'autoscaling' needs 'cpu_percent' and/or 'memory_percent'")
            extra = set(scaling) - {"enabled", "min", "max", "cpu_percent", "memory_percent"}
            if extra:
                fail("autoscaling", f"unknown autoscaling key(s): {', '.join(sorted(extra))}")
        n = inputs.get("num_instances")
        if isinstance(n, int) and n < 1:
            fail("num_instances", "'num_instances' must be at least 1")
        delay = inputs.get("max_shutdown_delay_seconds")
        if isinstance(delay, int) and not 1 <= delay <= 300:
            fail("max_shutdown_delay_seconds", "'max_shutdown_delay_seconds' must be between 1 and 300")
        disk = inputs.get("disk")
        if isinstance(disk, dict) and not contains_unknown(disk):
            if not disk.get("name") or not disk.get("mount_path"):
                fail("disk", "'disk' needs 'name' and 'mount_path' (and optionally 'size_gb')")
        failures.extend(_check_items(inputs, "headers", ("path", "name", "value")))
        failures.extend(_check_items(inputs, "routes", ("type", "source", "destination")))
        failures.extend(_check_items(inputs, "ip_allow_list", ("cidr_block",), optional=("description",)))
        for i, route in enumerate(inputs.get("routes") or []):
            if isinstance(route, dict) and route.get("type") not in ("redirect", "rewrite", UNKNOWN, None):
                fail("routes", f"routes[{i}].type must be 'redirect' or 'rewrite'")
        mm = inputs.get("maintenance_mode")
        if isinstance(mm, dict) and set(mm) - {"enabled", "uri"}:
            fail("maintenance_mode", "'maintenance_mode' takes only 'enabled' and 'uri'")
        return failures

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"'{inputs.get('name')}' (owner {inputs.get('owner_id')}, type {inputs.get('service_type')})"

    # ------------------------------------------------------------------ API hooks
    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[LiveService]:
        for svc in self.client(api).find_services(inputs["name"], inputs["owner_id"], inputs["service_type"]):
            if svc.name == inputs["name"] and svc.type == inputs["service_type"]:
                return LiveService(svc, deploy_id=svc.deploy_id)
        return None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> LiveService:
        svc = self.client(api).create_service(enc.service_create_body(inputs))
        return LiveService(svc, deploy_id=svc.deploy_id)

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[LiveService]:
        live = self.find_existing(api, inputs)
        if live is not None and not live.deploy_id:
            # The lost create answer carried the first deploy's id; it is the service's newest deploy.
            first = latest_deploy(api, live.service.id)
            live.deploy_id = first.id if first else None
        return live

    def after_create(self, api: Transport, id_: str, live: LiveService, inputs: Mapping[str, Any]) -> LiveService:
        if inputs.get("suspended"):
            self.client(api).suspend_service(id_)
            live.service = replace(live.service, suspended=True)
        self._attach_static_rules(api, id_, live, inputs, fetch=False)
        live.deployed_fingerprint = _covered(inputs)  # Render deploys a new service itself
        return live

    def after_takeover(self, api: Transport, id_: str, live: LiveService, inputs: Mapping[str, Any]) -> LiveService:
        if live.deployed_fingerprint is None:
            live.deployed_fingerprint = _covered(inputs)  # no deploy needed to converge: it runs this
        return live

    def pending_changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
        # No ``previous`` here: a removal of a deploy field that only warns (registry_credential_id) is no input
        # change, and the owed deploy is what records the new fingerprint.
        return owed_deploys.owed(olds, _deploy_values(news), bool(news.get("deploy_on_update", True)))

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> LiveService:
        # What the last deploy carried, and which deploy this resource last triggered, cannot be read
        # from Render (GET /services has no deploy id): the state's record stays.
        live = LiveService(self.client(api).get_service(id_), deploy_id=props.get("deploy_id"),
                           deployed_fingerprint=props.get(owed_deploys.OUTPUT))
        self._attach_static_rules(api, id_, live, props)
        return live

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> LiveService:
        client = self.client(api)
        svc: Optional[ServiceModel] = None
        if "suspended" in changed and news.get("suspended") is False:
            client.resume_service(id_)
        scaling = news.get("autoscaling")
        if "autoscaling" in changed and isinstance(scaling, dict):
            if scaling.get("enabled", True):
                client.put_autoscaling(id_, enc.autoscaling_body(scaling))
            else:
                client.delete_autoscaling(id_)
        if "num_instances" in changed and news.get("num_instances") is not None:
            client.scale_service(id_, news["num_instances"])
        body = enc.service_patch_body(news, changed)
        if body:
            svc = client.update_service(id_, body)
        if "disk" in changed and news.get("disk"):
            self._update_disk(api, id_, news["disk"])
        if "headers" in changed and news.get("headers") is not None:
            client.put_headers(id_, enc.headers_body(news["headers"]))
        if "routes" in changed and news.get("routes") is not None:
            client.put_routes(id_, enc.routes_body(news["routes"]))
        if "environment_id" in changed and news.get("environment_id"):
            client.move_to_environment(news["environment_id"], id_)
        if svc is None or changed - PATCHABLE:  # the PATCH response predates the other calls
            svc = client.get_service(id_)
        suspended_now = svc.suspended
        # Deploy only when the change needs one (or an earlier one is still owed), and never on a
        # suspended service (the peer's bug; resuming deploys).
        needs_deploy = bool(changed & (DEPLOY_FIELDS | {owed_deploys.OWED}))
        live = LiveService(svc, deployed_fingerprint=olds.get(owed_deploys.OUTPUT))  # olds carry the previous outputs
        if needs_deploy and news.get("deploy_on_update", True) and not suspended_now \
                and not news.get("suspended"):
            deploy = trigger_deploy(api, id_)
            live.deploy_id = deploy.id if deploy else None
            live.deployed_fingerprint = _covered(news)
        else:
            live.deploy_id = olds.get("deploy_id")
            if needs_deploy:
                live.deployed_fingerprint = _covered(news)  # suspended: resuming deploys it
        if "suspended" in changed and news.get("suspended") is True and not live.service.suspended:
            client.suspend_service(id_)
            live.service = replace(live.service, suspended=True)
        self._attach_static_rules(api, id_, live, news, fetch=False)
        return live

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        self.client(api).delete_service(id_)

    def id_of(self, state: LiveService) -> str:
        return state.service.id

    def live_inputs(self, state: LiveService) -> dict[str, Any]:
        live = state.service
        image, digest = enc.split_image_path(live.image_path)
        observed: dict[str, Any] = {
            "name": live.name, "owner_id": live.owner_id, "service_type": live.type, "region": live.region,
            "plan": live.plan, "runtime": live.runtime, "environment_id": live.environment_id,
            "repo": live.repo, "branch": live.branch, "root_dir": live.root_dir, "auto_deploy": live.auto_deploy,
            "image": image, "image_digest": digest, "registry_credential_id": live.registry_credential_id,
            "pre_deploy_command": live.pre_deploy_command, "health_check_path": live.health_check_path,
            "num_instances": live.num_instances, "schedule": live.schedule, "publish_path": live.publish_path,
            "maintenance_mode": live.maintenance_mode, "render_subdomain_policy": live.render_subdomain_policy,
            "max_shutdown_delay_seconds": live.max_shutdown_delay_seconds,
            "previews_generation": live.previews_generation, "ip_allow_list": live.ip_allow_list,
            "suspended": live.suspended,
            "autoscaling": live.autoscaling.as_input() if live.autoscaling and live.autoscaling.enabled
            else {"enabled": False},
        }
        if live.runtime == "docker":
            observed.update(start_command=live.docker_command, docker_context=live.docker_context,
                            dockerfile_path=live.dockerfile_path)
        elif live.runtime == "image":
            observed["start_command"] = live.docker_command
        else:
            observed.update(build_command=live.build_command, start_command=live.start_command)
        if live.type == "static_site":
            observed["build_command"] = live.build_command
        if live.disk is not None:
            observed["disk"] = live.disk.as_input()
        if state.headers is not None:
            observed["headers"] = state.headers
        if state.routes is not None:
            observed["routes"] = state.routes
        if live.type == "web_service" and live.maintenance_mode is None:
            observed["maintenance_mode"] = {"enabled": False, "uri": ""}  # absent means off
        # None means "not reported" (the real API omits fields), except where absence is the state.
        return {k: v for k, v in observed.items() if v is not None or k in ("image_digest", "registry_credential_id")}

    def live_outputs(self, state: LiveService) -> dict[str, Any]:
        live = state.service
        return {"url": live.url, "host": live.host, "slug": live.slug, "dashboard_url": live.dashboard_url,
                "live_image_path": live.image_path, "deploy_id": state.deploy_id, "is_suspended": live.suspended,
                "disk_id": live.disk.id if live.disk else None, owed_deploys.OUTPUT: state.deployed_fingerprint}

    # ------------------------------------------------------------------ helpers
    def _attach_static_rules(self, api: Transport, id_: str, live: LiveService, props: Mapping[str, Any],
                             fetch: bool = True) -> None:
        """Headers/routes live behind their own endpoints: read them only when managed."""
        live.headers = live.routes = None
        if live.service.type != "static_site":
            return
        if props.get("headers") is not None:
            live.headers = ([h.as_input() for h in self.client(api).list_headers(id_)] if fetch
                            else props["headers"])
        if props.get("routes") is not None:
            if fetch:
                routes = self.client(api).list_routes(id_)
                live.routes = [r.as_input() for r in sorted(routes, key=lambda r: r.priority)]
            else:
                live.routes = props["routes"]

    def _update_disk(self, api: Transport, id_: str, disk: Mapping[str, Any]) -> None:
        client = self.client(api)
        current = client.get_service(id_).disk
        if current is None or not current.id:
            body = {"name": disk["name"], "mountPath": disk["mount_path"], "serviceId": id_,
                    "sizeGB": int(disk.get("size_gb") or 1)}
            client.create_disk(body)
            return
        patch = {}
        if disk.get("name") != current.name:
            patch["name"] = disk["name"]
        if disk.get("mount_path") != current.mount_path:
            patch["mountPath"] = disk["mount_path"]
        if disk.get("size_gb") is not None and disk["size_gb"] != current.size_gb:
            if current.size_gb and disk["size_gb"] < current.size_gb:
                raise ValueError(f"Render disks can only grow: {current.size_gb} GB -> {disk['size_gb']} GB")
            patch["sizeGB"] = int(disk["size_gb"])
        if patch:
            client.update_disk(current.id, patch)


def _deploy_values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs a deploy puts into effect."""
    return {name: inputs.get(name) for name in sorted(DEPLOY_FIELDS)}


def _covered(inputs: Mapping[str, Any]) -> Optional[str]:
    """Fingerprint of what a deploy just put into effect (None: this service's deploys are not tracked)."""
    if not inputs.get("deploy_on_update", True):
        return None
    return owed_deploys.fingerprint(_deploy_values(inputs))


def _check_items(inputs: Mapping[str, Any], prop: str, required: tuple, optional: tuple = ()) -> list[CheckFailure]:
    value = inputs.get(prop)
    if value is None or contains_unknown(value) and not isinstance(value, list):
        return []
    out = []
    for i, item in enumerate(value):
        if contains_unknown(item):
            continue
        if not isinstance(item, dict):
            out.append(CheckFailure(prop, f"{prop}[{i}] must be an object with {', '.join(required)}"))
            continue
        missing = [k for k in required if not isinstance(item.get(k), str) or not item.get(k)]
        extra = set(item) - set(required) - set(optional)
        if missing:
            out.append(CheckFailure(prop, f"{prop}[{i}] needs string(s): {', '.join(missing)}"))
        if extra:
            out.append(CheckFailure(prop, f"{prop}[{i}] has unknown key(s): {', '.join(sorted(extra))}"))
    return out


class Service(DeclarativeResource, module="render", name="Service"):
    """A Render service (``pulumi-python:dynamic/render:Service``). See ``ServiceProvider.fields``.

    Outputs: ``url``, ``host`` (the ``*.onrender.com`` CNAME target), ``slug``, ``dashboard_url``,
    ``live_image_path``, ``deploy_id`` (last deploy this resource triggered), ``is_suspended``, ``disk_id``,
    ``deployed_fingerprint`` (what the last deploy put into effect, see ``owed_deploys``).
    """

    url: pulumi.Output[Optional[str]]
    host: pulumi.Output[Optional[str]]
    slug: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]
    live_image_path: pulumi.Output[Optional[str]]
    deploy_id: pulumi.Output[Optional[str]]
    is_suspended: pulumi.Output[bool]
    disk_id: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], owner_id: pulumi.Input[str],
                 service_type: pulumi.Input[str],
                 region: Optional[pulumi.Input[str]] = None,
                 plan: Optional[pulumi.Input[str]] = None,
                 runtime: Optional[pulumi.Input[str]] = None,
                 environment_id: Optional[pulumi.Input[str]] = None,
                 repo: Optional[pulumi.Input[str]] = None,
                 branch: Optional[pulumi.Input[str]] = None,
                 root_dir: Optional[pulumi.Input[str]] = None,
                 auto_deploy: Optional[pulumi.Input[bool]] = None,
                 image: Optional[pulumi.Input[str]] = None,
                 image_digest: Optional[pulumi.Input[str]] = None,
                 registry_credential_id: Optional[pulumi.Input[str]] = None,
                 build_command: Optional[pulumi.Input[str]] = None,
                 start_command: Optional[pulumi.Input[str]] = None,
                 docker_context: Optional[pulumi.Input[str]] = None,
                 dockerfile_path: Optional[pulumi.Input[str]] = None,
                 pre_deploy_command: Optional[pulumi.Input[str]] = None,
                 health_check_path: Optional[pulumi.Input[str]] = None,
                 num_instances: Optional[pulumi.Input[int]] = None,
                 autoscaling: Optional[pulumi.Input[dict]] = None,
                 disk: Optional[pulumi.Input[dict]] = None,
                 schedule: Optional[pulumi.Input[str]] = None,
                 publish_path: Optional[pulumi.Input[str]] = None,
                 headers: Optional[pulumi.Input[list]] = None,
                 routes: Optional[pulumi.Input[list]] = None,
                 maintenance_mode: Optional[pulumi.Input[dict]] = None,
                 render_subdomain_policy: Optional[pulumi.Input[str]] = None,
                 max_shutdown_delay_seconds: Optional[pulumi.Input[int]] = None,
                 previews_generation: Optional[pulumi.Input[str]] = None,
                 ip_allow_list: Optional[pulumi.Input[list]] = None,
                 suspended: Optional[pulumi.Input[bool]] = None,
                 deploy_on_update: Optional[pulumi.Input[bool]] = None,
                 adopt: Optional[pulumi.Input[bool]] = None,
                 opts: Optional[pulumi.ResourceOptions] = None, **unknown: Any) -> None:
        if unknown:  # one clear line for a misspelt input (Python's own error names no resource)
            raise TypeError(f"Service {resource_name!r}: unknown argument(s) {', '.join(sorted(unknown))}")
        inputs = {"name": name, "owner_id": owner_id, "service_type": service_type, "region": region,
                  "plan": plan, "runtime": runtime, "environment_id": environment_id, "repo": repo,
                  "branch": branch, "root_dir": root_dir, "auto_deploy": auto_deploy, "image": image,
                  "image_digest": image_digest, "registry_credential_id": registry_credential_id,
                  "build_command": build_command, "start_command": start_command,
                  "docker_context": docker_context, "dockerfile_path": dockerfile_path,
                  "pre_deploy_command": pre_deploy_command, "health_check_path": health_check_path,
                  "num_instances": num_instances, "autoscaling": autoscaling, "disk": disk,
                  "schedule": schedule, "publish_path": publish_path, "headers": headers, "routes": routes,
                  "maintenance_mode": maintenance_mode, "render_subdomain_policy": render_subdomain_policy,
                  "max_shutdown_delay_seconds": max_shutdown_delay_seconds,
                  "previews_generation": previews_generation, "ip_allow_list": ip_allow_list,
                  "suspended": suspended, "deploy_on_update": deploy_on_update, "adopt": adopt}
        # An input left out is None, which the engine never receives: the same as not passing it.
        super().__init__(ServiceProvider(), resource_name, inputs, opts)
