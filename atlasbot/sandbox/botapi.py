"""The Bot API methods the sandbox implements, as plain functions over ``SandboxState``.

Each method takes the decoded parameters and returns the ``result`` Telegram would return,
or raises ``BotApiError`` with Telegram's status and wording. ``getUpdates`` waits, so the
server implements it; everything here answers at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from atlasbot.sandbox.formatting import EntityParseError, plain_text
from atlasbot.sandbox.markup import MarkupError, parse_reply_markup
from atlasbot.sandbox.state import (
    BotApiError,
    BotMessage,
    SandboxState,
    SandboxUser,
    StoredFile,
    Webhook,
)

__all__ = [
    "BOT_API_METHODS",
    "MESSAGE_SENDING_METHODS",
    "Params",
    "Upload",
]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_TEXT_LIMIT = 200
CALLBACK_ANSWER_WINDOW_SECONDS = 15.0
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    content_type: str | None


class Params:
    """Bot API parameters, from form fields (strings, nested objects as JSON) or a JSON body."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = dict(values)

    def raw(self, name: str) -> object:
        """The value as sent, or None."""
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        """An optional string parameter."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, Upload):
            raise BotApiError(400, f"Bad Request: {name} must be a string, not a file")
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str, *, empty_error: str | None = None) -> int:
        """A required integer parameter."""
        value = self.optional_integer(name)
        if value is None:
            raise BotApiError(400, empty_error or f"Bad Request: {name} is empty")
        return value

    def optional_integer(self, name: str) -> int | None:
        """An optional integer parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise BotApiError(400, f"Bad Request: invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError as error:
            raise BotApiError(400, f"Bad Request: invalid {name} specified") from error

    def number(self, name: str) -> float:
        """A required float parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            raise BotApiError(400, f"Bad Request: {name} is empty")
        if isinstance(value, bool):
            raise BotApiError(400, f"Bad Request: invalid {name} specified")
        try:
            return float(value) if isinstance(value, int | float) else float(str(value))
        except ValueError as error:
            raise BotApiError(400, f"Bad Request: invalid {name} specified") from error

    def flag(self, name: str) -> bool:
        """An optional boolean parameter (form fields carry ``true``/``false``)."""
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        return isinstance(value, str) and value.lower() in ("true", "1")

    def structured(self, name: str) -> Any:
        """A nested object: JSON text in a form field, or already decoded from a JSON body."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise BotApiError(400, f"Bad Request: can't parse {name} JSON object") from error
        return value

    def chat_id(self) -> int:
        """``chat_id``: only numeric ids exist in the sandbox; @usernames are never found."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise BotApiError(400, "Bad Request: chat_id is empty")
        try:
            return int(value) if isinstance(value, int) else int(str(value))
        except ValueError as error:
            raise BotApiError(400, "Bad Request: chat not found") from error

    def optional_chat_id(self) -> int | None:
        """``chat_id`` if the call names a numeric one (used to match injected faults)."""
        try:
            return self.chat_id()
        except BotApiError:
            return None


MethodImplementation = Callable[[SandboxState, Params], Any]


# ---- helpers ---------------------------------------------------------------------------
def _reachable_user(state: SandboxState, params: Params) -> SandboxUser:
    user = state.known_user(params.chat_id())
    if user.blocked:
        raise BotApiError(403, "Forbidden: bot was blocked by the user")
    return user


def _formatted(text: str, parse_mode: str | None) -> str:
    try:
        return plain_text(text, parse_mode)
    except EntityParseError as error:
        if str(error).startswith("unsupported parse_mode"):
            raise BotApiError(400, f"Bad Request: {error}") from error
        raise BotApiError(400, f"Bad Request: can't parse entities: {error}") from error


def _markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    try:
        return parse_reply_markup(params.raw("reply_markup"), inline_only=inline_only)
    except MarkupError as error:
        raise BotApiError(400, str(error)) from error


def _caption(params: Params) -> tuple[str | None, str | None]:
    raw_caption = params.text("caption")
    if raw_caption is None:
        return None, None
    caption = _formatted(raw_caption, params.text("parse_mode"))
    if len(caption) > CAPTION_LIMIT:
        raise BotApiError(400, "Bad Request: message caption is too long")
    return raw_caption, caption


def _new_bot_message(state: SandboxState, user: SandboxUser) -> BotMessage:
    return BotMessage(
        message_id=state.next_message_id(user.user_id), chat_id=user.user_id, date=state.now()
    )


def _deliver(state: SandboxState, method: str, message: BotMessage) -> dict[str, Any]:
    state.store_message(message)
    state.record_send(method, message.chat_id, message.message_id)
    return state.message_object(message)


def _file_parameter(state: SandboxState, params: Params, name: str, kind: str) -> StoredFile:
    value = params.raw(name)
    if isinstance(value, str) and value.startswith("attach://"):
        value = params.raw(value.removeprefix("attach://"))
    if isinstance(value, Upload):
        return state.store_file(
            value.content, file_name=value.filename, kind=kind, mime_type=value.content_type
        )
    if isinstance(value, str) and value:
        if value.startswith(("http://", "https://")):
            raise BotApiError(
                400,
                "Bad Request: wrong file identifier/HTTP URL specified "
                "(the sandbox cannot fetch URLs; upload the file instead)",
            )
        stored = state.files.get(value)
        if stored is None:
            raise BotApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored
    raise BotApiError(400, f"Bad Request: there is no {name} in the request")


def _editable_message(state: SandboxState, params: Params) -> BotMessage:
    if params.raw("inline_message_id") is not None:
        raise BotApiError(400, "Bad Request: the sandbox has no inline messages")
    user = _reachable_user(state, params)
    message_id = params.integer("message_id", empty_error="Bad Request: message_id is empty")
    message = state.chat_messages.get(user.user_id, {}).get(message_id)
    if message is None or message.deleted:
        raise BotApiError(400, "Bad Request: message to edit not found")
    if not message.from_bot:
        raise BotApiError(400, "Bad Request: message can't be edited")
    return message


_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def _apply_edit(state: SandboxState, method: str, message: BotMessage) -> dict[str, Any]:
    message.edit_count += 1
    message.edit_date = state.now()
    state.record_send(method, message.chat_id, message.message_id)
    return state.message_object(message)


# ---- the methods -----------------------------------------------------------------------
def get_me(state: SandboxState, params: Params) -> Any:
    """getMe."""
    return state.bot_user


def delete_webhook(state: SandboxState, params: Params) -> Any:
    """deleteWebhook: back to getUpdates; may drop the pending updates."""
    state.webhook = None
    if params.flag("drop_pending_updates"):
        state.drop_pending_updates()
    return True


_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def set_webhook(state: SandboxState, params: Params) -> Any:
    """setWebhook: the server posts each update to ``url`` (https, or http on loopback: the
    sandbox serves 127.0.0.1 and has no certificates) with the secret token header."""
    url = params.text("url") or ""
    if not url:  # Telegram: an empty url removes the webhook
        return delete_webhook(state, params)
    parts = urlsplit(url)
    loopback_http = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
    if not (parts.scheme == "https" or loopback_http) or not parts.hostname:
        raise BotApiError(
            400, "Bad Request: bad webhook: an HTTPS URL must be provided for webhook"
        )
    secret = params.text("secret_token")
    if secret is not None and not _SECRET_TOKEN.match(secret):
        raise BotApiError(400, "Bad Request: secret token contains unallowed characters")
    allowed = params.structured("allowed_updates")
    kinds = frozenset(str(kind) for kind in allowed) if isinstance(allowed, list) else None
    if params.flag("drop_pending_updates"):
        state.drop_pending_updates()
    state.webhook = Webhook(url=url, secret_token=secret, allowed_updates=kinds or None)
    return True


def get_webhook_info(state: SandboxState, params: Params) -> Any:
    """getWebhookInfo: the webhook (an empty url when none) and how many updates wait."""
    if state.webhook is None:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(state.pending_updates),
        }
    return state.webhook.info(len(state.pending_updates))


def accept(state: SandboxState, params: Params) -> Any:
    """Methods the sandbox accepts and has nothing to remember for (close, logOut, ...)."""
    return True


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.structured("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.text("language_code") or ""


def set_my_commands(state: SandboxState, params: Params) -> Any:
    """setMyCommands, validated like Telegram validates it."""
    commands = params.structured("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise BotApiError(400, "Bad Request: can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict):
            raise BotApiError(400, "Bad Request: can't parse BotCommand JSON object")
        if not _COMMAND_NAME.match(str(command.get("command", ""))):
            raise BotApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise BotApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    state.commands[_commands_key(params)] = [
        {"command": command["command"], "description": command["description"]}
        for command in commands
    ]
    return True


def get_my_commands(state: SandboxState, params: Params) -> Any:
    """getMyCommands for a scope and language."""
    return state.commands.get(_commands_key(params), [])


def delete_my_commands(state: SandboxState, params: Params) -> Any:
    """deleteMyCommands for a scope and language."""
    state.commands.pop(_commands_key(params), None)
    return True


def set_chat_menu_button(state: SandboxState, params: Params) -> Any:
    """setChatMenuButton, for one chat or the default."""
    button = params.structured("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in (
        "commands",
        "web_app",
        "default",
    ):
        raise BotApiError(400, "Bad Request: can't parse menu button JSON object")
    state.menu_buttons[params.optional_integer("chat_id")] = button
    return True


def get_chat_menu_button(state: SandboxState, params: Params) -> Any:
    """getChatMenuButton."""
    chat_id = params.optional_integer("chat_id")
    return state.menu_buttons.get(chat_id) or state.menu_buttons.get(None) or {"type": "commands"}


def get_chat(state: SandboxState, params: Params) -> Any:
    """getChat: a ChatFullInfo for a private chat that has talked to the bot."""
    user = state.known_user(params.chat_id())
    chat = user.as_chat()
    chat.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    return chat


def send_message(state: SandboxState, params: Params) -> Any:
    """sendMessage: text (parse_mode validated), limits and reply_markup checked."""
    user = _reachable_user(state, params)
    raw_text = params.text("text")
    if raw_text is None or not raw_text.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    parse_mode = params.text("parse_mode")
    text = _formatted(raw_text, parse_mode)
    if not text.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    if len(text) > TEXT_LIMIT:
        raise BotApiError(400, "Bad Request: message is too long")
    markup = _markup(params)
    message = _new_bot_message(state, user)
    message.text, message.raw_text, message.parse_mode = text, raw_text, parse_mode
    message.reply_markup = markup
    return _deliver(state, "sendMessage", message)


def send_document(state: SandboxState, params: Params) -> Any:
    """sendDocument: an uploaded file (name and bytes kept) or an existing file_id."""
    user = _reachable_user(state, params)
    raw_caption, caption = _caption(params)
    markup = _markup(params)
    stored = _file_parameter(state, params, "document", "document")
    message = _new_bot_message(state, user)
    message.document, message.reply_markup = stored, markup
    message.caption, message.raw_text = caption, raw_caption
    message.parse_mode = params.text("parse_mode")
    return _deliver(state, "sendDocument", message)


def send_photo(state: SandboxState, params: Params) -> Any:
    """sendPhoto: an uploaded picture or an existing file_id."""
    user = _reachable_user(state, params)
    raw_caption, caption = _caption(params)
    markup = _markup(params)
    stored = _file_parameter(state, params, "photo", "photo")
    message = _new_bot_message(state, user)
    message.photo, message.reply_markup = stored, markup
    message.caption, message.raw_text = caption, raw_caption
    message.parse_mode = params.text("parse_mode")
    return _deliver(state, "sendPhoto", message)


def _coordinates(params: Params) -> tuple[float, float]:
    latitude, longitude = params.number("latitude"), params.number("longitude")
    if not -90 <= latitude <= 90:
        raise BotApiError(400, "Bad Request: wrong latitude specified")
    if not -180 <= longitude <= 180:
        raise BotApiError(400, "Bad Request: wrong longitude specified")
    return latitude, longitude


def send_location(state: SandboxState, params: Params) -> Any:
    """sendLocation with coordinates checked."""
    user = _reachable_user(state, params)
    location = _coordinates(params)
    markup = _markup(params)
    message = _new_bot_message(state, user)
    message.location, message.reply_markup = location, markup
    return _deliver(state, "sendLocation", message)


def send_venue(state: SandboxState, params: Params) -> Any:
    """sendVenue: a location with a title and an address (both required, as Telegram has)."""
    user = _reachable_user(state, params)
    location = _coordinates(params)
    title, address = (params.text(name) or "" for name in ("title", "address"))
    if not title.strip() or not address.strip():
        raise BotApiError(400, "Bad Request: venue title or address is empty")
    markup = _markup(params)
    message = _new_bot_message(state, user)
    message.location, message.reply_markup = location, markup
    message.venue = (title, address)
    return _deliver(state, "sendVenue", message)


def send_chat_action(state: SandboxState, params: Params) -> Any:
    """sendChatAction ("typing" and friends)."""
    _reachable_user(state, params)
    if params.text("action") not in _CHAT_ACTIONS:
        raise BotApiError(400, "Bad Request: wrong parameter action in request")
    return True


def edit_message_text(state: SandboxState, params: Params) -> Any:
    """editMessageText; without reply_markup the inline keyboard goes, as in Telegram."""
    message = _editable_message(state, params)
    raw_text = params.text("text")
    if raw_text is None or not raw_text.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    if message.text is None:
        raise BotApiError(400, "Bad Request: there is no text in the message to edit")
    parse_mode = params.text("parse_mode")
    text = _formatted(raw_text, parse_mode)
    if len(text) > TEXT_LIMIT:
        raise BotApiError(400, "Bad Request: message is too long")
    markup = _markup(params, inline_only=True)
    if (raw_text, (parse_mode or "").lower(), markup) == (
        message.raw_text,
        (message.parse_mode or "").lower(),
        message.reply_markup,
    ):
        raise BotApiError(400, _NOT_MODIFIED)
    message.text, message.raw_text, message.parse_mode = text, raw_text, parse_mode
    message.reply_markup = markup
    return _apply_edit(state, "editMessageText", message)


def edit_message_caption(state: SandboxState, params: Params) -> Any:
    """editMessageCaption of a document or photo."""
    message = _editable_message(state, params)
    if message.document is None and message.photo is None:
        raise BotApiError(400, "Bad Request: there is no caption in the message to edit")
    raw_caption, caption = _caption(params)
    markup = _markup(params, inline_only=True)
    if (raw_caption, markup) == (message.raw_text, message.reply_markup):
        raise BotApiError(400, _NOT_MODIFIED)
    message.caption, message.raw_text = caption, raw_caption
    message.parse_mode = params.text("parse_mode")
    message.reply_markup = markup
    return _apply_edit(state, "editMessageCaption", message)


def edit_message_reply_markup(state: SandboxState, params: Params) -> Any:
    """editMessageReplyMarkup; no reply_markup removes the inline keyboard."""
    message = _editable_message(state, params)
    markup = _markup(params, inline_only=True)
    if markup == message.reply_markup:
        raise BotApiError(400, _NOT_MODIFIED)
    message.reply_markup = markup
    return _apply_edit(state, "editMessageReplyMarkup", message)


def delete_message(state: SandboxState, params: Params) -> Any:
    """deleteMessage: the message stays listed, marked deleted."""
    user = state.known_user(params.chat_id())
    message_id = params.integer("message_id")
    message = state.chat_messages.get(user.user_id, {}).get(message_id)
    if message is None or message.deleted:
        raise BotApiError(400, "Bad Request: message to delete not found")
    message.deleted = True
    return True


def answer_callback_query(state: SandboxState, params: Params) -> Any:
    """answerCallbackQuery: once per query, within Telegram's answer window."""
    query_id = params.text("callback_query_id") or ""
    query = state.callback_queries.get(query_id)
    too_old = (
        query is not None
        and state.monotonic_clock() - query.created_at > CALLBACK_ANSWER_WINDOW_SECONDS
    )
    if query is None or query.answered or too_old:
        raise BotApiError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    text = params.text("text")
    if text is not None and len(text) > CALLBACK_ANSWER_TEXT_LIMIT:
        raise BotApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    query.answered = True
    query.answer_text = text
    query.show_alert = params.flag("show_alert")
    return True


def get_file(state: SandboxState, params: Params) -> Any:
    """getFile: where to download a file the bot may read."""
    stored = state.files.get(params.text("file_id") or "")
    if stored is None:
        raise BotApiError(400, "Bad Request: invalid file_id")
    return stored.as_file()


BOT_API_METHODS: dict[str, MethodImplementation] = {
    "getMe": get_me,
    "deleteWebhook": delete_webhook,
    "setWebhook": set_webhook,
    "getWebhookInfo": get_webhook_info,
    "close": accept,
    "logOut": accept,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": accept,
    "setMyShortDescription": accept,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getChat": get_chat,
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendLocation": send_location,
    "sendVenue": send_venue,
    "sendChatAction": send_chat_action,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
}

# The calls Telegram's flood limits count, and the global rate-limit emulation throttles.
MESSAGE_SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendLocation",
        "sendVenue",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)
