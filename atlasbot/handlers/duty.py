"""/duty: the unit's duty rota — who is on duty now, shifts set by the commander (typed or
imported from a CSV file), and the rota as an .ics file."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session
from telegram import Update

from atlasbot.bot import timers
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.texts import alerts as alert_texts
from atlasbot.services import duty
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import InvalidInput, NotAuthorised
from atlasbot.storage.models import DutyShift, Role

MAX_ROTA_FILE_BYTES = 200_000
_MOMENT = r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"
_ADD = re.compile(
    rf"^(?P<member>.+?)\s+(?P<start>{_MOMENT})\s+(?P<end>{_MOMENT}|\d{{1,2}}:\d{{2}})"
    r"(?:\s+(?P<unit>[a-z]{2}-[a-z0-9-]+))?$"
)
_UNIT = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")


def _unit_of(identity: Identity, named: str | None, *, commanding: bool) -> str:
    """The unit a command is about: the one named, else the member's only unit."""
    roles = (Role.COMMANDER,) if commanding else (Role.COMMANDER, Role.DUTY)
    mine = identity.units(*roles)
    if named:
        unit = named.lower()
        if commanding and unit not in mine:
            raise NotAuthorised(f"Only the commander of {unit} sets its duty rota.")
        if (
            not commanding
            and unit not in mine
            and not (identity.has(Role.COORDINATOR) or identity.has(Role.AUTHORITY))
        ):
            raise NotAuthorised(f"You do not serve {unit}.")
        return unit
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise NotAuthorised(
            "Name the unit (e.g. /duty de-1)."
            if not commanding
            else "Only a unit's commander sets its duty rota."
        )
    raise InvalidInput(f"You serve several units ({', '.join(mine)}): name one at the end.")


@guarded
async def duty_command(update: Update, context: AtlasContext) -> None:
    """/duty [UNIT] | add … | remove N | ics [UNIT]."""
    identity = await require_identity(update, context)
    message = update.effective_message
    if message is None:
        return
    args = list(context.args or [])
    verb = args[0].lower() if args else ""
    if verb == "add":
        await _add(update, context, identity, " ".join(args[1:]))
    elif verb in ("remove", "rm", "delete"):
        await _remove(update, context, identity, args[1:])
    elif verb == "ics":
        await _ics(update, context, identity, args[1] if len(args) > 1 else None)
    elif verb in ("help", "?"):
        await message.reply_text(alert_texts.DUTY_USAGE)
    elif not args or _UNIT.match(verb):
        await _show(update, context, identity, verb or None)
    else:
        raise InvalidInput(f"Unknown /duty command {args[0]!r}.\n\n{alert_texts.DUTY_USAGE}")


async def _show(
    update: Update, context: AtlasContext, identity: Identity, named: str | None
) -> None:
    unit_id = _unit_of(identity, named, commanding=False)
    now = context.services.clock.now()

    def read(session: Session) -> str:
        tz = duty.unit_timezone(session, unit_id)
        return alert_texts.rota(
            unit_id,
            duty.on_duty(session, unit_id, now),
            duty.shifts(session, unit_id, since=now)[:20],
            tz,
        )

    text = await context.services.run(read)
    if identity.commands_unit(unit_id):
        text += "\n\n" + alert_texts.DUTY_USAGE
    if update.effective_message is not None:
        await update.effective_message.reply_text(text)


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


async def _add(update: Update, context: AtlasContext, identity: Identity, text: str) -> None:
    match = _ADD.match(text.strip())
    if match is None:
        raise InvalidInput(
            "Write: /duty add MEMBER START END [UNIT], e.g. "
            "/duty add Max 2027-01-04 08:00 2027-01-04 20:00"
        )
    unit_id = _unit_of(identity, match.group("unit"), commanding=True)
    now = context.services.clock.now()
    before = timedelta(seconds=context.services.settings.duty_reminder_before_s)

    def add(session: Session) -> tuple[DutyShift, str, ZoneInfo]:
        tz = duty.unit_timezone(session, unit_id)
        member_id, name = duty.find_member(session, unit_id, match.group("member"))
        start = duty.parse_local_time(match.group("start"), tz, field="start")
        end = duty.parse_local_time(_end_of(start, match.group("end"), tz), tz, field="end")
        shift = duty.add_shift(
            session, identity, unit_id, member_id, start, end, now=now, reminder_before=before
        )
        return shift, name, tz

    shift, name, tz = await context.services.run(add)
    _arm(context, [shift])
    if update.effective_message is not None:
        await update.effective_message.reply_text(alert_texts.shift_added(shift, name, tz))


def _arm(context: AtlasContext, shifts: list[DutyShift]) -> None:
    for shift in shifts:
        if shift.id is not None and shift.reminder_at is not None:
            timers.arm_reminder(context, shift.id, shift.version, shift.reminder_at)


async def _remove(
    update: Update, context: AtlasContext, identity: Identity, args: list[str]
) -> None:
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        raise InvalidInput("Write: /duty remove N (the shift number shown by /duty)")
    shift_id = int(args[0].lstrip("#"))
    now = context.services.clock.now()
    await context.services.run(
        lambda session: duty.remove_shift(session, identity, shift_id, now=now)
    )
    if update.effective_message is not None:
        await update.effective_message.reply_text(f"Shift #{shift_id} removed.")


async def _ics(
    update: Update, context: AtlasContext, identity: Identity, named: str | None
) -> None:
    unit_id = _unit_of(identity, named, commanding=False)
    now = context.services.clock.now()
    content = await context.services.run(
        lambda session: duty.rota_ics(session, unit_id, since=now - timedelta(days=1), stamp=now)
    )
    if update.effective_chat is not None:
        await update.effective_chat.send_document(
            content, filename=f"duty-{unit_id}.ics", caption=f"Duty rota of {unit_id}"
        )


@guarded
async def import_rota(update: Update, context: AtlasContext) -> None:
    """A CSV file (member,start,end) sent with the caption ``/duty import [UNIT]``."""
    identity = await require_identity(update, context)
    message = update.effective_message
    if message is None or message.document is None:
        return
    words = (message.caption or "").split()
    unit_id = _unit_of(identity, words[2] if len(words) > 2 else None, commanding=True)
    if (message.document.file_size or 0) > MAX_ROTA_FILE_BYTES:
        raise InvalidInput("rota file: too large (at most 200 kB)")
    data = await (await message.document.get_file()).download_as_bytearray()
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("rota file: not UTF-8 text; save it as CSV (UTF-8)") from None
    now = context.services.clock.now()
    before = timedelta(seconds=context.services.settings.duty_reminder_before_s)

    def load(session: Session) -> tuple[list[DutyShift], str]:
        shifts = duty.import_rota(
            session, identity, unit_id, text, now=now, reminder_before=before
        )
        tz = duty.unit_timezone(session, unit_id)
        summary = alert_texts.rota(
            unit_id,
            duty.on_duty(session, unit_id, now),
            duty.shifts(session, unit_id, since=now)[:20],
            tz,
        )
        return shifts, summary

    shifts, summary = await context.services.run(load)
    _arm(context, shifts)
    await message.reply_text(f"Imported {len(shifts)} shift(s).\n\n{summary}")
