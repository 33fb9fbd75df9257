#!/usr/bin/env bash
# Resolve, once, the backend image a deployment runs, and validate it.
#
#   bash tools/scripts/image-digest.sh --pin <registry>/<repository>@sha256:<hex>     # a given digest
#   bash tools/scripts/image-digest.sh --from-stack <org>/<project>/<stack>           # that stack's backend_image_digest
#   bash tools/scripts/image-digest.sh --pin "$MAYBE_EMPTY" --from-stack <stack>      # the pin if given, else the stack's
#
# Prints the reference and, in GitHub Actions, appends `digest=<reference>` to $GITHUB_OUTPUT, so a
# workflow resolves it in one job and every later job pins exactly that (promote-production.yml: the
# preview and the approved `up` deploy the same image even if staging deploys again in between;
# deploy-staging.yml: the digest the backend repository's pipeline dispatched). Exit 2 when there is
# nothing to resolve or the value is not <registry>/<repository>@sha256:<64 hex>; the program checks
# again that it names the stack's images.registry/images.repository.
set -euo pipefail

pin=""
source_stack=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pin) pin="${2-}"; shift 2 ;;
    --from-stack) source_stack="${2-}"; shift 2 ;;
    *) echo "usage: bash tools/scripts/image-digest.sh [--pin <image@sha256:...>] [--from-stack <org/project/stack>]" >&2
       exit 2 ;;
  esac
done

if [ -n "$pin" ]; then
  reference="$pin"
  origin="the pinned digest"
elif [ -n "$source_stack" ]; then
  if ! reference="$(pulumi stack output backend_image_digest --stack "$source_stack" --non-interactive)"; then
    echo "image-digest: could not read backend_image_digest of $source_stack (see pulumi's message above)" >&2
    exit 2
  fi
  origin="backend_image_digest of $source_stack"
else
  echo "image-digest: nothing to resolve: give --pin <digest> or --from-stack <stack>" >&2
  exit 2
fi

if ! [[ "$reference" =~ ^[a-z0-9.:-]+/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$ ]]; then
  # The value came from outside (a dispatch payload, a workflow input): never echo it unquoted into a log line.
  echo "image-digest: $origin is not <registry>/<repository>@sha256:<64 hex digits>: '${reference//[^[:print:]]/?}'" >&2
  exit 2
fi
printf '%s\n' "$reference"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  printf 'digest=%s\n' "$reference" >> "$GITHUB_OUTPUT"
fi
