"""What the bot says in a unit's digest of the published calendar, the RSVP overview, changes
to one published event and the reasons a unit can't attend (issue 14, RULES R11).

Pure: the use cases compose these from plain values; every word goes through ``_``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from atlasbot.domain import Network
from atlasbot.i18n import N_, _, ngettext
from atlasbot.texts.training import answer_word, kind_label, where
from atlasbot.training.calendar import ScheduledEvent

# Why a unit can't attend: the reason wizard's buttons, keyed by the stored code.
REASONS: Mapping[str, str] = {
    "dates": N_("📆 The dates clash with operations"),
    "staff": N_("👥 Not enough staff available"),
    "trained": N_("🎓 Trained this recently"),
    "travel": N_("✈ Travel or costs"),
    "other": N_("❓ Another reason"),
}
ANSWER_MARKS: Mapping[str, str] = {"attend": "✅", "decline": "✖", "tentative": "❔"}


@dataclass(frozen=True, slots=True)
class GivenAnswer:
    """A unit's current answer to one event: what, who gave it, and why (can't attend)."""

    answer: str
    by: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One event of a unit's digest: the event, its number, the answer, whether it ended."""

    number: int
    event: ScheduledEvent
    given: GivenAnswer | None
    cancelled: bool = False
    dropped: bool = False


def reason_label(code: str) -> str:
    return _(REASONS[code]) if code in REASONS else code


def answer_button(number: int, answer: str) -> str:
    """'3 ✅': the answer for the event numbered 3 in the digest."""
    return f"{number} {ANSWER_MARKS[answer]}"


def _given(given: GivenAnswer | None) -> str:
    if given is None:
        return _("not answered yet")
    text = _("{word} ({by})", word=answer_word(given.answer), by=given.by)
    if given.reason:
        text += _(": {reason}", reason=reason_label(given.reason))
    return text


def _digest_line(line: DigestLine, unit_id: str, network: Network, compact: bool) -> str:
    event = line.event
    if line.cancelled:
        state = _("❌ Cancelled.")
    elif line.dropped:
        state = _("❌ {unit} no longer takes part.", unit=unit_id)
    else:
        state = _("Answer: {given}", given=_given(line.given))
    if compact:
        return _(
            "{number}. {where} {key}: {state}",
            number=line.number,
            where=where(event.start, event.end, event.host, None),
            key=event.id,
            state=state,
        )
    return _(
        "{number}. {kind} {title} ({key})\n   {where}\n   {state}",
        number=line.number,
        kind=kind_label(event.kind.value),
        title=event.title,
        key=event.id,
        where=where(event.start, event.end, event.host, network),
        state=state,
    )


def digest(
    unit_id: str,
    lines: Sequence[DigestLine],
    network: Network,
    may_answer: bool,
    *,
    compact: bool = False,
) -> str:
    """A unit's calendar as one message, in date order, with each event's current answer
    (``compact``: one short line per event, for a year too long for one message)."""
    head = ngettext(
        "📅 Joint calendar for {unit}: {count} event, in date order.",
        "📅 Joint calendar for {unit}: {count} events, in date order.",
        len(lines),
        unit=unit_id,
    )
    out = [head, *(_digest_line(line, unit_id, network, compact) for line in lines)]
    out.append(
        _("Answer each event with the buttons of its number (✅ attend, ✖ can't, ❔ tentative).")
        if may_answer
        else _("For your information (the unit's commander answers).")
    )
    return "\n".join(out)


def published(plan_id: int, events: int, people: int, units: int) -> str:
    return _(
        "📣 Plan #{plan} published: {events} events. Each unit's calendar went out as one "
        "digest: {people} people in {units} units.",
        plan=plan_id,
        events=events,
        people=people,
        units=units,
    )


def answer_recorded(unit_id: str, title: str, answer: str) -> str:
    return _(
        "Recorded: {unit} {word} {title}.", unit=unit_id, word=answer_word(answer), title=title
    )


# --- can't attend: the reason, the options -------------------------------------------------


def ask_reason(unit_id: str, title: str) -> str:
    return _(
        "Recorded: {unit} can't attend {title}. Why? The coordinators look for another date "
        "that keeps your unit in.",
        unit=unit_id,
        title=title,
    )


def reason_given(unit_id: str, title: str, code: str) -> str:
    return _(
        "Thank you. The coordinators know why {unit} can't attend {title}: {reason}.",
        unit=unit_id,
        title=title,
        reason=reason_label(code),
    )


def cant_attend(event: ScheduledEvent, unit_id: str, code: str, network: Network) -> str:
    return _(
        "⚠ {unit} can't attend {title} ({key}, {where}).\nReason: {reason}\n"
        "Look for another date or host that keeps every attending unit, keep the event "
        "without {unit}, or re-plan the calendar without it.",
        unit=unit_id,
        title=event.title,
        key=event.id,
        where=where(event.start, event.end, event.host, network),
        reason=reason_label(code),
    )


def keep_button(unit_id: str) -> str:
    return _("🔎 Find a date that keeps {unit}", unit=unit_id)


def drop_button(key: str, unit_id: str) -> str:
    return _("➖ Keep {key} without {unit}", key=key, unit=unit_id)


def searching(unit_id: str, seconds: float) -> str:
    return _(
        "⏳ Looking for dates and hosts that keep {unit} and every attending unit (at most "
        "{seconds} s)…",
        unit=unit_id,
        seconds=f"{seconds:.0f}",
    )


def keep_options(key: str, unit_id: str, option: str | None) -> str:
    if option is None:
        return _(
            "No other date or host in the horizon keeps {unit} and every attending unit of "
            "{key} without moving other events. Keep {key} without {unit}, or cancel it.",
            unit=unit_id,
            key=key,
        )
    return _(
        "Options for {key}:\n• move it to {option}: every unit, {unit} included, can attend "
        "(no other event moves);\n• keep it where it is without {unit}.",
        key=key,
        option=option,
        unit=unit_id,
    )


def move_button(key: str, option: str) -> str:
    return _("📅 Move {key} to {option}", key=key, option=option)


# --- one published event: cancel, move, drop a unit ------------------------------------------


def event_card(event: ScheduledEvent, network: Network, status: str) -> str:
    return _(
        "{kind} {title} ({key})\n{where}\nParticipants: {units}\nStatus: {status}",
        kind=kind_label(event.kind.value),
        title=event.title,
        key=event.id,
        where=where(event.start, event.end, event.host, network),
        units=", ".join(event.participants),
        status=status,
    )


def event_list(lines: Sequence[tuple[int, ScheduledEvent]], network: Network) -> str:
    if not lines:
        return _("No published event is upcoming.")
    out = [_("Upcoming published events (send /event KEY to change one):")]
    out += [
        _(
            "• {key}: {title}, {where}",
            key=e.id,
            title=e.title,
            where=where(e.start, e.end, e.host, network),
        )
        for _id, e in lines
    ]
    return "\n".join(out)


def event_usage() -> str:
    return _(
        "Send /event KEY to see one published event with its buttons, /event KEY cancel, "
        "/event KEY move YYYY-MM-DD [HOST] (HOST: a participating unit, or 'virtual'), or "
        "/event KEY title NEW TITLE."
    )


def confirm_title_question(title: str, key: str, new: str) -> str:
    return _(
        "Rename {title} ({key}) to {new}? Every unit is told and the calendars are updated.",
        title=title,
        key=key,
        new=new,
    )


def confirm_title_button() -> str:
    return _("✅ Confirm: rename and tell the units")


def renamed_notice(unit_id: str, before: str, after: str) -> str:
    return _(
        "📅 What changed for {unit}: {before} is now called {after}. /calendar gives the "
        "updated calendar file.",
        unit=unit_id,
        before=before,
        after=after,
    )


def renamed_done(title: str, people: int) -> str:
    return _("✏ Renamed to {title}; {people} people told.", title=title, people=people)


def cancel_button() -> str:
    return _("🗑 Cancel this event…")


def move_search_button() -> str:
    return _("📅 Find another date…")


def confirm_cancel_question(title: str, key: str, units: int) -> str:
    return ngettext(
        "Cancel {title} ({key})? {count} unit is told and its calendar gets the cancellation.",
        "Cancel {title} ({key})? {count} units are told and their calendars get the cancellation.",
        units,
        title=title,
        key=key,
    )


def confirm_cancel_button() -> str:
    return _("✅ Confirm: cancel and tell the units")


def confirm_move_question(title: str, key: str, before: str, after: str) -> str:
    return _(
        "Move {title} ({key}) from {before} to {after}? Every unit is told, answers are asked "
        "again and the calendars are updated.",
        title=title,
        key=key,
        before=before,
        after=after,
    )


def confirm_move_button() -> str:
    return _("✅ Confirm: move and tell the units")


def confirm_drop_question(title: str, key: str, unit_id: str) -> str:
    return _(
        "Keep {title} ({key}) where it is without {unit}? {unit} is told and its calendar "
        "gets the cancellation.",
        title=title,
        key=key,
        unit=unit_id,
    )


def confirm_drop_button() -> str:
    return _("✅ Confirm: keep it without the unit")


def cancelled_done(title: str, people: int) -> str:
    return _("🗑 {title} cancelled; {people} people told.", title=title, people=people)


def moved_done(title: str, after: str, people: int) -> str:
    return _(
        "📅 {title} moved to {after}; {people} people told.",
        title=title,
        after=after,
        people=people,
    )


def dropped_done(title: str, unit_id: str, people: int) -> str:
    return _(
        "➖ {unit} no longer takes part in {title}; {people} people told.",
        unit=unit_id,
        title=title,
        people=people,
    )


def update_caption() -> str:
    return _("Calendar update: import it to apply the change")


def cancelled_notice(unit_id: str, title: str, before: str) -> str:
    return _(
        "📅 What changed for {unit}: {title} ({before}) is cancelled. /calendar gives the "
        "updated calendar file.",
        unit=unit_id,
        title=title,
        before=before,
    )


def dropped_notice(unit_id: str, title: str, before: str) -> str:
    return _(
        "📅 What changed for {unit}: {unit} no longer takes part in {title} ({before}). "
        "/calendar gives the updated calendar file.",
        unit=unit_id,
        title=title,
        before=before,
    )


def moved_notice(unit_id: str, title: str, before: str, after: str, may_answer: bool) -> str:
    text = _(
        "📅 What changed for {unit}: {title} moved from {before} to {after}. /calendar gives "
        "the updated calendar file.",
        unit=unit_id,
        title=title,
        before=before,
        after=after,
    )
    if may_answer:
        text += "\n" + _("Please answer again for the new dates:")
    return text


def new_host(unit_id: str, title: str, after: str) -> str:
    return _("🏠 {unit} now hosts {title} ({after}).", unit=unit_id, title=title, after=after)


# --- the RSVP overview ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """One event's answers as an overview shows them (units: unit -> answer or None)."""

    event: ScheduledEvent
    units: Mapping[str, GivenAnswer | None]


def overview(tallies: Sequence[Tally], scope: str, today: dt.date) -> str:
    if not tallies:
        return _("No upcoming published event involves {scope}.", scope=scope)
    out = [_("📋 Answers to the published calendar for {scope}:", scope=scope)]
    for tally in tallies:
        counts = {
            a: [u for u, g in tally.units.items() if g and g.answer == a] for a in ANSWER_MARKS
        }
        silent = [u for u, g in tally.units.items() if g is None]
        out.append(
            _(
                "• {key} {title} ({start}): ✅ {attend} · ✖ {decline} · ❔ {tentative} · no "
                "answer {none}",
                key=tally.event.id,
                title=tally.event.title,
                start=tally.event.start.isoformat(),
                attend=len(counts["attend"]),
                decline=len(counts["decline"]),
                tentative=len(counts["tentative"]),
                none=len(silent),
            )
        )
        for unit_id, given in tally.units.items():
            out.append(_("   {unit}: {given}", unit=unit_id, given=_given(given)))
    return "\n".join(out)


def remind_button(units: int) -> str:
    return ngettext(
        "🔔 Remind {count} unit that has not answered",
        "🔔 Remind {count} units that have not answered",
        units,
    )


def reminded(units: int, people: int) -> str:
    return _("🔔 Reminded {units} units ({people} people).", units=units, people=people)


def nothing_to_remind() -> str:
    return _("Every unit has answered every upcoming event.")


def duty_copies_button(on: bool) -> str:
    return (
        _("🔕 Stop copies to the duty officers")
        if on
        else _("🔔 Send copies to the duty officers too")
    )


def duty_copies_set(unit_id: str, on: bool) -> str:
    return (
        _("{unit}'s duty officers now get a copy of the calendar and its changes.", unit=unit_id)
        if on
        else _("{unit}'s duty officers no longer get copies.", unit=unit_id)
    )


def reminder_head(unit_id: str) -> str:
    return _("🔔 {unit} has not answered these events yet:", unit=unit_id)


def not_coordinator_overview() -> str:
    return _("Only network coordinators send reminders to the units.")
