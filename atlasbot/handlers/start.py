"""Enrolment (/start CODE, also as a deep link), /whoami and /help."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import current_identity, guarded, require_identity
from atlasbot.bot.texts import general as texts
from atlasbot.services.enrolment import EnrolmentOutcome, invite_by_member, redeem_invite
from atlasbot.storage.models import Role


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


INVITE_USAGE = (
    "Usage: /invite ROLE [SCOPE]\n"
    "• /invite authority BE — a competent authority of a state\n"
    "• /invite commander de-1 — a unit's commander\n"
    "• /invite duty de-1 — a unit's duty officer\n"
    "• /invite coordinator — a network coordinator\n"
    "• /invite admin — an administrator (admins only)\n"
    "Each code works once and expires."
)


@guarded
async def invite(update: Update, context: AtlasContext) -> None:
    """``/invite ROLE [SCOPE]``: a one-time code for someone the member answers for."""
    identity = await require_identity(update, context)
    message = update.effective_message
    if message is None:
        return
    args = list(context.args or [])
    if not args or args[0].lower() not in {r.value for r in Role}:
        await message.reply_text(INVITE_USAGE)
        return
    role = Role(args[0].lower())
    scope = args[1] if len(args) > 1 else None
    country = scope.upper() if scope and role.scope == "country" else None
    unit_id = scope.lower() if scope and role.scope == "unit" else None
    if role.scope != "none" and scope is None:
        await message.reply_text(f"/invite {role.value} needs a {role.scope}.\n\n{INVITE_USAGE}")
        return
    settings = context.services.settings
    now = context.services.clock.now()

    def create(session: Session) -> str:
        code, _ = invite_by_member(
            session,
            identity,
            role=role,
            country=country,
            unit_id=unit_id,
            ttl=settings.invite_ttl,
            now=now,
        )
        return code

    code = await context.services.run(create)
    link = f"https://t.me/{context.bot.username}?start={code.replace('-', '')}"
    await message.reply_text(
        f"One-time code for {role.described}"
        + (f" of {country or unit_id}" if (country or unit_id) else "")
        + f", valid {settings.invite_ttl_days} days:\n{code}\n\n"
        f"The invitee sends /start {code} to this bot, or opens {link}\n"
        "Pass it on through a channel you trust; anyone holding it can use it once."
    )
