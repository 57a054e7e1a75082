"""The after-action report: a document a person reads, and its timeline as CSV.

Pure: plain values in (``Report`` and its lines, which the use case reads from the crisis, its
requests and the audit log), text and CSV out, in the reader's time zone with its
abbreviation. People and units by name, states by name, capabilities by the registry's names,
times to the minute (the CSV keeps seconds, and UTC beside local time); no codes, no Python
values. The legal basis of what was agreed is cited in full here (rule, article, and whether
the article number is confirmed): the report is what a reviewer checks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from atlasbot import names, rules
from atlasbot.i18n import N_, _
from atlasbot.texts.crisis import CrisisView, agreement_lines, capability_line, crisis_title
from atlasbot.texts.times import local_date_time, local_time, zone_abbreviation

# Telegram's message limit is 4096 characters; the whole timeline is always in the CSV.
MESSAGE_LIMIT = 3900


@dataclass(frozen=True, slots=True)
class StateLine:
    """One requested state: what it answered, when, and on what terms."""

    country: str
    country_name: str
    status: str
    sent_at: datetime
    answered_at: datetime | None
    decline_reason: str = ""
    agreement: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnitLine:
    """One ordered unit and when it reached each state (None: never)."""

    unit_id: str
    unit_name: str
    country: str
    teams: Mapping[str, int]
    reached: Mapping[str, datetime]  # deployment state -> first time it was reported
    eta_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the timeline: when, who (by name), what (an audit action) and its details."""

    at: datetime
    who: str
    action: str
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the after-action report says about one crisis."""

    crisis: CrisisView
    requested_at: datetime
    closed_at: datetime | None
    states: Sequence[StateLine]
    units: Sequence[UnitLine]
    timeline: Sequence[Event]
    capability_names: Mapping[str, str] = field(default_factory=dict)
    unit_names: Mapping[str, str] = field(default_factory=dict)


# What each audit action means, in words; {country}, {unit}, {units} and {reason} come from
# the entry's details. An action not listed here reads as words made of its code.
ACTIONS: Mapping[str, str] = {
    "crisis.submitted": N_("request for assistance submitted"),
    "assistance.requested": N_("asked {country} for {units}"),
    "assistance.accepted": N_("{country} accepted"),
    "assistance.declined": N_("{country} declined: {reason}"),
    "assistance.countered": N_("{country} made a counter-proposal"),
    "assistance.no_response": N_("{country} did not answer by the deadline"),
    "counter.accepted": N_("counter-proposal of {country} accepted"),
    "counter.rejected": N_("counter-proposal of {country} rejected"),
    "deployment.mobilising": N_("{unit} mobilising"),
    "deployment.departed": N_("{unit} departed"),
    "deployment.on_scene": N_("{unit} on scene"),
    "deployment.released": N_("{unit} released"),
    "plan.unit_removed": N_("{unit} removed from the plans"),
    "crisis.closed": N_("crisis closed"),
}


def _minutes(start: datetime, end: datetime | None) -> str:
    if end is None:
        return ""
    total = max(0, round((end - start) / timedelta(minutes=1)))
    if total < 60:
        return _("{minutes} min", minutes=total)
    return _("{hours} h {minutes} min", hours=total // 60, minutes=total % 60)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def event_text(event: Event, unit_names: Mapping[str, str] | None = None) -> str:
    """What happened, in words: "asked DE for de-1 (Demo Unit Berlin)"."""
    detail = event.detail
    unit = str(detail.get("unit", ""))
    if unit and unit_names and unit in unit_names:
        unit = _("{unit} ({name})", unit=unit, name=unit_names[unit])
    units = detail.get("units")
    values = {
        "country": str(detail.get("country", "")),
        "unit": unit,
        "units": ", ".join(str(u) for u in units) if isinstance(units, list) else "",
        "reason": str(detail.get("reason", "")),
    }
    if event.action in ACTIONS:
        return _(ACTIONS[event.action], **values)
    simple = [
        f"{names.from_code(str(key)).lower()}: {_scalar(value)}"
        for key, value in detail.items()
        if not isinstance(value, Mapping) and value not in (None, "", [])
    ]
    words = names.from_code(event.action.replace(".", " "))
    return f"{words} ({'; '.join(simple)})" if simple else words


def _state_lines(report: Report, tz: ZoneInfo) -> list[str]:
    lines = [_("Requested states:")]
    for state in report.states:
        answered = (
            _(
                "{answer} at {time}, {after} after it was sent",
                answer=names.answer_status_name(state.status),
                time=local_time(state.answered_at, tz),
                after=_minutes(state.sent_at, state.answered_at),
            )
            if state.answered_at is not None
            else names.answer_status_name(state.status)
        )
        lines.append(
            _(
                "• {name} ({country}): {answered}",
                name=state.country_name,
                country=state.country,
                answered=answered,
            )
        )
        if state.decline_reason:
            lines.append(_("  Reason: {reason}", reason=state.decline_reason))
        if state.status == "accepted" and state.agreement:
            lines.append(_("  Agreed terms:"))
            lines += [f"    {line}" for line in agreement_lines(state.agreement)]
    return lines


_UNIT_STEPS = ("mobilising", "departed", "on_scene", "released")


def _unit_lines(report: Report, tz: ZoneInfo) -> list[str]:
    lines = [_("Units:")]
    for unit in report.units:
        lines.append(
            _(
                "• {name} ({unit}, {country}): {teams}",
                name=unit.unit_name,
                unit=unit.unit_id,
                country=unit.country,
                teams=capability_line(dict(unit.teams), report.capability_names),
            )
        )
        steps = [
            _(
                "{state} {time}",
                state=names.deployment_state_name(step),
                time=local_time(unit.reached[step], tz),
            )
            for step in _UNIT_STEPS
            if step in unit.reached
        ]
        lines.append("  " + (", ".join(steps) if steps else _("no progress reported")))
        arrived = unit.reached.get("on_scene")
        lines.append(
            _(
                "  On scene {after} after the request.",
                after=_minutes(report.requested_at, arrived),
            )
            if arrived
            else _("  Never reported on scene.")
        )
    return lines


def _legal_lines() -> list[str]:
    return [
        _("Legal basis (for the record):"),
        _("• Request and answers: {cite}", cite=rules.cite("R5")),
        _("• Forms of assistance: {cite}", cite=rules.cite("R6")),
        _("• Command of the requesting state: {cite}", cite=rules.cite("R7")),
        _("• Costs: {cite}", cite=rules.cite("R9")),
        _("• Liability of officers abroad: {cite}", cite=rules.cite("R10")),
    ]


def _timeline_line(event: Event, report: Report, tz: ZoneInfo) -> str:
    return _(
        "{time} {who}: {what}",
        time=f"{event.at.astimezone(tz):%H:%M}",
        who=event.who,
        what=event_text(event, report.unit_names),
    )


def report_text(report: Report, tz: ZoneInfo) -> str:
    """The report as one message in the reader's zone; the timeline's oldest lines give way
    (the CSV holds them all) when it would not fit one message."""
    abbreviation = zone_abbreviation(report.requested_at, tz)
    head = [
        _("AFTER-ACTION REPORT"),
        crisis_title(report.crisis),
        _(
            "Requested {start}, closed {end} ({length}).",
            start=local_date_time(report.requested_at, tz),
            end=local_date_time(report.closed_at, tz),
            length=_minutes(report.requested_at, report.closed_at) or "—",
        ),
        _("Times in {abbreviation} ({zone}).", abbreviation=abbreviation, zone=tz.key),
        "",
        *_state_lines(report, tz),
        "",
        *_unit_lines(report, tz),
        "",
    ]
    tail = ["", *_legal_lines(), "", _("The whole timeline is in the attached CSV file.")]
    timeline = [_timeline_line(event, report, tz) for event in report.timeline]
    budget = MESSAGE_LIMIT - len("\n".join(head + tail)) - 200
    shown: list[str] = []
    for line in reversed(timeline):
        if len(line) + 1 > budget:
            break
        shown.insert(0, line)
        budget -= len(line) + 1
    title = [_("Timeline:")]
    if len(shown) < len(timeline):
        title.append(_("… {count} earlier entries in the CSV", count=len(timeline) - len(shown)))
    return "\n".join([*head, *title, *shown, *tail])[:MESSAGE_LIMIT]


def report_filename(crisis_id: int | None) -> str:
    """The CSV's file name."""
    return _("crisis-{crisis}-timeline.csv", crisis=crisis_id)


def report_caption(report: Report) -> str:
    """The CSV's caption."""
    return _("Timeline of {title}", title=crisis_title(report.crisis))[:1000]


def _cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not read as a formula (a name may start with '=')."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def timeline_csv(report: Report, tz: ZoneInfo) -> bytes:
    """The timeline as CSV (UTF-8): local time with its offset, UTC, who, what."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("local time ({zone})", zone=tz.key),
            _("time (UTC)"),
            _("who"),
            _("what"),
        ]
    )
    for event in report.timeline:
        moment = event.at.replace(microsecond=0)
        writer.writerow(
            [
                moment.astimezone(tz).isoformat(),
                moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"),
                _cell(event.who),
                _cell(event_text(event, report.unit_names)),
            ]
        )
    return out.getvalue().encode("utf-8")
