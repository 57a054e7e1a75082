"""Validation of ``reply_markup`` the way Telegram validates it, with Telegram's error wording."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MarkupError", "is_inline_keyboard", "parse_reply_markup"]


class MarkupError(ValueError):
    """The reply markup is not what Telegram accepts; the message is Telegram's description."""


_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "copy_text",
    "callback_game",
    "pay",
)
_MAX_CALLBACK_DATA_BYTES = 64
_URL_SCHEMES = ("http://", "https://", "tg://")
_WEB_APP_SCHEMES = ("https://", "http://127.0.0.1:", "http://localhost:")


def is_inline_keyboard(markup: dict[str, Any] | None) -> bool:
    """Whether ``markup`` is an inline keyboard (the only kind a Message object echoes)."""
    return markup is not None and "inline_keyboard" in markup


def parse_reply_markup(raw: object, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Decode and validate a ``reply_markup`` parameter (JSON text or already a mapping)."""
    if raw is None or raw == "":
        return None
    markup: object = raw
    if isinstance(raw, str):
        try:
            markup = json.loads(raw)
        except json.JSONDecodeError as error:
            raise MarkupError(
                "Bad Request: can't parse reply keyboard markup JSON object"
            ) from error
    if not isinstance(markup, dict):
        raise MarkupError("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise MarkupError("Bad Request: inline keyboard expected")
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise MarkupError("Bad Request: can't parse reply keyboard markup JSON object")


def _rows(keyboard: object) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise MarkupError("Bad Request: can't parse reply keyboard markup JSON object")
    return keyboard


def _check_inline_keyboard(keyboard: object) -> None:
    for row in _rows(keyboard):
        for button in row:
            if not isinstance(button, dict):
                raise MarkupError(
                    "Bad Request: can't parse inline keyboard button: object expected"
                )
            text = button.get("text")
            if not isinstance(text, str) or not text.strip():
                raise MarkupError("Bad Request: BUTTON_TEXT_INVALID")
            actions = [key for key in _INLINE_ACTIONS if key in button]
            if not actions:
                raise MarkupError("Bad Request: text buttons are unallowed in the inline keyboard")
            if len(actions) > 1:
                raise MarkupError(
                    "Bad Request: can't parse inline keyboard button: "
                    f"exactly one of {', '.join(actions)} must be set"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not (
                    1 <= len(data.encode("utf-8")) <= _MAX_CALLBACK_DATA_BYTES
                ):
                    raise MarkupError("Bad Request: BUTTON_DATA_INVALID")
            if "web_app" in button:
                _check_web_app(button["web_app"])
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not url.startswith(_URL_SCHEMES):
                    raise MarkupError("Bad Request: BUTTON_URL_INVALID")


def _check_web_app(web_app: object) -> None:
    """A Mini App button: an object with an https URL (http only on this machine, as the
    sandbox's own tests serve the Mini App on loopback)."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.startswith(_WEB_APP_SCHEMES):
        raise MarkupError("Bad Request: BUTTON_URL_INVALID")


def _check_reply_keyboard(keyboard: object) -> None:
    for row in _rows(keyboard):
        for button in row:
            if isinstance(button, str):
                text: object = button
            elif isinstance(button, dict):
                text = button.get("text")
            else:
                raise MarkupError("Bad Request: can't parse keyboard button: object expected")
            if not isinstance(text, str) or not text.strip():
                raise MarkupError("Bad Request: keyboard button text must be non-empty")
