"""Every word of on-call alerting: alert copies, escalations, reminders, acknowledgements,
the duty rota and drill reports (plain text: the bot escapes it for HTML, bot/formatting.py).

Pure: the use cases in ``atlasbot.services`` compose their messages with these functions, so
the same words serve handlers and timers. Values come in as plain values, or as any object
with the attributes a ``Protocol`` below names (a service's frozen result fits), never as
storage rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from atlasbot.escalation import Action
from atlasbot.i18n import _, ngettext
from atlasbot.texts.times import local_datetime, local_time

# The alert states the texts tell apart (the values of storage's AlertState).
ACKNOWLEDGED_STATE = "acknowledged"
RUNNING_STATES = ("pending", "escalated")


def ack_label() -> str:
    """The label of the Acknowledge button every alert copy carries first."""
    return _("✋ Acknowledge")


def marked_repeat(text: str) -> str:
    """A copy sent again after a crash that may have delivered it already."""
    marker = _("🔁 POSSIBLE REPEAT: this alert may have reached you already.")
    return f"{marker}\n{text}"[:4096]


def drill_mark() -> str:
    """The mark above and below every drill alert, so nobody mistakes it for a real one."""
    return _("🧪 DRILL — NOT A REAL REQUEST")


def clock_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """'14:05 CET' in the reader's zone (``atlasbot.services.zones.zone_of``)."""
    return local_time(moment, tz)


# --- alert copies -----------------------------------------------------------------------


def copy_text(
    text: str,
    *,
    is_drill: bool,
    number: int,
    action: Action,
    deadline: datetime | None,
    tz: ZoneInfo,
    reached_before: bool = True,
) -> str:
    """What one recipient reads at one step of the chain; ``reached_before`` says whether an
    earlier step reached anyone (a unit with nobody enrolled or on duty reached nobody)."""
    if action is Action.REMIND:
        head = (
            _(
                "⏰ REMINDER: still waiting for an answer. Deadline: {time}.",
                time=clock_time(deadline, tz),
            )
            if deadline
            else _("⏰ REMINDER: still waiting for an answer.")
        )
        return f"{head}\n\n{text}"
    if action is Action.NOTIFY and deadline is not None:
        text = _(
            "{text}\n\n⏳ Answer by {time} (the deadline; opening Accept or Counter-propose "
            "holds it while you answer).",
            text=text,
            time=clock_time(deadline, tz),
        )
    if number == 0:
        return text
    # Often the first message of the bot a person ever reads: it says why it came to them and
    # what to do, in words (no step number, no code).
    head = (
        _(
            "⏫ Passed on to you: nobody has acknowledged this alert yet. Please read it and "
            "tap “{ack}” if you take it on.",
            ack=ack_label(),
        )
        if reached_before
        else _(
            "⏫ Passed on to you: nobody could be reached before you (nobody of the unit is "
            "enrolled or on duty). Please read it and tap “{ack}” if you take it on.",
            ack=ack_label(),
        )
    )
    if is_drill:
        head = f"{drill_mark()}\n{head}"
    return f"{head}\n\n{text}"


class SettledCopy(Protocol):
    """A delivered copy of an alert that no longer waits (``alerting.CopyToClose`` fits)."""

    @property
    def text(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def by_name(self) -> str: ...
    @property
    def at(self) -> datetime | None: ...
    @property
    def late_open(self) -> bool: ...


def closed_footer(copy: SettledCopy, tz: ZoneInfo) -> str:
    """The line a settled alert's every copy ends with."""
    if copy.state == ACKNOWLEDGED_STATE:
        line = _(
            "✅ Acknowledged by {name} at {time}.", name=copy.by_name, time=clock_time(copy.at, tz)
        )
        if copy.outcome:
            line += f" ({copy.outcome})"
        return line
    line = _("⌛ {outcome}: nobody acknowledged this alert.", outcome=copy.outcome or _("Expired"))
    if copy.late_open:
        line += "\n" + _(
            "You may still answer: a late answer is recorded and offered to the requesting "
            "state, which decides."
        )
    return line


def closed_copy(copy: SettledCopy, tz: ZoneInfo) -> str:
    """The copy's text with its old footer replaced by the settled one."""
    # The footers start with an emoji in every language: that is what marks them.
    base = copy.text.split("\n\n✅ ")[0].split("\n\n⌛ ")[0]
    return f"{base}\n\n{closed_footer(copy, tz)}"[:4096]


def already_acknowledged(by_name: str, at: datetime | None, tz: ZoneInfo) -> str:
    """A later press learns who was first."""
    return _("Already acknowledged by {name} at {time}.", name=by_name, time=clock_time(at, tz))


def acknowledged() -> str:
    """The first press, answered."""
    return _("Acknowledged: the escalation stopped and everyone else sees it is yours.")


def blocked_notice(name: str, unit_id: str | None, *, is_drill: bool, alert_id: int) -> str:
    """To a unit's commanders: one of their people blocked the bot."""
    if is_drill:
        return _(
            "⚠ {name} of {unit} has blocked the bot: DRILL alert #{id} could not reach them "
            "and went on to the next step of the chain.",
            name=name or _("A member"),
            unit=unit_id,
            id=alert_id,
        )
    return _(
        "⚠ {name} of {unit} has blocked the bot: alert #{id} could not reach them and went "
        "on to the next step of the chain.",
        name=name or _("A member"),
        unit=unit_id,
        id=alert_id,
    )


def no_response(request_id: int, country: str, crisis_id: int | None) -> str:
    """To the requester: a requested state let the deadline pass."""
    return _(
        "⌛ {country} gave NO RESPONSE to request #{request} (crisis #{crisis}) by the "
        "deadline. It is recorded as 'no response'; the next best plan follows if help is "
        "still missing.",
        country=country,
        request=request_id,
        crisis=crisis_id,
    )


# --- the duty rota ----------------------------------------------------------------------


def duty_usage() -> str:
    """How /duty is used."""
    return _(
        "Duty rota:\n"
        "/duty — who is on duty now, and the next shifts\n"
        "/duty add MEMBER START END [UNIT] — e.g. /duty add Max 2027-01-04 08:00 "
        "2027-01-04 20:00 (times in the unit's own time zone; MEMBER is a name or #number)\n"
        "/duty remove SHIFT — e.g. /duty remove 12\n"
        "/duty ics [UNIT] — the rota as a calendar file\n"
        "Import: send a CSV file (member,start,end) with the caption /duty import [UNIT]."
    )


class OnDutyLine(Protocol):
    """A member on duty now (``duty.OnDuty`` fits)."""

    @property
    def member_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def end_at(self) -> datetime: ...


class ShiftLine(Protocol):
    """One shift of the rota (``duty.ShiftView`` fits)."""

    @property
    def shift_id(self) -> int: ...
    @property
    def member_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def start_at(self) -> datetime: ...
    @property
    def end_at(self) -> datetime: ...


def rota(
    unit_id: str, now_on_duty: Sequence[OnDutyLine], upcoming: Sequence[ShiftLine], tz: ZoneInfo
) -> str:
    """Who is on duty now and the next shifts, in the reader's time zone."""
    lines = [_("DUTY {unit} (times in {zone})", unit=unit_id, zone=tz.key)]
    if now_on_duty:
        people = ", ".join(
            _("{name} until {end}", name=d.name or f"#{d.member_id}", end=_when(d.end_at, tz))
            for d in now_on_duty
        )
        lines.append(_("On duty now: {people}", people=people))
    else:
        lines.append(_("On duty now: nobody on the rota — alerts go to the whole unit."))
    if upcoming:
        lines.append(_("Shifts:"))
        lines += [
            f"• #{shift.shift_id} {shift.name or _('member #{id}', id=shift.member_id)}: "
            f"{_when(shift.start_at, tz)} → {_when(shift.end_at, tz)}"
            for shift in upcoming
        ]
    return "\n".join(lines)


def rota_counts(unit_id: str, on_duty_now: int, upcoming: int) -> str:
    """A unit's rota for a reader who needs no names: whether it is covered, in counts."""
    now_line = (
        ngettext("{count} member on duty now.", "{count} members on duty now.", on_duty_now)
        if on_duty_now
        else _("Nobody on the rota now — alerts go to the whole unit.")
    )
    shifts = ngettext("{count} shift planned.", "{count} shifts planned.", upcoming)
    head = _("DUTY {unit} (names only to the unit, its authority and coordinators)", unit=unit_id)
    return f"{head}\n{now_line}\n{shifts}"


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return local_datetime(moment, tz)


def shift_added(
    shift_id: int, name: str, unit_id: str, start: datetime, end: datetime, tz: ZoneInfo
) -> str:
    """A commander's new shift, confirmed."""
    return _(
        "Shift #{id} added: {name} on duty for {unit} {start} → {end} ({zone}).",
        id=shift_id,
        name=name,
        unit=unit_id,
        start=_when(start, tz),
        end=_when(end, tz),
        zone=tz.key,
    )


def shift_removed(shift_id: int) -> str:
    """A removed shift, confirmed."""
    return _("Shift #{id} removed.", id=shift_id)


def shifts_imported(count: int, rota_text: str) -> str:
    """A rota file imported, with the rota as it now stands."""
    head = ngettext("Imported {count} shift(s).", "Imported {count} shift(s).", count)
    return f"{head}\n\n{rota_text}"


def shift_reminder(unit_id: str, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """To the incoming duty member, before the shift."""
    return _(
        "🔔 Your duty shift for {unit} starts {start} and ends {end} ({zone}). Alerts for "
        "{unit} will come to you first.",
        unit=unit_id,
        start=_when(start, tz),
        end=_when(end, tz),
        zone=tz.key,
    )


def rota_caption(unit_id: str) -> str:
    """The caption of the rota's calendar file."""
    return _("Duty rota of {unit}", unit=unit_id)


def rota_calendar_name(unit_id: str) -> str:
    """The name of the rota's calendar, as calendar apps show it."""
    return _("Duty rota {unit}", unit=unit_id)


def rota_calendar_entry(unit_id: str, name: str, member_id: int) -> str:
    """One shift in the rota's calendar."""
    return _("Duty {unit}: {name}", unit=unit_id, name=name or _("member #{id}", id=member_id))


# --- drills -----------------------------------------------------------------------------


def drill_usage() -> str:
    """How /drill is used."""
    return _(
        "Drill: /drill UNIT [UNIT ...] sends a marked DRILL alert through each unit's chain.\n"
        "/drill report N shows the report of drill N."
    )


def drill_alert(unit_id: str, drill_id: int, started_by: str) -> str:
    """The drill alert's text: marked at the top and the bottom, so nobody mistakes it."""
    body = _(
        "Drill #{id} for {unit}, started by {name}.\n"
        "Acknowledge as you would a real alert: the time it takes is measured.",
        id=drill_id,
        unit=unit_id,
        name=started_by,
    )
    return f"{drill_mark()}\n{body}\n{drill_mark()}"


def drill_started(drill_id: int, units: Sequence[str]) -> str:
    """To the member who started a drill."""
    body = _(
        "Drill #{id} started for {units}. You get the report when every unit has "
        "acknowledged or its chain ran out (or ask: /drill report {id}).",
        id=drill_id,
        units=", ".join(units),
    )
    return f"{drill_mark()}\n{body}"


class DrillUnitLine(Protocol):
    """How one unit's chain answered a drill (``drills.UnitResult`` fits)."""

    @property
    def unit_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def seconds_to_ack(self) -> float | None: ...
    @property
    def steps_needed(self) -> int: ...
    @property
    def acknowledged_by(self) -> str: ...
    @property
    def never_answered(self) -> tuple[str, ...]: ...


def drill_report(
    drill_id: int,
    started_at: datetime,
    finished: bool,
    units: Sequence[DrillUnitLine],
    tz: ZoneInfo,
) -> str:
    """The drill's report: per unit, time to acknowledge, steps needed, who never answered."""
    started = _("Started {time}", time=clock_time(started_at, tz))
    lines = [
        _("DRILL REPORT #{id} — {mark}", id=drill_id, mark=drill_mark()),
        started if finished else _("{started} (still running)", started=started),
    ]
    for unit in units:
        lines.append(f"\n{unit.unit_id}: {_drill_outcome(unit)}")
        if unit.never_answered:
            names = ", ".join(unit.never_answered)
            lines.append("  " + _("never answered: {names}", names=names))
    return "\n".join(lines)


def _drill_outcome(unit: DrillUnitLine) -> str:
    if unit.seconds_to_ack is not None:
        steps = ngettext(
            "{count} escalation step(s)", "{count} escalation step(s)", unit.steps_needed
        )
        return _(
            "acknowledged by {name} after {duration}, {steps}",
            name=unit.acknowledged_by,
            duration=_duration(unit.seconds_to_ack),
            steps=steps,
        )
    if unit.state in RUNNING_STATES:
        return _("not yet acknowledged, at escalation step {step}", step=unit.steps_needed)
    return _("NEVER acknowledged")


def drill_report_csv(units: Sequence[DrillUnitLine]) -> bytes:
    """The drill's report as CSV (column names are a file format: not translated)."""
    rows = ["unit,state,seconds_to_ack,escalation_steps,acknowledged_by,never_answered"]
    for unit in units:
        seconds = "" if unit.seconds_to_ack is None else f"{unit.seconds_to_ack:g}"
        never = "; ".join(unit.never_answered).replace(",", " ")
        rows.append(
            f"{unit.unit_id},{unit.state},{seconds},{unit.steps_needed},"
            f"{unit.acknowledged_by.replace(',', ' ')},{never}"
        )
    return ("\n".join(rows) + "\n").encode("utf-8")


def drill_report_caption(drill_id: int) -> str:
    """The caption of the report's CSV file."""
    return _("Drill #{id} report (DRILL — not a real request)", id=drill_id)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return _("{seconds} s", seconds=f"{seconds:.0f}")
    return _(
        "{minutes} min {seconds} s", minutes=int(seconds // 60), seconds=f"{int(seconds % 60):02d}"
    )
