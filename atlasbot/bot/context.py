"""The handlers' typed context and the services every handler and timer may use."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session
from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor, CallbackContext, ExtBot

from atlasbot.bot.metrics import Metrics, SolveKind
from atlasbot.bot.pacing import TokenBucket
from atlasbot.bot.updates import UpdateLedger
from atlasbot.bot.uploads import UploadReader
from atlasbot.clock import Clock, SystemClock
from atlasbot.config import Settings
from atlasbot.gazetteer import Gazetteer
from atlasbot.i18n import DEFAULT_LOCALE, best_locale, using_locale
from atlasbot.maps.coverage import CoverageMemo
from atlasbot.services.alerting.leases import Owner
from atlasbot.services.errors import DatabaseUnavailable
from atlasbot.storage.db import session_scope
from atlasbot.storage.leadership import Fence, this_process
from atlasbot.storage.leadership import (
    NotLeader as NotLeader,  # for handlers, which never import storage
)

T = TypeVar("T")
log = logging.getLogger(__name__)


def is_outage(err: BaseException) -> bool:
    """Whether a database error means "unreachable for now" (refused, dropped, timed out,
    locked) rather than a bug: the work may be tried again once the database answers."""
    if isinstance(err, OperationalError | InterfaceError):
        return True
    return isinstance(err, DBAPIError) and bool(err.connection_invalidated)


@dataclass
class BotServices:
    """What every handler may use; reached through ``context.services``."""

    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    gazetteer: Gazetteer = field(default_factory=Gazetteer.load)
    # Coverage maps computed already, computed again only when readiness changes.
    coverage_memo: CoverageMemo = field(default_factory=CoverageMemo)
    # Fan-out sends wait here; direct replies do not (see atlasbot/pacing.py).
    broadcast: TokenBucket = field(default_factory=TokenBucket)
    # The leadership epoch every write checks first (None: the one process of a sandbox or a
    # test, which always acts; `atlasbot run` always passes the leadership monitor's fence).
    fence: Fence | None = None
    metrics: Metrics = field(default_factory=Metrics)
    # What follows when a requested state lets its deadline pass (tell the requester, refresh
    # the board, offer the next plan). The wiring sets it (bootstrap): that follow-up lives in
    # bot/notices, which starts alerts through the timers, so the timers cannot import it.
    on_no_response: Callable[[AtlasContext, int, Callable[[], str]], Awaitable[None]] | None = None
    # What follows when an order or a counter-proposal ran out its chain unacknowledged (tell
    # whoever waits on it, refresh the board); wired like ``on_no_response``. Takes the alert.
    on_ran_out: Callable[[AtlasContext, int], Awaitable[None]] | None = None
    # Refresh a crisis's live board (after an acknowledgement); wired like the two above.
    on_board_changed: Callable[[AtlasContext, int], Awaitable[None]] | None = None
    # The language each member reads, by Telegram user id: filled at start-up and whenever
    # a member's menu is set (enrolment, a role lost, /settings language), so that finding
    # the language of an update costs no database round trip before its handler runs.
    languages: dict[int, str] = field(default_factory=dict)
    # Chat uploads are read in a worker process (started by ``start_bot``, not here).
    uploads: UploadReader = field(init=False)

    def __post_init__(self) -> None:
        self.uploads = UploadReader(
            seconds=self.settings.upload_seconds, memory_bytes=self.settings.upload_memory_bytes
        )

    def owner(self) -> Owner:
        """This process as the owner of the alert copies it sends (issue 12): its name, the
        epoch it leads with, its lease; on SQLite no other process can be alive."""
        return Owner(
            this_process(),
            None if self.fence is None else self.fence.epoch,
            self.settings.delivery_lease_s,
            alone=self.engine.dialect.name == "sqlite",
        )

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run one unit of work in a worker thread, so the event loop never waits on the
        database; it commits when ``work`` returns and rolls back when it raises.

        It first checks the leadership epoch in the same transaction (NotLeader: nothing is
        written), and a database that cannot be reached becomes DatabaseUnavailable, whose
        message tells the member that nothing was saved."""

        def in_transaction() -> T:
            with session_scope(self.engine) as session:
                if self.fence is not None:
                    self.fence.check(session)
                return work(session)

        try:
            return await asyncio.to_thread(in_transaction)
        except DBAPIError as err:
            if is_outage(err):
                raise DatabaseUnavailable() from err
            raise

    async def read(self, work: Callable[[Session], T]) -> T:
        """Like ``run``, for work that only reads: on SQLite it does not take the write lock,
        so lookups neither wait for nor delay the writers."""

        def in_transaction() -> T:
            with session_scope(self.engine, read_only=True) as session:
                return work(session)

        try:
            return await asyncio.to_thread(in_transaction)
        except DBAPIError as err:
            if is_outage(err):
                raise DatabaseUnavailable() from err
            raise

    async def plan(self, work: Callable[[], T], *, solve: SolveKind | None = None) -> T:
        """Run CPU-bound work (a solver, a chart) off the event loop; ``solve`` names the
        solver whose time /metrics records (the assistance planner or the calendar)."""
        started = time.monotonic()
        result = await asyncio.to_thread(work)
        if solve is not None:
            self.metrics.record_solve(solve, time.monotonic() - started)
        return result


async def sender_language(services: BotServices, update: object) -> str:
    """The language the sender of an update reads: a member's own (``services.languages``,
    no database round trip: that would delay every handler), else their Telegram language
    when a catalog exists (someone enrolling), else English."""
    user = update.effective_user if isinstance(update, Update) else None
    if user is None:
        return DEFAULT_LOCALE
    return services.languages.get(user.id) or best_locale(user.language_code)


class AtlasContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The handlers' context, typed: ``context.services`` instead of casts on bot_data."""

    @property
    def services(self) -> BotServices:
        services: BotServices = self.application.bot_data["services"]
        return services


AtlasApplication = Application[
    ExtBot[None], AtlasContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


class TrackingUpdateProcessor(BaseUpdateProcessor):
    """Handles updates concurrently (bounded) and knows how many are still being handled,
    which the sandbox's wait-idle asks before it answers, and which are done, which the
    poller needs before it confirms them to Telegram."""

    def __init__(
        self,
        max_concurrent_updates: int,
        metrics: Metrics | None = None,
        ledger: UpdateLedger | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.in_flight = 0
        self.metrics = metrics or Metrics()
        self.ledger = ledger or UpdateLedger()
        # The language the sender of an update reads (set by the wiring): every reply to
        # them is written in it (``atlasbot.i18n.using_locale``).
        self.language_of: Callable[[object], Awaitable[str]] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.in_flight += 1
        try:
            language = await self.language_of(update) if self.language_of else DEFAULT_LOCALE
            with using_locale(language):
                await self.metrics.measure_update(update, coroutine)
        finally:
            self.in_flight -= 1
            if isinstance(update, Update):
                # Only now may getUpdates confirm it (atlasbot.bot.updates).
                self.ledger.done(update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
