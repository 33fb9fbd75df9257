"""A backend image's source commit, from its registry (OCI distribution API, GETs only):
``GET /v2/<repository>/manifests/<digest>`` (an index: its linux/amd64 manifest, else its first), then the config
blob ``GET /v2/<repository>/blobs/<config digest>`` and its labels ``org.opencontainers.image.revision`` and
``org.opencontainers.image.source`` (components/images.py sets both when it builds). REGISTRY_TOKEN is the bearer
(a pull token of the registry); REGISTRY_API_URL, when set, is used instead of ``https://<registry host>``."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

import requests

from .github import NotRead

REVISION = "org.opencontainers.image.revision"
SOURCE = "org.opencontainers.image.source"
MANIFEST_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.list.v2+json",
                  "application/vnd.docker.distribution.manifest.v2+json")
PLATFORM = {"os": "linux", "architecture": "amd64"}  # the backend's build platform (images.platform's default)
GITHUB_SOURCE = re.compile(r"^(?:https://|git@)github\.com[/:]([^/]+/[^/]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class ImageSource:
    revision: str
    repository: Optional[str]  # owner/name on GitHub, when the source label names a GitHub repository


def _get(url: str, token: str, accept: str) -> Union[Any, NotRead]:
    try:
        answer = requests.get(url, timeout=20, headers={"Authorization": f"Bearer {token}", "Accept": accept})
    except requests.RequestException as error:
        return NotRead(f"GET {url}: {type(error).__name__}")
    if answer.status_code != 200:
        return NotRead(f"GET {url}: {answer.status_code}")
    try:
        return answer.json()
    except ValueError:
        return NotRead(f"GET {url}: not JSON")


def _platform_manifest(index: dict) -> Optional[str]:
    entries = [m for m in index.get("manifests") or [] if isinstance(m, dict) and m.get("digest")]
    fitting = [m for m in entries if all((m.get("platform") or {}).get(k) == v for k, v in PLATFORM.items())]
    return (fitting or entries or [{}])[0].get("digest")


def image_source(image: str, env: Mapping[str, str] = os.environ) -> Union[ImageSource, NotRead]:
    """The revision (and GitHub repository) of ``<host>/<repository>@sha256:<hex>``."""
    name, _, digest = image.partition("@")
    host, _, repository = name.partition("/")
    if not digest.startswith("sha256:") or not repository:
        return NotRead(f"{image!r} is not pinned by digest")
    token = env.get("REGISTRY_TOKEN")
    if not token:
        return NotRead(f"REGISTRY_TOKEN is not set (a pull token of {host})")
    base = f"{(env.get('REGISTRY_API_URL') or f'https://{host}').rstrip('/')}/v2/{repository}"
    manifest = _get(f"{base}/manifests/{digest}", token, ", ".join(MANIFEST_TYPES))
    if isinstance(manifest, dict) and "manifests" in manifest:
        chosen = _platform_manifest(manifest)
        manifest = _get(f"{base}/manifests/{chosen}", token, ", ".join(MANIFEST_TYPES)) if chosen else \
            NotRead(f"the index {digest[:19]} lists no manifest")
    if isinstance(manifest, NotRead):
        return manifest
    config_digest = ((manifest or {}).get("config") or {}).get("digest")
    if not config_digest:
        return NotRead(f"the manifest {digest[:19]} names no config blob")
    config = _get(f"{base}/blobs/{config_digest}", token, "application/json")
    if isinstance(config, NotRead):
        return config
    labels = ((config or {}).get("config") or {}).get("Labels") or {}
    if not labels.get(REVISION):
        return NotRead(f"{name}@{digest[:19]} has no {REVISION} label (built before components/images.py set it)")
    match = GITHUB_SOURCE.match(labels.get(SOURCE) or "")
    return ImageSource(labels[REVISION], match.group(1) if match else None)
