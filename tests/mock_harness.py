"""Run the real program (`__main__.py`) for any stack file under Pulumi's mocks and record the graph.

What the Pulumi CLI would do before starting the program is emulated here: the stack file's
config is merged with Pulumi.yaml's declared defaults, converted to the strings a program
receives (objects as JSON text), and `secure:` values are handed over as secrets (a stable
placeholder stands in for the ciphertext; pass `overrides` to choose the value). The program then
runs exactly as the language host runs it (`runpy` on the project directory inside
`run_in_stack`), against a monitor that records every registration:

    run = run_program("production")
    api = run.one("pulumi-python:dynamic/render:Service", "api")
    assert api.protect is None and api.parent == run.stack_urn

A bad config makes the program raise; `run_program(..., allow_error=True)` returns the run with
`error` set instead of raising. The root `pulumi:pulumi:Stack` is not in `resources`: the
runtime registers it before the program starts, even when the program then fails.
"""
from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
import pickle
import runpy
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

import yaml
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.settings import Settings, configure
from pulumi.runtime.stack import run_in_stack

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class Secret:
    """Marks an override value as a secret, as `pulumi config set --secret` would store it."""

    value: Any


# ---------------------------------------------------------------------------------------------
# Config: what the CLI hands the program
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StackConfigFile:
    project: str
    stack: str
    values: dict[str, str]  # full key -> the string the program receives
    secret_keys: frozenset[str]


def secret_placeholder(key: str, ciphertext: str) -> str:
    """Stable stand-in for a `secure:` value: long enough for length checks, never a real secret."""
    return f"mock-secret-{hashlib.sha256(f'{key}:{ciphertext}'.encode()).hexdigest()[:20]}"


def _as_config_string(value: Any) -> str:
    # Config values reach a program as strings; objects and lists as JSON (like the CLI does).
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _strip_secure(key: str, value: Any) -> tuple[Any, bool]:
    """Replace `{secure: ...}` (at any depth) with placeholders; report whether any was found."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return secret_placeholder(key, str(value["secure"])), True
    if isinstance(value, dict):
        found = False
        out = {}
        for k, v in value.items():
            out[k], inner = _strip_secure(key, v)
            found = found or inner
        return out, found
    if isinstance(value, list):
        pairs = [_strip_secure(key, v) for v in value]
        return [v for v, _ in pairs], any(s for _, s in pairs)
    return value, False


def read_stack_config(stack: str, *, root: Path = PROJECT_ROOT, overrides: Optional[Mapping[str, Any]] = None,
                      remove: Iterable[str] = (), stack_file: Optional[Path] = None) -> StackConfigFile:
    """Config of `Pulumi.<stack>.yaml` (or `stack_file`) as the program would receive it.

    `remove` drops keys from the stack file before defaults apply (as if the line were deleted);
    `overrides` sets full keys afterwards (wrap a value in `Secret` to store it encrypted).
    """
    project_doc = yaml.safe_load((root / "Pulumi.yaml").read_text())
    project = project_doc["name"]
    path = stack_file or root / f"Pulumi.{stack}.yaml"
    stack_doc = yaml.safe_load(path.read_text()) or {}
    stack_config: dict[str, Any] = dict(stack_doc.get("config") or {})
    for key in remove:
        stack_config.pop(key, None)

    values: dict[str, str] = {}
    secret: set[str] = set()
    for key, raw in stack_config.items():
        if ":" not in key:
            raise ValueError(f"{path.name}: config key '{key}' has no namespace (the CLI rejects it)")
        plain, is_secret = _strip_secure(key, raw)
        values[key] = _as_config_string(plain)
        if is_secret:
            secret.add(key)
    for name, declaration in (project_doc.get("config") or {}).items():
        key = name if ":" in name else f"{project}:{name}"
        if key in values:
            continue
        if isinstance(declaration, dict):
            if "default" in declaration:
                values[key] = _as_config_string(declaration["default"])
            elif "value" in declaration:
                values[key] = _as_config_string(declaration["value"])
        else:  # shorthand `key: value` is a default
            values[key] = _as_config_string(declaration)
    for key, value in (overrides or {}).items():
        is_secret = isinstance(value, Secret)
        values[key] = _as_config_string(value.value if is_secret else value)
        secret.discard(key)
        if is_secret:
            secret.add(key)
    return StackConfigFile(project=project, stack=stack, values=values, secret_keys=frozenset(secret))


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisteredResource:
    type: str
    name: str
    urn: str
    id: Optional[str]
    custom: bool
    parent: Optional[str]  # URN of the parent (the stack's URN for top-level resources)
    provider: Optional[str]
    inputs: dict[str, Any]  # secrets unwrapped; see secret_paths
    secret_paths: frozenset[str]  # dotted paths into inputs that were secret ("envVars[0].value")
    outputs: dict[str, Any]  # what the mock returned as the resource's state
    protect: Optional[bool]
    retain_on_delete: Optional[bool]
    delete_before_replace: bool
    depends_on: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    additional_secret_outputs: tuple[str, ...]
    ignore_changes: tuple[str, ...]
    replace_on_changes: tuple[str, ...]
    aliases: tuple[str, ...]
    deleted_with: Optional[str]
    import_id: Optional[str]
    version: Optional[str]
    custom_timeouts: Optional[dict[str, str]]
    read: bool = False  # registered through a read (`Resource.get`, StackReference)

    def is_secret(self, path: str) -> bool:
        """Whether `path` (or a value containing it) was passed as a secret."""
        return any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in self.secret_paths)


@dataclass(frozen=True)
class Invoke:
    token: str
    args: dict[str, Any]


@dataclass
class ProgramRun:
    stack: str
    project: str
    config: StackConfigFile
    stack_urn: Optional[str]
    resources: list[RegisteredResource]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    invokes: list[Invoke]
    logs: list[tuple[str, str]]  # (level, message) sent through pulumi.log
    error: Optional[BaseException] = None

    def of_type(self, type_: str) -> list[RegisteredResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: Optional[str] = None) -> RegisteredResource:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one {type_} {name or ''}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> RegisteredResource:
        return next(r for r in self.resources if r.urn == urn)

    def children_of(self, parent: RegisteredResource | str) -> list[RegisteredResource]:
        urn = parent if isinstance(parent, str) else parent.urn
        return [r for r in self.resources if r.parent == urn]

    @property
    def urns(self) -> list[str]:
        return sorted(r.urn for r in self.resources)


def _unwrap(value: Any, path: str, secrets: set[str]) -> Any:
    if rpc.is_rpc_secret(value):
        secrets.add(path)
        return _unwrap(rpc.unwrap_rpc_secret(value), path, secrets)
    if isinstance(value, dict):
        return {k: _unwrap(v, f"{path}.{k}" if path else k, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    return value


def _optional_bool(request: Any, name: str) -> Optional[bool]:
    try:
        return getattr(request, name) if request.HasField(name) else None
    except ValueError:  # not an `optional` field in this proto version: plain default
        return getattr(request, name) or None


class _Mocks(Mocks):
    def __init__(self, resource_outputs: Optional[Callable[[MockResourceArgs], Optional[dict]]],
                 stack_references: Mapping[str, Mapping[str, Any]], invokes: list[Invoke],
                 invoke_results: Optional[Mapping[str, Any]] = None) -> None:
        self._resource_outputs = resource_outputs
        self._stack_references = stack_references
        self._invokes = invokes
        self._invoke_results = invoke_results or {}

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict]:
        if args.typ == STACK_REFERENCE_TYPE:
            name = args.inputs.get("name", args.name)
            return name, {"name": name, "outputs": dict(self._stack_references.get(name, {})),
                          "secretOutputNames": []}
        state = dict(args.inputs)
        if self._resource_outputs is not None:
            state.update(self._resource_outputs(args) or {})
        return args.resource_id or f"{args.name}-id", state

    def call(self, args: MockCallArgs) -> tuple[dict, Optional[list]]:
        """Answer an invoke (provider lookup) from the table: token -> result or callable(args)."""
        self._invokes.append(Invoke(args.token, dict(args.args)))
        result = self._invoke_results.get(args.token, {})
        # An empty failure list, not None: pulumi's MockMonitor iterates it.
        return (result(dict(args.args)) if callable(result) else dict(result)), []


class _RecordingMonitor(MockMonitor):
    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self._lock = threading.Lock()
        self.recorded: list[RegisteredResource] = []
        self.stack_urn: Optional[str] = None
        self.stack_outputs: dict[str, Any] = {}
        self.stack_secret_outputs: set[str] = set()

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
            return response
        secrets: set[str] = set()
        inputs = _unwrap(rpc.deserialize_properties(request.object, keep_unknowns=True), "", secrets)
        state = self.resources[response.urn].state
        timeouts = request.customTimeouts
        record = RegisteredResource(
            type=request.type, name=request.name, urn=response.urn, id=response.id or None, custom=request.custom,
            parent=request.parent or None, provider=request.provider or None, inputs=inputs,
            secret_paths=frozenset(secrets), outputs=_unwrap(state, "", set()),
            protect=_optional_bool(request, "protect"), retain_on_delete=_optional_bool(request, "retainOnDelete"),
            delete_before_replace=request.deleteBeforeReplace, depends_on=tuple(request.dependencies),
            property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            ignore_changes=tuple(request.ignoreChanges), replace_on_changes=tuple(request.replaceOnChanges),
            aliases=tuple(str(a) for a in request.aliasURNs) + tuple(str(a).strip() for a in request.aliases),
            deleted_with=request.deletedWith or None, import_id=request.importId or None,
            version=request.version or None,
            custom_timeouts=({"create": timeouts.create, "update": timeouts.update, "delete": timeouts.delete}
                             if request.HasField("customTimeouts") else None),
        )
        with self._lock:
            self.recorded.append(record)
        return response

    def ReadResource(self, request):
        response = super().ReadResource(request)
        state = self.resources[response.urn].state
        secrets: set[str] = set()
        record = RegisteredResource(
            type=request.type, name=request.name, urn=response.urn, id=request.id, custom=True,
            parent=request.parent or None, provider=request.provider or None,
            inputs=_unwrap(rpc.deserialize_properties(request.properties, keep_unknowns=True), "", secrets),
            secret_paths=frozenset(secrets), outputs=_unwrap(state, "", set()), protect=None,
            retain_on_delete=None, delete_before_replace=False, depends_on=tuple(request.dependencies),
            property_dependencies={}, additional_secret_outputs=tuple(request.additionalSecretOutputs),
            ignore_changes=(), replace_on_changes=(), aliases=(), deleted_with=None, import_id=None,
            version=request.version or None, custom_timeouts=None, read=True,
        )
        with self._lock:
            self.recorded.append(record)
        return response

    def RegisterResourceOutputs(self, request):
        if request.urn == self.stack_urn:
            secrets: set[str] = set()
            self.stack_outputs = _unwrap(rpc.deserialize_properties(request.outputs, keep_unknowns=True), "",
                                         secrets)
            self.stack_secret_outputs = {path.split(".")[0].split("[")[0] for path in secrets}
        return super().RegisterResourceOutputs(request)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname.lower(), record.getMessage()))


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------

def run_program(stack: str = "local", *, root: Path = PROJECT_ROOT, overrides: Optional[Mapping[str, Any]] = None,
                remove: Iterable[str] = (), stack_file: Optional[Path] = None, preview: bool = False,
                resource_outputs: Optional[Callable[[MockResourceArgs], Optional[dict]]] = None,
                stack_references: Optional[Mapping[str, Mapping[str, Any]]] = None,
                invoke_results: Optional[Mapping[str, Any]] = None,
                allow_error: bool = False) -> ProgramRun:
    """Run `<root>/__main__.py` for `stack` under mocks and return everything it registered.

    resource_outputs(args) may return extra output properties for a resource (provider-computed
    fields such as ids or URLs); stack_references maps a stack name to the outputs a
    `StackReference` to it reads; invoke_results maps an invoke token (e.g.
    `github:index/getTeam:getTeam`) to its result or to a callable of the invoke's args.
    """
    config = read_stack_config(stack, root=root, overrides=overrides, remove=remove, stack_file=stack_file)
    invokes: list[Invoke] = []
    monitor = _RecordingMonitor(_Mocks(resource_outputs, stack_references or {}, invokes, invoke_results))
    handler = _ListHandler()
    logger = logging.getLogger(f"mock_harness.{id(monitor)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)

    # A fresh context per run: Pulumi keeps the root stack, settings and config in context
    # variables, so nothing leaks from one run (or test) into the next.
    error = contextvars.Context().run(_run, config, root, monitor, logger, preview)
    logger.removeHandler(handler)

    run = ProgramRun(
        stack=stack, project=config.project, config=config, stack_urn=monitor.stack_urn,
        resources=list(monitor.recorded), outputs=monitor.stack_outputs,
        secret_outputs=frozenset(monitor.stack_secret_outputs), invokes=invokes, logs=handler.records, error=error,
    )
    if error is not None and not allow_error:
        raise error
    return run


def _run(config: StackConfigFile, root: Path, monitor: _RecordingMonitor, logger: logging.Logger,
         preview: bool) -> Optional[BaseException]:
    settings = Settings(project=config.project, stack=config.stack, monitor=monitor, engine=MockEngine(logger),
                        dry_run=preview, organization="organization", root_directory=str(root))
    configure(settings)
    set_all_config(dict(config.values), sorted(config.secret_keys))
    # As pulumi-language-python-exec does: run the project directory (its __main__.py, with the
    # directory on sys.path) inside a new root stack, then wait for every outstanding RPC.
    return run_in_fresh_loop(lambda: runpy.run_path(str(root), run_name="__main__"))


def run_in_fresh_loop(program: Callable[[], Any]) -> Optional[BaseException]:
    """Run `program` inside a new root stack on a fresh event loop; return its error, if any.

    The caller's loop (pytest's, or one asyncio makes on demand) is put back afterwards, and what
    pulumi.dynamic leaves in `pickle` is undone (see unwrap_pickler).
    """
    try:
        previous = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        previous = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(program))
        return None
    except BaseException as exc:  # noqa: BLE001 - handed back to the caller as the run's error
        # A failed registration leaves sibling futures holding the same error; without this,
        # asyncio prints each one as "never retrieved" when they are collected.
        loop.set_exception_handler(lambda _loop, _context: None)
        return exc
    finally:
        loop.close()
        asyncio.set_event_loop(previous)
        unwrap_pickler()


def unwrap_pickler() -> None:
    """Undo what pulumi.dynamic leaves behind in `pickle` after serializing providers.

    `pulumi.dynamic.dynamic.serialize_provider` (SDK 3.272.0) wraps `pickle._Pickler._batch_setitems`
    in a sorting wrapper on every call and never restores it. A real program runs once per process;
    a test process runs the program hundreds of times, and the nested wrappers end in a
    RecursionError while pickling the next provider. The wrappers keep the wrapped function in
    their closure, so the original is recovered by unwrapping.
    """
    function = pickle._Pickler._batch_setitems
    while function.__name__.startswith("batch_set_items_sorted") and function.__closure__:
        function = next(cell.cell_contents for cell in function.__closure__ if callable(cell.cell_contents))
    pickle._Pickler._batch_setitems = function
