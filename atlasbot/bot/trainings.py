"""What the training handlers share: the use cases' unit of work, and showing an outcome.

A training use case returns an ``Outcome`` (replies to the member who acted, a notice on the
pressed button, messages to others with their tokens issued, reminder timers); ``show``
delivers it in that order, after the transaction that decided it has committed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from telegram import Message as TelegramMessage
from telegram import Update
from telegram.error import BadRequest, TelegramError

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import edit_pressed, markup, press_of, send_messages
from atlasbot.bot.training_timers import arm_reminders
from atlasbot.services.outbox import Message as OutboxMessage
from atlasbot.services.trainings import digests
from atlasbot.services.trainings.work import Edit, Outcome, Pressed, Reply, Shown, Terms, Work
from atlasbot.texts.training import chunks

T = TypeVar("T")


def pressed(update: Update) -> Pressed:
    """The press a use case redeems: its callback data and who pressed."""
    data, user_id = press_of(update)
    query = update.callback_query
    shown = query.message if query is not None else None
    return Pressed(data, user_id, shown.message_id if shown is not None else None)


def terms(context: AtlasContext) -> Terms:
    """The settings the training use cases read."""
    settings = context.services.settings
    return Terms(
        reminder_days=tuple(settings.training_reminder_days),
        reminder_hour=settings.training_reminder_hour,
        tz=settings.tz,
        currency_months=settings.training_currency_months,
        plan_time_limit_s=settings.training_plan_time_limit_s,
    )


async def run(context: AtlasContext, use_case: Callable[[Work], T]) -> T:
    """Run a use case in one transaction in a worker thread, at the bot clock's now."""
    now = context.services.clock.now()
    settings = terms(context)
    return await context.services.run(lambda session: use_case(Work(session, now, settings)))


async def answer_press(update: Update, notice: str | None = None) -> None:
    """Answer a press (with a short notice), so the member's client stops spinning."""
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):  # too old, or answered already
            await update.callback_query.answer(notice)


async def _say(update: Update, item: Reply) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    document = item.document
    if document is not None and document.photo:
        await chat.send_photo(document.content, caption=item.text or None)
        return
    if document is not None:
        await chat.send_document(
            document.content, filename=document.filename, caption=item.text or None
        )
        return
    parts = chunks(item.text)
    for part in parts[:-1]:
        await chat.send_message(part)
    await chat.send_message(parts[-1], reply_markup=markup(item.keyboard))


async def _replace_text(update: Update, text: str) -> None:
    """The pressed message's text replaced; its buttons stay."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(
            text, reply_markup=getattr(query.message, "reply_markup", None)
        )


async def show(update: Update, context: AtlasContext, outcome: Outcome) -> None:
    """Deliver an outcome: the press answered, the replies, the timers, then the messages."""
    replies = list(outcome.replies)
    if replies and outcome.shown is Shown.REPLACE:
        first = replies.pop(0)
        await edit_pressed(update, first.text, markup(first.keyboard))
    elif replies and outcome.shown is Shown.KEEP_BUTTONS:
        await answer_press(update, outcome.notice)
        await _replace_text(update, replies.pop(0).text)
    else:
        await answer_press(update, outcome.notice)
    for item in replies:
        await _say(update, item)
    if outcome.timers:
        arm_reminders(context.job_queue, outcome.timers, context.services.clock.now())
    for edit in outcome.edits:
        await _edit(context, edit)
    sent = await send_messages(context, outcome.messages)
    await remember_digests(context, outcome.messages, sent)


async def _edit(context: AtlasContext, edit: Edit) -> None:
    """A digest copy edited in place (a copy that is gone or unchanged is left as it is)."""
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_text(
            edit.text,
            chat_id=edit.chat_id,
            message_id=edit.message_id,
            reply_markup=markup(edit.keyboard),
        )


async def remember_digests(
    context: AtlasContext,
    messages: Sequence[OutboxMessage],
    sent: Sequence[TelegramMessage | None],
) -> None:
    """Keep where each digest was shown, so its copies can be edited when answers change."""
    shown = [
        (m.purpose, m.chat_id, s.message_id)
        for m, s in zip(messages, sent, strict=True)
        if s is not None and digests.is_digest(m.purpose)
    ]
    if shown:
        now = context.services.clock.now()
        await context.services.run(lambda session: digests.remember(session, shown, now))


def today(context: AtlasContext) -> dt.date:
    """The date in the network's time zone."""
    return context.services.clock.now().astimezone(context.services.settings.tz).date()
