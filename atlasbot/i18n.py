"""The one translation function: every word a member reads goes through ``_`` (or
``ngettext`` for counts), so adding a language is a catalog, not a code change.

Catalogs are GNU gettext files under ``atlasbot/locale/<lang>/LC_MESSAGES/atlasbot.mo``;
``make i18n`` extracts the messages into ``atlasbot/locale/atlasbot.pot``. English is the
source language, so an English reader (or a language without a catalog) sees the message as
written. Placeholders are named (``_("Request #{id} sent", id=7)``) so that a translation may
reorder them.

The reader's language is a context variable: the bot sets it for each update and each timer
step (``using_locale``), and code below never passes it around. This module is pure (no
Telegram, no database), so the pure core may mark its texts too.
"""

from __future__ import annotations

import contextlib
import gettext
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DOMAIN = "atlasbot"
LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT_LOCALE = "en"
# Languages with a catalog; a member whose Telegram language is not here reads English.
SUPPORTED_LOCALES: tuple[str, ...] = ("en",)

_current: ContextVar[str] = ContextVar("atlasbot_locale", default=DEFAULT_LOCALE)


@cache
def _catalog(locale: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[locale], fallback=True)


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
