#!/usr/bin/env bash
# Make `pg_restore` of at least PostgreSQL <major> the one on PATH, for the daily restore test
# (restore-test.yml): the backups are pg_dump 17 archives (ops/backup/Dockerfile), which an older pg_restore
# cannot read, and the runner's Ubuntu ships 16.
#
#   bash tools/scripts/pg-client.sh 17     # prints the pg_restore later steps use
#
# The one on PATH when it is new enough; else postgresql-client-<major> from the PostgreSQL project's apt
# repository (apt.postgresql.org), its signing key checked against the fingerprint pinned below before apt
# trusts it. In GitHub Actions the client's directory goes to $GITHUB_PATH. Environment: SUDO (default sudo).
set -euo pipefail

major="${1:?usage: bash tools/scripts/pg-client.sh <major>}"
# The PostgreSQL Global Development Group's Debian/Ubuntu repository key (www.postgresql.org/download/linux/ubuntu).
PGDG_FINGERPRINT=B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8
sudo_cmd="${SUDO-sudo}"

major_of() { "$1" --version | sed -nE 's/^pg_restore \(PostgreSQL\) ([0-9]+).*/\1/p'; }

found="$(command -v pg_restore || true)"
if [ -n "$found" ] && [ "$(major_of "$found")" -ge "$major" ] 2>/dev/null; then
  echo "$found"
  exit 0
fi

keyring="$(mktemp)"
GNUPGHOME="$(mktemp -d)" # gpg only reads the downloaded key: no keyring of the runner's is involved
export GNUPGHOME
trap 'rm -rf "$keyring" "$keyring.asc" "$GNUPGHOME"' EXIT
curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc -o "$keyring.asc"
gpg --batch --quiet --yes --dearmor -o "$keyring" "$keyring.asc"
if ! gpg --batch --quiet --show-keys --with-colons "$keyring" | grep -qx "fpr:::::::::$PGDG_FINGERPRINT:"; then
  echo "pg-client: the key at www.postgresql.org is not $PGDG_FINGERPRINT; nothing installed" >&2
  exit 2
fi
codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
$sudo_cmd install -m 0644 "$keyring" /usr/share/keyrings/pgdg.gpg
echo "deb [signed-by=/usr/share/keyrings/pgdg.gpg] https://apt.postgresql.org/pub/repos/apt $codename-pgdg main" |
  $sudo_cmd tee /etc/apt/sources.list.d/pgdg.list >/dev/null
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "postgresql-client-$major" >/dev/null
bin="/usr/lib/postgresql/$major/bin"
if [ "$(major_of "$bin/pg_restore")" != "$major" ]; then
  echo "pg-client: $bin/pg_restore is not PostgreSQL $major after the install" >&2
  exit 2
fi
[ -z "${GITHUB_PATH:-}" ] || echo "$bin" >> "$GITHUB_PATH"
echo "$bin/pg_restore"
