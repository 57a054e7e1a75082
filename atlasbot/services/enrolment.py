"""Enrolment by one-time invite code, and who a member is (their roles and scopes)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.i18n import N_, _, best_locale
from atlasbot.services.errors import InvalidInput, NotAuthorised, NotEnrolled
from atlasbot.storage import audit
from atlasbot.storage.models import CountryRow, Invite, Member, MemberRole, Role, UnitRow, utc_now
from atlasbot.texts import people as texts

# Crockford-style alphabet: no 0/O or 1/I/L to misread when a code is read aloud or retyped.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_GROUPS = 3
_CODE_GROUP_LENGTH = 4
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{12}$")


def new_code() -> str:
    """A fresh code like 'K7PQ-M2XD-9TRA' (about 59 bits of randomness)."""
    groups = (
        "".join(secrets.choice(_CODE_ALPHABET) for _letter in range(_CODE_GROUP_LENGTH))
        for _group in range(_CODE_GROUPS)
    )
    return "-".join(groups)


def normalise_code(code: str) -> str:
    """Upper case without separators, so 'k7pq m2xd 9tra' and 'K7PQ-M2XD-9TRA' are the same."""
    return re.sub(r"[\s\-_]", "", code).upper()


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class Grant:
    """One role with its scope."""

    role: Role
    country: str | None = None
    unit_id: str | None = None

    def describe(self) -> str:
        """The role with its scope, as the member reads it."""
        return texts.grant_described(self.role.value, self.country, self.unit_id)


@dataclass(frozen=True, slots=True)
class Identity:
    """An enrolled member as the services see them: every check is made against this."""

    member_id: int
    telegram_user_id: int
    display_name: str
    grants: tuple[Grant, ...]

    @property
    def actor(self) -> str:
        """How the member is named in the audit log."""
        return f"member:{self.member_id}"

    def has(self, role: Role) -> bool:
        return any(g.role is role for g in self.grants)

    def is_authority_of(self, country: str) -> bool:
        return any(g.role is Role.AUTHORITY and g.country == country for g in self.grants)

    def authority_countries(self) -> tuple[str, ...]:
        return tuple(
            sorted({g.country for g in self.grants if g.role is Role.AUTHORITY and g.country})
        )

    def units(self, *roles: Role) -> tuple[str, ...]:
        """Units the member serves in one of these roles (commander and duty when none given)."""
        wanted = roles or (Role.COMMANDER, Role.DUTY)
        return tuple(sorted({g.unit_id for g in self.grants if g.role in wanted and g.unit_id}))

    def commands_unit(self, unit_id: str) -> bool:
        return any(g.role is Role.COMMANDER and g.unit_id == unit_id for g in self.grants)

    def serves_unit(self, unit_id: str) -> bool:
        return unit_id in self.units()


def _validate_scope(
    session: Session, role: Role, country: str | None, unit_id: str | None
) -> None:
    if role.scope == "country":
        if not country or unit_id:
            raise InvalidInput(
                _("the {role} role needs --country (and no --unit)", role=role.value)
            )
        if session.get(CountryRow, country) is None:
            raise InvalidInput(
                _("unknown country {country}: import the network first", country=repr(country))
            )
    elif role.scope == "unit":
        if not unit_id or country:
            raise InvalidInput(
                _("the {role} role needs --unit (and no --country)", role=role.value)
            )
        if session.get(UnitRow, unit_id) is None:
            raise InvalidInput(
                _("unknown unit {unit}: import the network first", unit=repr(unit_id))
            )
    elif country or unit_id:
        raise InvalidInput(
            _("the {role} role takes neither --country nor --unit", role=role.value)
        )


def create_invite(
    session: Session,
    *,
    role: Role,
    country: str | None = None,
    unit_id: str | None = None,
    created_by: str,
    ttl: timedelta = timedelta(days=7),
    now: datetime | None = None,
    replaces_role_id: int | None = None,
) -> tuple[str, Invite]:
    """A new one-time code for a role and scope; the code itself is returned once, never stored.

    ``replaces_role_id`` makes it a hand-over: that role is revoked when the code is used.
    """
    _validate_scope(session, role, country, unit_id)
    if ttl <= timedelta(0):
        raise InvalidInput(_("an invite must be valid for a positive time"))
    moment = now or utc_now()
    code = new_code()
    invite = Invite(
        code_hash=hash_code(code),
        role=role.value,
        country=country,
        unit_id=unit_id,
        created_by=created_by,
        created_at=moment,
        expires_at=moment + ttl,
        replaces_role_id=replaces_role_id,
    )
    session.add(invite)
    session.flush()
    payload: dict[str, object] = {
        "role": role.value,
        "country": country,
        "unit": unit_id,
        "expires_at": invite.expires_at.isoformat(),
    }
    if replaces_role_id is not None:
        payload["replaces_role"] = replaces_role_id
    audit.append(
        session,
        actor=created_by,
        action="invite.create",
        obj=f"invite:{invite.id}",
        payload=payload,
        at=moment,
    )
    return code, invite


def invite_by_member(
    session: Session,
    identity: Identity,
    *,
    role: Role,
    country: str | None = None,
    unit_id: str | None = None,
    ttl: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> tuple[str, Invite]:
    """A member invites someone in chat, within what they answer for.

    Admins may invite anyone; coordinators may invite coordinators; a competent authority
    may invite its own state's authorities and the commanders and duty officers of its units;
    a commander may invite duty officers of their unit.
    """
    unit_country = None
    if unit_id is not None:
        unit = session.get(UnitRow, unit_id)
        unit_country = unit.country if unit else None
    allowed = identity.has(Role.ADMIN)
    if role is Role.COORDINATOR:
        allowed = allowed or identity.has(Role.COORDINATOR)
    elif role is Role.AUTHORITY and country:
        allowed = allowed or identity.is_authority_of(country)
    elif role in (Role.COMMANDER, Role.DUTY) and unit_country:
        allowed = allowed or identity.is_authority_of(unit_country)
        if role is Role.DUTY and unit_id:
            allowed = allowed or identity.commands_unit(unit_id)
    if not allowed:
        raise NotAuthorised(
            _(
                "You cannot invite {role} for that scope: an admin, or the member who answers "
                "for it (the state's competent authority, the unit's commander), can.",
                role=texts.role_described(role.value),
            )
        )
    return create_invite(
        session,
        role=role,
        country=country,
        unit_id=unit_id,
        created_by=identity.actor,
        ttl=ttl,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class EnrolmentOutcome:
    """The result of presenting a code: an identity, or a reason the person may read."""

    identity: Identity | None
    refusal: str | None = None
    newly_granted: Grant | None = None
    invited_by: str = ""  # the inviter as the audit log names them ("member:3", "cli:ops")
    replaces_role_id: int | None = None  # a hand-over: the role its holder gives up now


# Why a code is refused (translated when shown; the audit log keeps the source text).
REFUSALS = {
    "not_valid": N_("That code is not valid. Check it, or ask for a new one."),
    "used": N_("That code has already been used. Each code enrols one person once."),
    "expired": N_("That code has expired. Ask for a new one."),
    "taken_meanwhile": N_("That code has already been used."),
}


def _member_for(
    session: Session, telegram_user_id: int, display_name: str, language_code: str, now: datetime
) -> Member:
    """The member behind a Telegram user, created on their first code."""
    member = session.exec(
        select(Member).where(Member.telegram_user_id == telegram_user_id)
    ).first()
    if member is None:
        member = Member(
            telegram_user_id=telegram_user_id,
            display_name=display_name[:200],
            language_code=language_code[:16] or "en",
            language=best_locale(language_code),
            enrolled_at=now,
        )
        session.add(member)
        session.flush()
    return member


def _grant_once(
    session: Session, member_id: int, grant: Grant, invite_id: int, now: datetime
) -> None:
    """Give the member a role in a scope, unless they hold it already."""
    exists = session.exec(
        select(MemberRole).where(
            MemberRole.member_id == member_id,
            MemberRole.role == grant.role.value,
            MemberRole.country == grant.country,
            MemberRole.unit_id == grant.unit_id,
        )
    ).first()
    if exists is not None and exists.revoked_at is not None:
        # Granted again after a revocation: the same row holds the role again.
        exists.revoked_at, exists.revoked_by = None, None
        exists.granted_at, exists.invite_id = now, invite_id
        session.add(exists)
    elif exists is None:
        session.add(
            MemberRole(
                member_id=member_id,
                role=grant.role.value,
                country=grant.country,
                unit_id=grant.unit_id,
                granted_at=now,
                invite_id=invite_id,
            )
        )


def _refusal_of(invite: Invite | None, now: datetime) -> str | None:
    """Why a presented code is refused (in the source language), or None."""
    if invite is None:
        return REFUSALS["not_valid"]
    if invite.used_at is not None:
        return REFUSALS["used"]
    if as_utc(invite.expires_at) <= now:
        return REFUSALS["expired"]
    return None


def _audit_refusal(
    session: Session,
    telegram_user_id: int,
    invite: Invite | None,
    reason: str | None,
    now: datetime,
) -> None:
    """Refusals are audited too: repeated wrong codes are worth noticing."""
    audit.append(
        session,
        actor=f"telegram:{telegram_user_id}",
        action="enrolment.refused",
        obj=f"invite:{invite.id}" if invite else "invite:unknown",
        payload={"reason": reason},  # in the source language, whoever reads the log
        at=now,
    )


def _invite_of(session: Session, code: str) -> Invite | None:
    """The invite a typed code names (None for a code that cannot be one)."""
    if not _CODE_SHAPE.match(normalise_code(code)):
        return None
    return session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()


def redeem_invite(
    session: Session,
    *,
    code: str,
    telegram_user_id: int,
    display_name: str,
    language_code: str = "en",
    now: datetime | None = None,
) -> EnrolmentOutcome:
    """Bind a Telegram user to the invite's role; a wrong, used or expired code is refused.

    Refusals are audited too (repeated wrong codes are worth noticing) and change nothing else.
    """
    moment = now or utc_now()
    invite = _invite_of(session, code)
    refusal = _refusal_of(invite, moment)
    if refusal is not None or invite is None:
        _audit_refusal(session, telegram_user_id, invite, refusal, moment)
        return EnrolmentOutcome(identity=None, refusal=_(refusal) if refusal else None)

    member = _member_for(session, telegram_user_id, display_name, language_code, moment)
    assert member.id is not None and invite.id is not None
    # Claim the code with a guarded UPDATE: of two simultaneous presentations only one wins.
    claimed = session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=moment, used_by_member_id=member.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return EnrolmentOutcome(identity=None, refusal=_(REFUSALS["taken_meanwhile"]))
    grant = Grant(Role(invite.role), invite.country, invite.unit_id)
    _grant_once(session, member.id, grant, invite.id, moment)
    member.active = True
    session.add(member)
    session.flush()
    audit.append(
        session,
        actor=f"member:{member.id}",
        action="member.enrolled",
        obj=f"member:{member.id}",
        payload={
            "invite": invite.id,
            "role": grant.role.value,
            "country": grant.country,
            "unit": grant.unit_id,
            "telegram_user_id": telegram_user_id,
        },
        at=moment,
    )
    return EnrolmentOutcome(
        identity=identify(session, telegram_user_id),
        newly_granted=grant,
        invited_by=invite.created_by,
        replaces_role_id=invite.replaces_role_id,
    )


def identify(session: Session, telegram_user_id: int) -> Identity | None:
    """The enrolled, active member behind a Telegram user id, or None."""
    member = session.exec(
        select(Member).where(Member.telegram_user_id == telegram_user_id)
    ).first()
    if member is None or not member.active or member.id is None:
        return None
    roles = session.exec(
        select(MemberRole)
        .where(MemberRole.member_id == member.id, col(MemberRole.revoked_at).is_(None))
        .order_by(col(MemberRole.id))
    ).all()
    return Identity(
        member_id=member.id,
        telegram_user_id=member.telegram_user_id,
        display_name=member.display_name,
        grants=tuple(Grant(Role(r.role), r.country, r.unit_id) for r in roles),
    )


def require_member(session: Session, telegram_user_id: int) -> Identity:
    """The member behind a Telegram user, or NotEnrolled."""
    identity = identify(session, telegram_user_id)
    if identity is None:
        raise NotEnrolled(texts.not_enrolled())
    return identity


def members_with(
    session: Session, role: Role, *, country: str | None = None, unit_id: str | None = None
) -> list[tuple[int, int]]:
    """(member id, Telegram user id) of the active members holding a role in a scope."""
    query = (
        select(Member.id, Member.telegram_user_id)
        .join(MemberRole, col(MemberRole.member_id) == col(Member.id))
        .where(
            MemberRole.role == role.value,
            col(MemberRole.revoked_at).is_(None),
            col(Member.active).is_(True),
        )
    )
    if country is not None:
        query = query.where(MemberRole.country == country)
    if unit_id is not None:
        query = query.where(MemberRole.unit_id == unit_id)
    rows = session.exec(query.order_by(col(Member.id))).all()
    return sorted({(int(member_id), int(user_id)) for member_id, user_id in rows if member_id})
