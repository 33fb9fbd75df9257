"""Installing a Debian package the sandbox needs (``postgresql``, ``pgbouncer``) with apt-get, as root.

On a busy machine another job may be installing at the same moment and hold the system package lock (dpkg's
frontend lock); apt-get then fails at once. The sandbox waits for the lock instead: it retries every
``POLL_SECONDS``, prints a progress line (``sandbox: waiting for the system package lock ...``, which
``tools/scripts/sandbox.sh start`` shows) every ``PROGRESS_SECONDS``, and gives up after ``SANDBOX_PACKAGE_LOCK_TIMEOUT``
seconds (default 300) with one line naming what to run next.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import Callable, TypeVar

T = TypeVar("T")

LOCK_TIMEOUT_ENV = "SANDBOX_PACKAGE_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 300.0
POLL_SECONDS = 2.0
PROGRESS_SECONDS = 10.0
# What apt-get and dpkg say when another process holds their lock (apt 1.x-2.x, dpkg).
LOCK_MESSAGES = ("Could not get lock", "Unable to acquire the dpkg frontend lock",
                 "Unable to lock the administration directory", "dpkg frontend lock")
HOLDER = re.compile(r"held by process (\d+)(?: \(([^)]*)\))?")


class PackageUnavailable(RuntimeError):
    pass


def lock_timeout() -> float:
    value = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        raise PackageUnavailable(f"{LOCK_TIMEOUT_ENV}={value!r} is not a number of seconds") from None
    if seconds < 0:
        raise PackageUnavailable(f"{LOCK_TIMEOUT_ENV}={value!r} is negative; give a number of seconds")
    return seconds


def find_or_install(package: str, find: Callable[[], T | None], unavailable: type[Exception], *,
                    not_root: str, still_missing: str) -> T:
    """What ``find()`` finds, installing ``package`` first when it finds nothing and this process is root.

    Raises ``unavailable`` with one line: ``not_root`` when it may not install, ``still_missing`` when the
    installed package did not provide it, or why the installation failed."""
    found = find()
    if found:
        return found
    if os.geteuid() != 0:
        raise unavailable(not_root)
    try:
        install(package)
    except PackageUnavailable as error:
        raise unavailable(str(error)) from None
    found = find()
    if not found:
        raise unavailable(still_missing)
    return found


def install(package: str, poll: float = POLL_SECONDS) -> None:
    """``apt-get install`` ``package`` (after an ``apt-get update`` if the first attempt fails), waiting for the
    package lock as described above. Raises ``PackageUnavailable`` with one line."""
    deadline = time.monotonic() + lock_timeout()
    command = ["apt-get", "install", "-y", "--no-install-recommends", package]
    if _run(command, package, deadline, poll).returncode == 0:
        return
    _run(["apt-get", "update"], package, deadline, poll)
    result = _run(command, package, deadline, poll)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise PackageUnavailable(f"apt-get install {package} failed: {last}; run `apt-get install -y {package}` "
                                 f"yourself to see why, then start the sandbox again (`make up`)")


def _run(command: list[str], package: str, deadline: float, poll: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    started = time.monotonic()
    shown = started - PROGRESS_SECONDS  # the first wait is shown at once
    while True:
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                    check=False)
        except FileNotFoundError:
            raise PackageUnavailable(f"{package} is missing and there is no apt-get to install it; install "
                                     f"{package} with this system's package manager and start the sandbox again "
                                     f"(`make up`)") from None
        if not any(message in result.stderr for message in LOCK_MESSAGES):
            return result
        now = time.monotonic()
        holder = _holder(result.stderr)
        if now >= deadline:
            raise PackageUnavailable(
                f"the system package lock was held{holder} for {now - started:.0f} s, so {package} could not be "
                f"installed; wait until that installation ends (`ps -C apt-get,apt,dpkg`), then start the sandbox "
                f"again (`make up`), or wait longer with {LOCK_TIMEOUT_ENV}=SECONDS")
        if now - shown >= PROGRESS_SECONDS:
            print(f"sandbox: waiting for the system package lock{holder} to install {package}: "
                  f"{now - started:.0f} s so far, at most {deadline - started:.0f} s ({LOCK_TIMEOUT_ENV})",
                  file=sys.stderr, flush=True)
            shown = now
        time.sleep(min(poll, max(0.0, deadline - now)))


def _holder(stderr: str) -> str:
    match = HOLDER.search(stderr)
    if match is None:
        return ""
    return f" by process {match.group(1)}" + (f" ({match.group(2)})" if match.group(2) else "")
