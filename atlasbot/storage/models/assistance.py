"""Tables of the assistance workflow: crises, requests and answers, deployments, boards,
and the opaque tokens behind inline buttons."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from atlasbot.storage.models.columns import utc_column as _utc_column


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
    # The language the requester wrote nature, necessity and commander in (shown as typed,
    # marked with it, to readers of other languages).
    language: str = Field(default="en", max_length=8)
    commander_on_scene: str = Field(default="", max_length=200)
    include_partners: bool = False
    priority: int = 1
    status: str = Field(default=CrisisStatus.PLANNING.value, max_length=16, index=True)
    # Units the requester removed by hand before choosing a plan.
    excluded_units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc_column()
    closed_at: datetime | None = _utc_column(nullable=True)
    version: int = 0


# Where a late answer waits in a request's agreement record (R5, issue 11).
LATE_ANSWER = "late_answer"


REQUEST_SUBJECT = "request:"  # the subject of a request's alert: "request:<id>"


def request_subject(request_id: int | None) -> str:
    """The subject of a request's alert (its copies, its deadline)."""
    return f"{REQUEST_SUBJECT}{request_id}"


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

    def awaits_late_answer(self) -> bool:
        """Recorded "no response" and no late answer given yet: its state may still answer
        (while the crisis is open), and the requester decides whether to take it."""
        return self.status == AnswerStatus.NO_RESPONSE.value and LATE_ANSWER not in self.agreement


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
