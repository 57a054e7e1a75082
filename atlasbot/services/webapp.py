"""The Telegram Mini App's reads (issue 16): the same use cases and checks as the chat.

The Mini App's server has checked the page's ``initData`` and knows the Telegram user; each
read here finds the enrolled member behind it (``require_member``: revoked or unknown users
are refused as in the chat) and asks the chat's own rules who may see what (``can_see`` for a
crisis, as the board and its map do).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.maps.board_map import BoardUnit
from atlasbot.services.assistance.board import board_text, visible_crises
from atlasbot.services.crisis_records import get_crisis
from atlasbot.services.enrolment import require_member
from atlasbot.services.maps import board_spec
from atlasbot.services.zones import zone_of
from atlasbot.texts import crisis as crisis_texts


@dataclass(frozen=True, slots=True)
class CrisisItem:
    """One crisis the member may see, for the Mini App's list."""

    id: int
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class BoardPage:
    """A crisis's live board for the Mini App: where, its units and states, the timeline."""

    crisis: int
    title: str
    status: str
    lat: float
    lon: float
    place: str
    units: tuple[BoardUnit, ...]
    legend: tuple[tuple[str, str], ...]
    timeline: str


def crises(session: Session, telegram_user_id: int) -> tuple[CrisisItem, ...]:
    """The open crises the member may see (as /crises lists them), newest first."""
    identity = require_member(session, telegram_user_id)
    return tuple(
        CrisisItem(c.id, crisis_texts.crisis_title(c), c.status)
        for c in visible_crises(session, identity)
        if c.id is not None
    )


def board(
    session: Session, telegram_user_id: int, crisis_id: int, tz: ZoneInfo, now: datetime
) -> BoardPage:
    """A crisis's board for a member who may see it (NotAuthorised otherwise), in their zone."""
    identity = require_member(session, telegram_user_id)
    zone = zone_of(session, identity.member_id, fallback=tz)
    spec = board_spec(session, identity, crisis_id, zone)
    crisis = get_crisis(session, crisis_id)
    return BoardPage(
        crisis_id,
        spec.title,
        crisis.status,
        crisis.lat,
        crisis.lon,
        crisis.place or "",
        spec.units,
        spec.legend,
        board_text(session, crisis, zone, now),
    )
