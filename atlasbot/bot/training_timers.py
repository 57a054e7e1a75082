"""Reminder timers for published trainings, re-armed from the database on start.

The database holds every due time (``training_reminder``); a timer only wakes the bot up. A
timer carries the reminder's id and version: the use case claims the row with a guarded
UPDATE (still pending, same version) and composes messages only when the claim succeeds, so a
timer for a moved event, or one that runs twice, sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from atlasbot.bot.context import AtlasApplication, AtlasContext
from atlasbot.bot.replies import send_messages
from atlasbot.services.trainings import reminders
from atlasbot.services.trainings.reminders import ReminderTimer

log = logging.getLogger(__name__)
JOB_PREFIX = "training-reminder"


def arm_reminders(job_queue: Any, timers: Iterable[ReminderTimer], now: dt.datetime) -> int:
    """Arm one timer per pending reminder (at once when already due); returns how many.

    The delay is measured on the bot's clock, so a test's hand-moved clock agrees with it.
    """
    if job_queue is None:  # PTB without its job-queue extra: nothing can wake up
        log.warning("no job queue: training reminders are not armed")
        return 0
    count = 0
    for timer in timers:
        job_queue.run_once(
            send_reminder,
            when=max(0.0, (timer.due_at - now).total_seconds()),
            data={"reminder": timer.reminder_id, "version": timer.version},
            name=f"{JOB_PREFIX}:{timer.reminder_id}:{timer.version}",
            # A reminder that fell due while the bot was down is still worth sending.
            job_kwargs={"misfire_grace_time": None},
        )
        count += 1
    return count


async def rearm_reminders(application: AtlasApplication) -> int:
    """On start: a timer for every pending reminder in the database."""
    services = application.bot_data["services"]
    # A read: it must not wait for the write lock behind a recovery of overdue alerts (on
    # SQLite a reader does not), or the start would fail with "database unavailable".
    timers = await services.read(reminders.pending_reminders)
    armed = arm_reminders(application.job_queue, timers, services.clock.now())
    if armed:
        log.info("re-armed %d training reminders", armed)
    return armed


async def send_reminder(context: AtlasContext) -> None:
    """A reminder's timer: claim the row, then tell the units' commanders and duty officers."""
    job = context.job
    assert job is not None and isinstance(job.data, dict)
    reminder_id, version = int(job.data["reminder"]), int(job.data["version"])
    await send_reminder_now(context, reminder_id, version)


async def send_reminder_now(context: AtlasContext, reminder_id: int, version: int) -> int:
    """Claim and send one reminder; returns how many messages went out (0 when stale)."""
    now = context.services.clock.now()
    messages = await context.services.run(
        lambda session: reminders.remind(session, reminder_id, version, now=now)
    )
    await send_messages(context, messages)
    return len(messages)
