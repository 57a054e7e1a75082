"""/duty: the unit's duty rota — who is on duty now, shifts set by the commander (typed or
imported from a CSV file), and the rota as an .ics file. Each verb is one use case of
``services.rota``; this module only parses the words and shows the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Document, Message, Update

from atlasbot import chat_input
from atlasbot.bot import timers, uploads
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.uploads import UploadReader
from atlasbot.i18n import _
from atlasbot.services import rota
from atlasbot.services.errors import InvalidInput
from atlasbot.texts import alerts as texts

Verb = Callable[[Update, AtlasContext, list[str]], Awaitable[None]]


def _asker(update: Update) -> tuple[Message, int]:
    """The message to answer and who sent it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    return message, user.id


def _reminder_before(context: AtlasContext) -> timedelta:
    return timedelta(seconds=context.services.settings.duty_reminder_before_s)


def _zone(context: AtlasContext) -> ZoneInfo:
    """The installation's zone: the reading zone of members whose state has none."""
    return context.services.settings.tz


async def _show(update: Update, context: AtlasContext, args: list[str]) -> None:
    message, user_id = _asker(update)
    named, now, zone = (args[0] if args else None), context.services.clock.now(), _zone(context)
    text = await context.services.run(
        lambda s: rota.show(s, user_id, named, now=now, fallback=zone)
    )
    await message.reply_text(text)


async def _add(update: Update, context: AtlasContext, args: list[str]) -> None:
    message, user_id = _asker(update)
    typed, now, before = " ".join(args), context.services.clock.now(), _reminder_before(context)
    change = await context.services.run(
        lambda s: rota.add_typed(
            s, user_id, typed, now=now, reminder_before=before, fallback=_zone(context)
        )
    )
    timers.arm_reminders(context, change.reminders)
    await message.reply_text(change.reply)


async def _remove(update: Update, context: AtlasContext, args: list[str]) -> None:
    message, user_id = _asker(update)
    if len(args) != 1:
        raise InvalidInput(_("Write: /duty remove N (the shift number shown by /duty)"))
    number = chat_input.record_id(args[0], what=_("shift"))
    now = context.services.clock.now()
    await message.reply_text(
        await context.services.run(lambda s: rota.remove(s, user_id, number, now=now))
    )


async def _ics(update: Update, context: AtlasContext, args: list[str]) -> None:
    message, user_id = _asker(update)
    named, now = (args[0] if args else None), context.services.clock.now()
    found = await context.services.run(lambda s: rota.rota_file(s, user_id, named, now=now))
    await message.chat.send_document(found.content, filename=found.filename, caption=found.caption)


async def _usage(update: Update, context: AtlasContext, args: list[str]) -> None:
    await require_identity(update, context)  # members only, like every command
    await _asker(update)[0].reply_text(texts.duty_usage())


VERBS: dict[str, Verb] = {
    "add": _add,
    "remove": _remove,
    "rm": _remove,
    "delete": _remove,
    "ics": _ics,
    "help": _usage,
    "?": _usage,
}


@guarded
async def duty_command(update: Update, context: AtlasContext) -> None:
    """/duty [UNIT] | add … | remove N | ics [UNIT]."""
    if update.effective_message is None or update.effective_user is None:
        return
    args = list(context.args or [])
    verb = args[0].lower() if args else ""
    if verb in VERBS:
        await VERBS[verb](update, context, args[1:])
    elif not args or rota.UNIT_ID.match(verb):
        await _show(update, context, [verb] if verb else [])
    else:
        await require_identity(update, context)  # members only, like every command
        unknown = _("Unknown /duty command {command}.", command=repr(args[0]))
        raise InvalidInput(f"{unknown}\n\n{texts.duty_usage()}")


async def _rota_rows(document: Document, reader: UploadReader, limit: int) -> Any:
    """A rota file's rows, downloaded within the size cap and read in the upload worker."""
    name = document.file_name or "rota.csv"
    raw = await uploads.download(document, name, limit)
    return await reader.read(rota.read_rota_file, raw, name, limit)


@guarded
async def import_rota(update: Update, context: AtlasContext) -> None:
    """A CSV file (member,start,end) sent with the caption ``/duty import [UNIT]``: read in
    the upload worker, then the shifts added in one transaction."""
    message, user_id = _asker(update)
    if message.document is None:
        return
    words, services = (message.caption or "").split(), context.services
    named = words[2] if len(words) > 2 else None
    rows = await _rota_rows(message.document, services.uploads, services.settings.max_file_bytes)
    now, before, zone = services.clock.now(), _reminder_before(context), _zone(context)
    change = await services.run(
        lambda s: rota.import_file(
            s, user_id, named, rows, now=now, reminder_before=before, fallback=zone
        )
    )
    timers.arm_reminders(context, change.reminders)
    await message.reply_text(change.reply)
