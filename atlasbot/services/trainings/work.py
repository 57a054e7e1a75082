"""The unit of work of the training use cases, and the result each of them returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.services import tokens
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import NotAuthorised
from atlasbot.services.outbox import Keyboard, Message
from atlasbot.services.trainings.reminders import ReminderPolicy, ReminderTimer
from atlasbot.storage.models import Role
from atlasbot.texts import training as texts


@dataclass(frozen=True, slots=True)
class Terms:
    """The settings the training use cases read."""

    reminder_days: tuple[int, ...]
    reminder_hour: int
    tz: ZoneInfo
    currency_months: int
    plan_time_limit_s: float

    @property
    def policy(self) -> ReminderPolicy:
        """Where reminders fall: days before, hour, time zone."""
        return ReminderPolicy(self.reminder_days, self.reminder_hour, self.tz)


@dataclass(frozen=True, slots=True)
class Work:
    """One transaction of a use case, the time it happens at, and the settings."""

    session: Session
    now: dt.datetime
    terms: Terms

    @property
    def today(self) -> dt.date:
        """The date in the network's time zone."""
        return self.now.astimezone(self.terms.tz).date()

    def redeem(self, pressed: Pressed) -> tokens.Press:
        """Verify (and for decisions spend) the pressed button's token, in this transaction."""
        return tokens.redeem(
            self.session,
            callback_data=pressed.callback_data,
            telegram_user_id=pressed.telegram_user_id,
            now=self.now,
        )


@dataclass(frozen=True, slots=True)
class Pressed:
    """A button press as the handler saw it: its callback data and who pressed it."""

    callback_data: str
    telegram_user_id: int
    # The pressed message (a digest copy is edited with the others, not replaced).
    message_id: int | None = None


def require_coordinator(identity: Identity) -> None:
    """Planning, publishing and re-planning are for coordinators only."""
    if not identity.has(Role.COORDINATOR):
        raise NotAuthorised(texts.not_coordinator())


class Shown(Enum):
    """How the first reply reaches the member who acted."""

    NEW = "new"  # a new message in their chat
    REPLACE = "replace"  # it replaces the pressed message (its buttons go, unless new ones)
    KEEP_BUTTONS = "keep_buttons"  # it replaces the pressed message's text; its buttons stay


@dataclass(frozen=True, slots=True)
class Document:
    """A file for the member: a picture (shown inline) or a document to save."""

    filename: str
    content: bytes
    photo: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the member who acted: text (a caption with a document), buttons."""

    text: str
    keyboard: Keyboard = ()
    document: Document | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """A message shown earlier (a digest copy) to be edited in place: its new text, buttons."""

    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a use case decided: replies to the member who acted, a short notice on the
    pressed button, messages to others (their tokens issued), and reminder timers to arm."""

    replies: tuple[Reply, ...] = ()
    shown: Shown = Shown.NEW
    notice: str | None = None
    messages: tuple[Message, ...] = ()
    timers: tuple[ReminderTimer, ...] = ()
    edits: tuple[Edit, ...] = ()


def reply(text: str, keyboard: Keyboard = (), *, shown: Shown = Shown.NEW) -> Outcome:
    """An outcome that is one reply to the member."""
    return Outcome(replies=(Reply(text, keyboard),), shown=shown)
