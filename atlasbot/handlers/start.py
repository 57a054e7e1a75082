"""Enrolment (/start CODE, also as a deep link), /whoami and /help."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from atlasbot.bootstrap import AtlasContext
from atlasbot.handlers import texts
from atlasbot.handlers.common import current_identity, guarded, require_identity
from atlasbot.services.enrolment import EnrolmentOutcome, redeem_invite


@guarded
async def start(update: Update, context: AtlasContext) -> None:
    """``/start`` greets; ``/start CODE`` (typed, or from a t.me/bot?start=CODE link) enrols."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if not context.args:
        identity = await current_identity(update, context)
        await message.reply_text(
            texts.role_help(identity) if identity else texts.WELCOME_UNENROLLED
        )
        return
    code = " ".join(context.args)[:64]
    now = context.services.clock.now()

    def enrol(session: Session) -> EnrolmentOutcome:
        return redeem_invite(
            session,
            code=code,
            telegram_user_id=user.id,
            display_name=user.full_name,
            language_code=user.language_code or "en",
            now=now,
        )

    outcome = await context.services.run(enrol)
    if outcome.identity is None or outcome.newly_granted is None:
        await message.reply_text(f"{outcome.refusal}\n\n{texts.NOT_CLASSIFIED}")
        return
    await message.reply_text(texts.enrolled(outcome.identity, outcome.newly_granted.describe()))


@guarded
async def whoami(update: Update, context: AtlasContext) -> None:
    identity = await require_identity(update, context)
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.whoami(identity))


async def help_command(update: Update, context: AtlasContext) -> None:
    identity = await current_identity(update, context)
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.role_help(identity))
