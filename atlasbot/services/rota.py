"""The /duty use cases: the rota shown, shifts added, removed or imported by a unit's
commander, the rota as a calendar file, and the reminder before a shift (each in one
transaction, returning what to show)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot import chat_input, rules
from atlasbot.clock import as_utc
from atlasbot.i18n import _
from atlasbot.safe_files import FileRefused, decode_text
from atlasbot.services.duty import (
    RotaRow,
    add_shift,
    claim_reminder,
    find_member,
    import_rows,
    on_duty,
    parse_local_time,
    parse_rota_csv,
    remove_shift,
    rota_ics,
    shifts,
    unit_timezone,
)
from atlasbot.services.enrolment import Identity, require_member
from atlasbot.services.errors import InvalidInput, NotAuthorised, NotFound
from atlasbot.services.outbox import Message
from atlasbot.services.readers import reading
from atlasbot.services.zones import unit_zone, zone_of
from atlasbot.storage.models import DutyShift, Role, UnitRow
from atlasbot.texts import alerts as texts

_MOMENT = r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"
_ADD = re.compile(
    rf"^(?P<member>.+?)\s+(?P<start>{_MOMENT})\s+(?P<end>{_MOMENT}|\d{{1,2}}:\d{{2}})"
    r"(?:\s+(?P<unit>[a-z]{2}-[a-z0-9-]+))?$"
)
UNIT_ID = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")


@dataclass(frozen=True, slots=True)
class ShiftView:
    """One shift of the rota, as its readers see it."""

    shift_id: int
    member_id: int
    name: str
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True, slots=True)
class ReminderTimer:
    """A shift reminder for the job queue to arm."""

    shift_id: int
    version: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class RotaChange:
    """Shifts added: what the commander reads, and the reminders to arm."""

    reply: str
    reminders: tuple[ReminderTimer, ...] = ()


@dataclass(frozen=True, slots=True)
class RotaFile:
    """The rota as a calendar file."""

    content: bytes
    filename: str
    caption: str


def unit_for(identity: Identity, named: str | None, *, commanding: bool) -> str:
    """The unit a /duty command is about: the one named, else the member's only unit (who
    may read a named unit's rota is ``view_of``'s to say)."""
    roles = (Role.COMMANDER,) if commanding else (Role.COMMANDER, Role.DUTY)
    mine = identity.units(*roles)
    if named:
        unit = chat_input.unit_id(named)
        if commanding and unit not in mine:
            raise NotAuthorised(_("Only the commander of {unit} sets its duty rota.", unit=unit))
        return unit
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise NotAuthorised(
            _("Only a unit's commander sets its duty rota.")
            if commanding
            else _("Name the unit (e.g. /duty de-1).")
        )
    raise InvalidInput(
        _("You serve several units ({units}): name one at the end.", units=", ".join(mine))
    )


def view_of(session: Session, identity: Identity, unit_id: str) -> rules.RotaView:
    """How much of the unit's rota the member reads (OP-ROTA); refused when nothing."""
    unit = session.get(UnitRow, unit_id)
    if unit is None:
        raise NotFound(_("There is no unit {unit}.", unit=repr(unit_id)))
    view = rules.rota_view(
        serves_unit=identity.serves_unit(unit_id),
        authority_of_its_state=identity.is_authority_of(unit.country),
        coordinator=identity.has(Role.COORDINATOR),
        oversees=identity.has(Role.AUTHORITY) or identity.has(Role.ADMIN),
    )
    if view is rules.RotaView.NONE:
        raise NotAuthorised(_("You do not serve {unit}.", unit=unit_id))
    return view


def _rota_text(session: Session, unit_id: str, now: datetime, zone: ZoneInfo) -> str:
    upcoming = [
        ShiftView(shift.id, shift.member_id, name, as_utc(shift.start_at), as_utc(shift.end_at))
        for shift, name in shifts(session, unit_id, since=now)[:20]
        if shift.id is not None
    ]
    return texts.rota(unit_id, on_duty(session, unit_id, now), upcoming, zone)


def show(
    session: Session,
    telegram_user_id: int,
    named: str | None,
    *,
    now: datetime,
    fallback: ZoneInfo,
) -> str:
    """/duty [UNIT]: who is on duty now and the next shifts, in the reader's zone (names to
    those who call them, counts to other overseers; the usage to commanders)."""
    identity = require_member(session, telegram_user_id)
    unit_id = unit_for(identity, named, commanding=False)
    if view_of(session, identity, unit_id) is rules.RotaView.COUNTS:
        upcoming = len(shifts(session, unit_id, since=now))
        return texts.rota_counts(unit_id, len(on_duty(session, unit_id, now)), upcoming)
    zone = zone_of(session, identity.member_id, fallback=fallback)
    text = _rota_text(session, unit_id, now, zone)
    if identity.commands_unit(unit_id):
        text += "\n\n" + texts.duty_usage()
    return text


def _reminders(added: list[DutyShift]) -> tuple[ReminderTimer, ...]:
    return tuple(
        ReminderTimer(shift.id, shift.version, as_utc(shift.reminder_at))
        for shift in added
        if shift.id is not None and shift.reminder_at is not None
    )


def _end_of(start: datetime, end_text: str, tz: ZoneInfo) -> str:
    """An end typed as a bare time is on the start's day, or the next day if earlier."""
    if re.fullmatch(r"\d{1,2}:\d{2}", end_text):
        local = start.astimezone(tz)
        hours, minutes = (int(part) for part in end_text.split(":"))
        end = local.replace(hour=hours % 24, minute=minutes, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.isoformat()
    return end_text


def add_typed(
    session: Session,
    telegram_user_id: int,
    typed: str,
    *,
    now: datetime,
    reminder_before: timedelta,
    fallback: ZoneInfo,
) -> RotaChange:
    """/duty add MEMBER START END [UNIT]: a commander puts a member on duty (typed in the
    unit's zone, confirmed in the commander's)."""
    match = _ADD.match(typed.strip())
    if match is None:
        raise InvalidInput(
            _(
                "Write: /duty add MEMBER START END [UNIT], e.g. "
                "/duty add Max 2027-01-04 08:00 2027-01-04 20:00"
            )
        )
    identity = require_member(session, telegram_user_id)
    unit_id = unit_for(identity, match.group("unit"), commanding=True)
    tz = unit_timezone(session, unit_id)
    member_id, name = find_member(session, unit_id, match.group("member"))
    start = parse_local_time(match.group("start"), tz, field="start")
    end = parse_local_time(_end_of(start, match.group("end"), tz), tz, field="end")
    shift = add_shift(
        session, identity, unit_id, member_id, start, end, now=now, reminder_before=reminder_before
    )
    assert shift.id is not None
    zone = zone_of(session, identity.member_id, fallback=fallback)
    reply = texts.shift_added(shift.id, name, unit_id, start, end, zone)
    return RotaChange(reply, _reminders([shift]))


def remove(session: Session, telegram_user_id: int, shift_id: int, *, now: datetime) -> str:
    """/duty remove N: a commander removes a shift of their unit."""
    identity = require_member(session, telegram_user_id)
    remove_shift(session, identity, shift_id, now=now)
    return texts.shift_removed(shift_id)


def rota_file(
    session: Session, telegram_user_id: int, named: str | None, *, now: datetime
) -> RotaFile:
    """/duty ics [UNIT]: the rota as a calendar file (it names people: OP-ROTA)."""
    identity = require_member(session, telegram_user_id)
    unit_id = unit_for(identity, named, commanding=False)
    if view_of(session, identity, unit_id) is not rules.RotaView.NAMES:
        raise NotAuthorised(_("You do not serve {unit}.", unit=unit_id))
    content = rota_ics(session, unit_id, since=now - timedelta(days=1), stamp=now)
    return RotaFile(content, f"duty-{unit_id}.ics", texts.rota_caption(unit_id))


def read_rota_file(raw: bytes, source: str, max_bytes: int) -> tuple[RotaRow, ...]:
    """In the upload worker (``atlasbot.bot.uploads``): a rota file's rows, each field
    checked (length, control characters); InvalidInput names the line."""
    try:
        text = decode_text(raw, source, max_bytes=max_bytes).removeprefix("\ufeff")
    except FileRefused as refused:
        raise InvalidInput(_("rota file: {problem}", problem=refused.reason)) from None
    return tuple(parse_rota_csv(text))


def import_file(
    session: Session,
    telegram_user_id: int,
    named: str | None,
    rows: Sequence[RotaRow],
    *,
    now: datetime,
    reminder_before: timedelta,
    fallback: ZoneInfo,
) -> RotaChange:
    """A CSV file (member,start,end) sent with the caption ``/duty import [UNIT]``, its rows
    read by ``read_rota_file``."""
    identity = require_member(session, telegram_user_id)
    unit_id = unit_for(identity, named, commanding=True)
    added = import_rows(session, identity, unit_id, rows, now=now, reminder_before=reminder_before)
    zone = zone_of(session, identity.member_id, fallback=fallback)
    reply = texts.shifts_imported(len(added), _rota_text(session, unit_id, now, zone))
    return RotaChange(reply, _reminders(added))


def reminder_message(
    session: Session, shift_id: int, version: int, *, now: datetime
) -> Message | None:
    """A shift reminder's timer: claim it once, and the message to the incoming member."""
    reminder = claim_reminder(session, shift_id, version, now=now)
    if reminder is None:
        return None
    fallback = unit_zone(session, reminder.unit_id) or unit_timezone(session, reminder.unit_id)
    zone = zone_of(session, reminder.member_id, fallback=fallback)
    with reading(session, reminder.chat_id):  # in the incoming member's language
        text = texts.shift_reminder(reminder.unit_id, reminder.start_at, reminder.end_at, zone)
    return Message(reminder.chat_id, text, purpose=f"duty:{shift_id}:reminder")
