"""Enrolment (/start CODE, also as a deep link), /whoami, /help and /invite: each one use
case of ``services.joining``, whose texts come from ``atlasbot.texts.people``."""

from __future__ import annotations

from telegram import Message, Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.menus import forget_drafts, set_menus
from atlasbot.bot.replies import guarded, send_messages
from atlasbot.services import joining


@guarded
async def start(update: Update, context: AtlasContext) -> None:
    """``/start`` greets; ``/start CODE`` (typed, or from a t.me/bot?start=CODE link) enrols."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if not context.args:
        await help_command(update, context)
        return
    code = " ".join(context.args)
    now, zone = context.services.clock.now(), context.services.settings.tz
    newcomer = joining.Newcomer(user.id, user.full_name, user.language_code or "en")
    result = await context.services.run(
        lambda s: joining.enrol(s, code=code, newcomer=newcomer, now=now, fallback=zone)
    )
    await _show_enrolment(context, message, result)


async def _show_enrolment(
    context: AtlasContext, message: Message, result: joining.Enrolment
) -> None:
    """The newcomer's answer, their menu, the drafts a hand-over ends, the inviter's notice."""
    await message.reply_text(result.reply)
    forget_drafts(context, result.forget_drafts_of)
    await set_menus(context.bot, result.menus, context.services.languages)
    await send_messages(context, result.messages)


@guarded
async def whoami(update: Update, context: AtlasContext) -> None:
    """/whoami: the member and their roles."""
    message, user = update.effective_message, update.effective_user
    if message is not None and user is not None:
        await message.reply_text(await context.services.read(lambda s: joining.whoami(s, user.id)))


async def help_command(update: Update, context: AtlasContext) -> None:
    """/help: what this member's roles let them do."""
    message, user = update.effective_message, update.effective_user
    if message is not None and user is not None:
        # Asked often: a read, so it does not queue behind writers.
        await message.reply_text(
            await context.services.read(lambda s: joining.greeting(s, user.id))
        )


@guarded
async def invite(update: Update, context: AtlasContext) -> None:
    """``/invite ROLE [SCOPE]``: a one-time code for someone the member answers for."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    args, settings, now = (
        list(context.args or []),
        context.services.settings,
        context.services.clock.now(),
    )
    reply = await context.services.run(
        lambda s: joining.invite(
            s, user.id, args, ttl=settings.invite_ttl, bot_username=context.bot.username, now=now
        )
    )
    await message.reply_text(reply)
