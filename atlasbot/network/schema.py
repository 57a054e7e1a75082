"""The network file's structure and field checks (docs/formats.md §1), as pydantic models.

Each field check raises ValueError with the plain message a person will read, in their
language (``atlasbot.i18n``: the message is made when the check runs).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import fields
from types import MappingProxyType
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from atlasbot.domain import (
    TransportMode,
    UnitStatus,
)
from atlasbot.escalation import Timings
from atlasbot.i18n import _, format_number
from atlasbot.safe_files import excerpt, text_problem

FORMAT_VERSION = 1

# ---------------------------------------------------------------------------------------------
# Field checks. Each raises ValueError with the plain message a person will read.

SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_UNIT_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
# "returning" is the bot's own (a released unit on its way home), never a file's.
_STATUSES = tuple(status.value for status in UnitStatus if status is not UnitStatus.RETURNING)
_TRANSPORT_MODES = tuple(mode.value for mode in TransportMode)


def _check_snake_case(code: str) -> str:
    if not SNAKE_CASE.fullmatch(code):
        raise ValueError(
            _(
                "must be a snake_case code: lower-case letters, digits and underscores, "
                "starting with a letter (got {value})",
                value=excerpt(code),
            )
        )
    return _fits_column(code, MAX_CODE_LENGTH)


def _check_country_code(code: str) -> str:
    if not COUNTRY_CODE.fullmatch(code):
        raise ValueError(
            _(
                "must be an ISO 3166-1 alpha-2 code: two upper-case letters like 'DE' "
                "(got {value})",
                value=excerpt(code),
            )
        )
    return code


def _check_unit_id(unit_id: str) -> str:
    if not _UNIT_ID.fullmatch(unit_id):
        raise ValueError(
            _(
                "must be a lowercase slug: letters a-z and digits in parts joined by single "
                "hyphens, like 'de-1' (got {value})",
                value=excerpt(unit_id),
            )
        )
    return _fits_column(unit_id, MAX_CODE_LENGTH)


def _check_language(code: str) -> str:
    if not _LANGUAGE_CODE.fullmatch(code):
        raise ValueError(
            _("must be a language code like 'en' or 'de' (got {value})", value=excerpt(code))
        )
    return code


def _check_not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError(_("must not be empty"))
    return _fits_column(text, MAX_NAME_LENGTH)


def _fits_column(text: str, max_length: int) -> str:
    """The database's own limits, checked here so SQLite and PostgreSQL accept the same file.

    PostgreSQL enforces a column's length and refuses NUL; SQLite does neither.
    """
    problem = text_problem(text, max_length)
    if problem is not None:
        raise ValueError(problem)
    return text


def _check_place(text: str) -> str:
    return _fits_column(text, MAX_NAME_LENGTH)


def _check_time_zone(name: str) -> str:
    # Imported here: zoneinfo is only needed when a file is actually checked.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    if len(name) > MAX_CODE_LENGTH or text_problem(name, MAX_CODE_LENGTH):
        raise ValueError(_not_a_time_zone(name))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        raise ValueError(_not_a_time_zone(name, close[0] if close else None)) from None
    return name


def _not_a_time_zone(name: str, close: str | None = None) -> str:
    if close is None:
        return _(
            "must be an IANA time zone name like 'Europe/Brussels' (got {value})",
            value=excerpt(name),
        )
    return _(
        "must be an IANA time zone name like 'Europe/Brussels' (got {value}); "
        "did you mean {suggestion}?",
        value=excerpt(name),
        suggestion=repr(close),
    )


def _between(low: float, high: float) -> Callable[[float], float]:
    def check(value: float) -> float:
        # Written so that NaN fails too.
        if not low <= value <= high:
            raise ValueError(_between_message(low, high, number_text(value)))
        return value

    return check


def _between_message(low: float, high: float, got: str) -> str:
    return _(
        "must be between {low} and {high} (got {value})",
        low=f"{low:g}",
        high=f"{high:g}",
        value=got,
    )


def _refuse_huge_int(limit: float, message: Callable[[str], str]) -> Callable[[object], object]:
    """Pydantic makes a float of an int with float(), which overflows past 1e308 digits: an
    int beyond the field's range is refused before that, with the range's own message
    (``message`` words it, in the reader's language, for the value as shown)."""

    def check(value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
            raise ValueError(message(excerpt(value)))
        return value

    return check


# The database's column lengths (atlasbot/models.py): codes and ids 64, names and places 200.
MAX_CODE_LENGTH = 64
MAX_NAME_LENGTH = 200

# Upper bounds no real unit comes near: they keep absurd numbers (2**63 teams) out of the
# planner's integer model, which would otherwise fail on them instead of saying what is wrong.
MAX_TEAMS = 100
MAX_MOBILISATION_MINUTES = 7 * 24 * 60
MAX_HOME_RESERVE = 1000
# An alert that waits a week for its next step is no alert; larger times overflow the timers.
MAX_ESCALATION_SECONDS = 7 * 24 * 3600


def _check_not_negative(value: int) -> int:
    if value < 0:
        raise ValueError(_("must not be negative (got {value})", value=excerpt(value)))
    return value


def _at_most_units(value: int) -> int:
    if value > MAX_HOME_RESERVE:
        raise ValueError(
            _(
                "must be at most {limit} units (got {value})",
                limit=format_number(MAX_HOME_RESERVE),
                value=excerpt(value),
            )
        )
    return value


def _at_most_minutes(value: int) -> int:
    if value > MAX_MOBILISATION_MINUTES:
        raise ValueError(
            _(
                "must be at most {limit} minutes (a week) (got {value})",
                limit=format_number(MAX_MOBILISATION_MINUTES),
                value=excerpt(value),
            )
        )
    return value


def _seconds_limit(got: str) -> str:
    return _(
        "must be at most {limit} seconds (a week) (got {value})",
        limit=format_number(MAX_ESCALATION_SECONDS),
        value=got,
    )


def _check_seconds(value: float) -> float:
    # Written so that NaN fails too.
    if not value >= 0:
        raise ValueError(_("must be 0 or more seconds (got {value})", value=number_text(value)))
    if math.isinf(value):
        raise ValueError(_("must be a finite number of seconds"))
    if value > MAX_ESCALATION_SECONDS:
        raise ValueError(_seconds_limit(number_text(value)))
    return value


def _check_team_count(value: int) -> int:
    if value < 1:
        raise ValueError(_("must be at least 1 team (got {value})", value=excerpt(value)))
    if value > MAX_TEAMS:
        raise ValueError(
            _("must be at most {limit} teams (got {value})", limit=MAX_TEAMS, value=excerpt(value))
        )
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(
                _(
                    "must be one of {choices} (got {value})",
                    choices=", ".join(choices),
                    value=excerpt(value),
                )
            )
        return value

    return check


def _check_transport_list(modes: list[str]) -> list[str]:
    if not modes:
        raise ValueError(
            _(
                "must list at least one transport mode ({modes})",
                modes=", ".join(_TRANSPORT_MODES),
            )
        )
    seen: set[str] = set()
    for mode in modes:
        if mode in seen:
            raise ValueError(_("lists {mode} more than once", mode=repr(mode)))
        seen.add(mode)
    return modes


def _check_capability_counts(counts: dict[str, int]) -> dict[str, int]:
    if not counts:
        raise ValueError(
            _("must list at least one capability, like {example}", example="{hostage_rescue: 1}")
        )
    return counts


CapabilityCode = Annotated[str, AfterValidator(_check_snake_case)]
CountryCode = Annotated[str, AfterValidator(_check_country_code)]
UnitId = Annotated[str, AfterValidator(_check_unit_id)]
LanguageCode = Annotated[str, AfterValidator(_check_language)]
Text = Annotated[str, AfterValidator(_check_not_blank)]
TimeZoneName = Annotated[str, AfterValidator(_check_time_zone)]
Latitude = Annotated[
    float,
    BeforeValidator(_refuse_huge_int(90, lambda got: _between_message(-90, 90, got))),
    AfterValidator(_between(-90, 90)),
]
Longitude = Annotated[
    float,
    BeforeValidator(_refuse_huge_int(180, lambda got: _between_message(-180, 180, got))),
    AfterValidator(_between(-180, 180)),
]
Place = Annotated[str, AfterValidator(_check_place)]
NonNegativeInt = Annotated[int, AfterValidator(_check_not_negative)]
TeamCount = Annotated[int, AfterValidator(_check_team_count)]
Seconds = Annotated[
    float,
    BeforeValidator(_refuse_huge_int(MAX_ESCALATION_SECONDS, _seconds_limit)),
    AfterValidator(_check_seconds),
]
StatusName = Annotated[str, AfterValidator(_one_of(_STATUSES))]
TransportName = Annotated[str, AfterValidator(_one_of(_TRANSPORT_MODES))]

# ---------------------------------------------------------------------------------------------
# The file's structure. Strict: no "1" for 1, no "yes" for true; extra="forbid": a misspelt
# key is an error rather than a silently applied default.


class _FileModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class CapabilityEntry(_FileModel):
    code: CapabilityCode
    name: Text


class EscalationEntry(_FileModel):
    """A state's or a unit's own escalation timings; the names are ``Timings`` fields."""

    duty_to_unit_s: Seconds | None = None
    unit_to_authority_s: Seconds | None = None
    expire_after_s: Seconds | None = None
    request_reminder_s: Seconds | None = None
    request_deadline_s: Seconds | None = None
    counter_reminder_s: Seconds | None = None
    counter_expire_s: Seconds | None = None

    def overrides(self) -> Mapping[str, float]:
        """The timings the section sets, in ``Timings`` field order, read-only."""
        return frozen_timings(self.model_dump(exclude_none=True))


class CountryEntry(_FileModel):
    code: CountryCode
    name: Text
    bound_by_decision: bool
    timezone: TimeZoneName
    languages: list[LanguageCode] = []
    armed_action_abroad: bool = True
    home_reserve: Annotated[NonNegativeInt, AfterValidator(_at_most_units)] = 0
    escalation: EscalationEntry = EscalationEntry()


class BaseEntry(_FileModel):
    lat: Latitude
    lon: Longitude
    place: Place = ""


class UnitEntry(_FileModel):
    id: UnitId
    name: Text
    country: CountryCode
    base: BaseEntry
    status: StatusName
    mobilisation_minutes: Annotated[NonNegativeInt, AfterValidator(_at_most_minutes)]
    transport: Annotated[list[TransportName], AfterValidator(_check_transport_list)]
    capabilities: Annotated[
        dict[CapabilityCode, TeamCount], AfterValidator(_check_capability_counts)
    ]
    languages: list[LanguageCode] = []
    escalation: EscalationEntry = EscalationEntry()


class NetworkFile(_FileModel):
    # The version is checked by hand: pydantic would take true or 1.0 for the literal 1.
    version: object = None
    capabilities: list[CapabilityEntry]
    countries: list[CountryEntry]
    units: list[UnitEntry]


# Public API


TIMING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Timings))
# Only these shape a unit's own chain; request and counter-proposal timings belong to a state.
UNIT_TIMING_NAMES = ("duty_to_unit_s", "unit_to_authority_s", "expire_after_s")


def frozen_timings(timings: Mapping[str, float]) -> Mapping[str, float]:
    """A read-only copy of an escalation section, as floats in ``Timings`` field order."""
    order = {name: index for index, name in enumerate(TIMING_NAMES)}
    return MappingProxyType(
        {
            name: float(timings[name])
            for name in sorted(timings, key=lambda name: (order.get(name, len(order)), name))
        }
    )


def number_text(value: float) -> str:
    """91.5 -> "91.5", 91.0 -> "91", without float noise."""
    return format(value, ".10g")
