"""One parser per kind of value a member types in the chat; anything else is re-asked.

Every parser takes the text as typed and returns the value, or raises ``InvalidInput`` whose
message names the value asked for, what was wrong and what is expected, in one short line
(the typed text is quoted through ``safe_files.excerpt``: at most about 40 characters, with
control characters escaped). Nothing else is ever raised, whatever the text: the handler
shows the message and asks the same step again.

- Numbers are ASCII digits only, and their length is checked before ``int()``: ``str.isdigit``
  accepts ``²`` and ``٣`` (which ``int()`` then refuses or reads), and a 26-digit id passes
  Python but not a 64-bit database column.
- Free text: line breaks are normalised to ``\\n``; NUL and every other control character but
  the newline and the tab are refused, naming the character and its position; the
  bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) are REMOVED, silently,
  because they only reorder how the text is displayed (a name could be shown backwards, or
  make the words after it look like part of it) and carry no meaning of their own; the
  length is checked after that, with a message saying the limit.

Pure core: no Telegram, no database, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from atlasbot.errors import InvalidInput
from atlasbot.i18n import _
from atlasbot.safe_files import excerpt

__all__ = [
    "BIDI_CONTROLS",
    "MAX_ID",
    "MAX_TYPED",
    "InvalidInput",
    "arrival_time",
    "clock_time",
    "country_code",
    "duration",
    "free_text",
    "record_id",
    "relative_time",
    "unit_id",
    "whole_number",
]

# Telegram's longest message: what a step that caps its own length checks text against.
MAX_TYPED = 4096
# The largest id a 64-bit signed column (SQLite INTEGER, PostgreSQL BIGINT) holds.
MAX_ID = 2**63 - 1
# Embedding and override characters (U+202A-U+202E) and isolates (U+2066-U+2069).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A longest unit id of the network file (docs/formats.md §1) with room to spare.
MAX_UNIT_ID_CHARACTERS = 40
# Durations are typed in days, hours and minutes; no step asks for more than a year.
_LONGEST_DURATION = dt.timedelta(days=366)

_DIGITS = frozenset("0123456789")
_UNIT_ID = re.compile(r"[a-z]{2}-[a-z0-9-]{1,38}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_CLOCK = re.compile(r"([0-9]{1,2})[:h.]([0-9]{2})")
_DURATION = re.compile(
    r"(?:(?P<days>[0-9]{1,3})d)?\s*(?:(?P<hours>[0-9]{1,4})h)?\s*"
    r"(?:(?P<minutes>[0-9]{1,6})(?:m|min)?)?"
)


def _say(what: str, typed: str, problem: str) -> InvalidInput:
    return InvalidInput(
        _("{what}: {typed} {problem}", what=what, typed=excerpt(typed), problem=problem)
    )


def whole_number(text: str, *, low: int, high: int, what: str) -> int:
    """A whole number from ``low`` to ``high``, in ASCII digits (a leading minus if low < 0)."""
    cleaned = text.strip()
    digits = cleaned[1:] if cleaned.startswith("-") and low < 0 else cleaned
    expected = _("is not a whole number from {low} to {high}", low=low, high=high)
    if not digits:
        raise _say(what, cleaned, expected)
    if any(character not in _DIGITS for character in digits):
        raise _say(what, cleaned, _("{expected} (digits 0-9 only)", expected=expected))
    if len(digits) > len(str(max(abs(low), abs(high)))):
        raise _say(what, cleaned, _("{expected} (too many digits)", expected=expected))
    value = int(cleaned)
    if not low <= value <= high:
        raise _say(what, cleaned, expected)
    return value


def record_id(text: str, *, what: str) -> int:
    """The number of a record (a shift, a drill, a member), typed as ``12`` or ``#12``."""
    cleaned = text.strip()
    return whole_number(cleaned.removeprefix("#"), low=1, high=MAX_ID, what=what)


def unit_id(text: str, *, what: str | None = None) -> str:
    """A unit id like ``de-1`` (two letters, a dash, letters, digits and dashes), lower-cased."""
    cleaned = text.strip()
    lowered = cleaned.lower() if len(cleaned) <= MAX_UNIT_ID_CHARACTERS else ""
    if _UNIT_ID.fullmatch(lowered) is None:
        raise _say(
            what or _("unit"), cleaned, _("is not a unit id like de-1 (two letters, a dash, …)")
        )
    return lowered


def country_code(text: str, *, what: str | None = None) -> str:
    """A state's two-letter code (``DE``), upper-cased."""
    cleaned = text.strip()
    if _COUNTRY.fullmatch(cleaned) is None:
        raise _say(what or _("country"), cleaned, _("is not a two-letter country code like DE"))
    return cleaned.upper()


def clock_time(text: str, *, what: str) -> dt.time:
    """A time of day: ``19:40``, ``7:05`` (also ``19h40`` and ``19.40``)."""
    cleaned = text.strip()
    match = _CLOCK.fullmatch(cleaned)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise _say(what, cleaned, _("is not a time of day like 19:40 or 7:05"))
    return dt.time(int(match.group(1)), int(match.group(2)))


def duration(
    text: str,
    *,
    what: str,
    shortest: dt.timedelta = dt.timedelta(minutes=1),
    longest: dt.timedelta,
) -> dt.timedelta:
    """A length of time: ``45`` (minutes), ``45m``, ``1h30``, ``2h``, ``1d 6h``."""
    cleaned = text.strip().lower()
    expected = _("is not a length of time like 45, 1h30 or 2h")
    match = _DURATION.fullmatch(cleaned) if len(cleaned) <= 20 else None
    if match is None or not any(match.groupdict().values()):
        raise _say(what, cleaned, expected)
    value = dt.timedelta(
        days=int(match.group("days") or 0),
        hours=int(match.group("hours") or 0),
        minutes=int(match.group("minutes") or 0),
    )
    if not shortest <= value <= min(longest, _LONGEST_DURATION):
        raise _say(
            what,
            cleaned,
            _(
                "must be from {shortest} to {longest}",
                shortest=_spoken(shortest),
                longest=_spoken(min(longest, _LONGEST_DURATION)),
            ),
        )
    return value


def relative_time(text: str, *, what: str, now: dt.datetime, longest: dt.timedelta) -> dt.datetime:
    """A moment from now, typed as ``+45`` (minutes), ``+1h30`` or ``+2h``."""
    cleaned = text.strip()
    if not cleaned.startswith("+"):
        raise _say(what, cleaned, _("is not a time from now like +45 or +1h30"))
    return now + duration(cleaned[1:], what=what, longest=longest)


def arrival_time(
    text: str, *, what: str, now: dt.datetime, tz: dt.tzinfo, longest: dt.timedelta
) -> dt.datetime:
    """When someone will arrive: a time of day in ``tz`` (``19:40``: today, or tomorrow once
    that time has passed) or minutes from now (``+45``, ``+1h30``); from one minute to
    ``longest`` ahead. Returned in the zone of ``now``."""
    cleaned = text.strip()
    if cleaned.startswith("+"):
        return relative_time(cleaned, what=what, now=now, longest=longest)
    if _CLOCK.fullmatch(cleaned) is None:
        raise _say(what, cleaned, _("is not a time like 19:40 or +45 (minutes from now)"))
    wanted = clock_time(cleaned, what=what)
    local_now = now.astimezone(tz)
    day = local_now.date()
    moment = dt.datetime.combine(day, wanted, tzinfo=tz)
    if moment <= local_now:
        moment = dt.datetime.combine(day + dt.timedelta(days=1), wanted, tzinfo=tz)
    # A wall time skipped or doubled by a clock change is read as the zone's rules say.
    moment = moment.astimezone(dt.UTC).astimezone(now.tzinfo)
    if moment - now > longest:
        raise _say(what, cleaned, _("is more than {longest} from now", longest=_spoken(longest)))
    return moment


def free_text(text: str, *, what: str, max_length: int, min_length: int = 1) -> str:
    """Text to store and show: stripped, bidi overrides removed, no control characters but
    newline and tab, from ``min_length`` to ``max_length`` characters."""
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(c for c in cleaned if c not in BIDI_CONTROLS).strip()
    for position, character in enumerate(cleaned, start=1):
        if character in "\n\t" or unicodedata.category(character) not in ("Cc", "Cs"):
            continue
        name = "NUL" if character == "\0" else f"U+{ord(character):04X}"
        raise InvalidInput(
            _(
                "{what}: the text holds a control character ({name} at position {position});"
                " type it again without it",
                what=what,
                name=name,
                position=position,
            )
        )
    if len(cleaned) < min_length:
        raise InvalidInput(
            _("{what}: at least {count} characters, please", what=what, count=min_length)
        )
    if len(cleaned) > max_length:
        raise InvalidInput(
            _(
                "{what}: at most {limit} characters (this one has {count:,}); shorten it",
                what=what,
                limit=max_length,
                count=len(cleaned),
            )
        )
    return cleaned


def _spoken(length: dt.timedelta) -> str:
    minutes = int(length.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"
