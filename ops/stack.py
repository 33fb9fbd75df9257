"""The few `pulumi` commands the ops tools run on a stack (the CLI on PATH, or $PULUMI): outputs, config, up."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Optional


class CommandFailed(SystemExit):
    """A `pulumi` command failed: the message ends in its output's tail, ``output`` holds all of it."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


# What the CLI says after the error that matters: its summary, the program's host shutting down.
_ECHOES = ("update failed", "preview failed", "Resource monitor has terminated, shutting down")


def why(error: BaseException) -> str:
    """One line saying why: a CLI's first specific `error:` line (not its echoes), else the last line."""
    text = getattr(error, "output", None) or str(error)  # a CommandFailed's whole output, not its tail
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line and not line.endswith(_ECHOES)]
    return (errors[:1] or lines[-1:] or [type(error).__name__])[0]


class Stack:
    def __init__(self, name: str, cwd: Path, config_file: Optional[Path] = None) -> None:
        self.name, self.cwd, self.config_file = name, cwd, config_file

    def run(self, *args: str, capture: bool = True, input: Optional[str] = None) -> str:
        command = [os.environ.get("PULUMI") or "pulumi", *args, "--stack", self.name]
        done = subprocess.run(command, cwd=self.cwd, capture_output=capture, text=True, input=input)
        if done.returncode != 0:
            output = ((done.stderr or "") + "\n" + (done.stdout or "")).strip() if capture else ""
            detail = (done.stderr or done.stdout or "").strip()[-2000:] if capture else ""
            raise CommandFailed(f"`pulumi {' '.join(args)}` on {self.name} failed (exit {done.returncode}): {detail}",
                                output)
        return done.stdout if capture else ""

    def command(self, *args: str) -> str:
        """The command line a person runs for ``pulumi <args>`` on this stack (for messages)."""
        return " ".join(["pulumi", *args, "--stack", self.name, *self._config_args()])

    def _config_args(self) -> list[str]:
        return ["--config-file", str(self.config_file)] if self.config_file else []

    def output(self, key: str, secret: bool = False) -> object:
        args = ["stack", "output", key, "--json"] + (["--show-secrets"] if secret else [])
        return json.loads(self.run(*args))

    def config(self) -> dict:
        raw = json.loads(self.run("config", "--json", *self._config_args()))
        return {k: v.get("objectValue", v.get("value")) for k, v in raw.items()}

    def set_config(self, path: str, value: str) -> None:
        self.run("config", "set", "--path", path, value, *self._config_args())

    def up(self, *extra: str) -> str:
        return self.run("up", "--yes", "--skip-preview", *self._config_args(), *extra)

    def preview(self, *extra: str) -> str:
        return self.run("preview", *self._config_args(), *extra)
