"""The few `pulumi` commands the ops tools run on a stack (the CLI on PATH, or $PULUMI): outputs, config, up."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Optional

from .cli import why  # noqa: F401 - the one reading of a failure, re-exported for the tools that run pulumi


class CommandFailed(SystemExit):
    """A `pulumi` command failed: the message ends in its output's tail, ``output`` holds all of it."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


class Stack:
    def __init__(self, name: str, cwd: Path, config_file: Optional[Path] = None) -> None:
        self.name, self.cwd, self.config_file = name, cwd, config_file

    def run(self, *args: str, capture: bool = True, input: Optional[str] = None) -> str:
        command = [os.environ.get("PULUMI") or "pulumi", *args, "--stack", self.name]
        try:
            done = subprocess.run(command, cwd=self.cwd, capture_output=capture, text=True, input=input)
        except FileNotFoundError:
            raise CommandFailed(f"the Pulumi CLI `{command[0]}` is not installed or not on PATH; install the official CLI "
                                "(docs/how-to/going-live.md, step 1) or set PULUMI to its path (locally: "
                                "eval \"$(bash tools/scripts/local-stack.sh env)\")", "") from None
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
