"""The chat's use cases of enrolment: /start CODE, /help, /whoami and /invite.

Enrolling sets the newcomer's command menu (their roles decide it), tells the inviter that
their code was used, and completes a hand-over (the previous holder steps down, is told, and
their menu shrinks), all in the transaction that claims the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.services.enrolment import (
    EnrolmentOutcome,
    identify,
    invite_by_member,
    redeem_invite,
    require_member,
)
from atlasbot.services.menus import menu_of
from atlasbot.services.outbox import ChatMenu, Message
from atlasbot.services.readers import reading
from atlasbot.services.revocation import revoke_role
from atlasbot.services.zones import zone_of
from atlasbot.storage.models import Member, MemberRole, Role
from atlasbot.texts import members as member_texts
from atlasbot.texts import people as texts


def greeting(session: Session, telegram_user_id: int) -> str:
    """/help (and /start without a code): what this member can do, or how to enrol."""
    identity = identify(session, telegram_user_id)
    if identity is None:
        return texts.welcome_unenrolled()
    return texts.role_help({grant.role.value for grant in identity.grants})


def whoami(session: Session, telegram_user_id: int) -> str:
    """/whoami: the member and their roles."""
    identity = require_member(session, telegram_user_id)
    grants = [grant.describe() for grant in identity.grants]
    return texts.whoami(identity.display_name, identity.member_id, grants)


@dataclass(frozen=True, slots=True)
class Newcomer:
    """Who presents a code: their Telegram id, name and language."""

    telegram_user_id: int
    display_name: str
    language_code: str


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A code presented: the newcomer's reply, the notices to others, the menus to set, and
    whose unfinished forms to drop (a predecessor's, after a hand-over)."""

    reply: str
    messages: tuple[Message, ...] = ()
    menus: tuple[ChatMenu, ...] = ()
    forget_drafts_of: tuple[int, ...] = ()


def _inviter_notice(
    session: Session, outcome: EnrolmentOutcome, *, now: datetime, fallback: ZoneInfo
) -> tuple[Message, ...]:
    """To the member who made the code (the command line has no chat to tell)."""
    actor, _sep, number = outcome.invited_by.partition(":")
    inviter = session.get(Member, int(number)) if actor == "member" and number.isdigit() else None
    if inviter is None or inviter.id is None or not inviter.active or outcome.identity is None:
        return ()
    assert outcome.newly_granted is not None
    zone = zone_of(session, inviter.id, fallback=fallback)
    with reading(session, inviter.telegram_user_id):  # in the inviter's language
        text = member_texts.invite_used(
            outcome.identity.display_name, outcome.newly_granted.describe(), now, zone
        )
    return (Message(inviter.telegram_user_id, text, purpose="invite:used"),)


def enrol(
    session: Session, *, code: str, newcomer: Newcomer, now: datetime, fallback: ZoneInfo
) -> Enrolment:
    """/start CODE: enrol with a one-time code; what the newcomer reads either way."""
    outcome = redeem_invite(
        session,
        code=code[:64],
        telegram_user_id=newcomer.telegram_user_id,
        display_name=newcomer.display_name,
        language_code=newcomer.language_code,
        now=now,
    )
    if outcome.identity is None or outcome.newly_granted is None:
        return Enrolment(texts.refused(outcome.refusal or ""))
    identity = outcome.identity
    reply = texts.enrolled(identity.display_name, outcome.newly_granted.describe())
    messages = _inviter_notice(session, outcome, now=now, fallback=fallback)
    menus = [menu_of(session, newcomer.telegram_user_id)]
    previous = session.get(MemberRole, outcome.replaces_role_id or 0)
    if previous is None or previous.revoked_at is not None:
        return Enrolment(reply, messages, tuple(menus))
    if previous.member_id == identity.member_id:
        return Enrolment(reply, messages, tuple(menus))  # handed over to themselves
    stepped_down = revoke_role(
        session,
        previous,
        actor=outcome.invited_by,
        now=now,
        reason=f"handed over to {identity.actor}",
        successor=identity.display_name,
    )
    return Enrolment(
        reply,
        messages + stepped_down.messages,
        tuple(menus) + stepped_down.menus,
        (stepped_down.telegram_user_id,),
    )


def invite(
    session: Session,
    telegram_user_id: int,
    args: Sequence[str],
    *,
    ttl: timedelta,
    bot_username: str,
    now: datetime,
) -> str:
    """/invite ROLE [SCOPE]: a one-time code for someone the member answers for (or how to
    ask for one)."""
    identity = require_member(session, telegram_user_id)
    roles = {role.value for role in Role}
    if not args or args[0].lower() not in roles:
        return texts.invite_usage()
    role = Role(args[0].lower())
    scope = args[1] if len(args) > 1 else None
    if role.scope != "none" and scope is None:
        return texts.invite_needs_scope(role.value, role.scope)
    country = scope.upper() if scope and role.scope == "country" else None
    unit_id = scope.lower() if scope and role.scope == "unit" else None
    code, _invite = invite_by_member(
        session, identity, role=role, country=country, unit_id=unit_id, ttl=ttl, now=now
    )
    return texts.invite_created(
        role.value, country or unit_id, ttl.days, code, bot_username=bot_username
    )
