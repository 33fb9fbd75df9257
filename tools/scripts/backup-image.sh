#!/usr/bin/env bash
# Build and push the backup job's image (ops/backup/Dockerfile) from this commit, and print its digest: staging's
# pipeline runs it on every merge (deploy-staging.yml), and production runs that exact digest once a pull request
# pins it in procurement:backup.image (docs/how-to/operations.md, the job's image). Render never builds the job itself.
#
#   bash tools/scripts/backup-image.sh     # prints <registry>/<repository>@sha256:<hex>; exit 2 when no digest came back
#
# In GitHub Actions the reference also goes to $GITHUB_OUTPUT (`image=`) and the step summary. Environment:
# BACKUP_IMAGE_REPOSITORY (default ghcr.io/acme-procurement/procurement-backup), GITHUB_SHA (the tag), DOCKER.
# The registry login is the runner's (docker/login-action): no credential passes through here.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
docker="${DOCKER:-docker}"
repository="${BACKUP_IMAGE_REPOSITORY:-ghcr.io/acme-procurement/procurement-backup}"
tag="${GITHUB_SHA:-$(git rev-parse HEAD)}"
metadata="$(mktemp)"
trap 'rm -f "$metadata"' EXIT

if ! "$docker" buildx version >/dev/null 2>&1; then
  echo "backup-image: '$docker buildx' is not available here: run it where Docker with buildx runs (deploy-staging.yml does, on every merge)" >&2
  exit 2
fi
if ! "$docker" buildx build --platform linux/amd64 --file ops/backup/Dockerfile --tag "$repository:$tag" \
  --provenance=false --metadata-file "$metadata" --push .; then
  echo "backup-image: building or pushing $repository:$tag failed (docker's message above); rerun: bash tools/scripts/backup-image.sh" >&2
  exit 2
fi
digest="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("containerimage.digest", ""))' "$metadata")"
if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "backup-image: the build of $repository:$tag reported no image digest ('$digest'); rerun: bash tools/scripts/backup-image.sh" >&2
  exit 2
fi
reference="$repository@$digest"
echo "$reference"
[ -z "${GITHUB_OUTPUT:-}" ] || echo "image=$reference" >> "$GITHUB_OUTPUT"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  printf 'Backup job image built from %s: `%s`\n\nTo run it in production, pin it by pull request: `procurement:backup.image: %s` in Pulumi.production.yaml.\n' \
    "$tag" "$reference" "$reference" >> "$GITHUB_STEP_SUMMARY"
fi
