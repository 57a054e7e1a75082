"""Tables of the registry: capabilities, states, units, members, roles, invites, audit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from atlasbot.storage.models.columns import utc_column as _utc_column


class Role(StrEnum):
    """What a member may do; the scope (country or unit) comes with the role."""

    AUTHORITY = "authority"  # a state's competent authority (country scope)
    COMMANDER = "commander"  # a unit's commander (unit scope)
    DUTY = "duty"  # a unit's duty officer (unit scope)
    COORDINATOR = "coordinator"  # network coordinator (no scope)
    ADMIN = "admin"  # runs the installation (no scope)

    @property
    def described(self) -> str:
        """The role in words, with its article ("a competent authority")."""
        return {
            "authority": "a competent authority",
            "commander": "a unit commander",
            "duty": "a duty officer",
            "coordinator": "a network coordinator",
            "admin": "an administrator",
        }[self.value]

    @property
    def scope(self) -> str:
        """Which scope the role needs: 'country', 'unit' or 'none'."""
        if self is Role.AUTHORITY:
            return "country"
        if self in (Role.COMMANDER, Role.DUTY):
            return "unit"
        return "none"


class CapabilityRow(SQLModel, table=True):
    __tablename__ = "capability"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)


class CountryRow(SQLModel, table=True):
    __tablename__ = "country"

    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=200)
    bound_by_decision: bool
    timezone: str = Field(max_length=64)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    armed_action_abroad: bool = True
    home_reserve: int = 0
    # The state's own escalation timings (Timings field -> seconds); '{}' for rows made before.
    escalation: dict[str, float] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class UnitRow(SQLModel, table=True):
    __tablename__ = "unit"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    country: str = Field(foreign_key="country.code", index=True, max_length=2)
    lat: float
    lon: float
    place: str = Field(default="", max_length=200)
    status: str = Field(max_length=16)
    # While "returning": when the unit is home again (then what it was before it deployed).
    returns_at: datetime | None = _utc_column(nullable=True)
    mobilisation_minutes: int
    transport: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    capabilities: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    escalation: dict[str, float] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class UnitStatusChange(SQLModel, table=True):
    """The history of a unit's readiness: who changed it, when, from what to what."""

    __tablename__ = "unit_status_change"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=64)
    previous: str | None = Field(default=None, max_length=16)
    status: str = Field(max_length=16)
    changed_at: datetime = _utc_column()
    actor: str = Field(max_length=120)
    reason: str = Field(default="", max_length=500)


class Member(SQLModel, table=True):
    """A person enrolled through an invite, known by their Telegram user id."""

    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    # Telegram user ids need up to 52 bits.
    telegram_user_id: int = Field(
        sa_column=Column(BigInteger, unique=True, index=True, nullable=False)
    )
    display_name: str = Field(default="", max_length=200)
    language_code: str = Field(default="en", max_length=16)
    enrolled_at: datetime = _utc_column()
    active: bool = True
    # The member's own time zone (an IANA name); None: the zone of their state.
    timezone: str | None = Field(default=None, max_length=64)
    # The language the member reads (one of i18n.SUPPORTED_LOCALES): their Telegram language at
    # enrolment when supported, else English; changed with /settings language.
    language: str = Field(default="en", max_length=8)


class MemberRole(SQLModel, table=True):
    """One role of a member with its scope; a member may hold several."""

    __tablename__ = "member_role"
    __table_args__ = (UniqueConstraint("member_id", "role", "country", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    role: str = Field(max_length=16)
    country: str | None = Field(default=None, foreign_key="country.code", max_length=2)
    unit_id: str | None = Field(default=None, foreign_key="unit.id", max_length=64)
    granted_at: datetime = _utc_column()
    invite_id: int | None = Field(default=None, foreign_key="invite.id")
    # A revoked role is kept (with who revoked it, when) but grants nothing any more.
    revoked_at: datetime | None = _utc_column(nullable=True)
    revoked_by: str | None = Field(default=None, max_length=120)


class Invite(SQLModel, table=True):
    """A one-time enrolment code; only its SHA-256 hash is kept."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=16)
    country: str | None = Field(default=None, foreign_key="country.code", max_length=2)
    unit_id: str | None = Field(default=None, foreign_key="unit.id", max_length=64)
    created_by: str = Field(max_length=120)
    created_at: datetime = _utc_column()
    expires_at: datetime = _utc_column()
    used_at: datetime | None = _utc_column(nullable=True)
    used_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    # A hand-over: the member_role row this invite's holder takes over (revoked when it is
    # redeemed). No foreign key: member_role already refers to invite, and a cycle of keys
    # would leave no order to create or drop the two tables in.
    replaces_role_id: int | None = None


class AuditEntry(SQLModel, table=True):
    """One line of the append-only, hash-chained audit log."""

    __tablename__ = "audit_entry"

    seq: int = Field(primary_key=True)
    at: datetime = _utc_column()
    actor: str = Field(max_length=120)
    action: str = Field(max_length=80, index=True)
    object: str = Field(max_length=200, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    # HMAC-SHA256 of ``hash`` under ATLASBOT_AUDIT_KEY (kept outside the database); None for
    # entries written while no key was set.
    seal: str | None = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's newest link, in one row: appends lock it, so the chain never forks,
    and removing entries from the end of the log is detected."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
