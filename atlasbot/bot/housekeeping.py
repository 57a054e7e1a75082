"""Housekeeping the leader does once a day: tables that would otherwise only grow are swept
(the button tokens long expired, and the Mini App's newest initData of users whose one has
expired anyway). Armed at start-up with the other timers; a failed sweep is logged and tried
again the next day."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import JobQueue

from atlasbot.bot.context import AtlasContext
from atlasbot.services import tokens, webapp

log = logging.getLogger(__name__)

HOUSEKEEPING_JOB = "housekeeping"
EVERY = timedelta(days=1)
# The first sweep comes a little after start, not in the rush of re-arming every timer.
FIRST_AFTER = timedelta(minutes=5)


def arm_housekeeping(context: AtlasContext) -> None:
    """Sweep once a day from now on (once per process: re-arming replaces the job)."""
    queue: JobQueue[Any] | None = context.job_queue
    if queue is None:
        return
    for job in queue.get_jobs_by_name(HOUSEKEEPING_JOB):
        job.schedule_removal()
    queue.run_repeating(sweep, interval=EVERY, first=FIRST_AFTER, name=HOUSEKEEPING_JOB)


async def sweep(context: AtlasContext) -> int:
    """Delete the button tokens that expired long ago and the Mini App's expired initData
    records; returns how many rows."""
    services = context.services
    now = services.clock.now()
    expired = int(now.timestamp() - services.settings.webapp_max_age_s)
    try:
        swept = await services.run(lambda s: tokens.sweep_expired(s, now=now))
        seen = await services.run(lambda s: webapp.sweep_seen(s, older_than=expired))
    except Exception:  # a sweep is never urgent: the next one comes tomorrow
        log.warning("housekeeping failed; trying again in a day", exc_info=True)
        return 0
    log.info("housekeeping: %d expired button token(s), %d Mini App user(s) swept", swept, seen)
    return swept + seen
