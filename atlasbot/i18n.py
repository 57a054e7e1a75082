"""The one translation function: every word a member reads goes through ``_`` (or
``ngettext`` for counts), so adding a language is a catalog, not a code change.

Catalogs are GNU gettext files under ``atlasbot/locale/<lang>/LC_MESSAGES/atlasbot.po``,
shipped in the package and compiled in memory with Babel the first time a language is read
(no compiled ``.mo`` is kept or needed); ``make i18n``
extracts the messages into ``atlasbot/locale/atlasbot.pot`` and updates the catalogs. English
is the source language, so an English reader (or a language without a catalog) sees the
message as written. Placeholders are named (``_("Request #{id} sent", id=7)``) so that a
translation may reorder them.

The reader's language is a context variable: the bot sets it for each update and each timer
step (``using_locale``), and code below never passes it around. This module is pure (no
Telegram, no database), so the pure core may mark its texts too.
"""

from __future__ import annotations

import contextlib
import gettext
import io
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "atlasbot"
LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT_LOCALE = "en"
# Languages with a catalog; a member whose Telegram language is not here reads English.
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "fr", "de")

_current: ContextVar[str] = ContextVar("atlasbot_locale", default=DEFAULT_LOCALE)


def catalog_path(locale: str) -> Path:
    """Where the catalog of ``locale`` lives in the package (it may not exist)."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _catalog(locale: str) -> gettext.NullTranslations:
    """The translations of ``locale``: its ``.po`` compiled in memory (fuzzy entries left
    out, so an unchecked translation shows the English source), or none for English."""
    po = catalog_path(locale)
    if locale == DEFAULT_LOCALE or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def current_locale() -> str:
    """The language of the reader being written to now."""
    return _current.get()


def best_locale(language_code: str | None) -> str:
    """The supported language closest to a Telegram ``language_code`` ("de-AT" -> "de")."""
    if not language_code:
        return DEFAULT_LOCALE
    base = language_code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in SUPPORTED_LOCALES else DEFAULT_LOCALE


@contextlib.contextmanager
def using_locale(locale: str) -> Iterator[None]:
    """Write in ``locale`` inside the block (for one update, one timer step, one message)."""
    token = _current.set(best_locale(locale))
    try:
        yield
    finally:
        _current.reset(token)


def typed_in(text: str, language: str) -> str:
    """What a member typed, unchanged, marked with the language it was typed in when the
    reader reads another one ('Geiseln befreien [de]'), so nobody takes it for a translation."""
    if not text or best_locale(language) == current_locale():
        return text
    return f"{text} [{language}]"


def _(message: str, /, **params: object) -> str:
    """``message`` in the reader's language, with its named placeholders filled in."""
    translated = _catalog(_current.get()).gettext(message)
    return translated.format(**params) if params else translated


def ngettext(singular: str, plural: str, count: int, /, **params: object) -> str:
    """The singular or plural form for ``count`` in the reader's language; ``{count}`` and
    the other named placeholders are filled in."""
    translated = _catalog(_current.get()).ngettext(singular, plural, count)
    return translated.format(count=count, **params)


def N_(message: str, /) -> str:  # noqa: N802 (gettext's conventional name)
    """Mark ``message`` for extraction without translating it yet (tables of texts that are
    translated when shown, with ``_(value)``)."""
    return message


# Formatting by locale (Babel): the reader's language decides day and month names, the
# order of a date's parts, decimal marks and the words of a duration.


def format_day_time(moment: datetime) -> str:
    """'Mon 04 Jan 19:40' / 'lun. 04 janv. 19:40' / 'Mo., 04. Jan. 19:40' (the moment as
    given: convert it to the reader's zone first)."""
    skeleton = {"de": "EEE, dd. MMM HH:mm", "fr": "EEE dd MMM HH:mm"}
    pattern = skeleton.get(current_locale(), "EEE dd MMM HH:mm")
    return babel_dates.format_datetime(moment, pattern, locale=current_locale())


def format_day(day: date) -> str:
    """'4 Jan 2027' / '4 janv. 2027' / '04.01.2027': a date, medium length."""
    return babel_dates.format_date(day, "medium", locale=current_locale())


def format_weekday(day: date) -> str:
    """'Mon' / 'lun.' / 'Mo.': the abbreviated day of the week."""
    return babel_dates.format_date(day, "EEE", locale=current_locale())


def format_month(day: date) -> str:
    """'Jan 2027' / 'janv. 2027' / 'Jan. 2027': a month of a year."""
    return babel_dates.format_date(day, "MMM yyyy", locale=current_locale())


def format_duration(length: timedelta) -> str:
    """'2 hours' / '2 heures' / '2 Stunden': a duration in the largest whole unit."""
    return babel_dates.format_timedelta(length, threshold=1, locale=current_locale())


def format_number(value: float | int) -> str:
    """'1,234.5' / '1 234,5' / '1.234,5': a number with the reader's separators."""
    return babel_numbers.format_decimal(value, locale=current_locale())
