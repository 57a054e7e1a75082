"""Issue 10 in the chat: what is asked is what is needed, explanations, concurrent crises.

The Antwerp hostage-taking of docs/formats.md §5 on the demo network: hostage rescue ×2,
negotiation ×1, precision marksmen ×1 and bomb disposal ×1. Plan 1 asks nl-1 for hostage
rescue 2 and negotiation 1, de-2 (hostage rescue 2, precision marksmen 2) for one
precision-marksmen team and de-1 (hostage rescue 3, negotiation 2, EOD 1) for its EOD team.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from atlasbot.sandbox.people import Person

from .conftest import PersonFactory
from .test_assistance_flow import accept, authorities, plans_message, send_plan_one


async def fill_antwerp_request(who: Person, *, priority: str = "1 normal") -> list[dict[str, Any]]:
    """The §5 example through the /request wizard, driven by button texts."""
    await who.say("/request")
    await who.tap("Hostage-taking")
    await who.tap("Yes, I confirm")
    await who.say("Antwerpen")
    await who.tap(re.compile(r"^Antwerp"))
    for capability in ("Hostage rescue", "Hostage rescue", "Negotiation"):
        await who.tap(re.compile(f"^{capability}"))
    await who.tap(re.compile(r"^Precision marksmen"))
    await who.tap(re.compile(r"^Explosive ordnance disposal"))
    await who.tap("✅ Done")
    await who.tap(re.compile("Action on our territory"))
    await who.tap("✅ Done")
    await who.say("Free hostages held in an office building in the city centre.")
    await who.say("Our unit is committed at a second incident in Brussels.")
    await who.say("Commissaris Peeters, ANTWERP-1")
    await who.tap("No")
    await who.tap(priority)
    return await who.tap("✅ Submit request")


async def request_text(authority: Person) -> str:
    return next(
        m["text"]
        for m in await authority.all_messages()
        if "REQUEST FOR ASSISTANCE" in (m.get("text") or "")
    )


async def board_text(who: Person) -> str:
    return next(
        m["text"]
        for m in reversed(await who.all_messages())
        if (m.get("text") or "").startswith("LIVE BOARD")
    )


@pytest.fixture
async def ana(person: PersonFactory) -> Person:
    return await person(1001, "Ana", "authority", country="BE")


async def test_the_plans_say_when_each_capability_is_on_scene_and_who_nothing_replaces(
    ana: Person,
) -> None:
    plans = plans_message(await fill_antwerp_request(ana))["text"]
    assert "Plan 1 covers everything: 3 units from 2 states" in plans
    assert "Hostage rescue ×2: nl-1 (NL), on scene in 1 h 27 min by helicopter" in plans
    assert "Explosive ordnance disposal ×1: de-1 (DE), on scene in 3 h 44 min" in plans
    # Each unit with the teams asked of it, not its full counts.
    assert re.search(r"• de-1 \(DE\) [^\n]*: asked Explosive ordnance disposal ×1\n", plans)
    assert re.search(r"• de-2 \(DE\) [^\n]*: asked Precision marksmen ×1\n", plans)
    assert "de-1 is in every plan: the only unit with explosive ordnance disposal" in plans


async def test_why_not_others_is_the_nearest_ten_then_a_count(ana: Person) -> None:
    await fill_antwerp_request(ana)
    text = (await ana.tap("❓ Why not others?"))[-1]["text"]
    nearest = text.split("Could help, but not in plan 1 (nearest first):\n", 1)[1]
    nearest = nearest.split("\n…", 1)[0]
    # The nearest ten, grouped by their reason (one line a reason: one phone screen).
    reasons = [line for line in nearest.splitlines() if line.startswith("• ")]
    assert 1 <= len(reasons) <= 10
    assert 1 <= sum(len(re.findall(r"[a-z]{2}-\d \(", line)) for line in reasons) <= 10
    assert re.search(r"^… and \d+ more, all further away\.$", text, re.M)
    # The real reason in terms of the order, e.g. the home reserve or a later capability.
    assert "Home reserve: Germany keeps it at home" in text and "de-3 (1 h 40 min" in text
    assert re.search(r"Would bring [a-z ]+ later than plan 1 \(\d", text)
    assert len(text) <= 1000


async def test_the_request_the_order_and_the_board_name_only_the_asked_teams(
    ana: Person, person: PersonFactory
) -> None:
    people = await authorities(person)
    commander = await person(3100, "de-1 commander", "commander", unit="de-1")
    await fill_antwerp_request(ana)
    await send_plan_one(ana)

    to_nl = await request_text(people["NL"])
    assert "Capabilities: Hostage rescue ×2, Negotiation ×1\n" in to_nl
    to_de = await request_text(people["DE"])
    assert "Asked of your state: units de-2, de-1" in to_de
    assert "Capabilities: Explosive ordnance disposal ×1, Precision marksmen ×1\n" in to_de
    assert "  • de-2: Precision marksmen ×1\n" in to_de
    assert "  • de-1: Explosive ordnance disposal ×1\n" in to_de
    assert "Hostage rescue" not in to_de and "Negotiation" not in to_de

    board = await board_text(ana)
    assert "units asked: de-2 (Precision marksmen ×1), de-1 (Explosive ordnance disposal ×1)" in (
        board
    )
    assert "units asked: nl-1 (Hostage rescue ×2, Negotiation ×1)" in board

    await accept(people["DE"])
    order = next(
        m["text"]
        for m in await commander.all_messages()
        if "MOBILISATION ORDER for de-1" in (m.get("text") or "")
    )
    assert "Teams asked of you: Explosive ordnance disposal ×1" in order
    assert "Hostage rescue" not in order and "Negotiation" not in order
    accepted = next(
        m["text"] for m in await ana.all_messages() if "DE ACCEPTED" in (m.get("text") or "")
    )
    assert "  • de-1: Explosive ordnance disposal ×1" in accepted
    board = await board_text(ana)
    assert "• de-1 (Explosive ordnance disposal ×1): ordered" in board
    assert "Hostage rescue ×3" not in board


async def test_a_crisis_of_higher_priority_is_told_whose_units_are_busy(
    ana: Person, person: PersonFactory
) -> None:
    await authorities(person)
    await fill_antwerp_request(ana)
    await send_plan_one(ana)
    bert = await person(1002, "Bert", "authority", country="BE")
    plans = plans_message(await fill_antwerp_request(bert, priority="3 highest"))["text"]
    busy = plans.split("Busy in other crises:\n", 1)[1]
    assert (
        "• nl-1 (NL): asked in another open crisis, crisis #1 of BE at Antwerp, BE (priority 1); "
        "this request has the higher priority (3): the requester of crisis #1 of BE at "
        "Antwerp, BE can be asked to release it"
    ) in busy
    assert "• de-1 (DE): asked in another open crisis, crisis #1 of BE" in busy
    # Not taken: no plan of the second crisis asks them.
    for line in plans.split("Busy in other crises:", 1)[0].splitlines():
        assert not line.startswith(("  • nl-1 ", "  • de-1 ", "  • de-2 "))


async def test_the_answer_confirmation_names_each_unit_with_the_teams_asked_of_it(
    ana: Person, person: PersonFactory
) -> None:
    people = await authorities(person)
    await fill_antwerp_request(ana)
    await send_plan_one(ana)
    germany = people["DE"]
    await germany.tap("✅ Accept…")
    await germany.tap("Next ➡")
    if "carry arms" in ((await germany.last()).get("text") or ""):
        await germany.tap("Yes, armed")
    await germany.tap("8")
    await germany.tap(re.compile("^Until the requesting state releases"))
    await germany.tap(re.compile("^Requesting state pays"))
    await germany.say("Duty desk, secure line 12")
    confirmation = (await germany.last())["text"]
    assert re.match(
        r"ACCEPT request #\d+, units and the teams asked of them:\n"
        r"  • de-2: Precision marksmen ×1\n"
        r"  • de-1: Explosive ordnance disposal ×1\n",
        confirmation,
    )
