"""What coordinators and authorities read about training history (issue 14.5): an imported
history file, attendance after an event, and /readiness per state and capability."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from atlasbot.domain import Network
from atlasbot.i18n import _, ngettext
from atlasbot.texts import training as training_texts
from atlasbot.training.currency import StateCurrency

PROBLEMS_SHOWN = 15


def file_problems(source: str, problems: Sequence[str]) -> str:
    """Every problem of a history file (the first few), by its row or place."""
    return training_texts.file_problems(source, problems, PROBLEMS_SHOWN)


def imported(source: str, trainings: int, added: int, already: int) -> str:
    head = ngettext(
        "{source}: {count} past training read.",
        "{source}: {count} past trainings read.",
        trainings,
        source=source,
    )
    return (
        head
        + " "
        + _(
            "{added} unit attendances added, {already} already recorded. /readiness counts them.",
            added=added,
            already=already,
        )
    )


def no_ended_events() -> str:
    return _("No published training has ended yet: there is no attendance to mark.")


def choose_event(count: int) -> str:
    return ngettext(
        "Mark attendance: choose the event ({count} ended, the latest first).",
        "Mark attendance: choose the event ({count} ended, the latest first).",
        count,
    )


def event_button(title: str, start: dt.date, end: dt.date) -> str:
    return _("📋 {title} ({start} – {end})", title=title[:40], start=start, end=end)


def unit_button(unit: str, attended: bool) -> str:
    if attended:
        return _("✅ {unit} attended (tap: absent)", unit=unit)
    return _("✖ {unit} absent (tap: attended)", unit=unit)


def attendance(
    title: str, start: dt.date, end: dt.date, attended: Mapping[str, bool], marked: bool
) -> str:
    came = [unit for unit, yes in attended.items() if yes]
    away = [unit for unit, yes in attended.items() if not yes]
    lines = [
        _("Attendance at {title} ({start} – {end}):", title=title, start=start, end=end),
        _("Attended: {units}", units=", ".join(came) or "—"),
        _("Absent: {units}", units=", ".join(away) or "—"),
    ]
    if not marked:
        lines.append(_("Not marked yet: shown as the units answered. Tap a unit to change it."))
    return "\n".join(lines)


def cannot_mark(unit: str) -> str:
    return _(
        "{unit} cannot be marked for this event (not a participant, or not ended).", unit=unit
    )


# --- /readiness ----------------------------------------------------------------------------------


def _units_with_days(items: Sequence[tuple[str, dt.date | None]]) -> str:
    return ", ".join(
        _("{unit} ({day})", unit=unit, day=day.isoformat() if day else _("never"))
        for unit, day in items
    )


def readiness_by_state(
    states: Sequence[StateCurrency],
    proposal: Mapping[str, Any],
    network: Network,
    months: int,
    soon_months: int,
) -> str:
    """Per state and capability: last joint training, units out of currency, units falling
    out within ``soon_months``; then the refreshers proposed for the gaps."""
    stale = sum(len(s.stale) for s in states)
    due = sum(len(s.due) for s in states)
    lines = [
        _(
            "Training currency ({months} months): {stale} unit capabilities not trained jointly "
            "within {months} months, {due} falling out within {soon} months.",
            months=months,
            stale=stale,
            due=due,
            soon=soon_months,
        ),
        _("Capabilities not trained jointly within {months} months are marked ⚠.", months=months),
    ]
    country = ""
    for item in states:
        if item.country != country:
            country = item.country
            lines += ["", _("{country}:", country=country)]
        last = item.last.isoformat() if item.last else _("never")
        line = _(
            "• {name}: last trained jointly {last}",
            name=training_texts.capability_name(network, item.capability),
            last=last,
        )
        if item.stale:
            line += _("; ⚠ out of currency: {units}", units=_units_with_days(item.stale))
        if item.due:
            line += _(
                "; due within {soon} months: {units}",
                soon=soon_months,
                units=", ".join(
                    _("{unit} (by {day})", unit=unit, day=day.isoformat())
                    for unit, day in item.due
                ),
            )
        lines.append(line)
    events = proposal.get("events", [])
    if events:
        lines += [
            "",
            ngettext(
                "Proposed for the gaps: {count} refresher training, units grouped by distance:",
                "Proposed for the gaps: {count} refresher trainings, units grouped by distance:",
                len(events),
            ),
        ]
        lines += [
            _("• {title}: {units}", title=e["title"], units=", ".join(e["participants"]))
            for e in events
        ]
    return "\n".join(lines)


def readiness_nothing() -> str:
    return _("None of your state's units has a capability to train.")
