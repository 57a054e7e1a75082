"""What the training wizards offer on their buttons, and what a press chooses: units to
toggle, months, lengths. Pure, so the steps' logic is tested without Telegram."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from atlasbot import chat_input
from atlasbot.bot.wizard import Draft
from atlasbot.errors import InvalidInput
from atlasbot.i18n import _
from atlasbot.texts import training_wizards as texts
from atlasbot.training.events_file import DateRange

UNITS_PER_ROW = 4
# Any month of the next 18 months (issue 14.6), three a row.
MONTHS_OFFERED = 18
MONTHS_PER_ROW = 3
LONGEST_EVENT_DAYS = 5
# Button values (after the wizard's stamp): a unit to toggle, the end of the choice.
UNIT = "u:"
DONE = "done"
ANY_MONTH = "any"
YES, NO = "yes", "no"

Rows = list[list[tuple[str, str]]]


@dataclass
class ParticipantsDraft(Draft):
    """A wizard's draft that chooses participating units."""

    participants: list[str] = field(default_factory=list)


def rows_of(buttons: Sequence[tuple[str, str]], width: int) -> Rows:
    """(label, value) buttons in rows of ``width``."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def toggled(chosen: Sequence[str], unit_id: str) -> list[str]:
    """The units chosen after a tap on ``unit_id``: added if it was not there, else removed."""
    return [u for u in chosen if u != unit_id] if unit_id in chosen else [*chosen, unit_id]


def unit_rows(units: Sequence[str], chosen: Sequence[str]) -> Rows:
    """A toggle per unit (☑ chosen, ☐ not), then "Done (n chosen)"."""
    buttons = [(texts.unit_toggle(u, u in chosen), UNIT + u) for u in units]
    return [*rows_of(buttons, UNITS_PER_ROW), [(texts.units_done(len(chosen)), DONE)]]


def enough_units(chosen: Sequence[str]) -> bool:
    """A joint event or meeting needs at least two units."""
    return len(set(chosen)) >= 2


def months_offered(today: dt.date, count: int = MONTHS_OFFERED) -> list[dt.date]:
    """The first days of the ``count`` months after this one."""
    months = []
    month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    for _month in range(count):
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def month_rows(today: dt.date, *, any_time: bool) -> Rows:
    """The months offered, three a row, and (for events) "Any time in the plan"."""
    buttons = [(texts.month_label(m), f"{m:%Y-%m}") for m in months_offered(today)]
    rows = rows_of(buttons, MONTHS_PER_ROW)
    if any_time:
        rows.append([(texts.any_time(), ANY_MONTH)])
    return rows


def month_range(value: str) -> DateRange | None:
    """The days of a month pressed as 'YYYY-MM'; None when the value is not a month."""
    try:
        first = dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        return None
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return DateRange(first, last)


def days_rows() -> Rows:
    """1 to 5 consecutive weekdays."""
    return [[(str(n), str(n)) for n in range(1, LONGEST_EVENT_DAYS + 1)]]


def days_of(value: str) -> int | None:
    """The length pressed, or None when it is not one offered."""
    return int(value) if value.isdigit() and 1 <= int(value) <= LONGEST_EVENT_DAYS else None


def valid_title(text: str) -> str:
    """The title typed: stripped, bidi overrides removed, no control characters, 3 to 120
    characters; InvalidInput says why not."""
    title = chat_input.free_text(
        text, what=_("Title"), max_length=chat_input.MAX_TYPED, min_length=0
    )
    if not 3 <= len(title) <= 120:
        raise InvalidInput(texts.title_length())
    return title
