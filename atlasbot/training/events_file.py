"""The events file (docs/formats.md §7): load, validate against the network, return plain values.

Validation collects every problem it can find and raises one ``EventsFileError`` whose
messages name the file, the field path (``events[3].window.start``) and what is wrong, so a
coordinator fixes the whole file in one go instead of one error per run.

docs/formats.md lets the format gain fields ("add fields freely"), so a file written for a
later version must still load here: a key this version does not know is ignored with a
warning naming the file, its path and the known key it may be a misspelling of.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import logging
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from atlasbot.domain import Network
from atlasbot.i18n import N_, _, format_number, ngettext
from atlasbot.safe_files import (
    DEFAULT_MAX_FILE_BYTES,
    FileRefused,
    excerpt,
    read_yaml_file,
    text_problem,
)

log = logging.getLogger(__name__)

DEFAULT_MIN_GAP_DAYS = 14
DEFAULT_MAX_HOSTED_PER_COUNTRY = 3
# Every day of an event is Monday to Friday and the days are consecutive, so nothing longer fits.
LONGEST_POSSIBLE_EVENT_DAYS = 5
# Bounds no real plan comes near; larger numbers only overflow the solver's 64-bit integers.
MAX_MIN_GAP_DAYS = 365
MAX_HOSTED_PER_COUNTRY = 1000
# The days a plan may name: a date beyond these is a typing slip (9999-12-31 for "forever"),
# and the calendar would walk every day up to it.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)
# How long a horizon may be (the setting ATLASBOT_TRAINING_MAX_HORIZON_DAYS): three years.
DEFAULT_MAX_HORIZON_DAYS = 3 * 366
# Lengths an event may be stored with (atlasbot/models_training.py).
MAX_ID_LENGTH = 64
MAX_TEXT_LENGTH = 200


class EventKind(StrEnum):
    """What sort of joint activity an event is (RULES R11)."""

    TRAINING = "training"
    EXERCISE = "exercise"
    MEETING = "meeting"


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of calendar days."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """How many calendar days the range covers."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class SchedulingRules:
    """The plan-wide limits of §7 ``rules``."""

    min_gap_days: int = DEFAULT_MIN_GAP_DAYS
    max_hosted_per_country: int = DEFAULT_MAX_HOSTED_PER_COUNTRY


@dataclass(frozen=True, slots=True)
class Event:
    """One training, exercise or meeting to be placed in the calendar."""

    id: str
    kind: EventKind
    title: str
    duration_days: int
    participants: tuple[str, ...]
    capability: str | None = None
    window: DateRange | None = None
    host: str | None = None
    virtual: bool = False


@dataclass(frozen=True, slots=True)
class Blackout:
    """Days on which a unit cannot take part in any event."""

    unit: str
    start: dt.date
    end: dt.date
    reason: str = ""


@dataclass(frozen=True, slots=True)
class EventsPlan:
    """A whole events file: what to schedule, when, under which limits."""

    horizon: DateRange
    rules: SchedulingRules
    events: tuple[Event, ...]
    blackouts: tuple[Blackout, ...] = ()

    def event(self, event_id: str) -> Event:
        """The event with this id; KeyError when unknown."""
        for event in self.events:
            if event.id == event_id:
                return event
        raise KeyError(event_id)


class EventsFileError(ValueError):
    """The events file is unreadable or invalid; ``problems`` holds one message per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- the file's shape (pydantic), kept private: callers only see the dataclasses above ---


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _date_or_text(value: object) -> object:
    """Pydantic would read a bare number as seconds since 1970; only dates are dates here."""
    if isinstance(value, dt.date | str):
        return value
    raise ValueError(_("{value} is not a date (YYYY-MM-DD)", value=excerpt(value)))


def _day_in_range(day: dt.date) -> dt.date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(
            _(
                "{day} is too far off: dates run from {earliest} to {latest}",
                day=day,
                earliest=EARLIEST_DAY,
                latest=LATEST_DAY,
            )
        )
    return day


_Day = Annotated[dt.date, BeforeValidator(_date_or_text), AfterValidator(_day_in_range)]


def _storable(max_length: int, *, line_breaks: bool = False) -> AfterValidator:
    """The database's limits (length, no NUL or control characters), checked here."""

    def check(text: str) -> str:
        problem = text_problem(text, max_length, line_breaks=line_breaks)
        if problem is not None:
            raise ValueError(problem)
        return text

    return AfterValidator(check)


_Id = Annotated[str, _storable(MAX_ID_LENGTH)]
# A title or reason may run over lines (the table and the chart keep it on its row).
_Text = Annotated[str, _storable(MAX_TEXT_LENGTH, line_breaks=True)]


def _number_not_boolean(value: object) -> object:
    """Pydantic would read true as 1; YAML makes true (and yes, on) of a slip of the pen."""
    if isinstance(value, bool):
        raise ValueError(_("{value} is not a whole number", value=str(value).lower()))
    return value


_Count = Annotated[int, BeforeValidator(_number_not_boolean)]


class _DateRangeModel(_Strict):
    start: _Day
    end: _Day


class _RulesModel(_Strict):
    min_gap_days: _Count = Field(default=DEFAULT_MIN_GAP_DAYS, ge=0, le=MAX_MIN_GAP_DAYS)
    max_hosted_per_country: _Count = Field(
        default=DEFAULT_MAX_HOSTED_PER_COUNTRY, ge=1, le=MAX_HOSTED_PER_COUNTRY
    )


class _EventModel(_Strict):
    id: _Id = Field(min_length=1)
    kind: EventKind
    title: _Text = Field(min_length=1)
    duration_days: _Count = Field(ge=1)
    participants: list[_Id] = Field(min_length=2)
    capability: _Id | None = None
    window: _DateRangeModel | None = None
    host: _Id | None = None
    virtual: bool = False


class _BlackoutModel(_Strict):
    unit: _Id
    start: _Day
    end: _Day
    reason: _Text = ""


class _EventsFileModel(_Strict):
    horizon: _DateRangeModel
    rules: _RulesModel = Field(default_factory=_RulesModel)
    events: list[_EventModel]
    blackouts: list[_BlackoutModel] = Field(default_factory=list)


# The keys each part of the file may have, by its path without list indexes.
_KNOWN_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {
    section: tuple(model.model_fields)
    for section, model in (
        ((), _EventsFileModel),
        (("horizon",), _DateRangeModel),
        (("rules",), _RulesModel),
        (("events",), _EventModel),
        (("events", "window"), _DateRangeModel),
        (("blackouts",), _BlackoutModel),
    )
}


def load_events(
    path: str | Path,
    network: Network,
    *,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_horizon_days: int = DEFAULT_MAX_HORIZON_DAYS,
) -> EventsPlan:
    """Read and validate an events file; raise EventsFileError naming every problem.

    Only a regular UTF-8 file of at most ``max_bytes`` is read (``atlasbot.safe_files``).
    """
    try:
        data = read_yaml_file(path, max_bytes=max_bytes, dates_as_text=True)
    except FileRefused as refused:
        raise EventsFileError([str(refused)]) from None
    return parse_events(data, str(path), network, max_horizon_days=max_horizon_days)


def parse_events(
    data: Any,
    source: str,
    network: Network,
    *,
    max_horizon_days: int = DEFAULT_MAX_HORIZON_DAYS,
    ignored: list[str] | None = None,
) -> EventsPlan:
    """Validate already-parsed YAML (a mapping) against the network; return the plan.

    Each key ignored is logged (in English, for the operator) and, when ``ignored`` is
    given, added to it as its path and a sentence in the reader's language (for the
    coordinator who sent the file).
    """
    if not isinstance(data, Mapping):
        expected = _("expected a mapping with horizon, events (and optional rules, blackouts)")
        raise EventsFileError([f"{source}: {expected}"])
    try:
        model = _EventsFileModel.model_validate(data)
    except ValidationError as error:
        unknown = [e["loc"] for e in error.errors() if e["type"] == "extra_forbidden"]
        for loc in unknown:
            log.warning("%s: %s: %s", source, _path(loc), _unknown_key_message(loc))
            if ignored is not None:
                ignored.append(f"{_path(loc)}: {_unknown_key_note(loc)}")
        problems = [
            f"{source}: {_path(e['loc'])}: {_describe(e)}"
            for e in error.errors()
            if e["type"] != "extra_forbidden"
        ]
        if problems:
            raise EventsFileError(problems) from None
        model = _EventsFileModel.model_validate(_without(data, unknown))
    problems = [
        f"{source}: {problem}" for problem in _cross_check(model, network, max_horizon_days)
    ]
    if problems:
        raise EventsFileError(problems)
    return _to_plan(model)


def _unknown_key_message(loc: Sequence[int | str]) -> str:
    """The log's line for a key ignored (English, for operators searching the log)."""
    message = f"unknown key {excerpt(loc[-1])}, ignored"
    close = _close_key(loc)
    return f"{message}; did you mean {close!r}?" if close else message


def _unknown_key_note(loc: Sequence[int | str]) -> str:
    """The coordinator's sentence for a key ignored, in their language."""
    close = _close_key(loc)
    if close:
        return _(
            "unknown key {key}, ignored; did you mean {close}?",
            key=excerpt(loc[-1]),
            close=repr(close),
        )
    return _("unknown key {key}, ignored", key=excerpt(loc[-1]))


def _close_key(loc: Sequence[int | str]) -> str | None:
    """The known key at this place an unknown key may be a misspelling of."""
    known = _KNOWN_KEYS.get(tuple(part for part in loc[:-1] if isinstance(part, str)), ())
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.75)
    return close[0] if close else None


def _without(data: Any, locations: Sequence[Sequence[int | str]]) -> Any:
    """A copy of the parsed YAML without the keys at ``locations``."""
    stripped = copy.deepcopy(data)
    for loc in locations:
        node = stripped
        for part in loc[:-1]:
            node = node[part]
        node.pop(loc[-1], None)
    return stripped


def _path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or _("(top level)")


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return _("missing (required)")
    if kind == "enum":
        return _(
            "unknown value {value}; expected one of: training, exercise, meeting",
            value=excerpt(error.get("input")),
        )
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind.startswith("date"):
        return _("{value} is not a valid date (YYYY-MM-DD)", value=excerpt(error.get("input")))
    return _pydantic_message(error)


# Pydantic's own messages for the errors this file's shape can raise, each with "(got ...)",
# so that they can be translated: the English text is pydantic's, word for word, and is used
# only while it still is (a later pydantic rewording shows its own English text instead).
_PYDANTIC_MESSAGES: Mapping[str, str] = {
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input (got {value})"),
    "bool_type": N_("Input should be a valid boolean (got {value})"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge} (got {value})"),
    "int_from_float": N_(
        "Input should be a valid integer, got a number with a fractional part (got {value})"
    ),
    "int_parsing": N_(
        "Input should be a valid integer, unable to parse string as an integer (got {value})"
    ),
    "int_type": N_("Input should be a valid integer (got {value})"),
    "less_than_equal": N_("Input should be less than or equal to {le} (got {value})"),
    "list_type": N_("Input should be a valid list (got {value})"),
    "model_type": N_(
        "Input should be a valid dictionary or instance of {class_name} (got {value})"
    ),
    "string_type": N_("Input should be a valid string (got {value})"),
    # The shape's only lengths: texts of at least 1 character, at least 2 participants.
    "string_too_short": N_("String should have at least 1 character (got {value})"),
    "too_short": N_(
        "List should have at least 2 items after validation, not {actual_length} (got {value})"
    ),
}


def _pydantic_message(error: Mapping[str, Any]) -> str:
    """Pydantic's message with the value it got, translated when it is one of the above."""
    value = excerpt(error.get("input"))
    english = f"{error['msg']} (got {value})"
    params = {str(key): item for key, item in (error.get("ctx") or {}).items()}
    params["value"] = value
    message = _PYDANTIC_MESSAGES.get(error["type"])
    try:
        if message is not None and message.format(**params) == english:
            return _(message, **params)
    except (KeyError, ValueError, IndexError):
        pass
    return english


def _cross_check(model: _EventsFileModel, network: Network, max_horizon_days: int) -> list[str]:
    """Everything pydantic cannot know: references into the network and date logic."""
    unit_ids = {unit.id for unit in network.units}
    capabilities = network.capability_codes()
    horizon = model.horizon
    problems: list[str] = []
    if horizon.start > horizon.end:
        problems.append(f"horizon: {_after_end(horizon.start, horizon.end)}")
    elif (horizon.end - horizon.start).days + 1 > max_horizon_days:
        too_long = _(
            "{days} days long, at most {limit} (the setting ATLASBOT_TRAINING_MAX_HORIZON_DAYS)",
            days=format_number((horizon.end - horizon.start).days + 1),
            limit=format_number(max_horizon_days),
        )
        problems.append(f"horizon: {too_long}")
    seen_ids: dict[str, int] = {}
    for index, event in enumerate(model.events):
        where = f"events[{index}]"
        if event.id in seen_ids:
            other = f"events[{seen_ids[event.id]}]"
            duplicate = _(
                "duplicate event id {id} (already used by {other})",
                id=excerpt(event.id),
                other=other,
            )
            problems.append(f"{where}.id: {duplicate}")
        else:
            seen_ids[event.id] = index
        problems.extend(_event_problems(where, event, unit_ids, capabilities))
    for index, blackout in enumerate(model.blackouts):
        where = f"blackouts[{index}]"
        if blackout.unit not in unit_ids:
            problems.append(f"{where}.unit: {_unknown_unit(blackout.unit)}")
        if blackout.start > blackout.end:
            problems.append(f"{where}: {_after_end(blackout.start, blackout.end)}")
    return problems


def _event_problems(
    where: str, event: _EventModel, unit_ids: AbstractSet[str], capabilities: AbstractSet[str]
) -> list[str]:
    """One event's references into the network, its host and its length."""
    problems: list[str] = []
    seen_units: set[str] = set()
    for position, unit_id in enumerate(event.participants):
        here = f"{where}.participants[{position}]"
        if unit_id not in unit_ids:
            problems.append(f"{here}: {_unknown_unit(unit_id)}")
        if unit_id in seen_units:
            problems.append(_at(here, _("{unit} is listed twice", unit=excerpt(unit_id))))
        seen_units.add(unit_id)
    if event.capability is not None and event.capability not in capabilities:
        unknown = _("unknown capability {code}", code=excerpt(event.capability))
        problems.append(f"{where}.capability: {unknown}")
    if event.host is not None:
        problems.extend(_host_problems(where, event, unit_ids))
    if event.duration_days > LONGEST_POSSIBLE_EVENT_DAYS:
        too_long = _(
            "{days} consecutive days cannot all be Monday to Friday (at most {limit})",
            days=excerpt(event.duration_days),
            limit=LONGEST_POSSIBLE_EVENT_DAYS,
        )
        problems.append(f"{where}.duration_days: {too_long}")
    if event.window is not None:
        problems.extend(_window_problems(where, event))
    return problems


def _host_problems(where: str, event: _EventModel, unit_ids: AbstractSet[str]) -> list[str]:
    """What is wrong with an event's fixed host, if anything."""
    if event.virtual:
        return [_at(f"{where}.host", _("a virtual event has no host"))]
    if event.host not in unit_ids:
        return [f"{where}.host: {_unknown_unit(event.host)}"]
    if event.host not in event.participants:
        outsider = _("{unit} is not one of the participants", unit=excerpt(event.host))
        return [f"{where}.host: {outsider}"]
    return []


def _unknown_unit(unit_id: object) -> str:
    return _("unknown unit {unit}", unit=excerpt(unit_id))


def _after_end(start: dt.date, end: dt.date) -> str:
    return _("start {start} is after end {end}", start=start, end=end)


def _window_problems(where: str, event: _EventModel) -> list[str]:
    # A window reaching past the horizon is fine: §7 only asks that the event's days lie in
    # both, so the scheduler cuts it to the horizon (and explains an event left without days).
    window = event.window
    assert window is not None
    if window.start > window.end:
        return [f"{where}.window: {_after_end(window.start, window.end)}"]
    length = (window.end - window.start).days + 1
    if length < event.duration_days:
        shorter = ngettext(
            "{count} day long, shorter than duration_days {duration}",
            "{count} days long, shorter than duration_days {duration}",
            length,
            duration=event.duration_days,
        )
        return [f"{where}.window: {shorter}"]
    return []


def _to_plan(model: _EventsFileModel) -> EventsPlan:
    return EventsPlan(
        horizon=DateRange(model.horizon.start, model.horizon.end),
        rules=SchedulingRules(
            min_gap_days=model.rules.min_gap_days,
            max_hosted_per_country=model.rules.max_hosted_per_country,
        ),
        events=tuple(
            Event(
                id=event.id,
                kind=event.kind,
                title=event.title,
                duration_days=event.duration_days,
                participants=tuple(event.participants),
                capability=event.capability,
                window=DateRange(event.window.start, event.window.end) if event.window else None,
                host=event.host,
                virtual=event.virtual,
            )
            for event in model.events
        ),
        blackouts=tuple(
            Blackout(unit=b.unit, start=b.start, end=b.end, reason=b.reason)
            for b in model.blackouts
        ),
    )


def _at(where: str, message: str) -> str:
    """A problem as shown: where it is, then what is wrong (one line)."""
    return f"{where}: {message}"
