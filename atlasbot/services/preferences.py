"""/settings: the member's own time zone (their state's by default) and their language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.services.enrolment import require_member
from atlasbot.services.errors import InvalidInput
from atlasbot.services.zones import default_zone, parse_zone, zone_of
from atlasbot.storage import audit
from atlasbot.storage.models import Member
from atlasbot.texts import members as texts


def settings(
    session: Session,
    telegram_user_id: int,
    args: Sequence[str],
    *,
    now: datetime,
    fallback: ZoneInfo,
) -> str:
    """/settings [timezone ZONE|default]: show the member's settings, or change their zone."""
    identity = require_member(session, telegram_user_id)
    member = session.get(Member, identity.member_id)
    assert member is not None
    if not args:
        zone = zone_of(session, identity.member_id, fallback=fallback)
        chosen = parse_zone(member.timezone) is not None
        return texts.settings_shown(zone.key, chosen, member.language_code, now, zone)
    if len(args) != 2 or args[0].lower() not in ("timezone", "tz", "zone"):
        return texts.settings_usage()
    wanted = args[1]
    if wanted.lower() == "default":
        member.timezone = None
        zone = default_zone(session, identity.member_id, fallback=fallback)
        reply = texts.zone_reset(zone.key, now, zone)
    else:
        chosen_zone = parse_zone(wanted)
        if chosen_zone is None:
            raise InvalidInput(texts.zone_unknown(wanted[:64]))
        member.timezone = chosen_zone.key
        zone = chosen_zone
        reply = texts.zone_set(zone.key, now, zone)
    session.add(member)
    audit.append(
        session,
        actor=identity.actor,
        action="member.timezone_set",
        obj=f"member:{identity.member_id}",
        payload={"timezone": member.timezone},
        at=now,
    )
    return reply
