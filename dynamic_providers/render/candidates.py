"""Release candidates: run an image as a preview of its service, check it over public traffic, delete the preview.

A ``ReleaseCandidate`` is an event, as a Deploy is: every input replaces, delete does nothing remote, and its
create succeeds only when the preview went live and passed every check. The preview (``<service>-candidate``) is
deleted whatever happens, and one an interrupted create left behind is deleted before a new one is made, so a
service never has more than one. Nothing reaches the service itself: a failed candidate deploys nothing.
"""
from __future__ import annotations

import threading
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure

from ..core import ApiError, DeclarativeResource, Field, HttpOptions, Transport, progress
from ..core.fields import no_live_setting
from ..core.polling import FIRST_DELAY_S
from ..core.provider import rule_failures
from . import encoders as enc
from . import smoke
from .api import DeployFailedError, DeployTimeoutError, latest_deploy, wait_for_deploy
from .base import RenderProvider
from .models import Service

CANDIDATE_SUFFIX = "-candidate"
_EVENT = "a candidate is an event: its inputs describe that one check, not a setting of the service"

_call = threading.local()  # per gRPC call: the service the create is for (one provider serves concurrent calls)


class CandidateFailedError(Exception):
    """The candidate did not go live or failed a check; nothing was deployed."""

    concise = True  # one line naming the failed checks: no traceback (core/sdk_patches.py)


def short_digest(digest: str) -> str:
    """``sha256:abcd…`` (12 hex digits): enough to tell releases apart in a line."""
    algorithm, _, hex_ = digest.partition(":")
    return f"{algorithm}:{hex_[:12]}…" if hex_ else digest[:12]


def candidate_name(service: Service) -> str:
    return f"{service.name}{CANDIDATE_SUFFIX}"


class ReleaseCandidateProvider(RenderProvider):
    kind = "Render release candidate"
    supports_adopt = False  # the preview is deleted before the create ends: nothing to take over
    delete_before_replace = False
    create_attempts = 3
    fields = {
        "service_id": Field(str, required=True, replace=True),
        "image_digest": Field(str, required=True, replace=True),
        "checks": Field(list, required=True, replace=True),  # [{"path": "/health", "status": 200}]
        "triggers": Field(dict, replace=True, on_remove=no_live_setting(_EVENT)),  # any values; a change checks again
        "timeout_seconds": Field(int, default=900, managed=False),  # for the preview's deploy to go live
    }
    output_names = ("results", "status", "image_ref")

    def __init__(self, http: Optional[HttpOptions] = None, first_poll: float = FIRST_DELAY_S,
                 max_poll: float = 10.0) -> None:
        super().__init__(http)
        self.first_poll = first_poll
        self.max_poll = max_poll

    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        digest = inputs.get("image_digest")
        failures = rule_failures("image_digest", digest, lambda d: None if d.startswith("sha256:") and len(d) > 7
                                 else "must look like 'sha256:<hex>'")
        failures += rule_failures("checks", inputs.get("checks"), smoke.checks_problem)
        failures += rule_failures("timeout_seconds", inputs.get("timeout_seconds"),
                                  lambda t: None if t > 0 else "must be a number of seconds > 0")
        return failures

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]):
        result = super().diff(_id, olds, news)
        if result.replaces:  # in the plan, beside the replace: what the new candidate will run and check
            progress.note(f"runs {short_digest(str(news.get('image_digest')))} as a preview of the service and "
                          f"checks {smoke.describe_checks(news.get('checks'))} before it is deployed")
        return result

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of {short_digest(str(inputs.get('image_digest')))} for service {inputs.get('service_id')}"

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        client, sid = self.client(api), inputs["service_id"]
        _call.service, _call.posted = None, False
        service = client.get_service(sid)
        repository, _ = enc.split_image_path(service.image_path)
        if not repository:
            raise CandidateFailedError(f"Render service {sid} is not image-backed: a release candidate needs an "
                                       f"image (previews of Git-backed services cannot be made through the API)")
        _call.service = service  # for find_created, should the POST's answer be lost
        for leftover in client.find_previews(sid, candidate_name(service), service.owner_id or ""):
            progress.report(f"deleting preview {leftover.id}, left by an interrupted candidate", min_interval=0.0)
            client.delete_preview(leftover.id)
        _call.posted = True  # from here on a failure may hide a preview that was made
        preview, deploy_id = client.create_preview(sid, enc.image_path(repository, inputs["image_digest"]),
                                                   candidate_name(service))
        return {"service": service, "preview": preview, "deploy_id": deploy_id, "digest": inputs["image_digest"]}

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        # Leftovers were deleted before the POST: a candidate preview of this digest listed now is the one it made.
        service = getattr(_call, "service", None)
        if not getattr(_call, "posted", False) or service is None or service.id != inputs["service_id"]:
            return None  # the create failed before its POST: nothing was made
        found = [p for p in self.client(api).find_previews(service.id, candidate_name(service), service.owner_id or "")
                 if (p.image_path or "").endswith("@" + inputs["image_digest"])]
        return {"service": service, "preview": found[0], "deploy_id": None, "digest": inputs["image_digest"]} \
            if found else None

    def id_of(self, live: dict) -> str:
        # Needs no live preview (it is deleted before the create ends): "<service>:<digest12>:<preview>".
        return f"{live['service'].id}:{live['digest'].partition(':')[2][:12]}:{live['preview'].id}"

    def after_create(self, api: Transport, id_: str, live: dict, inputs: Mapping[str, Any]) -> dict:
        client, service, preview = self.client(api), live["service"], live["preview"]
        what = f"candidate of {short_digest(inputs['image_digest'])} for {service.name}"
        try:
            results = self._go_live_and_check(api, live, inputs, what)
        finally:
            try:
                client.delete_preview(preview.id)
                progress.report(f"{what}: preview {preview.id} deleted", min_interval=0.0)
            except ApiError as exc:  # the next candidate of this service deletes it (create_remote)
                progress.warn(f"{what}: preview {preview.id} could not be deleted ({exc}); the next candidate "
                              f"of this service deletes it, or delete it in the Render dashboard")
        failed = [r.line() for r in results if not r.ok]
        if failed:
            raise CandidateFailedError(
                f"Release candidate {short_digest(inputs['image_digest'])} of service {service.id} "
                f"({service.name}) failed: {'; '.join(failed)}; nothing was deployed. Fix the image (or the "
                f"checks in procurement:release) and run `pulumi up` again.")
        live.update(results=[r.as_output() for r in results], status="passed", image_ref=preview.image_path)
        return live

    def _go_live_and_check(self, api: Transport, live: dict, inputs: Mapping[str, Any], what: str) -> list:
        preview, service = live["preview"], live["service"]
        client = self.client(api)
        deploy = client.get_deploy(preview.id, live["deploy_id"]) if live.get("deploy_id") \
            else latest_deploy(api, preview.id)
        if deploy is None:
            raise CandidateFailedError(f"Render made preview {preview.id} of service {service.id} but no deploy of "
                                       f"it could be found; nothing was deployed. Run `pulumi up` again.")
        try:
            wait_for_deploy(api, preview.id, deploy, timeout=float(inputs.get("timeout_seconds") or 900),
                            first_poll=self.first_poll, max_poll=self.max_poll)
        except (DeployFailedError, DeployTimeoutError) as exc:
            raise CandidateFailedError(
                f"Release candidate {short_digest(inputs['image_digest'])} of service {service.id} "
                f"({service.name}) never went live: {exc}; nothing was deployed. Fix the image and run "
                f"`pulumi up` again.") from None
        url = preview.url or client.get_service(preview.id).url
        if not url:
            raise CandidateFailedError(f"preview {preview.id} of service {service.id} has no public URL (only web "
                                       f"services take public traffic): drop release.candidate for it")
        results = smoke.run_checks(url, inputs["checks"], self.traffic_gateway())
        for result in results:
            progress.report(f"{what}: {result.line()}", min_interval=0.0)
        return results

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        """A candidate's preview is gone when its create ends; forgetting it is all delete means."""

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> dict:
        # Nothing live to read (the preview was deleted): the outputs are what the check found then.
        return {"results": props.get("results"), "status": props.get("status"), "image_ref": props.get("image_ref")}

    def update_remote(self, api, id_, olds, news, changed):  # every managed input replaces
        raise AssertionError(f"release candidates have no updatable fields (changed: {sorted(changed)})")

    def live_outputs(self, live: dict) -> dict[str, Any]:
        return {name: live.get(name) for name in self.output_names}


class ReleaseCandidate(DeclarativeResource, module="render", name="ReleaseCandidate"):
    """A release candidate of a Render web service (``pulumi-python:dynamic/render:ReleaseCandidate``).

    Inputs: ``service_id`` (an image-backed web service), ``image_digest`` (``sha256:…`` of the service's image
    repository), ``checks`` (``[{"path": "/health", "status": 200}]``), ``triggers`` (any map: a change checks
    again), ``timeout_seconds`` (for the preview to go live, default 900). Outputs: ``results`` (``[{"path",
    "expected", "got", "ok"}]``), ``status`` (``passed``), ``image_ref``. Its create fails, deploying nothing,
    unless the image goes live as a preview and passes every check; deleting it changes nothing on Render.
    """

    results: pulumi.Output[list]
    status: pulumi.Output[str]
    image_ref: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, service_id: pulumi.Input[str], image_digest: pulumi.Input[str],
                 checks: pulumi.Input[list], triggers: Optional[pulumi.Input[dict]] = None,
                 timeout_seconds: int = 900, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(ReleaseCandidateProvider(), resource_name,
                         {"service_id": service_id, "image_digest": image_digest, "checks": checks,
                          "triggers": triggers, "timeout_seconds": timeout_seconds}, opts)
