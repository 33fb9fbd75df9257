"""InstallDependencies (``pulumi install``) and a missing virtualenv: ``python -m venv`` and pip, like the Go host."""

import os
import subprocess

from .errors import HostError
from .options import PythonOptions, system_python
from .processes import Children, pump_pipes


def install_dependencies(opts: PythonOptions, cwd: str, write_out, write_err) -> None:
    """Create the virtualenv (if configured) and pip-install requirements.txt, like the Go host."""
    venv = opts.virtualenv_path

    def run(step: str, command: list[str]) -> None:
        env = opts.environ() if venv else dict(os.environ)
        proc = Children.popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stderr_chunks: list[bytes] = []
        pump_pipes(proc, write_out, lambda b: (stderr_chunks.append(b), write_err(b)))
        if Children.wait(proc) != 0:
            detail = b"".join(stderr_chunks).decode(errors="replace").strip()
            raise HostError(f"{step} via '{' '.join(command)}': exit status {proc.returncode}: {detail}")

    if venv:
        write_out(b"Creating virtual environment...\n")
        run(f"creating virtual environment at '{venv}'", [system_python(), "-m", "venv", venv])
        write_out(b"Finished creating virtual environment\n")
    python = opts.python()
    write_out(b"Updating pip, setuptools, and wheel in virtual environment...\n")
    run("updating pip, setuptools, and wheel", [python, "-m", "pip", "install", "--upgrade", "pip", "setuptools", "wheel"])
    write_out(b"Finished updating\n")
    if os.path.exists(os.path.join(cwd, "requirements.txt")):
        write_out(b"Installing dependencies in virtual environment...\n")
        run("installing dependencies", [python, "-m", "pip", "install", "-r", "requirements.txt"])
        write_out(b"Finished installing dependencies\n")
