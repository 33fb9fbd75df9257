"""Where backups are stored: ``s3://bucket/prefix`` (any S3-compatible API: Cloudflare R2 in production) or
``file:///dir`` (a directory: the restore drill, or a mounted volume). One small interface, so the backup and
the restore never care which."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import BinaryIO, Optional, Protocol
from urllib.parse import urlparse


class Target(Protocol):
    url: str

    def put(self, key: str, path: Path, metadata: Optional[dict[str, str]] = None) -> None: ...
    def get(self, key: str, path: Path) -> None: ...
    def size(self, key: str) -> Optional[int]: ...
    def keys(self) -> list[str]: ...


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileTarget:
    def __init__(self, root: Path, url: str) -> None:
        self.root, self.url = root, url

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, path: Path, metadata: Optional[dict[str, str]] = None) -> None:
        destination = self._path(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        shutil.copyfile(path, partial)
        os.replace(partial, destination)  # a reader never sees half an object

    def get(self, key: str, path: Path) -> None:
        shutil.copyfile(self._path(key), path)

    def size(self, key: str) -> Optional[int]:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*")
                      if p.is_file() and not p.name.endswith(".partial"))


BACKUP_CREDENTIALS = "BACKUP_S3"  # the backups' S3 variables: BACKUP_S3_ACCESS_KEY_ID, ...


class S3Target:
    """An S3-compatible bucket (boto3). Credentials: <credentials>_ACCESS_KEY_ID / <credentials>_SECRET_ACCESS_KEY,
    endpoint <credentials>_ENDPOINT (R2: https://<account>.r2.cloudflarestorage.com), read when the target is made;
    <credentials> is BACKUP_S3 unless another bucket's token is meant (the restore test's records)."""

    def __init__(self, bucket: str, prefix: str, url: str, credentials: str = BACKUP_CREDENTIALS) -> None:
        import boto3  # only where an S3 target is used

        self.bucket, self.prefix, self.url = bucket, prefix.strip("/"), url
        missing = [v for v in (f"{credentials}_ACCESS_KEY_ID", f"{credentials}_SECRET_ACCESS_KEY")
                   if not os.environ.get(v)]
        if missing:
            raise SystemExit(f"backup target {url}: {', '.join(missing)} not set (the stack's ESC environment, or the "
                             "backup job's environment, provides them)")
        self.client = boto3.client(
            "s3", endpoint_url=os.environ.get(f"{credentials}_ENDPOINT") or None,
            region_name=os.environ.get(f"{credentials}_REGION") or "auto",
            aws_access_key_id=os.environ[f"{credentials}_ACCESS_KEY_ID"],
            aws_secret_access_key=os.environ[f"{credentials}_SECRET_ACCESS_KEY"])

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, path: Path, metadata: Optional[dict[str, str]] = None) -> None:
        self.client.upload_file(str(path), self.bucket, self._key(key), ExtraArgs={"Metadata": metadata or {}})

    def get(self, key: str, path: Path) -> None:
        self.client.download_file(self.bucket, self._key(key), str(path))

    def size(self, key: str) -> Optional[int]:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])
        except self.client.exceptions.ClientError:
            return None

    def keys(self) -> list[str]:
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else "")
        for page in pages:
            for item in page.get("Contents") or []:
                key = item["Key"]
                found.append(key[len(self.prefix) + 1:] if self.prefix else key)
        return sorted(found)


def open_target(url: str, credentials: str = BACKUP_CREDENTIALS) -> Target:
    """``file:///abs/dir`` or ``s3://bucket/prefix``; anything else is a clear error. ``credentials``: the prefix
    of an S3 bucket's variables (S3Target)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileTarget(Path(parsed.path), url)
    if parsed.scheme == "s3" and parsed.netloc:
        return S3Target(parsed.netloc, parsed.path, url, credentials)
    raise SystemExit(f"backup target {url!r}: use s3://<bucket>/<prefix> or file:///<directory>")
