"""Issue 11, point 8 in the chat: from the board, the requester withdraws one request, releases
one unit (asked first; the unit's state and the unit are told; the unit is returning, then
available), or adds a need (what is then missing is planned again)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from atlasbot.config import load_settings
from atlasbot.runtime import SandboxRuntime, sandbox_runtime
from atlasbot.sandbox.people import Person, button_texts, buttons_of

from .conftest import PersonFactory
from .test_assistance_asked import fill_antwerp_request
from .test_assistance_flow import accept, asked_unit, authorities, fill_request, send_plan_one
from .test_refusals import button_data, request_message

MANAGE = "🛠 Manage requests and units…"


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[SandboxRuntime]:
    """The bot with a released unit home after one second (no ETA home: it never left)."""
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'control.db'}", token=None, return_home_s=1
    )
    async with sandbox_runtime(settings) as running:
        yield running


async def board(who: Person) -> dict[str, Any]:
    return next(
        m for m in reversed(await who.all_messages()) if (m.get("text") or "").startswith("LIVE")
    )


async def readiness(commander: Person) -> str:
    return str((await commander.say("/status"))[-1]["text"])


async def test_the_requester_withdraws_one_request_and_only_that_state_is_told(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_antwerp_request(ana)
    await send_plan_one(ana)
    nl_request = request_message(await people["NL"].all_messages())
    stale_accept = button_data(nl_request, "✅ Accept…")
    menu = (await ana.tap(MANAGE, await board(ana)))[-1]
    assert "↩ Withdraw the request to NL (#2)…" in button_texts(menu)
    assert "↩ Withdraw the request to DE (#1)…" in button_texts(menu)
    asked = await ana.tap("↩ Withdraw the request to NL (#2)…")
    assert "This cannot be taken back" in asked[-1]["text"]
    done = await ana.tap("✅ Yes, withdraw it")
    assert any("Request #2 to NL withdrawn; NL was told." in (m.get("text") or "") for m in done)
    told = [m["text"] for m in await people["NL"].all_messages() if "withdrew" in m["text"]]
    assert told == [
        "BE withdrew its request #2 (crisis #1): nothing more is asked of you for "
        "it; ignore its buttons."
    ]
    assert not any("withdrew" in (m.get("text") or "") for m in await people["DE"].all_messages())
    # The board says so; NL's copy lost its buttons, and a stale Accept replayed finds
    # nothing to answer.
    text = (await board(ana))["text"]
    assert re.search(r"^NL: withdrawn", text, re.M)
    assert re.search(r"^DE: awaiting answer", text, re.M)
    nl_request = request_message(await people["NL"].all_messages())
    assert not buttons_of(nl_request)
    await people["NL"].press_data(nl_request["message_id"], stale_accept)
    answers = await people["NL"].callback_answers()
    assert "already answered: withdrawn" in (answers[-1].get("text") or "")


async def test_a_released_unit_is_asked_first_told_returning_then_available(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    authority, unit_id = await asked_unit(people)
    commander = await person(3100, "commander", "commander", unit=unit_id)
    await accept(authority)
    assert f"{unit_id} is deployed" in await readiness(commander)

    await ana.tap(MANAGE, await board(ana))
    await ana.tap(f"🏁 Release {unit_id}…")
    kept = await ana.tap("✖ No, keep it")
    assert kept[-1]["text"] == "Nothing changed."
    assert f"{unit_id} is deployed" in await readiness(commander)

    await ana.tap(MANAGE, await board(ana))
    asked = await ana.tap(f"🏁 Release {unit_id}…")
    assert "This cannot be taken back" in asked[-1]["text"]
    done = await ana.tap("✅ Yes, release it")
    assert any(f"{unit_id} released: returning, home by" in (m.get("text") or "") for m in done)
    for someone in (authority, commander):
        assert any(
            f"BE released {unit_id} from crisis #1: it is returning home" in (m.get("text") or "")
            for m in await someone.all_messages()
        )
    assert f"{unit_id} is returning" in await readiness(commander)
    # The requester's board shows the unit on its way home, with its ETA home.
    assert re.search(rf"{unit_id}.*returning home by \d\d:\d\d", (await board(ana))["text"])
    # Home after ATLASBOT_RETURN_HOME_S (1 s here): available again, by the bot's own timer.
    for _ in range(100):
        if f"{unit_id} is available" in await readiness(commander):
            break
        await asyncio.sleep(0.2)
    assert f"{unit_id} is available" in await readiness(commander)
    # ... and those told of the release are told it is home, once each.
    home = f"🏠 {unit_id} is home after its release and available again."
    for someone in (authority, commander):
        for _ in range(50):
            texts = [m.get("text") for m in await someone.all_messages()]
            if home in texts:
                break
            await asyncio.sleep(0.1)
        assert texts.count(home) == 1


async def test_adding_a_need_plans_what_is_now_missing(person: PersonFactory) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    await ana.tap(MANAGE, await board(ana))
    menu = await ana.tap("➕ Add or reduce a need…")
    assert "needs now Hostage rescue ×2, Negotiation ×1" in menu[-1]["text"]
    replies = await ana.tap("➕ Explosive ordnance disposal")
    assert any(
        "needs now Hostage rescue ×2, Negotiation ×1, Explosive ordnance disposal ×1"
        in (m.get("text") or "")
        for m in replies
    )
    plans = next(m for m in reversed(replies) if (m.get("text") or "").startswith("PLANS"))
    assert "Explosive ordnance disposal ×1" in plans["text"]
    assert "Hostage rescue" not in plans["text"].split("Plan 1", 1)[1].split("\n\n")[0]
    assert "missing" in (await board(ana))["text"].lower()


async def test_one_answer_is_changed_from_the_summary_before_submitting(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/request")
    await ana.tap("Hostage-taking")
    await ana.tap("Yes, I confirm")
    await ana.say("Antwerpen")
    await ana.tap(re.compile(r"^Antwerp"))
    await ana.tap(re.compile(r"^Hostage rescue"))
    await ana.tap("✅ Done")
    await ana.tap(re.compile("Action on our territory"))
    await ana.tap("✅ Done")
    await ana.say("Free hostages held in an office building in the city centre.")
    await ana.say("Our unit is committed at a second incident in Brussels.")
    await ana.say("Commissaris Peeters, ANTWERP-1")
    await ana.tap("No")
    first = (await ana.tap("1 normal"))[-1]
    assert "Commissaris Peeters" in first["text"]
    assert "✏ Change an answer…" in button_texts(first)
    await ana.tap("✏ Change an answer…")
    await ana.tap("👤 Commander on scene")
    # After the changed answer: the summary again, not the questions that followed it.
    again = (await ana.say("Commissaris Janssens, ANTWERP-2"))[-1]
    assert "Commissaris Janssens, ANTWERP-2" in again["text"]
    assert "Peeters" not in again["text"]
    assert "✅ Submit request" in button_texts(again)
    await ana.tap("✏ Change an answer…")
    await ana.tap("🛡 Capabilities and teams")
    await ana.tap(re.compile(r"^Negotiation"))
    again = (await ana.tap("✅ Done"))[-1]
    assert re.search(
        r"Hostage rescue ×1, Negotiation ×1|Negotiation ×1, Hostage rescue ×1", again["text"]
    )
    replies = await ana.tap("✅ Submit request")
    assert any((m.get("text") or "").startswith("PLANS") for m in replies)
