"""The vendors' OpenAPI specs, loaded once per process, and the request/response checks against them.

The specs are read from ``$PROCUREMENT_SHARED_DIR/specs`` (default ``<project root>/../shared``), never copied into
the repository, and loaded lazily on first use behind a lock. The checks are sandbox.spec_validation's, prepared
once per operation; openapi-core answers what they leave uncovered and is the reference they are tested against.

Both specs need small in-memory errata to describe the APIs as they really behave; each erratum is a named
function below with the evidence that motivates it, and ``tests/tools/sandbox/test_specs.py`` shows real recorded
requests validating after the errata.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

from tools import REPO_ROOT

from .spec_validation import SpecValidation, Uncovered
from .violations import Violation, json_path, leaf_errors

if TYPE_CHECKING:  # pragma: no cover
    from openapi_core import OpenAPI  # imported on first use: only the fallback and the tests need it

SHARED_DIR_ENV = "PROCUREMENT_SHARED_DIR"
PROJECT_ROOT = REPO_ROOT


def shared_dir() -> Path:
    """Where the shared reference material lives: ``$PROCUREMENT_SHARED_DIR`` or ``<project root>/../shared``."""
    configured = os.environ.get(SHARED_DIR_ENV)
    return Path(configured) if configured else (PROJECT_ROOT.parent / "shared").resolve()


# ----------------------------------------------------------------------------------------------- errata


def _walk(node: Any, visit: Callable[[dict], None]) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def overlapping_one_of_as_any_of(spec: dict) -> None:
    """Render: ``oneOf`` without a discriminator becomes ``anyOf``.

    Render's unions (``serviceDetails``, ``envSpecificDetails``, ``envVarInput`` ...) have no discriminator and
    their branches do not forbid extra properties, so a body like ``{"runtime": "docker", "plan": "starter"}``
    matches the web, private-service and worker branches at once and a strict ``oneOf`` rejects every service the
    real API happily creates (the recorded Terraform requests in ``recordings/render`` are such bodies). ``anyOf``
    keeps the rule that the value must fit at least one branch.
    """

    def visit(node: dict) -> None:
        if "oneOf" in node and "discriminator" not in node:
            node["anyOf"] = node.pop("oneOf")

    _walk(spec, visit)


def environment_resources_answer_201(spec: dict) -> None:
    """Render: ``POST /environments/{environmentId}/resources`` answers 201 with the environment (every recorded
    exchange), while the spec lists only 200."""
    responses = spec["paths"]["/environments/{environmentId}/resources"]["post"]["responses"]
    responses.setdefault("201", responses["200"])


def render_accepts_null_input_lists(spec: dict) -> None:
    """Render: request lists the Terraform provider sends as ``null`` are accepted (2xx in every recorded
    exchange), although the spec types them as non-nullable arrays:
    - ``POST /services`` ``envVars: null`` (21 recorded creates, e.g. backgroundworker__resource__disks_cassette.yaml#0)
      and ``secretFiles: null`` (20);
    - ``buildFilter`` with ``paths: null, ignoredPaths: null`` on ``POST /services`` (5) and
      ``PATCH /services/{id}`` (6, backgroundworker__resource__docker_cassette.yaml#0 and #36); the service is then
      answered without any ``buildFilter``;
    - a static site's ``serviceDetails.routes: null`` on create (staticsite__resource__create_minimal_cassette.yaml#2);
    - ``PUT /services/{id}/env-vars`` and ``/secret-files`` with the body ``null`` (32 and 34 recorded, e.g.
      backgroundworker__resource__disks_cassette.yaml#37/#38 answered ``200 []``): the replace-all with nothing,
      which clears the list.
    Only these places become nullable; a ``null`` anywhere else is still refused."""
    schemas = spec["components"]["schemas"]
    post = schemas["servicePOST"]["properties"]
    post["envVars"] = {"type": "array", "items": {"$ref": "#/components/schemas/envVarInput"}, "nullable": True}
    post["secretFiles"] = {**post["secretFiles"], "nullable": True}
    for name in ("paths", "ignoredPaths"):
        schemas["buildFilter"]["properties"][name]["nullable"] = True
    schemas["staticSiteDetailsPOST"]["properties"]["routes"]["nullable"] = True
    for path, items in (("/services/{serviceId}/env-vars", {"$ref": "#/components/schemas/envVarInput"}),
                        ("/services/{serviceId}/secret-files", {"$ref": "#/components/schemas/secretFileInput"})):
        content = spec["paths"][path]["put"]["requestBody"]["content"]["application/json"]
        content["schema"] = {"type": "array", "items": items, "nullable": True}


def cron_job_create_takes_the_create_shape_of_env_details(spec: dict) -> None:
    """Render: ``cronJobDetailsPOST.envSpecificDetails`` points at the *response* union (``envSpecificDetails``,
    whose docker branch carries a full ``registryCredential``), where every other service type's create uses
    ``envSpecificDetailsPOST``. The Terraform provider sends a zero-valued ``registryCredential``
    (``{"id": "", "registry": "", ...}``) in every cron-job create and Render answered 201 each time
    (cronjob__resource__cron_job_cassette.yaml#4, docker#0, env_var#0, notifications#0); under the response shape
    its ``registry: ""`` breaks the enum. The create shape takes it like any other unlisted property."""
    details = spec["components"]["schemas"]["cronJobDetailsPOST"]["properties"]
    details["envSpecificDetails"] = {"$ref": "#/components/schemas/envSpecificDetailsPOST"}


def render_accepts_an_empty_cursor(spec: dict) -> None:
    """Render: ``cursor=`` (empty) is accepted and means "from the start": the Terraform provider's first page
    request of every list (11 recorded ``GET /services/{id}/routes?cursor=&limit=100``, e.g.
    staticsite__resource__create_minimal_cassette.yaml#14, all 200). OpenAPI refuses an empty query value unless
    the parameter allows it; ``cursor`` is one shared parameter of every Render list."""
    spec["components"]["parameters"]["cursorParam"]["allowEmptyValue"] = True


# OpenAPI 3.0 deprecates allowEmptyValue (the erratum above) and openapi-core warns on every request that has it.
warnings.filterwarnings("ignore", message="Use of allowEmptyValue property is deprecated", category=DeprecationWarning)


def drop_unmappable_discriminators(spec: dict) -> None:
    """Supabase: ``region_selection`` is a ``oneOf`` of inline schemas with a ``discriminator`` but no
    ``mapping``; a validator then looks the tag value up as ``#/components/schemas/<value>``, which does not exist,
    and rejects every body. The inline branches already tell themselves apart by their ``type`` enum."""

    def visit(node: dict) -> None:
        discriminator = node.get("discriminator")
        if discriminator and "mapping" not in discriminator and not all(
                "$ref" in branch for branch in node.get("oneOf", node.get("anyOf", []))):
            del node["discriminator"]

    _walk(spec, visit)


def nullable_enums_accept_null(spec: dict) -> None:
    """Both: under OpenAPI 3.0, ``nullable: true`` does not let ``null`` past an ``enum`` that does not list it,
    yet the real APIs return ``null`` for such fields (Supabase auth config ``sms_provider``,
    ``security_captcha_provider`` ... in the recorded traffic). The spec's authors meant "may be null"."""

    def visit(node: dict) -> None:
        if node.get("nullable") is True and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]

    _walk(spec, visit)


def declare_bearer_security_schemes(spec: dict) -> None:
    """Supabase: the spec's operations require ``bearer`` / ``fga_permissions`` but it declares no
    ``securitySchemes`` at all; both are bearer tokens on the real API (personal access token or OAuth token)."""
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    for name in ("bearer", "fga_permissions"):
        schemes.setdefault(name, {"type": "http", "scheme": "bearer"})


def boolean_defaults_are_booleans(spec: dict) -> None:
    """Supabase: ``DELETE /v1/branches/{ref}`` (and ``.../custom-hostname``) declares a boolean query parameter with
    ``default: 'true'`` (a string), so a request without it (terraform-provider-supabase's branch delete) fails on
    its own default. Meant: the boolean."""

    def visit(node: dict) -> None:
        if node.get("type") == "boolean" and node.get("default") in ("true", "false"):
            node["default"] = node["default"] == "true"

    _walk(spec, visit)


# ------------------------------------------------------------------------------------------ validation


@dataclass
class SpecRequest:
    """The minimal request object openapi-core's protocols need (host_url, path, path_pattern, parameters...)."""

    host_url: str
    path: str
    path_pattern: str | None
    method: str
    body: bytes | None
    content_type: str
    parameters: Any  # openapi_core.datatypes.RequestParameters


@dataclass
class SpecResponse:
    status_code: int
    data: bytes | None
    content_type: str
    headers: Any  # werkzeug Headers


def violations_from(where: str, errors: Iterable[BaseException]) -> list[Violation]:
    """Flatten openapi-core's nested exceptions into Violations that name the failing schema rule."""
    found: list[Violation] = []
    for error in errors:
        cause = error.__cause__ or error
        schema_errors = getattr(cause, "schema_errors", None)
        prefix = "body" if "Body" in type(error).__name__ or "Data" in type(error).__name__ else ""
        name = getattr(cause, "name", "") or getattr(error, "name", "")
        if schema_errors:
            for schema_error in schema_errors:
                for leaf in leaf_errors(schema_error):
                    location = json_path([prefix or name, *leaf.absolute_path])
                    found.append(Violation(where, str(leaf.validator), leaf.message, location))
            continue
        rule = type(cause).__name__
        rule = {
            "PathNotFound": "path",
            "OperationNotFound": "method",
            "ServerNotFound": "server",
            "MissingRequiredParameter": "required-parameter",
            "MissingRequiredRequestBody": "required-body",
            "MissingData": "required-body",
            "MediaTypeNotFound": "content-type",
            "SecurityNotFound": "security",
            "ResponseNotFound": "status",
        }.get(rule, rule)
        found.append(Violation(where, rule, str(cause), str(name) if name else prefix))
    return found


def openapi_core_of(document: dict) -> OpenAPI:
    from openapi_core import Config, OpenAPI

    # The Supabase spec has a non-standard key, so the spec itself is not validated (brief).
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


class Spec:
    """One vendor spec: lazy-loaded, with the errata applied, and request/response checks."""

    def __init__(self, relative_path: str, errata: tuple[Callable[[dict], None], ...] = ()):
        self.relative_path = relative_path
        self.errata = errata
        self._lock = threading.Lock()
        self._openapi: OpenAPI | None = None
        self._document: dict | None = None
        self._validation: SpecValidation | None = None
        self._schema_validators: dict[str, Any] = {}
        self._query_params: dict[tuple[str, str], dict[str, dict]] = {}

    @property
    def path(self) -> Path:
        return shared_dir() / "specs" / self.relative_path

    def _load(self) -> None:
        with self._lock:
            if self._document is not None:
                return
            if not self.path.is_file():
                raise FileNotFoundError(
                    f"OpenAPI spec not found at {self.path}; set ${SHARED_DIR_ENV} to the shared/ directory"
                )
            document = json.loads(self.path.read_text())
            for erratum in self.errata:
                erratum(document)
            self._document = document

    def _built_once(self, attribute: str, build: Callable[[dict], Any]) -> Any:
        """``attribute``'s object, built from the document on first use."""
        if getattr(self, attribute) is None:
            document = self.document
            with self._lock:
                if getattr(self, attribute) is None:
                    setattr(self, attribute, build(document))
        return getattr(self, attribute)

    @property
    def openapi(self) -> OpenAPI:
        return self._built_once("_openapi", openapi_core_of)

    @property
    def document(self) -> dict:
        if self._document is None:
            self._load()
        return self._document  # type: ignore[return-value]

    @property
    def validation(self) -> SpecValidation:
        """The prepared checks (sandbox.spec_validation) over the document with its errata."""
        return self._built_once("_validation", SpecValidation)

    @property
    def server(self) -> tuple[str, str]:
        """(host_url, base path) of the spec's first server; ("http://localhost", "") if it declares none."""
        servers = self.document.get("servers") or [{"url": "http://localhost"}]
        parts = urlsplit(servers[0]["url"])
        return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")

    def schema_violations(self, schema_name: str, value: Any, location: str) -> list[Violation]:
        """Check ``value`` against ``#/components/schemas/<schema_name>`` (for unions the spec cannot
        discriminate, such as Render's serviceDetails, whose branch depends on the service type)."""
        validator = self._schema_validators.get(schema_name)
        if validator is None:
            from openapi_schema_validator import OAS30Validator

            root = {key: val for key, val in self.document.items() if key != "$ref"}
            root["$ref"] = f"#/components/schemas/{schema_name}"
            validator = OAS30Validator(root)
            self._schema_validators[schema_name] = validator
        found = []
        for error in validator.iter_errors(value):
            for leaf in leaf_errors(error):
                found.append(Violation("request", str(leaf.validator), leaf.message,
                                       json_path([location, *leaf.absolute_path])))
        return found

    def operation(self, method: str, template: str) -> dict | None:
        return self.document["paths"].get(template, {}).get(method.lower())

    def _request(self, method: str, path: str, template: str | None, path_params: dict, query: list[tuple[str, str]],
                 headers: dict, body: bytes | None) -> SpecRequest:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        host_url, base = self.server
        return SpecRequest(
            host_url=host_url,
            path=base + path,
            path_pattern=(base + template) if template else None,
            method=method.lower(),
            body=body or None,
            content_type=(headers.get("Content-Type") or "application/json").lower(),
            parameters=RequestParameters(
                path=path_params, query=ImmutableMultiDict(query), header=Headers(list(headers.items()))
            ),
        )

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            target: Any = self.document
            # A JSON-pointer fragment is percent-encoded when it points into paths
            # (``#/paths/~1logs~1streams~1owner~1%7BownerId%7D/...``): decode, then unescape.
            for part in unquote(node["$ref"]).lstrip("#/").split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]  # .../parameters/2
            node = target
        return node

    def query_parameters(self, method: str, template: str) -> dict[str, dict]:
        """The operation's query parameters: name -> resolved parameter object (path- and operation-level)."""
        key = (method.upper(), template)
        if key not in self._query_params:
            path_item = self.document["paths"][template]
            declared = path_item.get("parameters", []) + (self.operation(method, template) or {}).get("parameters", [])
            resolved = [self._resolve(p) for p in declared]
            self._query_params[key] = {p["name"]: p for p in resolved if p.get("in") == "query"}
        return self._query_params[key]

    def parse_query(self, method: str, template: str, raw: list[tuple[str, str]]) -> dict[str, Any]:
        """Typed query values (ints, booleans, arrays split per the parameter's style) for the handlers.
        Called after validation, so values already fit their schemas."""
        declared = self.query_parameters(method, template)
        out: dict[str, Any] = {}
        for name, value in raw:
            parameter = declared.get(name)
            if parameter is None:
                continue
            schema = self._resolve(parameter.get("schema", {}))
            kind = schema.get("type")
            if kind == "array":
                explode = parameter.get("explode", parameter.get("style", "form") == "form")
                items = value.split(",") if not explode else [value]
                out.setdefault(name, []).extend(items)
            elif kind == "integer":
                out[name] = int(value)
            elif kind == "boolean":
                out[name] = value.lower() == "true"
            else:
                out[name] = value
        return out

    def check_request(self, method: str, path: str, template: str | None, path_params: dict,
                      query: list[tuple[str, str]], headers: dict, body: bytes | None) -> list[Violation]:
        """Validate a request; ``path`` and ``template`` are relative to the spec's server base.

        The prepared checks of sandbox.spec_validation answer; openapi-core only for what they leave uncovered
        (a non-JSON body, an object parameter, no template). Validation only, never unmarshalling."""
        content_type = (headers.get("Content-Type") or "application/json").lower()
        if template is not None:
            try:
                return self.validation.request_violations(method, template, path_params, query, headers, body,
                                                          content_type)
            except Uncovered:
                pass
        return self.openapi_request_violations(method, path, template, path_params, query, headers, body)

    def check_response(self, method: str, path: str, template: str | None, path_params: dict,
                       status: int, body: bytes | None, content_type: str) -> list[Violation]:
        if template is not None:
            try:
                return self.validation.response_violations(method, template, status, body, content_type)
            except Uncovered:
                pass
        return self.openapi_response_violations(method, path, template, path_params, status, body, content_type)

    def openapi_request_violations(self, method: str, path: str, template: str | None, path_params: dict,
                                   query: list[tuple[str, str]], headers: dict, body: bytes | None
                                   ) -> list[Violation]:
        """openapi-core's verdict on a request: the fallback, and the reference the fast path is tested against."""
        request = self._request(method, path, template, path_params, query, headers, body)
        return violations_from("request", self.openapi.request_validator.iter_errors(request))

    def openapi_response_violations(self, method: str, path: str, template: str | None, path_params: dict,
                                    status: int, body: bytes | None, content_type: str) -> list[Violation]:
        request = self._request(method, path, template, path_params, [], {}, None)
        from werkzeug.datastructures import Headers

        response = SpecResponse(status, body or None, content_type, Headers())
        return violations_from("response", self.openapi.response_validator.iter_errors(request, response))


RENDER_SPEC = Spec("render/render-openapi.json", errata=(overlapping_one_of_as_any_of, nullable_enums_accept_null,
                                                                environment_resources_answer_201,
                                                                render_accepts_null_input_lists,
                                                                cron_job_create_takes_the_create_shape_of_env_details,
                                                                render_accepts_an_empty_cursor))
SUPABASE_SPEC = Spec("supabase/openapi.json", errata=(declare_bearer_security_schemes, drop_unmappable_discriminators,
                                                      nullable_enums_accept_null, boolean_defaults_are_booleans))
