"""Installing pgbouncer/postgresql while another job holds the system package lock (tools/sandbox/packages.py): the
wait is shown (progress lines), bounded (SANDBOX_PACKAGE_LOCK_TIMEOUT) and ends in one line naming the next
command, never a traceback. The lock is simulated by a stand-in apt-get first on PATH."""

import os
import stat

import pytest

from tools.sandbox import __main__ as cli
from tools.sandbox import packages
from tools.sandbox.supabase import pooler

LOCKED = ("E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\n"
          "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?")


def stand_in_apt_get(bin_dir, locked_calls: int):
    """apt-get that reports the lock for its first ``locked_calls`` calls, then "installs" a pgbouncer."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "apt-get"
    script.write_text(f"""#!/bin/sh
count=$(cat "{bin_dir}/calls" 2>/dev/null || echo 0)
echo $((count + 1)) > "{bin_dir}/calls"
if [ "$count" -lt {locked_calls} ]; then
  printf '%s\\n' "{LOCKED}" >&2
  exit 100
fi
if [ "$1" = install ]; then printf '#!/bin/sh\\n' > "{bin_dir}/pgbouncer"; chmod +x "{bin_dir}/pgbouncer"; fi
exit 0
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


@pytest.fixture
def no_pgbouncer(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setattr(pooler, "PGBOUNCER", str(tmp_path / "absent" / "pgbouncer"))
    monkeypatch.setattr(packages, "PROGRESS_SECONDS", 0)  # a line at every retry
    monkeypatch.setattr(packages, "POLL_SECONDS", 0.01)
    return bin_dir


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox installs packages only as root")
def test_waits_for_the_package_lock_with_progress_then_installs(no_pgbouncer, capsys, monkeypatch):
    stand_in_apt_get(no_pgbouncer, locked_calls=3)
    monkeypatch.setenv(packages.LOCK_TIMEOUT_ENV, "300")
    found = pooler.ensure_pgbouncer()
    assert found == str(no_pgbouncer / "pgbouncer")
    progress = capsys.readouterr().err.splitlines()
    assert len(progress) == 3 and all(line.startswith("sandbox: waiting for the system package lock by process "
                                                      "4242 (apt-get) to install pgbouncer") for line in progress)
    assert (no_pgbouncer / "calls").read_text().strip() == "4"


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox installs packages only as root")
def test_a_lock_held_past_the_timeout_is_one_line_naming_the_next_command(no_pgbouncer, monkeypatch):
    stand_in_apt_get(no_pgbouncer, locked_calls=10 ** 6)
    monkeypatch.setenv(packages.LOCK_TIMEOUT_ENV, "0.2")
    with pytest.raises(pooler.PoolerUnavailable) as raised:
        pooler.ensure_pgbouncer()
    message = str(raised.value)
    assert "\n" not in message
    assert "held by process 4242 (apt-get)" in message and "`make up`" in message
    assert packages.LOCK_TIMEOUT_ENV in message


def test_a_bad_timeout_is_one_line(monkeypatch):
    monkeypatch.setenv(packages.LOCK_TIMEOUT_ENV, "soon")
    with pytest.raises(packages.PackageUnavailable, match="is not a number of seconds"):
        packages.install("pgbouncer")


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox installs packages only as root")
def test_the_sandbox_ends_in_one_line_without_a_traceback(no_pgbouncer, monkeypatch, capsys, tmp_path):
    """`python -m tools.sandbox` (what `make up` starts) when the lock stays taken: exit 2, one line, nothing running."""
    stand_in_apt_get(no_pgbouncer, locked_calls=10 ** 6)
    monkeypatch.setenv(packages.LOCK_TIMEOUT_ENV, "0.1")
    code = cli.main(["--state", str(tmp_path / "sb" / "state.json"), "--render-port", "0", "--supabase-port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    final = [line for line in err.splitlines() if not line.startswith("sandbox: waiting for the system package lock")]
    assert len(final) == 1 and final[0].startswith("sandbox: the system package lock was held"), err
    assert "Traceback" not in err
