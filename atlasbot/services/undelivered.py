"""A message Telegram would not take (blocked, refused): the decision to audit it lives here,
not in the bot layer that saw the failure."""

from __future__ import annotations

from sqlmodel import Session

from atlasbot.storage import audit


def record_undelivered(session: Session, *, chat_id: int, purpose: str, reason: str) -> None:
    """Audit a message that could not be delivered to a chat."""
    audit.append(
        session,
        actor="bot",
        action="delivery.failed",
        obj=f"telegram:{chat_id}",
        payload={"reason": reason, "purpose": purpose},
    )
