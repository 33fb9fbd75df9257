"""The docs can be navigated: every relative link and #anchor in README.md and docs/**/*.md resolves (the file
exists; the heading exists, by GitHub's anchor rules), and no section is written twice (the same heading text at
the same level in two places of the docs)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 300  # what it is, the two commands, a map, where to go next; the rest is under docs/

LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def docs(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def prose_lines(text: str):
    """(line number, line) outside fenced code blocks, inline code removed (a link in code is no link)."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if marker:
            if fence is None:
                fence = marker.group(1)[0]
            elif marker.group(1)[0] == fence:
                fence = None
            continue
        if fence is None:
            yield number, line


def headings(text: str) -> list[tuple[int, str]]:
    """(level, text) of every ATX heading outside code blocks."""
    found = []
    for _number, line in prose_lines(text):
        match = HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2)))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation but `-` and `_` removed, spaces to `-`."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: Counter[str] = Counter()
    result = set()
    for _level, heading in headings(text):
        base = slug(heading)
        result.add(base if not seen[base] else f"{base}-{seen[base]}")
        seen[base] += 1
    return result


def broken_links(root: Path) -> list[str]:
    problems = []
    for doc in docs(root):
        text = doc.read_text()
        kept = dict(prose_lines(text))  # a link may wrap onto the next line: match on the prose as a whole
        prose = "\n".join(re.sub(r"`[^`]*`", "", kept.get(n, "")) for n in range(1, len(text.splitlines()) + 1))
        for match in LINK.finditer(prose):
            target, number = match.group(1), prose.count("\n", 0, match.start()) + 1
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...: not ours to check
                continue
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path).resolve() if path else doc
            where = f"{doc.relative_to(root)}:{number}: {target}"
            if not dest.exists():
                problems.append(f"{where}: no such file")
            elif anchor and (dest.is_dir() or dest.suffix != ".md"):
                problems.append(f"{where}: an anchor into a file that is not markdown")
            elif anchor and anchor not in anchors(dest.read_text()):
                problems.append(f"{where}: {dest.relative_to(root)} has no heading #{anchor}")
    return problems


def duplicate_sections(root: Path) -> list[str]:
    where: dict[tuple[int, str], list[str]] = {}
    for doc in docs(root):
        for level, heading in headings(doc.read_text()):
            where.setdefault((level, heading), []).append(str(doc.relative_to(root)))
    return [f"{'#' * level} {heading}: {', '.join(places)}"
            for (level, heading), places in where.items() if len(places) > 1]


def test_every_relative_link_and_anchor_resolves():
    assert broken_links(ROOT) == []


def test_no_section_is_written_twice():
    assert duplicate_sections(ROOT) == []


def test_readme_stays_short_and_points_into_docs():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= README_MAX_LINES
    assert "](docs/README.md)" in readme
    linked = {(ROOT / "docs" / target).resolve()
              for target in LINK.findall((ROOT / "docs" / "README.md").read_text())}
    unlinked = [p.relative_to(ROOT) for p in docs(ROOT)[1:] if p.name != "README.md" and p.resolve() not in linked]
    assert unlinked == [], "docs/README.md does not link these"


def test_github_slugs():
    assert slug("Render and Supabase: `procurement:adopt`") == "render-and-supabase-procurementadopt"
    assert slug("The `local` stack: tools/scripts/local-stack.sh") == "the-local-stack-toolsscriptslocal-stacksh"
    assert slug("At 3 a.m.: the database is gone or its data is wrong") == \
        "at-3-am-the-database-is-gone-or-its-data-is-wrong"
    assert slug("Engine overhead (issue 16)") == "engine-overhead-issue-16"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_the_checks_find_what_they_look_for(tmp_path):
    """A broken file link, a missing anchor and a section written twice are each reported; code is not prose."""
    (tmp_path / "docs" / "how-to").mkdir(parents=True)
    (tmp_path / "README.md").write_text(
        "# Project\n\n## Adopting\n\nSee [how](docs/how-to/a.md#steps), [gone](docs/gone.md), "
        "[none](docs/how-to/a.md#nowhere), [web](https://example.com/x.md) and `[code](nowhere.md)`.\n"
        "```\n[in a block](nowhere.md)\n## Adopting\n```\nA link [that\nwraps](docs/how-to/a.md#wrapped).\n")
    (tmp_path / "docs" / "how-to" / "a.md").write_text("# A\n\n## Steps\n\n## Adopting\n\n[up](../../README.md#adopting)\n")
    assert broken_links(tmp_path) == [
        "README.md:5: docs/gone.md: no such file",
        "README.md:5: docs/how-to/a.md#nowhere: docs/how-to/a.md has no heading #nowhere",
        "README.md:10: docs/how-to/a.md#wrapped: docs/how-to/a.md has no heading #wrapped",
    ]
    assert duplicate_sections(tmp_path) == ["## Adopting: README.md, docs/how-to/a.md"]
