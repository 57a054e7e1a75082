"""What is wrong with a network file: problems located by file, field path and unit.

Pydantic's errors are translated into plain words; cross-references (duplicates, unknown
countries or capabilities) and escalation sections are checked on the raw data so that one
broken unit does not hide the problems of the others.
"""

from __future__ import annotations

import copy as copy_module
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from atlasbot.escalation import Timings
from atlasbot.i18n import N_, _
from atlasbot.network.schema import (
    COUNTRY_CODE,
    FORMAT_VERSION,
    MAX_ESCALATION_SECONDS,
    SNAKE_CASE,
    TIMING_NAMES,
    UNIT_TIMING_NAMES,
    BaseEntry,
    CapabilityEntry,
    CountryEntry,
    EscalationEntry,
    NetworkFile,
    UnitEntry,
    number_text,
)
from atlasbot.safe_files import excerpt

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


def empty_file() -> str:
    """The problem of a file with nothing in it."""
    return _(
        "the file is empty; expected a mapping with version, capabilities, countries and units"
    )


def not_a_mapping(data: object) -> str:
    """The problem of a file whose top level is not a mapping."""
    return _(
        "expected a mapping with version, capabilities, countries and units (got {value})",
        value=describe(data),
    )


def ignorable_unknown_fields(error: ValidationError) -> list[Loc]:
    """Fields this version does not know, outside the escalation sections.

    docs/formats.md lets later versions add fields, so a file written for one must still load
    here: an unknown field is ignored with a warning that names it (and the field it may be a
    misspelling of). The escalation sections are atlasbot's own and set alert timings: a
    misspelt timing there stays an error rather than silently falling back to the default.
    """
    return [
        tuple(detail["loc"])
        for detail in error.errors()
        if detail["type"] == "extra_forbidden" and "escalation" not in detail["loc"]
    ]


def without(data: object, locations: Sequence[Loc]) -> object:
    """A copy of the parsed YAML without the fields at ``locations``."""
    copy = copy_module.deepcopy(data)
    for loc in locations:
        node: Any = copy
        for part in loc[:-1]:
            node = node[part]
        if isinstance(node, dict):
            node.pop(loc[-1], None)
    return copy


# ---------------------------------------------------------------------------------------------
# Problems


def version_problems(data: Mapping[Any, Any]) -> list[tuple[Loc, str]]:
    if "version" not in data:
        message = _(
            "required field is missing; the file starts with 'version: {version}'",
            version=FORMAT_VERSION,
        )
        return [(("version",), message)]
    version = data["version"]
    if type(version) is not int or version != FORMAT_VERSION:
        message = _(
            "must be {version}, the only version atlasbot reads (got {value})",
            version=FORMAT_VERSION,
            value=describe(version),
        )
        return [(("version",), message)]
    return []


# A second capability code, country code or unit id equal to one before it.
_DUPLICATE_MESSAGES = {
    "capabilities": N_("duplicate capability code {value}: {first} already has it"),
    "countries": N_("duplicate country code {value}: {first} already has it"),
    "units": N_("duplicate unit id {value}: {first} already has it"),
}


def cross_reference_problems(data: Mapping[Any, Any]) -> list[tuple[Loc, str]]:
    """Duplicates and references to undeclared countries or capabilities."""
    found: list[tuple[Loc, str]] = []
    capability_codes = _first_index_of_each(data, "capabilities", "code")
    country_codes = _first_index_of_each(data, "countries", "code")
    unit_ids = _first_index_of_each(data, "units", "id")
    for section, key, first_index in (
        ("capabilities", "code", capability_codes),
        ("countries", "code", country_codes),
        ("units", "id", unit_ids),
    ):
        for index, value in _string_fields(data, section, key):
            if first_index[value] != index:
                message = _(
                    _DUPLICATE_MESSAGES[section],
                    value=excerpt(value),
                    first=f"{section}[{first_index[value]}]",
                )
                found.append(((section, index, key), message))
    for index, unit in _entries(data, "units"):
        country = unit.get("country")
        if (
            isinstance(country, str)
            and COUNTRY_CODE.fullmatch(country)
            and country not in country_codes
        ):
            message = _(
                "unknown country {country}: it is not listed under countries",
                country=repr(country),
            )
            found.append((("units", index, "country"), message))
        counts = unit.get("capabilities")
        if isinstance(counts, dict):
            for code in counts:
                if (
                    isinstance(code, str)
                    and SNAKE_CASE.fullmatch(code)
                    and code not in capability_codes
                ):
                    message = _(
                        "unknown capability {code}: it is not in the capabilities catalogue",
                        code=excerpt(code),
                    )
                    found.append((("units", index, "capabilities", code), message))
    return found


def escalation_problems(data: Mapping[Any, Any]) -> list[tuple[Loc, str]]:
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
                message = _(
                    "{name} is a state's timing, not a unit's: a unit may set {names}; put it "
                    "in its country's escalation section",
                    name=name,
                    names=", ".join(UNIT_TIMING_NAMES),
                )
                found.append((("units", index, "escalation", name), message))
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
        and 0 <= value <= MAX_ESCALATION_SECONDS
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
    # One of the two at least is the section's own (``involved`` is not empty).
    if "request_deadline_s" not in own:
        text = N_(
            "the request deadline ({deadline} s, the default) must not come before its "
            "reminder ({reminder} s)"
        )
    elif "request_reminder_s" not in own:
        text = N_(
            "the request deadline ({deadline} s) must not come before its reminder "
            "({reminder} s, the default)"
        )
    else:
        text = N_(
            "the request deadline ({deadline} s) must not come before its reminder ({reminder} s)"
        )
    message = _(text, deadline=number_text(deadline), reminder=number_text(reminder))
    return [((*where, involved[0]), message)]


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

_MAPPING_EXPECTED = N_("must be a mapping of key: value pairs (got {value})")
_TYPE_MESSAGES = {
    "int_type": N_("must be a whole number (got {value})"),
    "float_type": N_("must be a number (got {value})"),
    "bool_type": N_("must be true or false (got {value})"),
    "string_type": N_("must be text (got {value})"),
    "list_type": N_("must be a list (got {value})"),
    "dict_type": _MAPPING_EXPECTED,
    "model_type": _MAPPING_EXPECTED,
    "model_attributes_type": _MAPPING_EXPECTED,
}


def translate(error: ValidationError, data: object) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        kind = detail["type"]
        value = detail.get("input")
        if loc and loc[-1] == "[key]":
            # A mapping key failed: the path names the key itself.
            loc = loc[:-1]
        if loc == ("version",):
            continue  # reported by version_problems
        if kind == "missing":
            message = _("required field is missing")
        elif kind == "invalid_key":
            message = _("unknown field {field}; field names must be text", field=excerpt(loc[-1]))
        elif kind == "extra_forbidden":
            message = unknown_field_message(loc)
        elif kind == "value_error":
            # The schema's own checks raise ValueError with words already in the reader's
            # language (atlasbot.network.schema).
            message = str(detail.get("ctx", {}).get("error", detail["msg"]))
        elif kind == "string_type" and isinstance(value, bool):
            message = _(
                "must be text (got {value}); YAML reads unquoted yes/no/on/off as true/false, "
                "so put the text in quotes, like 'NO'",
                value=describe(value),
            )
        elif kind in _TYPE_MESSAGES:
            message = _(_TYPE_MESSAGES[kind], value=describe(value))
        else:
            # A kind this module does not word: pydantic's own (English) message.
            text = detail["msg"]
            message = text[:1].lower() + text[1:]
        found.append((loc, message))
    return found


def unknown_field_message(loc: Loc) -> str:
    key = loc[-1]
    section = tuple(part for part in loc[:-1] if isinstance(part, str))
    known = _FIELDS_BY_SECTION.get(section)
    if known is None:
        return _("unknown field {field}", field=excerpt(key))
    if isinstance(key, str):
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        if close:
            return _(
                "unknown field {field}; did you mean {suggestion}?",
                field=excerpt(key),
                suggestion=repr(close[0]),
            )
    return _(
        "unknown field {field}; expected one of: {fields}",
        field=excerpt(key),
        fields=", ".join(known),
    )


def to_problems(found: list[tuple[Loc, str]], data: object, source: str) -> list[Problem]:
    keyed = [
        (
            _file_order(loc, data),
            index,
            Problem(source, _path(loc, data), message, _context(loc, data)),
        )
        for index, (loc, message) in enumerate(found)
    ]
    keyed.sort(key=lambda item: (item[0], item[1]))
    # A dict keeps the first of equal problems in order, in linear time (a file may hold
    # thousands of duplicates).
    return list(dict.fromkeys(problem for _order, _index, problem in keyed))


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
    label_key = _CONTEXT_LABELS.get(section)
    items = data.get(section)
    if label_key is None or not isinstance(items, list) or not 0 <= index < len(items):
        return ""
    entry = items[index]
    key, label = label_key
    if isinstance(entry, dict) and isinstance(entry.get(key), str) and entry[key]:
        return _(label, value=excerpt(entry[key]))
    return ""


# Which entry a problem is inside, named by its key ("unit 'de-1'").
_CONTEXT_LABELS = {
    "units": ("id", N_("unit {value}")),
    "countries": ("code", N_("country {value}")),
}


def describe(value: object) -> str:
    """A short, readable rendering of a bad value for a message."""
    if value is None:
        return _("an empty value")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, int) and abs(value) >= 10**15:
        return excerpt(value)
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return _("a {type}", type=type(value).__name__)
