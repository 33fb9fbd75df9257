"""Images tier: the backend image every Render backend service runs, always referenced by digest.

Pinned (`digest`), promoted from another stack (`promote`) or built and pushed with the runner's `docker login`
(`build`, no registry password in the state); the public surface is the same: `image_ref` and `digest`.
The three paths and the verification status: components/README.md, "images.py".
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Optional

import pulumi

from components import naming
from components.image_revision import labelled_dockerfile, source_labels
from components.config import ImageSource, formats

# The stack output another stack promotes from; part of the stack-outputs contract (docs/reference/stack-outputs.md).
PROMOTED_OUTPUT = "backend_image_digest"


@dataclass(frozen=True, kw_only=True)
class BackendImageArgs:
    source: ImageSource
    """Where the backend image comes from (the stack's `images` config): pinned, promoted or built."""

    stack: str
    """Name of the stack building it; the pushed tag is `procurement-<stack>-backend` (naming module)."""


class BackendImage(pulumi.ComponentResource):
    """The backend container image, by digest (``procurement:images:BackendImage``).

    Children: ``<name>-image`` (docker:index/image:Image) on the build path, ``<name>-promoted-from``
    (pulumi:pulumi:StackReference) on the promote path, none on the pinned path.
    """

    image_name: str
    """`<registry>/<repository>`, without tag or digest."""
    image_ref: pulumi.Output[str]
    """`<registry>/<repository>@sha256:<hex>`: the exact image Render runs."""
    digest: pulumi.Output[str]
    """`sha256:<hex>`: the manifest digest alone."""
    source_kind: str
    """`digest`, `promote` or `build`: which path produced `image_ref`."""

    def __init__(self, name: str, args: BackendImageArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("procurement:images:BackendImage", name, None, opts)
        source = args.source
        self.image_name = source.registry.image_name
        self.source_kind = source.kind

        if source.kind == "digest":
            if not source.digest_ref:
                raise ValueError("images: source kind 'digest' needs a pinned digest (procurement:backendImageDigest)")
            ref: pulumi.Output[str] = pulumi.Output.from_input(_checked_ref(source.digest_ref, self.image_name,
                                                                            "procurement:backendImageDigest"))
        elif source.kind == "promote":
            if not source.promote_from_stack:
                raise ValueError("images: source kind 'promote' needs procurement:promoteFromStack")
            ref = self._promoted(name, source.promote_from_stack)
        elif source.kind == "build":
            if source.build is None:
                raise ValueError("images: source kind 'build' needs images.context")
            ref = self._built(name, args)
        else:
            raise ValueError(f"images: unknown image source kind '{source.kind}'")

        self.image_ref = ref
        self.digest = ref.apply(lambda value: value.split("@", 1)[1])
        self.register_outputs({
            "image_name": self.image_name,
            "image_ref": self.image_ref,
            "digest": self.digest,
            "source_kind": self.source_kind,
        })

    def _promoted(self, name: str, stack_name: str) -> pulumi.Output[str]:
        reference = pulumi.StackReference(f"{name}-promoted-from", stack_name=stack_name,
                                          opts=pulumi.ResourceOptions(parent=self))
        where = f"output '{PROMOTED_OUTPUT}' of stack {stack_name}"
        return reference.require_output(PROMOTED_OUTPUT).apply(
            lambda value: _checked_ref(_as_ref(value, self.image_name, where), self.image_name, where))

    def _built(self, name: str, args: BackendImageArgs) -> pulumi.Output[str]:
        # Imported here, not at the top: only the build path needs pulumi-docker, and the pinned and
        # promoted paths (local, production) should not pay for loading it (issue 16).
        import pulumi_docker as docker

        source = args.source
        registry = source.registry
        build = source.build
        tag = naming.physical_name(args.stack, "backend")
        # The commit it is built from, as OCI labels (components/image_revision.py): the report's lead time.
        dockerfile = labelled_dockerfile(posixpath.join(build.context, build.dockerfile),
                                         source_labels(build.context), tag)
        image = docker.Image(
            f"{name}-image",
            image_name=f"{self.image_name}:{tag}",
            build=docker.DockerBuildArgs(
                context=build.context,
                # pulumi-docker resolves `dockerfile` against the working directory, not the
                # context (pulumi/pulumi-docker#572); config gives it relative to the context.
                dockerfile=dockerfile,
                platform=build.platform,
            ),
            # The server only: the push authenticates with the runner's `docker login` (deploy-staging.yml).
            registry=docker.RegistryArgs(server=registry.host),
            build_on_preview=False,  # a preview must not need a Docker engine, credentials or a push
            skip_push=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return image.repo_digest.apply(
            lambda value: _checked_ref(value, self.image_name, f"repo_digest of {name}-image"))


def _as_ref(value: object, image_name: str, where: str) -> str:
    """A promoted value may be a full reference or a bare `sha256:` digest of our repository."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"images: {where} is empty; promote only after that stack has built an image")
    return f"{image_name}@{value}" if value.startswith("sha256:") else value


def _checked_ref(value: str, image_name: str, where: str) -> str:
    problem = formats.digest_reference(value)
    if problem is not None:
        raise ValueError(f"images: {where}: {problem}")
    pinned = formats.digest_image_name(value)
    if pinned != image_name:
        raise ValueError(f"images: {where} names '{pinned}', but images.registry/images.repository name "
                         f"'{image_name}'")
    return value
