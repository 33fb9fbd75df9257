"""age encryption of dumps (age-encryption.org/v1, via pyrage): to a public recipient when backing up, with
the identity (private key) when restoring. Streaming, so a dump never has to fit in memory. The files are
plain age files: `age -d -i key.txt dump.age > dump` decrypts one without this program."""
from __future__ import annotations

import os
from pathlib import Path

IDENTITY_ENV = "BACKUP_AGE_IDENTITY"


def encrypt(source: Path, destination: Path, recipient: str) -> None:
    import pyrage
    from pyrage import x25519

    try:
        public = x25519.Recipient.from_str(recipient.strip())
    except Exception:
        raise SystemExit("backup: BACKUP_AGE_RECIPIENT is not an age recipient (age1...)") from None
    with open(source, "rb") as plain, open(destination, "wb") as sealed:
        pyrage.encrypt_io(plain, sealed, [public])


def decrypt(source: Path, destination: Path, identity: str | None = None) -> None:
    import pyrage
    from pyrage import x25519

    text = (identity or os.environ.get(IDENTITY_ENV) or "").strip()
    if not text:
        raise SystemExit(f"restore: {IDENTITY_ENV} is not set: the age identity (AGE-SECRET-KEY-1...) that decrypts "
                         "backups lives in the stack's ESC environment (environmentVariables.BACKUP_AGE_IDENTITY)")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    try:
        key = x25519.Identity.from_str(lines[0])
    except Exception:
        raise SystemExit(f"restore: {IDENTITY_ENV} is not an age identity (AGE-SECRET-KEY-1...)") from None
    with open(source, "rb") as sealed, open(destination, "wb") as plain:
        try:
            pyrage.decrypt_io(sealed, plain, [key])
        except pyrage.DecryptError:
            raise SystemExit(f"restore: {source.name} cannot be decrypted with {IDENTITY_ENV} (another key pair?)") \
                from None
