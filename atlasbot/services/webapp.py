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

from sqlalchemy import delete
from sqlmodel import Session, col

from atlasbot import rules
from atlasbot.maps.board_map import BoardUnit
from atlasbot.services import rota
from atlasbot.services.assistance.board import board_text, visible_crises
from atlasbot.services.assistance.raising import capability_names
from atlasbot.services.crisis_records import get_crisis
from atlasbot.services.duty import on_duty
from atlasbot.services.enrolment import Identity, require_member
from atlasbot.services.errors import NotAuthorised
from atlasbot.services.maps import board_spec, current_network
from atlasbot.services.trainings.calendar import calendar_for
from atlasbot.services.zones import zone_of
from atlasbot.storage.models import Role, WebAppSeen
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import webapp as texts
from atlasbot.webapp_auth import WebAppUser, check_not_superseded


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


@dataclass(frozen=True, slots=True)
class Home:
    """The Mini App's first page: the crises the member may see, and which other views
    their roles open."""

    crises: tuple[CrisisItem, ...]
    network: bool
    calendar: bool


def _sees_network(identity: Identity) -> bool:
    return identity.has(Role.COORDINATOR) or identity.has(Role.AUTHORITY)


def _sees_calendar(identity: Identity) -> bool:
    return identity.has(Role.COORDINATOR) or identity.has(Role.COMMANDER)


def home(session: Session, telegram_user_id: int) -> Home:
    """The open crises the member may see (as /crises lists them), newest first."""
    identity = require_member(session, telegram_user_id)
    listed = tuple(
        CrisisItem(c.id, crisis_texts.crisis_title(c), c.status)
        for c in visible_crises(session, identity)
        if c.id is not None
    )
    return Home(listed, _sees_network(identity), _sees_calendar(identity))


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


@dataclass(frozen=True, slots=True)
class NetworkUnit:
    """A unit in the network view: readiness now, capabilities, and its duty as the chat's
    /duty shows it to this member (names only to those who call the unit, OP-ROTA)."""

    id: str
    name: str
    country: str
    lat: float
    lon: float
    status: str
    capabilities: tuple[str, ...]
    on_duty: int
    on_duty_names: tuple[str, ...]
    names_shown: bool


@dataclass(frozen=True, slots=True)
class NetworkPage:
    """The network for authorities and coordinators, with the capabilities' names."""

    units: tuple[NetworkUnit, ...]
    capabilities: tuple[tuple[str, str], ...]


def network(session: Session, telegram_user_id: int, now: datetime) -> NetworkPage:
    """Every unit's readiness now (asked or deployed in an open crisis: deployed, as planning
    counts it), its capabilities and its duty: for coordinators and competent authorities."""
    identity = require_member(session, telegram_user_id)
    if not _sees_network(identity):
        raise NotAuthorised(texts.network_not_allowed())
    units = []
    for unit in current_network(session).units:
        names = rota.view_of(session, identity, unit.id) is rules.RotaView.NAMES
        duty = on_duty(session, unit.id, now)
        units.append(
            NetworkUnit(
                unit.id,
                unit.name,
                unit.country,
                unit.base.lat,
                unit.base.lon,
                unit.status.value,
                tuple(sorted(unit.capabilities)),
                len(duty),
                tuple(d.name for d in duty) if names else (),
                names,
            )
        )
    return NetworkPage(tuple(units), tuple(sorted(capability_names(session).items())))


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One published event on a unit's line of the year."""

    title: str
    kind: str
    start: str
    end: str
    host: str
    participants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CalendarPage:
    """The published calendar as each unit's year: every unit for a coordinator, a
    commander's own units otherwise (what /calendar shows them)."""

    units: tuple[tuple[str, tuple[CalendarEvent, ...]], ...]


def calendar(session: Session, telegram_user_id: int) -> CalendarPage:
    """The year's published events by unit, for coordinators and commanders."""
    identity = require_member(session, telegram_user_id)
    if not _sees_calendar(identity):
        raise NotAuthorised(texts.calendar_not_allowed())
    events = calendar_for(session, identity)
    shown = (
        sorted({u for e in events for u in e.participants})
        if identity.has(Role.COORDINATOR)
        else sorted(identity.units(Role.COMMANDER))
    )
    by_unit = []
    for unit_id in shown:
        mine = tuple(
            CalendarEvent(
                e.title,
                e.kind,
                e.start.isoformat(),
                e.end.isoformat(),
                e.host or "",
                tuple(e.participants),
            )
            for e in sorted(events, key=lambda e: e.start)
            if unit_id in e.participants
        )
        by_unit.append((unit_id, mine))
    return CalendarPage(tuple(by_unit))


# --- replays: the newest initData per user, shared by every process ----------------------


def newest_seen(session: Session, telegram_user_id: int) -> int | None:
    """The ``auth_date`` of the newest ``initData`` accepted for the user, if any."""
    seen = session.get(WebAppSeen, telegram_user_id)
    return seen.auth_date if seen is not None else None


def admit_init_data(session: Session, user: WebAppUser) -> None:
    """Record ``user``'s ``initData`` as the newest of its user, or refuse it (InitDataError)
    when a newer one was seen, by this process or another (the next leader after a failover
    keeps refusing what the last one refused)."""
    seen = session.get(WebAppSeen, user.user_id, with_for_update=True)
    check_not_superseded(user, seen.auth_date if seen is not None else None)
    if seen is None:
        session.add(WebAppSeen(telegram_user_id=user.user_id, auth_date=user.auth_date))
    elif user.auth_date > seen.auth_date:
        seen.auth_date = user.auth_date
        session.add(seen)


def sweep_seen(session: Session, *, older_than: int) -> int:
    """Forget users whose newest ``initData`` (Unix seconds) expired anyway; returns how many."""
    swept = session.execute(delete(WebAppSeen).where(col(WebAppSeen.auth_date) < older_than))
    return int(swept.rowcount or 0)  # type: ignore[attr-defined]
