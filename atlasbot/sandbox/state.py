"""The sandbox's in-memory world: users, chats, the bot's messages, files and pending updates.

Nothing here does I/O or waits; the HTTP server (``server.py``) and the Bot API methods
(``botapi.py``) read and change this state. Clocks are injected so tests can steer them.
"""

from __future__ import annotations

import itertools
import mimetypes
import struct
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BotApiError",
    "BotMessage",
    "CallbackQueryRecord",
    "ControlError",
    "SandboxState",
    "SandboxUser",
    "StoredFile",
    "Webhook",
]


class BotApiError(Exception):
    """A Bot API call fails the way Telegram would fail it (status code and description)."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class ControlError(Exception):
    """A control API call is wrong (bad field, unknown message); ``status`` is the HTTP code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class SandboxUser:
    """A person talking to the bot; their private chat has ``chat_id == user_id``."""

    user_id: int
    first_name: str
    language_code: str | None = None
    last_name: str | None = None
    username: str | None = None
    blocked: bool = False

    def as_user(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object of the private chat with this user."""
        chat: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class StoredFile:
    """A file the bot uploaded or a user sent; downloadable through ``getFile``."""

    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    content: bytes
    width: int = 0
    height: int = 0

    def as_document(self) -> dict[str, Any]:
        """The Bot API ``Document`` object."""
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document

    def as_photo_sizes(self) -> list[dict[str, Any]]:
        """The Bot API ``PhotoSize`` list (the sandbox keeps one size, the original)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": len(self.content),
            }
        ]

    def as_file(self) -> dict[str, Any]:
        """The Bot API ``File`` object (``file_path`` relative, as Telegram returns it)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class BotMessage:
    """A message in a private chat, sent by the bot (``from_bot``) or by the user."""

    message_id: int
    chat_id: int
    date: int
    from_bot: bool = True
    text: str | None = None
    raw_text: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    location: tuple[float, float] | None = None
    venue: tuple[str, str] | None = None  # (title, address) of a sendVenue
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False

    def listing(self) -> dict[str, Any]:
        """The control API's view of the message (``GET /sandbox/messages``)."""
        return {
            "message_id": self.message_id,
            "date": self.date,
            "text": self.text,
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "caption": self.caption,
            "reply_markup": self.reply_markup,
            "document": None if self.document is None else self.document.file_name,
            "photo": self.photo is not None,
            "location": (
                None
                if self.location is None
                else {"lat": self.location[0], "lon": self.location[1]}
            ),
            "venue": (
                None if self.venue is None else {"title": self.venue[0], "address": self.venue[1]}
            ),
            "edited": self.edit_count > 0,
            "edit_count": self.edit_count,
            "deleted": self.deleted,
        }


@dataclass
class CallbackQueryRecord:
    """A button press sent to the bot, and how the bot answered it."""

    query_id: str
    chat_id: int
    message_id: int
    data: str
    matched: bool
    created_at: float
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False

    def listing(self) -> dict[str, Any]:
        """The control API's view of the press and its answer."""
        return {
            "callback_query_id": self.query_id,
            "message_id": self.message_id,
            "data": self.data,
            "matched": self.matched,
            "answered": self.answered,
            "text": self.answer_text,
            "show_alert": self.show_alert,
        }


def _png_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG (the charts the bot sends); (0, 0) for anything else."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return 0, 0


@dataclass
class Webhook:
    """A webhook set by ``setWebhook``: the server posts each update here, not getUpdates."""

    url: str
    secret_token: str | None = None
    allowed_updates: frozenset[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0

    def info(self, pending: int) -> dict[str, Any]:
        """The Bot API ``WebhookInfo`` object."""
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
            "max_connections": 1,
        }
        if self.allowed_updates is not None:
            info["allowed_updates"] = sorted(self.allowed_updates)
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message or ""
        return info


@dataclass
class SandboxState:
    """Everything the sandbox remembers between requests."""

    bot_user: dict[str, Any]
    wall_clock: Callable[[], float] = time.time
    monotonic_clock: Callable[[], float] = time.monotonic
    users: dict[int, SandboxUser] = field(default_factory=dict)
    chat_messages: dict[int, dict[int, BotMessage]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    files_by_path: dict[str, StoredFile] = field(default_factory=dict)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    callback_queries: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    call_counts: Counter[str] = field(default_factory=Counter)
    error_counts: Counter[str] = field(default_factory=Counter)
    sends: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    webhook: Webhook | None = None
    updates_created: int = 0
    # How many times getUpdates returned each update (a kill test waits for the first).
    fetch_counts: Counter[int] = field(default_factory=Counter)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _file_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _query_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_message_id: dict[int, int] = field(default_factory=dict)

    # ---- users and chats -------------------------------------------------------------
    def remember_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SandboxUser:
        """Create or update the user; later calls only overwrite the fields they give."""
        user = self.users.get(user_id)
        if user is None:
            user = SandboxUser(user_id=user_id, first_name=first_name or f"User {user_id}")
            self.users[user_id] = user
        elif first_name:
            user.first_name = first_name
        if language_code:
            user.language_code = language_code
        if last_name:
            user.last_name = last_name
        if username:
            user.username = username
        return user

    def known_user(self, chat_id: int) -> SandboxUser:
        """The user of a private chat that has talked to the bot, else Telegram's 400."""
        user = self.users.get(chat_id)
        if user is None:
            raise BotApiError(400, "Bad Request: chat not found")
        return user

    def next_message_id(self, chat_id: int) -> int:
        """Message ids rise per chat, shared by the user's and the bot's messages."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def store_message(self, message: BotMessage) -> BotMessage:
        """Keep a message so it can be listed, edited, deleted or pressed."""
        self.chat_messages.setdefault(message.chat_id, {})[message.message_id] = message
        return message

    def bot_messages(self, chat_id: int, after: int = 0) -> list[BotMessage]:
        """The bot's messages in a chat with ``message_id > after``, oldest first."""
        messages = self.chat_messages.get(chat_id, {})
        return [
            message
            for message_id, message in sorted(messages.items())
            if message.from_bot and message_id > after
        ]

    def now(self) -> int:
        """Unix time in whole seconds, as Telegram dates are."""
        return int(self.wall_clock())

    def message_object(self, message: BotMessage) -> dict[str, Any]:
        """The Bot API ``Message`` object of a stored message."""
        user = self.users[message.chat_id]
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user if message.from_bot else user.as_user(),
            "chat": user.as_chat(),
            "date": message.date,
        }
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        if message.text is not None:
            body["text"] = message.text
        if message.caption is not None:
            body["caption"] = message.caption
        if message.document is not None:
            body["document"] = message.document.as_document()
        if message.photo is not None:
            body["photo"] = message.photo.as_photo_sizes()
        if message.location is not None:
            body["location"] = {"latitude": message.location[0], "longitude": message.location[1]}
        if message.venue is not None and message.location is not None:
            body["venue"] = {
                "location": body["location"],
                "title": message.venue[0],
                "address": message.venue[1],
            }
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            # Telegram echoes only inline keyboards in a Message object.
            body["reply_markup"] = message.reply_markup
        return body

    # ---- files -----------------------------------------------------------------------
    def store_file(
        self, content: bytes, *, file_name: str | None, kind: str, mime_type: str | None = None
    ) -> StoredFile:
        """Keep an uploaded file under a fresh file_id and a download path."""
        number = next(self._file_numbers)
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif kind == "photo":
            extension = ".jpg"
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        width, height = _png_size(content) if kind == "photo" else (0, 0)
        stored = StoredFile(
            file_id=f"sandbox-{kind}-{number}",
            file_unique_id=f"sandbox-unique-{number}",
            file_path=f"{kind}s/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            content=content,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # ---- updates ---------------------------------------------------------------------
    def add_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        update_id = next(self._update_ids)
        self.pending_updates.append({"update_id": update_id, kind: payload})
        self.updates_created += 1
        return update_id

    def confirm_updates(self, offset: int) -> None:
        """getUpdates' ``offset``: every update with a lower id is confirmed and forgotten."""
        if offset < 0:
            # A negative offset keeps only the last -offset updates (Telegram's rule).
            self.pending_updates = self.pending_updates[offset:]
            return
        self.pending_updates = [
            update for update in self.pending_updates if update["update_id"] >= offset
        ]

    def drop_pending_updates(self) -> None:
        """deleteWebhook(drop_pending_updates=True)."""
        self.pending_updates.clear()

    # ---- user actions (the control API) ----------------------------------------------
    def _user_message(self, user: SandboxUser) -> BotMessage:
        return self.store_message(
            BotMessage(
                message_id=self.next_message_id(user.user_id),
                chat_id=user.user_id,
                date=self.now(),
                from_bot=False,
            )
        )

    def user_sends_text(
        self, user: SandboxUser, text: str, reply_to_message_id: int | None = None
    ) -> int:
        """The user types ``text``; a leading /command gets a bot_command entity."""
        message = self._user_message(user)
        message.text = text
        body = self.message_object(message)
        command_length = _command_length(text)
        if command_length:
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": command_length}]
        if reply_to_message_id is not None:
            replied = self.chat_messages.get(user.user_id, {}).get(reply_to_message_id)
            if replied is None or replied.deleted:
                raise ControlError(
                    404,
                    f"reply_to_message_id: no message {reply_to_message_id} "
                    f"in chat {user.user_id}",
                )
            body["reply_to_message"] = self.message_object(replied)
        return self.add_update("message", body)

    def user_sends_location(self, user: SandboxUser, lat: float, lon: float) -> int:
        """The user shares a location (e.g. through a request_location button)."""
        message = self._user_message(user)
        message.location = (lat, lon)
        return self.add_update("message", self.message_object(message))

    def user_sends_document(
        self, user: SandboxUser, file_name: str, content: bytes, caption: str | None
    ) -> int:
        """The user sends a file; the bot can getFile and download it."""
        message = self._user_message(user)
        message.document = self.store_file(content, file_name=file_name, kind="document")
        message.caption = caption
        return self.add_update("message", self.message_object(message))

    def user_presses(self, user: SandboxUser, message_id: int, data: str) -> tuple[int, bool]:
        """The user presses a button of a bot message; returns (update_id, matched a button)."""
        message = self.chat_messages.get(user.user_id, {}).get(message_id)
        if message is None or not message.from_bot or message.deleted:
            raise ControlError(
                404, f"message_id: the bot has no message {message_id} in chat {user.user_id}"
            )
        matched = data in _callback_data_of(message.reply_markup)
        query_id = str(7_000_000_000 + next(self._query_numbers))
        self.callback_queries[query_id] = CallbackQueryRecord(
            query_id=query_id,
            chat_id=user.user_id,
            message_id=message_id,
            data=data,
            matched=matched,
            created_at=self.monotonic_clock(),
        )
        update_id = self.add_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.as_user(),
                "message": self.message_object(message),
                "chat_instance": str(user.user_id * 31 + 17),
                "data": data,
            },
        )
        return update_id, matched

    def set_blocked(self, user: SandboxUser, blocked: bool) -> int | None:
        """Block or unblock the bot; a change sends Telegram's my_chat_member update."""
        if user.blocked == blocked:
            return None
        user.blocked = blocked
        old_status, new_status = ("member", "kicked") if blocked else ("kicked", "member")
        old_member: dict[str, Any] = {"status": old_status, "user": self.bot_user}
        new_member: dict[str, Any] = {"status": new_status, "user": self.bot_user}
        if blocked:
            new_member["until_date"] = 0
        else:
            old_member["until_date"] = 0
        return self.add_update(
            "my_chat_member",
            {
                "chat": user.as_chat(),
                "from": user.as_user(),
                "date": self.now(),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    # ---- statistics ------------------------------------------------------------------
    def record_send(self, method: str, chat_id: int, message_id: int | None) -> None:
        """Remember when the bot delivered something to a chat (benchmarks read this)."""
        self.sends.setdefault(chat_id, []).append(
            {"method": method, "message_id": message_id, "at": self.wall_clock()}
        )

    def stats(self) -> dict[str, Any]:
        """Counts of Bot API calls and errors, and each chat's deliveries with timestamps."""
        return {
            "calls": dict(self.call_counts),
            "errors": dict(self.error_counts),
            "sends": {str(chat_id): list(sends) for chat_id, sends in self.sends.items()},
            "updates_created": self.updates_created,
            "updates_pending": len(self.pending_updates),
            "updates_fetched": len(self.fetch_counts),
            "webhook_deliveries": self.webhook.delivered if self.webhook else 0,
        }

    def reset_stats(self) -> None:
        """Forget the counters and delivery times (e.g. between benchmark rounds)."""
        self.call_counts.clear()
        self.error_counts.clear()
        self.sends.clear()


def _command_length(text: str) -> int:
    """Length of a leading ``/command`` or ``/command@bot``, or 0 when the text has none."""
    if not text.startswith("/"):
        return 0
    end = 1
    while end < len(text) and (text[end].isalnum() or text[end] in "_@"):
        end += 1
    return end if end > 1 else 0


def _callback_data_of(markup: dict[str, Any] | None) -> set[str]:
    if markup is None or "inline_keyboard" not in markup:
        return set()
    return {
        button["callback_data"]
        for row in markup["inline_keyboard"]
        for button in row
        if "callback_data" in button
    }
