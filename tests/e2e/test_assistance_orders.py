"""Issue 11, point 3 in the chat: the order says what (the teams asked, the nature and forms of
the assistance), where (the place by name and a real map pin) and who (the commander on scene,
the requesting authority); the ETA is a preset or a time typed in the member's own zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from atlasbot.sandbox.people import Person

from .conftest import PersonFactory
from .test_assistance_flow import accept, asked_unit, authorities, fill_request, send_plan_one


async def ordered(ana: Person, person: PersonFactory) -> tuple[Person, str]:
    """Ana's Antwerp request accepted: the commander of the unit asked, and its id."""
    people = await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    authority, unit_id = await asked_unit(people)
    commander = await person(3100, f"{unit_id} commander", "commander", unit=unit_id)
    await accept(authority)
    return commander, unit_id


def order_of(messages: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The order and the message that follows it (its map pin)."""
    index = next(
        i for i, m in enumerate(messages) if "MOBILISATION ORDER" in (m.get("text") or "")
    )
    return messages[index], messages[index + 1]


async def test_the_order_names_the_teams_the_task_the_place_and_whom_to_contact_with_a_pin(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    commander, unit_id = await ordered(ana, person)
    order, pin = order_of(await commander.all_messages())
    text = order["text"]
    assert f"MOBILISATION ORDER for {unit_id}" in text
    assert re.search(r"^Teams asked of you: .*Hostage rescue ×2", text, re.M)
    assert "Nature of the assistance: Free hostages held in an office building" in text
    assert "Forms of assistance: Action on our territory" in text
    assert re.search(
        r"^Place: Antwerp, BE \(51\.\d{4}, 4\.\d{4}\); the map pin follows$", text, re.M
    )
    assert "Commander on scene (requesting state): Commissaris Peeters, ANTWERP-1" in text
    assert "Requesting authority to contact: Ana (BE)" in text
    # The pin is a real venue message right after the order, on the crisis's place.
    assert pin["location"] is not None and pin["text"] is None
    assert abs(pin["location"]["lat"] - 51.22) < 0.1 and abs(pin["location"]["lon"] - 4.40) < 0.1
    assert pin["venue"]["title"] == "Antwerp, BE"
    assert pin["venue"]["address"].startswith("Crisis #1 (BE)")


async def test_the_eta_is_typed_as_a_time_of_day_or_minutes_and_garbage_is_asked_again(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    commander, unit_id = await ordered(ana, person)
    await commander.tap("🚁 Departed…")
    asked = await commander.tap("⌨ Type the time…")
    assert "Type a time like 19:40 (your time) or +45" in asked[-1]["text"]

    again = await commander.say("soon")
    assert again[-1]["text"].startswith("ETA: 'soon' is not a time like 19:40 or +45")
    assert "Type a time like 19:40" in again[-1]["text"]

    typed = await commander.say("19:40")
    assert re.match(rf"{unit_id}: en route, ETA 19:40 CES?T$", typed[-1]["text"])
    board = next(
        m["text"]
        for m in reversed(await ana.all_messages())
        if (m.get("text") or "").startswith("LIVE BOARD")
    )
    assert "19:40" in board

    # Typed again, in minutes from now: the member's zone is their state's (NL here).
    await commander.tap("⌨ Type the time…")
    before = datetime.now(ZoneInfo("Europe/Amsterdam"))
    typed = await commander.say("+45")
    after = datetime.now(ZoneInfo("Europe/Amsterdam"))
    expected = {(moment + timedelta(minutes=45)).strftime("%H:%M") for moment in (before, after)}
    shown = re.match(rf"{unit_id}: en route, ETA (\d\d:\d\d) CES?T$", typed[-1]["text"])
    assert shown is not None and shown.group(1) in expected
    # The wizard closed: free text is no longer read as an ETA.
    assert "en route" not in ((await commander.say("+45"))[-1].get("text") or "")
