"""Routes are declared by the spec's own path templates, so the sandbox cannot serve a path the spec lacks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote


class ApiError(Exception):
    """Raised by a handler to answer with an error in the API's own error shape."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


class RequestViolation(ApiError):
    """Raised by a handler for a spec rule the generic validation could not check (a union branch picked by
    another field); answered and journaled exactly like a request the validator rejected."""

    def __init__(self, violations: list):
        super().__init__(400, "; ".join(str(v) for v in violations), "bad_request")
        self.violations = violations


class NotFound(ApiError):
    def __init__(self, message: str = "not found"):
        super().__init__(404, message, "not_found")


class BadRequest(ApiError):
    def __init__(self, message: str):
        super().__init__(400, message, "bad_request")


class Conflict(ApiError):
    def __init__(self, message: str):
        super().__init__(409, message, "conflict")


@dataclass
class Route:
    method: str
    template: str
    handler: Callable[..., Any]
    locked: bool = True  # run under the store's lock (False for slow handlers such as SQL execution)


@dataclass
class RouteTable:
    """Collects handlers of one resource family: ``@routes.get("/services/{serviceId}")``."""

    routes: list[Route] = field(default_factory=list)

    def add(self, method: str, template: str, locked: bool = True) -> Callable:
        def register(handler: Callable) -> Callable:
            self.routes.append(Route(method.upper(), template, handler, locked))
            return handler

        return register

    def get(self, template: str, **kw: Any) -> Callable:
        return self.add("GET", template, **kw)

    def get_one(self, template: str, find: Callable[[Any], Any], view: Callable[[Any], Any]) -> None:
        """The GET of one object: 200 with ``view(find(call))`` (``find`` raises NotFound for a missing one)."""
        self.get(template)(lambda call: (200, view(find(call))))

    def get_one_with_call(self, template: str, find: Callable[[Any], Any], view: Callable[[Any, Any], Any]) -> None:
        """``get_one`` for a view that reads more of the store than the object: 200 with ``view(call, find(call))``."""
        self.get(template)(lambda call: (200, view(call, find(call))))

    def post(self, template: str, **kw: Any) -> Callable:
        return self.add("POST", template, **kw)

    def put(self, template: str, **kw: Any) -> Callable:
        return self.add("PUT", template, **kw)

    def patch(self, template: str, **kw: Any) -> Callable:
        return self.add("PATCH", template, **kw)

    def delete(self, template: str, **kw: Any) -> Callable:
        return self.add("DELETE", template, **kw)


def _compile(template: str) -> re.Pattern:
    parts = re.split(r"\{([^}]+)\}", template)
    regex = ""
    for i, part in enumerate(parts):
        regex += f"(?P<p{i // 2}>[^/]+)" if i % 2 else re.escape(part)
    return re.compile(f"^{regex}$")


class SpecRouter:
    """Matches a concrete path to the spec's path template; literal templates beat templated ones."""

    def __init__(self, templates: list[str]):
        compiled = []
        for template in templates:
            names = re.findall(r"\{([^}]+)\}", template)
            compiled.append((len(names), template, names, _compile(template)))
        # Fewer variables first, then longer literal text: /services/{id}/env-vars beats /services/{id}/{x}.
        compiled.sort(key=lambda item: (item[0], -len(item[1])))
        self._compiled = compiled

    def match(self, path: str) -> tuple[str, dict[str, str]] | None:
        for _, template, names, regex in self._compiled:
            found = regex.match(path)
            if found:
                values = [unquote(v) for v in found.groups()]
                return template, dict(zip(names, values))
        return None
