"""Every update Telegram gives the bot is handled at least once, even across a kill -9.

The Bot API forgets an update when a later ``getUpdates`` names an ``offset`` above its id;
python-telegram-bot's Updater asks again at once with the offset after the last update it
queued, so an update is confirmed while its handler has not even started, and a kill then
loses it (a /drill sent just before a crash got no reply). Here the offset never passes an
update whose handler has not finished: ``UpdateLedger`` knows which updates were handed to
the application and which are done (``TrackingUpdateProcessor`` tells it), and ``HoldingBot``
(the Updater's view of the bot) asks ``getUpdates`` from the oldest unfinished one. Telegram
then keeps, and after a restart gives again, everything not yet handled.

What it costs: while a handler runs, ``getUpdates`` returns its update again at once, so the
poller skips what it already holds and waits until a handler finishes or ``HOLD_POLL_S``
passes (a new update then waits at most that long). What it does not give: exactly once. A
handler that committed its change and was killed before the next ``getUpdates`` runs again
after the restart; the use cases' own guards (tokens redeemed once, versions) make most of
them harmless, a typed command such as /drill runs twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

# How long the poller waits, while a handler runs, before asking Telegram again.
HOLD_POLL_S = 0.25


class UpdateLedger:
    """Which updates were handed to the application and which of them are done."""

    def __init__(self) -> None:
        self._handed: set[int] = set()
        self._done: set[int] = set()
        self._progress = asyncio.Event()

    def offset(self, asked: int | None) -> int | None:
        """The ``getUpdates`` offset that confirms only what is handled: the oldest update
        still being handled, else what the Updater asked for."""
        unfinished = self._handed - self._done
        if unfinished:
            return min(unfinished)
        return asked

    def take(self, updates: Sequence[Update], offset: int | None) -> tuple[Update, ...]:
        """The updates not handed out yet (the others are still held back by the offset);
        forget those the offset confirmed."""
        if offset is not None and offset > 0:
            self._handed = {i for i in self._handed if i >= offset}
            self._done = {i for i in self._done if i >= offset}
        new = tuple(u for u in updates if u.update_id not in self._handed)
        self._handed.update(u.update_id for u in new)
        return new

    def done(self, update_id: int) -> None:
        """A handler finished (or failed: at least once means delivered, not retried)."""
        if update_id in self._handed:
            self._done.add(update_id)
            self._progress.set()

    def handled_offset(self) -> int | None:
        """The offset that confirms every update handled so far (None: nothing handed out)."""
        unfinished = self._handed - self._done
        if unfinished:
            return min(unfinished)
        return max(self._handed) + 1 if self._handed else None

    async def wait_for_progress(self, timeout: float) -> None:  # noqa: ASYNC109
        """Until a handler finishes or ``timeout`` seconds pass."""
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout)


class HoldingBot:
    """The bot as the Updater sees it: ``get_updates`` never confirms an unhandled update
    and never returns one twice; everything else is the application's bot."""

    def __init__(self, bot: ExtBot[None], ledger: UpdateLedger) -> None:
        self._bot = bot
        self._ledger = ledger

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    async def get_updates(self, offset: int | None = None, **kwargs: Any) -> tuple[Update, ...]:
        """Telegram's getUpdates from the oldest unfinished update; only new ones returned."""
        held = self._ledger.offset(offset)
        updates = await self._bot.get_updates(offset=held, **kwargs)
        new = self._ledger.take(updates, held)
        if updates and not new:
            # Only updates still being handled came back (Telegram answers at once while an
            # update is unconfirmed): wait a little instead of asking again and again.
            await self._ledger.wait_for_progress(HOLD_POLL_S)
        return new

    async def confirm_handled(self) -> None:
        """Confirm to Telegram every update that was handled (at a clean stop)."""
        held = self._ledger.handled_offset()
        if held is None:
            return
        try:
            await self._bot.get_updates(offset=held, timeout=0, limit=1)
        except Exception:  # the stop goes on; the update is handled again after the restart
            log.warning("could not confirm the handled updates to the Bot API", exc_info=True)
