"""Chat state that survives a restart: the wizards' drafts (user_data), kept as JSON rows of
the ``chat_state`` table.

bot_data is never stored (it holds the live services), nor chat_data, callback data or
conversations (no form of the bot is a ConversationHandler any more: every one is a wizard
whose draft lives in user_data). Values are JSON, never pickle: loading a row cannot run code,
and a row written by another version is either read as plain data or dropped with a warning.
A dropped wizard draft, and the drafts of the previous version's forms (the /request
conversation's ``draft`` and its step rows, the answer's ``answer`` dict), leave the wizard
mechanism's "gone" mark, so the member's next press or input is told to start again. PTB
hands changed user_data over every ``update_interval`` seconds and once more on shutdown, so
a kill -9 loses at most that much of a draft.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from telegram.ext import BasePersistence, PersistenceInput

from atlasbot.bot.wizard import DRAFT_KEY, GONE_KEY, Draft
from atlasbot.clock import Clock, SystemClock
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import ChatState

log = logging.getLogger(__name__)
T = TypeVar("T")

USER = "user"
# Rows the previous version's persistent conversations (/request) left: dropped at load.
CONVERSATION = "conversation"
TYPE_TAG = "__type__"
# user_data entries of the previous version's forms, dropped at load with the "gone" mark:
# the /request draft (a RequestDraft) and the answer wizard's dict.
RETIRED_DRAFTS = ("draft", "answer")
# Their bookkeeping, dropped without a word.
RETIRED_ENTRIES = ("places", "places_listing", "catalogue", "submitted")


def _tag_of(value: object) -> str | None:
    """The tag a stored dataclass carries: a wizard draft by its class name (every wizard's
    draft subclasses ``Draft``, so a new wizard needs no entry anywhere). A rename or a
    removed field makes the stored drafts of that type undecodable: they are dropped on load."""
    return type(value).__name__ if isinstance(value, Draft) else None


def _class_of(tag: str) -> type[Any] | None:
    """The dataclass a stored tag names (the inverse of ``_tag_of``)."""
    pending: list[type[Draft]] = [Draft]
    while pending:
        cls = pending.pop()
        if cls.__name__ == tag:
            return cls
        pending.extend(cls.__subclasses__())
    return None


_JSON_SCALARS = (str, int, float, bool, type(None))

ConversationKey = tuple[int | str, ...]
DataDict = dict[Any, Any]  # user_data, chat_data and bot_data are plain dicts (ContextTypes)


class UnencodableValue(ValueError):
    """A value the codec does not store (it is left out, the rest is kept)."""


class UndecodableValue(ValueError):
    """A stored value this version cannot rebuild (it is dropped)."""


def encode_value(value: object) -> Any:
    """The JSON form of a value: plain JSON passes through, a known dataclass is tagged.

    Types are matched exactly, so nothing comes back as something else: a tuple, a set, an
    enum or a datetime is refused rather than silently turned into a list or a string.
    """
    if type(value) in _JSON_SCALARS:
        if isinstance(value, float) and not math.isfinite(value):
            raise UnencodableValue(f"{value!r} has no JSON form")
        return value
    if type(value) is list:
        return [encode_value(item) for item in value]
    if type(value) is dict:
        if not all(type(key) is str for key in value):
            raise UnencodableValue("a mapping with keys that are not strings")
        if TYPE_TAG in value:
            raise UnencodableValue(f"a mapping with the reserved key {TYPE_TAG!r}")
        return {key: encode_value(item) for key, item in value.items()}
    tag = _tag_of(value)
    if tag is not None and is_dataclass(value):
        stored = {f.name: encode_value(getattr(value, f.name)) for f in fields(value)}
        return {TYPE_TAG: tag, "fields": stored}
    raise UnencodableValue(f"{type(value).__name__} is not stored")


def decode_value(stored: Any) -> Any:
    """Rebuild a value from its JSON form (the inverse of ``encode_value``)."""
    if isinstance(stored, list):
        return [decode_value(item) for item in stored]
    if not isinstance(stored, dict):
        return stored
    if TYPE_TAG not in stored:
        return {key: decode_value(item) for key, item in stored.items()}
    tag = stored[TYPE_TAG]
    cls = _class_of(tag) if isinstance(tag, str) else None
    values = stored.get("fields")
    if cls is None or not isinstance(values, dict) or set(stored) != {TYPE_TAG, "fields"}:
        raise UndecodableValue(f"unknown tagged value {tag!r}")
    try:
        return cls(**{name: decode_value(item) for name, item in values.items()})
    except TypeError as err:  # a field the dataclass no longer has
        raise UndecodableValue(f"{tag}: {err}") from err


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as err:
        raise UndecodableValue(f"not JSON: {err}") from err


def encode_user_data(data: Mapping[Any, Any], *, owner: str) -> str | None:
    """One member's user_data as JSON text, or None when nothing is left to store.

    A value that cannot be encoded is left out with a warning; the others are kept.
    """
    encoded = {}
    for key, value in data.items():
        try:
            if type(key) is not str:
                raise UnencodableValue(f"the key is a {type(key).__name__}, not a string")
            encoded[key] = encode_value(value)
        except UnencodableValue as err:
            log.warning("user_data[%r] of %s is not stored: %s", key, owner, err)
    return _dumps(encoded) if encoded else None


def decode_user_data(text: str, *, owner: str) -> dict[str, Any]:
    """One member's stored user_data; an entry this version cannot rebuild is dropped with a
    warning (a wizard draft, or a retired form's draft, leaves the "gone" mark). Raises
    UndecodableValue when the row as a whole is not user_data."""
    stored = _loads(text)
    if not isinstance(stored, dict):
        raise UndecodableValue("user_data is not a JSON object")
    data: dict[str, Any] = {}
    for key, value in stored.items():
        if key in RETIRED_DRAFTS or key in RETIRED_ENTRIES:
            log.warning("stored user_data[%r] of %s is dropped: an earlier version's", key, owner)
            if key in RETIRED_DRAFTS:
                data[GONE_KEY] = True
            continue
        try:
            data[key] = decode_value(value)
        except UndecodableValue as err:
            log.warning("stored user_data[%r] of %s is dropped: %s", key, owner, err)
            if key == DRAFT_KEY:
                data[GONE_KEY] = True
    return data


def decode_conversation_key(text: str) -> ConversationKey:
    """The (chat, user) tuple a conversation row of the previous version is stored under."""
    stored = _loads(text)
    if not isinstance(stored, list) or not all(type(part) in (int, str) for part in stored):
        raise UndecodableValue(f"conversation key {text!r} is not a list of ints and strings")
    return tuple(stored)


class DatabasePersistence(BasePersistence[DataDict, DataDict, DataDict]):
    """PTB persistence of user_data and conversations in the bot's own database.

    Every database call runs in a worker thread, one short transaction each. PTB offers every
    member's user_data after each of their updates; a write happens only when its JSON
    differs from what is stored, so a member who merely presses a button costs nothing.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        update_interval: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._engine = engine
        self._clock = clock or SystemClock()
        self._stored_user_data: dict[int, str] = {}  # the JSON each member's row holds
        self._every_user_row_known = False  # True once every stored row is in the dict above

    async def _in_transaction(self, work: Callable[[Session], T]) -> T:
        def in_transaction() -> T:
            with session_scope(self._engine) as session:
                return work(session)

        return await asyncio.to_thread(in_transaction)

    # --- user_data ------------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, DataDict]:
        """Every member's stored user_data; rows this version cannot read are dropped."""
        now = self._clock.now()

        def load(session: Session) -> tuple[dict[int, DataDict], dict[int, str]]:
            loaded: dict[int, DataDict] = {}
            kept: dict[int, str] = {}
            for row in session.exec(select(ChatState).where(ChatState.kind == USER)).all():
                owner = f"user {row.key}"
                try:
                    user_id = int(row.key)
                    data = decode_user_data(row.data, owner=owner)
                except (ValueError, UndecodableValue) as err:
                    log.warning("stored user_data of %s is dropped: %s", owner, err)
                    session.delete(row)
                    continue
                text = encode_user_data(data, owner=owner)
                if text is None:
                    session.delete(row)
                    continue
                # Rows this version wrote come back identical; a difference means an entry
                # was dropped (or another version wrote it): store what is kept.
                if text != row.data:
                    _put(session, row, text, now)
                loaded[user_id] = data
                kept[user_id] = text
            _retire_conversations(session, loaded)
            return loaded, kept

        loaded, kept = await self._in_transaction(load)
        self._stored_user_data = kept
        self._every_user_row_known = True
        return loaded

    async def update_user_data(self, user_id: int, data: DataDict) -> None:
        """Store a member's user_data (delete the row once it is empty)."""
        text = encode_user_data(data, owner=f"user {user_id}")
        if self._is_stored(user_id, text):
            return
        if text is None:
            await self._delete(USER, "", str(user_id))
            self._stored_user_data.pop(user_id, None)
            return
        await self._upsert(USER, "", str(user_id), text)
        self._stored_user_data[user_id] = text

    async def drop_user_data(self, user_id: int) -> None:
        """Forget a member's user_data."""
        await self._delete(USER, "", str(user_id))
        self._stored_user_data.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: DataDict) -> None:
        """Nothing to refresh: this process's memory is the newest copy."""

    def _is_stored(self, user_id: int, text: str | None) -> bool:
        if user_id in self._stored_user_data:
            return self._stored_user_data[user_id] == text
        return text is None and self._every_user_row_known

    # --- what the bot does not store ------------------------------------------------------

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        """Conversations are not stored: no form of the bot is a ConversationHandler."""
        return {}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Conversations are not stored."""

    async def get_chat_data(self) -> dict[int, DataDict]:
        """chat_data is not stored."""
        return {}

    async def get_bot_data(self) -> DataDict:
        """bot_data is not stored: it holds the live services."""
        return {}

    async def get_callback_data(self) -> None:
        """Callback data is not stored (buttons carry opaque tokens kept in their own table)."""

    async def update_chat_data(self, chat_id: int, data: DataDict) -> None:
        """chat_data is not stored."""

    async def update_bot_data(self, data: DataDict) -> None:
        """bot_data is not stored."""

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """chat_data is not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: DataDict) -> None:
        """chat_data is not stored."""

    async def refresh_bot_data(self, bot_data: DataDict) -> None:
        """bot_data is not stored."""

    async def flush(self) -> None:
        """Nothing is buffered here: each change was written when PTB handed it over."""

    # --- rows -----------------------------------------------------------------------------

    async def _upsert(self, kind: str, name: str, key: str, text: str) -> None:
        now = self._clock.now()

        def write(session: Session) -> None:
            row = session.get(ChatState, (kind, name, key))
            if row is None:
                row = ChatState(kind=kind, name=name, key=key, data=text, updated_at=now)
            _put(session, row, text, now)

        await self._in_transaction(write)

    async def _delete(self, kind: str, name: str, key: str) -> None:
        def delete(session: Session) -> None:
            row = session.get(ChatState, (kind, name, key))
            if row is not None:
                session.delete(row)

        await self._in_transaction(delete)


def _retire_conversations(session: Session, loaded: dict[int, DataDict]) -> None:
    """Drop the step rows of the previous version's /request conversation; its member is told
    to start again at their next press or input (the "gone" mark)."""
    for row in session.exec(select(ChatState).where(ChatState.kind == CONVERSATION)).all():
        log.warning("%s conversation %s dropped: from an earlier version", row.name, row.key)
        session.delete(row)
        try:
            user_id = int(decode_conversation_key(row.key)[-1])
        except (ValueError, IndexError, UndecodableValue):
            continue
        loaded.setdefault(user_id, {})[GONE_KEY] = True


def _put(session: Session, row: ChatState, text: str, now: datetime) -> None:
    row.data = text
    row.updated_at = now
    session.add(row)
