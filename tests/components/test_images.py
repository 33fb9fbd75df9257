"""BackendImage under mocks: build (staging), promote (production), pinned digest (rollback, local).

Mock-only: the docker provider plugin and a Docker engine are not available here, so these tests
check what the component asks pulumi-docker to do, not a real build or push.
"""
import pulumi
import pytest

from components.images import BackendImage, BackendImageArgs
from tests.components.component_mocks import run_component, stack_config

COMPONENT = "procurement:images:BackendImage"
IMAGE = "docker:index/image:Image"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
REPOSITORY = "ghcr.io/acme-procurement/procurement-system"
BUILT = "sha256:" + "ab" * 32
STAGING_VERIFIED = "sha256:" + "cd" * 32
PINNED = "sha256:" + "ef" * 32


def pushed_digest(args):
    if args.typ == IMAGE:
        return {"repoDigest": f"{REPOSITORY}@{BUILT}"}
    return None


def build(stack, overrides=None):
    def program():
        cfg = stack_config(stack, overrides)
        image = BackendImage("images", BackendImageArgs(source=cfg.images, stack=cfg.stack))
        pulumi.export("image_ref", image.image_ref)
        pulumi.export("digest", image.digest)
        pulumi.export("source_kind", image.source_kind)
    return program


def test_staging_builds_for_linux_amd64_and_pushes_with_the_runners_docker_login():
    run = run_component(build("staging"), resource_outputs=pushed_digest)
    component = run.one(COMPONENT, "images")
    image = run.one(IMAGE, "images-image")
    assert [r.name for r in run.children_of(component)] == ["images-image"]
    assert image.parent == component.urn
    assert image.inputs["imageName"] == f"{REPOSITORY}:procurement-staging-backend"
    assert image.inputs["build"] == {"context": "../procurement-system", "dockerfile": "../procurement-system/Dockerfile",
                                     "platform": "linux/amd64"}
    assert image.inputs["buildOnPreview"] is False and image.inputs["skipPush"] is False
    # The server only: pulumi-docker pushes with the Docker config's credentials (the workflow's
    # `docker login`), so no registry password is an input or in the state.
    assert image.inputs["registry"] == {"server": "ghcr.io"}
    assert run.outputs == {"image_ref": f"{REPOSITORY}@{BUILT}", "digest": BUILT, "source_kind": "build"}


def test_production_builds_nothing_and_runs_the_digest_staging_verified():
    staging = "acme-procurement/procurement/staging"
    run = run_component(build("production"), stack="production",
                        stack_references={staging: {"backend_image_digest": f"{REPOSITORY}@{STAGING_VERIFIED}"}})
    component = run.one(COMPONENT, "images")
    reference = run.one(STACK_REFERENCE, "images-promoted-from")
    assert reference.parent == component.urn and reference.inputs["name"] == staging
    assert run.of_type(IMAGE) == []
    assert run.outputs == {"image_ref": f"{REPOSITORY}@{STAGING_VERIFIED}", "digest": STAGING_VERIFIED,
                           "source_kind": "promote"}


def test_a_promoted_bare_digest_is_completed_with_the_repository():
    staging = "acme-procurement/procurement/staging"
    run = run_component(build("production"), stack="production",
                        stack_references={staging: {"backend_image_digest": STAGING_VERIFIED}})
    assert run.outputs["image_ref"] == f"{REPOSITORY}@{STAGING_VERIFIED}"


def test_a_promoted_image_of_another_repository_is_refused():
    staging = "acme-procurement/procurement/staging"
    run = run_component(build("production"), stack="production", allow_error=True,
                        stack_references={staging: {"backend_image_digest": f"ghcr.io/evil/app@{STAGING_VERIFIED}"}})
    assert run.error is not None
    assert "ghcr.io/evil/app" in str(run.error) and "backend_image_digest" in str(run.error)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_a_pinned_digest_wins_and_registers_no_docker_resource(stack):
    pinned = f"{REPOSITORY}@{PINNED}"
    run = run_component(build(stack, {"procurement:backendImageDigest": pinned}), stack=stack,
                        resource_outputs=pushed_digest)
    component = run.one(COMPONENT, "images")
    assert run.children_of(component) == []
    assert [r.type for r in run.resources] == [COMPONENT]
    assert run.outputs == {"image_ref": pinned, "digest": PINNED, "source_kind": "digest"}


def test_both_paths_register_the_same_public_surface():
    built = run_component(build("staging"), resource_outputs=pushed_digest)
    pinned = run_component(build("staging", {"procurement:backendImageDigest": f"{REPOSITORY}@{PINNED}"}))
    surfaces = []
    for run in (built, pinned):
        outputs = run.outputs_of(run.one(COMPONENT, "images").urn)
        surfaces.append(sorted(outputs))
        assert outputs["image_name"] == REPOSITORY
    assert surfaces[0] == surfaces[1] == ["digest", "image_name", "image_ref", "source_kind"]
