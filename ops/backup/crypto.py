"""age encryption of dumps (age-encryption.org/v1, via pyrage): to every public recipient when backing up (each
identity alone decrypts), with one identity (private key) when restoring. Streaming, so a dump never has to fit
in memory. The files are plain age files: `age -d -i key.txt dump.age > dump` decrypts one without this program.

The header can be checked without any identity (:func:`x25519_stanzas`): the backup check counts one X25519
stanza per recipient the manifest lists."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

IDENTITY_ENV = "BACKUP_AGE_IDENTITY"
RECIPIENTS_ENV = "BACKUP_AGE_RECIPIENTS"
AGE_V1 = b"age-encryption.org/v1"
MAX_HEADER_BYTES = 64 * 1024  # a header with a handful of stanzas is well under 1 KiB


class HeaderError(Exception):
    """The file does not start with a well-formed age v1 header."""


@dataclass(frozen=True)
class Recipient:
    recipient: str
    holder: str


def parse_recipients(text: str) -> list[Recipient]:
    """BACKUP_AGE_RECIPIENTS: one `<age1...> <holder>` per line (blank lines and `#` comments ignored)."""
    from pyrage import x25519

    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        recipient, _, holder = line.partition(" ")
        try:
            x25519.Recipient.from_str(recipient)
        except Exception:
            raise SystemExit(f"backup: {RECIPIENTS_ENV} line {number} is not '<age1...> <holder>' with a valid age "
                             "recipient") from None
        found.append(Recipient(recipient, holder.strip()))
    if not found:
        raise SystemExit(f"backup: {RECIPIENTS_ENV} lists no recipient")
    if len({r.recipient for r in found}) != len(found):
        raise SystemExit(f"backup: {RECIPIENTS_ENV} lists a recipient twice")
    return found


def encrypt(source: Path, destination: Path, recipients: list[Recipient]) -> None:
    import pyrage
    from pyrage import x25519

    keys = [x25519.Recipient.from_str(r.recipient) for r in recipients]
    with open(source, "rb") as plain, open(destination, "wb") as sealed:
        pyrage.encrypt_io(plain, sealed, keys)


def x25519_stanzas(handle: BinaryIO) -> int:
    """How many `-> X25519` stanzas the age v1 header at the start of ``handle`` has (no identity needed).

    The header: the line `age-encryption.org/v1`, then stanzas (`-> <type> <args>` followed by base64 body
    lines), then the MAC line `--- <base64>`. Anything else raises :class:`HeaderError`."""
    header = handle.read(MAX_HEADER_BYTES)
    lines = header.split(b"\n")
    if not lines or lines[0] != AGE_V1:
        raise HeaderError("does not start with an age v1 header")
    count = 0
    for line in lines[1:-1]:  # the last element is either past the header or cut off by the read
        if line.startswith(b"--- "):
            return count
        if line.startswith(b"-> "):
            args = line[3:].split(b" ")
            if args[0] == b"X25519":
                if len(args) != 2:
                    raise HeaderError("has a malformed X25519 stanza")
                count += 1
    raise HeaderError("has no end of header ('---' line): truncated?")


def decrypt(source: Path, destination: Path, identity: str | None = None) -> None:
    import pyrage
    from pyrage import x25519

    text = (identity or os.environ.get(IDENTITY_ENV) or "").strip()
    if not text:
        raise SystemExit(f"restore: {IDENTITY_ENV} is not set: the age identity (AGE-SECRET-KEY-1...) that decrypts "
                         "backups: open the break-glass environment (`pulumi env run acme-procurement/procurement/"
                         "break-glass -- ...`, docs/how-to/restore-the-database.md) or export the escrow key")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    try:
        key = x25519.Identity.from_str(lines[0])
    except Exception:
        raise SystemExit(f"restore: {IDENTITY_ENV} is not an age identity (AGE-SECRET-KEY-1...)") from None
    with open(source, "rb") as sealed, open(destination, "wb") as plain:
        try:
            pyrage.decrypt_io(sealed, plain, [key])
        except pyrage.DecryptError:
            raise SystemExit(f"restore: {source.name} cannot be decrypted with {IDENTITY_ENV} (a key pair the "
                             "backup was not encrypted to? its manifest lists the recipients)") from None
