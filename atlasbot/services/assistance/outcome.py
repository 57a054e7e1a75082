"""What a decision on the crisis path returns: the reply to the member who acted, the messages
to others (tokens already issued), and what the bot does next once they are sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from atlasbot.services import tokens
from atlasbot.services.outbox import Keyboard, Message


@dataclass(frozen=True, slots=True)
class PressInput:
    """Who pressed which button: the plain values a use case redeems in its transaction."""

    data: str
    telegram_user_id: int
    chat_id: int  # where the press came from: where plans asked for are shown
    now: datetime

    def redeem(self, session: Session) -> tokens.Press:
        """Verify the press's token and (for a decision) spend it."""
        return tokens.redeem(
            session,
            callback_data=self.data,
            telegram_user_id=self.telegram_user_id,
            now=self.now,
        )


@dataclass(frozen=True, slots=True)
class PlanTarget:
    """Plans to show: to which chat, issued to which member, for which crisis."""

    chat_id: int
    member_id: int
    crisis_id: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decision's result: ``reply`` (with ``keyboard``) for the member who acted,
    ``messages`` for others, the ``alerts`` it raised (to start now), the crisis whose
    ``board`` to refresh, and whether to plan what is still missing (``plans``); ``live_map``:
    the crisis whose Mini App button goes under the reply (a board shown on request)."""

    reply: str = ""
    keyboard: Keyboard = ()
    messages: tuple[Message, ...] = ()
    alerts: tuple[int, ...] = ()
    board: int | None = None
    plans: tuple[PlanTarget, ...] = ()
    offer_next_plan: bool = False
    live_map: int | None = None
    # Alerts whose copies to edit again (a request answered late loses the buttons it kept).
    copies_to_edit: tuple[int, ...] = ()
