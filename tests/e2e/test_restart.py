"""A restart in the middle of a crisis loses no open crisis and no pending answer."""

from __future__ import annotations

import re

from telegram import Update

from atlasbot.bootstrap import build_application, idle_probe
from atlasbot.runtime import SANDBOX_TOKEN, SandboxRuntime

from .conftest import PersonFactory
from .test_assistance_flow import accept, authorities, fill_request, send_plan_one


async def restart_bot(runtime: SandboxRuntime) -> None:
    """Stop the bot (the sandbox keeps the chats) and start a new one on the same database."""
    old = runtime.application
    assert old.updater is not None
    await old.updater.stop()
    await old.stop()
    await old.shutdown()
    application, processor = build_application(
        runtime.services,
        base_url=runtime.server.base_url,
        base_file_url=runtime.server.base_file_url,
        token=SANDBOX_TOKEN,
    )
    runtime.server.idle_probe = lambda: idle_probe(application, processor)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
    )
    runtime.application, runtime.processor = application, processor


async def test_a_pending_answer_and_the_board_survive_a_restart(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    asked = [
        c
        for c, p in people.items()
        if any("REQUEST FOR ASSISTANCE" in (m.get("text") or "") for m in await p.all_messages())
    ]
    country = asked[0]
    await restart_bot(runtime)
    # The request sent before the restart is still answerable with its buttons.
    await accept(people[country])
    assert any("ACCEPTED" in (m.get("text") or "") for m in await ana.all_messages())
    # The board, posted before the restart, is still edited in place afterwards.
    boards = [
        m for m in await ana.all_messages() if (m.get("text") or "").startswith("LIVE BOARD")
    ]
    assert len(boards) == 1
    assert "ACCEPTED" in boards[0]["text"]
    replies = await ana.say("/crises")
    assert re.search(r"Crisis #1 \(BE\)", replies[-1]["text"])
