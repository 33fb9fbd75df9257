"""Render's providers never build URLs: every path and decoder is in ``client.py`` (as Supabase's ``api.py``)."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import dynamic_providers.render as render_package
from dynamic_providers.render.client import RenderApi
from dynamic_providers.render.services import Service, ServiceProvider

PACKAGE = Path(render_package.__file__).parent
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "request"}


def _looks_like_a_path(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value[:1] == "/" \
        and node.value[1:2].isalpha()


def _http_calls_and_paths(source: str) -> list[str]:
    """Transport calls (``api.get(...)``) and strings or f-strings that start like an API path (``"/services"``);
    an id suffix inside an f-string (``f"{owner}/log-stream"``) is no path."""
    tree = ast.parse(source)
    inside_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values[1:]}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HTTP_METHODS \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "api":
            found.append(f"line {node.lineno}: api.{node.func.attr}(...)")
        if _looks_like_a_path(node) and id(node) not in inside_fstrings:
            found.append(f"line {node.lineno}: path {node.value!r}")
    return found


def test_no_provider_module_calls_the_transport_or_holds_a_path():
    offenders = {}
    for module in sorted(PACKAGE.glob("*.py")):
        if module.name in ("client.py", "api.py"):
            continue
        found = _http_calls_and_paths(module.read_text())
        if found:
            offenders[module.name] = found
    assert offenders == {}


def test_the_check_sees_a_path_built_inline():
    assert len(_http_calls_and_paths('api.get(f"/services/{sid}")')) == 2  # the check above can fail
    assert _http_calls_and_paths('x = "/env-groups"') and not _http_calls_and_paths('x = f"{owner}/log-stream"')


class Recorder:
    """A transport stand-in recording (method, path); every answer is empty."""

    api_name = "Render"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, method):
        def call(path, *args, **kwargs):
            self.calls.append((method.upper(), path))
            return None
        return call


def test_segments_are_percent_encoded():
    transport = Recorder()
    client = RenderApi(transport)
    client.put_service_entry("srv-1", "env-vars", "A B/C", {"value": "v"})
    client.get_custom_domain("srv-1", "www.example.com")
    assert transport.calls == [("PUT", "/services/srv-1/env-vars/A%20B%2FC"),
                               ("GET", "/services/srv-1/custom-domains/www.example.com")]


def test_service_takes_every_provider_input_as_an_explicit_keyword():
    params = set(inspect.signature(Service.__init__).parameters) - {"self", "resource_name", "opts", "unknown"}
    assert params == set(ServiceProvider.all_fields()) - {"revision"}
