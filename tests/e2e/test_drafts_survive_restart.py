"""A restart in the middle of a wizard: the member carries on from the same step."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from sqlmodel import Session, select

from atlasbot.bot.persistence import USER
from atlasbot.bot.wizard import DRAFT_KEY
from atlasbot.handlers import request
from atlasbot.runtime import SandboxRuntime, start_bot, stop_bot
from atlasbot.sandbox.people import Person
from atlasbot.storage.models import ChatState

from .conftest import PersonFactory
from .test_assistance_flow import plans_message


def texts_of(messages: list[dict[str, Any]]) -> str:
    return "\n---\n".join(m.get("text") or "" for m in messages)


@pytest.fixture
async def ana(person: PersonFactory) -> Person:
    return await person(1001, "Ana", "authority", country="BE")


async def test_a_request_draft_survives_restarts_and_is_submitted_with_plans(
    ana: Person, runtime: SandboxRuntime
) -> None:
    await ana.say("/request")
    await ana.tap("Hostage-taking")
    await ana.tap("Yes, I confirm")
    await ana.say("Antwerpen")
    # Down while the gazetteer's candidates wait for a choice.
    await runtime.restart_bot()
    news = await ana.tap(re.compile(r"^Antwerp"))
    assert "4/10 Which capabilities" in texts_of(news)
    await ana.tap(re.compile(r"^Hostage rescue"))
    # Down again halfway through counting teams.
    await runtime.restart_bot()
    await ana.tap(re.compile(r"^Hostage rescue"))
    await ana.tap(re.compile(r"^Negotiation"))
    news = await ana.tap("✅ Done")
    assert "Capabilities: Hostage rescue ×2, Negotiation ×1" in texts_of(news)
    await ana.tap(re.compile("Action on our territory"))
    await ana.tap("✅ Done")
    await ana.say("Free hostages held in an office building in the city centre.")
    await ana.say("Our unit is committed at a second incident in Brussels.")
    await ana.say("Commissaris Peeters, ANTWERP-1")
    await ana.tap("No")
    news = await ana.tap("1 normal")
    summary = texts_of(news)
    assert "Crisis: Hostage-taking at Antwerp" in summary
    replies = await ana.tap("✅ Submit request")
    assert "Request recorded as crisis #1" in texts_of(replies)
    assert "Plan 1" in plans_message(replies)["text"]


async def test_a_step_reaches_the_database_within_the_flush_interval_without_a_clean_stop(
    ana: Person, runtime: SandboxRuntime
) -> None:
    """What a kill -9 would leave behind: the periodic flush, not the one at shutdown."""
    await ana.say("/request")
    await ana.tap("Hostage-taking")

    def stored(session: Session) -> dict[tuple[str, str], str]:
        return {(row.kind, row.key): row.data for row in session.exec(select(ChatState))}

    rows: dict[tuple[str, str], str] = {}
    for _ in range(50):  # the flush runs every second; allow for a loaded machine
        rows = await runtime.services.read(stored)
        stored_step = json.loads(rows.get((USER, "1001"), "{}")).get(DRAFT_KEY, {})
        if stored_step.get("fields", {}).get("step") == request.THREAT:
            break
        await asyncio.sleep(0.1)
    draft = json.loads(rows[(USER, "1001")])[DRAFT_KEY]
    assert draft["fields"]["step"] == request.THREAT
    assert draft["fields"]["crisis_type"] == "hostage_taking"


async def test_cancel_ends_a_request_resumed_after_a_restart(
    ana: Person, runtime: SandboxRuntime
) -> None:
    await ana.say("/request")
    await ana.tap("Hostage-taking")
    await runtime.restart_bot()
    news = await ana.say("/cancel")
    assert "Cancelled. Nothing was sent or recorded." in texts_of(news)
    # The conversation is over: its old button no longer moves it on.
    news = await ana.tap("Yes, I confirm")
    assert "3/10 Where?" not in texts_of(news)
    await runtime.restart_bot()
    news = await ana.say("Antwerpen")
    assert "I did not understand that" in texts_of(news)


async def test_a_draft_an_older_version_wrote_is_dropped_and_the_member_told_to_start_again(
    ana: Person, runtime: SandboxRuntime
) -> None:
    await ana.say("/request")
    await ana.tap("Hostage-taking")
    await stop_bot(runtime.application)

    def from_an_older_version(session: Session) -> None:
        row = session.get(ChatState, (USER, "", "1001"))
        assert row is not None
        stored = json.loads(row.data)
        stored[DRAFT_KEY]["fields"]["urgency"] = "high"  # a field the draft does not have
        row.data = json.dumps(stored)
        session.add(row)

    await runtime.services.run(from_an_older_version)
    runtime.application, runtime.processor = await start_bot(
        runtime.services,
        base_url=runtime.server.base_url,
        base_file_url=runtime.server.base_file_url,
    )
    await ana.tap("Yes, I confirm")
    answers = [a.get("text") or "" for a in await ana.callback_answers()]
    assert any("could not be restored" in text for text in answers)
    news = await ana.say("/request")
    assert "1/10 What kind of crisis is it?" in texts_of(news)


async def test_a_meeting_wizard_survives_a_restart(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    cora = await person(3001, "Cora", "coordinator")
    await cora.say("/meeting")
    await cora.say("Heads of units")
    await cora.tap("☐ de-1")
    await runtime.restart_bot()
    await cora.tap("☐ nl-1")
    await cora.tap(re.compile(r"^Done \(2 chosen\)"))
    await cora.tap(re.compile(r"^Mar 20\d\d$"))
    await cora.tap("Hosted")
    news = await cora.tap("Morning (09:00–12:00)")
    assert "Meeting poll #1: Heads of units" in texts_of(news)
