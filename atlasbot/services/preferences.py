"""/settings: the member's own time zone (their state's by default) and their language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.i18n import SUPPORTED_LOCALES, using_locale
from atlasbot.services.enrolment import require_member
from atlasbot.services.errors import InvalidInput
from atlasbot.services.menus import menu_of
from atlasbot.services.outbox import ChatMenu
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
        return texts.settings_shown(zone.key, chosen, member.language, now, zone)
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


@dataclass(frozen=True, slots=True)
class SettingsOutcome:
    """What /settings answers, and for a new language the member's menu in it and the
    language whose menu goes."""

    reply: str
    menus: tuple[ChatMenu, ...] = ()
    dropped_language: str | None = None


def settings_command(
    session: Session,
    telegram_user_id: int,
    args: Sequence[str],
    *,
    now: datetime,
    fallback: ZoneInfo,
) -> SettingsOutcome:
    """/settings [timezone ZONE|default] [language LANG]: show or change one setting."""
    if args and args[0].lower() in ("language", "lang"):
        if len(args) != 2:
            return SettingsOutcome(texts.settings_usage())
        return choose_language(session, telegram_user_id, args[1], now=now)
    return SettingsOutcome(settings(session, telegram_user_id, args, now=now, fallback=fallback))


def choose_language(
    session: Session, telegram_user_id: int, wanted: str, *, now: datetime
) -> SettingsOutcome:
    """/settings language LANG: the member reads atlasbot in LANG from now on (its menu too);
    a language without a catalog is refused, nothing changed."""
    identity = require_member(session, telegram_user_id)
    member = session.get(Member, identity.member_id)
    assert member is not None
    language = wanted.strip().lower().replace("_", "-").split("-", 1)[0]
    if language not in SUPPORTED_LOCALES:
        raise InvalidInput(texts.language_unknown(wanted[:16], SUPPORTED_LOCALES))
    previous, member.language = member.language, language
    session.add(member)
    audit.append(
        session,
        actor=identity.actor,
        action="member.language_set",
        obj=f"member:{identity.member_id}",
        payload={"language": language, "previous": previous},
        at=now,
    )
    session.flush()
    with using_locale(language):
        reply = texts.language_set(language)
    dropped = previous if previous != language else None
    return SettingsOutcome(reply, (menu_of(session, telegram_user_id),), dropped)
