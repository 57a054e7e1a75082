"""The newest Mini App ``initData`` seen per Telegram user (issue 16): kept in the database so
that every process, and the next leader after a failover, refuses an older one replayed."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class WebAppSeen(SQLModel, table=True):
    """One row per user who opened the Mini App recently: the ``auth_date`` (Unix seconds) of
    the newest ``initData`` accepted; rows older than the accepted age are swept daily."""

    __tablename__ = "webapp_seen"

    telegram_user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    auth_date: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
