"""Command line: ``python -m tools.sandbox`` serves both emulators; the other commands drive a running sandbox.

    python -m tools.sandbox [serve] [--render-port 18081] [--supabase-port 18082] [--state FILE] ...
    python -m tools.sandbox fault add|list|clear ...      edit --server render services srv-... key=value [--unset key]
    python -m tools.sandbox journal|state|settings|reset [--server render] ...
    python -m tools.sandbox traffic srv-...|NAME             # the URL serving a Render web service's traffic
    python -m tools.sandbox stop-databases --state FILE    # after a SIGKILL of the sandbox: stop its Postgres servers

The control commands send the token from $SANDBOX_DIR/control-token (--control-token-file FILE before the command)
or $SANDBOX_CONTROL_TOKEN. Each command's options and the token file: tools/sandbox/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from . import control_token
from .client import ControlError, SandboxControl
from .faults import DEPLOY_FAILURES, KINDS
from .runner import DEFAULT_RENDER_PORT, DEFAULT_SUPABASE_PORT, TRAFFIC_PORT_OFFSET

SERVERS = ("render", "supabase")


def _port(env: str, default: int) -> int:
    value = os.environ.get(env, "").strip()
    if not value:  # unset or empty (make exports its unset variables empty): the default
        return default
    if not value.isdigit() or int(value) > 65535:
        raise SystemExit(f"sandbox: {env}={value!r} is not a port number (0-65535; 0 = any free port)")
    return int(value)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # plain strings need no JSON quotes on the command line


def _assignments(items: list[str]) -> dict[str, Any]:
    out = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"expected key=value, got {item!r}")
        key, value = item.split("=", 1)
        out[key] = _value(value)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.sandbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--render-port", type=int, default=_port("SANDBOX_RENDER_PORT", DEFAULT_RENDER_PORT))
    parser.add_argument("--supabase-port", type=int,
                        default=_port("SANDBOX_SUPABASE_PORT", DEFAULT_SUPABASE_PORT))
    parser.add_argument("--traffic-port", type=int, default=None,
                        help="the Render traffic gateway's port (default: $SANDBOX_TRAFFIC_PORT, else the Render "
                             f"port + {TRAFFIC_PORT_OFFSET}, so 18083; 0 = any free port)")
    parser.add_argument("--control-token-file", type=Path,
                        help="serving: where to write the control token (default: beside --state); control "
                             "commands: where to read it (default: $SANDBOX_DIR/control-token)")
    parser.add_argument("--control-token", default=os.environ.get(control_token.ENV) or None,
                        help=f"the control token itself, for tests (default: ${control_token.ENV}; serving: a new "
                             f"random one). Prefer the variable: a flag is visible to every user in `ps`")
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="run both emulators until interrupted (the default)")
    _serve_options(serve)

    def with_server(sub: argparse.ArgumentParser, required: bool = False) -> None:
        sub.add_argument("--server", choices=SERVERS, required=required,
                         help="which emulator (default: both where that makes sense)")

    fault = commands.add_parser("fault", help="inject, list or clear faults")
    fault_commands = fault.add_subparsers(dest="fault_command", required=True)
    add = fault_commands.add_parser("add")
    with_server(add, required=True)
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--method", help="HTTP method to match (default: any)")
    add.add_argument("--path", help="path pattern incl. base, e.g. /v1/services/{id}; * matches anything")
    add.add_argument("--count", type=int, default=1, help="apply to the next N matching requests (0: unlimited)")
    add.add_argument("--status", type=int, default=503, help="status for --kind error")
    add.add_argument("--retry-after", type=int, default=1, help="seconds, for --kind rate_limit")
    add.add_argument("--delay", type=float, default=5.0, help="seconds, for --kind slow")
    add.add_argument("--deploy-status", default="build_failed", choices=DEPLOY_FAILURES,
                     help="how the deploy ends, for --kind deploy_fail")
    for name in ("list", "clear"):
        with_server(fault_commands.add_parser(name))

    edit = commands.add_parser("edit", help="out-of-band edit of a stored object (a dashboard change)")
    with_server(edit, required=True)
    edit.add_argument("collection")
    edit.add_argument("id")
    edit.add_argument("assignments", nargs="*", help="dotted.path=value (value parsed as JSON if it can be)")
    edit.add_argument("--unset", action="append", default=[], help="dotted path to remove")

    journal = commands.add_parser("journal", help="print (or clear) the request journal as JSON lines")
    with_server(journal)
    journal.add_argument("--clear", action="store_true")

    state = commands.add_parser("state", help="print stored objects")
    with_server(state, required=True)
    state.add_argument("collection", nargs="?")
    state.add_argument("id", nargs="?")

    settings = commands.add_parser("settings", help="show or change timing settings")
    with_server(settings, required=True)
    settings.add_argument("assignments", nargs="*")

    traffic = commands.add_parser("traffic", help="where a Render web service's traffic is served, and its "
                                                  "instances (opens its port)")
    traffic.add_argument("service_id", help="srv-..., or the service's name (e.g. procurement-local-api)")

    reset = commands.add_parser("reset", help="forget all objects, the journal and the faults")
    with_server(reset)

    leftovers = commands.add_parser("stop-databases",
                                    help="stop the project Postgres servers a killed sandbox left running")
    leftovers.add_argument("--state", required=True, help="the state file the sandbox ran with")
    _serve_options(parser, top_level=True)
    return parser


# The repeatable flags keyed by a glob on the image ref: (flag, metavar, what it does). All but the first set what a
# web service's instance of a matching image does (tools/sandbox/render/traffic.py).
IMAGE_FLAGS = (
    ("--unpullable-image", "PATTERN", "Render deploys of image refs matching this glob fail with update_failed"),
    ("--unhealthy-image", "PATTERN", "instances of matching images answer 503 on every path, so a deploy with a "
                                     "health check fails and the old instance keeps serving"),
    ("--slow-image", "PATTERN=SECONDS", "instances of matching images answer 503 for SECONDS after they boot"),
    ("--error-path-image", "PATTERN=PATH", "instances of matching images answer 500 on paths matching the PATH glob"),
    ("--slow-path-image", "PATTERN=PATH=SECONDS", "instances of matching images take SECONDS to answer paths "
                                                  "matching the PATH glob (a drain shorter than that cuts them)"),
    ("--failing-after-image", "PATTERN=SECONDS", "instances of matching images answer 500 on every path once they "
                                                 "have taken traffic for SECONDS (0: their health check fails)"),
    ("--failing-after-requests-image", "PATTERN=COUNT", "instances of matching images answer 500 on every path "
                                                        "once they have answered COUNT requests (health checks not "
                                                        "counted)"),
)


def _serve_options(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    # `python -m tools.sandbox --state x` (no subcommand) serves too, so the serve options also live at top level.
    suppress = {"default": argparse.SUPPRESS} if not top_level else {}
    parser.add_argument("--render-token", default=os.environ.get("SANDBOX_RENDER_TOKEN", "rnd_sandbox_local_token")
                        if top_level else argparse.SUPPRESS)
    parser.add_argument("--supabase-token", default=os.environ.get("SANDBOX_SUPABASE_TOKEN", "sbp_sandbox_local_token")
                        if top_level else argparse.SUPPRESS)
    parser.add_argument("--state", help="persist state to this JSON file (and project databases beside it)",
                        **suppress)
    parser.add_argument("--deploy-delay", type=float, help="seconds until a Render deploy is live (default 2)",
                        **suppress)
    parser.add_argument("--project-ready-delay", type=float,
                        help="seconds until a Supabase project is ACTIVE_HEALTHY (default 3)", **suppress)
    parser.add_argument("--no-postgres", action="store_true", help="run without Postgres databases", **suppress)
    parser.add_argument("--ready-file", type=Path,
                        help="once listening, write this JSON file (pid and URLs, atomically: tools/scripts/sandbox.sh "
                             "reads it); removed when the sandbox stops", **suppress)
    parser.add_argument("--rate-limit-time-scale", type=float,
                        help="multiply Render's rate-limit windows (default 1: as recorded; 0.01 turns the hourly "
                             "service-create window into 36 s)", **suppress)
    parser.add_argument("--overlapping-deploys", choices=("wait", "override"),
                        help="Render deploy requested while another runs: wait (queued, 202; default) or override "
                             "(the running one is canceled, 201)", **suppress)
    parser.add_argument("--rate-limit-capacity-scale", type=float,
                        help="multiply Render's rate limits (default 1: as recorded)", **suppress)
    for flag, metavar, what in IMAGE_FLAGS:
        parser.add_argument(flag, action="append", metavar=metavar, help=f"{what} (repeatable)", **suppress)
    parser.add_argument("--health-check-timeout", type=float, metavar="SECONDS",
                        help="how long a failing health check holds a deploy before it ends update_failed "
                             "(default 900: Render's 15 minutes)", **suppress)


def serve(args: argparse.Namespace) -> int:
    from .postgres import PostgresUnavailable
    from .runner import Sandbox, SandboxStartError
    from .supabase.pooler import PoolerUnavailable

    render_settings = _render_settings(args)  # before anything is made: a bad flag is one line, nothing left
    token_file, private = _token_file(args)
    try:
        sandbox = Sandbox(render_port=args.render_port, supabase_port=args.supabase_port,
                          traffic_port=traffic_port(args),
                          render_token=args.render_token, supabase_token=args.supabase_token,
                          state_file=args.state, deploy_delay=args.deploy_delay,
                          project_ready_delay=args.project_ready_delay, postgres=not args.no_postgres,
                          rate_limit_time_scale=args.rate_limit_time_scale,
                          rate_limit_capacity_scale=args.rate_limit_capacity_scale,
                          render_settings=render_settings,
                          control_token=args.control_token, control_token_file=token_file)
    except (FileNotFoundError, ValueError) as error:  # the specs are missing (../shared), or a flag's value is bad
        print(f"sandbox: {error}", file=sys.stderr, flush=True)
        _remove_private(private)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        sandbox.start()
    except (SandboxStartError, PostgresUnavailable, PoolerUnavailable) as error:
        # Expected failures (a port taken, no Postgres or pgbouncer) are one line for the user, never a traceback.
        print(f"sandbox: {error}", file=sys.stderr, flush=True)
        _remove_private(private)
        return 2
    # The token file's path, never the token: this line goes to the sandbox's log.
    urls = {"render": sandbox.render.base_url, "supabase": sandbox.supabase.base_url,
            "render_traffic_gateway": sandbox.traffic_gateway_url, "render_owner_id": sandbox.render.owner_id,
            "supabase_organization_slug": sandbox.supabase.organization_slug,
            "control_token_file": str(sandbox.control_token_file)}
    print(json.dumps(urls), flush=True)
    ready = args.ready_file
    if ready is not None:
        write_ready_file(ready, urls)
    try:
        stop.wait()
    finally:
        if ready is not None:
            remove_ready_file(ready)  # first: nobody should start using a sandbox that is stopping
        sandbox.stop()
        _remove_private(private)
    return 0


def _pairs(items: list[str] | None, flag: str) -> list[tuple[str, str]]:
    out = []
    for item in items or ():
        pattern, sep, value = item.rpartition("=")
        if not sep or not pattern or not value:
            raise SystemExit(f"sandbox: {flag} takes PATTERN=VALUE, got {item!r}")
        out.append((pattern, value))
    return out


def traffic_port(args: argparse.Namespace) -> int:
    """The gateway's port: the flag, else $SANDBOX_TRAFFIC_PORT, else beside the Render port (0: any free one), so
    a sandbox moved to other ports (a second checkout, a test) never reaches for the first one's gateway port."""
    if args.traffic_port is not None:
        return args.traffic_port
    if os.environ.get("SANDBOX_TRAFFIC_PORT", "").strip():
        return _port("SANDBOX_TRAFFIC_PORT", 0)
    beside = args.render_port + TRAFFIC_PORT_OFFSET
    return beside if args.render_port and beside <= 65535 else 0


def _count(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _seconds_by_pattern(items: list[str] | None, flag: str) -> dict[str, float]:
    return _numbers_by_pattern(items, flag, float, "SECONDS must be a number")


def _numbers_by_pattern(items: list[str] | None, flag: str, parse, rule: str) -> dict[str, Any]:
    """``PATTERN=NUMBER`` flags as {pattern: number}; a value ``parse`` refuses is one line naming ``rule``."""
    out = {}
    for pattern, number in _pairs(items, flag):
        try:
            out[pattern] = parse(number)
        except ValueError:
            raise SystemExit(f"sandbox: {flag} {pattern}={number}: {rule}") from None
    return out


def _render_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The Render settings the serve flags ask for (unset flags: the emulator's defaults)."""
    slow = _seconds_by_pattern(args.slow_image, "--slow-image")
    failing_after = _seconds_by_pattern(args.failing_after_image, "--failing-after-image")
    failing_after_requests = _numbers_by_pattern(args.failing_after_requests_image, "--failing-after-requests-image",
                                                 _count, "COUNT must be a whole number")
    error_paths: dict[str, list[str]] = {}
    for pattern, path in _pairs(args.error_path_image, "--error-path-image"):
        error_paths.setdefault(pattern, []).append(path)
    slow_paths: dict[str, dict[str, float]] = {}
    for pattern_path, seconds in _pairs(args.slow_path_image, "--slow-path-image"):
        pattern, _, path = pattern_path.partition("=")
        try:
            slow_paths.setdefault(pattern, {})[path] = float(seconds)
        except ValueError:
            raise SystemExit(f"sandbox: --slow-path-image {pattern_path}={seconds}: SECONDS must be a number") from None
        if not path:
            raise SystemExit(f"sandbox: --slow-path-image takes PATTERN=PATH=SECONDS, got {pattern_path}={seconds}")
    chosen = {"overlapping_deploys": args.overlapping_deploys, "unpullable_images": args.unpullable_image,
              "unhealthy_images": args.unhealthy_image, "slow_images": slow, "error_path_images": error_paths,
              "slow_path_images": slow_paths, "failing_after_images": failing_after,
              "failing_after_requests_images": failing_after_requests, "health_check_timeout": args.health_check_timeout}
    return {key: value for key, value in chosen.items() if value}


def write_ready_file(path: Path, urls: dict[str, Any]) -> None:
    """Publish this process's pid and its URLs together, in one rename: a reader sees both or neither."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"pid": os.getpid(), **urls}) + "\n")
    os.replace(temporary, path)


def remove_ready_file(path: Path) -> None:
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():  # a newer sandbox's file stays
            path.unlink()
    except (OSError, ValueError):
        pass


def _token_file(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """Where ``serve`` writes the control token, and the private directory it made for it (None: none).

    Beside --state, as ``make sandbox`` finds it; a sandbox without state gets a fresh private directory rather
    than $SANDBOX_DIR's file, which would take the token from the checkout's running sandbox."""
    if args.control_token_file is not None:
        return args.control_token_file, None
    if args.state:
        return None, None  # the Sandbox's default: beside the state file
    private = Path(tempfile.mkdtemp(prefix="sandbox-control-"))
    return private / control_token.FILE_NAME, private


def _remove_private(directory: Path | None) -> None:
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def _controls(args: argparse.Namespace, server: str | None) -> list[tuple[str, SandboxControl]]:
    ports = {"render": args.render_port, "supabase": args.supabase_port}
    names = [server] if server else list(SERVERS)
    return [(name, SandboxControl(f"http://127.0.0.1:{ports[name]}", args.control_token, args.control_token_file))
            for name in names]


def control(args: argparse.Namespace) -> int:
    out: Any = None
    if args.command == "fault" and args.fault_command == "add":
        (_, ctl), = _controls(args, args.server)
        out = ctl.add_fault(args.kind, method=args.method, path=args.path, count=args.count or None,
                            status=args.status, retry_after=args.retry_after, delay=args.delay,
                            **({"deploy_status": args.deploy_status} if args.kind == "deploy_fail" else {}))
    elif args.command == "fault":
        out = {name: ctl.faults() if args.fault_command == "list" else ctl.clear_faults()
               for name, ctl in _controls(args, args.server)}
    elif args.command == "edit":
        (_, ctl), = _controls(args, args.server)
        out = ctl.edit(args.collection, args.id, _assignments(args.assignments), args.unset)
    elif args.command == "journal":
        for name, ctl in _controls(args, args.server):
            if args.clear:
                ctl.clear_journal()
            else:
                for entry in ctl.journal():
                    print(json.dumps(entry))
        return 0
    elif args.command == "state":
        (_, ctl), = _controls(args, args.server)
        out = ctl.state(args.collection, args.id)
    elif args.command == "settings":
        (_, ctl), = _controls(args, args.server)
        out = ctl.settings(**_assignments(args.assignments))
    elif args.command == "traffic":
        (_, ctl), = _controls(args, "render")
        out = ctl.traffic(ctl.service_id(args.service_id))
    elif args.command == "reset":
        for _, ctl in _controls(args, args.server):
            ctl.reset()
        return 0
    if out is not None:
        print(json.dumps(out, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "serve"):
        return serve(args)
    if args.command == "stop-databases":
        from .data_dirs import stop_leftover_servers

        for data_dir in stop_leftover_servers(args.state):
            print(f"stopped the Postgres server in {data_dir}")
        return 0
    try:
        return control(args)
    except (ControlError, OSError) as error:
        print(f"sandbox control failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
