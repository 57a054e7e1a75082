"""The running bot sweeps long-expired button tokens once a day (armed at start with the other
timers): a button pressed after its token was swept is refused like any unknown one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import cast

from sqlmodel import Session, select

from atlasbot.bot import housekeeping
from atlasbot.bot.context import AtlasContext
from atlasbot.runtime import SandboxRuntime
from atlasbot.storage.models import CallbackToken

from .conftest import PersonFactory
from .test_refusals import alert_text


async def test_the_leader_sweeps_expired_tokens_daily_and_a_swept_button_is_refused(
    runtime: SandboxRuntime, person: PersonFactory
) -> None:
    queue = runtime.application.job_queue
    assert queue is not None
    for _ in range(50):
        jobs = queue.get_jobs_by_name(housekeeping.HOUSEKEEPING_JOB)
        if jobs:
            break
        await asyncio.sleep(0.1)
    (job,) = jobs
    assert job.job.trigger.interval == housekeeping.EVERY

    ana = await person(1001, "Ana", "authority", country="BE")
    await person(1002, "Carl", "commander", unit="be-1")
    listed = (await ana.say("/members"))[-1]  # a button per role Ana manages
    assert listed["reply_markup"]["inline_keyboard"]
    # Age every token past its lifetime and the time expired ones are kept.
    services = runtime.services
    long_ago = services.clock.now() - timedelta(days=60)

    def age(session: Session) -> None:
        for row in session.exec(select(CallbackToken)).all():
            row.expires_at = long_ago
            session.add(row)

    await services.run(age)
    context = cast(AtlasContext, SimpleNamespace(services=services))
    assert await housekeeping.sweep(context) >= 1
    assert await services.read(lambda s: s.exec(select(CallbackToken)).all()) == []
    before = await ana.all_messages()
    await ana.tap(listed["reply_markup"]["inline_keyboard"][0][0]["text"], listed)
    assert await alert_text(ana) == "This button is not valid any more."
    assert len(await ana.all_messages()) == len(before)  # nothing else happened
