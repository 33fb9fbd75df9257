#!/usr/bin/env bash
# Writes and posts the review-stack comment of pull request PR (ops/review/comment.py), editing the one that
# carries its marker line instead of adding another. Needs GH_TOKEN (pull-requests: write); `result` also the
# review team's Pulumi login (it reads the stack's outputs and plan, and the Supabase prices via procurement/review).
#
#   bash tools/scripts/review-comment.sh PR creating|destroyed
#   UP_OUTCOME=success|failure bash tools/scripts/review-comment.sh PR result ERRFILE
#       after `ops.review up ... 2> ERRFILE`: updated, else queued (its last line says so) or failed (that line)
set -euo pipefail
pr="$1" what="$2"
py=".venv/bin/python"
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
if [ "$what" = result ]; then
  errors="$3"
  cat "$errors" >&2 # the up's own lines, for the job log
  detail="$(tail -n 1 "$errors")"
  stack="acme-procurement/procurement/pr-$pr"
  if [ "${UP_OUTCOME:-}" = success ] && outputs="$(pulumi stack output --json --stack "$stack")"; then
    dir="$(mktemp -d)"
    printf '%s\n' "$outputs" > "$dir/outputs.json"
    parent="$(pulumi config get procurement:review --stack "$stack" | jq -r '.parentProjectRef // empty' || true)"
    set -- --state updated --outputs "$dir/outputs.json"
    if [ -n "$parent" ] && pulumi env run acme-procurement/procurement/review -- \
        pulumi preview --json --stack "$stack" > "$dir/plan.json"; then
      set -- "$@" --plan "$dir/plan.json" --parent-ref "$parent"
    fi
    pulumi env run acme-procurement/procurement/review -- "$py" -m ops.review.comment --pr "$pr" "$@" > "$body"
  elif [[ "$detail" == *" queued"* ]]; then
    "$py" -m ops.review.comment --pr "$pr" --state queued --detail "$detail" > "$body"
  else
    "$py" -m ops.review.comment --pr "$pr" --state failed --detail "$detail" > "$body"
  fi
else
  "$py" -m ops.review.comment --pr "$pr" --state "$what" > "$body"
fi
marker="$(head -n 1 "$body")"
id="$(gh api "repos/$GITHUB_REPOSITORY/issues/$pr/comments" --paginate \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)"
if [ -n "$id" ]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" > /dev/null
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -F "body=@$body" > /dev/null
fi
