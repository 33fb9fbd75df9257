"""The sandbox's certificate authority: the project databases and the pooler serve TLS with a certificate it signed.

Supabase's databases and its pooler offer TLS with a certificate of Supabase's own CA, which clients verify with
``sslmode=verify-full sslrootcert=<the CA downloaded from the dashboard>``. The sandbox does the same on loopback:
``ensure_tls(directory)`` makes, once per directory (the persisted state's database root, or the harness's
temporary root), ``ca.crt`` (what clients verify with; not secret), ``ca.key`` (removed once the server
certificate is signed: nothing else is ever signed with it), and ``server.crt``/``server.key`` for 127.0.0.1,
::1 and localhost. The openssl CLI makes them (the ``cryptography`` package is no dependency of the project).
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

CA_FILE = "ca.crt"
SERVER_NAMES = "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
DAYS = 3650  # a sandbox state lives as long as its checkout; nothing rotates it
_lock = threading.Lock()


class TlsUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert, self.key)
        return context


def _openssl(*args: str) -> None:
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TlsUnavailable(f"openssl {args[0]} failed: {done.stderr.strip()[-1000:]}")


def ensure_tls(directory: Path, user: str | None = None) -> TlsFiles:
    """The CA and server certificate in ``directory``, made there on first use; the key belongs to ``user`` (the
    one Postgres runs as, which insists on owning its key file, mode 0600)."""
    directory = Path(directory)
    files = TlsFiles(directory / CA_FILE, directory / "server.crt", directory / "server.key")
    with _lock:
        if not all(path.exists() for path in (files.ca, files.cert, files.key)):
            if shutil.which("openssl") is None:
                raise TlsUnavailable("the openssl command is not installed; `sudo apt-get install -y openssl`")
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=directory) as work:
                w = Path(work)
                _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(w / "ca.key"),
                         "-out", str(w / CA_FILE), "-days", str(DAYS), "-subj", "/CN=procurement sandbox CA",
                         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
                _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(w / "server.key"),
                         "-out", str(w / "server.csr"), "-subj", "/CN=localhost")
                (w / "ext").write_text(f"{SERVER_NAMES}\nextendedKeyUsage=serverAuth\n")
                _openssl("x509", "-req", "-in", str(w / "server.csr"), "-CA", str(w / CA_FILE), "-CAkey",
                         str(w / "ca.key"), "-CAcreateserial", "-out", str(w / "server.crt"), "-days", str(DAYS),
                         "-extfile", str(w / "ext"))
                for name in ("server.key", "server.crt", CA_FILE):  # the CA last: its presence means complete
                    os.replace(w / name, directory / name)
        os.chmod(files.key, 0o600)
        os.chmod(files.ca, 0o644)
        os.chmod(files.cert, 0o644)
        if user is not None:
            for path in (directory, files.key, files.cert, files.ca):
                shutil.chown(path, user, user)
    return files
