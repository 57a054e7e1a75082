"""/members (revoke or hand over a role, with its buttons) and /settings: each one use case
of ``services.members`` or ``services.preferences``; this module parses and shows."""

from __future__ import annotations

from telegram import Message, Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.menus import forget_drafts, forget_menu_language, set_menus
from atlasbot.bot.replies import (
    answer_user,
    edit_pressed,
    guarded,
    markup,
    press_of,
    send_messages,
)
from atlasbot.services import members, preferences


def _asker(update: Update) -> tuple[Message, int]:
    """The message to answer and who sent it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    return message, user.id


@guarded
async def members_command(update: Update, context: AtlasContext) -> None:
    """/members [STATE|UNIT]: the members one answers for, with revoke and hand-over buttons."""
    message, user_id = _asker(update)
    named = context.args[0] if context.args else None
    now, zone = context.services.clock.now(), context.services.settings.tz
    shown = await context.services.run(
        lambda s: members.members_view(s, user_id, named, now=now, fallback=zone)
    )
    await message.reply_text(shown.text, reply_markup=markup(shown.keyboard))


@guarded
async def settings_command(update: Update, context: AtlasContext) -> None:
    """/settings [timezone ZONE|default|language LANG]: the member's zone and language."""
    message, user_id = _asker(update)
    args, now, zone = (
        list(context.args or []),
        context.services.clock.now(),
        context.services.settings.tz,
    )
    done = await context.services.run(
        lambda s: preferences.settings_command(s, user_id, args, now=now, fallback=zone)
    )
    await message.reply_text(done.reply)
    await set_menus(context.bot, done.menus, context.services.languages)
    if done.dropped_language:
        await forget_menu_language(context.bot, user_id, done.dropped_language)


@guarded
async def revoke_ask(update: Update, context: AtlasContext) -> None:
    """Revoke pressed: ask for a confirmation first (the step cannot be undone here)."""
    data, user_id = press_of(update)
    now = context.services.clock.now()
    text, keyboard = await context.services.run(
        lambda s: members.revoke_ask(s, data, user_id, now=now)
    )
    await edit_pressed(update, text, markup(keyboard))


@guarded
async def revoke(update: Update, context: AtlasContext) -> None:
    """ "Yes, revoke": the role goes at once; its holder is told and their menu shrinks."""
    data, user_id = press_of(update)
    now = context.services.clock.now()
    done = await context.services.run(
        lambda s: members.revoke_confirmed(s, data, user_id, now=now)
    )
    forget_drafts(context, done.forget_drafts_of)
    await edit_pressed(update, done.reply)
    await set_menus(context.bot, done.menus, context.services.languages)
    await send_messages(context, done.messages)


@guarded
async def keep(update: Update, context: AtlasContext) -> None:
    """ "No, keep it": nothing changes."""
    data, user_id = press_of(update)
    now = context.services.clock.now()
    await edit_pressed(
        update, await context.services.run(lambda s: members.keep(s, data, user_id, now=now))
    )


@guarded
async def handover(update: Update, context: AtlasContext) -> None:
    """Hand over pressed: a code for the successor (the holder steps down when it is used)."""
    data, user_id = press_of(update)
    now, ttl, bot = context.services.clock.now(), context.services.settings.invite_ttl, context.bot
    text = await context.services.run(
        lambda s: members.handover(s, data, user_id, now=now, ttl=ttl, bot_username=bot.username)
    )
    await answer_user(update, text)
