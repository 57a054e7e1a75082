"""The database tables (SQLModel). Every change here needs an Alembic migration beside it.

Times are stored as timezone-aware UTC datetimes. Lists and count mappings of the registry
are JSON columns: they are read whole and never queried inside.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    """The current time in UTC (the only clock read of the storage layer)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


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


class AuditHead(SQLModel, table=True):
    """The chain's newest link, in one row: appends lock it, so the chain never forks,
    and removing entries from the end of the log is detected."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)


# --- the assistance workflow (issue: request, plan, answer, mobilise, close) ------------


class CrisisStatus(StrEnum):
    PLANNING = "planning"  # submitted; the requester is choosing a plan
    OPEN = "open"  # requests sent to other states
    CLOSED = "closed"


class AnswerStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COUNTERED = "countered"  # the requested state proposed something else (R5)
    COUNTER_REJECTED = "counter_rejected"
    NO_RESPONSE = "no_response"
    WITHDRAWN = "withdrawn"  # the crisis closed before an answer

    @property
    def is_open(self) -> bool:
        return self in (AnswerStatus.PENDING, AnswerStatus.COUNTERED)


class DeploymentState(StrEnum):
    ORDERED = "ordered"
    MOBILISING = "mobilising"
    DEPARTED = "departed"
    ON_SCENE = "on_scene"
    RELEASED = "released"


class Crisis(SQLModel, table=True):
    """A request for assistance by one state's competent authority (R1, R3, R4)."""

    __tablename__ = "crisis"

    id: int | None = Field(default=None, primary_key=True)
    requesting_country: str = Field(foreign_key="country.code", max_length=2, index=True)
    requester_member_id: int = Field(foreign_key="member.id")
    crisis_type: str = Field(max_length=32)
    lat: float
    lon: float
    place: str = Field(default="", max_length=200)
    needs: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    assistance: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    nature: str = Field(max_length=1000)
    necessity: str = Field(max_length=1000)
    commander_on_scene: str = Field(default="", max_length=200)
    include_partners: bool = False
    priority: int = 1
    status: str = Field(default=CrisisStatus.PLANNING.value, max_length=16, index=True)
    # Units the requester removed by hand before choosing a plan.
    excluded_units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc_column()
    closed_at: datetime | None = _utc_column(nullable=True)
    version: int = 0


class AssistanceRequest(SQLModel, table=True):
    """What one requested state is asked for, and its answer with the agreement (R2, R5-R9)."""

    __tablename__ = "assistance_request"

    id: int | None = Field(default=None, primary_key=True)
    crisis_id: int = Field(foreign_key="crisis.id", index=True)
    country: str = Field(foreign_key="country.code", max_length=2, index=True)
    units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    provides: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    forms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=AnswerStatus.PENDING.value, max_length=20, index=True)
    sent_at: datetime = _utc_column()
    answered_at: datetime | None = _utc_column(nullable=True)
    answered_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    decline_reason: str = Field(default="", max_length=500)
    # The agreement (or, while countered, the proposal): forms, arms, headcount, costs, contact.
    agreement: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0


class Deployment(SQLModel, table=True):
    """One assisting unit's journey to the crisis, in a supporting role (R7)."""

    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("crisis_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    crisis_id: int = Field(foreign_key="crisis.id", index=True)
    assistance_request_id: int = Field(foreign_key="assistance_request.id")
    unit_id: str = Field(foreign_key="unit.id", max_length=64, index=True)
    state: str = Field(default=DeploymentState.ORDERED.value, max_length=16)
    planned_eta_minutes: int
    eta_at: datetime | None = _utc_column(nullable=True)
    updated_at: datetime = _utc_column()
    version: int = 0


class BoardMessage(SQLModel, table=True):
    """Where a crisis's live board is shown, so it can be edited in place."""

    __tablename__ = "board_message"
    __table_args__ = (UniqueConstraint("crisis_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    crisis_id: int = Field(foreign_key="crisis.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int


class CallbackToken(SQLModel, table=True):
    """The opaque key behind an inline button: what it does, and for whom.

    Callback data from Telegram is never trusted: it only names a token, and the token row
    says which member may press it and what it does. The service then re-checks authority
    against the member's current roles and the current state before acting.
    """

    __tablename__ = "callback_token"

    token: str = Field(primary_key=True, max_length=32)
    member_id: int = Field(foreign_key="member.id", index=True)
    action: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    single_use: bool = True
    created_at: datetime = _utc_column()
    expires_at: datetime = _utc_column()
    used_at: datetime | None = _utc_column(nullable=True)


class ChatState(SQLModel, table=True):
    """A wizard's draft or a conversation's step, kept so that a restart loses neither.

    Written by atlasbot/persistence.py: ``kind`` 'user' holds one member's user_data (``key``
    is the Telegram user id, ``name`` is empty); ``kind`` 'conversation' holds the state of
    one chat in the named conversation (``key`` is the conversation key as a JSON list).
    ``data`` is JSON text, never a pickle, so a row can always be read or dropped safely.
    """

    __tablename__ = "chat_state"

    kind: str = Field(primary_key=True, max_length=16)
    name: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=200)
    data: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _utc_column()


# The joint-training tables live in their own module; importing it registers them.
# On-call alerting (duty rota, alerts, escalation steps, deliveries, drills): its own module.
from atlasbot import models_alerting as _alerting_tables  # noqa: E402, F401
from atlasbot import models_training as _training_tables  # noqa: E402, F401
