"""Render projects and their environments (e.g. staging/production), one resource per project.

``environments`` maps environment name -> settings (``protected``: bool, ``network_isolation``:
bool); the output ``environment_ids`` maps name -> ``evm-...`` id for services and env groups.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure

from ..core import DeclarativeResource, Field, Transport, look_up_then_retry
from ..core.fields import contains_unknown
from .base import RenderProvider
from .models import Environment as EnvironmentModel, Project as ProjectModel

ENV_SETTINGS = ("protected", "network_isolation")


def _env_body(settings: Mapping[str, Any]) -> dict:
    body: dict[str, Any] = {}
    if settings.get("protected") is not None:
        body["protectedStatus"] = "protected" if settings["protected"] else "unprotected"
    if settings.get("network_isolation") is not None:
        body["networkIsolationEnabled"] = bool(settings["network_isolation"])
    return body


@dataclass
class LiveProject:
    """A project and its environments (Render lists them with a separate GET)."""

    project: ProjectModel
    environments: list[EnvironmentModel]


class ProjectProvider(RenderProvider):
    kind = "Render project"
    fields = {
        "name": Field(str, required=True),
        "owner_id": Field(str, required=True, replace=True),
        "environments": Field(dict, required=True),
    }
    output_names = ("environment_ids",)

    def prepare(self, inputs: dict[str, Any]) -> dict[str, Any]:
        envs = inputs.get("environments")
        if isinstance(envs, dict):
            inputs["environments"] = {name: ({"protected": False, "network_isolation": False, **(v or {})}
                                             if isinstance(v, dict) or v is None else v)
                                      for name, v in envs.items()}
        return inputs

    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        envs = inputs.get("environments")
        if not isinstance(envs, dict) or contains_unknown(envs):
            return []
        failures = []
        if not envs:
            failures.append(CheckFailure("environments", "a project needs at least one environment"))
        for name, settings in envs.items():
            if not isinstance(settings, dict):
                failures.append(CheckFailure("environments", f"environment '{name}' settings must be an object"))
                continue
            extra = set(settings) - set(ENV_SETTINGS)
            if extra:
                failures.append(CheckFailure("environments", f"environment '{name}' has unknown setting(s) "
                                                             f"{', '.join(sorted(extra))}; allowed: protected, "
                                                             f"network_isolation"))
        return failures

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"'{inputs.get('name')}' (owner {inputs.get('owner_id')})"

    def _with_environments(self, api: Transport, project: ProjectModel) -> LiveProject:
        return LiveProject(project, self.client(api).list_environments(project.id))

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[LiveProject]:
        for project in self.client(api).find_projects(inputs["name"], inputs["owner_id"]):
            if project.name == inputs["name"]:
                return self._with_environments(api, project)
        return None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> LiveProject:
        body = {"name": inputs["name"], "ownerId": inputs["owner_id"],
                "environments": [{"name": name, **_env_body(settings)}
                                 for name, settings in sorted(inputs["environments"].items())]}
        return self._with_environments(api, self.client(api).create_project(body))

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> LiveProject:
        return self._with_environments(api, self.client(api).get_project(id_))

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> LiveProject:
        client = self.client(api)
        if "name" in changed:
            client.rename_project(id_, news["name"])
        if "environments" in changed:
            current = {e.name: e for e in client.list_environments(id_)}
            wanted = news["environments"]
            for name in sorted(set(wanted) - set(current)):
                self._add_environment(api, id_, name, wanted[name])
            for name in sorted(set(current) & set(wanted)):
                if self._env_input(current[name]) != wanted[name]:
                    client.update_environment(current[name].id, _env_body(wanted[name]))
            for name in sorted(set(current) - set(wanted)):
                client.delete_environment(current[name].id)
        return self.read_remote(api, id_, news)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        self.client(api).delete_project(id_)

    def _add_environment(self, api: Transport, id_: str, name: str, settings: Mapping[str, Any]) -> None:
        """POST /environments, which is not idempotent: after a lost answer, look it up by name (unique
        in a project) before sending it again, so a lost answer never yields two environments."""
        client = self.client(api)
        look_up_then_retry(
            lambda: client.create_environment({"name": name, "projectId": id_, **_env_body(settings)}),
            lambda: next((e for e in client.list_environments(id_) if e.name == name), None),
            attempts=2, options=api.options)

    def id_of(self, live: LiveProject) -> str:
        return live.project.id

    @staticmethod
    def _env_input(env: EnvironmentModel) -> dict:
        return {"protected": env.protected_status == "protected",
                "network_isolation": bool(env.network_isolation_enabled)}

    def live_inputs(self, live: LiveProject) -> dict[str, Any]:
        observed: dict[str, Any] = {"owner_id": live.project.owner_id, "name": live.project.name,
                                    "environments": {e.name: self._env_input(e) for e in live.environments if e.name}}
        return {k: v for k, v in observed.items() if v is not None}

    def live_outputs(self, live: LiveProject) -> dict[str, Any]:
        return {"environment_ids": {e.name: e.id for e in live.environments if e.name}}


class Project(DeclarativeResource, module="render", name="Project"):
    """A Render project with its environments (``pulumi-python:dynamic/render:Project``).

    Inputs: ``name``, ``owner_id``, ``environments`` ({name: {"protected": bool,
    "network_isolation": bool}}), ``adopt``. Output: ``environment_ids`` ({name: "evm-..."}).
    """

    environment_ids: pulumi.Output[dict]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], owner_id: pulumi.Input[str],
                 environments: pulumi.Input[Mapping[str, Any]], adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(ProjectProvider(), resource_name,
                         {"name": name, "owner_id": owner_id, "environments": environments, "adopt": adopt}, opts)
