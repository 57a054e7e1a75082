"""What a use case returns to be sent: messages with their recipients and the buttons whose
tokens it already issued, in the same transaction as the decision.

No Telegram here: a keyboard is rows of (label, callback data); the bot layer turns it into
Telegram markup (``atlasbot.bot.replies.markup``) and sends it once the transaction that
decided it has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from atlasbot.services import tokens


@dataclass(frozen=True, slots=True)
class Button:
    """A button before its token is issued: label, action and the values it carries."""

    label: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)
    single_use: bool = False


@dataclass(frozen=True, slots=True)
class IssuedButton:
    """A button whose token exists: its label and the callback data naming the token."""

    label: str
    callback_data: str
    web_app_url: str = ""  # set: a Mini App button (no token; the page checks initData)


Keyboard = tuple[tuple[IssuedButton, ...], ...]


@dataclass(frozen=True, slots=True)
class Venue:
    """A place to show as a map pin after a message: a venue when it has a name (Telegram's
    ``sendVenue``), a bare location (``sendLocation``) when it has none."""

    lat: float
    lon: float
    title: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """One message to one chat, decided by a use case; ``purpose`` says what it is for
    (e.g. "board:12"), so the caller can remember where it went; ``venue``, a pin sent right
    after the text (an order's place)."""

    chat_id: int
    text: str
    keyboard: Keyboard = ()
    purpose: str = ""
    venue: Venue | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """One file to one chat (sendDocument), e.g. a report's CSV, with its caption."""

    chat_id: int
    filename: str
    content: bytes
    caption: str = ""
    purpose: str = ""


@dataclass(frozen=True, slots=True)
class ChatMenu:
    """The command menu one private chat should show (its member's roles decide it), in the
    member's language."""

    chat_id: int
    commands: tuple[tuple[str, str], ...]
    language: str = "en"


def issue_keyboard(
    session: Session,
    member_id: int,
    rows: Sequence[Sequence[Button]],
    *,
    now: datetime | None = None,
    lifetime: timedelta = tokens.DEFAULT_TOKEN_LIFETIME,
) -> Keyboard:
    """Issue a token to ``member_id`` for every button, in this transaction."""
    return tuple(
        tuple(
            IssuedButton(
                button.label,
                tokens.issue(
                    session,
                    member_id=member_id,
                    action=button.action,
                    payload=button.payload,
                    single_use=button.single_use,
                    lifetime=lifetime,
                    now=now,
                ),
            )
            for button in row
        )
        for row in rows
        if row
    )
