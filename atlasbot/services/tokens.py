"""Opaque button tokens: callback data names a token; the token row says who may press it.

A press is honoured only when the token exists, was issued to the member pressing it, has not
expired and (for decisions) has not been used. Even then the service behind the action checks
the member's current authority and the current state again: a token is a reference, not a
permission.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col

from atlasbot.clock import as_utc
from atlasbot.i18n import _
from atlasbot.services.enrolment import Identity, require_member
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.storage.models import CallbackToken, utc_now

CALLBACK_PREFIX = "t:"
DEFAULT_TOKEN_LIFETIME = timedelta(days=14)
# How long an expired token is kept so that its button still says "expired" (not "not valid
# any more"); after that it is swept. Every button of every message issues one, so without the
# sweep the table only grows.
EXPIRED_TOKEN_KEPT = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Press:
    """A verified button press: who pressed, what it does, with which values."""

    identity: Identity
    action: str
    payload: dict[str, Any]
    token: str


def issue(
    session: Session,
    *,
    member_id: int,
    action: str,
    payload: dict[str, Any] | None = None,
    single_use: bool = True,
    lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    now: datetime | None = None,
) -> str:
    """A new token for one button; returns the callback data to put on it (<= 64 bytes)."""
    moment = now or utc_now()
    token = secrets.token_urlsafe(12)  # 16 characters, 96 bits
    session.add(
        CallbackToken(
            token=token,
            member_id=member_id,
            action=action,
            payload=payload or {},
            single_use=single_use,
            created_at=moment,
            expires_at=moment + lifetime,
        )
    )
    return CALLBACK_PREFIX + token


def redeem(
    session: Session, *, callback_data: str, telegram_user_id: int, now: datetime | None = None
) -> Press:
    """Check a press and, for a single-use token, spend it (in the caller's transaction)."""
    moment = now or utc_now()
    if not callback_data.startswith(CALLBACK_PREFIX):
        raise Conflict(not_valid_any_more())
    token = callback_data.removeprefix(CALLBACK_PREFIX)
    row = session.get(CallbackToken, token)
    if row is None:
        raise Conflict(not_valid_any_more())
    identity = require_member(session, telegram_user_id)
    if row.member_id != identity.member_id:
        raise NotAuthorised(_("This button was not meant for you."))
    if as_utc(row.expires_at) <= moment:
        raise Conflict(_("This button has expired."))
    if row.single_use:
        # The guarded UPDATE makes a double press harmless: only the first one spends it.
        spent = session.execute(
            update(CallbackToken)
            .where(col(CallbackToken.token) == token, col(CallbackToken.used_at).is_(None))
            .values(used_at=moment)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(_("This button was already used."))
    return Press(identity=identity, action=row.action, payload=dict(row.payload), token=token)


def not_valid_any_more() -> str:
    """What a press of an unknown or forged button is told."""
    return _("This button is not valid any more.")


def action_of(session: Session, callback_data: str) -> str | None:
    """Which action a button's token names (None: no such token), to route the press; the
    action itself then redeems the token."""
    row = session.get(CallbackToken, callback_data.removeprefix(CALLBACK_PREFIX))
    return row.action if row else None


def sweep_expired(session: Session, *, now: datetime, kept: timedelta = EXPIRED_TOKEN_KEPT) -> int:
    """Delete the tokens that expired more than ``kept`` ago; returns how many. A press of a
    swept button is told it is not valid any more, as for any unknown token."""
    swept = session.execute(
        delete(CallbackToken).where(col(CallbackToken.expires_at) < now - kept)
    )
    return int(swept.rowcount or 0)  # type: ignore[attr-defined]
