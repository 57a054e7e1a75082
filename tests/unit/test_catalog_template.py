"""The committed catalog template (atlasbot/locale/atlasbot.pot) holds exactly the messages of
the code: a text added or changed without `make i18n` would never reach a translator.

The messages are extracted here with Babel's Python API and the keywords of the Makefile's
`i18n` rule (read from the Makefile, so the two cannot drift apart); only the set of message
ids is compared, not the header, the dates or the order.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "atlasbot" / "locale" / "atlasbot.pot"

MessageId = object  # a str, or (singular, plural) for ngettext


def _makefile_keywords() -> dict[str, object]:
    """The keywords `make i18n` passes to `pybabel extract` (``-k NAME[:SPEC]``), on top of
    Babel's defaults unless the rule turns them off."""
    rule = re.search(
        r"^i18n:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M
    )
    assert rule is not None, "the Makefile has no i18n rule"
    extract = rule.group(1).replace("\\\n", " ").split("\n", 1)[0]
    words = shlex.split(extract)
    given = [words[i + 1] for i, word in enumerate(words) if word in ("-k", "--keyword")]
    assert given, "the i18n rule passes no -k keyword to pybabel extract"
    keywords: dict[str, object] = (
        {} if "--no-default-keywords" in words else dict(DEFAULT_KEYWORDS)
    )
    keywords.update(parse_keywords(given))
    return keywords


def _extracted() -> set[MessageId]:
    messages = extract_from_dir(
        str(ROOT / "atlasbot"),
        method_map=[("**.py", "python")],
        keywords=_makefile_keywords(),  # type: ignore[arg-type]
    )
    catalog = Catalog()
    for _filename, _line, message, _comments, context in messages:
        catalog.add(message, context=context)
    return {m.id for m in catalog if m.id}


def _committed() -> set[MessageId]:
    with TEMPLATE.open("rb") as file:
        return {m.id for m in read_po(file) if m.id}


def test_the_committed_catalog_template_holds_every_message_of_the_code() -> None:
    extracted, committed = _extracted(), _committed()
    missing = sorted(map(str, extracted - committed))
    stale = sorted(map(str, committed - extracted))
    assert not missing and not stale, (
        "atlasbot/locale/atlasbot.pot is out of date: run `make i18n` and commit the template.\n"
        f"Not in the template ({len(missing)}): {missing[:10]}\n"
        f"In the template but no longer in the code ({len(stale)}): {stale[:10]}"
    )


def test_the_keywords_are_those_of_the_translation_module() -> None:
    keywords = _makefile_keywords()
    assert {"_", "N_", "ngettext"} <= set(keywords)
    assert keywords["ngettext"] == (1, 2)
