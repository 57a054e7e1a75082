"""The table of chat state that survives a restart (wizard drafts, conversation steps)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from atlasbot.storage.models.columns import utc_column as _utc_column


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
