"""`procurement:adopt`: resources that take over an existing object instead of failing (the entries' forms:
docs/reference/configuration.md, "Rules across fields")."""
from __future__ import annotations

import re
from typing import Any, Optional

from .adoptable import DEPLOY, TIER_KEYS, adoptable_resources
from .declarative import suggest
from .model import AdoptEntry
from .reader import Reader, full_key

_DEPLOY_ID = re.compile(r"^dep-[a-z0-9]+$")
_URN = re.compile(r"^urn:pulumi:(?P<stack>[^:]+)::(?P<project>[^:]+)::(?P<type>.+)::(?P<name>[^:]+)$")


def build_adopt(r: Reader, *, project: str, stack: str, **tiers: Any) -> tuple[AdoptEntry, ...]:
    """The parsed entries, checked against the resources `adoptable_resources(**tiers)` declares."""
    raw = r.items("adopt")
    if not raw:
        return ()
    declared = adoptable_resources(**tiers)
    entries: list[AdoptEntry] = []
    for i, text in enumerate(raw):
        if text is None:
            continue
        key = full_key(f"adopt[{i}]")
        entry = _parse(r, key, text.strip(), project, stack, declared)
        if entry is None:
            continue
        if entry.name not in declared:
            tier_key = TIER_KEYS.get(entry.name.split("-", 1)[0])
            if tier_key is not None and r.reported_under(tier_key):
                continue  # that tier's own problems come first
            r.problems.add(key, f"'{entry.name}' is not a resource of stack '{stack}' that can be adopted"
                           f"{_hint(entry.name, declared)}")
            continue
        if entry.after and declared[entry.name] != DEPLOY:
            r.problems.add(key, f"'{text}': only a Render deploy takes '@<deploy id>' (the deploys it must be "
                           f"newer than); '{entry.name}' is found by its name")
            continue
        entries.append(entry)
    return tuple(entries)


def _parse(r: Reader, key: str, text: str, project: str, stack: str,
           declared: dict[str, str]) -> Optional[AdoptEntry]:
    name, _, after = text.partition("@")
    urn = _URN.match(name)
    if urn:
        if (urn["stack"], urn["project"]) != (stack, project):
            r.problems.add(key, f"'{name}' is a URN of stack '{urn['project']}/{urn['stack']}', not of this stack "
                           f"'{project}/{stack}'")
            return None
        kind = urn["type"].rsplit("$", 1)[-1]
        name = urn["name"]
        if name in declared and declared[name] != kind:
            r.problems.add(key, f"'{text}' names a {kind}, but '{name}' here is a {declared[name]}")
            return None
    ids = tuple(i.strip() for i in after.split(",")) if after else ()
    bad = [i for i in ids if not _DEPLOY_ID.match(i)]
    if bad or (after and not ids):
        r.problems.add(key, f"'{text}': after '@' come Render deploy ids (dep-...), comma-separated; "
                       f"got {', '.join(repr(b) for b in bad) or 'none'}")
        return None
    return AdoptEntry(name=name, after=ids)


def _hint(name: str, declared: dict[str, str]) -> str:
    if not declared:
        return " (it declares none)"
    return suggest(name, declared, "adoptable resources")
