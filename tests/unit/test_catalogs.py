"""Every supported language's catalog translates every message of the template, with the same
named placeholders, and nothing fuzzy or missing: a member never reads half their language.

Run as a script to see what a language still lacks (after `make i18n` brought in new
messages), message by message::

    .venv/bin/python tests/unit/test_catalogs.py fr      # or de, or nothing for all
"""

from __future__ import annotations

import string
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from atlasbot.i18n import DEFAULT_LOCALE, LOCALE_DIR, SUPPORTED_LOCALES, catalog_path  # noqa: E402

TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != DEFAULT_LOCALE]


def _template() -> Catalog:
    with (LOCALE_DIR / "atlasbot.pot").open("rb") as file:
        return read_po(file)


def _catalog(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as file:
        return read_po(file, locale=locale)


def placeholders(text: str) -> list[str]:
    """The replacement fields of a str.format text, as written ('{km:,}', '{place!r}')."""
    fields = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        fields.append(
            "{"
            + name
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
    return sorted(fields)


def _source_fields(message: Message) -> set[str]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    return {field for text in ids for field in placeholders(text)}


def _problem(source: Message, translated: Message | None, plurals: int) -> str | None:
    """What is wrong with one message's translation, or None."""
    if translated is None:
        return "missing"
    if translated.fuzzy:
        return "fuzzy (not checked by a translator)"
    forms = translated.string if isinstance(translated.string, tuple) else (translated.string,)
    if isinstance(source.id, tuple) and len(forms) != plurals:
        return f"{len(forms)} plural forms, the language has {plurals}"
    if not all(forms):
        return "untranslated"
    wanted = _source_fields(source)
    for form in forms:
        try:
            got = set(placeholders(form))
        except ValueError as err:  # an unbalanced brace
            return f"not a valid format text: {err}"
        if got != wanted:
            return f"placeholders {sorted(got)} instead of {sorted(wanted)}"
    return None


def problems(locale: str) -> list[tuple[object, str]]:
    """Every message of the template the catalog of ``locale`` gets wrong, with why."""
    if not catalog_path(locale).is_file():
        return [("(catalog)", f"no catalog at {catalog_path(locale)}")]
    catalog = _catalog(locale)
    found: list[tuple[object, str]] = []
    for source in _template():
        if not source.id:
            continue
        why = _problem(source, catalog.get(source.id), catalog.num_plurals)
        if why is not None:
            found.append((source.id, why))
    return found


def _describe(found: Iterable[tuple[object, str]]) -> str:
    return "\n".join(f"  {message!r}: {why}" for message, why in found)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(locale: str) -> None:
    found = problems(locale)
    assert not found, f"{len(found)} message(s) of {locale} need work:\n{_describe(found[:40])}"


def test_every_catalog_in_the_package_is_a_supported_language() -> None:
    shipped = {po.parent.parent.name for po in LOCALE_DIR.glob("*/LC_MESSAGES/atlasbot.po")}
    assert shipped == set(TRANSLATED)


def test_the_check_catches_a_lost_placeholder_and_a_missing_message() -> None:
    catalog = Catalog(locale="fr")
    template = Catalog()
    template.add("Request #{id} sent")
    template.add("Welcome")
    catalog.add("Request #{id} sent", "Demande envoyée")
    source = template.get("Request #{id} sent")
    assert source is not None
    why = _problem(source, catalog.get("Request #{id} sent"), catalog.num_plurals)
    assert why is not None and "{id}" in why
    welcome = template.get("Welcome")
    assert welcome is not None
    assert _problem(welcome, catalog.get("Welcome"), catalog.num_plurals) == "missing"


def test_placeholders_keep_their_format_spec() -> None:
    assert placeholders("{km:,} km by {mode}, {place!r}") == ["{km:,}", "{mode}", "{place!r}"]


def main(argv: list[str]) -> int:
    """List what each named language (default: all) lacks; exit 1 if anything does."""
    status = 0
    for locale in argv or TRANSLATED:
        found = problems(locale)
        print(f"{locale}: {len(found)} message(s) need work")
        if found:
            print(_describe(found))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
