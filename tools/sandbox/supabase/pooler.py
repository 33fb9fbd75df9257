"""The pooler in front of every project's database: a Supavisor-shaped front door with PgBouncer behind it.

``PoolerProxy``: one TCP server for all projects, routing by the user name's ``.<ref>`` and rewriting it to the
bare role, TLS with the sandbox CA; ``ProjectBouncer``: Debian's ``pgbouncer`` per project in its pool mode,
SCRAM pass-through, so a role's own password works and nothing else. How closely that follows Supavisor, and
what it does not do: tools/sandbox/README.md, "What is emulated" (Pooler) and "Fidelity: Supabase".
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from . import SupabaseServer

log = logging.getLogger("tools.sandbox.supabase.pooler")

PGBOUNCER = "/usr/sbin/pgbouncer"
DEFAULT_POOL_SIZE = 15  # Supavisor's default for the smallest compute sizes ("default_pool_size": null recorded)
MAX_CLIENT_CONN = 200  # the Micro compute size's pooler connections (billing add-ons catalog)
SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST, PROTOCOL_3 = 80877103, 80877104, 80877102, 196608
TENANT_NOT_FOUND = "Tenant or user not found"  # Supavisor's answer to a user without a known project ref
SSL_REQUIRED = "SSL connection is required"  # Supavisor's answer to a plain-text client of an SSL-enforcing project


class PoolerUnavailable(RuntimeError):
    pass


def ensure_pgbouncer() -> str:
    """The pgbouncer binary, installing Debian's ``pgbouncer`` package if needed and allowed."""
    from ..packages import find_or_install

    return find_or_install(
        "pgbouncer", lambda: shutil.which("pgbouncer") or (PGBOUNCER if os.path.exists(PGBOUNCER) else None),
        PoolerUnavailable,
        not_root="pgbouncer (the sandbox's stand-in for Supabase's pooler) is not installed and this process is not "
                 "root, so it cannot be installed automatically; run `sudo apt-get install -y pgbouncer` and retry",
        still_missing="pgbouncer was installed but no pgbouncer binary appeared")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_leftover_bouncer(data_dir: Path) -> bool:
    """Stop the PgBouncer a killed sandbox left running for the database in ``data_dir`` (it keeps serving the
    old server and holds the pid file a new one needs). Returns whether one was stopped."""
    pid_file = Path(data_dir) / "pgbouncer" / "pgbouncer.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return False
    if b"pgbouncer" not in command:  # a reused pid: not ours
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return False
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and process_running(pid):
        time.sleep(0.02)
    return True


def process_running(pid: int) -> bool:
    """The process exists and has not exited: an exited child its parent has not reaped yet (a zombie, as when
    the sandbox that started it still runs in this process) has already let go of its port and pid file."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


class ProjectBouncer:
    """One project's PgBouncer process, its files in ``<data dir>/pgbouncer``."""

    def __init__(self, binary: str, instance: Any, pool_mode: str, pool_size: int | None):
        from ..postgres import _chown_tree

        self.instance = instance
        self.dir = Path(instance.data_dir) / "pgbouncer"
        self.port = _free_port()
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self._chown = lambda path: _chown_tree(path, instance.harness.user)
        self.dir.mkdir(exist_ok=True)
        stop_leftover_bouncer(Path(instance.data_dir))
        # The auth_query user's password: new for every start, so nothing about it needs keeping.
        password = secrets.token_urlsafe(18)
        instance.set_role_password("pgbouncer", password)
        (self.dir / "userlist.txt").write_text(f'"pgbouncer" "{password}"\n')
        os.chmod(self.dir / "userlist.txt", 0o600)
        self._write_config()
        self._chown(self.dir)
        self.process = subprocess.Popen([binary, str(self.dir / "pgbouncer.ini")], user=instance.harness.user,
                                        cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_listening()

    def _write_config(self) -> None:
        self.dir.joinpath("pgbouncer.ini").write_text(
            "; written by the procurement sandbox (tools/sandbox/supabase/pooler.py)\n"
            "[databases]\n"
            f"postgres = host=127.0.0.1 port={self.instance.port} dbname=postgres auth_user=pgbouncer\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = scram-sha-256\nauth_file = {self.dir / 'userlist.txt'}\n"
            "auth_query = SELECT username, password FROM pgbouncer.get_auth($1)\n"
            f"pool_mode = {self.pool_mode}\n"
            f"default_pool_size = {self.pool_size if self.pool_size is not None else DEFAULT_POOL_SIZE}\n"
            f"max_client_conn = {MAX_CLIENT_CONN}\n"
            # Retry a failed server login after 1 s (default 15 s): a lifted network restriction soon takes effect.
            "server_login_retry = 1\n"
            # To Postgres over TLS, verifying its certificate (an SSL-enforcing project admits nothing else).
            + (f"server_tls_sslmode = verify-full\nserver_tls_ca_file = {self.instance.tls.ca}\n"
               if self.instance.tls is not None else "") +
            # Drivers send these at startup; PgBouncer would otherwise refuse the connection.
            "ignore_startup_parameters = extra_float_digits,options,search_path\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\npidfile = {self.dir / 'pgbouncer.pid'}\n")

    def _wait_listening(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PoolerUnavailable(f"pgbouncer exited ({self.process.returncode}): "
                                        f"{self.process.stderr.read().decode(errors='replace')[-1000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise PoolerUnavailable(f"pgbouncer did not listen on 127.0.0.1:{self.port} within {timeout:.0f}s")

    def reconfigure(self, pool_mode: str, pool_size: int | None) -> None:
        """A PATCHed pool mode / pool size, applied with a reload (SIGHUP) as PgBouncer allows."""
        if (pool_mode, pool_size) == (self.pool_mode, self.pool_size):
            return
        self.pool_mode, self.pool_size = pool_mode, pool_size
        self._write_config()
        self._chown(self.dir / "pgbouncer.ini")
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGHUP)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stderr:
            self.process.stderr.close()


def _error_packet(message: str, code: str = "XX000") -> bytes:
    """A FATAL ErrorResponse, as Supavisor sends one before closing."""
    fields = b"".join(tag + value.encode() + b"\0" for tag, value in
                      ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message))) + b"\0"
    return b"E" + struct.pack("!I", len(fields) + 4) + fields


def parse_startup(payload: bytes) -> dict[str, str]:
    """The key/value pairs of a v3 startup packet body (after length and protocol)."""
    parts = payload.split(b"\0")
    pairs: dict[str, str] = {}
    for key, value in zip(parts[0::2], parts[1::2]):
        if not key:
            break
        pairs[key.decode()] = value.decode()
    return pairs


def build_startup(pairs: dict[str, str]) -> bytes:
    body = struct.pack("!I", PROTOCOL_3) + b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                                                    for k, v in pairs.items()) + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def split_user(user: str) -> tuple[str, str] | None:
    """``role.ref`` -> (role, ref); a ref is 20 lowercase letters, a role may itself contain dots."""
    role, dot, ref = user.rpartition(".")
    if not dot or not role or len(ref) != 20 or not ref.isalpha() or not ref.islower():
        return None
    return role, ref


class Pooler:
    """The proxy (one port for every project) and the projects' PgBouncers, for one SupabaseServer."""

    def __init__(self, server: "SupabaseServer"):
        self.server = server
        self.binary: str | None = None
        self.bouncers: dict[str, ProjectBouncer] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: asyncio.base_events.Server | None = None
        self.port: int | None = None
        self._tls_context: ssl.SSLContext | None = None

    # ----------------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Listen on the stored port (the one clients were given before a restart) or a new one."""
        if self.server.postgres is None:
            return
        self.binary = ensure_pgbouncer()
        self._tls_context = self.server.tls.server_context()
        stored = self.server.store["pooler"].get("proxy", {}).get("port")
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._listener = self._loop.run_until_complete(
                    asyncio.start_server(self._client, "127.0.0.1", stored or 0))
            except BaseException as error:  # noqa: BLE001 - reported to start()
                failure.append(error)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="sandbox-pooler", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread.join(timeout=5)
            self._loop.close()
            self._loop = self._thread = None
            raise PoolerUnavailable(
                f"the pooler cannot listen on 127.0.0.1:{stored}, where it listened before the restart: "
                f"{failure[0]} (clients such as the local stack's database URLs recorded that port; stop the "
                f"process holding it and start the sandbox again)")
        self.port = self._listener.sockets[0].getsockname()[1]
        if stored != self.port:
            self.server.store["pooler"]["proxy"] = {"port": self.port}
            self.server._mutated()

    def stop(self) -> None:
        if self._loop is not None:
            async def close() -> None:
                if self._listener is not None:
                    self._listener.close()
                tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop.close()
            self._loop = self._thread = self._listener = None
        with self._lock:
            for ref in list(self.bouncers):
                self.bouncers.pop(ref).stop()

    def forget(self, ref: str) -> None:
        """Stop a project's PgBouncer (its project or database is gone)."""
        with self._lock:
            bouncer = self.bouncers.pop(ref, None)
        if bouncer is not None:
            bouncer.stop()

    def reconfigure(self, ref: str) -> None:
        with self._lock:
            bouncer = self.bouncers.get(ref)
        if bouncer is not None:
            bouncer.reconfigure(*self._pool_settings(ref))

    # ------------------------------------------------------------------------------------ routing
    def _pool_settings(self, ref: str) -> tuple[str, int | None]:
        config = self.server.store["pooler_config"].get(ref) or {}
        return config.get("pool_mode", "transaction"), config.get("default_pool_size")

    def bouncer_port(self, ref: str) -> int | None:
        """The port of the project's PgBouncer, started (or restarted for a new server) on demand."""
        instance = self.server.databases.get(ref)
        project = self.server.store["projects"].get(ref)
        if instance is None or project is None:
            self.forget(ref)
            return None
        with self._lock:
            bouncer = self.bouncers.get(ref)
            if bouncer is not None and (bouncer.instance is not instance or not bouncer.alive()):
                bouncer.stop()
                bouncer = None
            if bouncer is None:
                bouncer = self.bouncers[ref] = ProjectBouncer(self.binary, instance, *self._pool_settings(ref))
            return bouncer.port

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
        try:
            encrypted = False
            while True:
                header = await reader.readexactly(8)
                length, code = struct.unpack("!II", header)
                if code == SSL_REQUEST and self._tls_context is not None and not encrypted:
                    writer.write(b"S")  # TLS with the sandbox CA's certificate, as Supavisor with Supabase's
                    await writer.drain()
                    await writer.start_tls(self._tls_context)
                    encrypted = True
                    continue
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    writer.write(b"N")  # no GSS (nor TLS without a certificate): the client goes on as it is
                    await writer.drain()
                    continue
                payload = await reader.readexactly(length - 8)
                break
            if code != PROTOCOL_3:  # a CancelRequest names no project; protocol 2 is long gone
                return
            pairs = parse_startup(payload)
            target = split_user(pairs.get("user", ""))
            port = None
            if target is not None:
                try:
                    port = await asyncio.get_running_loop().run_in_executor(None, self.bouncer_port, target[1])
                except Exception as error:  # pgbouncer could not start: say so, as the platform would
                    log.exception("starting the pooler of %s failed", target[1])
                    writer.write(_error_packet(f"pooler unavailable: {error}"))
                    await writer.drain()
                    return
            if port is None:
                writer.write(_error_packet(TENANT_NOT_FOUND))
                await writer.drain()
                return
            if not encrypted and (self.server.store["ssl_enforcement"].get(target[1]) or {}).get("database"):
                writer.write(_error_packet(SSL_REQUIRED))  # the project enforces SSL: so does its pooler
                await writer.drain()
                return
            pairs["user"] = target[0]
            up_reader, upstream = await asyncio.open_connection("127.0.0.1", port)
            upstream.write(build_startup(pairs))
            await upstream.drain()
            await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer), return_exceptions=True)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError, ssl.SSLError):
            pass  # ssl.SSLError: the client rejected the certificate (or spoke no TLS after asking for it)
        finally:
            for stream in (upstream, writer):
                if stream is not None:
                    stream.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()
