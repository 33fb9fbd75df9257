"""Promotion and rollback on the committed production stack, under Pulumi's mocks.

Production cannot be previewed by the real engine here (its bridged plugins cannot be installed);
test_delivery_runbooks.py shows the same behaviour with the real engine on the local stack. Here
the full production graph (edge, source control, observability included) is compared between two
configurations: only the backend services' image and their deploys may differ.
"""
from pulumi.output import Unknown

from tests.components.platform_mocks import DIGEST, STAGING_IMAGE, run_stack

IMAGE = "ghcr.io/acme-procurement/procurement-system"
PREVIOUS = f"{IMAGE}@sha256:{'a1' * 32}"
SERVICE = "pulumi-python:dynamic/render:Service"
DEPLOY = "pulumi-python:dynamic/render:Deploy"
CANDIDATE = "pulumi-python:dynamic/render:ReleaseCandidate"


REFERENCE = "pulumi:pulumi:StackReference"


def graph(run):
    """Resources by URN, without reads: a StackReference is read on every run and changes nothing."""
    return {r.urn: r for r in run.resources if r.type != REFERENCE}


def known(value):
    """The value with every preview-unknown replaced by one marker: the SDK's Unknown objects compare
    by identity, so two previews' equal unknowns (a deploy's `triggers.writes`, from outputs the mocks
    leave unknown) would otherwise differ."""
    if isinstance(value, Unknown):
        return "<unknown>"
    if isinstance(value, dict):
        return {k: known(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [known(v) for v in value]
    return value


def differences(before, after):
    """urn -> input keys that differ (the resources must be the same set)."""
    a, b = graph(before), graph(after)
    assert set(a) == set(b), set(a) ^ set(b)
    inputs_a = {urn: known(r.inputs) for urn, r in a.items()}
    inputs_b = {urn: known(r.inputs) for urn, r in b.items()}
    return {urn: sorted(k for k in set(inputs_a[urn]) | set(inputs_b[urn])
                        if inputs_a[urn].get(k) != inputs_b[urn].get(k))
            for urn in a if inputs_a[urn] != inputs_b[urn]}


def test_production_promotes_the_digest_staging_exports_and_builds_nothing():
    run = run_stack("production", preview=True)
    assert [r.inputs.get("name") for r in run.of_type("pulumi:pulumi:StackReference")] == \
        ["acme-procurement/procurement/staging"]
    assert not [r for r in run.resources if r.type.startswith("docker:")]
    services = run.of_type(SERVICE)
    # The backup job also runs an image by digest, its own (procurement:backup.image), which promotion never moves.
    backend = [s for s in services if s.inputs.get("image") == IMAGE]
    assert backend and {s.inputs["image_digest"] for s in backend} == {DIGEST}
    assert {d.inputs["image_digest"] for d in run.of_type(DEPLOY)} == {DIGEST}
    assert run.outputs["backend_image_digest"].endswith(DIGEST)


def test_pinning_a_digest_changes_only_each_backend_service_image_and_its_one_deploy():
    promoted = run_stack("production", preview=True)
    pinned = run_stack("production", preview=True, overrides={"procurement:backendImageDigest": PREVIOUS})
    changed = differences(promoted, pinned)
    by_urn = graph(pinned)
    backend = {r.urn for r in pinned.of_type(SERVICE) if r.inputs.get("image") == IMAGE}
    deploys = {r.urn for r in pinned.of_type(DEPLOY)}
    # A pin wins over promotion: staging's output is no longer read at all.
    assert promoted.of_type(REFERENCE) and not pinned.of_type(REFERENCE)
    candidates = {r.urn for r in pinned.of_type(CANDIDATE)}  # each web service checks the image first
    assert candidates and set(changed) == backend | deploys | candidates, sorted(by_urn[u].name for u in changed)
    assert all(keys == ["image_digest"] for keys in changed.values()), changed
    assert len(deploys) == len(backend)  # one deploy per service: the Deploy's digest is replace-only
    assert {by_urn[u].inputs["service_id"] for u in deploys} == {f"{by_urn[u].name}-id" for u in backend}


def test_pinning_the_promoted_digest_changes_nothing():
    promoted = run_stack("production", preview=True)
    pinned = run_stack("production", preview=True, overrides={"procurement:backendImageDigest": STAGING_IMAGE})
    assert differences(promoted, pinned) == {}
