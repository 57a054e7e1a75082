"""Every word of people management: /members, revoking and handing over a role, the
inviter's notice, and /settings (time zone, language).

Pure: members come in as plain values (ids, names, role values, scopes, times and zones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from atlasbot.i18n import _, ngettext
from atlasbot.texts.people import grant_described
from atlasbot.texts.times import local_date_time, local_time


@dataclass(frozen=True, slots=True)
class MemberLine:
    """One role a member holds, as /members lists it."""

    member_id: int
    name: str
    role: str
    country: str | None
    unit_id: str | None
    granted_at: datetime


def members_list(scope: str, lines: Sequence[MemberLine], zone: ZoneInfo, manageable: int) -> str:
    """/members: who holds which role in the reader's scope."""
    head = ngettext(
        "MEMBERS — {scope} ({count} role held)",
        "MEMBERS — {scope} ({count} roles held)",
        len(lines),
        scope=scope,
    )
    if not lines:
        return f"{head}\n" + _("Nobody holds a role there yet. /invite enrols someone.")
    body = [
        _(
            "#{id} {name} — {role}, since {since}",
            id=line.member_id,
            name=line.name or _("(no name)"),
            role=grant_described(line.role, line.country, line.unit_id),
            since=local_date_time(line.granted_at, zone),
        )
        for line in lines
    ]
    tail = (
        _("The buttons revoke a role (after a confirmation) or hand it over to someone new.")
        if manageable
        else _("You may see these members, but none of their roles is yours to revoke.")
    )
    return "\n".join([head, *body, "", tail])


def scope_everyone() -> str:
    """The scope of an administrator's /members."""
    return _("the whole network")


def scope_state(countries: Sequence[str]) -> str:
    """The scope of a competent authority's /members."""
    return _("{states} and its units", states=", ".join(countries))


def scope_unit(units: Sequence[str]) -> str:
    """The scope of a commander's /members."""
    return _("unit {units}", units=", ".join(units))


def members_refused() -> str:
    """/members from someone who answers for nobody."""
    return _(
        "Only administrators, competent authorities (for their state) and commanders (for "
        "their unit) list members."
    )


def revoke_label(member_id: int, role: str, scope: str | None) -> str:
    """The button that asks to revoke one role."""
    return _("✖ Revoke #{id} {role} {scope}", id=member_id, role=role, scope=scope or "").strip()


def handover_label(member_id: int, role: str) -> str:
    """The button that hands one role over to someone new."""
    return _("⇄ Hand over #{id} {role}", id=member_id, role=role)


def confirm_revoke(name: str, member_id: int, described: str) -> str:
    """The confirmation asked before a revocation (it cannot be undone from here)."""
    return _(
        "Revoke {role} from {name} (#{id})? Their buttons and unfinished forms stop working at "
        "once, and they are told. Only a new invite gives the role back.",
        role=described,
        name=name,
        id=member_id,
    )


def confirm_label() -> str:
    """The button that confirms a revocation."""
    return _("Yes, revoke")


def keep_label() -> str:
    """The button that keeps the role."""
    return _("No, keep it")


def kept() -> str:
    """The revocation was called off."""
    return _("Nothing changed: the role is kept.")


def revoked_done(name: str, member_id: int, described: str) -> str:
    """To whoever revoked a role."""
    return _(
        "Revoked: {name} (#{id}) is no longer {role}.", name=name, id=member_id, role=described
    )


def already_revoked() -> str:
    """A revocation of a role no longer held."""
    return _("That role is no longer held: nothing to revoke.")


def not_yours_to_manage() -> str:
    """A revocation or hand-over the member may not make."""
    return _(
        "That role is not yours to revoke or hand over: an administrator, the state's "
        "competent authority or the unit's commander can."
    )


def not_your_own() -> str:
    """A member may not revoke their own role here."""
    return _("You cannot revoke your own role: ask whoever answers for it.")


def you_were_revoked(described: str, remaining: Sequence[str]) -> str:
    """To the member whose role was revoked."""
    head = _("Your role as {role} was revoked.", role=described)
    if remaining:
        return head + "\n" + _("You keep: {roles}.", roles="; ".join(remaining))
    return (
        head
        + "\n"
        + _(
            "You hold no role any more. Thank you for your service; ask for a new invite code if "
            "this is a mistake."
        )
    )


def you_were_replaced(described: str, successor: str, remaining: Sequence[str]) -> str:
    """To the member whose role was handed over to a successor who just enrolled."""
    head = _("{name} has taken over your role as {role}.", name=successor, role=described)
    return f"{head}\n{you_were_revoked(described, remaining)}"


def handover_code(described: str, holder: str, days: int, code: str, bot_username: str) -> str:
    """The code of a hand-over: the successor enrols with it and the holder steps down then."""
    link = f"https://t.me/{bot_username}?start={code.replace('-', '')}"
    return _(
        "Hand-over code for {role}, valid {days} days:\n{code}\n\n"
        "The successor sends /start {code} to this bot, or opens {link}\n"
        "{holder} keeps the role until then and is told when it passes on.",
        role=described,
        days=days,
        code=code,
        link=link,
        holder=holder,
    )


def invite_used(name: str, described: str, at: datetime, zone: ZoneInfo) -> str:
    """To the inviter: their code was used."""
    return _(
        "Your invite code was used at {time}: {name} is now enrolled as {role}.",
        time=local_time(at, zone),
        name=name,
        role=described,
    )


# --- /settings ----------------------------------------------------------------------------


def settings_shown(zone: str, chosen: bool, language: str, now: datetime, tz: ZoneInfo) -> str:
    """/settings: the member's zone and language, and how to change the zone."""
    origin = _("your choice") if chosen else _("your state's, by default")
    return _(
        "Your settings:\n"
        "• Time zone: {zone} ({origin}) — it is {time} for you now\n"
        "• Language: {language}\n\n"
        "/settings timezone Europe/Lisbon sets your zone; /settings timezone default goes back "
        "to your state's; /settings language fr|de|en changes the language.",
        zone=zone,
        origin=origin,
        time=local_time(now, tz),
        language=language_name(language),
    )


def zone_set(zone: str, now: datetime, tz: ZoneInfo) -> str:
    """A zone chosen."""
    return _(
        "Your time zone is now {zone}: it is {time} for you. Every time the bot shows you is "
        "in this zone.",
        zone=zone,
        time=local_time(now, tz),
    )


def zone_reset(zone: str, now: datetime, tz: ZoneInfo) -> str:
    """The zone back to the state's."""
    return _(
        "Your time zone is your state's again: {zone} (it is {time} for you).",
        zone=zone,
        time=local_time(now, tz),
    )


def zone_unknown(name: str) -> str:
    """A zone that is not an IANA time zone."""
    return _(
        "{name} is not a time zone. Use a name like Europe/Lisbon, Europe/Dublin, "
        "Europe/Helsinki or Europe/Athens (the IANA time zone database).",
        name=repr(name),
    )


def settings_usage() -> str:
    """How /settings is used."""
    return _(
        "Usage: /settings — your time zone and language\n"
        "• /settings timezone Europe/Lisbon — read every time in that zone\n"
        "• /settings timezone default — your state's zone again\n"
        "• /settings language fr — read atlasbot in French (en, fr, de)"
    )


# Each language named in itself, so that a member who picked the wrong one finds theirs.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}


def language_name(locale: str) -> str:
    """'Deutsch (de)': a language in its own words, with its code."""
    return f"{LANGUAGE_NAMES.get(locale, locale)} ({locale})"


def language_set(locale: str) -> str:
    """A language chosen (written in that language)."""
    return _(
        "From now on atlasbot writes to you in {language}. Your command menu follows.",
        language=language_name(locale),
    )


def language_unknown(name: str, supported: Sequence[str]) -> str:
    """A language without a catalog."""
    return _(
        "{name} is not a language atlasbot speaks yet. Choose one of: {languages}.",
        name=repr(name),
        languages=", ".join(language_name(code) for code in supported),
    )


def no_such_role(member_id: int, described: str) -> str:
    """An operator named a role the member does not hold."""
    return _("member #{id} is not {role} (or no longer)", id=member_id, role=described)
