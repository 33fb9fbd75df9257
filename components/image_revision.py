"""The backend image's source, labelled where it is built: the build context is a checkout of the backend's
repository (`images.context`, deploy-staging.yml checks it out beside this one), so its HEAD is the image's
commit. pulumi-docker 5.2.0's build takes no labels, so the build uses the context's Dockerfile with two LABEL
lines appended (they apply to its last stage: the image that is pushed): ``org.opencontainers.image.revision``
(the commit) and ``org.opencontainers.image.source`` (the repository's https URL). `python -m ops.report` reads
them back from the registry for the lead time (ops/readings/images.py)."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

REVISION = "org.opencontainers.image.revision"
SOURCE = "org.opencontainers.image.source"
_REMOTE = re.compile(r"^(?:https://(?:[^@/]+@)?|git@)(github\.com)[/:](.+?)(?:\.git)?/?$")


def _git(context: str, *args: str) -> Optional[str]:
    try:
        done = subprocess.run(["git", "-C", context, *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def source_labels(context: str) -> dict[str, str]:
    """{revision, source} of a git checkout (the source only for a GitHub remote, without credentials); {} else."""
    revision = _git(context, "rev-parse", "HEAD")
    if not revision:
        return {}
    remote = _REMOTE.match(_git(context, "config", "--get", "remote.origin.url") or "")
    return {REVISION: revision, **({SOURCE: f"https://{remote.group(1)}/{remote.group(2)}"} if remote else {})}


def labelled_dockerfile(dockerfile: str, labels: dict[str, str], name: str) -> str:
    """A copy of ``dockerfile`` ending with the labels (a file named after the image, in the temp dir), or the
    Dockerfile itself when there is nothing to label or it cannot be read (a preview without the checkout)."""
    try:
        text = Path(dockerfile).read_text()
    except OSError:
        return dockerfile
    if not labels:
        return dockerfile
    lines = "".join(f'LABEL {key}="{value}"\n' for key, value in sorted(labels.items()))
    copy = Path(tempfile.gettempdir()) / f"{name}.Dockerfile"
    copy.write_text(text.rstrip("\n") + "\n" + lines)
    return str(copy)
