"""Request and response checks against one vendor spec, prepared once per operation.

openapi-core finds the path and resolves every ``$ref`` lazily on each call. Here the router's template names the
operation; per operation the parameters, the security requirements and one validator per JSON body are prepared
once, over the plain document with its references inlined. The verdicts equal openapi-core's, rule and location
included (tests/tools/sandbox/test_spec_validation_fast.py); what this module does not cover it raises as ``Uncovered``
and ``tools.sandbox.specs`` asks openapi-core instead.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

from .violations import Violation, schema_violations

TRUE_VALUES = ("y", "yes", "t", "true", "on", "1")  # the spellings openapi-core casts to booleans
FALSE_VALUES = ("n", "no", "f", "false", "off", "0")
JSON_MEDIA_TYPES = ("application/json", "application/vnd.api+json")  # what openapi-core parses as JSON
NO_DEFAULT = object()


class Uncovered(Exception):
    """A spec feature left to openapi-core: a non-JSON body, an object or deepObject parameter, a combinator
    parameter schema, an unknown template, a response header that is required or has a default."""


def escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path", "query", "header" or "cookie"
    required: bool
    style: str
    explode: bool
    kind: str  # the schema's type, for messages
    cast: Callable[[Any], Any]
    default: Any
    allow_empty: bool
    validator: Any


@dataclass(frozen=True)
class Operation:
    security: list[list[str]]  # alternatives, each the scheme names that must all be satisfied
    parameters: list[Parameter]
    body_required: bool
    body_content: dict[str, str] | None  # media type -> JSON pointer of its media type object; None: no requestBody
    responses: dict[str, str]  # status ("200", "4XX", "default") -> JSON pointer of the response object


class SpecValidation:
    """The prepared checks of one spec document (with its errata already applied)."""

    def __init__(self, document: dict):
        self.document = document
        self._operations: dict[tuple[str, str], Operation | str] = {}  # str: why it is uncovered
        self._validators: dict[tuple[type, str], Any] = {}
        self._inlined: dict[int, Any] = {}  # id(document node) -> its copy with local $refs replaced
        self._lock = threading.Lock()  # a copy is published to _inlined before it is filled

    # ------------------------------------------------------------------------------------- document
    def node(self, pointer: str) -> Any:
        target: Any = self.document
        for part in pointer.lstrip("/").split("/") if pointer else []:
            part = part.replace("~1", "/").replace("~0", "~")
            target = target[int(part)] if isinstance(target, list) else target[part]
        return target

    def resolve(self, pointer: str) -> tuple[str, Any]:
        """Follow local ``$ref``s from ``pointer``: (pointer, node) of the target."""
        node = self.node(pointer)
        while isinstance(node, dict) and "$ref" in node:
            pointer = self.ref_pointer(node["$ref"])
            node = self.node(pointer)
        return pointer, node

    def validator(self, cls: type, pointer: str) -> Any:
        key = (cls, pointer)
        found = self._validators.get(key)
        if found is None:
            with self._lock:
                try:
                    schema = self._inline(self.node(pointer))
                except Uncovered:
                    self._inlined.clear()  # it may hold copies left half-filled
                    raise
            found = self._validators[key] = cls(schema, format_checker=cls.FORMAT_CHECKER)
        return found

    def _inline(self, node: Any) -> Any:
        """``node`` with every local ``$ref`` replaced by its (inlined) target object, shared and possibly
        cyclic: a validator then never looks a reference up (the lookups were half of the validation time).
        A ``$ref`` beside other keywords becomes ``allOf: [target]`` in its place, so keywords keep their order
        and errors theirs."""
        if isinstance(node, list):
            found = self._inlined.get(id(node))
            if found is None:
                found = self._inlined[id(node)] = []
                found.extend(self._inline(item) for item in node)
            return found
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) == 1:
            return self._inline(self.resolve_ref(ref))
        found = self._inlined.get(id(node))
        if found is None:
            if "allOf" in node and isinstance(ref, str):
                raise Uncovered("$ref beside allOf")
            found = self._inlined[id(node)] = {}
            for name, value in node.items():
                if name == "$ref" and isinstance(value, str):
                    found["allOf"] = [self._inline(self.resolve_ref(value))]
                else:
                    found[name] = self._inline(value)
        return found

    def resolve_ref(self, ref: str) -> Any:
        return self.node(self.ref_pointer(ref))

    def ref_pointer(self, ref: str) -> str:
        """The JSON pointer of a local ``$ref`` whose target exists; anything else is left to openapi-core."""
        if ref.startswith("#"):
            pointer = unquote(ref[1:])  # fragments into paths are percent-encoded: "#/paths/~1x~1%7Bid%7D"
            try:
                self.node(pointer)
                return pointer
            except (LookupError, ValueError, TypeError):
                pass
        raise Uncovered(f"unresolvable $ref {ref}")

    # ------------------------------------------------------------------------------------ operations
    def operation(self, method: str, template: str) -> Operation:
        key = (method.lower(), template)
        found = self._operations.get(key)
        if found is None:
            try:
                found = self._prepare(*key)
            except Uncovered as reason:  # remembered: an uncovered operation is not prepared again per request
                found = str(reason)
            self._operations[key] = found
        if isinstance(found, str):
            raise Uncovered(found)
        return found

    def _prepare(self, method: str, template: str) -> Operation:
        path_item = self.document.get("paths", {}).get(template)
        if not isinstance(path_item, dict) or "$ref" in path_item or method not in path_item:
            raise Uncovered(f"{method.upper()} {template} is not an operation of the spec")
        item_pointer = f"/paths/{escape(template)}"
        op_pointer = f"{item_pointer}/{method}"
        operation = path_item[method]

        parameters, seen = [], set()
        # Operation parameters override path-item ones of the same name and location.
        for base, declared in ((op_pointer, operation.get("parameters", [])),
                               (item_pointer, path_item.get("parameters", []))):
            for index in range(len(declared)):
                pointer, parameter = self.resolve(f"{base}/parameters/{index}")
                if (parameter["name"], parameter["in"]) in seen:
                    continue
                seen.add((parameter["name"], parameter["in"]))
                parameters.append(self._parameter(pointer, parameter))

        security = operation["security"] if "security" in operation else self.document.get("security")
        body_content, body_required = None, False
        if "requestBody" in operation:
            body_pointer, request_body = self.resolve(f"{op_pointer}/requestBody")
            body_required = bool(request_body.get("required", False))
            body_content = {name: f"{body_pointer}/content/{escape(name)}"
                            for name in request_body.get("content", {})}
        responses = {status: self.resolve(f"{op_pointer}/responses/{escape(status)}")[0]
                     for status in operation.get("responses", {})}
        return Operation([list(requirement) for requirement in security or []], parameters, body_required,
                         body_content, responses)

    def _parameter(self, pointer: str, parameter: dict) -> Parameter:
        location = parameter["in"]
        if "content" in parameter or "schema" not in parameter:
            raise Uncovered(f"parameter {parameter['name']} declared by content")
        style = parameter.get("style", "simple" if location in ("path", "header") else "form")
        explode = parameter.get("explode", style == "form")
        if style not in ("form", "simple"):
            raise Uncovered(f"parameter style {style}")
        schema_pointer, schema = self.resolve(f"{pointer}/schema")
        return Parameter(parameter["name"], location, bool(parameter.get("required", False)), style, explode,
                         str(schema.get("type")), self._caster(schema_pointer, schema),
                         schema.get("default", NO_DEFAULT), bool(parameter.get("allowEmptyValue")),
                         self.validator(OAS30WriteValidator, f"{pointer}/schema"))

    def _caster(self, pointer: str, schema: dict, nested: bool = False) -> Callable[[Any], Any]:
        """openapi-core's casting of a parameter string to the schema's type (ValueError when it does not fit)."""
        kind = schema.get("type")
        if kind == "string":
            return str_value
        if kind == "integer":
            return int
        if kind == "number":
            return float
        if kind == "boolean":
            return to_bool
        if kind == "array" and not nested:
            items_pointer, items = self.resolve(f"{pointer}/items") if "items" in schema else (pointer, {})
            return ArrayCaster(self._caster(items_pointer, items, nested=True))
        if kind is None and not any(key in schema for key in ("allOf", "oneOf", "anyOf")):
            return str_value
        raise Uncovered(f"parameter schema of type {kind}")

    # ---------------------------------------------------------------------------------------- checks
    def request_violations(self, method: str, template: str, path_params: dict[str, str],
                           query: list[tuple[str, str]], headers: dict[str, str], body: bytes | None,
                           content_type: str) -> list[Violation]:
        operation = self.operation(method, template)
        if not path_params and "{" in template:
            raise Uncovered("no path parameters given: openapi-core would take them from the template itself")
        sources: dict[str, dict[str, list[str]]] = {"path": {k: [v] for k, v in path_params.items()},
                                                    "query": {}, "header": {}, "cookie": {}}
        for name, value in query:
            sources["query"].setdefault(name, []).append(value)
        for name, value in headers.items():
            sources["header"].setdefault(name.lower(), []).append(value)
        if not self._secured(operation.security, sources["header"], sources["query"]):
            return [Violation("request", "security", "Security not found. Schemes not valid for any requirement: "
                                                     f"{operation.security}")]
        found = []
        for parameter in operation.parameters:
            found.extend(self._parameter_violations(parameter, sources))
        if operation.body_content is not None:
            if not body:
                if operation.body_required:
                    found.append(Violation("request", "required-body", "Missing required request body", "body"))
            else:
                found.extend(self._body_violations("request", OAS30WriteValidator, operation.body_content, body,
                                                   content_type))
        return found

    def response_violations(self, method: str, template: str, status: int, body: bytes | None,
                            content_type: str) -> list[Violation]:
        operation = self.operation(method, template)
        code = str(status)
        pointer = next((operation.responses[key] for key in (code, f"{code[0]}XX", "default")
                        if key in operation.responses), None)
        if pointer is None:
            return [Violation("response", "status", f"Unknown response http status: {code}")]
        response = self.node(pointer)
        self._check_headers_covered(pointer, response)
        if "content" not in response:
            return []
        if not body:
            return [Violation("response", "required-body", "Missing response data", "body")]
        content = {name: f"{pointer}/content/{escape(name)}" for name in response["content"]}
        return self._body_violations("response", OAS30ReadValidator, content, body, content_type)

    def _check_headers_covered(self, pointer: str, response: dict) -> None:
        # The sandbox checks bodies, not response headers; openapi-core only reports a header that is missing and
        # required, or one whose default breaks its schema.
        for name in response.get("headers", {}):
            if name.lower() == "content-type":
                continue
            header = self.resolve(f"{pointer}/headers/{escape(name)}")[1]
            schema = self.resolve(f"{pointer}/headers/{escape(name)}/schema")[1] if "schema" in header else {}
            if header.get("required") or "default" in schema:
                raise Uncovered(f"response header {name}")

    def _secured(self, requirements: list[list[str]], headers: dict[str, list[str]],
                 query: dict[str, list[str]]) -> bool:
        if not requirements:
            return True
        schemes = self.document.get("components", {}).get("securitySchemes", {})
        return any(all(self._scheme_satisfied(schemes.get(name), headers, query) for name in names)
                   for names in requirements)

    @staticmethod
    def _scheme_satisfied(scheme: dict | None, headers: dict[str, list[str]], query: dict[str, list[str]]) -> bool:
        if scheme is None:  # a requirement naming an undeclared scheme: openapi-core lets it pass
            return True
        if scheme.get("type") == "http":
            values = headers.get("authorization")
            if not values or " " not in values[0]:
                return False
            return values[0].split(" ", 1)[0].lower() == scheme.get("scheme")
        if scheme.get("type") == "apiKey":
            source = {"header": headers, "query": query}.get(scheme.get("in"), {})
            name = scheme.get("name", "")
            return (name.lower() if scheme.get("in") == "header" else name) in source
        return True  # oauth2 / openIdConnect: openapi-core cannot check them and lets them pass

    def _parameter_violations(self, parameter: Parameter, sources: dict[str, dict[str, list[str]]]
                              ) -> list[Violation]:
        source = sources[parameter.location]
        key = parameter.name.lower() if parameter.location == "header" else parameter.name
        if key not in source:
            if parameter.default is not NO_DEFAULT:
                return schema_violations("request", parameter.name, parameter.validator.iter_errors(
                    parameter.default))
            if parameter.required:
                return [Violation("request", "required-parameter",
                                  f"Missing required {parameter.location} parameter: {parameter.name}",
                                  parameter.name)]
            return []
        raw = source[key]
        if parameter.style == "form" and parameter.explode and isinstance(parameter.cast, ArrayCaster):
            value: Any = list(raw)
        elif isinstance(parameter.cast, ArrayCaster):
            value = raw[0].split(",")
        else:
            value = raw[0]
        try:
            value = parameter.cast(value)
        except (ValueError, TypeError):
            return [Violation("request", "CastError", f"Failed to cast value to {parameter.kind} type: {value}",
                              parameter.name)]
        if parameter.location == "query" and value == "" and not parameter.allow_empty:
            return [Violation("request", "EmptyQueryParameterValue",
                              f"Value of {parameter.name} query parameter cannot be empty", parameter.name)]
        return schema_violations("request", parameter.name, parameter.validator.iter_errors(value))

    def _body_violations(self, where: str, cls: type, content: dict[str, str], body: bytes,
                         content_type: str) -> list[Violation]:
        parts = content_type.split(";")
        mime_type = parts[0].lower().rstrip()
        if any(part.count("=") != 1 for part in parts[1:]):
            raise Uncovered(f"content type parameters of {content_type!r}")
        key = next((m for m in (content_type, mime_type) if m in content), None)
        parsed_as = mime_type
        if key is None and mime_type:
            key = parsed_as = next((name for name in content if fnmatch.fnmatch(mime_type, name)), None)
        if key is None:
            return [Violation(where, "content-type", f"Content for the following mimetype not found: "
                                                     f"{content_type}. Valid mimetypes: {list(content)}", "body")]
        if parsed_as not in JSON_MEDIA_TYPES:
            raise Uncovered(f"{parsed_as} body")
        try:
            value = json.loads(body)
        except (ValueError, TypeError):
            return [Violation(where, "MediaTypeDeserializeError",
                              f"Failed to deserialize value with {parsed_as} mimetype", "body")]
        if "schema" not in self.node(content[key]):
            return []
        return schema_violations(where, "body", self.validator(cls, f"{content[key]}/schema").iter_errors(value))


def str_value(value: Any) -> Any:
    return value


def to_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise ValueError(f"invalid truth value {value!r}")


class ArrayCaster:
    """Casts each item of a split or repeated parameter; a bare string is not an array (openapi-core)."""

    def __init__(self, item: Callable[[Any], Any]):
        self.item = item

    def __call__(self, value: Iterable[Any]) -> list[Any]:
        if isinstance(value, (str, bytes)):
            raise ValueError("not an array format")
        return [self.item(v) for v in value]

    def __str__(self) -> str:
        return "array"
