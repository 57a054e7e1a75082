"""The training history file (docs/formats.md §9): joint trainings held before atlasbot knew
of them, and which units attended, so that training currency counts them.

CSV (a header row, then one row per training) or YAML (a mapping with ``history:``, a list).
Each training has ``date`` (its last day, YYYY-MM-DD, not after today), ``capability`` (a
catalogue code), ``units`` (the units that attended: at least two, since the training was
joint; in CSV separated by spaces, commas inside quotes or semicolons) and an optional
``title``. Unknown columns or keys are ignored with a warning (like the events file); every
other problem refuses the whole file, each problem one line naming the file and the row.

Pure core: the caller reads the file through ``atlasbot.safe_files`` and passes the text.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atlasbot.domain import Network
from atlasbot.i18n import _, format_number
from atlasbot.safe_files import excerpt, text_problem
from atlasbot.yamltext import YamlTextError, load_yaml

KEYS = ("date", "capability", "units", "title")
REQUIRED = ("date", "capability", "units")
MAX_TITLE = 200
MAX_ENTRIES = 5000
_UNIT_SEPARATORS = re.compile(r"[\s;,]+")


class HistoryFileError(ValueError):
    """The history file is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One joint training held: its last day, capability, title and the units that attended."""

    day: dt.date
    capability: str
    units: tuple[str, ...]
    title: str


@dataclass(frozen=True, slots=True)
class HistoryFile:
    """A history file read: its trainings, and the warnings about what was ignored."""

    entries: tuple[HistoryEntry, ...]
    warnings: tuple[str, ...]


def looks_like_history(text: str, name: str) -> bool:
    """Whether an uploaded file is a history file rather than an events file: a CSV, or YAML
    whose top level has ``history:``."""
    if name.lower().endswith(".csv"):
        return True
    return re.search(r"^history\s*:", text, flags=re.MULTILINE) is not None


def parse_history(text: str, source: str, network: Network, today: dt.date) -> HistoryFile:
    """The file's trainings checked against the network; HistoryFileError lists problems."""
    if source.lower().endswith(".csv"):
        rows, where = _csv_rows(text, source)
    else:
        rows, where = _yaml_rows(text, source)
    if len(rows) > MAX_ENTRIES:
        too_many = _(
            "{count} trainings, at most {limit} in one file",
            count=format_number(len(rows)),
            limit=format_number(MAX_ENTRIES),
        )
        raise HistoryFileError([f"{source}: {too_many}"])
    if not rows:
        raise HistoryFileError([_at(source, _("no trainings in the file"))])
    problems: list[str] = []
    warnings: list[str] = []
    entries: list[HistoryEntry] = []
    for row, place in zip(rows, where, strict=True):
        entry = _entry(row, network, today, _Report(f"{source}: {place}", problems, warnings))
        if entry is not None:
            entries.append(entry)
    if problems:
        raise HistoryFileError(problems)
    return HistoryFile(tuple(entries), tuple(warnings))


@dataclass(frozen=True, slots=True)
class _Report:
    where: str
    problems: list[str]
    warnings: list[str]

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where}.{key}: {message}")

    def unknown(self, key: str) -> None:
        close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.75)
        message = (
            _(
                "unknown key {key}, ignored; did you mean {close}?",
                key=excerpt(key),
                close=repr(close[0]),
            )
            if close
            else _("unknown key {key}, ignored", key=excerpt(key))
        )
        self.warnings.append(f"{self.where}.{key}: {message}")


def _csv_rows(text: str, source: str) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        if not header:
            raise HistoryFileError([_at(source, _("the CSV file has no header row"))])
        reader.fieldnames = header
        rows = []
        for row in reader:
            if any((value or "").strip() for value in row.values() if isinstance(value, str)):
                rows.append({k: v for k, v in row.items() if k is not None})
    except csv.Error as error:
        unreadable = _("not a readable CSV file ({error})", error=error)
        raise HistoryFileError([f"{source}: {unreadable}"]) from None
    # Row 1 is the header: the first training is on line 2 (as a spreadsheet shows it).
    return rows, [_("row {number}", number=number) for number in range(2, len(rows) + 2)]


def _yaml_rows(text: str, source: str) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        data = load_yaml(text, dates_as_text=True)
    except YamlTextError as error:
        raise HistoryFileError([f"{source}: {error}"]) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("history"), list):
        expected = _("expected a mapping with history: (a list)")
        raise HistoryFileError([f"{source}: {expected}"])
    rows: list[dict[str, Any]] = []
    for number, item in enumerate(data["history"]):
        if not isinstance(item, Mapping):
            expected = _("expected a mapping, got {value}", value=excerpt(item))
            raise HistoryFileError([f"{source}: history[{number}]: {expected}"])
        rows.append({str(key): value for key, value in item.items()})
    return rows, [f"history[{number}]" for number in range(len(rows))]


def _entry(
    row: Mapping[str, Any], network: Network, today: dt.date, report: _Report
) -> HistoryEntry | None:
    for key in row:
        if key not in KEYS:
            report.unknown(key)
    before = len(report.problems)
    for key in REQUIRED:
        if row.get(key) in (None, "", []):
            report.problem(key, _("missing"))
    if len(report.problems) > before:
        return None
    day = _day(row["date"], today, report)
    capability = str(row["capability"]).strip()
    if capability not in {c.code for c in network.capabilities}:
        report.problem("capability", _("unknown capability {code}", code=excerpt(capability)))
    units = _units(row["units"], network, report)
    title = str(row.get("title") or "").strip()
    problem = text_problem(title, MAX_TITLE)
    if problem:
        report.problem("title", problem)
    if len(report.problems) > before or day is None:
        return None
    return HistoryEntry(day, capability, units, title)


def _day(value: Any, today: dt.date, report: _Report) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        report.problem("date", _("{value} is not a date (YYYY-MM-DD)", value=excerpt(value)))
        return None
    if day > today:
        report.problem("date", _("{day} is in the future: only trainings held count", day=day))
        return None
    return day


def _units(value: Any, network: Network, report: _Report) -> tuple[str, ...]:
    if isinstance(value, str):
        listed = [part for part in _UNIT_SEPARATORS.split(value.strip()) if part]
    elif isinstance(value, list):
        listed = [str(part).strip() for part in value]
    else:
        report.problem(
            "units", _("expected a list of unit ids, got {value}", value=excerpt(value))
        )
        return ()
    known = {unit.id for unit in network.units}
    units: list[str] = []
    for unit_id in listed:
        if unit_id not in known:
            report.problem("units", _("unknown unit {unit}", unit=excerpt(unit_id)))
        elif unit_id in units:
            report.problem("units", _("{unit} is listed twice", unit=excerpt(unit_id)))
        else:
            units.append(unit_id)
    if len(listed) < 2:
        report.problem("units", _("a joint training has at least two units"))
    return tuple(units)


def _at(where: str, message: str) -> str:
    """A problem as shown: where it is, then what is wrong (one line)."""
    return f"{where}: {message}"
