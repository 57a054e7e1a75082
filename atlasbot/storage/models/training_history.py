"""Joint trainings held (issue 14.5): imported from a history file, or marked as attended
after a published event. Training currency (/readiness) counts these rows; a published event
with no attendance marked counts for the units that did not decline it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from atlasbot.storage.models.columns import utc_column as _utc_column


class HistorySource(StrEnum):
    IMPORT = "import"  # a history file (docs/formats.md §9)
    ATTENDANCE = "attendance"  # marked by a coordinator after a published event


class TrainingHistory(SQLModel, table=True):
    """A unit trained a capability jointly (or, for attendance, was absent) on a day."""

    __tablename__ = "training_history"
    __table_args__ = (UniqueConstraint("event_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", max_length=64, index=True)
    capability: str | None = Field(default=None, max_length=64)
    day: dt.date = Field(index=True)
    title: str = Field(default="", max_length=200)
    source: str = Field(max_length=16)
    # The published event the attendance is about (None for an imported training).
    event_id: int | None = Field(default=None, foreign_key="training_event.id")
    attended: bool = True
    recorded_by: str = Field(max_length=120)  # the audit actor: member:N or cli
    recorded_at: dt.datetime = _utc_column()
