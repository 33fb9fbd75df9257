"""Deploys: roll a service to a given image digest or commit (or back to an earlier deploy) and
wait until it is live or failed.

A ``Deploy`` is an event, not a thing: every input is create-only and it has no natural key, so ``adopt`` takes
over only with ``adopt_after`` (the newest matching deploy an interrupted ``up`` asked for). Rollback: pass
``previous_deploy_id`` as ``rollback_to`` of a new Deploy. Details: dynamic_providers/render/README.md, "A Deploy
is an event, not a thing".
"""
from __future__ import annotations

import threading
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure

from ..core import ADOPT, DeclarativeResource, Field, HttpOptions, Transport, progress
from ..core.polling import FIRST_DELAY_S
from ..core.fields import no_live_setting
from ..core.provider import rule_failures
from . import encoders as enc
from . import smoke
from .api import latest_deploy, list_deploys, trigger_deploy, wait_for_deploy
from .base import RenderProvider
from .models import Deploy as DeployModel
from .watch import watch_after_switch

# Why removing a deploy parameter reverts nothing (``Field.on_remove``).
_EVENT = "a deploy is an event: its parameters describe that one deploy, not a setting of the service"

# What each trigger the backend declares (components/backend.py) stands for, as a reviewer reads it.
TRIGGER_MEANINGS = {
    "command": "its start command changed",
    "variables": "its environment variables or secret files changed",
    "writes": "a setting Render applies only at a deploy was written (a change, or a value restored after an "
              "edit outside this program)",
}


def redeploy_reasons(old: Any, new: Any) -> list[str]:
    """Why a Deploy whose ``triggers`` changed deploys again, one phrase per changed trigger."""
    old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
    return [TRIGGER_MEANINGS.get(key, f"its trigger '{key}' changed")
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


MAX_WATCH_S = 3600  # an hour: longer than any release is worth holding an `up` for

# A deploy in one of these states did not put its change into effect: never taken over.
UNSUCCESSFUL = frozenset({"build_failed", "update_failed", "canceled", "pre_deploy_failed"})


_call = threading.local()


class ServiceSuspendedError(Exception):
    """A deploy was requested for a suspended service."""


class DeployProvider(RenderProvider):
    kind = "Render deploy"
    delete_before_replace = False
    fields = {
        "service_id": Field(str, required=True, replace=True),
        "image_digest": Field(str, replace=True, on_remove=no_live_setting(_EVENT)),  # deploy the service's image repository at this digest
        "commit_id": Field(str, replace=True, on_remove=no_live_setting(_EVENT)),  # repo-backed services: deploy this commit
        "rollback_to": Field(str, replace=True, on_remove=no_live_setting(_EVENT)),  # roll back to this earlier deploy id
        "triggers": Field(dict, replace=True, on_remove=no_live_setting(_EVENT)),  # any values; a change forces a new deploy
        "clear_cache": Field(bool, default=False, managed=False),
        "wait": Field(bool, default=True, managed=False),
        "timeout_seconds": Field(int, default=1800, managed=False),
        # With adopt: deploys the stack already knows; only a newer one can be taken over.
        "adopt_after": Field(list, managed=False),
        # After the switch: run ``checks`` on the service's public URL for this long; a failure rolls back (watch.py).
        "watch_seconds": Field(int, default=0, managed=False),
        "checks": Field(list, managed=False),  # [{"path": "/health", "status": 200}] (smoke.py)
    }
    output_names = ("status", "previous_deploy_id", "live_deploy_id", "image_ref", "commit", "finished_at",
                    "trigger")

    def __init__(self, http: Optional[HttpOptions] = None, first_poll: float = FIRST_DELAY_S,
                 max_poll: float = 15.0) -> None:
        super().__init__(http)
        self.first_poll = first_poll
        self.max_poll = max_poll

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]):
        result = super().diff(_id, olds, news)
        if "triggers" in (result.replaces or []):
            why = redeploy_reasons(self.inputs_of(olds).get("triggers"), news.get("triggers"))
            if why:  # in the plan, beside `~ triggers`: what the new deploy puts into effect, in the user's terms
                progress.note(f"redeploys the service: {'; '.join(why)}")
        return result

    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        chosen = [k for k in ("image_digest", "commit_id", "rollback_to") if inputs.get(k)]
        if len(chosen) > 1:
            return [CheckFailure(chosen[1], f"set only one of image_digest, commit_id, rollback_to (got "
                                            f"{', '.join(chosen)})")]
        digest = inputs.get("image_digest")
        if isinstance(digest, str) and digest and not digest.startswith("sha256:") and "-" not in digest[:8]:
            return [CheckFailure("image_digest", "'image_digest' must look like 'sha256:<hex>'")]
        return rule_failures("watch_seconds", inputs.get("watch_seconds"),
                             lambda s: None if 0 <= s <= MAX_WATCH_S else f"must be 0-{MAX_WATCH_S} seconds") \
            + rule_failures("checks", inputs.get("checks"), smoke.checks_problem)

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of service {inputs.get('service_id')}"

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        known = {d for d in (inputs.get("adopt_after") or []) if isinstance(d, str) and d}
        if not inputs.get(ADOPT) or not known:
            return None  # no natural key: without a bound there is nothing to take over safely
        sid = inputs["service_id"]
        history = sorted(list_deploys(api, sid), key=lambda d: d.created_at or "", reverse=True)
        seen = [i for i, d in enumerate(history) if d.id in known]
        if not seen:
            return None  # the known deploys are not in the history: cannot tell ours apart
        for i, deploy in enumerate(history[:min(seen)]):  # newer than every known deploy, newest first
            # A deploy a later rollback undid (a watch's switch-back the kill interrupted) put nothing into effect.
            switched_back = any(d.trigger == "rollback" for d in history[:i])
            if deploy.status not in UNSUCCESSFUL and not switched_back \
                    and self._deploys_declared(api, sid, deploy, inputs):
                previous = next((d.id for d in history[i + 1:] if d.status in ("live", "deactivated")), None)
                return {"service_id": sid, "deploy": deploy, "previous": previous}
        return None

    def _deploys_declared(self, api: Transport, sid: str, deploy: DeployModel, inputs: Mapping[str, Any]) -> bool:
        if inputs.get("rollback_to"):
            return deploy.trigger == "rollback"
        if inputs.get("commit_id"):
            return deploy.commit_id == inputs["commit_id"]
        if inputs.get("image_digest"):
            return bool(deploy.image_ref) and deploy.image_ref.endswith("@" + inputs["image_digest"])
        return True  # "deploy what the service has": any deploy made after the known ones does

    def after_takeover(self, api: Transport, id_: str, live: dict, inputs: Mapping[str, Any]) -> dict:
        return self.after_create(api, id_, live, inputs)  # a deploy taken over in flight: wait for it too

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        newest = latest_deploy(api, inputs["service_id"])
        # Only a deploy newer than the one that was newest before our POST can be ours.
        if newest is None or newest.id == getattr(_call, "baseline", None):
            return None
        return {"service_id": inputs["service_id"], "deploy": newest, "previous": getattr(_call, "previous", None)}

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        sid = inputs["service_id"]
        service = self.client(api).get_service(sid)
        if service.suspended:
            raise ServiceSuspendedError(f"Render service {sid} is suspended: resume it before deploying")
        history = list_deploys(api, sid, limit=20)
        # Per-call scratch in a thread-local: one provider object serves concurrent gRPC calls.
        _call.baseline = history[0].id if history else None
        _call.previous = next((d.id for d in history if d.status == "live"), None)
        if inputs.get("rollback_to"):
            deploy = trigger_deploy(api, sid, {"deployId": inputs["rollback_to"]}, known=[d.id for d in history],
                                    rollback=True)
        else:
            body: dict[str, Any] = {}
            if inputs.get("clear_cache"):
                body["clearCache"] = "clear"
            if inputs.get("commit_id"):
                body["commitId"] = inputs["commit_id"]
            if inputs.get("image_digest"):
                repo, _ = enc.split_image_path(service.image_path)
                if not repo:
                    raise ValueError(f"Render service {sid} is not image-backed: deploy a commit_id instead")
                body["imageUrl"] = enc.image_path(repo, inputs["image_digest"])
            deploy = trigger_deploy(api, sid, body, known=[d.id for d in history])
        if deploy is None or not deploy.id:
            raise RuntimeError(f"Render accepted a deploy of service {sid} but no deploy could be found")
        return {"service_id": sid, "deploy": deploy, "previous": _call.previous}

    def after_create(self, api: Transport, id_: str, live: dict, inputs: Mapping[str, Any]) -> dict:
        if inputs.get("wait", True):
            ours, went_live = wait_for_deploy(api, live["service_id"], live["deploy"],
                                              timeout=float(inputs.get("timeout_seconds") or 1800),
                                              first_poll=self.first_poll, max_poll=self.max_poll)
            live["deploy"], live["live_deploy_id"] = ours, went_live.id
            self._watch(api, live, inputs)
        return live

    def _watch(self, api: Transport, live: dict, inputs: Mapping[str, Any]) -> None:
        """The watch after the switch (watch.py): only with checks, and a previous deploy to switch back to."""
        if not inputs.get("watch_seconds") or not inputs.get("checks") or not live.get("previous"):
            return
        sid = live["service_id"]
        url = self.client(api).get_service(sid).url
        if not url:
            progress.warn(f"Render service {sid} has no public URL (only web services take public traffic): "
                          f"its deploy {live['live_deploy_id']} was not watched")
            return
        watch_after_switch(api, sid, live["live_deploy_id"], live["previous"], url, inputs["checks"],
                           float(inputs["watch_seconds"]), self.traffic_gateway(), self.first_poll, self.max_poll)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        """A deploy cannot be undone; forgetting it is all delete means (rollback is explicit)."""

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> dict:
        deploy = self.client(api).get_deploy(props["service_id"], id_)
        return {"service_id": props["service_id"], "deploy": deploy, "previous": props.get("previous_deploy_id"),
                "live_deploy_id": props.get("live_deploy_id")}

    def update_remote(self, api, id_, olds, news, changed):  # every managed input is create-only
        raise AssertionError(f"deploys have no updatable fields (changed: {sorted(changed)})")

    def id_of(self, live: dict) -> str:
        return live["deploy"].id

    def live_outputs(self, live: dict) -> dict[str, Any]:
        deploy: DeployModel = live["deploy"]
        return {"status": deploy.status, "previous_deploy_id": live.get("previous"),
                "live_deploy_id": live.get("live_deploy_id"), "image_ref": deploy.image_ref,
                "commit": deploy.commit_id, "finished_at": deploy.finished_at, "trigger": deploy.trigger}


class Deploy(DeclarativeResource, module="render", name="Deploy"):
    """A deploy of a Render service (``pulumi-python:dynamic/render:Deploy``).

    Inputs: ``service_id``; one of ``image_digest`` (image-backed), ``commit_id`` (repo-backed) or
    ``rollback_to`` (an earlier deploy id); ``triggers`` (any map: a change forces a new deploy),
    ``clear_cache``, ``wait`` (default True: fail unless it goes live), ``timeout_seconds``,
    ``adopt`` + ``adopt_after`` (take over the deploy an interrupted ``up`` made; module docstring),
    ``watch_seconds`` + ``checks`` (after the switch, check the public URL that long; a failed check rolls back
    to the previous deploy at once and fails the Deploy: ``watch.py``).
    Outputs: ``status`` (of this deploy; ``deactivated`` once a newer one replaced it, ``canceled`` when a newer
    deploy queued after it and Render went straight to the newest),
    ``previous_deploy_id`` (roll back to it), ``live_deploy_id`` (the deploy that went live when the
    wait ended: this one, or a newer one that superseded it), ``image_ref``, ``commit``,
    ``finished_at``, ``trigger``. Deleting a Deploy changes nothing on Render.
    """

    status: pulumi.Output[str]
    previous_deploy_id: pulumi.Output[Optional[str]]
    live_deploy_id: pulumi.Output[Optional[str]]
    image_ref: pulumi.Output[Optional[str]]
    commit: pulumi.Output[Optional[str]]
    finished_at: pulumi.Output[Optional[str]]
    trigger: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, service_id: pulumi.Input[str],
                 image_digest: Optional[pulumi.Input[str]] = None, commit_id: Optional[pulumi.Input[str]] = None,
                 rollback_to: Optional[pulumi.Input[str]] = None, triggers: Optional[pulumi.Input[dict]] = None,
                 clear_cache: bool = False, wait: bool = True, timeout_seconds: int = 1800,
                 adopt: bool = False, adopt_after: Optional[list[str]] = None, watch_seconds: int = 0,
                 checks: Optional[pulumi.Input[list]] = None, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(DeployProvider(), resource_name,
                         {"service_id": service_id, "image_digest": image_digest, "commit_id": commit_id,
                          "rollback_to": rollback_to, "triggers": triggers, "clear_cache": clear_cache,
                          "wait": wait, "timeout_seconds": timeout_seconds, "adopt": adopt,
                          "adopt_after": adopt_after, "watch_seconds": watch_seconds, "checks": checks}, opts)
