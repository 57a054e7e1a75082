"""Every word of on-call alerting: alert copies, escalations, reminders, acknowledgements,
the duty rota and drill reports (plain text, no parse mode)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from atlasbot.escalation import Action
from atlasbot.services.alerting import CopyToClose
from atlasbot.services.drills import DRILL_MARK, DrillReport
from atlasbot.services.duty import OnDuty
from atlasbot.storage.models import Alert, AlertState, DutyShift

ACK_LABEL = "✋ Acknowledge"


def clock_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """'14:05 CET' in a zone (the reader's unit or state, else the installation's)."""
    if moment is None:
        return "—"
    local = moment.astimezone(tz)
    return f"{local:%H:%M} {local.tzname() or ''}".strip()


def copy_text(
    alert: Alert, number: int, action: Action, deadline: datetime | None, tz: ZoneInfo
) -> str:
    """What one recipient reads at one step of the chain."""
    if action is Action.REMIND:
        due = f" Deadline: {clock_time(deadline, tz)}." if deadline else ""
        head = f"⏰ REMINDER: still waiting for an answer.{due}"
        return f"{head}\n\n{alert.text}"
    if number == 0:
        return alert.text
    head = f"⏫ ESCALATED (step {number + 1}): nobody has acknowledged this yet."
    if alert.is_drill:
        head = f"{DRILL_MARK}\n{head}"
    return f"{head}\n\n{alert.text}"


def closed_footer(copy: CopyToClose, tz: ZoneInfo) -> str:
    """The line a settled alert's every copy ends with."""
    if copy.state == AlertState.ACKNOWLEDGED.value:
        line = f"✅ Acknowledged by {copy.by_name} at {clock_time(copy.at, tz)}."
        if copy.outcome:
            line += f" ({copy.outcome})"
        return line
    return f"⌛ {copy.outcome or 'Expired'}: nobody acknowledged this alert."


def closed_copy(copy: CopyToClose, tz: ZoneInfo) -> str:
    base = copy.text.split("\n\n✅ Acknowledged by")[0].split("\n\n⌛ ")[0]
    return f"{base}\n\n{closed_footer(copy, tz)}"[:4096]


def already_acknowledged(by_name: str, at: datetime | None, tz: ZoneInfo) -> str:
    return f"Already acknowledged by {by_name} at {clock_time(at, tz)}."


ACKNOWLEDGED = "Acknowledged: the escalation stopped and everyone else sees it is yours."


def blocked_notice(name: str, alert: Alert) -> str:
    kind = "DRILL alert" if alert.is_drill else "alert"
    return (
        f"⚠ {name or 'A member'} of {alert.unit_id} has blocked the bot: {kind} #{alert.id} "
        "could not reach them and went on to the next step of the chain."
    )


def no_response(request_id: int, country: str, crisis_id: int | None) -> str:
    return (
        f"⌛ {country} gave NO RESPONSE to request #{request_id} (crisis #{crisis_id}) by the "
        "deadline. It is recorded as 'no response'; the next best plan follows if help is "
        "still missing."
    )


# --- the duty rota ----------------------------------------------------------------------

DUTY_USAGE = (
    "Duty rota:\n"
    "/duty — who is on duty now, and the next shifts\n"
    "/duty add MEMBER START END [UNIT] — e.g. /duty add Max 2027-01-04 08:00 "
    "2027-01-04 20:00 (times in the unit's own time zone; MEMBER is a name or #number)\n"
    "/duty remove SHIFT — e.g. /duty remove 12\n"
    "/duty ics [UNIT] — the rota as a calendar file\n"
    "Import: send a CSV file (member,start,end) with the caption /duty import [UNIT]."
)


def rota(
    unit_id: str,
    now_on_duty: Sequence[OnDuty],
    upcoming: Sequence[tuple[DutyShift, str]],
    tz: ZoneInfo,
) -> str:
    lines = [f"DUTY {unit_id} (times in {tz.key})"]
    if now_on_duty:
        lines.append(
            "On duty now: "
            + ", ".join(
                f"{d.name or f'#{d.member_id}'} until {_when(d.end_at, tz)}" for d in now_on_duty
            )
        )
    else:
        lines.append("On duty now: nobody on the rota — alerts go to the whole unit.")
    if upcoming:
        lines.append("Shifts:")
        lines += [
            f"• #{shift.id} {name or f'member #{shift.member_id}'}: "
            f"{_when(shift.start_at, tz)} → {_when(shift.end_at, tz)}"
            for shift, name in upcoming
        ]
    return "\n".join(lines)


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %d %b %H:%M}"


def shift_added(shift: DutyShift, name: str, tz: ZoneInfo) -> str:
    return (
        f"Shift #{shift.id} added: {name} on duty for {shift.unit_id} "
        f"{_when(shift.start_at, tz)} → {_when(shift.end_at, tz)} ({tz.key})."
    )


def shift_reminder(unit_id: str, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    return (
        f"🔔 Your duty shift for {unit_id} starts {_when(start, tz)} and ends "
        f"{_when(end, tz)} ({tz.key}). Alerts for {unit_id} will come to you first."
    )


# --- drills -----------------------------------------------------------------------------

DRILL_USAGE = (
    "Drill: /drill UNIT [UNIT ...] sends a marked DRILL alert through each unit's chain.\n"
    "/drill report N shows the report of drill N."
)


def drill_started(drill_id: int, units: Sequence[str]) -> str:
    return (
        f"{DRILL_MARK}\nDrill #{drill_id} started for {', '.join(units)}. "
        "You get the report when every unit has acknowledged or its chain ran out "
        f"(or ask: /drill report {drill_id})."
    )


def drill_report(report: DrillReport, tz: ZoneInfo) -> str:
    lines = [
        f"DRILL REPORT #{report.drill_id} — {DRILL_MARK}",
        f"Started {clock_time(report.started_at, tz)}"
        + ("" if report.finished else " (still running)"),
    ]
    for unit in report.units:
        if unit.seconds_to_ack is not None:
            outcome = (
                f"acknowledged by {unit.acknowledged_by} after {_duration(unit.seconds_to_ack)}, "
                f"{unit.steps_needed} escalation step(s)"
            )
        elif unit.state in (AlertState.PENDING.value, AlertState.ESCALATED.value):
            outcome = f"not yet acknowledged, at escalation step {unit.steps_needed}"
        else:
            outcome = "NEVER acknowledged"
        lines.append(f"\n{unit.unit_id}: {outcome}")
        if unit.never_answered:
            lines.append(f"  never answered: {', '.join(unit.never_answered)}")
    return "\n".join(lines)


def drill_report_csv(report: DrillReport) -> bytes:
    rows = ["unit,state,seconds_to_ack,escalation_steps,acknowledged_by,never_answered"]
    for unit in report.units:
        seconds = "" if unit.seconds_to_ack is None else f"{unit.seconds_to_ack:g}"
        never = "; ".join(unit.never_answered).replace(",", " ")
        rows.append(
            f"{unit.unit_id},{unit.state},{seconds},{unit.steps_needed},"
            f"{unit.acknowledged_by.replace(',', ' ')},{never}"
        )
    return ("\n".join(rows) + "\n").encode("utf-8")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
