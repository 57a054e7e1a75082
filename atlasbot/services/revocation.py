"""Revoking a role, the one way every path does it (/members, the command line, a hand-over).

A revoked role is kept in ``member_role`` with when and by whom it was revoked, so the
history reads in the table and in the audit log; ``identify`` never returns it again. The
member loses access at once: every button issued to them stops working (their tokens are
deleted: a token names no role, and a press of a deleted token is refused as "not valid any
more"), their unfinished form is dropped (the stored row here; the running bot drops its copy
from ``forget_drafts_of``), their duty shifts in a unit they no longer serve are cancelled,
and a member left with no role is deactivated. They are told, and their menu shrinks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from atlasbot.services.menus import menu_of
from atlasbot.services.outbox import ChatMenu, Message
from atlasbot.services.readers import reading
from atlasbot.storage import audit
from atlasbot.storage.models import (
    CallbackToken,
    ChatState,
    DutyShift,
    Member,
    MemberRole,
    ShiftReminderState,
)
from atlasbot.texts import members as texts
from atlasbot.texts.people import grant_described

# The kind of chat_state row that holds a member's drafts (bot/persistence.py writes it).
USER_DRAFTS = "user"


@dataclass(frozen=True, slots=True)
class RoleRevoked:
    """A role revoked: what its holder is told, their new menu, whose drafts to drop."""

    member_id: int
    telegram_user_id: int
    name: str
    described: str
    messages: tuple[Message, ...]
    menus: tuple[ChatMenu, ...]


def _remaining(session: Session, member_id: int) -> list[MemberRole]:
    return list(
        session.exec(
            select(MemberRole).where(
                MemberRole.member_id == member_id, col(MemberRole.revoked_at).is_(None)
            )
        ).all()
    )


def _cancel_shifts(session: Session, member_id: int, unit_id: str, now: datetime) -> list[int]:
    """The member's current and future shifts in a unit they no longer serve, cancelled."""
    shifts = session.exec(
        select(DutyShift).where(
            DutyShift.member_id == member_id,
            DutyShift.unit_id == unit_id,
            col(DutyShift.cancelled).is_(False),
            col(DutyShift.end_at) > now,
        )
    ).all()
    for shift in shifts:
        shift.cancelled = True
        if shift.reminder_state == ShiftReminderState.PENDING.value:
            shift.reminder_state = ShiftReminderState.SKIPPED.value
        shift.version += 1
        session.add(shift)
    return [shift.id for shift in shifts if shift.id is not None]


def _cut_access(session: Session, member: Member) -> int:
    """Every button issued to the member and their stored draft, gone; the count of buttons."""
    assert member.id is not None
    removed = session.execute(
        delete(CallbackToken).where(col(CallbackToken.member_id) == member.id)
    )
    session.execute(
        delete(ChatState).where(
            col(ChatState.kind) == USER_DRAFTS, col(ChatState.key) == str(member.telegram_user_id)
        )
    )
    return int(removed.rowcount or 0)  # type: ignore[attr-defined]


def _told(
    session: Session,
    chat: int,
    row: MemberRole,
    remaining: Sequence[MemberRole],
    successor: str | None,
) -> str:
    """What the member who lost the role reads, in their language."""
    with reading(session, chat):
        kept = [grant_described(held.role, held.country, held.unit_id) for held in remaining]
        lost = grant_described(row.role, row.country, row.unit_id)
        if successor:
            return texts.you_were_replaced(lost, successor, kept)
        return texts.you_were_revoked(lost, kept)


def revoke_role(
    session: Session,
    row: MemberRole,
    *,
    actor: str,
    now: datetime,
    reason: str,
    successor: str | None = None,
) -> RoleRevoked:
    """Revoke one held role (see the module docstring for everything that follows)."""
    member = session.get(Member, row.member_id)
    assert member is not None and member.id is not None and row.revoked_at is None
    described = grant_described(row.role, row.country, row.unit_id)
    session.execute(
        update(MemberRole)
        .where(col(MemberRole.id) == row.id)
        .values(revoked_at=now, revoked_by=actor[:120])
    )
    session.refresh(row)
    remaining = _remaining(session, member.id)
    cancelled: list[int] = []
    if row.unit_id and not any(held.unit_id == row.unit_id for held in remaining):
        cancelled = _cancel_shifts(session, member.id, row.unit_id, now)
    if not remaining:
        member.active = False
        session.add(member)
    buttons = _cut_access(session, member)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="member.role_revoked",
        obj=f"member:{member.id}",
        payload={
            "role": row.role,
            "country": row.country,
            "unit": row.unit_id,
            "reason": reason,
            "buttons_withdrawn": buttons,
            "shifts_cancelled": cancelled,
            "deactivated": not remaining,
        },
        at=now,
    )
    chat = member.telegram_user_id
    text = _told(session, chat, row, remaining, successor)
    return RoleRevoked(
        member.id,
        chat,
        member.display_name,
        described,
        (Message(chat, text, purpose=f"member:{member.id}:revoked"),),
        (menu_of(session, chat),),
    )
