"""People management: who holds which role in a member's scope (/members and ``atlasbot
members list``), revoking a role after a confirmation, and handing a role over.

A hand-over is an invite for the same role and scope that revokes the current holder when the
successor enrols (``joining.enrol``), rather than a revocation now: the unit or state is never
left without someone in the role, and the holder is told when it passes on. A revocation now
is the separate, confirmed "Revoke" button. Who may do either is ``rules.may_manage_role``;
the revocation itself is ``revocation.revoke_role``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from atlasbot import rules
from atlasbot.clock import as_utc
from atlasbot.services import tokens
from atlasbot.services.enrolment import Identity, create_invite, require_member
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.services.outbox import Button, ChatMenu, Keyboard, Message, issue_keyboard
from atlasbot.services.revocation import RoleRevoked, revoke_role
from atlasbot.services.zones import zone_of
from atlasbot.storage.models import Member, MemberRole, Role, UnitRow
from atlasbot.texts import members as texts
from atlasbot.texts.people import grant_described

# Buttons on one /members message: the first roles the reader manages.
MAX_BUTTON_ROWS = 15


@dataclass(frozen=True, slots=True)
class HeldRole:
    """One role an active member holds, with the state its unit belongs to."""

    role_id: int
    member_id: int
    telegram_user_id: int
    name: str
    role: str
    country: str | None
    unit_id: str | None
    unit_country: str | None
    granted_at: datetime

    @property
    def line(self) -> texts.MemberLine:
        """The role as /members lists it."""
        return texts.MemberLine(
            self.member_id, self.name, self.role, self.country, self.unit_id, self.granted_at
        )

    @property
    def described(self) -> str:
        return grant_described(self.role, self.country, self.unit_id)


def held_roles(
    session: Session, *, country: str | None = None, unit_id: str | None = None
) -> list[HeldRole]:
    """Roles held now; ``country`` also takes in the roles of its units."""
    query = (
        select(MemberRole, Member, UnitRow.country)
        .join(Member, col(Member.id) == col(MemberRole.member_id))
        .outerjoin(UnitRow, col(UnitRow.id) == col(MemberRole.unit_id))
        .where(col(MemberRole.revoked_at).is_(None), col(Member.active).is_(True))
    )
    if country is not None:
        query = query.where(or_(MemberRole.country == country, UnitRow.country == country))
    if unit_id is not None:
        query = query.where(MemberRole.unit_id == unit_id)
    rows = session.exec(query.order_by(col(Member.id), col(MemberRole.id))).all()
    return [
        HeldRole(
            role.id,
            member.id,
            member.telegram_user_id,
            member.display_name,
            role.role,
            role.country,
            role.unit_id,
            unit_country,
            as_utc(role.granted_at),
        )
        for role, member, unit_country in rows
        if role.id is not None and member.id is not None
    ]


def manages(identity: Identity, held: HeldRole) -> bool:
    """Whether the member may revoke or hand over this role (OP-PEOPLE)."""
    return rules.may_manage_role(
        is_admin=identity.has(Role.ADMIN),
        authority_of=identity.authority_countries(),
        commands_units=identity.units(Role.COMMANDER),
        role=held.role,
        country=held.country,
        unit_id=held.unit_id,
        unit_country=held.unit_country,
    )


def visible_roles(
    session: Session, identity: Identity, named: str | None
) -> tuple[str, list[HeldRole]]:
    """What /members shows the member: (scope in words, roles), narrowed to ``named``."""
    if identity.has(Role.ADMIN):
        if named and len(named) == 2:
            return named.upper(), held_roles(session, country=named.upper())
        if named:
            return texts.scope_unit([named.lower()]), held_roles(session, unit_id=named.lower())
        return texts.scope_everyone(), held_roles(session)
    countries, units = identity.authority_countries(), identity.units(Role.COMMANDER)
    if not countries and not units:
        raise NotAuthorised(texts.members_refused())
    seen: dict[int, HeldRole] = {}
    for country in countries:
        seen.update({held.role_id: held for held in held_roles(session, country=country)})
    for unit in units:
        seen.update({held.role_id: held for held in held_roles(session, unit_id=unit)})
    visible = sorted(seen.values(), key=lambda held: (held.member_id, held.role_id))
    scope = texts.scope_state(countries) if countries else texts.scope_unit(units)
    if named:
        wanted = named.lower()
        visible = [
            held
            for held in visible
            if wanted
            in (held.unit_id, (held.country or "").lower(), (held.unit_country or "").lower())
        ]
        scope = named
    return scope, visible


def _buttons(identity: Identity, roles: Sequence[HeldRole]) -> list[list[Button]]:
    rows: list[list[Button]] = []
    for held in roles:
        if not manages(identity, held) or len(rows) >= MAX_BUTTON_ROWS:
            continue
        scope = held.country or held.unit_id
        revoke = Button(
            texts.revoke_label(held.member_id, held.role, scope),
            "people.revoke_ask",
            {"role": held.role_id},
        )
        handover = Button(
            texts.handover_label(held.member_id, held.role),
            "people.handover",
            {"role": held.role_id},
            single_use=True,
        )
        # One's own role can be handed over (a successor is found), not revoked here.
        rows.append([handover] if held.member_id == identity.member_id else [revoke, handover])
    return rows


def members_view(
    session: Session,
    telegram_user_id: int,
    named: str | None,
    *,
    now: datetime,
    fallback: ZoneInfo,
) -> Message:
    """/members [SCOPE]: the members of the reader's scope, with buttons for the roles the
    reader manages."""
    identity = require_member(session, telegram_user_id)
    scope, roles = visible_roles(session, identity, named)
    zone = zone_of(session, identity.member_id, fallback=fallback)
    rows = _buttons(identity, roles)
    text = texts.members_list(scope, [held.line for held in roles], zone, len(rows))
    keyboard = issue_keyboard(session, identity.member_id, rows, now=now)
    return Message(telegram_user_id, text, keyboard, purpose="members")


def _held_for(session: Session, identity: Identity, role_id: object) -> HeldRole:
    """The held role a button names, if the presser manages it (checked again at the press)."""
    if not isinstance(role_id, int):
        raise Conflict(tokens.not_valid_any_more())
    row = session.get(MemberRole, role_id)
    found = [held for held in held_roles(session) if held.role_id == role_id] if row else []
    if not found:
        raise Conflict(texts.already_revoked())
    if not manages(identity, found[0]):
        raise NotAuthorised(texts.not_yours_to_manage())
    return found[0]


def revoke_ask(
    session: Session, callback_data: str, telegram_user_id: int, *, now: datetime
) -> tuple[str, Keyboard]:
    """Revoke pressed: the confirmation, with its two buttons (an irreversible step)."""
    press = tokens.redeem(
        session, callback_data=callback_data, telegram_user_id=telegram_user_id, now=now
    )
    held = _held_for(session, press.identity, press.payload.get("role"))
    if held.member_id == press.identity.member_id:
        raise NotAuthorised(texts.not_your_own())
    rows = [
        [
            Button(texts.confirm_label(), "people.revoke", {"role": held.role_id}, True),
            Button(texts.keep_label(), "people.keep", {}, True),
        ]
    ]
    text = texts.confirm_revoke(held.name, held.member_id, held.described)
    return text, issue_keyboard(session, press.identity.member_id, rows, now=now)


def keep(session: Session, callback_data: str, telegram_user_id: int, *, now: datetime) -> str:
    """ "No, keep it" pressed."""
    tokens.redeem(session, callback_data=callback_data, telegram_user_id=telegram_user_id, now=now)
    return texts.kept()


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revocation decided: the reply, the revoked member's notice and menu, and whose
    unfinished forms the running bot drops."""

    reply: str
    messages: tuple[Message, ...]
    menus: tuple[ChatMenu, ...]
    forget_drafts_of: tuple[int, ...]

    @classmethod
    def of(cls, reply: str, revoked: RoleRevoked) -> Revocation:
        return cls(reply, revoked.messages, revoked.menus, (revoked.telegram_user_id,))


def revoke_confirmed(
    session: Session, callback_data: str, telegram_user_id: int, *, now: datetime
) -> Revocation:
    """ "Yes, revoke" pressed: the role is revoked at once (checked again at this press)."""
    press = tokens.redeem(
        session, callback_data=callback_data, telegram_user_id=telegram_user_id, now=now
    )
    held = _held_for(session, press.identity, press.payload.get("role"))
    if held.member_id == press.identity.member_id:
        raise NotAuthorised(texts.not_your_own())
    row = session.get(MemberRole, held.role_id)
    assert row is not None
    revoked = revoke_role(session, row, actor=press.identity.actor, now=now, reason="revoked")
    return Revocation.of(texts.revoked_done(held.name, held.member_id, held.described), revoked)


def handover(
    session: Session,
    callback_data: str,
    telegram_user_id: int,
    *,
    now: datetime,
    ttl: timedelta,
    bot_username: str,
) -> str:
    """Hand over pressed: a code for the successor; the holder steps down when it is used."""
    press = tokens.redeem(
        session, callback_data=callback_data, telegram_user_id=telegram_user_id, now=now
    )
    held = _held_for(session, press.identity, press.payload.get("role"))
    code, _invite = create_invite(
        session,
        role=Role(held.role),
        country=held.country,
        unit_id=held.unit_id,
        created_by=press.identity.actor,
        ttl=ttl,
        now=now,
        replaces_role_id=held.role_id,
    )
    return texts.handover_code(held.described, held.name, ttl.days, code, bot_username)


# --- the command line -------------------------------------------------------------------


def revoke_by_operator(
    session: Session,
    member_id: int,
    role: Role,
    *,
    country: str | None,
    unit_id: str | None,
    actor: str,
    now: datetime,
) -> Revocation:
    """``atlasbot members revoke``: an operator revokes one role of a member."""
    row = session.exec(
        select(MemberRole).where(
            MemberRole.member_id == member_id,
            MemberRole.role == role.value,
            MemberRole.country == country,
            MemberRole.unit_id == unit_id,
            col(MemberRole.revoked_at).is_(None),
        )
    ).first()
    if row is None:
        raise InvalidInput(
            texts.no_such_role(member_id, grant_described(role.value, country, unit_id))
        )
    revoked = revoke_role(session, row, actor=actor, now=now, reason="revoked")
    return Revocation.of(texts.revoked_done(revoked.name, member_id, revoked.described), revoked)
