"""The duty rota of each unit: shifts set by its commander, who is on duty now, reminders to
the incoming duty member, and the rota as an iCalendar file.

Shift times are instants (stored in UTC); people type and read them in the unit's own time
zone, because a rota crosses borders only through the people who read it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot import chat_input
from atlasbot.clock import as_utc
from atlasbot.i18n import _
from atlasbot.safe_files import text_problem
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import InvalidInput, NotAuthorised, NotFound
from atlasbot.storage import audit
from atlasbot.storage.models import (
    CountryRow,
    DutyShift,
    Member,
    MemberRole,
    Role,
    ShiftReminderState,
    UnitRow,
)
from atlasbot.texts import alerts as texts

MAX_SHIFT = timedelta(days=7)
MAX_IMPORT_ROWS = 500
# A member is named by a part of their name (at most a display name) or #number; a moment
# is '2027-01-04 08:00' or ISO 8601 with an offset.
MAX_MEMBER_CHARACTERS = 200
MAX_MOMENT_CHARACTERS = 40
_LOCAL_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})$")


@dataclass(frozen=True, slots=True)
class OnDuty:
    """A member on duty, with the shift that puts them there."""

    member_id: int
    telegram_user_id: int
    name: str
    shift_id: int
    start_at: datetime
    end_at: datetime


def unit_timezone(session: Session, unit_id: str) -> ZoneInfo:
    """The time zone of the unit's state (what its people read shift times in)."""
    unit = session.get(UnitRow, unit_id)
    if unit is None:
        raise NotFound(_("There is no unit {unit}.", unit=repr(unit_id)))
    country = session.get(CountryRow, unit.country)
    return ZoneInfo(country.timezone if country else "UTC")


def parse_local_time(text: str, tz: ZoneInfo, *, field: str) -> datetime:
    """'2027-01-04 08:00' in the unit's zone (or ISO 8601 with an offset) as a UTC instant."""
    cleaned = text.strip()
    match = _LOCAL_TIME.match(cleaned)
    try:
        if match:
            # The zone is the unit's, attached on the next line.
            naive = datetime.strptime(  # noqa: DTZ007
                f"{match.group(1)} {match.group(2)}", "%Y-%m-%d %H:%M"
            )
            return naive.replace(tzinfo=tz).astimezone(UTC)
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(
            _(
                "{field}: {text} is not a date and time like 2027-01-04 08:00",
                field=field,
                text=repr(cleaned),
            )
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def _require_commander(identity: Identity, unit_id: str) -> None:
    if not identity.commands_unit(unit_id):
        raise NotAuthorised(_("Only the commander of {unit} sets its duty rota.", unit=unit_id))


def unit_members(session: Session, unit_id: str) -> list[tuple[int, int, str]]:
    """(member id, Telegram id, name) of the active members serving a unit (duty, commander)."""
    rows = session.exec(
        select(Member.id, Member.telegram_user_id, Member.display_name)
        .join(MemberRole, col(MemberRole.member_id) == col(Member.id))
        .where(
            MemberRole.unit_id == unit_id,
            col(MemberRole.role).in_([Role.DUTY.value, Role.COMMANDER.value]),
            col(MemberRole.revoked_at).is_(None),
            col(Member.active).is_(True),
        )
    ).all()
    return sorted({(int(m), int(t), str(n)) for m, t, n in rows if m is not None})


def find_member(session: Session, unit_id: str, reference: str) -> tuple[int, str]:
    """A member of the unit by '#12' (member number) or a unique part of their name."""
    members = unit_members(session, unit_id)
    wanted = reference.strip().lstrip("@")
    if wanted.startswith("#"):
        number = chat_input.record_id(wanted, what=_("member"))
        for member_id, _chat, name in members:
            if member_id == number:
                return member_id, name
        raise InvalidInput(_("member: #{id} does not serve {unit}", id=number, unit=unit_id))
    matches = [(m, n) for m, _chat, n in members if wanted.casefold() in n.casefold()]
    exact = [(m, n) for m, n in matches if n.casefold() == wanted.casefold()]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(f"#{m} {n}" for m, _chat, n in members) or _("nobody is enrolled yet")
        raise InvalidInput(
            _(
                "member: nobody named {name} serves {unit} ({known})",
                name=repr(wanted),
                unit=unit_id,
                known=known,
            )
        )
    listed = ", ".join(f"#{m} {n}" for m, n in matches)
    raise InvalidInput(
        _(
            "member: {name} is ambiguous ({listed}); use the #number",
            name=repr(wanted),
            listed=listed,
        )
    )


def add_shift(
    session: Session,
    identity: Identity,
    unit_id: str,
    member_id: int,
    start_at: datetime,
    end_at: datetime,
    *,
    now: datetime,
    reminder_before: timedelta,
) -> DutyShift:
    """A commander puts a member of their unit on duty from ``start_at`` to ``end_at``."""
    _require_commander(identity, unit_id)
    if member_id not in {m for m, _chat, _name in unit_members(session, unit_id)}:
        raise InvalidInput(_("member: #{id} does not serve {unit}", id=member_id, unit=unit_id))
    if end_at <= start_at:
        raise InvalidInput(_("end: a shift must end after it starts"))
    if end_at - start_at > MAX_SHIFT:
        raise InvalidInput(_("end: a shift lasts at most 7 days"))
    if end_at <= now:
        raise InvalidInput(_("end: that shift is already over"))
    reminder_at = start_at - reminder_before
    shift = DutyShift(
        unit_id=unit_id,
        member_id=member_id,
        start_at=start_at,
        end_at=end_at,
        created_by=identity.actor,
        created_at=now,
        reminder_at=reminder_at if start_at > now else None,
        reminder_state=(
            ShiftReminderState.PENDING.value
            if start_at > now
            else ShiftReminderState.SKIPPED.value
        ),
    )
    session.add(shift)
    session.flush()
    audit.append(
        session,
        actor=identity.actor,
        action="duty.shift_added",
        obj=f"unit:{unit_id}",
        payload={
            "shift": shift.id,
            "member": member_id,
            "start": start_at.isoformat(),
            "end": end_at.isoformat(),
        },
        at=now,
    )
    return shift


def remove_shift(
    session: Session, identity: Identity, shift_id: int, *, now: datetime
) -> DutyShift:
    """A commander removes a shift of their unit (its reminder is dropped with it)."""
    shift = session.get(DutyShift, shift_id, with_for_update=True)
    if shift is None or shift.cancelled:
        raise NotFound(_("There is no shift #{id}.", id=shift_id))
    _require_commander(identity, shift.unit_id)
    shift.cancelled = True
    if shift.reminder_state == ShiftReminderState.PENDING.value:
        shift.reminder_state = ShiftReminderState.SKIPPED.value
    shift.version += 1
    session.add(shift)
    audit.append(
        session,
        actor=identity.actor,
        action="duty.shift_removed",
        obj=f"unit:{shift.unit_id}",
        payload={"shift": shift.id},
        at=now,
    )
    return shift


@dataclass(frozen=True, slots=True)
class RotaRow:
    """One line of an imported rota file, before it is checked against the unit."""

    line: int
    member: str
    start: str
    end: str


def parse_rota_csv(text: str) -> list[RotaRow]:
    """Rows of a rota file: a header ``member,start,end`` then one shift per line."""
    reader = csv.reader(io.StringIO(text))
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidInput(_("rota file: it is empty; expected a header 'member,start,end'"))
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:3] != ["member", "start", "end"]:
        raise InvalidInput(
            _(
                "rota file, line 1: expected the header 'member,start,end', got {header}",
                header=repr(",".join(header)),
            )
        )
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise InvalidInput(_("rota file: at most {count} shifts at once", count=MAX_IMPORT_ROWS))
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) < 3:
            raise InvalidInput(_("rota file, line {line}: expected member,start,end", line=number))
        cells = RotaRow(number, row[0].strip(), row[1].strip(), row[2].strip())
        for name, value, limit in (
            ("member", cells.member, MAX_MEMBER_CHARACTERS),
            ("start", cells.start, MAX_MOMENT_CHARACTERS),
            ("end", cells.end, MAX_MOMENT_CHARACTERS),
        ):
            problem = text_problem(value, limit)
            if problem is not None:
                raise InvalidInput(
                    _(
                        "rota file, line {line}: {field} {problem}",
                        line=number,
                        field=name,
                        problem=problem,
                    )
                )
        parsed.append(cells)
    return parsed


def import_rota(
    session: Session,
    identity: Identity,
    unit_id: str,
    text: str,
    *,
    now: datetime,
    reminder_before: timedelta,
) -> list[DutyShift]:
    """Add every shift of a rota file; one bad line adds none and names every bad line."""
    return import_rows(
        session, identity, unit_id, parse_rota_csv(text), now=now, reminder_before=reminder_before
    )


def import_rows(
    session: Session,
    identity: Identity,
    unit_id: str,
    rows: Sequence[RotaRow],
    *,
    now: datetime,
    reminder_before: timedelta,
) -> list[DutyShift]:
    """Add the shifts of a rota file's rows; one bad row adds none and names every bad row."""
    _require_commander(identity, unit_id)
    tz = unit_timezone(session, unit_id)
    problems = []
    checked = []
    for row in rows:
        try:
            member_id, _name = find_member(session, unit_id, row.member)
            start = parse_local_time(row.start, tz, field="start")
            end = parse_local_time(row.end, tz, field="end")
            if end <= start:
                raise InvalidInput(_("end: a shift must end after it starts"))
            if end <= now:
                raise InvalidInput(_("end: that shift is already over"))
            checked.append((member_id, start, end))
        except InvalidInput as err:
            problems.append(_("line {line}: {problem}", line=row.line, problem=err))
    if problems:
        raise InvalidInput(_("rota file: {problems}", problems="; ".join(problems)))
    return [
        add_shift(session, identity, unit_id, m, s, e, now=now, reminder_before=reminder_before)
        for m, s, e in checked
    ]


def on_duty(session: Session, unit_id: str, now: datetime) -> list[OnDuty]:
    """The unit's active members whose shift covers ``now``."""
    rows = session.exec(
        select(DutyShift, Member)
        .join(Member, col(Member.id) == col(DutyShift.member_id))
        .where(
            DutyShift.unit_id == unit_id,
            col(DutyShift.cancelled).is_(False),
            col(DutyShift.start_at) <= now,
            col(DutyShift.end_at) > now,
            col(Member.active).is_(True),
        )
        .order_by(col(DutyShift.start_at))
    ).all()
    seen: dict[int, OnDuty] = {}
    for shift, member in rows:
        assert member.id is not None and shift.id is not None
        seen.setdefault(
            member.id,
            OnDuty(
                member.id,
                member.telegram_user_id,
                member.display_name,
                shift.id,
                as_utc(shift.start_at),
                as_utc(shift.end_at),
            ),
        )
    return list(seen.values())


def shifts(session: Session, unit_id: str, *, since: datetime) -> list[tuple[DutyShift, str]]:
    """The unit's shifts that end after ``since``, in start order, with each member's name."""
    rows = session.exec(
        select(DutyShift, Member.display_name)
        .join(Member, col(Member.id) == col(DutyShift.member_id))
        .where(
            DutyShift.unit_id == unit_id,
            col(DutyShift.cancelled).is_(False),
            col(DutyShift.end_at) > since,
        )
        .order_by(col(DutyShift.start_at), col(DutyShift.id))
    ).all()
    return [(shift, str(name)) for shift, name in rows]


def rota_ics(session: Session, unit_id: str, *, since: datetime, stamp: datetime) -> bytes:
    """The unit's rota from ``since`` on as an iCalendar file; UIDs are stable per shift."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//atlasbot//duty rota//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", texts.rota_calendar_name(unit_id))
    for shift, name in shifts(session, unit_id, since=since):
        entry = Event()
        entry.add("uid", f"duty-{shift.id}@atlasbot")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", as_utc(shift.start_at))
        entry.add("dtend", as_utc(shift.end_at))
        entry.add("summary", texts.rota_calendar_entry(unit_id, name, shift.member_id))
        calendar.add_component(entry)
    return bytes(calendar.to_ical())


# --- reminders to the incoming duty member ----------------------------------------------


def pending_reminders(session: Session) -> list[tuple[int, int, datetime]]:
    """(shift id, version, due time) of every reminder still to send."""
    rows = session.exec(
        select(DutyShift).where(
            DutyShift.reminder_state == ShiftReminderState.PENDING.value,
            col(DutyShift.cancelled).is_(False),
            col(DutyShift.reminder_at).is_not(None),
        )
    ).all()
    return [(s.id, s.version, as_utc(s.reminder_at)) for s in rows if s.id and s.reminder_at]


@dataclass(frozen=True, slots=True)
class Reminder:
    shift_id: int
    unit_id: str
    chat_id: int
    start_at: datetime
    end_at: datetime
    member_id: int = 0


def claim_reminder(
    session: Session, shift_id: int, version: int, *, now: datetime
) -> Reminder | None:
    """Take the reminder of a shift for sending, once (at most once: a crash after this loses
    a reminder rather than repeating it); None when it is stale, sent, or its shift began."""
    shift = session.get(DutyShift, shift_id)
    if shift is None or shift.version != version or shift.cancelled:
        return None
    started = as_utc(shift.start_at) <= now
    claimed = session.execute(
        update(DutyShift)
        .where(
            col(DutyShift.id) == shift_id,
            col(DutyShift.version) == version,
            col(DutyShift.reminder_state) == ShiftReminderState.PENDING.value,
        )
        .values(
            reminder_state=(
                ShiftReminderState.SKIPPED if started else ShiftReminderState.SENT
            ).value,
            version=version + 1,
        )
    )
    if claimed.rowcount != 1 or started:  # type: ignore[attr-defined]
        return None
    member = session.get(Member, shift.member_id)
    if member is None or not member.active:
        return None
    audit.append(
        session,
        actor="bot",
        action="duty.reminded",
        obj=f"unit:{shift.unit_id}",
        payload={"shift": shift_id, "member": shift.member_id},
        at=now,
    )
    return Reminder(
        shift_id,
        shift.unit_id,
        member.telegram_user_id,
        as_utc(shift.start_at),
        as_utc(shift.end_at),
        shift.member_id,
    )
