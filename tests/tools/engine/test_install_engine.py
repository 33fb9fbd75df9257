"""tools/scripts/install-engine.sh: idempotent, cache hit on the second run, bin dir as the last line."""

import shutil
import subprocess
from pathlib import Path

from tools.engine.testing import INSTALL_SCRIPT, REPO_ROOT


def test_second_run_is_a_cache_hit_printing_the_bin_dir(pulumi_engine):
    # pulumi_engine already ran the script once in this session.
    done = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, check=True)
    assert "install-engine: cache hit" in done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(pulumi_engine.bin_dir)
    for plugin in ("pulumi", "pulumi-language-python", "pulumi-resource-pulumi-python"):
        assert (pulumi_engine.bin_dir / plugin).stat().st_mode & 0o111, plugin
    assert (pulumi_engine.bin_dir / "pulumi-language-python-exec").is_file()


def test_repo_link_points_at_the_engine_and_is_ignored(pulumi_engine):
    link = REPO_ROOT / ".engine" / "bin"
    assert link.resolve() == pulumi_engine.bin_dir.resolve()
    ignored = subprocess.run(["git", "check-ignore", "-q", str(link)], cwd=REPO_ROOT)
    assert ignored.returncode == 0, ".engine/ must be git-ignored"
    # Nothing the build produced is inside the repo itself.
    assert not Path(pulumi_engine.bin_dir).resolve().is_relative_to(REPO_ROOT)


def test_bin_dir_runs_this_repos_language_host(pulumi_engine):
    # The install copies tools/engine/pulumi-language-python, only rewriting the interpreter line, and its package
    # tools/engine/language_host/ beside it, module for module.
    host = pulumi_engine.bin_dir / "pulumi-language-python"
    source = (REPO_ROOT / "tools" / "engine" / "pulumi-language-python").read_text().splitlines()[1:]
    assert host.read_text().splitlines()[1:] == source
    interpreter = Path(host.read_text().splitlines()[0].removeprefix("#!"))
    assert interpreter.is_file() and not interpreter.resolve().is_relative_to(REPO_ROOT)
    package = REPO_ROOT / "tools" / "engine" / "language_host"
    modules = sorted(p.name for p in package.glob("*.py"))
    assert sorted(p.name for p in (pulumi_engine.bin_dir / "language_host").glob("*.py")) == modules
    for name in modules:
        assert (pulumi_engine.bin_dir / "language_host" / name).read_text() == (package / name).read_text(), name


def test_bin_dir_name_changes_with_any_module_of_the_host(pulumi_engine, tmp_path):
    # The bin dir is named by a hash of the whole host (executable and package): a checkout with a different
    # module gets a bin dir of its own instead of running another checkout's host.
    def host_hash(engine_dir: Path) -> str:
        script = (REPO_ROOT / "tools" / "scripts" / "install-engine.sh").read_text()
        start = script.index("host_files() {")
        end = script.index('bin="$cache_root/bin/')
        snippet = f"root={tmp_path}\n" + script[start:end] + 'echo "$host_hash"\n'
        return subprocess.run(["bash", "-c", snippet], capture_output=True, text=True, check=True).stdout.strip()

    shutil.copytree(REPO_ROOT / "tools" / "engine", tmp_path / "tools" / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    before = host_hash(tmp_path / "tools" / "engine")
    assert pulumi_engine.bin_dir.name.endswith(f"-host-{before}")
    with open(tmp_path / "tools" / "engine" / "language_host" / "watchdog.py", "a") as module:
        module.write("# a change\n")
    assert host_hash(tmp_path / "tools" / "engine") != before
