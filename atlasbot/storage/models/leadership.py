"""The one row that says which process leads, and since which epoch (issue 13)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from atlasbot.storage.models.columns import utc_column as _utc_column


class Leadership(SQLModel, table=True):
    """The fencing epoch: bumped by every process that becomes leader, read by every guarded
    write in its own transaction (atlasbot/storage/leadership.py). ``holder`` (host:pid) and
    ``acquired_at`` tell people who leads; the lock itself is PostgreSQL's, not this row."""

    __tablename__ = "leadership"

    id: int = Field(default=1, primary_key=True)
    epoch: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    holder: str = Field(default="", max_length=200)
    acquired_at: datetime | None = _utc_column(nullable=True)
