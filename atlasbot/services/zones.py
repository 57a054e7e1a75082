"""Which time zone a member reads times in: their own choice, else the zone of their state.

The default follows the member's first role: a competent authority reads in its state's zone,
a commander or duty officer in the zone of their unit's state, a coordinator or admin (who
answer for no state) in the installation's zone (ATLASBOT_TIMEZONE), which callers pass in as
``fallback``. A member's own choice (``/settings timezone``) overrides all of that.
"""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from atlasbot.storage.models import CountryRow, Member, MemberRole, UnitRow


def parse_zone(name: str | None) -> ZoneInfo | None:
    """The zone an IANA name names, or None when it names none."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def country_zone(session: Session, country: str | None) -> ZoneInfo | None:
    """The zone of a state as the registry records it."""
    row = session.get(CountryRow, country) if country else None
    return parse_zone(row.timezone) if row else None


def unit_zone(session: Session, unit_id: str | None) -> ZoneInfo | None:
    """The zone of a unit's state."""
    unit = session.get(UnitRow, unit_id) if unit_id else None
    return country_zone(session, unit.country) if unit else None


def default_zone(session: Session, member_id: int, *, fallback: ZoneInfo) -> ZoneInfo:
    """The zone of the member's state (by their first role still held), else ``fallback``."""
    roles = session.exec(
        select(MemberRole)
        .where(MemberRole.member_id == member_id, col(MemberRole.revoked_at).is_(None))
        .order_by(col(MemberRole.id))
    ).all()
    for role in roles:
        zone = country_zone(session, role.country) or unit_zone(session, role.unit_id)
        if zone is not None:
            return zone
    return fallback


def zone_of(session: Session, member_id: int, *, fallback: ZoneInfo) -> ZoneInfo:
    """The zone the member reads times in: their own choice, else their state's."""
    member = session.get(Member, member_id)
    chosen = parse_zone(member.timezone) if member else None
    return chosen or default_zone(session, member_id, fallback=fallback)


def zones_of(
    session: Session, member_ids: Iterable[int], *, fallback: ZoneInfo
) -> dict[int, ZoneInfo]:
    """The zone of each member (for a message composed once per recipient)."""
    return {
        member_id: zone_of(session, member_id, fallback=fallback) for member_id in set(member_ids)
    }
