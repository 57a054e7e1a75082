"""What every handler shares: identity, token buttons, sending, and errors turned into words."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, WebAppInfo
from telegram.error import BadRequest, Forbidden, TelegramError

from atlasbot.bot.context import AtlasContext
from atlasbot.services import tokens
from atlasbot.services.enrolment import Identity, identify
from atlasbot.services.errors import DomainError, NotEnrolled
from atlasbot.services.outbox import Button, IssuedButton, Keyboard, Venue
from atlasbot.services.outbox import Message as OutboxMessage
from atlasbot.services.undelivered import record_undelivered
from atlasbot.texts import people

log = logging.getLogger(__name__)

Handler = Callable[[Update, AtlasContext], Coroutine[Any, Any, Any]]


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Telegram markup for a keyboard a use case issued (None when it has no button)."""
    rows = [[_inline_button(button) for button in row] for row in keyboard if row]
    return InlineKeyboardMarkup(rows) if rows else None


def _inline_button(button: IssuedButton) -> InlineKeyboardButton:
    if button.web_app_url:
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.web_app_url))
    return InlineKeyboardButton(button.label, callback_data=button.callback_data)


def keyboard(
    session: Session,
    member_id: int,
    rows: Sequence[Sequence[Button]],
    *,
    lifetime: timedelta = tokens.DEFAULT_TOKEN_LIFETIME,
) -> InlineKeyboardMarkup | None:
    """An inline keyboard whose every button names a fresh token issued to ``member_id``."""
    built = [
        [
            InlineKeyboardButton(
                button.label,
                callback_data=tokens.issue(
                    session,
                    member_id=member_id,
                    action=button.action,
                    payload=button.payload,
                    single_use=button.single_use,
                    lifetime=lifetime,
                ),
            )
            for button in row
        ]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(built) if built else None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to send once the transaction that decided it has committed."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    purpose: str = ""  # e.g. "board:12", so the caller can remember where it went


async def send_all(context: AtlasContext, messages: Sequence[Outgoing]) -> list[Message | None]:
    """Send messages concurrently, paced to Telegram's broadcast limit; a failure to one
    recipient is logged and audited, never stops the others."""

    async def send_one(outgoing: Outgoing) -> Message | None:
        await context.services.broadcast.take()
        try:
            return await context.bot.send_message(
                outgoing.chat_id, outgoing.text, reply_markup=outgoing.markup
            )
        except Forbidden:
            log.warning("chat %s blocked the bot; message not delivered", outgoing.chat_id)
            await _audit_undelivered(context, outgoing, "blocked the bot")
        except TelegramError as err:
            log.warning("could not deliver to chat %s: %s", outgoing.chat_id, err)
            await _audit_undelivered(context, outgoing, str(err))
        return None

    return list(await asyncio.gather(*(send_one(m) for m in messages)))


async def _audit_undelivered(
    context: AtlasContext, outgoing: Outgoing | OutboxMessage, reason: str
) -> None:
    chat_id, purpose = outgoing.chat_id, outgoing.purpose
    await context.services.run(
        lambda s: record_undelivered(s, chat_id=chat_id, purpose=purpose, reason=reason)
    )


async def send_pin(context: AtlasContext, chat_id: int, venue: Venue) -> bool:
    """The map pin after a message: a venue with its name, or a bare location; a failure
    is logged (the message itself names the place), never raised."""
    await context.services.broadcast.take()
    try:
        if venue.title and venue.address:
            await context.bot.send_venue(
                chat_id, venue.lat, venue.lon, title=venue.title, address=venue.address
            )
        else:
            await context.bot.send_location(chat_id, venue.lat, venue.lon)
    except TelegramError as err:
        log.warning("the pin was not sent to %s: %s", chat_id, err)
        return False
    return True


async def send_messages(
    context: AtlasContext, messages: Sequence[OutboxMessage]
) -> list[Message | None]:
    """Send what a use case decided, concurrently, paced to Telegram's broadcast limit; a
    failure to one recipient is logged and audited, never stops the others."""

    async def send_one(outgoing: OutboxMessage) -> Message | None:
        await context.services.broadcast.take()
        try:
            sent = await context.bot.send_message(
                outgoing.chat_id, outgoing.text, reply_markup=markup(outgoing.keyboard)
            )
            if outgoing.venue is not None:
                await send_pin(context, outgoing.chat_id, outgoing.venue)
            return sent
        except Forbidden:
            log.warning("chat %s blocked the bot; message not delivered", outgoing.chat_id)
            await _audit_undelivered(context, outgoing, "blocked the bot")
        except TelegramError as err:
            log.warning("could not deliver to chat %s: %s", outgoing.chat_id, err)
            await _audit_undelivered(context, outgoing, str(err))
        return None

    return list(await asyncio.gather(*(send_one(m) for m in messages)))


async def current_identity(update: Update, context: AtlasContext) -> Identity | None:
    user = update.effective_user
    if user is None:
        return None
    # Asked by nearly every update: a read, so it does not queue behind writers.
    return await context.services.read(lambda session: identify(session, user.id))


async def require_identity(update: Update, context: AtlasContext) -> Identity:
    identity = await current_identity(update, context)
    if identity is None:
        raise NotEnrolled(people.not_enrolled())
    return identity


async def answer_user(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Reply in the chat the update came from (a press is also acknowledged)."""
    if update.callback_query is not None:
        # A query too old to answer raises BadRequest; the message below still says it.
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer()
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=markup)


async def edit_pressed(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer the press and replace the pressed message (its buttons go unless new ones are
    given): an unanswered press leaves the member's client spinning."""
    query = update.callback_query
    if query is None:
        return
    # Too old to answer, or answered already by the handler: the edit still says it all.
    with contextlib.suppress(BadRequest):
        await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            raise


def guarded(handler: Handler) -> Handler:
    """Turn a domain error into a clear line for the user; nothing half-done stays behind,
    because each unit of work rolled back when the error was raised."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: AtlasContext) -> Any:
        try:
            return await handler(update, context)
        except DomainError as err:
            await _tell(update, str(err))
            return None

    return wrapper


# Telegram refuses longer messages; an error that quotes what the member typed can be long.
MESSAGE_LIMIT = 4096


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The text cut to Telegram's limit, saying so."""
    return text if len(text) <= limit else text[: limit - 2] + " …"


async def _tell(update: Update, message: str) -> None:
    message = shorten(message)
    query = update.callback_query
    if query is not None:
        shown = False
        with contextlib.suppress(BadRequest):  # already answered, or too old to answer
            shown = await query.answer(message[:200], show_alert=True)
        if update.effective_chat is not None and (not shown or len(message) > 200):
            await update.effective_chat.send_message(message)
        return
    if update.effective_chat is not None:
        await update.effective_chat.send_message(message)


def press_of(update: Update) -> tuple[str, int]:
    """The callback data and the presser's Telegram id of a button press."""
    query = update.callback_query
    assert query is not None and query.from_user is not None
    return query.data or "", query.from_user.id


def redeem(session: Session, update: Update, context: AtlasContext) -> tokens.Press:
    """Verify and (for decisions) spend the pressed button's token, in this transaction."""
    data, user_id = press_of(update)
    return tokens.redeem(
        session, callback_data=data, telegram_user_id=user_id, now=context.services.clock.now()
    )
