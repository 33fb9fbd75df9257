"""A generated password kept secret in Pulumi state (``pulumi-python:dynamic/random:RandomPassword``).

Why not pulumi-random: its provider plugin is a Go binary from Pulumi's download site, which
this project's machines cannot reach. The password is generated once, in ``create``, with
``secrets`` (a CSPRNG), and only the engine's encrypted state remembers it; it is replaced when
``length``, ``special`` or ``keepers`` change (change a keeper to rotate it).

Import-safe: no I/O at import, and the provider object holds no state (dill pickles it by this
module path into the state, so never move or rename this module or the classes).
"""

import secrets
import string
from typing import Any, Mapping, Optional

import pulumi
from pulumi.runtime.rpc import UNKNOWN
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
)

from dynamic_providers.core import sdk_patches
from dynamic_providers.core.host import start_watch

MIN_LENGTH = 8
MAX_LENGTH = 256
# Specials that are safe inside connection strings once URL-encoded and in SQL string literals
# (no quote or backslash), so callers can embed the password without shell/SQL escaping bugs.
SPECIAL_CHARACTERS = "!#$%&*()-_=+[]{}<>:?"
# Properties whose change means a new password (the old one must not be reused).
REPLACE_ON_CHANGE = ("length", "special", "keepers")


def generate_password(length: int, special: bool) -> str:
    """A password of `length` characters holding at least one lower, upper and digit (and special)."""
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits]
    if special:
        classes.append(SPECIAL_CHARACTERS)
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        # Rejection sampling keeps the distribution uniform over passwords that meet the policy
        # (databases and APIs often demand every character class).
        if all(any(c in cls for c in candidate) for cls in classes):
            return candidate


class RandomPasswordProvider(ResourceProvider):
    """Dynamic provider behind :class:`RandomPassword`. Holds nothing: it is pickled into state."""

    def configure(self, req) -> None:
        # Inside the engine's provider process: exit when the CLI dies (core/host.py), then the SDK
        # patches every provider shares (core/sdk_patches.py).
        start_watch()
        sdk_patches.install()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Values still unknown during a preview are checked again when they are known.
        failures = []
        length = news.get("length")
        # Numbers cross gRPC as doubles, so 32 arrives as 32.0.
        if length != UNKNOWN and (
            not isinstance(length, (int, float))
            or isinstance(length, bool)
            or not float(length).is_integer()
            or not MIN_LENGTH <= length <= MAX_LENGTH
        ):
            failures.append(
                CheckFailure("length", f"length must be an integer from {MIN_LENGTH} to {MAX_LENGTH}, got {length!r}")
            )
        special = news.get("special")
        if special != UNKNOWN and not isinstance(special, bool):
            failures.append(CheckFailure("special", f"special must be true or false, got {special!r}"))
        keepers = news.get("keepers")
        if keepers != UNKNOWN and not isinstance(keepers, dict):
            failures.append(CheckFailure("keepers", f"keepers must be a map of strings, got {keepers!r}"))
        return CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        password = generate_password(int(props["length"]), props["special"])
        # The ID is random, not derived from the password: IDs are stored and shown in plain text.
        return CreateResult(id_=secrets.token_hex(16), outs={**_inputs(props), "result": password})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Unknown values during preview compare unequal, which correctly predicts a replacement.
        replaces = [key for key in REPLACE_ON_CHANGE if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Nothing lives outside the state: what we stored is the truth. Returning the inputs too
        # keeps `pulumi refresh` free of diff noise.
        return ReadResult(id_, outs=dict(props), inputs=_inputs(props))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Forgetting the password is all there is to do.
        return None


def _inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    return {key: props.get(key) for key in REPLACE_ON_CHANGE}


class RandomPassword(Resource, module="random", name="RandomPassword"):
    """A random password; ``result`` is a secret output.

    :param length: number of characters (8..256), default 32.
    :param special: include punctuation from ``SPECIAL_CHARACTERS``; default False (URL/SQL safe).
    :param keepers: arbitrary strings; changing any of them generates a new password.
    """

    result: pulumi.Output[str]
    length: pulumi.Output[int]
    special: pulumi.Output[bool]
    keepers: pulumi.Output[dict]

    def __init__(
        self,
        resource_name: str,
        length: pulumi.Input[int] = 32,
        special: pulumi.Input[bool] = False,
        keepers: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["result"]))
        super().__init__(
            RandomPasswordProvider(),
            resource_name,
            {"length": length, "special": special, "keepers": keepers or {}, "result": None},
            opts,
        )
