"""Read, check and write the network file (INTERFACES.md §1).

Pydantic checks the structure; every one of its errors is translated into a ``Problem`` that
names the file, the field path in ``units[3].base.lat`` style and what is wrong in plain words.
Cross-references (duplicates, unknown countries or capabilities) are checked on the raw data so
that one broken unit does not hide the problems of the others: a ``NetworkFileError`` carries
every problem found, in file order.
"""

from __future__ import annotations

import copy as copy_module
import difflib
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from atlasbot.domain import (
    Capability,
    Country,
    Location,
    Network,
    TransportMode,
    Unit,
    UnitStatus,
    frozen_counts,
)
from atlasbot.escalation import Timings
from atlasbot.yamltext import YamlTextError, load_yaml

log = logging.getLogger(__name__)

FORMAT_VERSION = 1

# A location inside the raw YAML data: mapping keys and list indexes, outermost first.
Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a network file, located by file name and field path."""

    source: str
    path: str
    message: str
    # Which unit or country the path is inside, e.g. "unit 'de-1'"; "" when unknown.
    context: str = ""

    def __str__(self) -> str:
        where = self.path
        if self.context:
            where = f"{where} ({self.context})" if where else f"({self.context})"
        if where:
            return f"{self.source}: {where}: {self.message}"
        return f"{self.source}: {self.message}"


class NetworkFileError(Exception):
    """A network file that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# ---------------------------------------------------------------------------------------------
# Field checks. Each raises ValueError with the plain message a person will read.

_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_UNIT_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_STATUSES = tuple(status.value for status in UnitStatus)
_TRANSPORT_MODES = tuple(mode.value for mode in TransportMode)


def _check_snake_case(code: str) -> str:
    if not _SNAKE_CASE.fullmatch(code):
        raise ValueError(
            "must be a snake_case code: lower-case letters, digits and underscores, "
            f"starting with a letter (got {code!r})"
        )
    return code


def _check_country_code(code: str) -> str:
    if not _COUNTRY_CODE.fullmatch(code):
        raise ValueError(
            f"must be an ISO 3166-1 alpha-2 code: two upper-case letters like 'DE' (got {code!r})"
        )
    return code


def _check_unit_id(unit_id: str) -> str:
    if not _UNIT_ID.fullmatch(unit_id):
        raise ValueError(
            "must be a lowercase slug: letters a-z and digits in parts joined by single "
            f"hyphens, like 'de-1' (got {unit_id!r})"
        )
    return unit_id


def _check_language(code: str) -> str:
    if not _LANGUAGE_CODE.fullmatch(code):
        raise ValueError(f"must be a language code like 'en' or 'de' (got {code!r})")
    return code


def _check_not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _check_time_zone(name: str) -> str:
    # Imported here: zoneinfo is only needed when a file is actually checked.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        message = f"must be an IANA time zone name like 'Europe/Brussels' (got {name!r})"
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        raise ValueError(message) from None
    return name


def _between(low: float, high: float) -> Callable[[float], float]:
    def check(value: float) -> float:
        # Written so that NaN fails too.
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g} (got {_number(value)})")
        return value

    return check


# Upper bounds no real unit comes near: they keep absurd numbers (2**63 teams) out of the
# planner's integer model, which would otherwise fail on them instead of saying what is wrong.
MAX_TEAMS = 100
MAX_MOBILISATION_MINUTES = 7 * 24 * 60
MAX_HOME_RESERVE = 1000


def _check_not_negative(value: int) -> int:
    if value < 0:
        raise ValueError(f"must not be negative (got {value})")
    return value


def _at_most(limit: int, unit: str) -> Callable[[int], int]:
    def check(value: int) -> int:
        if value > limit:
            raise ValueError(f"must be at most {limit:,} {unit} (got {value:,})")
        return value

    return check


def _check_seconds(value: float) -> float:
    # Written so that NaN fails too.
    if not value >= 0:
        raise ValueError(f"must be 0 or more seconds (got {_number(value)})")
    if math.isinf(value):
        raise ValueError("must be a finite number of seconds")
    return value


def _check_team_count(value: int) -> int:
    if value < 1:
        raise ValueError(f"must be at least 1 team (got {value})")
    if value > MAX_TEAMS:
        raise ValueError(f"must be at most {MAX_TEAMS} teams (got {value:,})")
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)} (got {value!r})")
        return value

    return check


def _check_transport_list(modes: list[str]) -> list[str]:
    if not modes:
        raise ValueError(f"must list at least one transport mode ({', '.join(_TRANSPORT_MODES)})")
    seen: set[str] = set()
    for mode in modes:
        if mode in seen:
            raise ValueError(f"lists {mode!r} more than once")
        seen.add(mode)
    return modes


def _check_capability_counts(counts: dict[str, int]) -> dict[str, int]:
    if not counts:
        raise ValueError("must list at least one capability, like {hostage_rescue: 1}")
    return counts


CapabilityCode = Annotated[str, AfterValidator(_check_snake_case)]
CountryCode = Annotated[str, AfterValidator(_check_country_code)]
UnitId = Annotated[str, AfterValidator(_check_unit_id)]
LanguageCode = Annotated[str, AfterValidator(_check_language)]
Text = Annotated[str, AfterValidator(_check_not_blank)]
TimeZoneName = Annotated[str, AfterValidator(_check_time_zone)]
Latitude = Annotated[float, AfterValidator(_between(-90, 90))]
Longitude = Annotated[float, AfterValidator(_between(-180, 180))]
NonNegativeInt = Annotated[int, AfterValidator(_check_not_negative)]
TeamCount = Annotated[int, AfterValidator(_check_team_count)]
Seconds = Annotated[float, AfterValidator(_check_seconds)]
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
    home_reserve: Annotated[
        NonNegativeInt, AfterValidator(_at_most(MAX_HOME_RESERVE, "units"))
    ] = 0
    escalation: EscalationEntry = EscalationEntry()


class BaseEntry(_FileModel):
    lat: Latitude
    lon: Longitude
    place: str = ""


class UnitEntry(_FileModel):
    id: UnitId
    name: Text
    country: CountryCode
    base: BaseEntry
    status: StatusName
    mobilisation_minutes: Annotated[
        NonNegativeInt, AfterValidator(_at_most(MAX_MOBILISATION_MINUTES, "minutes (a week)"))
    ]
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


# ---------------------------------------------------------------------------------------------
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


def parse_network(data: object, source: str) -> Network:
    """Check already-parsed YAML data and build the Network; NetworkFileError lists problems."""
    if data is None:
        raise NetworkFileError([Problem(source, "", "the file is empty; " + _EXPECTED_TOP_LEVEL)])
    if not isinstance(data, dict):
        raise NetworkFileError(
            [Problem(source, "", f"{_EXPECTED_TOP_LEVEL} (got {_describe(data)})")]
        )
    found: list[tuple[Loc, str]] = []
    found.extend(_version_problems(data))
    parsed: NetworkFile | None = None
    ignored: list[Loc] = []
    try:
        parsed = NetworkFile.model_validate(data)
    except ValidationError as error:
        ignored = _ignorable_unknown_fields(error)
        found.extend(problem for problem in _translate(error, data) if problem[0] not in ignored)
        if ignored and not found:
            parsed = NetworkFile.model_validate(_without(data, ignored))
    found.extend(_cross_reference_problems(data))
    found.extend(_escalation_problems(data))
    if found or parsed is None:
        raise NetworkFileError(_to_problems(found, data, source))
    for problem in _to_problems(
        [(loc, _unknown_field_message(loc)) for loc in ignored], data, source
    ):
        log.warning("%s (ignored)", problem)
    return _to_network(parsed)


def _ignorable_unknown_fields(error: ValidationError) -> list[Loc]:
    """Fields this version does not know, outside the escalation sections.

    INTERFACES.md lets later versions add fields, so a file written for one must still load
    here: an unknown field is ignored with a warning that names it (and the field it may be a
    misspelling of). The escalation sections are atlasbot's own and set alert timings: a
    misspelt timing there stays an error rather than silently falling back to the default.
    """
    return [
        tuple(detail["loc"])
        for detail in error.errors()
        if detail["type"] == "extra_forbidden" and "escalation" not in detail["loc"]
    ]


def _without(data: object, locations: Sequence[Loc]) -> object:
    """A copy of the parsed YAML without the fields at ``locations``."""
    copy = copy_module.deepcopy(data)
    for loc in locations:
        node: Any = copy
        for part in loc[:-1]:
            node = node[part]
        if isinstance(node, dict):
            node.pop(loc[-1], None)
    return copy


def loads_network(text: str, source: str) -> Network:
    """Parse network YAML text (e.g. a chat upload) and build the Network."""
    return parse_network(_parse_yaml(text, source), source)


def load_network(path: str | Path) -> Network:
    """Read a network file; any problem, including an unreadable file, is a NetworkFileError."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise NetworkFileError(
            [Problem(source, "", f"cannot read the file: it is not UTF-8 text ({error.reason})")]
        ) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise NetworkFileError([Problem(source, "", f"cannot read the file: {reason}")]) from None
    return loads_network(text, source)


def dump_network(network: Network) -> str:
    """The network as YAML text in the INTERFACES.md §1 format; loading it gives it back."""
    lines = [
        "# atlasbot network file (INTERFACES.md §1)",
        f"version: {FORMAT_VERSION}",
        "capabilities:",
    ]
    lines.extend(
        f"  - {_flow({'code': capability.code, 'name': capability.name})}"
        for capability in network.capabilities
    )
    lines.append("countries:" if network.countries else "countries: []")
    for country in network.countries:
        lines.extend(
            _block_item(
                {
                    "code": country.code,
                    "name": country.name,
                    "bound_by_decision": country.bound_by_decision,
                    "timezone": country.timezone,
                    "languages": list(country.languages),
                    "armed_action_abroad": country.armed_action_abroad,
                    "home_reserve": country.home_reserve,
                    **_escalation_field(country.escalation),
                }
            )
        )
    lines.append("units:" if network.units else "units: []")
    for unit in network.units:
        base: dict[str, object] = {"lat": unit.base.lat, "lon": unit.base.lon}
        if unit.base.place:
            base["place"] = unit.base.place
        lines.extend(
            _block_item(
                {
                    "id": unit.id,
                    "name": unit.name,
                    "country": unit.country,
                    "base": base,
                    "status": unit.status.value,
                    "mobilisation_minutes": unit.mobilisation_minutes,
                    "transport": [mode.value for mode in unit.transport],
                    "capabilities": dict(unit.capabilities),
                    "languages": list(unit.languages),
                    **_escalation_field(unit.escalation),
                }
            )
        )
    return "\n".join(lines) + "\n"


def _escalation_field(timings: Mapping[str, float]) -> dict[str, object]:
    """The ``escalation`` field, only when there is one: files without it stay as they were."""
    if not timings:
        return {}
    return {
        "escalation": {
            name: int(value) if float(value).is_integer() else value
            for name, value in timings.items()
        }
    }


# ---------------------------------------------------------------------------------------------
# YAML text

_EXPECTED_TOP_LEVEL = "expected a mapping with version, capabilities, countries and units"


def _parse_yaml(text: str, source: str) -> object:
    try:
        return load_yaml(text)
    except YamlTextError as error:
        raise NetworkFileError([Problem(source, "", str(error))]) from None


def _flow(value: object) -> str:
    """One value in YAML flow style on one line, quoted where YAML needs it (e.g. 'NO')."""
    text: str = yaml.safe_dump(
        value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=1_000_000
    )
    return text.removesuffix("\n...\n").rstrip("\n")


def _block_item(fields: Mapping[str, object]) -> list[str]:
    lines = []
    for index, (key, value) in enumerate(fields.items()):
        prefix = "  - " if index == 0 else "    "
        lines.append(f"{prefix}{key}: {_flow(value)}")
    return lines


# ---------------------------------------------------------------------------------------------
# Problems


def _version_problems(data: Mapping[Any, Any]) -> list[tuple[Loc, str]]:
    if "version" not in data:
        return [
            (
                ("version",),
                f"required field is missing; the file starts with 'version: {FORMAT_VERSION}'",
            )
        ]
    version = data["version"]
    if type(version) is not int or version != FORMAT_VERSION:
        return [
            (
                ("version",),
                f"must be {FORMAT_VERSION}, the only version atlasbot reads "
                f"(got {_describe(version)})",
            )
        ]
    return []


def _cross_reference_problems(data: Mapping[Any, Any]) -> list[tuple[Loc, str]]:
    """Duplicates and references to undeclared countries or capabilities."""
    found: list[tuple[Loc, str]] = []
    capability_codes = _first_index_of_each(data, "capabilities", "code")
    country_codes = _first_index_of_each(data, "countries", "code")
    unit_ids = _first_index_of_each(data, "units", "id")
    for section, key, what, first_index in (
        ("capabilities", "code", "capability code", capability_codes),
        ("countries", "code", "country code", country_codes),
        ("units", "id", "unit id", unit_ids),
    ):
        for index, value in _string_fields(data, section, key):
            if first_index[value] != index:
                found.append(
                    (
                        (section, index, key),
                        f"duplicate {what} {value!r}: {section}[{first_index[value]}] "
                        "already has it",
                    )
                )
    for index, unit in _entries(data, "units"):
        country = unit.get("country")
        if (
            isinstance(country, str)
            and _COUNTRY_CODE.fullmatch(country)
            and country not in country_codes
        ):
            found.append(
                (
                    ("units", index, "country"),
                    f"unknown country {country!r}: it is not listed under countries",
                )
            )
        counts = unit.get("capabilities")
        if isinstance(counts, dict):
            for code in counts:
                if (
                    isinstance(code, str)
                    and _SNAKE_CASE.fullmatch(code)
                    and code not in capability_codes
                ):
                    found.append(
                        (
                            ("units", index, "capabilities", code),
                            f"unknown capability {code!r}: it is not in the capabilities "
                            "catalogue",
                        )
                    )
    return found


def _escalation_problems(data: Mapping[Any, Any]) -> list[tuple[Loc, str]]:
    """A request deadline before its reminder once a state's section is laid over the
    defaults, and request timings in a unit's section (they would never be used: a unit's
    timings lie over its state's only for the unit's own chain)."""
    found: list[tuple[Loc, str]] = []
    for index, country in _entries(data, "countries"):
        own = _usable_timings(country.get("escalation"))
        found.extend(_deadline_problems(("countries", index, "escalation"), own))
    for index, unit in _entries(data, "units"):
        section = unit.get("escalation")
        if not isinstance(section, dict):
            continue
        for name in section:
            if name in TIMING_NAMES and name not in UNIT_TIMING_NAMES:
                found.append(
                    (
                        ("units", index, "escalation", name),
                        f"{name} is a state's timing, not a unit's: a unit may set "
                        f"{', '.join(UNIT_TIMING_NAMES)}; put it in its country's "
                        "escalation section",
                    )
                )
    return found


def _usable_timings(section: object) -> dict[str, float]:
    """The well-formed timings of a raw section (the others are reported field by field)."""
    if not isinstance(section, dict):
        return {}
    return {
        name: float(value)
        for name, value in section.items()
        if name in TIMING_NAMES
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value < math.inf
    }


def _deadline_problems(where: Loc, own: Mapping[str, float]) -> list[tuple[Loc, str]]:
    """The deadline-after-reminder rule on the defaults with a state's section laid over them."""
    involved = [name for name in ("request_deadline_s", "request_reminder_s") if name in own]
    if not involved:
        return []
    defaults = Timings()
    reminder = own.get("request_reminder_s", defaults.request_reminder_s)
    deadline = own.get("request_deadline_s", defaults.request_deadline_s)
    if deadline >= reminder:
        return []
    default_note = {name: "" if name in own else ", the default" for name in involved}
    default_note.setdefault("request_deadline_s", ", the default")
    default_note.setdefault("request_reminder_s", ", the default")
    return [
        (
            (*where, involved[0]),
            f"the request deadline ({_number(deadline)} s{default_note['request_deadline_s']}) "
            f"must not come before its reminder "
            f"({_number(reminder)} s{default_note['request_reminder_s']})",
        )
    ]


def _entries(data: Mapping[Any, Any], section: str) -> list[tuple[int, dict[Any, Any]]]:
    items = data.get(section)
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _string_fields(data: Mapping[Any, Any], section: str, key: str) -> list[tuple[int, str]]:
    return [
        (index, entry[key])
        for index, entry in _entries(data, section)
        if isinstance(entry.get(key), str)
    ]


def _first_index_of_each(data: Mapping[Any, Any], section: str, key: str) -> dict[str, int]:
    first: dict[str, int] = {}
    for index, value in _string_fields(data, section, key):
        first.setdefault(value, index)
    return first


# Field names each part of the file accepts, for "did you mean" hints on unknown fields.
_FIELDS_BY_SECTION: dict[tuple[str, ...], tuple[str, ...]] = {
    (): tuple(NetworkFile.model_fields),
    ("capabilities",): tuple(CapabilityEntry.model_fields),
    ("countries",): tuple(CountryEntry.model_fields),
    ("units",): tuple(UnitEntry.model_fields),
    ("units", "base"): tuple(BaseEntry.model_fields),
    ("countries", "escalation"): tuple(EscalationEntry.model_fields),
    ("units", "escalation"): tuple(EscalationEntry.model_fields),
}

_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of key: value pairs",
    "model_type": "must be a mapping of key: value pairs",
    "model_attributes_type": "must be a mapping of key: value pairs",
}


def _translate(error: ValidationError, data: object) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        kind = detail["type"]
        value = detail.get("input")
        if loc and loc[-1] == "[key]":
            # A mapping key failed: the path names the key itself.
            loc = loc[:-1]
        if loc == ("version",):
            continue  # reported by _version_problems
        if kind == "missing":
            message = "required field is missing"
        elif kind == "invalid_key":
            message = f"unknown field {loc[-1]!r}; field names must be text"
        elif kind == "extra_forbidden":
            message = _unknown_field_message(loc)
        elif kind == "value_error":
            message = str(detail.get("ctx", {}).get("error", detail["msg"]))
        elif kind in _TYPE_MESSAGES:
            message = f"{_TYPE_MESSAGES[kind]} (got {_describe(value)})"
            if kind == "string_type" and isinstance(value, bool):
                message += (
                    "; YAML reads unquoted yes/no/on/off as true/false, so put the text "
                    "in quotes, like 'NO'"
                )
        else:
            text = detail["msg"]
            message = text[:1].lower() + text[1:]
        found.append((loc, message))
    return found


def _unknown_field_message(loc: Loc) -> str:
    key = loc[-1]
    message = f"unknown field {key!r}"
    section = tuple(part for part in loc[:-1] if isinstance(part, str))
    known = _FIELDS_BY_SECTION.get(section)
    if known is not None:
        if isinstance(key, str):
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            if close:
                return f"{message}; did you mean {close[0]!r}?"
        message += f"; expected one of: {', '.join(known)}"
    return message


def _to_problems(found: list[tuple[Loc, str]], data: object, source: str) -> list[Problem]:
    keyed = [
        (
            _file_order(loc, data),
            index,
            Problem(source, _path(loc, data), message, _context(loc, data)),
        )
        for index, (loc, message) in enumerate(found)
    ]
    keyed.sort(key=lambda item: (item[0], item[1]))
    unique: list[Problem] = []
    for _, _, problem in keyed:
        if problem not in unique:
            unique.append(problem)
    return unique


def _file_order(loc: Loc, data: object) -> tuple[int, ...]:
    """Where the location sits in the file: mapping keys and list items keep their YAML order."""
    order: list[int] = []
    node: object = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            order.append(part)
            node = node[part]
        elif isinstance(node, dict):
            keys = list(node)
            if part in keys:
                order.append(keys.index(part))
                node = node[part]
            else:
                # A missing field: after everything that is there.
                order.append(len(keys))
                node = None
        else:
            order.append(0)
            node = None
    return tuple(order)


def _path(loc: Loc, data: object) -> str:
    """``('units', 3, 'base', 'lat')`` -> ``units[3].base.lat``."""
    text = ""
    node: object = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if 0 <= part < len(node) else None
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _context(loc: Loc, data: object) -> str:
    if len(loc) < 2 or not isinstance(data, dict) or not isinstance(loc[1], int):
        return ""
    section, index = loc[0], loc[1]
    label_key = {"units": ("id", "unit"), "countries": ("code", "country")}.get(section)
    items = data.get(section)
    if label_key is None or not isinstance(items, list) or not 0 <= index < len(items):
        return ""
    entry = items[index]
    key, noun = label_key
    if isinstance(entry, dict) and isinstance(entry.get(key), str) and entry[key]:
        return f"{noun} {entry[key]!r}"
    return ""


def _number(value: float) -> str:
    """91.5 -> "91.5", 91.0 -> "91", without float noise."""
    return format(value, ".10g")


def _describe(value: object) -> str:
    """A short, readable rendering of a bad value for a message."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


# ---------------------------------------------------------------------------------------------
# To domain values


def _to_network(parsed: NetworkFile) -> Network:
    return Network(
        capabilities=tuple(Capability(code=c.code, name=c.name) for c in parsed.capabilities),
        countries=tuple(
            Country(
                code=c.code,
                name=c.name,
                bound_by_decision=c.bound_by_decision,
                timezone=c.timezone,
                languages=tuple(c.languages),
                armed_action_abroad=c.armed_action_abroad,
                home_reserve=c.home_reserve,
                escalation=c.escalation.overrides(),
            )
            for c in parsed.countries
        ),
        units=tuple(
            Unit(
                id=u.id,
                name=u.name,
                country=u.country,
                base=Location(lat=u.base.lat, lon=u.base.lon, place=u.base.place),
                status=UnitStatus(u.status),
                mobilisation_minutes=u.mobilisation_minutes,
                transport=tuple(TransportMode(mode) for mode in u.transport),
                capabilities=frozen_counts(u.capabilities),
                languages=tuple(u.languages),
                escalation=u.escalation.overrides(),
            )
            for u in parsed.units
        ),
    )
