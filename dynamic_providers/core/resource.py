"""Base ``pulumi.dynamic.Resource`` for declarative providers.

Subclass with a stable type token: ``class Service(DeclarativeResource, module="render",
name="Service")`` gives ``pulumi-python:dynamic/render:Service`` (never rename it: state and
policies key on it). The base:
- wraps every secret input in ``Output.secret`` so it is encrypted as an *input* in the state too,
  and each value of a ``secret_entries`` map on its own (the engine masks secrets inside a map
  per value, so a plan still shows the keys; a map given as one Output stays secret as a whole),
- adds secret inputs and secret computed outputs to ``additional_secret_outputs`` (the engine
  cannot learn secretness from dynamic-provider outputs otherwise),
- seeds computed outputs with None so they exist as attributes (``svc.url``).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import Resource

from .provider import REVISION, DeclarativeProvider


def type_token(resource: type) -> str:
    """``pulumi-python:dynamic/<module>:<Name>``: how the engine and the state name a dynamic resource class."""
    return f"pulumi-python:{resource._resource_type_name}"  # type: ignore[attr-defined]


def secret_entries(value: Any) -> Any:
    """A map with every value secret and its keys plain (an opaque Output: secret as a whole)."""
    if isinstance(value, Mapping):
        return {k: pulumi.Output.secret(v) for k, v in value.items()}
    return pulumi.Output.secret(value)


class DeclarativeResource(Resource):
    def __init__(
        self,
        provider: DeclarativeProvider,
        name: str,
        props: Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        fields = provider.all_fields()
        bag: dict[str, Any] = {}
        for key, value in props.items():
            if key in fields and fields[key].secret and value is not None:
                value = pulumi.Output.secret(value)
            elif key in fields and fields[key].secret_entries and value is not None:
                value = secret_entries(value)
            bag[key] = value
        for out in provider.output_names:
            bag.setdefault(out, None)
        if provider.revision_fields:
            bag.setdefault(REVISION, None)  # filled by check(); readable as ``resource.revision``
        secrets = provider.secret_names()
        if secrets:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))
        super().__init__(provider, name, bag, opts)
