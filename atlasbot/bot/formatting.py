"""Every message in Telegram's HTML parse mode, with every plain text escaped.

Texts are plain ``str`` everywhere in atlasbot, and much of what they carry was typed by a
member (the nature of a crisis, a decline reason, a contact, a name). ``HtmlBot`` sends each
text and caption with ``parse_mode="HTML"``: a plain ``str`` is escaped first (``<``, ``>``
and ``&`` become entities, so "<b>&" reads as typed and never breaks a message), while a
``markupsafe.Markup`` passes through as the markup a text module built on purpose (with
``Markup.format`` escaping every value it inserts). A call that names its own parse mode is
left as it is.
"""

from __future__ import annotations

import html
from typing import Any

from markupsafe import Markup
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.constants import ParseMode
from telegram.ext import ExtBot

__all__ = ["HtmlBot", "as_html"]

# The Bot API methods that take a text or caption with a parse mode, and that field's name.
_FORMATTED_FIELDS: dict[str, str] = {
    "sendMessage": "text",
    "editMessageText": "text",
    "sendDocument": "caption",
    "sendPhoto": "caption",
    "sendVideo": "caption",
    "sendAudio": "caption",
    "sendVoice": "caption",
    "sendAnimation": "caption",
    "editMessageCaption": "caption",
    "copyMessage": "caption",
}


def as_html(text: str) -> str:
    """``text`` as Telegram HTML: a ``Markup`` as it is, any other ``str`` escaped."""
    if isinstance(text, Markup):
        return str(text)
    return html.escape(text, quote=False)


def format_for_html(endpoint: str, data: JSONDict) -> None:
    """Escape the text of one Bot API call in place and ask for HTML, unless the caller
    named a parse mode of its own."""
    field = _FORMATTED_FIELDS.get(endpoint)
    if field is None or not isinstance(data.get(field), str):
        return
    if isinstance(data.get("parse_mode"), str):
        return
    data[field] = as_html(data[field])
    data["parse_mode"] = ParseMode.HTML.value


class HtmlBot(ExtBot[int]):
    """The application's bot: every text and caption goes out as escaped HTML."""

    async def _post(
        self,
        endpoint: str,
        data: JSONDict | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> Any:
        if data is not None:
            format_for_html(endpoint, data)
        return await super()._post(
            endpoint,
            data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
