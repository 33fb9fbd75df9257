"""The stack-file check names the key of a NaN/infinity that the Pulumi CLI would refuse keylessly."""
import subprocess
import sys
from pathlib import Path

from components.config import stack_file
from tests.mock_harness import PROJECT_ROOT


def test_committed_stack_files_pass():
    for name in ("local", "staging", "production"):
        assert stack_file.problems(PROJECT_ROOT / f"Pulumi.{name}.yaml") == []


def test_non_finite_numbers_are_named_by_key(tmp_path: Path, capsys):
    text = (PROJECT_ROOT / "Pulumi.local.yaml").read_text()
    text = text.replace("    minInstances: 1\n", "    minInstances: .nan\n")
    text = text.replace("  procurement:domain: procurement.test\n", "  procurement:domain: -.inf\n")
    bad = tmp_path / "Pulumi.local.yaml"
    bad.write_text(text)
    assert stack_file.main([str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    assert err[0].startswith("error: procurement:domain: is not a finite number"), err
    assert err[1].startswith("error: procurement:backend.minInstances: is not a finite number"), err


def test_unreadable_yaml_is_one_line(tmp_path: Path):
    bad = tmp_path / "Pulumi.x.yaml"
    bad.write_text("config: [unclosed\n")
    [line] = stack_file.problems(bad)
    assert "cannot be read as YAML" in line


def test_a_yaml_mistake_is_named_at_the_line_the_parser_stopped(tmp_path: Path):
    lines = (PROJECT_ROOT / "Pulumi.local.yaml").read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line == "    minInstances: 1\n") + 1
    lines[number - 1] = "      minInstances: 1\n"
    bad = tmp_path / "Pulumi.local.yaml"
    bad.write_text("".join(lines))
    [line] = stack_file.problems(bad)
    assert line.startswith(f"{bad}:{number}:") and "check the indentation" in line, line


def test_run_as_the_scripts_run_it_prints_only_the_problem(tmp_path: Path):
    # local-stack.sh and the pull-request workflow run `python -m components.config.stack_file`: nothing but the
    # one line may reach the user (a module the package imports first would add runpy's RuntimeWarning).
    bad = tmp_path / "Pulumi.x.yaml"
    bad.write_text("config: [unclosed\n")
    done = subprocess.run([sys.executable, "-m", "components.config.stack_file", str(bad)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ") and "cannot be read as YAML" in line, done.stderr
