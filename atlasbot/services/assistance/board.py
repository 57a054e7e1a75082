"""Who sees a crisis, and where its live board is shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from atlasbot import names
from atlasbot.clock import as_utc
from atlasbot.domain import UnitStatus
from atlasbot.i18n import _
from atlasbot.services.assistance import outcomes
from atlasbot.services.assistance.outcome import Outcome, PressInput
from atlasbot.services.assistance.raising import capability_names
from atlasbot.services.assistance.records import (
    board_viewers,
    deployments_of,
    requests_of,
    require_requester,
    still_missing,
)
from atlasbot.services.crisis_records import get_crisis
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import NotAuthorised
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.readers import messages_for, reading
from atlasbot.services.zones import zone_of, zones_of
from atlasbot.storage.models import (
    BoardMessage,
    Crisis,
    CrisisStatus,
    DeploymentState,
    Role,
    UnitRow,
)
from atlasbot.texts import control as control_texts
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import maps as maps_texts


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


# --- use cases: the board, the list of crises --------------------------------------------


def map_button(crisis_id: int) -> Button:
    """The board's map: the crisis and its units' states (for everyone who sees the board)."""
    return Button(maps_texts.board_map_button(), "board.map", {"crisis": crisis_id})


def board_buttons(crisis_id: int, *, missing: bool) -> list[list[Button]]:
    """What the requester can do from an open crisis's board."""
    payload = {"crisis": crisis_id}
    rows = [[Button(_("🔄 Refresh"), "board.refresh", payload), map_button(crisis_id)]]
    if missing:
        rows.append([Button(_("🧭 Plan what is still missing"), "plan.show", payload)])
    rows.append([Button(_(control_texts.MANAGE), "control.menu", payload)])
    rows.append([Button(_("🏁 Close crisis…"), "crisis.close", payload)])
    return rows


def _returning(session: Session, unit_ids: set[str]) -> dict[str, datetime]:
    """The units of the crisis on their way home, with their ETA home."""
    rows = session.exec(
        select(UnitRow).where(
            col(UnitRow.id).in_(sorted(unit_ids)), UnitRow.status == UnitStatus.RETURNING.value
        )
    ).all()
    return {row.id: as_utc(row.returns_at) for row in rows if row.returns_at is not None}


def _board_text(session: Session, crisis: Crisis, tz: ZoneInfo, now: datetime) -> str:
    assert crisis.id is not None
    deployments = deployments_of(session, crisis.id)
    released = {d.unit_id for d in deployments if d.state == DeploymentState.RELEASED.value}
    return crisis_texts.board(
        crisis,
        requests_of(session, crisis.id),
        deployments,
        still_missing(session, crisis),
        tz,
        now,
        capability_names(session),
        outcomes.tracks(session, crisis.id),
        _returning(session, released) if released else {},
    )


def board_text(session: Session, crisis: Crisis, tz: ZoneInfo, now: datetime) -> str:
    """The live board's text as the chat shows it (the Mini App shows it as the timeline)."""
    return _board_text(session, crisis, tz, now)


@dataclass(frozen=True, slots=True)
class BoardView:
    """The board for one viewer: where it is shown already (None: post it) and what it says."""

    message: Message
    shown_as: int | None


def board_views(session: Session, crisis_id: int, tz: ZoneInfo, now: datetime) -> list[BoardView]:
    """The live board for every viewer (the requesting state's authorities), buttons issued,
    each reading its times in their own zone (``tz`` for those with none)."""
    crisis = get_crisis(session, crisis_id)
    missing = bool(still_missing(session, crisis))
    where = {b.chat_id: b.message_id for b in board_messages(session, crisis_id)}
    viewers = board_viewers(session, crisis)
    zones = zones_of(session, (member_id for member_id, _chat in viewers), fallback=tz)
    views = []
    for member_id, chat_id in viewers:
        rows: list[list[Button]] = []
        # Each viewer reads the board in their own language and time zone.
        with reading(session, chat_id):
            text = _board_text(session, crisis, zones[member_id], now)
            if crisis.status != CrisisStatus.CLOSED.value:
                rows = board_buttons(crisis_id, missing=missing)
        keyboard = issue_keyboard(session, member_id, rows, now=now)
        views.append(BoardView(Message(chat_id, text, keyboard), where.get(chat_id)))
    return views


def show_board(session: Session, press: PressInput, tz: ZoneInfo) -> Outcome:
    """A crisis's board for a member who may see it, in their zone; its requester acts from
    there too (plans lost with a message, closing)."""
    pressed = press.redeem(session)
    tz = zone_of(session, pressed.identity.member_id, fallback=tz)
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    if not can_see(session, pressed.identity, crisis):
        raise NotAuthorised(_("You may not see this crisis."))
    assert crisis.id is not None
    text = _board_text(session, crisis, tz, press.now)
    requester = pressed.identity.is_authority_of(crisis.requesting_country)
    if not requester or crisis.status == CrisisStatus.CLOSED.value:
        rows = [[map_button(crisis.id)]]
        keyboard = issue_keyboard(session, pressed.identity.member_id, rows, now=press.now)
        return Outcome(reply=text, keyboard=keyboard, live_map=crisis.id)
    rows = board_buttons(crisis.id, missing=bool(still_missing(session, crisis)))
    keyboard = issue_keyboard(session, pressed.identity.member_id, rows, now=press.now)
    return Outcome(reply=text, keyboard=keyboard, live_map=crisis.id)


def refresh_board(session: Session, press: PressInput) -> Outcome:
    """The requester asks for the board as it is now."""
    pressed = press.redeem(session)
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    require_requester(pressed.identity, crisis)
    return Outcome(reply=_("Refreshed"), board=crisis.id)


def crises_list(session: Session, identity: Identity, now: datetime) -> Outcome:
    """/crises: the open crises the member may see, each with a button to its board."""
    crises = visible_crises(session, identity)
    if not crises:
        return Outcome(reply=_("No open crisis that you may see."))
    rows = [
        [Button(_("📋 Board of #{crisis}", crisis=c.id), "board.show", {"crisis": c.id})]
        for c in crises[:20]
    ]
    lines = crisis_texts.list_lines(
        _(
            "{title} — {status}",
            title=crisis_texts.crisis_title(c),
            status=names.crisis_status_name(c.status),
        )
        for c in crises
    )
    return Outcome(
        reply=_("Open crises:\n{lines}", lines=lines),
        keyboard=issue_keyboard(session, identity.member_id, rows, now=now),
    )


def requester_messages(
    session: Session, crisis_id: int, text: str | Callable[[], str]
) -> tuple[Message, ...]:
    """``text`` to each of the requesting state's authority members (a render function:
    each in their own language)."""
    crisis = get_crisis(session, crisis_id)
    chats = [chat for _member, chat in board_viewers(session, crisis)]
    render = text if callable(text) else (lambda: text)
    return messages_for(session, chats, render)
