"""Who sees a crisis, and where its live board is shown."""

from __future__ import annotations

from sqlmodel import Session, col, select

from atlasbot.services.assistance.records import deployments_of, requests_of
from atlasbot.services.enrolment import Identity
from atlasbot.storage.models import (
    BoardMessage,
    Crisis,
    CrisisStatus,
    Role,
)


def can_see(session: Session, identity: Identity, crisis: Crisis) -> bool:
    """Who may see a crisis: its requester's and requested states' authorities, the members of
    its deployed units, and coordinators."""
    if identity.has(Role.COORDINATOR) or identity.is_authority_of(crisis.requesting_country):
        return True
    assert crisis.id is not None
    requests = requests_of(session, crisis.id)
    if any(identity.is_authority_of(r.country) for r in requests):
        return True
    return any(identity.serves_unit(d.unit_id) for d in deployments_of(session, crisis.id))


def visible_crises(
    session: Session, identity: Identity, *, include_closed: bool = False
) -> list[Crisis]:
    """The crises a member may see, newest first."""
    query = select(Crisis).order_by(col(Crisis.id).desc())
    if not include_closed:
        query = query.where(Crisis.status != CrisisStatus.CLOSED.value)
    return [c for c in session.exec(query).all() if can_see(session, identity, c)]


def board_messages(session: Session, crisis_id: int) -> list[BoardMessage]:
    return list(
        session.exec(select(BoardMessage).where(BoardMessage.crisis_id == crisis_id)).all()
    )


def remember_board_message(
    session: Session, crisis_id: int, chat_id: int, message_id: int
) -> None:
    """Keep where the board is shown in a chat (one board per chat; a newer one replaces it)."""
    existing = session.exec(
        select(BoardMessage).where(
            BoardMessage.crisis_id == crisis_id, BoardMessage.chat_id == chat_id
        )
    ).first()
    if existing is None:
        session.add(BoardMessage(crisis_id=crisis_id, chat_id=chat_id, message_id=message_id))
    else:
        existing.message_id = message_id
        session.add(existing)
