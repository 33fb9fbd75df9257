"""`procurement:adopt` reaches the resources it names: one resource transformation per tier.

The config layer has already checked every entry against the resources the stack declares
(components/config/build_adopt.py). Here each named resource gets `adopt=True` among its inputs
(a Deploy entry with known deploy ids also gets `adopt_after`), whatever component declares it:
`build_platform` hands this transformation to the tier components, and Pulumi applies a
component's transformations to all its children. `adopt` is not a managed input: once the object
is taken over, removing the entry changes nothing (no diff, no update).
"""
from __future__ import annotations

from typing import Optional, Sequence

import pulumi

from pulumi.dynamic import Resource as DynamicResource

from components.config import AdoptEntry


def adopt_transformation(entries: Sequence[AdoptEntry]) -> Optional[pulumi.ResourceTransformation]:
    """A transformation setting `adopt` on the named resources; None when there are no entries."""
    wanted = {entry.name: entry for entry in entries}
    if not wanted:
        return None

    def adopt(args: pulumi.ResourceTransformationArgs) -> Optional[pulumi.ResourceTransformationResult]:
        entry = wanted.get(args.name)
        if entry is None or not isinstance(args.resource, DynamicResource):
            return None
        props = {**args.props, "adopt": True}
        if entry.after:
            props["adopt_after"] = list(entry.after)
        return pulumi.ResourceTransformationResult(props, args.opts)

    return adopt
