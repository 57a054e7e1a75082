"""Tables of the joint-training side (RULES R11): plans, published events, answers, reminders
and meeting polls.

A plan keeps the events file as uploaded (``source_text``) and the current, validated events
mapping (``events``), which the wizard, the readiness proposal and re-plans change. Published
events are rows of their own, so invitations, answers and reminders refer to something that
stays put while a plan is re-solved.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from atlasbot.storage.models.columns import utc_column as _utc_column


class PlanStatus(StrEnum):
    DRAFT = "draft"  # being built by a coordinator; nobody else sees it
    PUBLISHED = "published"  # its events are in members' calendars
    DISCARDED = "discarded"
    # An uploaded file waiting for its coordinator to say it replaces their draft.
    PENDING = "pending"


class TrainingEventStatus(StrEnum):
    PUBLISHED = "published"
    CANCELLED = "cancelled"  # a re-plan could no longer place it


class RsvpAnswer(StrEnum):
    ATTEND = "attend"
    DECLINE = "decline"  # "can't attend"
    TENTATIVE = "tentative"


class TrainingReminderState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"


class PollStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"


class TrainingPlan(SQLModel, table=True):
    """A coordinator's calendar: the events to place, the last solved schedule, a re-plan."""

    __tablename__ = "training_plan"

    id: int | None = Field(default=None, primary_key=True)
    coordinator_member_id: int = Field(foreign_key="member.id", index=True)
    status: str = Field(default=PlanStatus.DRAFT.value, max_length=16, index=True)
    source_name: str = Field(default="", max_length=200)
    source_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The validated events file (docs/formats.md §7) as a mapping; dates as YYYY-MM-DD text.
    events: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The last schedule solved for the draft (docs/formats.md §8 plus each event's kind and title).
    schedule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # A re-plan waiting for the coordinator: schedule, revised events, changes, base version.
    proposal: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: dt.datetime = _utc_column()
    updated_at: dt.datetime = _utc_column()
    published_at: dt.datetime | None = _utc_column(nullable=True)
    version: int = 0


class TrainingEvent(SQLModel, table=True):
    """One published event: its dates, host (None when virtual) and participating units."""

    __tablename__ = "training_event"
    __table_args__ = (UniqueConstraint("plan_id", "event_key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="training_plan.id", index=True)
    event_key: str = Field(max_length=100)  # the events file's id
    kind: str = Field(max_length=16)
    title: str = Field(max_length=200)
    capability: str | None = Field(default=None, max_length=64)
    start: dt.date = Field(index=True)
    end: dt.date
    host: str | None = Field(default=None, max_length=64)
    participants: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    travel_km: int = 0
    status: str = Field(default=TrainingEventStatus.PUBLISHED.value, max_length=16, index=True)
    # Bumped on every move, so calendar clients accept the newer .ics (SEQUENCE).
    revision: int = 0
    published_at: dt.datetime = _utc_column()
    # Units whose part in the event ended (declined and dropped, or removed by a re-plan):
    # their calendars get the event as cancelled.
    dropped: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class TrainingRsvp(SQLModel, table=True):
    """A unit's answer to an invitation, given by its commander (one per unit and event)."""

    __tablename__ = "training_rsvp"
    __table_args__ = (UniqueConstraint("event_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="training_event.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", max_length=64)
    answer: str = Field(max_length=16)
    member_id: int = Field(foreign_key="member.id")
    answered_at: dt.datetime = _utc_column()
    # Why a unit can't attend (the reason wizard's answer); None for other answers.
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class TrainingDigestMessage(SQLModel, table=True):
    """Where one digest of a plan was shown: a unit's calendar in one member's chat, so every
    copy can be edited when an answer or the calendar changes."""

    __tablename__ = "training_digest_message"
    __table_args__ = (UniqueConstraint("plan_id", "unit_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="training_plan.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", max_length=64, index=True)
    member_id: int = Field(foreign_key="member.id")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    may_answer: bool = False
    shown_at: dt.datetime = _utc_column()


class TrainingUnitPreference(SQLModel, table=True):
    """A unit's own choices for the training calendar (set by its commander)."""

    __tablename__ = "training_unit_preference"

    unit_id: str = Field(foreign_key="unit.id", max_length=64, primary_key=True)
    duty_copies: bool = False  # duty officers get a copy of the digest and its changes
    member_id: int = Field(foreign_key="member.id")
    updated_at: dt.datetime = _utc_column()


class TrainingReminder(SQLModel, table=True):
    """A reminder due some days before an event; the row, not a timer, is the truth."""

    __tablename__ = "training_reminder"
    __table_args__ = (UniqueConstraint("event_id", "days_before"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="training_event.id", index=True)
    days_before: int
    due_at: dt.datetime = _utc_column(index=True)
    state: str = Field(default=TrainingReminderState.PENDING.value, max_length=16, index=True)
    sent_at: dt.datetime | None = _utc_column(nullable=True)
    # Bumped when the due time changes: a timer armed for an older version drops itself.
    version: int = 0


class MeetingPoll(SQLModel, table=True):
    """A vote among participating units on the three best dates for a meeting."""

    __tablename__ = "meeting_poll"

    id: int | None = Field(default=None, primary_key=True)
    coordinator_member_id: int = Field(foreign_key="member.id", index=True)
    title: str = Field(max_length=200)
    participants: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    virtual: bool = True
    window_start: dt.date
    window_end: dt.date
    # [{"start", "end", "host", "conflicts", "travel_km"}], best first.
    options: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    status: str = Field(default=PollStatus.OPEN.value, max_length=16)
    confirmed_option: int | None = None
    event_id: int | None = Field(default=None, foreign_key="training_event.id")
    created_at: dt.datetime = _utc_column()


class MeetingVote(SQLModel, table=True):
    """A unit's preferred date in a poll (its commander may change it while the poll is open)."""

    __tablename__ = "meeting_vote"
    __table_args__ = (UniqueConstraint("poll_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="meeting_poll.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", max_length=64)
    option: int  # -1 (training.meetings.NONE_SUITS): none of the dates suits, with a reason
    member_id: int = Field(foreign_key="member.id")
    voted_at: dt.datetime = _utc_column()
    reason: str | None = Field(default=None, max_length=200)
