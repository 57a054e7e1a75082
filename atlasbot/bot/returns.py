"""Units on their way home: one ``run_once`` job per returning unit (``unit:<id>:return``),
armed from the database after every crisis decision and at start, so a restart loses none.
The job calls the use case, which acts only if the unit is still returning and due."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import JobQueue

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import send_messages
from atlasbot.services.assistance import returning

log = logging.getLogger(__name__)

RETURN_JOB = "unit:{unit}:return"


def home(context: AtlasContext) -> timedelta:
    """How long a released unit is returning when no ETA home is known (the setting)."""
    return context.services.settings.return_home


def _arm(context: AtlasContext, unit_id: str, due: datetime) -> None:
    queue: JobQueue[Any] | None = context.job_queue
    if queue is None:
        return
    name = RETURN_JOB.format(unit=unit_id)
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    delay = max(0.0, (due - context.services.clock.now()).total_seconds())
    queue.run_once(_return_job, delay, data=unit_id, name=name)


async def arm_returns(context: AtlasContext) -> int:
    """Arm (or re-arm) a job for every unit on its way home; returns how many."""
    units = await context.services.read(returning.returning_units)
    for unit_id, due in units:
        _arm(context, unit_id, due)
    return len(units)


async def _return_job(context: AtlasContext) -> None:
    assert context.job is not None
    unit_id = str(context.job.data)
    services = context.services
    step = await services.run(lambda s: returning.come_home(s, unit_id, now=services.clock.now()))
    if step.still_ahead is not None:
        _arm(context, unit_id, step.still_ahead)
        return
    log.info("%s is home (or no longer returning)", unit_id)
    await send_messages(context, step.messages)
