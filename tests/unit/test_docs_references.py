"""The documentation points inside the repository: no reference to the design contract
(INTERFACES.md, which the repository does not contain), and every relative link in README.md
and docs/*.md reaches an existing file and, where it names one, an existing heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

DOCS = sorted((REPO_ROOT / "docs").glob("*.md"))
MARKDOWN = [REPO_ROOT / "README.md", *DOCS]
# Every file must cite docs/formats.md and docs/sandbox.md, never the contract, which the
# repository does not contain.
NO_CONTRACT_REFERENCES = [
    *MARKDOWN,
    *sorted((REPO_ROOT / "data").glob("*.yaml")),
    *sorted((REPO_ROOT / "atlasbot").rglob("*.py")),
    *sorted((REPO_ROOT / "bench").glob("*.py")),
    *sorted(p for p in (REPO_ROOT / "tests").rglob("*.py") if p.name != "test_docs_references.py"),
]

_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _relative(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in _HEADING.findall(text):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return _LINK.findall(_INLINE_CODE.sub("", text))


def test_the_docs_exist() -> None:
    assert {path.name for path in DOCS} >= {"formats.md", "sandbox.md"}


@pytest.mark.parametrize("path", NO_CONTRACT_REFERENCES, ids=_relative)
def test_no_reference_to_the_contract_outside_the_repository(path: Path) -> None:
    lines = [
        f"{_relative(path)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "INTERFACES" in line
    ]
    assert not lines, "cite docs/formats.md or docs/sandbox.md instead:\n" + "\n".join(lines)


@pytest.mark.parametrize("path", MARKDOWN, ids=_relative)
def test_every_relative_link_reaches_a_file_and_heading(path: Path) -> None:
    broken = []
    for target in _links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no heading with the anchor #{anchor}")
    assert not broken, f"{_relative(path)} has broken links:\n" + "\n".join(broken)


def test_formats_keeps_the_contract_section_numbers() -> None:
    # Code comments saying "INTERFACES §N" are rewritten to "docs/formats.md §N": the
    # numbers must mean the same sections.
    text = (REPO_ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    numbered = re.findall(r"^## (\d+)\. (.+)$", text, re.MULTILINE)
    # Sections may be added after §8 (§9: the training history file), never renumbered.
    assert [int(number) for number, _ in numbered] == list(range(1, max(9, len(numbered) + 1)))
    titles = [title.lower() for _, title in numbered]
    for number, word in (
        (1, "network"),
        (2, "request"),
        (3, "arrival"),
        (4, "eligib"),
        (5, "optimal"),
        (6, "plan"),
        (7, "events"),
        (8, "schedule"),
    ):
        assert word in titles[number - 1], f"§{number} is {titles[number - 1]!r}"
