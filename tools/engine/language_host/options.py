"""The program's runtime options (``runtime.options`` of Pulumi.yaml) and the Python that runs it."""

import os
import shutil
import subprocess
from typing import Optional

from pulumi.runtime.proto import language_pb2

from .errors import HostError


class PythonOptions:
    """The `runtime.options` of Pulumi.yaml (or PulumiPolicy.yaml/PulumiPlugin.yaml)."""

    def __init__(self, info: language_pb2.ProgramInfo):
        self.root = info.root_directory
        self.program_dir = info.program_directory
        options = struct_to_dict(info.options) if info.HasField("options") else {}
        self.virtualenv = _string_option(options, "virtualenv", "")
        self.toolchain = _string_option(options, "toolchain", "pip")
        self.typechecker = _string_option(options, "typechecker", "")
        if self.toolchain not in ("pip", "poetry", "uv"):
            raise HostError(f"unsupported toolchain option: {self.toolchain}")
        if self.toolchain != "pip":
            # Poetry and uv would resolve packages themselves; this project's machines only
            # have pip-managed virtualenvs, and pretending to support them would be worse.
            raise HostError(
                f"the toolchain option {self.toolchain!r} is not supported by this language host "
                "(only 'pip' with a 'virtualenv' option is); see tools/engine/README.md"
            )
        if self.typechecker not in ("", "mypy", "pyright"):
            raise HostError(f"unsupported typechecker option: {self.typechecker}")

    @property
    def virtualenv_path(self) -> str:
        if not self.virtualenv:
            return ""
        if os.path.isabs(self.virtualenv):
            return self.virtualenv
        return os.path.join(self.root, self.virtualenv)

    def python(self) -> str:
        venv = self.virtualenv_path
        if venv:
            return os.path.join(venv, "bin", "python")
        return system_python()

    def environ(self, base: Optional[dict] = None) -> dict:
        env = dict(os.environ if base is None else base)
        venv = self.virtualenv_path
        if venv:
            # What `activate` does: the venv's bin first on PATH, no PYTHONHOME.
            env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
            env.pop("PYTHONHOME", None)
            env["VIRTUAL_ENV"] = venv
        return env

    def validate_venv(self) -> None:
        if self.virtualenv and not is_virtualenv(self.virtualenv_path):
            raise HostError(virtualenv_error(self.virtualenv, self.virtualenv_path))


def struct_to_dict(struct) -> dict:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(struct)


def _string_option(options: dict, key: str, default: str) -> str:
    value = options.get(key, default)
    if not isinstance(value, str):
        raise HostError(f"{key} option must be a string")
    return value


def system_python() -> str:
    candidates = [os.environ["PULUMI_PYTHON_CMD"]] if os.environ.get("PULUMI_PYTHON_CMD") else ["python3", "python"]
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    raise HostError(f"failed to locate any of {candidates} on your PATH. Have you installed Python 3?")


def is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "bin", "python"))


def virtualenv_error(option: str, path: str) -> str:
    problem = "doesn't exist" if not os.path.exists(path) else "doesn't appear to be a virtual environment"
    return (
        f"The 'virtualenv' option in Pulumi.yaml is set to {option!r}, but {path!r} {problem}; "
        "run the following commands to create the virtual environment and install dependencies into it:\n\n"
        f"    1. python3 -m venv {path}\n"
        f"    2. {path}/bin/python -m pip install --upgrade pip setuptools wheel\n"
        f"    3. {path}/bin/python -m pip install -r requirements.txt\n"
    )


def run_python(opts: PythonOptions, args: list[str], cwd: Optional[str] = None) -> str:
    command = [opts.python()] + args
    try:
        done = subprocess.run(command, cwd=cwd or None, env=opts.environ(), capture_output=True, text=True)
    except OSError as e:
        raise HostError(f"calling `{' '.join(command)}`: {e}") from e
    if done.returncode != 0:
        raise HostError(f"calling `{' '.join(command)}`: exit status {done.returncode}: {done.stderr.strip()}")
    return done.stdout
